package service

import (
	"context"
	"time"

	"tongxin/internal/model"
	"tongxin/internal/store"
)

// Awaiting is what waits for the user (待我处理): reviews to do, claims to
// decide, chair duties due, projects returned to them. Each group comes
// from the list service behind its page, so its count is that page's count.

// Awaiting kinds, in the order the inbox shows them.
const (
	AwaitReviews  = "reviews"  // submitted projects the user may approve (/reviews)
	AwaitClaims   = "claims"   // pending claims the user may decide (/claims?view=decide)
	AwaitDuties   = "duties"   // chair duties overdue or due within a week
	AwaitReturned = "returned" // returned projects the user may edit (/projects?status=returned)
)

// AwaitingPerKind is how many items of a kind are listed.
const AwaitingPerKind = 5

// AwaitingItem is one thing to do.
type AwaitingItem struct {
	ID      int64 // project, claim or rotation term
	Title   string
	Sub     string
	Due     *time.Time
	Overdue bool
}

// AwaitingGroup is one kind with its count.
type AwaitingGroup struct {
	Kind   string
	Total  int64
	Capped bool
	Items  []AwaitingItem
}

// AwaitingList is everything that waits for a user.
type AwaitingList struct {
	Groups []AwaitingGroup // kinds with something to do
	Total  int64
}

// Awaits computes what awaits a user.
type Awaits struct{ d Deps }

// NewAwaits builds the service.
func NewAwaits(d Deps) *Awaits { return &Awaits{d: d} }

// For lists what awaits the actor now.
func (s *Awaits) For(ctx context.Context, actor model.Actor) (*AwaitingList, error) {
	out := &AwaitingList{}
	add := func(g AwaitingGroup) {
		if g.Total > 0 {
			out.Groups = append(out.Groups, g)
			out.Total += g.Total
		}
	}
	az := s.d.Authz
	req := model.PageRequest{Limit: AwaitingPerKind}
	today := AllianceToday(s.d.DB.Now())
	if az.CanAnywhere(actor.UserID, "project", "approve") {
		f := store.ProjectFilter{Status: model.ProjectSubmitted, Scope: az.Scope(actor.UserID, "project", "approve")}
		l, err := s.d.DB.ListProjects(ctx, f, model.PageRequest{Limit: AwaitingPerKind, Sort: "submitted_at"})
		if err != nil {
			return nil, err
		}
		g := AwaitingGroup{Kind: AwaitReviews, Total: l.Total, Capped: l.TotalCapped}
		for _, p := range l.Items {
			it := AwaitingItem{ID: p.ID, Title: p.Title, Sub: p.AllianceName, Due: p.ReviewDueOn}
			it.Overdue = p.ReviewDueOn != nil && p.ReviewDueOn.Before(today)
			g.Items = append(g.Items, it)
		}
		add(g)
	}
	if az.CanAnywhere(actor.UserID, "claim", "decide") {
		l, err := NewClaims(s.d).List(ctx, actor, store.ClaimFilter{}, ClaimViewDecide, req)
		if err != nil {
			return nil, err
		}
		g := AwaitingGroup{Kind: AwaitClaims, Total: l.Total, Capped: l.TotalCapped}
		for _, c := range l.Items {
			g.Items = append(g.Items, AwaitingItem{ID: c.ID, Title: c.TargetTitle, Sub: c.ClaimantUnitName})
		}
		add(g)
	}
	duties, err := NewRotation(s.d).OpenDuties(ctx, actor, 200)
	if err != nil {
		return nil, err
	}
	g := AwaitingGroup{Kind: AwaitDuties, Total: int64(len(duties))}
	for i, d := range duties {
		if i == AwaitingPerKind {
			break
		}
		due := d.DueOn
		g.Items = append(g.Items, AwaitingItem{ID: d.TermID, Title: d.Kind, Sub: d.AllianceName, Due: &due, Overdue: due.Before(today)})
	}
	add(g)
	if az.CanAnywhere(actor.UserID, "project", "update") {
		l, err := NewProjects(s.d).List(ctx, actor, store.ProjectFilter{Status: model.ProjectReturned}, req)
		if err != nil {
			return nil, err
		}
		g := AwaitingGroup{Kind: AwaitReturned, Total: l.Total, Capped: l.TotalCapped}
		for _, p := range l.Items {
			g.Items = append(g.Items, AwaitingItem{ID: p.ID, Title: p.Title, Sub: p.ReturnReason})
		}
		add(g)
	}
	return out, nil
}
