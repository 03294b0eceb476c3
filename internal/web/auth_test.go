package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"tongxin/internal/config"
	"tongxin/internal/model"
	"tongxin/internal/testenv"
	"tongxin/internal/web"
)

func TestLoginRules(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			srv := testenv.NewServer(t, d)
			srv.CreateUser(t, "li", "", "")
			// The clock is read by the server's goroutines too.
			var clockMu sync.Mutex
			clockAt := time.Now().UTC()
			srv.DB.SetClock(func() time.Time { clockMu.Lock(); defer clockMu.Unlock(); return clockAt })
			advance := func(d time.Duration) { clockMu.Lock(); clockAt = clockAt.Add(d); clockMu.Unlock() }

			t.Run("five wrong passwords, slowed down after three, lock this source out for 15 minutes, with one answer for all", func(t *testing.T) {
				c := srv.Client(t)
				unknown := c.Submit("/login", "/login", url.Values{"username": {"nobody"}, "password": {"x"}})
				for i := 0; i < 5; i++ {
					res := c.Submit("/login", "/login", url.Values{"username": {"li"}, "password": {"wrong"}})
					if res.Status != http.StatusOK {
						t.Fatalf("attempt %d: %d", i+1, res.Status)
					}
					advance(5 * time.Second) // past the growing delay (1 s, 2 s …)
				}
				msg := func(r *testenv.Response) string { return strings.TrimSpace(r.Doc(t).Find("#login-error").Text()) }
				// A wrong password while locked answers like an unknown user:
				// guessing names and locking them reveals nothing.
				res := c.Submit("/login", "/login", url.Values{"username": {"li"}, "password": {"wrong again"}})
				if res.Status != http.StatusOK || msg(res) == "" || msg(res) != msg(unknown) {
					t.Errorf("a wrong password while locked %q and unknown user %q must answer alike", msg(res), msg(unknown))
				}
				// The right password learns that the account is locked, and
				// until when (Asia/Shanghai).
				res = c.Submit("/login", "/login", url.Values{"username": {"li"}, "password": {testenv.Password}})
				if res.Status != http.StatusOK {
					t.Fatalf("the right password while locked: %d, want the form again", res.Status)
				}
				clockMu.Lock()
				until, day := clockAt.Add(-5*time.Second).Add(15*time.Minute).In(web.Shanghai), clockAt.In(web.Shanghai).Format(time.DateOnly)
				clockMu.Unlock()
				want := "账号已锁定，请于 " + until.Format("15:04") + " 后再试"
				if until.Format(time.DateOnly) != day {
					want = "账号已锁定，请于 " + until.Format("2006-01-02 15:04") + " 后再试"
				}
				if msg(res) != want {
					t.Errorf("the right password while locked: %q, want %q", msg(res), want)
				}
				if c.Get("/").Status == http.StatusOK {
					t.Error("a locked account was signed in")
				}
				var locked int
				if err := srv.DB.SQL().QueryRow("SELECT count(*) FROM login_events WHERE reason = 'locked'").Scan(&locked); err != nil || locked != 2 {
					t.Errorf("login events with reason locked: %d %v, want 2", locked, err)
				}
				advance(16 * time.Minute)
				c.Login("li", testenv.Password)
			})

			t.Run("a session token planted before the login is worthless after it", func(t *testing.T) {
				c := srv.Client(t)
				c.Get("/login")
				before := c.Cookie("tongxin_session")
				c.Login("li", testenv.Password)
				after := c.Cookie("tongxin_session")
				if after == "" || after == before {
					t.Fatalf("session cookie not renewed at login: before %q after %q", before, after)
				}
				attacker := srv.Client(t)
				attacker.SetCookie("tongxin_session", before)
				if res := attacker.Get("/"); res.Status != http.StatusSeeOther {
					t.Fatalf("the pre-login token opens the home page: %d", res.Status)
				}
			})

			t.Run("an expired session goes back to the login page", func(t *testing.T) {
				c := srv.Client(t)
				c.Login("li", testenv.Password)
				if res := c.Get("/"); res.Status != http.StatusOK {
					t.Fatalf("home: %d", res.Status)
				}
				// The store compares expiry with its clock: move it past the idle timeout.
				advance(31 * time.Minute)
				res := c.Get("/")
				if res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Location(), "/login") {
					t.Fatalf("after the idle timeout: %d %s", res.Status, res.Location())
				}
			})
		})
	}
}

func TestLoginRateLimitPerIP(t *testing.T) {
	srv := testenv.NewServer(t, testenv.Dialects[0], func(c *config.Config) { c.Security.LoginRatePerIP = 3 })
	c := srv.Client(t)
	var last int
	for i := 0; i < 5; i++ {
		last = c.Submit("/login", "/login", url.Values{"username": {"x"}, "password": {"y"}}).Status
	}
	if last != http.StatusTooManyRequests {
		t.Fatalf("5th attempt in a minute with a limit of 3: %d, want 429", last)
	}
}

// TestBadInputNeverAnswers500 sends input of the wrong shape to the API.
func TestBadInputNeverAnswers500(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			srv := testenv.NewServer(t, d)
			srv.CreateUser(t, "root", model.RoleSysadmin, "sys")
			srv.CreateUser(t, "sec", model.RoleSecadmin, "sys")
			root, secC := srv.Client(t), srv.Client(t)
			root.Login("root", testenv.Password)
			secC.Login("sec", testenv.Password)
			send := func(c *testenv.Client, method, path, ctype, body string) *testenv.Response {
				req, _ := http.NewRequest(method, c.URL(path), strings.NewReader(body))
				if ctype != "" {
					req.Header.Set("Content-Type", ctype)
				}
				req.Header.Set("X-CSRF-Token", c.CSRFCookie())
				return c.Do(req)
			}
			long := strings.Repeat("长", 200)
			cases := []struct {
				name         string
				c            *testenv.Client
				method, path string
				ctype, body  string
				want         int
				field        string
			}{
				{"not JSON", root, "POST", "/api/v1/users", "application/json", "{", 400, ""},
				{"wrong content type", root, "POST", "/api/v1/users", "text/plain", "{}", 415, ""},
				{"array instead of object", root, "POST", "/api/v1/users", "application/json", "[]", 400, ""},
				{"wrong type", root, "POST", "/api/v1/users", "application/json", `{"username": 5}`, 400, "username"},
				{"unknown field", root, "POST", "/api/v1/users", "application/json", `{"usrname": "a"}`, 400, "usrname"},
				{"overlong name", root, "POST", "/api/v1/users", "application/json", `{"username":"abc","display_name":"` + long + `"}`, 400, "display_name"},
				{"control characters", root, "POST", "/api/v1/users", "application/json", `{"username":"abc","display_name":"a\u0007b"}`, 400, "display_name"},
				{"two objects", root, "POST", "/api/v1/users", "application/json", `{} {}`, 400, ""},
				{"unknown role", secC, "POST", "/api/v1/role-assignments", "application/json", `{"user_id":1,"role":"king","domain":"sys"}`, 400, "role"},
				{"unknown domain", secC, "POST", "/api/v1/role-assignments", "application/json", `{"user_id":1,"role":"district_admin","domain":"district:1"}`, 400, "domain"},
				{"malformed domain", secC, "POST", "/api/v1/role-assignments", "application/json", `{"user_id":1,"role":"district_admin","domain":"district:abc"}`, 400, "domain"},
				{"chair by hand", secC, "POST", "/api/v1/role-assignments", "application/json", `{"user_id":1,"role":"alliance_chair","domain":"alliance:1"}`, 422, ""},
				{"no such user", root, "GET", "/api/v1/users/999999", "", "", 404, ""},
				{"id not a number", root, "GET", "/api/v1/users/abc", "", "", 404, ""},
				{"bad cursor", root, "GET", "/api/v1/users?after=garbage", "", "", 400, ""},
				{"limit too big", root, "GET", "/api/v1/users?limit=100000", "", "", 400, "limit"},
				{"stale version", root, "PATCH", "/api/v1/users/1", "application/json", `{"display_name":"x","version":99}`, 409, ""},
			}
			for _, tc := range cases {
				res := send(tc.c, tc.method, tc.path, tc.ctype, tc.body)
				if res.Status != tc.want {
					t.Errorf("%s: %d %s, want %d", tc.name, res.Status, res.Body, tc.want)
					continue
				}
				var body struct {
					Error struct {
						Code, Message string
						Fields        map[string]string
					} `json:"error"`
				}
				if err := json.Unmarshal([]byte(res.Body), &body); err != nil || body.Error.Message == "" {
					t.Errorf("%s: no error message: %s", tc.name, res.Body)
				}
				if tc.field != "" && body.Error.Fields[tc.field] == "" {
					t.Errorf("%s: no message for field %s: %s", tc.name, tc.field, res.Body)
				}
			}
		})
	}
}
