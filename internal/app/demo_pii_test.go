package app_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"tongxin/internal/app"
	"tongxin/internal/service"
	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

// TestSeedDemoShowsMasking: in the demo, the reviewer reads the units'
// contacts masked (138****1234) and the secretary in full; the security
// admin reads the demo unit contact's phone masked.
func TestSeedDemoShowsMasking(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		auth, err := service.NewAuth(db, service.AuthOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := app.SeedDemo(ctx, db, auth, testenv.Password); err != nil {
			t.Fatal(err)
		}
		srv := testenv.ServeDB(t, db)
		for user, want := range map[string][2]string{"reviewer": {"138****1234", "13812341234"}, "secretary": {"13812341235", "138****1235"},
			"secadmin": {"139****5678", "13912345678"}, "admin": {"13912345678", "139****5678"}} {
			c := srv.Client(t)
			c.Login(user, testenv.Password)
			path := "/units"
			if user == "secadmin" || user == "admin" {
				path = "/admin/users?q=unit"
			}
			res := c.Get(path)
			if res.Status != http.StatusOK || !strings.Contains(res.Body, want[0]) || strings.Contains(res.Body, want[1]) {
				t.Errorf("%s: %s: %d, want %s and not %s", user, path, res.Status, want[0], want[1])
			}
		}
	})
}
