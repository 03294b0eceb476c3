package model

import "time"

// Notification kinds (the catalog renders "notification.<kind>" with Params).
const (
	NotifyClaimNew       = "claim_new"       // a new claim on my need or resource
	NotifyClaimAccepted  = "claim_accepted"  // my claim was accepted
	NotifyClaimRejected  = "claim_rejected"  // my claim was rejected
	NotifyClaimWithdrawn = "claim_withdrawn" // a pending claim on mine was withdrawn
)

// Notification is one message of a user's in-app inbox.
type Notification struct {
	ID          int64
	UserID      int64
	Kind        string
	SubjectKind string // need, resource, claim, project …
	SubjectID   int64
	ActorID     *int64
	// Params holds the message's arguments as a JSON object.
	Params    string
	Link      string
	ReadAt    *time.Time
	CreatedAt time.Time
	UpdatedAt time.Time
}
