package model

import "time"

// Roles. alliance_chair is derived from rotation terms, never granted by hand.
const (
	RoleSysadmin         = "sysadmin"
	RoleSecadmin         = "secadmin"
	RoleAuditor          = "auditor"
	RoleDistrictAdmin    = "district_admin"
	RoleDistrictReviewer = "district_reviewer"
	// RoleCityReviewer reads every district's business figures and lists
	// (the city view), held in sys; it is not one of the 三员.
	RoleCityReviewer      = "city_reviewer"
	RoleAllianceSecretary = "alliance_secretary"
	RoleAllianceChair     = "alliance_chair"
	RoleUnitContact       = "unit_contact"
)

// Sources of a role assignment.
const (
	SourceManual   = "manual"
	SourceSeed     = "seed"
	SourceRotation = "rotation"
)

// RoleAssignment grants a role in a domain ("sys", "district:310104",
// "alliance:12", "unit:7") for a validity window.
type RoleAssignment struct {
	ID         int64
	UserID     int64
	Role       string
	Domain     string
	ValidFrom  time.Time
	ValidUntil *time.Time
	GrantedBy  *int64
	Source     string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// ValidAt reports whether the assignment grants anything at t.
func (r *RoleAssignment) ValidAt(t time.Time) bool {
	return !t.Before(r.ValidFrom) && (r.ValidUntil == nil || t.Before(*r.ValidUntil))
}
