package service

import (
	"context"

	"tongxin/internal/authz"
	"tongxin/internal/model"
	"tongxin/internal/report"
	"tongxin/internal/store"
)

// UnitProfile is a member unit's contribution across all its alliances
// (成员单位贡献档案): the glossary's unit_* counters for a period, with the
// unit's memberships now and before.
type UnitProfile struct {
	Unit         *model.Unit
	DistrictName string
	Period       report.Period
	Counters     []report.Counter
	Values       report.Values
	Memberships  []store.UnitMembership
}

// UnitProfile computes the profile. unit_profile:read on the unit's chain:
// its contacts, the secretaries of its current alliances, its district's
// reviewers and admins, a city-wide reader; anyone else gets 404.
func (s *Reports) UnitProfile(ctx context.Context, actor model.Actor, unitID int64, p report.Period) (*UnitProfile, error) {
	u, err := s.db.UnitByID(ctx, unitID)
	if err != nil {
		return nil, err
	}
	ids, err := s.db.UnitAllianceIDs(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	if err := s.authz.Check(actor.UserID, authz.ChainUnit(u.ID, u.DistrictID, ids...), "unit_profile", "read"); err != nil {
		return nil, err
	}
	out := &UnitProfile{Unit: u, Period: p, Values: report.Values{}}
	names, err := s.db.ReportNames(ctx, "district", []int64{u.DistrictID})
	if err != nil {
		return nil, err
	}
	out.DistrictName = names[u.DistrictID]
	q := store.ReportQuery{From: p.From, To: p.To, Start: p.Start(), End: p.End(), Today: s.Today()}
	for _, c := range report.Counters {
		if c.Area != report.AreaUnit {
			continue
		}
		v, err := s.db.UnitCounter(ctx, c.Key, u.ID, q)
		if err != nil {
			return nil, err
		}
		out.Counters = append(out.Counters, c)
		out.Values[c.Key] = v
	}
	if out.Memberships, err = s.db.UnitMemberships(ctx, u.ID); err != nil {
		return nil, err
	}
	return out, nil
}

// ProfileUnits are the units whose profile the caller reads as a contact
// (their unit_profile grants in unit domains): the unit contact's dashboard.
func (s *Reports) ProfileUnits(actor model.Actor) []int64 {
	return s.authz.Scope(actor.UserID, "unit_profile", "read").Units
}
