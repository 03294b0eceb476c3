package web_test

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/xuri/excelize/v2"

	"tongxin/internal/model"
	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

// TestSecurityAdministration drives 登录日志 and 在线用户 through the real router
// with real logins, on both databases.
func TestSecurityAdministration(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			srv := testenv.NewServer(t, d)
			srv.FixClock(testenv.Now(t, testenv.Midyear))
			sec := srv.CreateUser(t, "sec", model.RoleSecadmin, model.DomainSys)
			srv.CreateUser(t, "aud", model.RoleAuditor, model.DomainSys)
			srv.CreateUser(t, "rev", model.RoleDistrictReviewer, "district:310104")
			srv.CreateUser(t, "zhao.lei", "", "")
			bai := srv.CreateUser(t, "bai.li", "", "")

			// Login events made through the real login form: a wrong password,
			// an unknown user, a success and a logout.
			zhao := srv.Client(t)
			if res := zhao.Submit("/login", "/login", url.Values{"username": {"zhao.lei"}, "password": {"Wrong@Pass1"}}); !strings.Contains(res.Body, "用户名或密码错误") {
				t.Fatalf("wrong password: %d, the form must say only 用户名或密码错误", res.Status)
			}
			if res := zhao.Submit("/login", "/login", url.Values{"username": {"ghost"}, "password": {"Wrong@Pass1"}}); !strings.Contains(res.Body, "用户名或密码错误") {
				t.Fatalf("unknown user: %d", res.Status)
			}
			zhao.Login("zhao.lei", testenv.Password)
			if res := zhao.Submit("/", "/logout", url.Values{}); res.Status != http.StatusSeeOther {
				t.Fatalf("logout: %d", res.Status)
			}
			admin := srv.Client(t)
			admin.Login("sec", testenv.Password)

			rows := func(res *testenv.Response) *goquery.Selection {
				t.Helper()
				if res.Status != http.StatusOK {
					t.Fatalf("status %d: %.300s", res.Status, res.Body)
				}
				return res.Doc(t).Find("table.table tbody tr:not(:has(.empty))")
			}
			results := func(s *goquery.Selection) []string {
				var out []string
				s.Find("[data-result]").Each(func(_ int, e *goquery.Selection) { out = append(out, e.AttrOr("data-result", "")) })
				return out
			}

			t.Run("the security admin sees every event, newest first, with the real reasons", func(t *testing.T) {
				res := admin.Get("/admin/login-events")
				r := rows(res)
				// failure, failure, success, logout (zhao), success (sec)
				if got := fmt.Sprint(results(r)); got != "[success logout success failure failure]" {
					t.Fatalf("results newest first = %s", got)
				}
				first := r.First().Find("td").Eq(1).Text()
				if first != "sec" {
					t.Errorf("first row user %q, want sec (the newest)", first)
				}
				for _, want := range []string{"密码错误", "用户不存在", "登录成功", "登录失败", "退出", "127.0.0.1", "登录日志"} {
					if !strings.Contains(res.Body, want) {
						t.Errorf("page lacks %q", want)
					}
				}
				tags := map[string]string{"success": "tag-accepted", "failure": "tag-rejected", "logout": "tag-closed"}
				r.Find("[data-result]").Each(func(_ int, e *goquery.Selection) {
					if !e.HasClass(tags[e.AttrOr("data-result", "")]) {
						t.Errorf("result %s has class %q", e.AttrOr("data-result", ""), e.AttrOr("class", ""))
					}
				})
				if doc := res.Doc(t); doc.Find(`a[href*="/admin/login-events/export?"]`).Length() != 2 {
					t.Errorf("no xlsx/csv export links")
				}
				if got := fmt.Sprint(results(rows(admin.Get("/admin/login-events?sort=created_at")))); got != "[failure failure success logout success]" {
					t.Errorf("oldest first = %s", got)
				}
			})

			today := srv.DB.Now().In(time.FixedZone("CST", 8*3600)).Format(time.DateOnly)
			yesterday := srv.DB.Now().In(time.FixedZone("CST", 8*3600)).AddDate(0, 0, -1).Format(time.DateOnly)
			t.Run("filters", func(t *testing.T) {
				for _, tc := range []struct {
					query string
					want  string
				}{
					{"result=failure", "[failure failure]"},
					{"result=logout", "[logout]"},
					{"username=ZHAO", "[logout success failure]"},
					{"username=gho&result=failure", "[failure]"},
					{"ip=127.0.0.1&result=success", "[success success]"},
					{"ip=127.0.", "[success logout success failure failure]"},
					{"ip=10.", "[]"},
					{"from=" + today + "&to=" + today, "[success logout success failure failure]"},
					{"to=" + yesterday, "[]"},
					{"from=" + today + "&username=sec", "[success]"},
				} {
					if got := fmt.Sprint(results(rows(admin.Get("/admin/login-events?" + tc.query)))); got != tc.want {
						t.Errorf("%s: %s, want %s", tc.query, got, tc.want)
					}
				}
				res := admin.Get("/admin/login-events?username=ghost")
				if r := rows(res); r.Length() != 1 || !strings.Contains(r.Text(), "用户不存在") {
					t.Errorf("ghost: %q", r.Text())
				}
				res = admin.Get("/admin/login-events?ip=10.")
				if !strings.Contains(res.Body, "没有符合筛选条件的记录") {
					t.Errorf("an empty filtered list must say what to do")
				}
				if v, _ := res.Doc(t).Find("#f-ip").Attr("value"); v != "10." {
					t.Errorf("the filter form lost the IP typed: %q", v)
				}
				for q, msg := range map[string]string{
					"from=2026-13-01":                     "日期格式应为",
					"from=2026-03-05&to=2026-03-04":       "结束日期不能早于开始日期",
					"result=maybe":                        "请从列表中选择登录结果",
					"username=" + strings.Repeat("x", 65): "不能超过 64 个字",
				} {
					res := admin.Get("/admin/login-events?" + q)
					if res.Status != http.StatusBadRequest || !strings.Contains(res.Body, msg) {
						t.Errorf("%s: %d, want 400 saying %q", q, res.Status, msg)
					}
				}
			})

			t.Run("export xlsx and csv of the filtered rows", func(t *testing.T) {
				want := [][]string{
					{"时间", "用户名", "结果", "原因", "IP", "浏览器"},
					{"", "ghost", "登录失败", "用户不存在", "127.0.0.1", "Go-http-client/1.1"},
					{"", "zhao.lei", "登录失败", "密码错误", "127.0.0.1", "Go-http-client/1.1"},
				}
				check := func(format string, got [][]string) {
					t.Helper()
					if len(got) != len(want) {
						t.Fatalf("%s: %d rows %v, want %d", format, len(got), got, len(want))
					}
					for i := range want {
						for j := range want[i] {
							if i > 0 && j == 0 {
								if !strings.HasPrefix(got[i][0], today+" ") || len(got[i][0]) != len("2006-01-02 15:04:05") {
									t.Errorf("%s row %d time %q, want today to the second", format, i, got[i][0])
								}
								continue
							}
							if got[i][j] != want[i][j] {
								t.Errorf("%s row %d col %d = %q, want %q", format, i, j, got[i][j], want[i][j])
							}
						}
					}
				}
				res := admin.Get("/admin/login-events/export?format=csv&result=failure")
				if res.Status != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") ||
					!strings.Contains(res.Header.Get("Content-Disposition"), "attachment") {
					t.Fatalf("csv: %d %v", res.Status, res.Header)
				}
				recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(res.Body, "\uFEFF"))).ReadAll()
				if err != nil {
					t.Fatal(err)
				}
				check("csv", recs)

				res = admin.Get("/admin/login-events/export?format=xlsx&result=failure")
				if res.Status != http.StatusOK || !strings.Contains(res.Header.Get("Content-Type"), "spreadsheetml") {
					t.Fatalf("xlsx: %d %v", res.Status, res.Header)
				}
				f, err := excelize.OpenReader(strings.NewReader(res.Body))
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				xrows, err := f.GetRows(f.GetSheetList()[0])
				if err != nil {
					t.Fatal(err)
				}
				check("xlsx", xrows)

				// Every row when nothing filters; a bad format is a 400.
				res = admin.Get("/admin/login-events/export?format=csv")
				if recs, _ := csv.NewReader(strings.NewReader(strings.TrimPrefix(res.Body, "\uFEFF"))).ReadAll(); len(recs) != 1+5 {
					t.Errorf("unfiltered export: %d lines", len(recs))
				}
				if res := admin.Get("/admin/login-events/export?format=pdf"); res.Status != http.StatusBadRequest {
					t.Errorf("format=pdf: %d", res.Status)
				}
			})

			t.Run("API lists login events with keyset paging", func(t *testing.T) {
				var seen []string
				next := ""
				for n := 0; n < 5; n++ {
					res := admin.Get("/api/v1/login-events?limit=2&after=" + next)
					var body struct {
						Items []struct {
							ID        int64     `json:"id"`
							UserID    *int64    `json:"user_id"`
							Username  string    `json:"username"`
							Result    string    `json:"result"`
							Reason    string    `json:"reason"`
							IP        string    `json:"ip"`
							CreatedAt time.Time `json:"created_at"`
						} `json:"items"`
						Next  string `json:"next"`
						Total int64  `json:"total"`
					}
					if err := json.Unmarshal([]byte(res.Body), &body); err != nil || res.Status != http.StatusOK {
						t.Fatalf("API: %d %v %s", res.Status, err, res.Body)
					}
					if body.Total != 5 {
						t.Fatalf("total %d", body.Total)
					}
					for _, it := range body.Items {
						if it.CreatedAt.Location() != time.UTC {
							t.Errorf("created_at not UTC: %v", it.CreatedAt)
						}
						if it.Username == "ghost" && (it.UserID != nil || it.Reason != "unknown_user") {
							t.Errorf("ghost event: %+v", it)
						}
						seen = append(seen, it.Result)
					}
					if next = body.Next; next == "" {
						break
					}
				}
				if fmt.Sprint(seen) != "[success logout success failure failure]" {
					t.Errorf("API pages = %v", seen)
				}
				res := admin.Get("/api/v1/login-events?result=failure&username=zhao")
				if res.Status != http.StatusOK || !strings.Contains(res.Body, `"reason":"bad_password"`) || strings.Contains(res.Body, "ghost") {
					t.Errorf("API filter: %s", res.Body)
				}
				for _, q := range []string{"from=yesterday", "result=maybe", "limit=500", "sort=password"} {
					if res := admin.Get("/api/v1/login-events?" + q); res.Status != http.StatusBadRequest || !strings.Contains(res.Body, "validation_failed") {
						t.Errorf("%s: %d %s", q, res.Status, res.Body)
					}
				}
			})

			t.Run("force logout of one session", func(t *testing.T) {
				b := srv.Client(t)
				b.Login("bai.li", testenv.Password)
				if res := b.Get("/"); res.Status != http.StatusOK {
					t.Fatalf("B's home: %d", res.Status)
				}
				res := admin.Get("/admin/sessions?username=bai")
				r := rows(res)
				if r.Length() != 1 || !strings.Contains(r.Text(), "bai.li") {
					t.Fatalf("B's session not listed: %q", r.Text())
				}
				id := r.First().AttrOr("data-session", "")
				form := r.Find(`form[action="/admin/sessions/` + id + `/revoke"]`)
				if form.AttrOr("data-confirm", "") != "确定要强制该用户下线吗？" {
					t.Errorf("the revoke form does not ask first: %q", form.AttrOr("data-confirm", ""))
				}
				// The security admin's own session is marked and has no 强制下线 or 全部下线.
				mine := rows(admin.Get("/admin/sessions?username=sec"))
				if !strings.Contains(mine.Text(), "当前会话") || mine.Find("form").Length() != 0 {
					t.Errorf("own session row: %q, %d forms", mine.Text(), mine.Find("form").Length())
				}

				res = admin.Submit("/admin/sessions?username=bai", "/admin/sessions/"+id+"/revoke", url.Values{"next": {"/admin/sessions?username=bai"}})
				if res.Status != http.StatusSeeOther || res.Location() != "/admin/sessions?username=bai" {
					t.Fatalf("revoke: %d %s %.300s", res.Status, res.Location(), res.Body)
				}
				if res := admin.Get(res.Location()); !strings.Contains(res.Body, "已强制用户 bai.li 下线") || rows(res).Length() != 0 {
					t.Errorf("after revoke: flash or row missing")
				}
				if res := b.Get("/"); res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Location(), "/login") {
					t.Fatalf("B's next request: %d %s, want 303 to /login", res.Status, res.Location())
				}
				if n := revokeAudits(t, srv.DB, "session", id); n != 1 {
					t.Errorf("audit rows: %d, want 1", n)
				}
				// Gone: a second revoke is a 404; a bad id too.
				if res := admin.Submit("/admin/sessions", "/admin/sessions/"+id+"/revoke", url.Values{}); res.Status != http.StatusNotFound {
					t.Errorf("revoke twice: %d", res.Status)
				}
				if res := admin.Submit("/admin/sessions", "/admin/sessions/abc/revoke", url.Values{}); res.Status != http.StatusNotFound {
					t.Errorf("revoke abc: %d", res.Status)
				}
				// An outside next is ignored.
				b.Login("bai.li", testenv.Password)
				r = rows(admin.Get("/admin/sessions?username=bai"))
				res = admin.Submit("/admin/sessions", "/admin/sessions/"+r.First().AttrOr("data-session", "")+"/revoke", url.Values{"next": {"//evil.example/"}})
				if res.Status != http.StatusSeeOther || res.Location() != "/admin/sessions" {
					t.Errorf("revoke with an outside next: %d %s", res.Status, res.Location())
				}
			})

			t.Run("log a user out everywhere, never oneself", func(t *testing.T) {
				b1, b2 := srv.Client(t), srv.Client(t)
				b1.Login("bai.li", testenv.Password)
				b2.Login("bai.li", testenv.Password)
				if r := rows(admin.Get("/admin/sessions?username=bai.li")); r.Length() != 2 ||
					r.Find(fmt.Sprintf(`form[action="/admin/sessions/user/%d/revoke"]`, bai.ID)).Length() != 2 {
					t.Fatalf("B's two sessions with 全部下线: %d rows", r.Length())
				}
				res := admin.Submit("/admin/sessions", fmt.Sprintf("/admin/sessions/user/%d/revoke", bai.ID), url.Values{})
				if res.Status != http.StatusSeeOther {
					t.Fatalf("revoke all: %d %.300s", res.Status, res.Body)
				}
				for i, c := range []*testenv.Client{b1, b2} {
					if res := c.Get("/"); res.Status != http.StatusSeeOther {
						t.Errorf("B's client %d still in: %d", i+1, res.Status)
					}
				}
				if n := revokeAudits(t, srv.DB, "user", strconv.FormatInt(bai.ID, 10)); n != 1 {
					t.Errorf("audit rows: %d, want 1", n)
				}
				res = admin.Submit("/admin/sessions", fmt.Sprintf("/admin/sessions/user/%d/revoke", sec.ID), url.Values{})
				if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "不能强制自己下线") {
					t.Errorf("revoke oneself: %d", res.Status)
				}
				mine := rows(admin.Get("/admin/sessions?username=sec")).First().AttrOr("data-session", "")
				res = admin.Submit("/admin/sessions", "/admin/sessions/"+mine+"/revoke", url.Values{})
				if res.Status != http.StatusUnprocessableEntity {
					t.Errorf("revoke one's own current session: %d", res.Status)
				}
				if res := admin.Get("/admin/sessions"); res.Status != http.StatusOK {
					t.Errorf("the security admin was logged out: %d", res.Status)
				}
				if res := admin.Submit("/admin/sessions", "/admin/sessions/user/999999/revoke", url.Values{}); res.Status != http.StatusNotFound {
					t.Errorf("unknown user: %d", res.Status)
				}
			})

			t.Run("API: sessions and revoke", func(t *testing.T) {
				b := srv.Client(t)
				b.Login("bai.li", testenv.Password)
				res := admin.Get("/api/v1/sessions?username=bai.li")
				var body struct {
					Items []struct {
						ID       int64     `json:"id"`
						UserID   int64     `json:"user_id"`
						Username string    `json:"username"`
						Expiry   time.Time `json:"expiry"`
					} `json:"items"`
					Total int64 `json:"total"`
				}
				if err := json.Unmarshal([]byte(res.Body), &body); err != nil || len(body.Items) != 1 || body.Items[0].UserID != bai.ID {
					t.Fatalf("API sessions: %d %v %s", res.Status, err, res.Body)
				}
				if strings.Contains(res.Body, "token") {
					t.Errorf("the API shows a session token: %s", res.Body)
				}
				id := body.Items[0].ID
				res = apiPost(t, admin, fmt.Sprintf("/api/v1/sessions/%d/revoke", id))
				if res.Status != http.StatusOK || !strings.Contains(res.Body, `"username":"bai.li"`) {
					t.Fatalf("API revoke: %d %s", res.Status, res.Body)
				}
				if res := b.Get("/"); res.Status != http.StatusSeeOther {
					t.Errorf("B still in after the API revoke: %d", res.Status)
				}
				if res := apiPost(t, admin, fmt.Sprintf("/api/v1/sessions/%d/revoke", id)); res.Status != http.StatusNotFound {
					t.Errorf("API revoke twice: %d", res.Status)
				}
				if res := apiPost(t, admin, fmt.Sprintf("/api/v1/sessions/user/%d/revoke", sec.ID)); res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "revoke_self") {
					t.Errorf("API revoke oneself: %d %s", res.Status, res.Body)
				}
				// Not the session the request itself runs in either (the end of the
				// request would save it again, without its owner).
				mine := rows(admin.Get("/admin/sessions?username=sec")).First().AttrOr("data-session", "")
				if res := apiPost(t, admin, "/api/v1/sessions/"+mine+"/revoke"); res.Status != http.StatusUnprocessableEntity {
					t.Errorf("API revoke of the current session: %d %s", res.Status, res.Body)
				}
				if res := admin.Get("/api/v1/sessions?username=sec"); !strings.Contains(res.Body, `"id":`+mine+`,`) {
					t.Errorf("the current session is gone from the list: %s", res.Body)
				}
			})

			t.Run("the auditor reads login events, not sessions", func(t *testing.T) {
				c := srv.Client(t)
				c.Login("aud", testenv.Password)
				if r := rows(c.Get("/admin/login-events?result=failure")); r.Length() != 2 {
					t.Errorf("auditor's login events: %d rows", r.Length())
				}
				if res := c.Get("/admin/login-events/export?format=csv"); res.Status != http.StatusOK {
					t.Errorf("auditor's export: %d", res.Status)
				}
				if res := c.Get("/api/v1/login-events"); res.Status != http.StatusOK {
					t.Errorf("auditor's API: %d", res.Status)
				}
				for _, p := range []string{"/admin/sessions", "/api/v1/sessions"} {
					if res := c.Get(p); res.Status != http.StatusForbidden {
						t.Errorf("auditor GET %s: %d, want 403", p, res.Status)
					}
				}
				if res := c.Get("/"); strings.Contains(res.Body, `href="/admin/sessions"`) || !strings.Contains(res.Body, `href="/admin/login-events"`) {
					t.Errorf("auditor's menu must show 登录日志 and not 在线用户")
				}
				if res := c.Submit("/", fmt.Sprintf("/admin/sessions/user/%d/revoke", bai.ID), url.Values{}); res.Status != http.StatusForbidden {
					t.Errorf("auditor revoke: %d", res.Status)
				}
			})

			t.Run("a district reviewer gets 403 everywhere", func(t *testing.T) {
				c := srv.Client(t)
				c.Login("rev", testenv.Password)
				for _, p := range []string{"/admin/login-events", "/admin/login-events/export?format=csv", "/admin/sessions",
					"/api/v1/login-events", "/api/v1/sessions"} {
					if res := c.Get(p); res.Status != http.StatusForbidden {
						t.Errorf("reviewer GET %s: %d, want 403", p, res.Status)
					}
				}
				for _, p := range []string{"/admin/sessions/1/revoke", fmt.Sprintf("/admin/sessions/user/%d/revoke", bai.ID)} {
					if res := c.Submit("/", p, url.Values{}); res.Status != http.StatusForbidden {
						t.Errorf("reviewer POST %s: %d, want 403", p, res.Status)
					}
				}
				for _, p := range []string{"/api/v1/sessions/1/revoke", fmt.Sprintf("/api/v1/sessions/user/%d/revoke", bai.ID)} {
					if res := apiPost(t, c, p); res.Status != http.StatusForbidden {
						t.Errorf("reviewer POST %s: %d, want 403", p, res.Status)
					}
				}
			})

			t.Run("anonymous: pages go to the login, the API answers 401", func(t *testing.T) {
				c := srv.Client(t)
				for _, p := range []string{"/admin/login-events", "/admin/login-events/export?format=csv", "/admin/sessions"} {
					if res := c.Get(p); res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Location(), "/login") {
						t.Errorf("anonymous GET %s: %d %s", p, res.Status, res.Location())
					}
				}
				for _, p := range []string{"/api/v1/login-events", "/api/v1/sessions"} {
					if res := c.Get(p); res.Status != http.StatusUnauthorized {
						t.Errorf("anonymous GET %s: %d, want 401", p, res.Status)
					}
				}
				for _, p := range []string{"/api/v1/sessions/1/revoke", "/api/v1/sessions/user/1/revoke"} {
					if res := apiPost(t, c, p); res.Status != http.StatusUnauthorized {
						t.Errorf("anonymous POST %s: %d, want 401", p, res.Status)
					}
				}
			})
		})
	}
}

// apiPost posts an empty JSON body with the CSRF header a script with a
// session cookie sends.
func apiPost(t *testing.T, c *testenv.Client, path string) *testenv.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, c.URL(path), strings.NewReader("{}"))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", c.CSRFCookie())
	return c.Do(req)
}

// revokeAudits counts the session.revoke audit rows about an object.
func revokeAudits(t *testing.T, db *store.DB, kind, id string) int {
	t.Helper()
	q := "SELECT count(*) FROM audit_log WHERE action = 'session.revoke' AND object_kind = $1 AND object_id = $2 AND username = 'sec'"
	if db.Dialect() == store.SQLite {
		q = strings.NewReplacer("$1", "?", "$2", "?").Replace(q)
	}
	var n int
	if err := db.SQL().QueryRowContext(t.Context(), q, kind, id).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
