package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"tongxin/internal/model"
	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

// apiErr is the JSON error body of API.md.
type apiErr struct {
	Error struct {
		Code   string            `json:"code"`
		Fields map[string]string `json:"fields"`
	} `json:"error"`
}

func decode[T any](t *testing.T, res *testenv.Response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(res.Body), &v); err != nil {
		t.Fatalf("decode %.300s: %v", res.Body, err)
	}
	return v
}

// bearer returns a client that sends the token and no cookie of a session.
func bearer(t *testing.T, srv *testenv.Server, secret string) *testenv.Client {
	c := srv.Client(t)
	c.Header.Set("Authorization", "Bearer "+secret)
	return c
}

func sendJSON(c *testenv.Client, method, path, body string) *testenv.Response {
	return c.Send(method, path, "application/json", strings.NewReader(body))
}

// sessionJSON sends JSON as a logged-in script would: session cookie plus
// the CSRF token in X-CSRF-Token.
func sessionJSON(c *testenv.Client, method, path, body string) *testenv.Response {
	req, _ := http.NewRequest(method, c.URL(path), strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", c.CSRFCookie())
	return c.Do(req)
}

type tokenResp struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	Status     string     `json:"status"`
	ExpiresAt  *time.Time `json:"expires_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	Token      string     `json:"token"`
}

func TestProfileAndTokens(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			srv := testenv.NewServer(t, d)
			ctx := context.Background()
			srv.CreateUser(t, "wang.fang", model.RoleDistrictReviewer, "district:310104")
			srv.CreateUser(t, "li.ming", "", "")
			c := srv.Client(t)
			c.Login("wang.fang", testenv.Password)

			var secret string
			t.Run("the profile page shows the person and their roles", func(t *testing.T) {
				res := c.Get("/profile")
				if res.Status != http.StatusOK {
					t.Fatalf("GET /profile = %d", res.Status)
				}
				doc := res.Doc(t)
				for _, want := range []string{"个人中心", "wang.fang", "区级审核员", "徐汇区", "我的 API 令牌", "暂无 API 令牌"} {
					if !strings.Contains(res.Body, want) {
						t.Errorf("profile page lacks %q", want)
					}
				}
				if doc.Find(`a[href="/profile/password"]`).Length() == 0 {
					t.Errorf("no link to 修改密码")
				}
				if n := doc.Find(`#token-expires option`).Length(); n != 4 {
					t.Errorf("%d expiry choices, want 30/90/180 days and never", n)
				}
				if v, _ := doc.Find(`#token-expires option[selected]`).Attr("value"); v != "90" {
					t.Errorf("default expiry %q, want 90", v)
				}
			})

			t.Run("a refused form keeps what was typed and says why", func(t *testing.T) {
				res := c.Submit("/profile", "/profile/tokens", url.Values{"name": {""}, "expires_days": {"90"}})
				if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Doc(t).Find("#token-name-error").Text(), "必填") {
					t.Fatalf("empty name: %d", res.Status)
				}
				res = c.Submit("/profile", "/profile/tokens", url.Values{"name": {"同步脚本"}, "expires_days": {"7"}})
				doc := res.Doc(t)
				if res.Status != http.StatusUnprocessableEntity || doc.Find("#token-expires-error").Length() == 0 {
					t.Fatalf("expiry outside the choices: %d", res.Status)
				}
				if v, _ := doc.Find("#token-name").Attr("value"); v != "同步脚本" {
					t.Errorf("name not kept: %q", v)
				}
				if n := countRows(t, srv, "SELECT count(*) FROM api_tokens"); n != 0 {
					t.Errorf("refused forms made %d tokens", n)
				}
			})

			t.Run("create through the form shows the secret once", func(t *testing.T) {
				res := c.Submit("/profile", "/profile/tokens", url.Values{"name": {"数据同步脚本"}, "expires_days": {"90"}})
				if res.Status != http.StatusOK {
					t.Fatalf("create: %d %.300s", res.Status, res.Body)
				}
				if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
					t.Errorf("Cache-Control %q, want no-store", cc)
				}
				doc := res.Doc(t)
				secret, _ = doc.Find("#new-token-value").Attr("value")
				if !model.LooksLikeToken(secret) {
					t.Fatalf("no token in the page: %q", secret)
				}
				if !strings.Contains(doc.Find("#new-token").Text(), "请立即复制保存，离开本页后将无法再次查看") {
					t.Errorf("the secret box lacks the warning")
				}
				if href, _ := doc.Find("a[data-locale-switch]").Attr("href"); !strings.HasSuffix(href, "next=/profile") && !strings.HasSuffix(href, "next=%2fprofile") {
					t.Errorf("the language link of the answer leads to the form's action: %s", href)
				}
				// Nowhere but in that answer: not in the next page, not in the session, not in the audit log.
				res = c.Get("/profile")
				if strings.Contains(res.Body, secret) || strings.Contains(res.Body, secret[8:20]) {
					t.Fatalf("the secret shows again")
				}
				if !strings.Contains(res.Body, secret[:8]) || !strings.Contains(res.Body, "数据同步脚本") {
					t.Errorf("the list does not show the token by name and prefix")
				}
				for _, table := range []string{"sessions", "audit_log"} {
					for _, b := range columnValues(t, srv, table) {
						if strings.Contains(b, secret) || strings.Contains(b, model.HashToken(secret)) {
							t.Errorf("a row of %s holds the secret or its hash", table)
						}
					}
				}
				if n := countRows(t, srv, "SELECT count(*) FROM audit_log WHERE action = 'token.create' AND username = 'wang.fang'"); n != 1 {
					t.Errorf("%d token.create audit rows", n)
				}
				// The token works on the API, as its owner.
				res = bearer(t, srv, secret).Get("/api/v1/me")
				me := decode[struct{ Username string }](t, res)
				if res.Status != http.StatusOK || me.Username != "wang.fang" {
					t.Fatalf("GET /api/v1/me with the token: %d %s", res.Status, res.Body)
				}
			})

			t.Run("a bearer token is ignored on pages", func(t *testing.T) {
				res := bearer(t, srv, secret).Get("/profile")
				if res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Location(), "/login") {
					t.Fatalf("GET /profile with only a token = %d %s, want the login page", res.Status, res.Location())
				}
			})

			t.Run("refused tokens answer 401 in JSON", func(t *testing.T) {
				check := func(name, token string) {
					t.Helper()
					res := bearer(t, srv, token).Get("/api/v1/me")
					if res.Status != http.StatusUnauthorized || decode[apiErr](t, res).Error.Code != "unauthenticated" {
						t.Errorf("%s: %d %s", name, res.Status, res.Body)
					}
					if !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Bearer") {
						t.Errorf("%s: WWW-Authenticate %q", name, res.Header.Get("WWW-Authenticate"))
					}
				}
				check("malformed", "not-a-token")
				check("unknown", model.TokenPrefix+strings.Repeat("a", 52))
				check("the secret with a changed character", secret[:len(secret)-1]+map[bool]string{true: "b", false: "a"}[strings.HasSuffix(secret, "a")])

				mk := func(name string, days int) (int64, string) {
					t.Helper()
					res := sessionJSON(c, http.MethodPost, "/api/v1/tokens", fmt.Sprintf(`{"name":%q,"expires_in_days":%d}`, name, days))
					if res.Status != http.StatusCreated {
						t.Fatalf("create %s: %d %s", name, res.Status, res.Body)
					}
					tr := decode[tokenResp](t, res)
					return tr.ID, tr.Token
				}
				expiredID, expired := mk("expired", 30)
				past := time.Now().Add(-time.Minute)
				if err := srv.DB.SetAPITokenExpiry(ctx, expiredID, &past); err != nil {
					t.Fatal(err)
				}
				check("expired", expired)

				revokedID, revoked := mk("revoked", 30)
				if res := bearer(t, srv, secret).Send(http.MethodDelete, fmt.Sprintf("/api/v1/tokens/%d", revokedID), "", nil); res.Status != http.StatusNoContent {
					t.Fatalf("DELETE: %d %s", res.Status, res.Body)
				}
				check("revoked", revoked)

				// A disabled user's tokens stop at once, and work again when enabled.
				li, _ := srv.DB.UserByUsername(ctx, "li.ming")
				liClient := srv.Client(t)
				liClient.Login("li.ming", testenv.Password)
				res := liClient.Submit("/profile", "/profile/tokens", url.Values{"name": {"li"}, "expires_days": {"0"}})
				liSecret, _ := res.Doc(t).Find("#new-token-value").Attr("value")
				if res := bearer(t, srv, liSecret).Get("/api/v1/me"); res.Status != http.StatusOK {
					t.Fatalf("li's token: %d", res.Status)
				}
				if err := srv.DB.SetUserStatus(ctx, li.ID, model.UserDisabled); err != nil {
					t.Fatal(err)
				}
				check("a disabled user's", liSecret)
				if err := srv.DB.SetUserStatus(ctx, li.ID, model.UserActive); err != nil {
					t.Fatal(err)
				}
				if res := bearer(t, srv, liSecret).Get("/api/v1/me"); res.Status != http.StatusOK {
					t.Errorf("li's token after enabling: %d", res.Status)
				}
			})

			t.Run("the JSON API: a token cannot mint tokens, lists, validates, revokes without CSRF", func(t *testing.T) {
				bc := bearer(t, srv, secret)
				if res := sendJSON(bc, http.MethodPost, "/api/v1/tokens", `{"name":"ci"}`); res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "token_needs_session") {
					t.Fatalf("a bearer token creating a token: %d %s", res.Status, res.Body)
				}
				res := sessionJSON(c, http.MethodPost, "/api/v1/tokens", `{"name":"ci"}`)
				if res.Status != http.StatusCreated {
					t.Fatalf("session POST with the CSRF header: %d %s", res.Status, res.Body)
				}
				ci := decode[tokenResp](t, res)
				if !model.LooksLikeToken(ci.Token) || ci.Prefix != ci.Token[:8] || ci.Status != "active" || res.Location() != fmt.Sprintf("/api/v1/tokens/%d", ci.ID) {
					t.Fatalf("201 body %s, Location %q", res.Body, res.Location())
				}
				if ci.ExpiresAt == nil || time.Until(*ci.ExpiresAt) < 89*24*time.Hour || time.Until(*ci.ExpiresAt) > 91*24*time.Hour {
					t.Errorf("default expiry %v, want 90 days", ci.ExpiresAt)
				}
				if !strings.Contains(res.Body, `"expires_at":"`) || !strings.Contains(res.Body, `Z"`) {
					t.Errorf("times are not RFC 3339 UTC: %s", res.Body)
				}
				if res := bc.Get(res.Location()); res.Status != http.StatusOK || strings.Contains(res.Body, ci.Token) {
					t.Errorf("GET Location: %d %s", res.Status, res.Body)
				}

				// A session cookie without the CSRF header is refused; the page client shows why the token path matters.
				if res := sendJSON(c, http.MethodPost, "/api/v1/tokens", `{"name":"x"}`); res.Status != http.StatusBadRequest && res.Status != http.StatusForbidden {
					t.Errorf("session POST without CSRF: %d", res.Status)
				}

				res = bc.Get("/api/v1/tokens?limit=200")
				list := decode[struct {
					Items []tokenResp `json:"items"`
					Total int         `json:"total"`
				}](t, res)
				if res.Status != http.StatusOK || list.Total != 4 || len(list.Items) != 4 || strings.Contains(res.Body, `"token"`) {
					t.Fatalf("GET /api/v1/tokens: %d %s", res.Status, res.Body)
				}
				statuses := map[string]int{}
				for _, it := range list.Items {
					statuses[it.Status]++
				}
				if statuses["active"] != 2 || statuses["expired"] != 1 || statuses["revoked"] != 1 {
					t.Errorf("statuses %v", statuses)
				}

				for body, field := range map[string]string{
					`{"name":""}`:            "name",
					`{"expires_in_days":30}`: "name",
					fmt.Sprintf(`{"name":%q}`, strings.Repeat("x", 65)): "name",
					`{"name":"a\u0007b"}`:                               "name",
					`{"name":"x","expires_in_days":-1}`:                 "expires_in_days",
					`{"name":"x","expires_in_days":3651}`:               "expires_in_days",
					`{"name":"x","expires_in_days":"many"}`:             "expires_in_days",
				} {
					res := sessionJSON(c, http.MethodPost, "/api/v1/tokens", body)
					e := decode[apiErr](t, res)
					if res.Status != http.StatusBadRequest || e.Error.Code != "validation_failed" || e.Error.Fields[field] == "" {
						t.Errorf("POST %s: %d %s, want 400 on %s", body, res.Status, res.Body, field)
					}
				}
				if res := sessionJSON(c, http.MethodPost, "/api/v1/tokens", `{"name":"x","expires_in_days":3650}`); res.Status != http.StatusCreated {
					t.Errorf("3650 days: %d", res.Status)
				}

				// Someone else's token is not there.
				li := srv.Client(t)
				li.Login("li.ming", testenv.Password)
				res = li.Submit("/profile", "/profile/tokens", url.Values{"name": {"li2"}, "expires_days": {"30"}})
				liSecret, _ := res.Doc(t).Find("#new-token-value").Attr("value")
				liTokens := decode[struct{ Items []tokenResp }](t, bearer(t, srv, liSecret).Get("/api/v1/tokens"))
				for _, it := range liTokens.Items {
					if it.Name == "ci" || it.Name == "数据同步脚本" {
						t.Errorf("li sees wang's token %q", it.Name)
					}
				}
				path := fmt.Sprintf("/api/v1/tokens/%d", ci.ID)
				if res := bearer(t, srv, liSecret).Get(path); res.Status != http.StatusNotFound {
					t.Errorf("li GETs wang's token: %d", res.Status)
				}
				if res := bearer(t, srv, liSecret).Send(http.MethodDelete, path, "", nil); res.Status != http.StatusNotFound {
					t.Errorf("li DELETEs wang's token: %d", res.Status)
				}
				if res := bearer(t, srv, ci.Token).Get("/api/v1/me"); res.Status != http.StatusOK {
					t.Errorf("wang's ci token after li's attempt: %d", res.Status)
				}
				if res := bc.Send(http.MethodDelete, path, "", nil); res.Status != http.StatusNoContent {
					t.Errorf("DELETE own: %d", res.Status)
				}
				if res := bearer(t, srv, ci.Token).Get("/api/v1/me"); res.Status != http.StatusUnauthorized {
					t.Errorf("revoked through the API, still works: %d", res.Status)
				}
			})

			t.Run("revoke on the page; another person's token answers 404", func(t *testing.T) {
				var liTokenID, ownID int64
				row := srv.DB.SQL().QueryRowContext(ctx, "SELECT id FROM api_tokens WHERE name = 'li2'")
				if err := row.Scan(&liTokenID); err != nil {
					t.Fatal(err)
				}
				if err := srv.DB.SQL().QueryRowContext(ctx, "SELECT id FROM api_tokens WHERE name = '数据同步脚本'").Scan(&ownID); err != nil {
					t.Fatal(err)
				}
				doc := c.Get("/profile").Doc(t)
				form := doc.Find(fmt.Sprintf(`form[action="/profile/tokens/%d/revoke"]`, ownID))
				if msg, _ := form.Attr("data-confirm"); !strings.Contains(msg, "确定要撤销") {
					t.Fatalf("the revoke form does not ask first: %q", msg)
				}
				res := c.Submit("/profile", fmt.Sprintf("/profile/tokens/%d/revoke", liTokenID), url.Values{})
				if res.Status != http.StatusNotFound {
					t.Fatalf("revoking li's token: %d", res.Status)
				}
				res = c.Submit("/profile", "/profile/tokens/abc/revoke", url.Values{})
				if res.Status != http.StatusNotFound {
					t.Errorf("revoking /abc: %d", res.Status)
				}
				res = c.Submit("/profile", fmt.Sprintf("/profile/tokens/%d/revoke", ownID), url.Values{})
				if res.Status != http.StatusSeeOther {
					t.Fatalf("revoking own: %d", res.Status)
				}
				res = c.Get("/profile")
				if !strings.Contains(res.Body, "令牌“数据同步脚本”已撤销") || !strings.Contains(res.Body, "已撤销") {
					t.Errorf("no flash after revoking")
				}
				if res := bearer(t, srv, secret).Get("/api/v1/me"); res.Status != http.StatusUnauthorized {
					t.Errorf("revoked on the page, still works: %d", res.Status)
				}
				if n := countRows(t, srv, "SELECT count(*) FROM audit_log WHERE action = 'token.revoke' AND object_id = '"+fmt.Sprint(ownID)+"'"); n != 1 {
					t.Errorf("%d token.revoke audit rows", n)
				}
				var liRevoked *time.Time
				tok, err := srv.DB.APITokenByID(ctx, liTokenID)
				if err == nil {
					liRevoked = tok.RevokedAt
				}
				if liRevoked != nil {
					t.Errorf("li's token was revoked by wang")
				}
			})

			t.Run("last_used_at is written once a minute, not on every request", func(t *testing.T) {
				lc := srv.Client(t)
				lc.Login("wang.fang", testenv.Password)
				res := lc.Submit("/profile", "/profile/tokens", url.Values{"name": {"busy"}, "expires_days": {"30"}})
				busy, _ := res.Doc(t).Find("#new-token-value").Attr("value")
				var id int64
				if err := srv.DB.SQL().QueryRowContext(ctx, "SELECT id FROM api_tokens WHERE name = 'busy'").Scan(&id); err != nil {
					t.Fatal(err)
				}
				start := time.Now().UTC().Truncate(time.Second)
				clock := start
				srv.DB.SetClock(func() time.Time { return clock })
				defer srv.DB.SetClock(func() time.Time { return time.Now().UTC() })
				values := map[int64]int{}
				bc := bearer(t, srv, busy)
				for i := range 30 { // 30 requests, 3 s apart: 87 s
					clock = start.Add(time.Duration(i) * 3 * time.Second)
					if res := bc.Get("/api/v1/me"); res.Status != http.StatusOK {
						t.Fatalf("request %d: %d", i, res.Status)
					}
					tok, err := srv.DB.APITokenByID(ctx, id)
					if err != nil || tok.LastUsedAt == nil {
						t.Fatalf("request %d: last_used_at %v %v", i, tok, err)
					}
					values[tok.LastUsedAt.Unix()]++
				}
				want := map[int64]int{start.Unix(): 20, start.Add(time.Minute).Unix(): 10}
				if fmt.Sprint(values) != fmt.Sprint(want) {
					t.Errorf("last_used_at values (unix: requests seen) %v, want %v: one write at 0 s and one at 60 s", values, want)
				}
			})
		})
	}
}

func countRows(t *testing.T, srv *testenv.Server, q string) int {
	t.Helper()
	var n int
	if err := srv.DB.SQL().QueryRowContext(context.Background(), q).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// columnValues returns every value of every row of a table as text.
func columnValues(t *testing.T, srv *testenv.Server, table string) []string {
	t.Helper()
	rows, err := srv.DB.SQL().QueryContext(context.Background(), "SELECT * FROM "+table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for _, v := range vals {
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			out = append(out, fmt.Sprint(v))
		}
	}
	if len(out) == 0 {
		t.Fatalf("%s is empty: the check would prove nothing", table)
	}
	return out
}

// TestBrowserCreateToken: in headless Chromium a person creates a token on
// 个人中心, sees it once in the highlighted box, and on the next visit only
// its prefix; the pages load without network, CSP or script errors.
func TestBrowserCreateToken(t *testing.T) {
	srv := testenv.NewServer(t, store.SQLite)
	srv.CreateUser(t, "wang.fang", model.RoleDistrictReviewer, "district:310104")
	b := testenv.NewBrowser(t)

	b.Navigate(srv.URL + "/login?next=/profile")
	b.SendKeys(`input[name="username"]`, "wang.fang")
	b.SendKeys(`input[name="password"]`, testenv.Password)
	b.Submit(`form[action="/login"]`)
	b.WaitVisible(`#token-name`)
	b.SendKeys(`#token-name`, "数据同步脚本")
	b.Submit(`#token-name`)
	b.WaitVisible(`#new-token-value`)
	b.Screenshot(testenv.ArtifactPath(t, "profile-new-token.png"))
	secret := testenv.RunValue(b, chromedp.Evaluate[string](`document.querySelector("#new-token-value").value`))
	if !model.LooksLikeToken(secret) {
		t.Fatalf("the box holds %q", secret)
	}
	if text := b.Text("#new-token"); !strings.Contains(text, "请立即复制保存，离开本页后将无法再次查看") {
		t.Errorf("the box says %q", text)
	}

	b.Navigate(srv.URL + "/profile")
	b.WaitVisible(`#tokens table`)
	html := b.HTML()
	if strings.Contains(html, secret) || !strings.Contains(html, secret[:8]) {
		t.Errorf("after leaving the page: the secret shows again, or the prefix does not")
	}
	b.Screenshot(testenv.ArtifactPath(t, "profile.png"))
	if errs := b.NetworkErrors(); len(errs) > 0 {
		t.Errorf("the page had network or script errors:\n%s", strings.Join(errs, "\n"))
	}
}
