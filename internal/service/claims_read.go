package service

import (
	"context"
	"slices"

	"tongxin/internal/authz"
	"tongxin/internal/model"
	"tongxin/internal/store"
)

// ClaimRights are the scopes in which the actor decides and withdraws
// claims; they answer a page's buttons for many rows at the cost of one
// scope each.
type ClaimRights struct {
	decide, withdraw model.Scope
}

// ClaimPerms says what the actor may do to one claim now.
type ClaimPerms struct {
	Decide   bool // accept or reject (the claim is pending)
	Withdraw bool // withdraw (the claim is pending and the actor speaks for the claimant)
}

// Rights returns the actor's claim rights.
func (s *Claims) Rights(actor model.Actor) ClaimRights {
	return ClaimRights{decide: s.authz.Scope(actor.UserID, "claim", "decide"), withdraw: s.authz.Scope(actor.UserID, "claim", "withdraw")}
}

// For says what the rights allow on c (its owner chain for decide, the
// claimant unit for withdraw), which is what Accept, Reject and Withdraw check.
func (r ClaimRights) For(c *store.ClaimRow) ClaimPerms {
	if c.Status != model.ClaimPending {
		return ClaimPerms{}
	}
	d := r.decide
	return ClaimPerms{
		Decide: d.All || slices.Contains(d.Units, c.OwnerUnitID) || slices.Contains(d.Alliances, c.AllianceID) ||
			slices.Contains(d.Districts, c.DistrictID),
		Withdraw: r.withdraw.All || slices.Contains(r.withdraw.Units, c.ClaimantUnitID),
	}
}

// filter scopes f to what the actor reads, narrowed by the view.
func (s *Claims) filter(actor model.Actor, f store.ClaimFilter, view string) store.ClaimFilter {
	f.Scope = s.authz.Scope(actor.UserID, "claim", "read")
	switch view {
	case ClaimViewDecide:
		d := s.authz.Scope(actor.UserID, "claim", "decide")
		f.Decide = &d
	case ClaimViewMine:
		f.Claimants = append([]int64{}, s.authz.Scope(actor.UserID, "claim", "create").Units...)
	}
	return f
}

// List pages through the claims the actor may read, in a view.
func (s *Claims) List(ctx context.Context, actor model.Actor, f store.ClaimFilter, view string, req model.PageRequest) (model.List[store.ClaimRow], error) {
	return s.db.ListClaims(ctx, s.filter(actor, f, view), req)
}

// Each calls fn for every claim the actor may read that matches f in the
// view, in the order req asks for (exports).
func (s *Claims) Each(ctx context.Context, actor model.Actor, f store.ClaimFilter, view string, req model.PageRequest, fn func(*store.ClaimRow) error) error {
	return s.db.EachClaim(ctx, s.filter(actor, f, view), req, exportBatch, fn)
}

// canRead reports whether the actor reads claims on the owner's chain or
// for the claimant unit.
func (s *Claims) canRead(actor model.Actor, c *store.ClaimRow) bool {
	owner := authz.ChainUnit(c.OwnerUnitID, c.DistrictID, c.AllianceID)
	return s.authz.Can(actor.UserID, owner, "claim", "read") || s.authz.Can(actor.UserID, claimantChain(c.ClaimantUnitID), "claim", "read")
}

// Get loads one claim the actor may read (404 otherwise).
func (s *Claims) Get(ctx context.Context, actor model.Actor, id int64) (*store.ClaimRow, error) {
	c, err := s.db.ClaimRowByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if !s.canRead(actor, c) {
		return nil, model.NotFound("claim", id)
	}
	return c, nil
}

// Target loads a need or resource the actor may see (404 otherwise), for
// the claim form and the claims fragment of its page.
func (s *Claims) Target(ctx context.Context, actor model.Actor, kind string, id int64) (*ClaimTarget, error) {
	t, err := s.target(ctx, kind, id, false)
	if err != nil {
		return nil, err
	}
	v, err := listViewer(ctx, s.db, s.authz, actor, kind)
	if err != nil {
		return nil, err
	}
	ok, err := s.visibleTo(ctx, t, v)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, model.NotFound(kind, id)
	}
	owner, err := s.db.UnitByID(ctx, t.OwnerUnitID)
	if err != nil {
		return nil, err
	}
	t.OwnerName = owner.Name
	return t, nil
}

// ClaimAlliancesMax caps the alliances the list's filter offers.
const ClaimAlliancesMax = 500

// Alliances lists the alliances the claims list's filter offers the actor.
func (s *Claims) Alliances(ctx context.Context, actor model.Actor) ([]store.ClaimOption, error) {
	return s.db.ClaimAllianceOptions(ctx, s.authz.Scope(actor.UserID, "claim", "read"), ClaimAlliancesMax)
}

// OnTarget pages through the claims on a need or resource the actor may
// see, as far as the actor reads them: its owner and the alliance see all,
// another unit its own.
func (s *Claims) OnTarget(ctx context.Context, actor model.Actor, kind string, id int64, req model.PageRequest) (*ClaimTarget, model.List[store.ClaimRow], error) {
	t, err := s.Target(ctx, actor, kind, id)
	if err != nil {
		return nil, model.List[store.ClaimRow]{}, err
	}
	f := store.ClaimFilter{}
	if kind == model.TargetNeed {
		f.NeedID = id
	} else {
		f.ResourceID = id
	}
	l, err := s.db.ListClaims(ctx, s.filter(actor, f, ClaimViewAll), req)
	return t, l, err
}

// ClaimantUnits lists the actor's units that may claim t: the units they
// claim for (claim create), active, that see it and do not own it. A nil
// target lists all of them.
func (s *Claims) ClaimantUnits(ctx context.Context, actor model.Actor, t *ClaimTarget) ([]store.ClaimUnit, error) {
	units, err := s.db.ClaimUnits(ctx, s.authz.Scope(actor.UserID, "claim", "create").Units)
	if err != nil || t == nil {
		return units, err
	}
	out := units[:0:0]
	for _, u := range units {
		if u.ID == t.OwnerUnitID {
			continue
		}
		v, err := s.unitViewer(ctx, u.ID)
		if err != nil {
			return nil, err
		}
		ok, err := s.visibleTo(ctx, t, v)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, u)
		}
	}
	return out, nil
}

// Links lists what a claim on a target of kind may link to among the
// resources (a need) or needs (a resource) of the units.
func (s *Claims) Links(ctx context.Context, kind string, units []store.ClaimUnit) ([]store.ClaimLink, error) {
	ids := make([]int64, 0, len(units))
	for _, u := range units {
		ids = append(ids, u.ID)
	}
	return s.db.ClaimLinks(ctx, kind, ids)
}
