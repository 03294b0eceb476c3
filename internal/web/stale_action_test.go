package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"tongxin/internal/app"
	"tongxin/internal/testenv"
)

// TestStaleActionSaysWhatChanged: an action sent with a version someone else
// has since moved answers 409 naming who did what in between (the object's
// audited operations, by their labels), and does nothing.
func TestStaleActionSaysWhatChanged(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			srv := testenv.NewServer(t, d)
			srv.FixClock(testenv.Now(t, testenv.Midyear))
			ctx := context.Background()
			if _, err := app.SeedDemo(ctx, srv.DB, srv.App.Auth, testenv.Password); err != nil {
				t.Fatal(err)
			}
			if err := srv.App.Authz.Reload(ctx); err != nil {
				t.Fatal(err)
			}
			var id int64
			if err := srv.DB.SQL().QueryRow("SELECT id FROM needs WHERE status = 'published' ORDER BY id LIMIT 1").Scan(&id); err != nil {
				t.Fatal(err)
			}
			sec := srv.Client(t)
			sec.Login("secretary", testenv.Password)
			seen := versionOf(t, srv, "needs", id)
			path := fmt.Sprintf("/api/v1/needs/%d", id)
			if res := sessionJSON(sec, http.MethodPatch, path, withVersion(t, srv, "needs", id, `{"description":"补充说明"}`)); res.Status != http.StatusOK {
				t.Fatalf("edit: %d %.300s", res.Status, res.Body)
			}
			res := sessionJSON(sec, http.MethodPost, path+"/close", fmt.Sprintf(`{"version":%s,"reason":"已解决"}`, seen))
			if res.Status != http.StatusConflict {
				t.Fatalf("a stale close: %d %.300s", res.Status, res.Body)
			}
			msg := decode[claimAPIErr](t, res).Error.Message
			if !strings.Contains(msg, "secretary") || !strings.Contains(msg, "编辑需求") || strings.Contains(msg, "need.update") {
				t.Errorf("the stale answer does not say what changed: %s", msg)
			}
			var status string
			if err := srv.DB.SQL().QueryRow(fmt.Sprintf("SELECT status FROM needs WHERE id = %d", id)).Scan(&status); err != nil || status != "published" {
				t.Errorf("the need is %s (%v) after a stale close", status, err)
			}
		})
	}
}
