package model

import "time"

// Visibility of a need or a resource: who, besides its owners, sees it.
const (
	VisibleAlliance = "alliance" // the members of its alliance
	VisibleDistrict = "district" // every unit of its district
	VisibleCity     = "city"     // every unit
)

// Visibilities lists the visibility codes in the order forms offer them.
var Visibilities = []string{VisibleAlliance, VisibleDistrict, VisibleCity}

// Need statuses (需求).
const (
	NeedDraft         = "draft"
	NeedPublished     = "published"
	NeedPartlyClaimed = "partly_claimed"
	NeedClaimed       = "claimed"
	NeedInProject     = "in_project"
	NeedFulfilled     = "fulfilled"
	NeedClosed        = "closed"
	NeedExpired       = "expired"
)

// NeedStatuses lists the need statuses in their usual order.
var NeedStatuses = []string{NeedDraft, NeedPublished, NeedPartlyClaimed, NeedClaimed, NeedInProject, NeedFulfilled, NeedClosed, NeedExpired}

// Coverage of a need, derived from its accepted claims.
const (
	CoverageNone     = "none"
	CoveragePartial  = "partial"
	CoverageComplete = "complete"
)

// Need is a 需求 of the needs list.
type Need struct {
	ID              int64
	AllianceID      int64
	DistrictID      int64 // the alliance's district
	SubmitterUnitID int64
	Title           string
	Description     string
	Category        string // need_category dictionary
	ResourceKind    string // resource_kind wanted, "" when any
	StreetID        *int64
	GridID          *int64
	Quantity        int64
	Measure         string // measure dictionary
	// AcceptedQuantity is the sum of the accepted claims' quantities, kept
	// by the transaction that accepts or withdraws a claim.
	AcceptedQuantity int64
	Beneficiaries    int
	WantedBy         *time.Time // calendar day
	Visibility       string
	Status           string
	CloseReason      string
	PublishedAt      *time.Time
	CreatedBy        *int64
	Version          int
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// Coverage derives none / partial / complete from the accepted quantity.
func (n *Need) Coverage() string { return coverage(n.AcceptedQuantity, n.Quantity) }

// Remaining is the quantity not yet covered by accepted claims.
func (n *Need) Remaining() int64 { return max(n.Quantity-n.AcceptedQuantity, 0) }

// Claimable reports whether a unit may claim the need in its status.
func (n *Need) Claimable() bool {
	return n.Status == NeedPublished || n.Status == NeedPartlyClaimed
}

// NeedStatusFor is the status a published need takes for an accepted
// quantity: published, partly claimed or claimed. Statuses past the claiming
// stage (in project, fulfilled, closed, expired) do not change with claims.
func NeedStatusFor(current string, accepted, quantity int64) string {
	switch current {
	case NeedPublished, NeedPartlyClaimed, NeedClaimed:
	default:
		return current
	}
	switch coverage(accepted, quantity) {
	case CoverageComplete:
		return NeedClaimed
	case CoveragePartial:
		return NeedPartlyClaimed
	}
	return NeedPublished
}

func coverage(accepted, total int64) string {
	switch {
	case accepted <= 0:
		return CoverageNone
	case accepted >= total:
		return CoverageComplete
	}
	return CoveragePartial
}
