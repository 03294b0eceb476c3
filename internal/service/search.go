package service

import (
	"context"
	"errors"
	"strings"
	"unicode/utf8"

	"tongxin/internal/model"
	"tongxin/internal/store"
)

// Search is the one box of the top bar (全局搜索): units, alliances, needs,
// resources, projects and meetings in the caller's scope, grouped by kind.
// Each kind goes through its own list service, so it is scoped exactly as
// its list page (SQL scope, visibility of the three lists) and matched as
// there: the needs' and resources' text search (pg_trgm / FTS5 trigram,
// LIKE under three characters: STACK.md trap 6), a part of the name or
// title elsewhere. A kind the caller may not read is left out.
type Search struct{ d Deps }

// NewSearch builds the service.
func NewSearch(d Deps) *Search { return &Search{d: d} }

// Search kinds, in the order of the results page.
const (
	SearchUnits     = "units"
	SearchAlliances = "alliances"
	SearchNeeds     = "needs"
	SearchResources = "resources"
	SearchProjects  = "projects"
	SearchMeetings  = "meetings"
)

// SearchKinds lists the kinds in order.
var SearchKinds = []string{SearchUnits, SearchAlliances, SearchNeeds, SearchResources, SearchProjects, SearchMeetings}

// Limits of a search.
const (
	SearchQueryMax = 50 // characters
	SearchPerKind  = 5  // hits shown per kind
)

// SearchHit is one found object.
type SearchHit struct {
	ID     int64
	Title  string
	Code   string // a project's code
	Sub    string // where it belongs: alliance, district, unit
	Status string
}

// SearchGroup is the hits of one kind with the number of all matches.
type SearchGroup struct {
	Kind   string
	Total  int64
	Capped bool
	Hits   []SearchHit
}

// SearchResult is a search's answer.
type SearchResult struct {
	Query  string
	Groups []SearchGroup // kinds with at least one hit
}

// Run searches every kind the caller may read. An empty query finds
// nothing; a query longer than SearchQueryMax is a field error.
func (s *Search) Run(ctx context.Context, actor model.Actor, query string) (*SearchResult, error) {
	query = strings.Join(strings.Fields(query), " ")
	out := &SearchResult{Query: query}
	if query == "" {
		return out, nil
	}
	if utf8.RuneCountInString(query) > SearchQueryMax || !utf8.ValidString(query) {
		return nil, (&model.ValidationError{}).Add("q", "search.too_long")
	}
	req := model.PageRequest{Limit: SearchPerKind}
	may := func(obj string) bool { return s.d.Authz.CanAnywhere(actor.UserID, obj, "read") }
	add := func(kind string, total int64, capped bool, hits []SearchHit, err error) error {
		if err != nil {
			// A kind outside the caller's rights is simply not searched.
			if errors.Is(err, model.ErrForbidden) || errors.Is(err, model.ErrNotFound) {
				return nil
			}
			return err
		}
		if len(hits) > 0 {
			out.Groups = append(out.Groups, SearchGroup{Kind: kind, Total: total, Capped: capped, Hits: hits})
		}
		return nil
	}
	if may("unit") {
		l, err := NewUnits(s.d).List(ctx, actor, store.UnitFilter{Query: query}, req)
		var hits []SearchHit
		for _, r := range l.Items {
			hits = append(hits, SearchHit{ID: r.ID, Title: r.Name, Sub: r.DistrictName, Status: r.Status})
		}
		if err := add(SearchUnits, l.Total, l.TotalCapped, hits, err); err != nil {
			return nil, err
		}
	}
	if may("alliance") {
		l, err := NewAlliances(s.d).List(ctx, actor, store.AllianceFilter{Name: query}, req)
		var hits []SearchHit
		for _, r := range l.Items {
			hits = append(hits, SearchHit{ID: r.ID, Title: r.Name, Sub: r.DistrictName, Status: r.Status})
		}
		if err := add(SearchAlliances, l.Total, l.TotalCapped, hits, err); err != nil {
			return nil, err
		}
	}
	if may("need") || may("claim") {
		l, err := NewNeeds(s.d).List(ctx, actor, store.NeedFilter{Query: query}, req)
		var hits []SearchHit
		for _, r := range l.Items {
			hits = append(hits, SearchHit{ID: r.ID, Title: r.Title, Sub: r.AllianceName + " · " + r.SubmitterUnitName, Status: r.Status})
		}
		if err := add(SearchNeeds, l.Total, l.TotalCapped, hits, err); err != nil {
			return nil, err
		}
	}
	if may("resource") || may("claim") {
		l, err := NewResources(s.d).List(ctx, actor, store.ResourceFilter{Query: query}, req)
		var hits []SearchHit
		for _, r := range l.Items {
			hits = append(hits, SearchHit{ID: r.ID, Title: r.Title, Sub: r.AllianceName + " · " + r.ProviderUnitName, Status: r.Status})
		}
		if err := add(SearchResources, l.Total, l.TotalCapped, hits, err); err != nil {
			return nil, err
		}
	}
	if may("project") {
		l, err := NewProjects(s.d).List(ctx, actor, store.ProjectFilter{Q: query}, req)
		var hits []SearchHit
		for _, r := range l.Items {
			h := SearchHit{ID: r.ID, Title: r.Title, Sub: r.AllianceName + " · " + r.LeadUnitName, Status: r.Status}
			if r.Code != nil {
				h.Code = *r.Code
			}
			hits = append(hits, h)
		}
		if err := add(SearchProjects, l.Total, l.TotalCapped, hits, err); err != nil {
			return nil, err
		}
	}
	if may("meeting") {
		l, err := NewMeetings(s.d).List(ctx, actor, store.MeetingFilter{Title: query}, req)
		var hits []SearchHit
		for _, r := range l.Items {
			hits = append(hits, SearchHit{ID: r.ID, Title: r.Title, Sub: r.AllianceName + " · " + r.HeldOn.Format("2006-01-02"), Status: r.Status})
		}
		if err := add(SearchMeetings, l.Total, l.TotalCapped, hits, err); err != nil {
			return nil, err
		}
	}
	return out, nil
}
