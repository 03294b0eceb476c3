package model

import "time"

// Claim targets.
const (
	TargetNeed     = "need"
	TargetResource = "resource"
)

// Claim statuses (认领).
const (
	ClaimPending   = "pending"
	ClaimAccepted  = "accepted"
	ClaimRejected  = "rejected"
	ClaimWithdrawn = "withdrawn"
)

// ClaimStatuses lists the claim statuses in their usual order.
var ClaimStatuses = []string{ClaimPending, ClaimAccepted, ClaimRejected, ClaimWithdrawn}

// Claim is a unit's 认领 of part of a need (to serve it) or of a resource
// (to use it). Only the target's quantity counts against its capacity; the
// other id, when set, says which of the claimant's resources serves the need
// or which of its needs the resource is for.
type Claim struct {
	ID             int64
	Target         string
	NeedID         *int64
	ResourceID     *int64
	AllianceID     int64 // the target's alliance
	DistrictID     int64 // the target's district
	ClaimantUnitID int64
	Quantity       int64
	Note           string
	Status         string
	DecidedBy      *int64
	DecidedAt      *time.Time
	Reason         string
	CreatedBy      *int64
	Version        int
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// TargetID is the id of the claimed need or resource.
func (c *Claim) TargetID() int64 {
	if c.Target == TargetNeed && c.NeedID != nil {
		return *c.NeedID
	}
	if c.ResourceID != nil {
		return *c.ResourceID
	}
	return 0
}
