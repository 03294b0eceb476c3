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

	"tongxin/internal/model"
	"tongxin/internal/service"
	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

// The erasure routes in the authorization matrix: a unit's contact is
// erased by the district admin (own district) and the system admin; an
// account's personal data by the system admin.
func init() {
	for _, tgt := range []string{"own", "foreign", "home"} {
		ph := map[string]string{"own": "{unit}", "foreign": "{unit_foreign}", "home": "{unit_home}"}[tgt]
		for _, r := range [][2]string{{"GET", "/units/" + ph + "/erase-contact"}, {"POST", "/units/" + ph + "/erase-contact"},
			{"POST", "/api/v1/units/" + ph + "/erase-contact"}} {
			unitRouteRules[r[0]+" "+r[1]] = unitRouteRule{"unit", "erase", tgt}
			matrix = append(matrix, matrixRow{r[0], r[1], nil, false})
		}
	}
	matrix = append(matrix,
		matrixRow{"GET", "/admin/users/{user}/erase", []string{sysadmin}, false},
		matrixRow{"POST", "/admin/users/{user}/erase", []string{sysadmin}, false},
		matrixRow{"POST", "/api/v1/users/{user}/erase", []string{sysadmin}, false},
	)
}

const (
	piiPhone  = "13812341234"
	piiMasked = "138****1234"
)

type piiEnv struct {
	srv     *testenv.Server
	unit    *model.Unit
	contact *model.User
}

// newPIIEnv: unit 甲 of 徐汇区, member of an alliance, its contact 王敏
// 13812341234; one account of each role that reads units or accounts.
func newPIIEnv(t *testing.T, d string) *piiEnv {
	t.Helper()
	ctx := context.Background()
	srv := testenv.NewServer(t, d)
	al := &model.Alliance{Name: "脱敏测试联盟", Kind: "regional", Level: model.LevelDistrict, DistrictID: 310104}
	if err := srv.DB.CreateAlliance(ctx, al); err != nil {
		t.Fatal(err)
	}
	u := &model.Unit{Name: "脱敏测试单位甲", Kind: "gov", DistrictID: 310104, ContactName: "王敏", ContactPhone: piiPhone}
	if err := srv.DB.CreateUnit(ctx, u); err != nil {
		t.Fatal(err)
	}
	if err := srv.DB.CreateMembership(ctx, &model.Membership{AllianceID: al.ID, UnitID: u.ID, Rank: model.RankMember,
		JoinedOn: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	e := &piiEnv{srv: srv, unit: u}
	e.contact = srv.CreateUser(t, "contact_a", model.RoleUnitContact, model.DomainOf(model.DomainUnit, u.ID))
	if err := srv.DB.UpdateUserProfile(ctx, e.contact.ID, e.contact.Version, "王敏", piiPhone, "wangmin@example.cn"); err != nil {
		t.Fatal(err)
	}
	srv.CreateUser(t, "secretary", model.RoleAllianceSecretary, model.DomainOf(model.DomainAlliance, al.ID))
	srv.CreateUser(t, "district_admin", model.RoleDistrictAdmin, "district:310104")
	srv.CreateUser(t, "reviewer", model.RoleDistrictReviewer, "district:310104")
	srv.CreateUser(t, "city_reviewer", model.RoleCityReviewer, "sys")
	srv.CreateUser(t, "sysadmin", model.RoleSysadmin, "sys")
	srv.CreateUser(t, "secadmin", model.RoleSecadmin, "sys")
	return e
}

func (e *piiEnv) login(t *testing.T, name string) *testenv.Client {
	c := e.srv.Client(t)
	c.Login(name, testenv.Password)
	return c
}

func (e *piiEnv) personalExports(t *testing.T) []model.AuditEntry {
	t.Helper()
	l, err := e.srv.DB.ListAudit(context.Background(), store.AuditFilter{Action: service.ActionExportPersonal}, model.PageRequest{Limit: 50, Sort: "id"})
	if err != nil {
		t.Fatal(err)
	}
	return l.Items
}

// TestPersonalDataByRole: for each role, the unit list, the unit's page,
// the export and the API show the contact's phone in full or masked as
// docs/access.md decides; only the unmasked exports are audited, with their
// row counts.
func TestPersonalDataByRole(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			e := newPIIEnv(t, d)
			uid := e.unit.ID
			full := map[string]bool{"contact_a": true, "secretary": true, "district_admin": true, "sysadmin": true,
				"reviewer": false, "city_reviewer": false}
			audited := 0
			for name, sees := range full {
				c := e.login(t, name)
				want, not := piiMasked, piiPhone
				if sees {
					want, not = piiPhone, piiMasked
				}
				check := func(what string, res *testenv.Response) {
					t.Helper()
					if res.Status != http.StatusOK || !strings.Contains(res.Body, want) || strings.Contains(res.Body, not) {
						t.Errorf("%s: %s: status %d, want %s and not %s", name, what, res.Status, want, not)
					}
				}
				check("list", c.Get("/units"))
				page := c.Get(fmt.Sprintf("/units/%d", uid))
				check("page", page)
				if got := page.Doc(t).Find(".muted[title]").Length() > 0; got == sees {
					t.Errorf("%s: the page's masked note shown %v", name, got)
				}
				check("export", c.Get("/units/export?format=csv"))
				check("API export", c.Get("/api/v1/units/export?format=csv"))
				res := c.Get(fmt.Sprintf("/api/v1/units/%d", uid))
				var body struct {
					ContactName  string `json:"contact_name"`
					ContactPhone string `json:"contact_phone"`
				}
				if err := json.Unmarshal([]byte(res.Body), &body); err != nil || body.ContactPhone != want {
					t.Errorf("%s: API %d %s", name, res.Status, res.Body)
				}
				check("API list", c.Get("/api/v1/units"))
				if sees {
					audited += 2
				}
				if n := len(e.personalExports(t)); n != audited {
					t.Errorf("after %s's exports: %d export.personal rows, want %d", name, n, audited)
				}
			}
			for _, row := range e.personalExports(t) {
				if !strings.Contains(row.Changes, `"rows":1`) || !strings.Contains(row.Changes, `"personal_rows":1`) ||
					!strings.Contains(row.Changes, `"kind":"units"`) || !strings.Contains(row.Changes, `"format":"csv"`) || strings.Contains(row.Changes, piiPhone) {
					t.Errorf("export.personal row: %s", row.Changes)
				}
			}

			// Accounts: the system admin sees phone and e-mail, the security admin masked.
			for name, want := range map[string][2]string{"sysadmin": {piiPhone, "wangmin@example.cn"}, "secadmin": {piiMasked, "w***@example.cn"}} {
				c := e.login(t, name)
				for _, p := range []string{"/admin/users", fmt.Sprintf("/admin/users/%d", e.contact.ID), "/api/v1/users", fmt.Sprintf("/api/v1/users/%d", e.contact.ID),
					"/admin/users/export?format=csv"} {
					res := c.Get(p)
					if res.Status != http.StatusOK || !strings.Contains(res.Body, want[0]) || (!strings.HasPrefix(p, "/admin/users?") && p != "/admin/users" && !strings.Contains(res.Body, want[1])) {
						t.Errorf("%s: %s: %d, want %v", name, p, res.Status, want)
					}
				}
			}
			rows := e.personalExports(t)
			if last := rows[len(rows)-1]; !strings.Contains(last.Changes, `"kind":"users"`) || last.Username != "sysadmin" ||
				!strings.Contains(last.Changes, `"personal_rows":1`) {
				t.Errorf("user export's audit row: %+v", last)
			} else if len(rows) != audited+1 {
				t.Errorf("the security admin's masked export was audited: %d rows", len(rows))
			}
		})
	}
}

func auditRows(t *testing.T, db *store.DB) []string {
	t.Helper()
	var out []string
	err := db.EachAudit(context.Background(), store.AuditFilter{}, store.AuditByID, 200, func(e *model.AuditEntry) error {
		out = append(out, fmt.Sprintf("%d|%s|%s|%s|%s|%s", e.ID, e.Username, e.Action, e.ObjectID, e.Changes, e.CreatedAt.UTC().Format(time.RFC3339Nano)))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestEraseContactPages: the district admin erases a unit's contact through
// the confirmation page; the pages show the tombstone, the audit rows before
// stay as they were. The system admin erases a disabled account's data.
func TestEraseContactPages(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			e := newPIIEnv(t, d)
			show := fmt.Sprintf("/units/%d", e.unit.ID)
			erase := show + "/erase-contact"
			rev := e.login(t, "reviewer")
			if rev.Get(show).Doc(t).Find(`a[href="`+erase+`"]`).Length() != 0 {
				t.Error("the reviewer is offered the erasure")
			}
			if res := rev.Get(erase); res.Status != http.StatusForbidden {
				t.Errorf("reviewer GET %s: %d", erase, res.Status)
			}
			adm := e.login(t, "district_admin")
			if adm.Get(show).Doc(t).Find(`a[href="`+erase+`"]`).Length() != 1 {
				t.Fatal("the district admin is not offered the erasure")
			}
			// Some history in the audit log first.
			if res := adm.Submit(show+"/edit", show, url.Values{"name": {e.unit.Name}, "kind": {"gov"}, "district_id": {"310104"},
				"contact_name": {"王敏"}, "contact_phone": {"13812345678"}, "status": {"active"}, "version": {"1"}}); res.Status != http.StatusSeeOther {
				t.Fatalf("edit: %d %.300s", res.Status, res.Body)
			}
			page := adm.Get(erase)
			form := page.Doc(t).Find(`form[action="` + erase + `"]`)
			if page.Status != http.StatusOK || form.Length() != 1 || !strings.Contains(form.AttrOr("data-confirm", ""), e.unit.Name) ||
				!strings.Contains(page.Body, "13812345678") {
				t.Fatalf("confirmation page: %d %.500s", page.Status, page.Body)
			}
			before := auditRows(t, e.srv.DB)
			res := adm.Submit(erase, erase, url.Values{"version": {form.Find(`input[name="version"]`).AttrOr("value", "")}})
			if res.Status != http.StatusSeeOther || res.Location() != show {
				t.Fatalf("erase: %d %s %.300s", res.Status, res.Location(), res.Body)
			}
			after := auditRows(t, e.srv.DB)
			if len(before) == 0 || len(after) != len(before)+1 || strings.Join(after[:len(before)], "\n") != strings.Join(before, "\n") {
				t.Fatalf("the audit rows changed:\n%v\n%v", before, after)
			}
			if last := after[len(after)-1]; !strings.Contains(last, "|district_admin|unit.erase_contact|") || strings.Contains(last, "5678") || strings.Contains(last, "王") {
				t.Errorf("erasure's audit row: %s", last)
			}
			for _, name := range []string{"contact_a", "secretary", "sysadmin"} {
				body := e.login(t, name).Get(show).Doc(t).Find("#basic").Text()
				if !strings.Contains(body, model.ErasedName) || strings.Contains(body, "王敏") || strings.Contains(body, "5678") {
					t.Errorf("%s: the page after erasure still shows the contact", name)
				}
			}
			if adm.Get(show).Doc(t).Find(`a[href="`+erase+`"]`).Length() != 0 {
				t.Error("an erased contact is offered for erasure again")
			}

			// An account: disabled first, then erased by the system admin.
			sys := e.login(t, "sysadmin")
			ushow := fmt.Sprintf("/admin/users/%d", e.contact.ID)
			uerase := ushow + "/erase"
			if sys.Get(ushow).Doc(t).Find(`a[href="`+uerase+`"]`).Length() != 0 {
				t.Error("an active account is offered for erasure")
			}
			if res := sys.Submit(ushow, ushow+"/disable", url.Values{"version": {fmt.Sprint(e.contact.Version + 1)}}); res.Status != http.StatusSeeOther {
				t.Fatalf("disable: %d %.300s", res.Status, res.Body)
			}
			if sys.Get(ushow).Doc(t).Find(`a[href="`+uerase+`"]`).Length() != 1 {
				t.Fatal("the disabled account is not offered for erasure")
			}
			if res := e.login(t, "secadmin").Get(uerase); res.Status != http.StatusForbidden {
				t.Errorf("secadmin GET %s: %d", uerase, res.Status)
			}
			upage := sys.Get(uerase)
			uform := upage.Doc(t).Find(`form[action="` + uerase + `"]`)
			if uform.Length() != 1 || uform.AttrOr("data-confirm", "") == "" {
				t.Fatalf("account confirmation page: %d %.500s", upage.Status, upage.Body)
			}
			res = sys.Submit(uerase, uerase, url.Values{"version": {uform.Find(`input[name="version"]`).AttrOr("value", "")}})
			if res.Status != http.StatusSeeOther {
				t.Fatalf("erase account: %d %.300s", res.Status, res.Body)
			}
			body := sys.Get(ushow).Doc(t).Find(".card").First().Text()
			if !strings.Contains(body, model.ErasedName) || strings.Contains(body, "wangmin") || strings.Contains(body, piiPhone) {
				t.Error("the account page after erasure still shows its data")
			}
		})
	}
}

// TestAuditPageMasksHistoricalPersonalData: a row written before personal
// fields were stored masked shows them masked on the audit page and in its
// export.
func TestAuditPageMasksHistoricalPersonalData(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			srv := testenv.NewServer(t, d)
			srv.CreateUser(t, "auditor", model.RoleAuditor, "sys")
			if err := srv.DB.AppendAudit(context.Background(), &model.AuditEntry{Username: "old", Action: "unit.update", ObjectKind: "unit", ObjectID: "1",
				Changes: `{"contact_phone":["13812341234","13900001111"],"contact_name":["王敏","李强"]}`}); err != nil {
				t.Fatal(err)
			}
			c := srv.Client(t)
			c.Login("auditor", testenv.Password)
			for _, p := range []string{"/admin/audit-log?action=all", "/admin/audit-log/export?format=csv&action=all"} {
				res := c.Get(p)
				if res.Status != http.StatusOK || !strings.Contains(res.Body, "138****1234") || !strings.Contains(res.Body, "李*") ||
					strings.Contains(res.Body, "13900001111") || strings.Contains(res.Body, "王敏") {
					t.Errorf("%s: %d %.400s", p, res.Status, res.Body)
				}
			}
		})
	}
}
