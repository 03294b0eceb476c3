package model

import "time"

// Resource statuses (资源).
const (
	ResourceDraft     = "draft"
	ResourceAvailable = "available"
	ResourceExhausted = "exhausted"
	ResourceWithdrawn = "withdrawn"
	ResourceExpired   = "expired"
)

// ResourceStatuses lists the resource statuses in their usual order.
var ResourceStatuses = []string{ResourceDraft, ResourceAvailable, ResourceExhausted, ResourceWithdrawn, ResourceExpired}

// ResourceKindVenue is the resource_kind of a venue, which names its service site.
const ResourceKindVenue = "venue"

// Resource is a 资源 of the resources list.
type Resource struct {
	ID             int64
	AllianceID     int64
	DistrictID     int64 // the alliance's district
	ProviderUnitID int64
	Title          string
	Description    string
	Kind           string // resource_kind dictionary
	Category       string // need_category it serves, "" when any
	ServiceSiteID  *int64 // the site of a venue
	StreetID       *int64
	Capacity       int64
	Measure        string
	// AcceptedQuantity is the sum of the accepted claims' quantities.
	AcceptedQuantity int64
	AvailableFrom    *time.Time // calendar day
	AvailableUntil   *time.Time // calendar day
	Visibility       string
	Status           string
	WithdrawReason   string
	PublishedAt      *time.Time
	CreatedBy        *int64
	Version          int
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// Remaining is the capacity not yet taken by accepted claims.
func (r *Resource) Remaining() int64 { return max(r.Capacity-r.AcceptedQuantity, 0) }

// Claimable reports whether a unit may claim the resource in its status.
func (r *Resource) Claimable() bool { return r.Status == ResourceAvailable }

// ResourceStatusFor is the status an available or exhausted resource takes
// for an accepted quantity; other statuses do not change with claims.
func ResourceStatusFor(current string, accepted, capacity int64) string {
	switch current {
	case ResourceAvailable, ResourceExhausted:
	default:
		return current
	}
	if accepted >= capacity {
		return ResourceExhausted
	}
	return ResourceAvailable
}
