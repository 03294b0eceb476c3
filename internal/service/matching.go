package service

import (
	"context"

	"tongxin/internal/authz"
	"tongxin/internal/model"
	"tongxin/internal/store"
)

// Matching suggests, for a need, the available resources that fit it and,
// for a resource, the open needs it fits (匹配推荐). Suggestions are what the
// owner unit could claim: they are read as that unit sees the other list,
// whoever opens the page. Reading them needs only to see the need or resource.
type Matching struct {
	db    *store.DB
	authz *authz.Authorizer
}

// NewMatching builds the service.
func NewMatching(d Deps) *Matching { return &Matching{db: d.DB, authz: d.Authz} }

// ForNeed lists the resources that fit the need: none for a need that no
// longer seeks anything (claimed in full, in a project, closed, expired).
func (s *Matching) ForNeed(ctx context.Context, actor model.Actor, needID int64) ([]store.Match, error) {
	v, err := listViewer(ctx, s.db, s.authz, actor, "need")
	if err != nil {
		return nil, err
	}
	if ok, err := s.db.NeedVisible(ctx, needID, v); err != nil || !ok {
		return nil, visibleOrNotFound(err, "need", needID)
	}
	n, err := s.db.NeedByID(ctx, needID)
	if err != nil {
		return nil, err
	}
	if n.Status != model.NeedDraft && !n.Claimable() {
		return nil, nil
	}
	unit, err := s.unitViewer(ctx, n.SubmitterUnitID)
	if err != nil {
		return nil, err
	}
	return s.db.MatchesForNeed(ctx, n, unit, AllianceToday(s.db.Now()))
}

// ForResource lists the open needs that the resource fits: none for a
// resource that has nothing left to give.
func (s *Matching) ForResource(ctx context.Context, actor model.Actor, resourceID int64) ([]store.Match, error) {
	v, err := listViewer(ctx, s.db, s.authz, actor, "resource")
	if err != nil {
		return nil, err
	}
	if ok, err := s.db.ResourceVisible(ctx, resourceID, v); err != nil || !ok {
		return nil, visibleOrNotFound(err, "resource", resourceID)
	}
	r, err := s.db.ResourceByID(ctx, resourceID)
	if err != nil {
		return nil, err
	}
	if r.Status != model.ResourceDraft && !r.Claimable() {
		return nil, nil
	}
	unit, err := s.unitViewer(ctx, r.ProviderUnitID)
	if err != nil {
		return nil, err
	}
	return s.db.MatchesForResource(ctx, r, unit, AllianceToday(s.db.Now()))
}

// unitViewer is how a unit sees the lists: by visibility alone.
func (s *Matching) unitViewer(ctx context.Context, unitID int64) (store.ListViewer, error) {
	v := store.ListViewer{Units: []int64{unitID}}
	err := s.db.ViewerUnits(ctx, &v)
	return v, err
}

// visibleOrNotFound is the answer for a row the viewer may not see: the
// error of the check, or not found (the same answer as a missing id).
func visibleOrNotFound(err error, kind string, id int64) error {
	if err != nil {
		return err
	}
	return model.NotFound(kind, id)
}
