package service_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"tongxin/internal/authz"
	"tongxin/internal/model"
	"tongxin/internal/service"
	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

// piiWorld: an alliance of 徐汇区 with member unit A; unit B of 徐汇区 in no
// alliance; unit F of 黄浦区; and one account of each role that reads units.
type piiWorld struct {
	db                  *store.DB
	az                  *authz.Authorizer
	unitA, unitB, unitF int64
	actors              map[string]model.Actor
	contactA            *model.User
	alliance            int64
}

const (
	piiPhoneA = "13812341234"
	piiPhoneB = "13900001111"
	piiPhoneF = "13711112222"
)

func newPIIWorld(t *testing.T, db *store.DB) *piiWorld {
	t.Helper()
	ctx := context.Background()
	now := time.Date(2026, 3, 5, 2, 0, 0, 0, time.UTC)
	db.SetClock(func() time.Time { return now })
	w := &piiWorld{db: db, actors: map[string]model.Actor{}}
	al := &model.Alliance{Name: "个人信息联盟", Kind: "regional", Level: model.LevelDistrict, DistrictID: 310104}
	if err := db.CreateAlliance(ctx, al); err != nil {
		t.Fatal(err)
	}
	w.alliance = al.ID
	unit := func(name string, district int64, contact, phone string) int64 {
		u := &model.Unit{Name: name, Kind: "gov", DistrictID: district, ContactName: contact, ContactPhone: phone}
		if err := db.CreateUnit(ctx, u); err != nil {
			t.Fatal(err)
		}
		return u.ID
	}
	w.unitA = unit("成员单位甲", 310104, "王敏", piiPhoneA)
	w.unitB = unit("区内单位乙", 310104, "李强", piiPhoneB)
	w.unitF = unit("外区单位丙", 310101, "张静", piiPhoneF)
	if err := db.CreateMembership(ctx, &model.Membership{AllianceID: al.ID, UnitID: w.unitA, Rank: model.RankMember,
		JoinedOn: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	mk := func(name, role, domain string) *model.User {
		u := testenv.CreateUser(t, db, name, role, domain)
		w.actors[name] = model.Actor{UserID: u.ID, Username: u.Username}
		return u
	}
	w.contactA = mk("contact_a", model.RoleUnitContact, model.DomainOf(model.DomainUnit, w.unitA))
	mk("contact_b", model.RoleUnitContact, model.DomainOf(model.DomainUnit, w.unitB))
	mk("secretary", model.RoleAllianceSecretary, model.DomainOf(model.DomainAlliance, al.ID))
	mk("district_admin", model.RoleDistrictAdmin, "district:310104")
	mk("reviewer", model.RoleDistrictReviewer, "district:310104")
	mk("city_reviewer", model.RoleCityReviewer, "sys")
	mk("sysadmin", model.RoleSysadmin, "sys")
	mk("secadmin", model.RoleSecadmin, "sys")
	mk("auditor", model.RoleAuditor, "sys")
	if err := db.UpdateUserProfile(ctx, w.contactA.ID, w.contactA.Version, "王敏", piiPhoneA, "wangmin@example.cn"); err != nil {
		t.Fatal(err)
	}
	az, err := authz.New(ctx, db, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	w.az = az
	return w
}

func (w *piiWorld) deps() service.Deps { return service.Deps{DB: w.db, Authz: w.az} }

// auditSnapshot is every audit row as stored, one line each: erasure must
// leave them all as they were.
func auditSnapshot(t *testing.T, db *store.DB) []string {
	t.Helper()
	var out []string
	err := db.EachAudit(context.Background(), store.AuditFilter{}, store.AuditByID, 100, func(e *model.AuditEntry) error {
		uid := int64(0)
		if e.UserID != nil {
			uid = *e.UserID
		}
		out = append(out, fmt.Sprintf("%d|%d|%s|%s|%s|%s|%s|%s", e.ID, uid, e.Username, e.Action, e.ObjectKind, e.ObjectID, e.Changes,
			e.CreatedAt.UTC().Format(time.RFC3339Nano)))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func personalExports(t *testing.T, db *store.DB) []model.AuditEntry {
	t.Helper()
	l, err := db.ListAudit(context.Background(), store.AuditFilter{Action: service.ActionExportPersonal}, model.PageRequest{Limit: 50, Sort: "id"})
	if err != nil {
		t.Fatal(err)
	}
	return l.Items
}

// TestUnitContactsMaskedByRole: the unit's own contact, its alliance's
// secretary, the district admin and the system admin see a contact in full;
// the reviewers see it masked, on the page, the API, the list and the export.
func TestUnitContactsMaskedByRole(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newPIIWorld(t, db)
		svc := service.NewUnits(w.deps())
		full := map[string]bool{"contact_a": true, "secretary": true, "district_admin": true, "sysadmin": true}
		for _, name := range []string{"contact_a", "secretary", "district_admin", "sysadmin", "reviewer", "city_reviewer"} {
			a := w.actors[name]
			wantPhone, wantName := "138****1234", "王*"
			if full[name] {
				wantPhone, wantName = piiPhoneA, "王敏"
			}
			d, err := svc.Detail(ctx, a, w.unitA)
			if err != nil {
				t.Fatalf("%s: detail: %v", name, err)
			}
			if d.Unit.ContactPhone != wantPhone || d.Unit.ContactName != wantName || d.ContactMasked == full[name] {
				t.Errorf("%s: page shows %q %q (masked %v), want %q %q", name, d.Unit.ContactName, d.Unit.ContactPhone, d.ContactMasked, wantName, wantPhone)
			}
			u, err := svc.View(ctx, a, w.unitA)
			if err != nil || u.ContactPhone != wantPhone {
				t.Errorf("%s: API shows %v %v, want %q", name, u, err, wantPhone)
			}
			l, err := svc.List(ctx, a, store.UnitFilter{}, model.PageRequest{Limit: 50})
			if err != nil {
				t.Fatalf("%s: list: %v", name, err)
			}
			for _, r := range l.Items {
				if r.ID == w.unitA && r.ContactPhone != wantPhone {
					t.Errorf("%s: list shows %q, want %q", name, r.ContactPhone, wantPhone)
				}
				if r.ID == w.unitB && name == "reviewer" && r.ContactPhone != "139****1111" {
					t.Errorf("reviewer: list shows B's %q", r.ContactPhone)
				}
				if r.ID == w.unitB && name == "district_admin" && r.ContactPhone != piiPhoneB {
					t.Errorf("district admin: list shows B's %q", r.ContactPhone)
				}
			}
			err = svc.Export(ctx, a, store.UnitFilter{}, "csv", func(r *store.UnitRow) error {
				if r.ID == w.unitA && r.ContactPhone != wantPhone {
					t.Errorf("%s: export shows %q, want %q", name, r.ContactPhone, wantPhone)
				}
				return nil
			})
			if err != nil {
				t.Fatalf("%s: export: %v", name, err)
			}
		}
		// Whoever may update a unit may see its contact (its form carries it).
		for _, name := range []string{"contact_a", "district_admin", "sysadmin"} {
			if _, err := svc.Editable(ctx, w.actors[name], w.unitA); err != nil {
				t.Fatalf("%s: editable: %v", name, err)
			}
			if !svc.MaySeeContact(w.actors[name], authz.ChainUnit(w.unitA, 310104, w.alliance)) {
				t.Errorf("%s may update the unit but not see its contact", name)
			}
		}
	})
}

// TestPersonalExportsAudited: an export that hands out unmasked personal
// data writes export.personal with its kind, format, filter and counts; a
// masked export writes none.
func TestPersonalExportsAudited(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newPIIWorld(t, db)
		units := service.NewUnits(w.deps())
		count := func(a model.Actor, f store.UnitFilter) int {
			n := 0
			if err := units.Export(ctx, a, f, "xlsx", func(*store.UnitRow) error { n++; return nil }); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := count(w.actors["reviewer"], store.UnitFilter{}); n != 2 || len(personalExports(t, db)) != 0 {
			t.Fatalf("reviewer: %d rows, audit %v", n, personalExports(t, db))
		}
		if n := count(w.actors["district_admin"], store.UnitFilter{Status: model.StatusActive}); n != 2 {
			t.Fatalf("district admin exported %d rows", n)
		}
		rows := personalExports(t, db)
		if len(rows) != 1 {
			t.Fatalf("export.personal rows: %v", rows)
		}
		e := rows[0]
		for _, want := range []string{`"kind":"units"`, `"format":"xlsx"`, `"rows":2`, `"personal_rows":2`, `"status":"active"`, `"complete":true`} {
			if !strings.Contains(e.Changes, want) {
				t.Errorf("audit row %s lacks %s", e.Changes, want)
			}
		}
		if e.Username != "district_admin" || strings.Contains(e.Changes, piiPhoneA) {
			t.Errorf("audit row: %+v", e)
		}
		// A unit without contact data counts as a row, not as personal.
		empty := &model.Unit{Name: "无联系人单位", Kind: "gov", DistrictID: 310104}
		if err := db.CreateUnit(ctx, empty); err != nil {
			t.Fatal(err)
		}
		if n := count(w.actors["sysadmin"], store.UnitFilter{}); n != 4 {
			t.Fatalf("sysadmin exported %d rows", n)
		}
		if e := personalExports(t, db)[1]; !strings.Contains(e.Changes, `"rows":4`) || !strings.Contains(e.Changes, `"personal_rows":3`) {
			t.Errorf("sysadmin's audit row: %s", e.Changes)
		}
		// A download that breaks off records what it handed out.
		stop := errors.New("client gone")
		n := 0
		err := units.Export(ctx, w.actors["sysadmin"], store.UnitFilter{}, "csv", func(*store.UnitRow) error {
			if n++; n == 2 {
				return stop
			}
			return nil
		})
		if !errors.Is(err, stop) {
			t.Fatalf("broken export: %v", err)
		}
		if e := personalExports(t, db)[2]; !strings.Contains(e.Changes, `"rows":1`) || !strings.Contains(e.Changes, `"complete":false`) {
			t.Errorf("broken export's audit row: %s", e.Changes)
		}

		// Accounts: the system admin's export is personal, the security admin's masked.
		users := service.NewUsers(w.deps())
		var sawMasked, sawFull bool
		if err := users.Export(ctx, w.actors["secadmin"], store.UserFilter{}, "csv", func(u *model.User) error {
			if u.ID == w.contactA.ID {
				sawMasked = u.Phone == "138****1234" && u.Email == "w***@example.cn"
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if !sawMasked || len(personalExports(t, db)) != 3 {
			t.Errorf("secadmin's export: masked %v, audit rows %d", sawMasked, len(personalExports(t, db)))
		}
		total := 0
		if err := users.Export(ctx, w.actors["sysadmin"], store.UserFilter{Query: "contact"}, "xlsx", func(u *model.User) error {
			total++
			if u.ID == w.contactA.ID {
				sawFull = u.Phone == piiPhoneA && u.Email == "wangmin@example.cn"
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		e = personalExports(t, db)[3]
		if !sawFull || total != 2 || !strings.Contains(e.Changes, `"kind":"users"`) || !strings.Contains(e.Changes, `"rows":2`) ||
			!strings.Contains(e.Changes, `"personal_rows":1`) || !strings.Contains(e.Changes, `"q":"contact"`) {
			t.Errorf("sysadmin's user export: full %v, %d rows, audit %s", sawFull, total, e.Changes)
		}
	})
}

// TestUserPersonalMaskedForSecadmin: the security admin reads accounts with
// phone and e-mail masked; the system admin in full.
func TestUserPersonalMaskedForSecadmin(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newPIIWorld(t, db)
		users := service.NewUsers(w.deps())
		for name, want := range map[string][2]string{"sysadmin": {piiPhoneA, "wangmin@example.cn"}, "secadmin": {"138****1234", "w***@example.cn"}} {
			u, err := users.Get(ctx, w.actors[name], w.contactA.ID)
			if err != nil || u.Phone != want[0] || u.Email != want[1] {
				t.Errorf("%s: get %v %v, want %v", name, u, err, want)
			}
			l, err := users.List(ctx, w.actors[name], store.UserFilter{Query: "contact_a"}, model.PageRequest{Limit: 10})
			if err != nil || len(l.Items) != 1 || l.Items[0].Phone != want[0] || l.Items[0].Email != want[1] {
				t.Errorf("%s: list %v %v, want %v", name, l.Items, err, want)
			}
		}
	})
}

// TestAuditStoresPersonalDataMasked: the audit rows of unit and account
// changes hold phones, e-mails and contact names masked.
func TestAuditStoresPersonalDataMasked(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newPIIWorld(t, db)
		units := service.NewUnits(w.deps())
		u, err := units.Create(ctx, w.actors["district_admin"], service.UnitInput{Name: "审计脱敏单位", Kind: "gov", DistrictID: 310104,
			ContactName: "赵磊", ContactPhone: "13600001234"})
		if err != nil {
			t.Fatal(err)
		}
		in := service.UnitInput{Name: u.Name, Kind: u.Kind, DistrictID: u.DistrictID, ContactName: "孙丽", ContactPhone: "13655556666", Version: u.Version}
		if _, err := units.Update(ctx, w.actors["district_admin"], u.ID, in); err != nil {
			t.Fatal(err)
		}
		auth, err := service.NewAuth(db, service.AuthOptions{})
		if err != nil {
			t.Fatal(err)
		}
		d := w.deps()
		d.Auth = auth
		users := service.NewUsers(d)
		nu, _, err := users.Create(ctx, w.actors["sysadmin"], service.UserInput{Username: "masked.user", DisplayName: "周杰", Phone: "13577778888", Email: "zhoujie@example.cn"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := users.Update(ctx, w.actors["sysadmin"], nu.ID, service.UserInput{DisplayName: "周杰", Phone: "13599990000", Email: "jie@example.cn", Version: nu.Version}); err != nil {
			t.Fatal(err)
		}
		all := strings.Join(auditSnapshot(t, db), "\n")
		for _, raw := range []string{"13600001234", "13655556666", "赵磊", "孙丽", "13577778888", "13599990000", "zhoujie@", "jie@example.cn\""} {
			if strings.Contains(all, raw) {
				t.Errorf("the audit log holds %q", raw)
			}
		}
		for _, masked := range []string{"136****1234", "136****6666", "赵*", "孙*", "135****8888", "z***@example.cn", "j***@example.cn"} {
			if !strings.Contains(all, masked) {
				t.Errorf("the audit log lacks %q", masked)
			}
		}
	})
}

// TestEraseUnitContact: the district admin or the system admin erases a
// unit's contact; the live row keeps the tombstone, every page shows it,
// the audit rows before stay as they were and one more says who erased
// whose data, without the data.
func TestEraseUnitContact(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newPIIWorld(t, db)
		svc := service.NewUnits(w.deps())
		u, err := svc.Get(ctx, w.actors["district_admin"], w.unitA)
		if err != nil {
			t.Fatal(err)
		}
		// Rows in the audit log before the erasure, the contact among them.
		in := service.UnitInput{Name: u.Name, Kind: u.Kind, DistrictID: u.DistrictID, Address: "漕溪北路1号",
			ContactName: u.ContactName, ContactPhone: "13812345678", Version: u.Version}
		if u, err = svc.Update(ctx, w.actors["contact_a"], w.unitA, in); err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"reviewer", "secretary", "contact_a", "city_reviewer"} {
			if _, err := svc.EraseContact(ctx, w.actors[name], w.unitA, u.Version); !errors.Is(err, model.ErrForbidden) && !errors.Is(err, model.ErrNotFound) {
				t.Errorf("%s erased: %v", name, err)
			}
		}
		if _, err := svc.EraseContact(ctx, w.actors["district_admin"], w.unitF, 1); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("district admin erased another district's unit: %v", err)
		}
		if _, err := svc.EraseContact(ctx, w.actors["district_admin"], w.unitA, u.Version+1); !errors.Is(err, model.ErrConflict) {
			t.Errorf("stale version: %v", err)
		}
		before := auditSnapshot(t, db)
		out, err := svc.EraseContact(ctx, w.actors["district_admin"], w.unitA, u.Version)
		if err != nil {
			t.Fatal(err)
		}
		if out.ContactName != model.ErasedName || out.ContactPhone != "" || out.ContactErasedAt == nil || out.Version != u.Version+1 {
			t.Errorf("erased unit: %+v", out)
		}
		after := auditSnapshot(t, db)
		if len(before) == 0 || len(after) != len(before)+1 || strings.Join(after[:len(before)], "\n") != strings.Join(before, "\n") {
			t.Fatalf("the audit rows before the erasure changed:\n%v\n%v", before, after)
		}
		last := after[len(after)-1]
		if !strings.Contains(last, "|unit.erase_contact|unit|"+fmt.Sprint(w.unitA)+"|") || !strings.Contains(last, "district_admin") ||
			strings.Contains(last, "1234") || strings.Contains(last, "5678") || strings.Contains(last, "王") {
			t.Errorf("erasure's audit row: %s", last)
		}
		for _, name := range []string{"contact_a", "secretary", "reviewer", "sysadmin"} {
			d, err := svc.Detail(ctx, w.actors[name], w.unitA)
			if err != nil || d.Unit.ContactName != model.ErasedName || d.Unit.ContactPhone != "" {
				t.Errorf("%s: page after erasure %v %v", name, d, err)
			}
		}
		// The stored row holds nothing of it.
		raw, err := db.UnitByID(ctx, w.unitA)
		if err != nil {
			t.Fatal(err)
		}
		name, phone := raw.ContactName, raw.ContactPhone
		if name != model.ErasedName || phone != "" {
			t.Errorf("stored row: %q %q", name, phone)
		}
		if _, err := svc.EraseContact(ctx, w.actors["sysadmin"], w.unitA, out.Version); ruleCode(err) == "" {
			t.Errorf("erasing twice: %v", err)
		}
		// The system admin erases in any district.
		f, _ := svc.Get(ctx, w.actors["sysadmin"], w.unitF)
		if _, err := svc.EraseContact(ctx, w.actors["sysadmin"], w.unitF, f.Version); err != nil {
			t.Errorf("sysadmin: %v", err)
		}
	})
}

// TestEraseUserPersonal: the system admin erases a disabled account's
// personal data; not an active one, not their own, not one of the three
// administrators'; the security admin may not.
func TestEraseUserPersonal(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newPIIWorld(t, db)
		users := service.NewUsers(w.deps())
		sys := w.actors["sysadmin"]
		cur, err := db.UserByID(ctx, w.contactA.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := users.ErasePersonal(ctx, w.actors["secadmin"], cur.ID, cur.Version); !errors.Is(err, model.ErrForbidden) {
			t.Errorf("secadmin erased: %v", err)
		}
		if _, err := users.ErasePersonal(ctx, sys, cur.ID, cur.Version); !strings.Contains(ruleCode(err), service.MsgEraseActiveUser) {
			t.Errorf("active account: %v", err)
		}
		if _, err := users.ErasePersonal(ctx, sys, sys.UserID, 1); !strings.Contains(ruleCode(err), service.MsgEraseSelf) {
			t.Errorf("own account: %v", err)
		}
		if _, err := users.ErasePersonal(ctx, sys, w.actors["auditor"].UserID, 1); !strings.Contains(ruleCode(err), service.MsgEraseAdminAccount) {
			t.Errorf("the auditor's account: %v", err)
		}
		if err := users.SetEnabled(ctx, sys, cur.ID, cur.Version, false); err != nil {
			t.Fatal(err)
		}
		cur, _ = db.UserByID(ctx, cur.ID)
		before := auditSnapshot(t, db)
		out, err := users.ErasePersonal(ctx, sys, cur.ID, cur.Version)
		if err != nil {
			t.Fatal(err)
		}
		if out.DisplayName != model.ErasedName || out.Phone != "" || out.Email != "" || out.ErasedAt == nil || out.Username != "contact_a" {
			t.Errorf("erased account: %+v", out)
		}
		after := auditSnapshot(t, db)
		if len(after) != len(before)+1 || strings.Join(after[:len(before)], "\n") != strings.Join(before, "\n") {
			t.Fatalf("the audit rows before the erasure changed:\n%s\n--\n%s", strings.Join(before, "\n"), strings.Join(after, "\n"))
		}
		if last := after[len(after)-1]; !strings.Contains(last, "|user.erase|user|") || strings.Contains(last, piiPhoneA) || strings.Contains(last, "wangmin") {
			t.Errorf("erasure's audit row: %s", last)
		}
		if _, err := users.ErasePersonal(ctx, sys, out.ID, out.Version); ruleCode(err) == "" {
			t.Errorf("erasing twice: %v", err)
		}
	})
}
