package model

// UnitLink ties a member unit to an alliance it is a current member of, or
// to an active committee it convenes (CommitteeID 0 for a membership). The
// authorizer derives the roles of the unit's contacts from them.
type UnitLink struct {
	UnitID, AllianceID, CommitteeID int64
}
