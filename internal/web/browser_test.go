package web_test

import (
	"strings"
	"testing"

	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

// TestBrowserHomeInChinese: in headless Chromium a person logs in and sees the
// home page in Chinese, and every asset the pages load answers (no 404, no CSP
// violation, no script error).
func TestBrowserHomeInChinese(t *testing.T) {
	srv := testenv.NewServer(t, store.SQLite)
	testenv.CreateUser(t, srv.DB, "wang.fang", "", "")
	b := testenv.NewBrowser(t)

	b.Navigate(srv.URL + "/")
	b.WaitVisible(`input[name="username"]`)
	if !strings.Contains(b.Location(), "/login") {
		t.Fatalf("anonymous visit landed on %s, want the login page", b.Location())
	}
	if title := b.Title(); !strings.Contains(title, "登录") {
		t.Errorf("login page title %q", title)
	}
	b.SendKeys(`input[name="username"]`, "wang.fang")
	b.SendKeys(`input[name="password"]`, testenv.Password)
	b.Submit(`form[action="/login"]`)
	b.WaitVisible(`#main`)
	b.Screenshot(testenv.ArtifactPath(t, "home.png"))

	if loc := b.Location(); !strings.HasSuffix(loc, "/") {
		t.Errorf("after login at %s, want the home page", loc)
	}
	html := b.HTML()
	if !strings.Contains(html, `lang="zh-CN"`) {
		t.Errorf("home page is not marked zh-CN")
	}
	for _, want := range []string{"工作台", "同心", "wang.fang"} {
		if !strings.Contains(b.Text("body"), want) {
			t.Errorf("home page lacks %q", want)
		}
	}
	if errs := b.NetworkErrors(); len(errs) > 0 {
		t.Errorf("the page had network or script errors:\n%s", strings.Join(errs, "\n"))
	}
}
