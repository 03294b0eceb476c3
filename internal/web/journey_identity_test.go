package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"tongxin/internal/model"
	"tongxin/internal/service"
	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

// TestBrowserIdentityJourney: the security admin creates an account and
// grants it 区级审核员 for 徐汇区 with a validity window; the new user logs in,
// must change the one-time password, and sees only what a reviewer may; the
// auditor then finds the whole trail in the audit log.
func TestBrowserIdentityJourney(t *testing.T) {
	srv := testenv.NewServer(t, store.SQLite)
	srv.FixClock(testenv.Now(t, testenv.Midyear))
	srv.CreateUser(t, "sec", model.RoleSecadmin, "sys")
	srv.CreateUser(t, "aud", model.RoleAuditor, "sys")
	hospital := allianceFixtureUnit(t, srv, 310104, "上海市第八人民医院")
	b := testenv.NewBrowser(t)
	shot := func(name string) { b.Screenshot(testenv.ArtifactPath(t, name)) }
	login := func(user, pw string) {
		b.Navigate(srv.URL + "/login")
		b.WaitVisible(`#username`)
		b.SendKeys(`#username`, user)
		b.SendKeys(`#password`, pw)
		b.Submit(`form[action="/login"]`)
		b.WaitVisible(`details.user-menu`) // only a logged-in page has the user menu
	}
	logout := func() {
		b.Click(`details.user-menu summary`)
		b.Submit(`form[action="/logout"]`)
		b.WaitVisible(`#username`)
	}

	// 1. The security admin creates the account.
	login("sec", testenv.Password)
	b.Navigate(srv.URL + "/admin/users")
	b.WaitVisible(`a[href="/admin/users/new"]`)
	b.Click(`a[href="/admin/users/new"]`)
	b.WaitVisible(`#username`)
	b.SendKeys(`#username`, "chen.jing")
	b.SendKeys(`#display_name`, "陈静")
	b.SendKeys(`#phone`, "13900001111")
	b.Submit(`form[action="/admin/users"]`)
	b.WaitVisible(`#one-time-password`)
	shot("1-one-time-password.png")
	pw := strings.TrimSpace(b.Text(`#one-time-password`))
	if len(pw) != 12 {
		t.Fatalf("one-time password %q", pw)
	}

	// 2. …and grants 区级审核员 of 徐汇区 from today for a year.
	b.Click(`.form-actions a.btn-primary`)
	b.WaitVisible(`#grant-role`)
	b.SetValue(`#grant-role`, "district_reviewer")
	b.SetValue(`#grant-domain`, "district:310104")
	until := service.AllianceToday(srv.DB.Now()).AddDate(1, 0, 0).Format("2006-01-02")
	b.SetValue(`#grant-valid_until`, until)
	b.Submit(`form[action$="/roles"]`)
	b.WaitVisible(`.tag-role-active`)
	shot("2-role-granted.png")
	if txt := b.Text(`#roles table`); !strings.Contains(txt, "区级审核员") || !strings.Contains(txt, "徐汇区") || strings.Contains(txt, "district:") || !strings.Contains(txt, until) {
		t.Fatalf("roles section after the grant: %q", txt)
	}

	// 2b. …and finds a unit by name as they type (htmx), to make the
	// account its contact: no internal id to know.
	b.SetValue(`#grant-dkind`, "unit")
	b.SendKeys(`#grant-dq`, "第八人民")
	unitDomain := model.DomainOf(model.DomainUnit, hospital.ID)
	b.Run(chromedp.WaitReady(`#grant-domain option[value="` + unitDomain + `"]`))
	b.SetValue(`#grant-role`, "unit_contact")
	b.SetValue(`#grant-domain`, unitDomain)
	b.Submit(`form[action$="/roles"]`)
	b.Run(chromedp.WaitReady(`#roles tbody tr:nth-child(2)`))
	shot("2b-unit-granted.png")
	if txt := b.Text(`#roles table`); !strings.Contains(txt, "上海市第八人民医院") || strings.Contains(txt, "unit:") {
		t.Fatalf("roles section after the unit grant: %q", txt)
	}
	logout()

	// 3. The new user must change the one-time password first.
	login("chen.jing", pw)
	if !strings.Contains(b.Location(), "/profile/password") {
		t.Fatalf("first page after a one-time password: %s", b.Location())
	}
	shot("3-forced-change.png")
	b.SendKeys(`#current_password`, pw)
	b.SendKeys(`#new_password`, "Xuhui@2026ok")
	b.SendKeys(`#confirm_password`, "Xuhui@2026ok")
	b.Submit(`form[action="/profile/password"]`)
	b.WaitVisible(`.flash-success`)

	// 4. A reviewer sees no system administration.
	menu := b.Text(`nav.sidebar, .sidebar`)
	for _, hidden := range []string{"用户", "角色授权", "操作日志", "登录日志"} {
		if strings.Contains(menu, hidden) {
			t.Errorf("the reviewer's menu shows %q: %q", hidden, menu)
		}
	}
	b.Navigate(srv.URL + "/admin/users")
	b.WaitVisible(`#main`)
	if !strings.Contains(b.Text(`#main`), "没有权限") {
		t.Errorf("a reviewer opening /admin/users sees %q", b.Text(`#main`))
	}
	shot("4-reviewer-forbidden.png")
	logout()

	// 5. The auditor sees the whole trail.
	login("aud", testenv.Password)
	b.Navigate(srv.URL + "/admin/audit-log")
	b.WaitVisible(`table`)
	shot("5-audit-trail.png")
	trail := b.Text(`#main`)
	for _, want := range []string{"新建用户", "授予角色", "修改密码", "登录成功", "chen.jing", "sec"} {
		if !strings.Contains(trail, want) {
			t.Errorf("the audit trail lacks %q", want)
		}
	}
	var errs []string
	for _, e := range b.NetworkErrors() {
		if !strings.HasPrefix(e, "403 ") || !strings.HasSuffix(e, "/admin/users") { // step 4's refusal is expected
			errs = append(errs, e)
		}
	}
	if len(errs) > 0 {
		t.Errorf("network or script errors:\n%s", strings.Join(errs, "\n"))
	}
}
