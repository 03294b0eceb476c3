package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"tongxin/internal/model"
	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

// TestSeparationOfDutiesAbuse tries, as the administrators themselves, every
// path around 三员分立 through the real router, pages and API, on both
// databases: granting oneself a role, granting an administrator another role,
// making a role holder an administrator, changing one's own roles or password
// through the admin pages, and the system administrator taking over the
// auditor's or the security administrator's account by a password reset.
func TestSeparationOfDutiesAbuse(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			srv := testenv.NewServer(t, d)
			root := srv.CreateUser(t, "root", model.RoleSysadmin, model.DomainSys)
			sec := srv.CreateUser(t, "sec", model.RoleSecadmin, model.DomainSys)
			sec2 := srv.CreateUser(t, "sec2", model.RoleSecadmin, model.DomainSys)
			aud := srv.CreateUser(t, "aud", model.RoleAuditor, model.DomainSys)
			rev := srv.CreateUser(t, "rev", model.RoleDistrictReviewer, "district:310104")
			plain := srv.CreateUser(t, "plain", "", "")

			rootC, secC, sec2C, audC := srv.Client(t), srv.Client(t), srv.Client(t), srv.Client(t)
			rootC.Login("root", testenv.Password)
			secC.Login("sec", testenv.Password)
			sec2C.Login("sec2", testenv.Password)
			audC.Login("aud", testenv.Password)

			assignments := func(u *model.User) string {
				t.Helper()
				ras, err := srv.DB.OpenRoleAssignments(t.Context(), u.ID, srv.DB.Now())
				if err != nil {
					t.Fatal(err)
				}
				var out []string
				for _, ra := range ras {
					out = append(out, ra.Role+"@"+ra.Domain)
				}
				return strings.Join(out, ",")
			}
			userPage := func(u *model.User) string { return fmt.Sprintf("/admin/users/%d", u.ID) }
			grantPage := func(t *testing.T, c *testenv.Client, u *model.User, role, domain, want string) {
				t.Helper()
				res := c.Submit(userPage(u), userPage(u)+"/roles", url.Values{"role": {role}, "domain": {domain}})
				if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Doc(t).Find("#grant-role-error").Text(), want) {
					t.Errorf("page: grant %s@%s to %s: %d %q, want 422 with %q", role, domain, u.Username, res.Status,
						res.Doc(t).Find("#grant-role-error").Text(), want)
				}
			}
			grantAPI := func(t *testing.T, c *testenv.Client, u *model.User, role, domain, want string) {
				t.Helper()
				body := fmt.Sprintf(`{"user_id":%d,"role":%q,"domain":%q}`, u.ID, role, domain)
				res := apiRaw(t, c, http.MethodPost, "/api/v1/role-assignments", body)
				if res.Status != http.StatusBadRequest || !strings.Contains(res.Body, want) {
					t.Errorf("API: grant %s@%s to %s: %d %.300s, want 400 with %q", role, domain, u.Username, res.Status, res.Body, want)
				}
			}

			t.Run("the security admin cannot grant itself a role (then approve in that district)", func(t *testing.T) {
				grantPage(t, secC, sec, model.RoleDistrictReviewer, "district:310104", "不能变更自己的角色")
				grantAPI(t, secC, sec, model.RoleDistrictReviewer, "district:310104", "不能变更自己的角色")
				grantAPI(t, secC, sec, model.RoleCityReviewer, model.DomainSys, "不能变更自己的角色")
				if got := assignments(sec); got != "secadmin@sys" {
					t.Fatalf("sec holds %s", got)
				}
				// Nor through a colleague: an administrator holds no other role.
				grantPage(t, sec2C, sec, model.RoleDistrictReviewer, "district:310104", "不能再授予其他角色")
				grantAPI(t, sec2C, sec, model.RoleDistrictReviewer, "district:310104", "不能再授予其他角色")
				if got := assignments(sec); got != "secadmin@sys" {
					t.Fatalf("sec holds %s", got)
				}
			})

			t.Run("no other role for any of the three", func(t *testing.T) {
				for _, u := range []*model.User{root, aud, sec2} {
					grantPage(t, secC, u, model.RoleDistrictAdmin, "district:310104", "不能再授予其他角色")
					grantAPI(t, secC, u, model.RoleCityReviewer, model.DomainSys, "不能再授予其他角色")
					other := model.RoleAuditor
					if u == aud {
						other = model.RoleSysadmin
					}
					grantAPI(t, secC, u, other, model.DomainSys, "三员分立")
				}
				if assignments(root) != "sysadmin@sys" || assignments(aud) != "auditor@sys" || assignments(sec2) != "secadmin@sys" {
					t.Fatalf("grants went through: %s %s %s", assignments(root), assignments(aud), assignments(sec2))
				}
			})

			t.Run("no administrator role for a holder of another role", func(t *testing.T) {
				for _, role := range model.ThreeAdmins {
					grantPage(t, secC, rev, role, model.DomainSys, "请先撤销")
					grantAPI(t, secC, rev, role, model.DomainSys, "请先撤销")
				}
				if got := assignments(rev); got != "district_reviewer@district:310104" {
					t.Fatalf("rev holds %s", got)
				}
				// A person without roles may become one (the normal way).
				res := apiRaw(t, secC, http.MethodPost, "/api/v1/role-assignments", fmt.Sprintf(`{"user_id":%d,"role":"auditor","domain":"sys"}`, plain.ID))
				if res.Status != http.StatusCreated {
					t.Fatalf("auditor for a bare account: %d %.300s", res.Status, res.Body)
				}
			})

			t.Run("nobody revokes their own role", func(t *testing.T) {
				ras, err := srv.DB.OpenRoleAssignments(t.Context(), sec.ID, srv.DB.Now())
				if err != nil || len(ras) != 1 {
					t.Fatal(ras, err)
				}
				p := fmt.Sprintf("/admin/role-assignments/%d/revoke", ras[0].ID)
				if res := secC.Submit(userPage(sec), p, url.Values{}); res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "不能变更自己的角色") {
					t.Errorf("page: revoke own: %d", res.Status)
				}
				if res := apiRaw(t, secC, http.MethodPost, fmt.Sprintf("/api/v1/role-assignments/%d/revoke", ras[0].ID), "{}"); res.Status != http.StatusUnprocessableEntity {
					t.Errorf("API: revoke own: %d %.300s", res.Status, res.Body)
				}
				if got := assignments(sec); got != "secadmin@sys" {
					t.Fatalf("sec holds %s", got)
				}
				// The own page offers no revoke button; a colleague's does.
				if n := secC.Get(userPage(sec)).Doc(t).Find(`form[action$="/revoke"]`).Length(); n != 0 {
					t.Errorf("own page offers %d revoke buttons", n)
				}
				if n := sec2C.Get(userPage(sec)).Doc(t).Find(`form[action$="/revoke"]`).Length(); n != 1 {
					t.Errorf("a colleague's page offers %d revoke buttons, want 1", n)
				}
			})

			resetPage := func(t *testing.T, c *testenv.Client, u *model.User) *testenv.Response {
				t.Helper()
				fresh, err := srv.DB.UserByID(t.Context(), u.ID)
				if err != nil {
					t.Fatal(err)
				}
				tok := c.CSRFCookie()
				return c.PostForm(userPage(u)+"/reset-password", url.Values{"csrf_token": {tok}, "version": {fmt.Sprint(fresh.Version)}})
			}
			resetAPI := func(t *testing.T, c *testenv.Client, u *model.User) *testenv.Response {
				t.Helper()
				fresh, err := srv.DB.UserByID(t.Context(), u.ID)
				if err != nil {
					t.Fatal(err)
				}
				return apiRaw(t, c, http.MethodPost, fmt.Sprintf("/api/v1/users/%d/reset-password", u.ID), fmt.Sprintf(`{"version":%d}`, fresh.Version))
			}
			hashOf := func(u *model.User) string {
				t.Helper()
				fresh, err := srv.DB.UserByID(t.Context(), u.ID)
				if err != nil {
					t.Fatal(err)
				}
				return fresh.PasswordHash
			}

			t.Run("nobody resets their own password through the admin pages or API", func(t *testing.T) {
				for _, c := range []struct {
					c *testenv.Client
					u *model.User
				}{{rootC, root}, {secC, sec}} {
					before := hashOf(c.u)
					if res := resetPage(t, c.c, c.u); res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "个人中心") {
						t.Errorf("page: %s resets own: %d", c.u.Username, res.Status)
					}
					if res := resetAPI(t, c.c, c.u); res.Status != http.StatusUnprocessableEntity || strings.Contains(res.Body, "one_time_password") {
						t.Errorf("API: %s resets own: %d %.200s", c.u.Username, res.Status, res.Body)
					}
					if hashOf(c.u) != before {
						t.Errorf("%s's password changed", c.u.Username)
					}
				}
				// The page offers no such button either.
				if res := rootC.Get(userPage(root)); strings.Contains(res.Body, "/reset-password") {
					t.Errorf("own page offers a reset")
				}
			})

			t.Run("the system admin cannot take over the auditor or the security admin", func(t *testing.T) {
				for _, u := range []*model.User{aud, sec, sec2} {
					before := hashOf(u)
					if res := resetPage(t, rootC, u); res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "只能由（另一位）安全管理员重置") || strings.Contains(res.Body, "one-time-password") {
						t.Errorf("page: root resets %s: %d", u.Username, res.Status)
					}
					if res := resetAPI(t, rootC, u); res.Status != http.StatusUnprocessableEntity || strings.Contains(res.Body, "one_time_password") {
						t.Errorf("API: root resets %s: %d %.200s", u.Username, res.Status, res.Body)
					}
					if hashOf(u) != before {
						t.Errorf("%s's password changed", u.Username)
					}
					if res := rootC.Get(userPage(u)); strings.Contains(res.Body, "/reset-password") {
						t.Errorf("root sees a reset button on %s", u.Username)
					}
				}
				// The auditor still works with its own password.
				if res := audC.Get("/admin/audit-log"); res.Status != http.StatusOK {
					t.Errorf("auditor after the attempts: %d", res.Status)
				}
			})

			t.Run("the security admin resets no ordinary account", func(t *testing.T) {
				before := hashOf(rev)
				if res := resetPage(t, secC, rev); res.Status != http.StatusForbidden {
					t.Errorf("page: sec resets rev: %d", res.Status)
				}
				if res := resetAPI(t, secC, rev); res.Status != http.StatusForbidden {
					t.Errorf("API: sec resets rev: %d", res.Status)
				}
				if hashOf(rev) != before {
					t.Errorf("rev's password changed")
				}
				if res := secC.Get(userPage(rev)); strings.Contains(res.Body, "/reset-password") {
					t.Errorf("sec sees a reset button on rev")
				}
				// The system admin does, as before.
				if res := resetAPI(t, rootC, rev); res.Status != http.StatusOK || !strings.Contains(res.Body, "one_time_password") {
					t.Errorf("root resets rev: %d %.200s", res.Status, res.Body)
				}
			})

			t.Run("another security admin resets one of the three: audited, sessions ended, told", func(t *testing.T) {
				res := resetPage(t, sec2C, sec)
				if res.Status != http.StatusOK {
					t.Fatalf("sec2 resets sec: %d %.300s", res.Status, res.Body)
				}
				pw := strings.TrimSpace(res.Doc(t).Find("#one-time-password").Text())
				if len(pw) != 12 {
					t.Fatalf("one-time password %q", pw)
				}
				if r := secC.Get("/admin/users"); r.Status == http.StatusOK {
					t.Errorf("sec's session survived the reset")
				}
				if n := countWhere(t, srv.DB, "audit_log", "action = 'user.password_reset' AND username = 'sec2' AND object_id = ?", fmt.Sprint(sec.ID)); n != 1 {
					t.Errorf("audit rows of the reset: %d", n)
				}
				if n := countWhere(t, srv.DB, "notifications", "kind = 'password_reset' AND user_id = ?", sec.ID); n != 1 {
					t.Errorf("notifications to sec: %d", n)
				}
				// At its next login the account is told at once.
				again := srv.Client(t)
				again.Login("sec", pw)
				page := again.Get("/profile/password")
				if !strings.Contains(page.Body, "被 ") || !strings.Contains(page.Body, "sec2") || !strings.Contains(page.Body, "如非您本人申请") {
					t.Errorf("the login does not tell of the reset: %.2000s", page.Body)
				}
				// Through the API too, for the auditor.
				res = resetAPI(t, sec2C, aud)
				var body struct {
					OneTimePassword string `json:"one_time_password"`
				}
				if res.Status != http.StatusOK || json.Unmarshal([]byte(res.Body), &body) != nil || body.OneTimePassword == "" {
					t.Fatalf("API: sec2 resets aud: %d %.300s", res.Status, res.Body)
				}
				if n := countWhere(t, srv.DB, "notifications", "kind = 'password_reset' AND user_id = ?", aud.ID); n != 1 {
					t.Errorf("notifications to aud: %d", n)
				}
			})
		})
	}
}

// apiJSON sends a JSON body with the CSRF header a script with a session
// cookie sends.
func apiRaw(t *testing.T, c *testenv.Client, method, path, body string) *testenv.Response {
	t.Helper()
	req, _ := http.NewRequest(method, c.URL(path), strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", c.CSRFCookie())
	return c.Do(req)
}

// countWhere counts the rows of table matching where (with ? placeholders).
func countWhere(t *testing.T, db *store.DB, table, where string, args ...any) int {
	t.Helper()
	q := "SELECT count(*) FROM " + table + " WHERE " + where
	if db.Dialect() == store.Postgres {
		for i := 1; strings.Contains(q, "?"); i++ {
			q = strings.Replace(q, "?", fmt.Sprintf("$%d", i), 1)
		}
	}
	var n int
	if err := db.SQL().QueryRowContext(t.Context(), q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
