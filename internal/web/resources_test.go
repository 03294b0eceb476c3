package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"tongxin/internal/model"
	"tongxin/internal/testenv"
)

// The authorization matrix rows of /resources are in needs_test.go (one
// rule set for both lists).

// TestResourcesPages: the secretary offers a venue through the form (a
// refusal keeps the input; a venue needs its site), publishes it, sees the
// remaining capacity, filters and exports; withdrawing needs a reason; the
// API answers 422 naming the status and 409 on a stale edit.
func TestResourcesPages(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			srv := testenv.NewServer(t, d)
			w := newListsWebWorld(t, srv)
			site := &model.ServiceSite{Name: "凌云路街道社区党群服务中心", Kind: "community_center", DistrictID: 310104, StreetID: w.street.ID, Seats: 120}
			if err := srv.DB.CreateServiceSite(context.Background(), site); err != nil {
				t.Fatal(err)
			}
			c := w.secretary
			form := url.Values{"alliance_id": {fmt.Sprint(w.alliance.ID)}, "provider_unit_id": {fmt.Sprint(w.unitB.ID)},
				"title": {"多功能会议室"}, "kind": {"venue"}, "capacity": {"24"}, "measure": {"sessions"}, "visibility": {"district"},
				"description": {"可容纳 120 人"}}
			res := c.Submit("/resources/new", "/resources", form)
			if res.Status != http.StatusUnprocessableEntity {
				t.Fatalf("venue without site: %d", res.Status)
			}
			doc := res.Doc(t)
			if v, _ := doc.Find("#title").Attr("value"); v != "多功能会议室" {
				t.Errorf("title not kept: %q", v)
			}
			if msg := doc.Find("#service_site_id-error").Text(); !strings.Contains(msg, "阵地") {
				t.Errorf("site message: %q", msg)
			}
			form.Set("service_site_id", fmt.Sprint(site.ID))
			res = c.Submit("/resources/new", "/resources", form)
			if res.Status != http.StatusSeeOther {
				t.Fatalf("create: %d %.300s", res.Status, res.Body)
			}
			page := res.Location()
			id := listsIDFrom(t, page, "/resources/")
			if res := c.Submit(page, page+"/publish", url.Values{"version": {"1"}}); res.Status != http.StatusSeeOther {
				t.Fatalf("publish: %d", res.Status)
			}
			show := c.Get(page)
			if tag := show.Doc(t).Find(".page-header .tag").Text(); tag != "可认领" {
				t.Errorf("status tag %q", tag)
			}
			if txt := strings.Join(strings.Fields(show.Doc(t).Find("#capacity").Text()), " "); !strings.Contains(txt, "剩余 24") {
				t.Errorf("remaining capacity: %s", txt)
			}
			if n := show.Doc(t).Find(`#claims[hx-get="` + page + `/claims"]`).Length(); n != 1 {
				t.Errorf("claims section: %d", n)
			}
			// District visibility: the unit contact of 徐汇 sees it; the 黄浦 one does not.
			if res := w.contact.Get(page); res.Status != http.StatusOK {
				t.Errorf("fellow member: %d", res.Status)
			}
			// The claims fragment (and its tab) is drawn exactly for who may
			// open it (the .May guard of the need page).
			for _, who := range []struct {
				name string
				c    *testenv.Client
			}{{"secretary", c}, {"fellow member", w.contact}} {
				doc := who.c.Get(page).Doc(t)
				drawn := doc.Find(`#claims[hx-get]`).Length() == 1
				tab := doc.Find(`.tabs a[href="#claims"]`).Length() == 1
				status := who.c.Get(page + "/claims").Status
				if drawn != tab || drawn != (status == http.StatusOK) || (who.c == c && !drawn) {
					t.Errorf("%s: claims fragment drawn %v, tab %v, the fragment answers %d", who.name, drawn, tab, status)
				}
			}
			list := c.Get("/resources?kind=venue&has_remaining=1&q=" + url.QueryEscape("会议"))
			if txt := allianceTableText(t, list, "main"); !strings.Contains(txt, "多功能会议室") {
				t.Errorf("list: %s", txt)
			}
			if list := c.Get("/resources?kind=funds"); strings.Contains(allianceTableText(t, list, "main"), "多功能会议室") {
				t.Error("kind filter")
			}
			exp := c.Get("/resources/export?format=csv&kind=venue")
			if exp.Status != http.StatusOK || !strings.Contains(exp.Body, "多功能会议室") || !strings.Contains(exp.Body, site.Name) {
				t.Errorf("export: %d %.300s", exp.Status, exp.Body)
			}
			// API: stale edit, 422 on publish twice.
			c.Get("/")
			path := fmt.Sprintf("/api/v1/resources/%d", id)
			if res := apiJSON(t, c, "PATCH", path, map[string]any{"capacity": 30, "version": 1}); res.Status != http.StatusConflict {
				t.Errorf("stale patch: %d", res.Status)
			}
			if res := apiJSON(t, c, "POST", path+"/publish", map[string]any{"version": 2}); res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "可认领") {
				t.Errorf("publish twice: %d %s", res.Status, res.Body)
			}
			if res := apiJSON(t, c, "PATCH", path, map[string]any{"capacity": 30, "version": 2}); res.Status != http.StatusOK || !strings.Contains(res.Body, `"remaining":30`) {
				t.Errorf("patch: %d %s", res.Status, res.Body)
			}
			// 撤回 in the header opens its form: closed by default, open at
			// ?action=withdraw (without JavaScript) and after a refusal.
			hdr := c.Get(page).Doc(t)
			if href, _ := hdr.Find(`.page-actions a#open-withdraw`).Attr("href"); href != page+"?action=withdraw#act-withdraw" {
				t.Errorf("withdraw button: %q", href)
			}
			if n := hdr.Find(`details#act-withdraw:not([open]) form[action="` + page + `/withdraw"]`).Length(); n != 1 {
				t.Errorf("withdraw form closed by default: %d", n)
			}
			if n := c.Get(page + "?action=withdraw").Doc(t).Find(`details#act-withdraw[open] #withdraw-reason`).Length(); n != 1 {
				t.Errorf("?action=withdraw: form open %d", n)
			}
			// Withdraw: the reason is required and kept on refusal.
			res = c.Submit(page, page+"/withdraw", url.Values{"version": {"3"}, "reason": {""}})
			if res.Status != http.StatusUnprocessableEntity || res.Doc(t).Find("details#act-withdraw[open] #withdraw-reason-error").Text() == "" {
				t.Fatalf("withdraw without reason: %d", res.Status)
			}
			if res := c.Submit(page, page+"/withdraw", url.Values{"version": {"3"}, "reason": {"场地装修"}}); res.Status != http.StatusSeeOther {
				t.Fatalf("withdraw: %d %.300s", res.Status, res.Body)
			}
			if tag := c.Get(page).Doc(t).Find(".page-header .tag").Text(); tag != "已撤回" {
				t.Errorf("after withdraw: %q", tag)
			}
			// The template of the resources import is the secretary's to download.
			if res := c.Get("/imports/template/resources.xlsx"); res.Status != http.StatusOK || !strings.HasPrefix(res.Body, "PK") {
				t.Errorf("template: %d", res.Status)
			}
			if res := w.contact.Get("/imports/template/resources.xlsx"); res.Status != http.StatusForbidden {
				t.Errorf("template for a unit contact: %d", res.Status)
			}
		})
	}
}
