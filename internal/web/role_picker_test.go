package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"tongxin/internal/model"
	"tongxin/internal/testenv"
)

// TestRoleGrantPicker: the security admin finds the domain of a grant by
// name (a unit, an alliance, or both by their street), with and without
// JavaScript, grants it, and sees every grant by its domain's name; the API
// still takes the domain code. Both databases.
func TestRoleGrantPicker(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			srv := testenv.NewServer(t, d)
			srv.CreateUser(t, "sec", model.RoleSecadmin, model.DomainSys)
			target := srv.CreateUser(t, "lianluo", "", "")
			st := allianceFixtureStreet(t, srv, 310104, "凌云路街道")
			al := allianceFixture(t, srv, 310104, "凌云路街道区域化党建联盟", "")
			eighth := allianceFixtureUnit(t, srv, 310104, "上海市第八人民医院")
			sixth := allianceFixtureUnit(t, srv, 310104, "上海市第六人民医院")
			for _, q := range []string{"UPDATE alliances SET street_id = %d WHERE id = %d", "UPDATE units SET street_id = %d WHERE id = %d"} {
				id := al.ID
				if strings.HasPrefix(q, "UPDATE units") {
					id = eighth.ID
				}
				if _, err := srv.DB.SQL().Exec(fmt.Sprintf(q, st.ID, id)); err != nil {
					t.Fatal(err)
				}
			}
			sec := srv.Client(t)
			sec.Login("sec", testenv.Password)
			page := fmt.Sprintf("/admin/users/%d", target.ID)
			unitDomain, allianceDomain := model.DomainOf(model.DomainUnit, eighth.ID), model.DomainOf(model.DomainAlliance, al.ID)

			// Without JavaScript: the search is a GET form of its own.
			doc := sec.Get(page).Doc(t)
			if doc.Find(`form#domain-search[method="get"]`).Length() != 1 || doc.Find(`#grant-dq[form="domain-search"]`).Length() != 1 {
				t.Fatal("no search form for the domain")
			}
			if strings.Contains(doc.Find("#roles").Text(), "unit:") {
				t.Error("the grant form still asks for an internal id")
			}
			options := func(path string, hx bool) map[string]string {
				t.Helper()
				var res *testenv.Response
				if hx {
					req, _ := http.NewRequest(http.MethodGet, sec.URL(path), nil)
					req.Header.Set("HX-Request", "true")
					res = sec.Do(req)
				} else {
					res = sec.Get(path)
				}
				if res.Status != http.StatusOK {
					t.Fatalf("GET %s: %d", path, res.Status)
				}
				out := map[string]string{}
				res.Doc(t).Find("#grant-domain-picker #grant-domain optgroup option").Each(func(_ int, o *goquery.Selection) {
					v, _ := o.Attr("value")
					out[v] = o.Text()
				})
				return out
			}
			opts := options(page+"?dkind=unit&dq="+url.QueryEscape("第八人民"), false)
			if opts[unitDomain] != "上海市第八人民医院（凌云路街道 · 徐汇区）" {
				t.Errorf("unit search: %q", opts)
			}
			if _, ok := opts[model.DomainOf(model.DomainUnit, sixth.ID)]; ok {
				t.Errorf("the search found a unit whose name does not match: %q", opts)
			}
			sel := sec.Get(page + "?dkind=unit&dq=" + url.QueryEscape("第八人民")).Doc(t).Find("#grant-domain option[selected]")
			if v, _ := sel.Attr("value"); v != unitDomain {
				t.Errorf("the one unit found is not chosen: %q", v)
			}
			// By street: its alliances and units.
			opts = options(page+"?dkind=street&dq="+url.QueryEscape("凌云路"), false)
			if opts[unitDomain] == "" || opts[allianceDomain] != "凌云路街道区域化党建联盟（凌云路街道 · 徐汇区）" {
				t.Errorf("street search: %q", opts)
			}
			// With htmx: the same picker as a fragment.
			opts = options(page+"?dkind=alliance&dq="+url.QueryEscape("区域化"), true)
			if opts[allianceDomain] == "" || opts[unitDomain] != "" {
				t.Errorf("htmx alliance search: %q", opts)
			}
			if doc := sec.Get(page + "?dkind=unit&dq=" + url.QueryEscape("火星")).Doc(t); !strings.Contains(doc.Find("#grant-domain-found").Text(), "没有找到") {
				t.Errorf("no word when nothing is found: %q", doc.Find("#grant-domain-found").Text())
			}

			// The API finds the same by name, with the code a grant takes.
			res := sec.Get("/api/v1/role-domains?kind=street&q=" + url.QueryEscape("凌云路"))
			var found struct {
				Items []struct{ Domain, Kind, Name, Street, District string }
			}
			if err := json.Unmarshal([]byte(res.Body), &found); err != nil || res.Status != http.StatusOK || len(found.Items) != 2 ||
				found.Items[0].Domain != allianceDomain || found.Items[1].Domain != unitDomain || found.Items[1].Street != "凌云路街道" ||
				found.Items[1].District != "徐汇区" {
				t.Errorf("API search: %d %s", res.Status, res.Body)
			}
			if res := sec.Get("/api/v1/role-domains?kind=planet&q=x"); res.Status != http.StatusBadRequest {
				t.Errorf("API search of an unknown kind: %d", res.Status)
			}
			// Grant the unit, the alliance and a district; each shows by name.
			for _, g := range [][2]string{{"unit_contact", unitDomain}, {"alliance_secretary", allianceDomain}, {"district_reviewer", "district:310104"}} {
				if res := sec.Submit(page, page+"/roles", url.Values{"role": {g[0]}, "domain": {g[1]}}); res.Status != http.StatusSeeOther {
					t.Fatalf("grant %v: %d %.300s", g, res.Status, res.Body)
				}
			}
			// The API takes the domain code as before.
			res = sessionJSON(sec, "POST", "/api/v1/role-assignments", fmt.Sprintf(`{"user_id":%d,"role":"unit_contact","domain":"unit:%d"}`, target.ID, sixth.ID))
			if res.Status != http.StatusCreated {
				t.Fatalf("API grant: %d %s", res.Status, res.Body)
			}
			doc = sec.Get(page).Doc(t)
			table := strings.Join(strings.Fields(doc.Find("#roles table").Text()), " ")
			for _, want := range []string{"上海市第八人民医院成员单位", "凌云路街道区域化党建联盟联盟", "徐汇区区", "上海市第六人民医院成员单位"} {
				if !strings.Contains(table, want) {
					t.Errorf("grants lack %q: %s", want, table)
				}
			}
			for _, code := range []string{"unit:", "alliance:", "district:", "编号"} {
				if strings.Contains(table, code) {
					t.Errorf("grants show %q: %s", code, table)
				}
			}
			// The user list finds holders by the domain's name, or its code.
			for _, q := range []string{"第八人民", "凌云路街道区域化", "徐汇", "district:310104"} {
				res := sec.Get("/admin/users?domain=" + url.QueryEscape(q))
				if !strings.Contains(res.Body, "lianluo") {
					t.Errorf("users holding a role in %q: lianluo missing", q)
				}
			}
			if res := sec.Get("/admin/users?domain=" + url.QueryEscape("火星")); strings.Contains(res.Body, "lianluo") {
				t.Error("users in 火星: lianluo found")
			}
			// The holder's own profile names the unit and the alliance too.
			ll := srv.Client(t)
			ll.Login("lianluo", testenv.Password)
			if res := ll.Get("/profile"); !strings.Contains(res.Body, "上海市第八人民医院") || !strings.Contains(res.Body, "凌云路街道区域化党建联盟") ||
				strings.Contains(res.Body, "编号") {
				t.Errorf("the profile does not name the grants' domains: %d", res.Status)
			}
			// A refused grant keeps the chosen unit in the select, by name.
			res = sec.Submit(page, page+"/roles", url.Values{"role": {"district_admin"}, "domain": {unitDomain}})
			if res.Status != http.StatusUnprocessableEntity {
				t.Fatalf("wrong kind of domain: %d", res.Status)
			}
			sel = res.Doc(t).Find("#grant-domain option[selected]")
			if v, _ := sel.Attr("value"); v != unitDomain || sel.Text() != "上海市第八人民医院" {
				t.Errorf("the chosen unit after a refusal: %q %q", v, sel.Text())
			}
		})
	}
}
