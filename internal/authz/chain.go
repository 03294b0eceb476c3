package authz

import "tongxin/internal/model"

// Domain chains of objects, narrowest first. A check walks the chain and
// stops at the first domain that allows.

// ChainSys is the chain of system-wide objects (users, dictionaries).
func ChainSys() []string { return []string{model.DomainSys} }

// ChainDistrict is the chain of an object that belongs to a district
// (streets, grids, service sites).
func ChainDistrict(districtID int64) []string {
	return []string{model.DomainOf(model.DomainDistrict, districtID), model.DomainSys}
}

// ChainAlliance is the chain of an alliance and what belongs to it
// (memberships, committees, later needs, resources, projects).
func ChainAlliance(allianceID, districtID int64) []string {
	return []string{model.DomainOf(model.DomainAlliance, allianceID), model.DomainOf(model.DomainDistrict, districtID), model.DomainSys}
}

// ChainUnit is the chain of a member unit. The alliances the unit belongs to
// come after its own domain, so that an alliance secretary may read the
// units of their alliance.
func ChainUnit(unitID, districtID int64, allianceIDs ...int64) []string {
	out := []string{model.DomainOf(model.DomainUnit, unitID)}
	for _, a := range allianceIDs {
		out = append(out, model.DomainOf(model.DomainAlliance, a))
	}
	return append(out, model.DomainOf(model.DomainDistrict, districtID), model.DomainSys)
}

// ChainCommittee is the chain of a committee and of its meetings: the
// committee's own domain (where its convenor's contacts hold a derived
// role), then its alliance's chain.
func ChainCommittee(committeeID, allianceID, districtID int64) []string {
	return append([]string{CommitteeDomain(committeeID)}, ChainAlliance(allianceID, districtID)...)
}

// ChainMeeting is the chain of a meeting: a committee meeting's starts with
// its committee's domain.
func ChainMeeting(committeeID *int64, allianceID, districtID int64) []string {
	if committeeID != nil && *committeeID != 0 {
		return ChainCommittee(*committeeID, allianceID, districtID)
	}
	return ChainAlliance(allianceID, districtID)
}
