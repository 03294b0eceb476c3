package web_test

import (
	"context"
	"strings"
	"testing"

	"tongxin/internal/app"
	"tongxin/internal/testenv"
)

// TestDashboardStatusTilesCountTheWholeYear: the demo holds a project
// submitted for review that starts later this year; the reviewer's 待审核
// tile counts it, as the review queue does, so the two never disagree.
func TestDashboardStatusTilesCountTheWholeYear(t *testing.T) {
	srv := testenv.NewServer(t, testenv.Dialects[0])
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
