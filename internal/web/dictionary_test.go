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

func TestDictionaryAdministration(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			srv := testenv.NewServer(t, d)
			srv.CreateUser(t, "root", model.RoleSysadmin, "sys")
			srv.CreateUser(t, "rev", model.RoleDistrictReviewer, "district:310104")
			srv.CreateUser(t, "xh", model.RoleDistrictAdmin, "district:310104")
			srv.CreateUser(t, "nobody", "", "")
			root := srv.Client(t)
			root.Login("root", testenv.Password)

			// The page lists every kind; the default codes of the migration are there.
			res := root.Get("/dictionary?kind=measure")
			if res.Status != http.StatusOK || !strings.Contains(res.Body, "平方米") || !strings.Contains(res.Body, "经费来源") {
				t.Fatalf("dictionary page: %d", res.Status)
			}

			// A bad code is refused next to the field, with what was typed kept.
			page := "/dictionary?kind=unit_kind"
			res = root.Submit(page, "/dictionary/unit_kind", url.Values{"code": {"Co-op"}, "label_zh": {"合作社"}, "label_en": {"Cooperative"}, "sort": {"15"}})
			doc := res.Doc(t)
			if res.Status != http.StatusUnprocessableEntity || !strings.Contains(doc.Find("#new-code-error").Text(), "小写字母") {
				t.Fatalf("bad code: %d", res.Status)
			}
			if v, _ := doc.Find("#new-label_zh").Attr("value"); v != "合作社" {
				t.Errorf("label not kept: %q", v)
			}
			// Taken codes are refused (gov ships with the migration).
			res = root.Submit(page, "/dictionary/unit_kind", url.Values{"code": {"gov"}, "label_zh": {"机关"}, "label_en": {"Office"}})
			if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Doc(t).Find("#new-code-error").Text(), "已有此代码") {
				t.Errorf("taken code: %d", res.Status)
			}
			// The system admin adds an item; the unit form offers it at once.
			res = root.Submit(page, "/dictionary/unit_kind", url.Values{"code": {"coop"}, "label_zh": {"合作社"}, "label_en": {"Cooperative"}, "sort": {"15"}})
			if res.Status != http.StatusSeeOther {
				t.Fatalf("add: %d %.300s", res.Status, res.Body)
			}
			xh := srv.Client(t)
			xh.Login("xh", testenv.Password)
			if res := xh.Get("/units/new"); res.Doc(t).Find(`#kind option[value="coop"]`).Length() != 1 {
				t.Fatalf("the new code is not offered")
			}
			u := &model.Unit{Name: "某合作社", Kind: "coop", DistrictID: 310104, Status: model.StatusActive}
			if err := srv.DB.CreateUnit(t.Context(), u); err != nil {
				t.Fatal(err)
			}

			// Edit the labels; the code stays.
			items, err := srv.DB.DictionaryItems(t.Context(), model.DictUnitKind, false)
			if err != nil {
				t.Fatal(err)
			}
			var coop *model.DictionaryItem
			for i := range items {
				if items[i].Code == "coop" {
					coop = &items[i]
				}
			}
			if coop == nil {
				t.Fatal("coop not stored")
			}
			item := fmt.Sprintf("/dictionary/unit_kind/%d", coop.ID)
			res = root.Submit(item+"/edit", item, url.Values{"label_zh": {"农民专业合作社"}, "label_en": {"Farmers' cooperative"}, "sort": {"12"}, "code": {"hack"}, "version": {versionOf(t, srv, "dictionary_items", coop.ID)}})
			if res.Status != http.StatusSeeOther {
				t.Fatalf("edit: %d %.300s", res.Status, res.Body)
			}
			if it, _ := srv.DB.DictionaryItemByID(t.Context(), coop.ID); it.Code != "coop" || it.LabelZh != "农民专业合作社" || it.Sort != 12 {
				t.Errorf("after edit: %+v", it)
			}
			// Another kind's path does not reach the item.
			if res := root.Get(fmt.Sprintf("/dictionary/measure/%d/edit", coop.ID)); res.Status != http.StatusNotFound {
				t.Errorf("item under another kind: %d", res.Status)
			}

			// Deactivated: no longer offered in new forms, still shown for the unit that has it.
			if res := root.Submit(page, item+"/deactivate", url.Values{"version": {versionOf(t, srv, "dictionary_items", coop.ID)}}); res.Status != http.StatusSeeOther {
				t.Fatalf("deactivate: %d", res.Status)
			}
			if res := xh.Get("/units/new"); res.Doc(t).Find(`#kind option[value="coop"]`).Length() != 0 {
				t.Errorf("a deactivated code is offered in the new form")
			}
			res = xh.Get(fmt.Sprintf("/units/%d/edit", u.ID))
			if sel, _ := res.Doc(t).Find(`#kind option[selected]`).Attr("value"); sel != "coop" {
				t.Errorf("the unit's own deactivated kind is not kept in its edit form: %q", sel)
			}
			if res := xh.Get(fmt.Sprintf("/units/%d", u.ID)); !strings.Contains(res.Body, "农民专业合作社") {
				t.Errorf("the unit page lost its kind's label")
			}
			// A new unit may not take it.
			form := unitFormValues("新合作社", "")
			form.Set("kind", "coop")
			if res := xh.Submit("/units/new", "/units", form); res.Status != http.StatusUnprocessableEntity {
				t.Errorf("a new unit with a deactivated kind: %d", res.Status)
			}
			// Nothing is ever deleted; the audit log has every change.
			if n := countRows(t, srv, "SELECT count(*) FROM dictionary_items WHERE code = 'coop'"); n != 1 {
				t.Errorf("coop rows %d", n)
			}
			if n := countRows(t, srv, "SELECT count(*) FROM audit_log WHERE object_kind = 'dictionary_item'"); n != 3 {
				t.Errorf("audit rows %d, want 3", n)
			}

			// A reviewer may not open the page; any logged-in user reads the API.
			rev := srv.Client(t)
			rev.Login("rev", testenv.Password)
			if res := rev.Get("/dictionary"); res.Status != http.StatusForbidden {
				t.Errorf("reviewer on the dictionary page: %d, want 403", res.Status)
			}
			nobody := srv.Client(t)
			nobody.Login("nobody", testenv.Password)
			res = nobody.Get("/api/v1/dictionary/unit_kind?active=true")
			type itemsResp struct {
				Items []struct {
					Code   string `json:"code"`
					Active bool   `json:"active"`
				} `json:"items"`
			}
			l := decode[itemsResp](t, res)
			if res.Status != http.StatusOK || len(l.Items) == 0 || strings.Contains(res.Body, `"coop"`) {
				t.Errorf("API active items: %d %s", res.Status, res.Body)
			}
			if res := nobody.Get("/api/v1/dictionary/unit_kind"); !strings.Contains(res.Body, `"coop"`) {
				t.Errorf("API all items lack the deactivated one")
			}
			if res := nobody.Get("/api/v1/dictionary/nonsense"); res.Status != http.StatusNotFound {
				t.Errorf("unknown kind: %d", res.Status)
			}
			if res := sessionJSON(nobody, "POST", "/api/v1/dictionary/unit_kind", `{"code":"x","label_zh":"x","label_en":"x"}`); res.Status != http.StatusForbidden {
				t.Errorf("API create by a plain user: %d", res.Status)
			}

			// The API of the system admin.
			res = sessionJSON(root, "POST", "/api/v1/dictionary/measure", `{"code":"km","label_zh":"公里","label_en":"km","sort":80}`)
			if res.Status != http.StatusCreated {
				t.Fatalf("API create: %d %s", res.Status, res.Body)
			}
			created := decode[struct {
				ID int64 `json:"id"`
			}](t, res)
			res = sessionJSON(root, "PATCH", fmt.Sprintf("/api/v1/dictionary/measure/%d", created.ID), `{"label_zh":"千米","version":1}`)
			if res.Status != http.StatusOK || !strings.Contains(res.Body, "千米") || !strings.Contains(res.Body, `"label_en":"km"`) {
				t.Errorf("API patch: %d %s", res.Status, res.Body)
			}
			if res := sessionJSON(root, "PATCH", fmt.Sprintf("/api/v1/dictionary/measure/%d", created.ID), `{"code":"mile"}`); res.Status != http.StatusBadRequest {
				t.Errorf("API code change: %d", res.Status)
			}
			res = sessionJSON(root, "POST", fmt.Sprintf("/api/v1/dictionary/measure/%d/deactivate", created.ID), `{"version":2}`)
			if res.Status != http.StatusOK || !strings.Contains(res.Body, `"active":false`) {
				t.Errorf("API deactivate: %d %s", res.Status, res.Body)
			}
		})
	}
}
