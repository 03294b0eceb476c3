package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"tongxin/internal/model"
	"tongxin/internal/testenv"
)

func TestUserAdministration(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			srv := testenv.NewServer(t, d)
			srv.CreateUser(t, "root", model.RoleSysadmin, "sys")
			srv.CreateUser(t, "sec", model.RoleSecadmin, "sys")
			srv.CreateUser(t, "rev", model.RoleDistrictReviewer, "district:310104")
			admin := srv.Client(t)
			admin.Login("root", testenv.Password)

			// A refused form keeps what was typed and says why, next to the field.
			res := admin.Submit("/admin/users/new", "/admin/users", url.Values{"username": {"Zhang San!"}, "display_name": {"张三"}, "phone": {"123"}})
			if res.Status != http.StatusUnprocessableEntity {
				t.Fatalf("bad input: %d", res.Status)
			}
			doc := res.Doc(t)
			if v, _ := doc.Find("#display_name").Attr("value"); v != "张三" {
				t.Errorf("display name not kept: %q", v)
			}
			if msg := doc.Find("#username-error").Text(); !strings.Contains(msg, "用户名须为") {
				t.Errorf("username error = %q", msg)
			}
			if msg := doc.Find("#phone-error").Text(); !strings.Contains(msg, "手机号") {
				t.Errorf("phone error = %q", msg)
			}

			// Create: the one-time password is shown once, in the answer to the POST.
			res = admin.Submit("/admin/users/new", "/admin/users", url.Values{"username": {"zhang.san"}, "display_name": {"张三"}, "phone": {"13812345678"}})
			if res.Status != http.StatusOK {
				t.Fatalf("create: %d %.300s", res.Status, res.Body)
			}
			pw := strings.TrimSpace(res.Doc(t).Find("#one-time-password").Text())
			if len(pw) != 12 {
				t.Fatalf("one-time password %q", pw)
			}
			if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
				t.Errorf("one-time password page Cache-Control %q", cc)
			}
			u, err := srv.DB.UserByUsername(t.Context(), "zhang.san")
			if err != nil || !u.MustChangePassword {
				t.Fatalf("created user: %+v %v", u, err)
			}

			// The list finds them by name, and exports them.
			res = admin.Get("/admin/users?q=" + url.QueryEscape("张"))
			if res.Status != http.StatusOK || !strings.Contains(res.Body, "zhang.san") || strings.Contains(res.Body, ">rev<") {
				t.Fatalf("filtered list: %d", res.Status)
			}
			res = admin.Get("/admin/users/export?format=csv&q=zhang")
			if res.Status != http.StatusOK || !strings.Contains(res.Body, "zhang.san") || strings.Contains(res.Body, "root") {
				t.Fatalf("export: %d %q", res.Status, res.Body)
			}

			// The new user must change the password before anything else.
			zs := srv.Client(t)
			zs.Login("zhang.san", pw)
			if res := zs.Get("/"); res.Status != http.StatusSeeOther || res.Location() != "/profile/password" {
				t.Fatalf("first page after a one-time password: %d %s", res.Status, res.Location())
			}
			res = zs.Submit("/profile/password", "/profile/password", url.Values{"current_password": {pw}, "new_password": {"abc"}, "confirm_password": {"abc"}})
			if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "至少 8 位") {
				t.Fatalf("weak password: %d", res.Status)
			}
			res = zs.Submit("/profile/password", "/profile/password", url.Values{"current_password": {pw}, "new_password": {"Xuhui@2026a"}, "confirm_password": {"Xuhui@2026a"}})
			if res.Status != http.StatusSeeOther {
				t.Fatalf("change password: %d %.300s", res.Status, res.Body)
			}
			if res := zs.Get("/"); res.Status != http.StatusOK {
				t.Fatalf("home after the change: %d", res.Status)
			}

			// The security admin grants a district role; the rules of 三员 hold.
			sec := srv.Client(t)
			sec.Login("sec", testenv.Password)
			page := fmt.Sprintf("/admin/users/%d", u.ID)
			res = sec.Submit(page, page+"/roles", url.Values{"role": {"district_reviewer"}, "domain": {"district:310104"}})
			if res.Status != http.StatusSeeOther {
				t.Fatalf("grant: %d %.500s", res.Status, res.Body)
			}
			if res := zs.Get("/admin/users"); res.Status != http.StatusForbidden {
				t.Errorf("a reviewer opening the user list: %d, want 403", res.Status)
			}
			res = sec.Submit(page, page+"/roles", url.Values{"role": {"sysadmin"}, "domain": {"district:310104"}})
			if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "全系统") {
				t.Errorf("sysadmin in a district: %d", res.Status)
			}
			res = sec.Submit(page, page+"/roles", url.Values{"role": {"alliance_chair"}, "domain": {"alliance:1"}})
			if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "轮值") {
				t.Errorf("alliance_chair by hand: %d", res.Status)
			}
			res = sec.Submit(page, page+"/roles", url.Values{"role": {"district_admin"}, "domain": {"district:999999"}})
			if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "授权范围不存在") {
				t.Errorf("unknown district: %d", res.Status)
			}
			rootUser, _ := srv.DB.UserByUsername(t.Context(), "root")
			rootPage := fmt.Sprintf("/admin/users/%d", rootUser.ID)
			res = sec.Submit(rootPage, rootPage+"/roles", url.Values{"role": {"auditor"}, "domain": {"sys"}})
			if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "三员分立") {
				t.Errorf("second admin role: %d", res.Status)
			}
			// The security admin may not edit accounts (that is the system admin's).
			if res := sec.Get(page + "/edit"); res.Status != http.StatusForbidden {
				t.Errorf("secadmin editing: %d, want 403", res.Status)
			}

			// A stale edit answers 409 and keeps what was typed.
			form := url.Values{"display_name": {"张三丰"}, "phone": {""}, "email": {""}, "version": {fmt.Sprint(u.Version)}}
			form.Set("csrf_token", admin.FormToken(page+"/edit"))
			if res := admin.PostForm(page, form); res.Status != http.StatusSeeOther {
				t.Fatalf("first edit: %d", res.Status)
			}
			form.Set("display_name", "张三甲")
			res = admin.PostForm(page, form)
			if res.Status != http.StatusConflict || !strings.Contains(res.Body, "张三丰") {
				t.Fatalf("stale edit: %d", res.Status)
			}
			if v, _ := res.Doc(t).Find("#display_name").Attr("value"); v != "张三甲" {
				t.Errorf("stale edit lost the typed value: %q", v)
			}

			// Disable: the session ends at once.
			res = admin.Submit(page, page+"/disable", url.Values{"version": {versionOf(t, srv, "users", u.ID)}})
			if res.Status != http.StatusSeeOther {
				t.Fatalf("disable: %d", res.Status)
			}
			if res := zs.Get("/"); res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Location(), "/login") {
				t.Errorf("disabled user's session still works: %d %s", res.Status, res.Location())
			}
		})
	}
}
