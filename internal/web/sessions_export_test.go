package web_test

import (
	"net/http"
	"strings"
	"testing"

	"tongxin/internal/model"
	"tongxin/internal/testenv"
)

// TestOnlineSessionsExport: 在线用户 exports the sessions its filter selects.
func TestOnlineSessionsExport(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			srv := testenv.NewServer(t, d)
			srv.CreateUser(t, "sec", model.RoleSecadmin, "sys")
			srv.CreateUser(t, "li.lei", "", "")
			srv.CreateUser(t, "han.mei", "", "")
			for _, u := range []string{"li.lei", "han.mei"} {
				srv.Client(t).Login(u, testenv.Password)
			}
			c := srv.Client(t)
			c.Login("sec", testenv.Password)
			if res := c.Get("/admin/sessions"); !strings.Contains(res.Body, "/admin/sessions/export?") {
				t.Errorf("the page offers no export")
			}
			res := c.Get("/admin/sessions/export?format=csv&username=li.lei")
			if res.Status != http.StatusOK || !strings.Contains(res.Body, "li.lei") || strings.Contains(res.Body, "han.mei") {
				t.Fatalf("export: %d %q", res.Status, res.Body)
			}
			if res := c.Get("/admin/sessions/export?format=pdf"); res.Status != http.StatusBadRequest {
				t.Errorf("an unknown format: %d", res.Status)
			}
		})
	}
}
