package authz

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"tongxin/internal/model"
)

// Roles derived from a unit's place in its alliances, held by the contacts
// of the unit (unit_contact in unit:ID) and never granted by hand:
//
//   - alliance_member in alliance:A while the unit is a current member of A:
//     the members read their alliance, its committees, its rotation schedule
//     and its meetings;
//   - committee_convenor in committee:C while the unit convenes the active
//     committee C: the convenor reads its committee and calls and runs the
//     committee's meetings (a committee meeting's chain starts with
//     committee:C, see ChainMeeting).
//
// They are loaded with the assignments; a change of membership or convenor
// is announced on Channel like a change of roles.
const (
	RoleAllianceMember    = "alliance_member"
	RoleCommitteeConvenor = "committee_convenor"
	// DomainCommittee is the kind of a committee's domain (committee:ID);
	// no role is granted in it by hand.
	DomainCommittee = "committee"
	// sourceDerived marks the derived assignments.
	sourceDerived = "derived"
)

// LinkSource gives the memberships and convenorships of units; a Source
// that is one too (store.DB) makes the authorizer derive the roles above.
type LinkSource interface {
	UnitGovernanceLinks(ctx context.Context, unitIDs []int64) ([]model.UnitLink, error)
}

// derive returns the derived assignments of the unit contacts among valid.
func derive(ctx context.Context, ls LinkSource, valid []model.RoleAssignment) ([]model.RoleAssignment, error) {
	contacts := map[int64][]int64{} // unit → users
	var units []int64
	for _, ra := range valid {
		if ra.Role != model.RoleUnitContact {
			continue
		}
		kind, id, err := model.ParseDomain(ra.Domain)
		if err != nil || kind != model.DomainUnit {
			continue
		}
		if _, ok := contacts[id]; !ok {
			units = append(units, id)
		}
		contacts[id] = append(contacts[id], ra.UserID)
	}
	links, err := ls.UnitGovernanceLinks(ctx, units)
	if err != nil {
		return nil, err
	}
	var out []model.RoleAssignment
	for _, l := range links {
		role, dom := RoleAllianceMember, model.DomainOf(model.DomainAlliance, l.AllianceID)
		if l.CommitteeID != 0 {
			role, dom = RoleCommitteeConvenor, CommitteeDomain(l.CommitteeID)
		}
		for _, u := range contacts[l.UnitID] {
			out = append(out, model.RoleAssignment{UserID: u, Role: role, Domain: dom, Source: sourceDerived})
		}
	}
	return out, nil
}

// CommitteeDomain is the domain of a committee.
func CommitteeDomain(id int64) string { return model.DomainOf(DomainCommittee, id) }

// Committees returns the committees in whose own domain the user may do act
// on obj (a convenor's committees), in the order of the user's roles.
func (a *Authorizer) Committees(userID int64, obj, act string) []int64 {
	e, by := a.current()
	var out []int64
	for _, ra := range by[userID] {
		rest, ok := strings.CutPrefix(ra.Domain, DomainCommittee+":")
		if !ok {
			continue
		}
		id, err := strconv.ParseInt(rest, 10, 64)
		if err != nil || slices.Contains(out, id) || !a.enforce(e, userID, ra.Domain, obj, act) {
			continue
		}
		out = append(out, id)
	}
	return out
}
