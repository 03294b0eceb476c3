package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"tongxin/internal/app"
	"tongxin/internal/service"
	"tongxin/internal/testenv"
)

// TestDashboardStatusTilesCountTheWholeYear: the status tiles count this
// year's projects by their 年度 (not by their planned start), so the
// reviewer's 待审核 tile counts the demo's submitted project as the review
// queue does, and the two never disagree (TestFiguresReconcileWithTheirLists
// checks every tile against its list).
func TestDashboardStatusTilesCountTheWholeYear(t *testing.T) {
	srv := testenv.NewServer(t, testenv.Dialects[0])
	srv.FixClock(testenv.Now(t, testenv.Midyear))
	ctx := context.Background()
	if _, err := app.SeedDemo(ctx, srv.DB, srv.App.Auth, testenv.Password); err != nil {
		t.Fatal(err)
	}
	if err := srv.App.Authz.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	c := srv.Client(t)
	c.Login("reviewer", testenv.Password)
	res := c.Get("/")
	doc := res.Doc(t)
	if doc.Find("[data-tile]").Length() == 0 {
		t.Fatalf("no tiles: %d %s", res.Status, res.Doc(t).Find("main").Text())
	}
	tile := func(key string) string {
		return strings.TrimSpace(doc.Find(`[data-tile="` + key + `"] .stat-value`).First().Text())
	}
	submitted, queue := tile("status_submitted"), tile("review_queue")
	if submitted == "" || submitted == "0" || submitted != queue {
		t.Errorf("待审核 tile %q, review queue %q: want the same, not zero", submitted, queue)
	}
}

// TestRotationListShowsTheLatestTermsFirst: with the demo's two years of
// monthly chairs, the list opens on this year's last term, not on the first
// term of last year.
func TestRotationListShowsTheLatestTermsFirst(t *testing.T) {
	srv := testenv.NewServer(t, testenv.Dialects[0])
	srv.FixClock(testenv.Now(t, testenv.Midyear))
	ctx := context.Background()
	if _, err := app.SeedDemo(ctx, srv.DB, srv.App.Auth, testenv.Password); err != nil {
		t.Fatal(err)
	}
	if err := srv.App.Authz.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	c := srv.Client(t)
	c.Login("secretary", testenv.Password)
	first := strings.TrimSpace(c.Get("/rotation-terms").Doc(t).Find("tbody tr").First().Text())
	want := fmt.Sprintf("%d-12-01", service.AllianceToday(srv.DB.Now()).Year())
	if !strings.Contains(first, want) {
		t.Errorf("first row %q, want the term starting %s", strings.Join(strings.Fields(first), " "), want)
	}
}
