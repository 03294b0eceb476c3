package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"tongxin/internal/model"
	"tongxin/internal/service"
	"tongxin/internal/testenv"
)

// TestProjectDraftYearFollowsTheStart: 立项草稿 takes 年度 from the planned
// start day given on its form (next year's here), not from today; without
// one, from the need's wanted-by day when that lies in a later year; a bad
// day is refused (400) and drafts nothing.
func TestProjectDraftYearFollowsTheStart(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			s := newProjectScene(t, d)
			ctx := context.Background()
			db := s.srv.DB
			next := service.AllianceToday(db.Now()).Year() + 1
			accepted := func() string {
				t.Helper()
				need := claimFixNeed(t, s.srv, s.alliance.ID, 310104, s.partner, 10, model.VisibleAlliance)
				cl := claimFixClaim(t, s.srv, model.TargetNeed, need.ID, s.alliance.ID, 310104, s.lead, 10)
				if err := db.DecideClaim(ctx, cl.ID, cl.Version, model.ClaimPending, model.ClaimAccepted, nil, ""); err != nil {
					t.Fatal(err)
				}
				return fmt.Sprintf("/needs/%d", need.ID)
			}
			np := accepted()
			if b := s.sec.Get(np + "/project-draft"); !projectHas(t, b, `#project-draft`) || !projectHas(t, b, `input[name="starts_on"]`) {
				t.Fatalf("the draft form has no planned start: %d", b.Status)
			}
			if res := s.sec.Submit(np, np+"/project-draft", url.Values{"starts_on": {"2026-02-30"}}); res.Status != http.StatusBadRequest {
				t.Errorf("a bad start day: %d, want 400", res.Status)
			}
			start := fmt.Sprintf("%d-01-15", next)
			res := s.sec.Submit(np, np+"/project-draft", url.Values{"starts_on": {start}})
			if res.Status != http.StatusSeeOther {
				t.Fatalf("draft: %d %.300s", res.Status, res.Body)
			}
			p, err := db.ProjectByID(ctx, projectIDFrom(t, res.Location(), "/projects/"))
			if err != nil {
				t.Fatal(err)
			}
			if p.Year != next || allianceDay(p.StartsOn) != start {
				t.Errorf("draft year %d start %s, want %d and %s", p.Year, allianceDay(p.StartsOn), next, start)
			}
			// The project form offers the year to edit.
			if e := s.sec.Get(fmt.Sprintf("/projects/%d/edit", p.ID)); !projectHas(t, e, fmt.Sprintf(`[name="year"] [value="%d"], input[name="year"][value="%d"]`, next, next)) {
				t.Errorf("the edit form does not offer the year %d", next)
			}
			// Without a start: the need is wanted next year.
			np = accepted()
			if _, err := db.SQL().Exec(fmt.Sprintf("UPDATE needs SET wanted_by = '%d-03-31' WHERE id = %s", next, np[len("/needs/"):])); err != nil {
				t.Fatal(err)
			}
			res = s.sec.Submit(np, np+"/project-draft", url.Values{})
			if res.Status != http.StatusSeeOther {
				t.Fatalf("draft without a start: %d", res.Status)
			}
			if p, _ := db.ProjectByID(ctx, projectIDFrom(t, res.Location(), "/projects/")); p == nil || p.Year != next || p.StartsOn != nil {
				t.Errorf("draft without a start: %+v, want the year %d", p, next)
			}
		})
	}
}
