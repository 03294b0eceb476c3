package service_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tongxin/internal/authz"
	"tongxin/internal/importer"
	"tongxin/internal/importer/importtest"
	"tongxin/internal/model"
	"tongxin/internal/service"
	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

// listsWorld is an alliance of 徐汇区 with two member units, the secretary,
// each unit's contact, a unit of 黄浦区 with its contact, and a reviewer of
// 徐汇区. The store's clock is fixed at 2026-03-05 10:00 Shanghai time.
type listsWorld struct {
	db                      *store.DB
	az                      *authz.Authorizer
	alliance                *model.Alliance
	unitA, unitB, unitF     int64
	street, foreignStreet   int64
	grid                    int64
	site, foreignSite       int64
	secretary, contactA     model.Actor
	contactB, contactF, rev model.Actor
	now                     time.Time
}

var listsSeq int

func newListsWorld(t *testing.T, db *store.DB) *listsWorld {
	t.Helper()
	ctx := context.Background()
	listsSeq++
	w := &listsWorld{db: db, now: time.Date(2026, 3, 5, 2, 0, 0, 0, time.UTC)}
	db.SetClock(func() time.Time { return w.now })
	w.alliance = &model.Alliance{Name: fmt.Sprintf("清单服务联盟%d", listsSeq), Kind: "regional", Level: model.LevelDistrict, DistrictID: 310104}
	if err := db.CreateAlliance(ctx, w.alliance); err != nil {
		t.Fatal(err)
	}
	w.unitA = allianceTestUnit(t, db, "需求单位甲", 310104)
	w.unitB = allianceTestUnit(t, db, "需求单位乙", 310104)
	w.unitF = allianceTestUnit(t, db, "外区单位", 310101)
	for _, u := range []int64{w.unitA, w.unitB} {
		if err := db.CreateMembership(ctx, &model.Membership{AllianceID: w.alliance.ID, UnitID: u, Rank: model.RankMember, JoinedOn: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
			t.Fatal(err)
		}
	}
	st := &model.Street{DistrictID: 310104, Code: fmt.Sprintf("3101048%02d", listsSeq), Name: "凌云路街道"}
	fst := &model.Street{DistrictID: 310101, Code: fmt.Sprintf("3101018%02d", listsSeq), Name: "外滩街道"}
	for _, s := range []*model.Street{st, fst} {
		if err := db.CreateStreet(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	w.street, w.foreignStreet = st.ID, fst.ID
	g := &model.Grid{StreetID: st.ID, DistrictID: 310104, Code: fmt.Sprintf("g%d", listsSeq), Name: "第一网格"}
	if err := db.CreateGrid(ctx, g); err != nil {
		t.Fatal(err)
	}
	w.grid = g.ID
	for i, p := range []*int64{&w.site, &w.foreignSite} {
		s := &model.ServiceSite{Name: fmt.Sprintf("阵地%d", i), Kind: "community_center", DistrictID: []int64{310104, 310101}[i], StreetID: []int64{st.ID, fst.ID}[i], Seats: 50}
		if err := db.CreateServiceSite(ctx, s); err != nil {
			t.Fatal(err)
		}
		*p = s.ID
	}
	mk := func(name, role, domain string) model.Actor {
		u := testenv.CreateUser(t, db, fmt.Sprintf("%s%d", name, listsSeq), role, domain)
		return model.Actor{UserID: u.ID, Username: u.Username}
	}
	w.secretary = mk("sec", model.RoleAllianceSecretary, model.DomainOf(model.DomainAlliance, w.alliance.ID))
	w.contactA = mk("ca", model.RoleUnitContact, model.DomainOf(model.DomainUnit, w.unitA))
	w.contactB = mk("cb", model.RoleUnitContact, model.DomainOf(model.DomainUnit, w.unitB))
	w.contactF = mk("cf", model.RoleUnitContact, model.DomainOf(model.DomainUnit, w.unitF))
	w.rev = mk("rev", model.RoleDistrictReviewer, "district:310104")
	az, err := authz.New(ctx, db, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	w.az = az
	return w
}

func (w *listsWorld) deps() service.Deps { return service.Deps{DB: w.db, Authz: w.az} }

func listDay(y int, m time.Month, d int) *time.Time {
	t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return &t
}

func listFields(err error) map[string]string {
	var ve *model.ValidationError
	if errors.As(err, &ve) {
		return ve.Fields
	}
	return nil
}

func ruleCode(err error) string {
	var re *model.RuleError
	if errors.As(err, &re) {
		return re.Code + " " + re.Message
	}
	return ""
}

func auditCount(t *testing.T, db *store.DB, action, id string) int64 {
	t.Helper()
	l, err := db.ListAudit(context.Background(), store.AuditFilter{Action: action, ObjectID: id}, model.PageRequest{Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	return l.Total
}

// TestNeedsService: field rules, who may create, see, edit, publish and
// close, the status table (422 naming the status), a stale edit (409), and
// an audit row for every write.
func TestNeedsService(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newListsWorld(t, db)
		svc := service.NewNeeds(w.deps())
		in := service.NeedInput{AllianceID: w.alliance.ID, SubmitterUnitID: w.unitA, Title: "加装电梯协调", Description: "三号楼加装电梯",
			Category: "housing_renewal", Quantity: 6, Measure: "sessions", Beneficiaries: 120, WantedBy: listDay(2026, 6, 30),
			StreetID: &w.street, GridID: &w.grid, Visibility: model.VisibleAlliance}

		// Field rules.
		bad := in
		bad.Title, bad.Category, bad.Measure, bad.Quantity = strings.Repeat("长", 101), "nope", "", 0
		bad.WantedBy, bad.Visibility, bad.StreetID = listDay(2026, 3, 4), "world", &w.foreignStreet
		f := listFields(func() error { _, err := svc.Create(ctx, w.contactA, bad); return err }())
		for field, key := range map[string]string{"title": model.MsgTooLong, "category": "need.bad_category", "measure": model.MsgRequired,
			"quantity": "lists.quantity_positive", "wanted_by": "need.wanted_by_past", "visibility": "lists.bad_visibility",
			"street_id": "lists.street_other_district"} {
			if f[field] != key {
				t.Errorf("field %s: %q, want %q (all: %v)", field, f[field], key, f)
			}
		}
		other := &model.Grid{StreetID: w.foreignStreet, DistrictID: 310101, Code: "gx" + fmt.Sprint(w.alliance.ID), Name: "外区网格"}
		if err := db.CreateGrid(ctx, other); err != nil {
			t.Fatal(err)
		}
		bad = in
		bad.GridID = &other.ID
		if f := listFields(func() error { _, err := svc.Create(ctx, w.contactA, bad); return err }()); f["grid_id"] != "lists.grid_other_district" {
			t.Errorf("foreign grid: %v", f)
		}
		bad = in
		bad.SubmitterUnitID = w.unitF
		if _, err := svc.Create(ctx, w.secretary, bad); listFields(err)["submitter_unit_id"] != "lists.unit_not_member" {
			t.Errorf("non-member unit: %v", err)
		}
		// Who may create: the unit's contact and the secretary; not another unit's contact.
		if _, err := svc.Create(ctx, w.contactB, in); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("other unit's contact creating for unit A: %v", err)
		}
		if _, err := svc.Create(ctx, w.rev, in); !errors.Is(err, model.ErrNotFound) && !errors.Is(err, model.ErrForbidden) {
			t.Errorf("reviewer creating: %v", err)
		}
		n, err := svc.Create(ctx, w.contactA, in)
		if err != nil {
			t.Fatal(err)
		}
		if n.Status != model.NeedDraft || n.Version != 1 || n.DistrictID != 310104 || auditCount(t, db, service.ActionNeedCreate, fmt.Sprint(n.ID)) != 1 {
			t.Errorf("created: %+v", n)
		}
		bySecretary := in
		bySecretary.SubmitterUnitID, bySecretary.Title, bySecretary.GridID = w.unitB, "垃圾分类宣传", nil
		if _, err := svc.Create(ctx, w.secretary, bySecretary); err != nil {
			t.Fatalf("secretary creating for unit B: %v", err)
		}

		// A draft is seen by its owners only; the same 404 as a missing id.
		for name, a := range map[string]model.Actor{"contact B": w.contactB, "foreign contact": w.contactF, "reviewer": w.rev} {
			if _, err := svc.Get(ctx, a, n.ID); !errors.Is(err, model.ErrNotFound) {
				t.Errorf("%s reads a draft: %v", name, err)
			}
		}
		if _, err := svc.Get(ctx, w.contactF, 99999999); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("missing id: %v", err)
		}
		for _, a := range []model.Actor{w.contactA, w.secretary} {
			if _, err := svc.Get(ctx, a, n.ID); err != nil {
				t.Errorf("owner %s reads the draft: %v", a.Username, err)
			}
		}

		// Publish: alliance-only, so members and the secretary see it, the
		// district reviewer too (their district), a unit of 黄浦区 does not
		// and cannot guess its id.
		if _, err := svc.Publish(ctx, w.contactB, n.ID, 1); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("other contact publishing a draft: %v", err)
		}
		pub, err := svc.Publish(ctx, w.contactA, n.ID, 1)
		if err != nil || pub.Status != model.NeedPublished || pub.PublishedAt == nil {
			t.Fatalf("publish: %+v %v", pub, err)
		}
		if _, err := svc.Get(ctx, w.contactF, n.ID); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("foreign unit reads an alliance-only need: %v", err)
		}
		if _, err := svc.Close(ctx, w.contactF, n.ID, pub.Version, "x"); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("foreign unit closes: %v", err)
		}
		for _, a := range []model.Actor{w.contactB, w.rev} {
			if _, err := svc.Get(ctx, a, n.ID); err != nil {
				t.Errorf("%s reads the published need: %v", a.Username, err)
			}
		}
		// A fellow member sees it but may not change it: 403.
		upd := in
		upd.Version = pub.Version
		if _, err := svc.Update(ctx, w.contactB, n.ID, upd); !errors.Is(err, model.ErrForbidden) {
			t.Errorf("fellow member editing: %v", err)
		}
		if p := svc.Perms(w.contactB, pub); p.Edit || p.Close || p.Owner {
			t.Errorf("fellow member perms: %+v", p)
		}
		if p := svc.Perms(w.contactB, pub); !p.Claim {
			t.Errorf("fellow member may claim: %+v", p)
		}
		if p := svc.Perms(w.secretary, pub); !p.Edit || !p.Close || p.Publish || p.Claim {
			t.Errorf("secretary perms: %+v", p)
		}
		// 422 on a transition the status does not allow; the message names it.
		if _, err := svc.Publish(ctx, w.contactA, n.ID, pub.Version); ruleCode(err) != "need_publish_not_allowed need.not_allowed.published" {
			t.Errorf("publish twice: %v", err)
		}
		// A stale edit: 409, nothing written.
		upd.Title = "加装电梯协调（二期）"
		got, err := svc.Update(ctx, w.secretary, n.ID, upd)
		if err != nil || got.Title != upd.Title || got.Version != pub.Version+1 {
			t.Fatalf("edit: %+v %v", got, err)
		}
		upd.Title = "过期的编辑"
		if _, err := svc.Update(ctx, w.contactA, n.ID, upd); !errors.Is(err, model.ErrConflict) {
			t.Errorf("stale edit: %v", err)
		}
		if cur, _ := svc.Get(ctx, w.contactA, n.ID); cur.Title != "加装电梯协调（二期）" {
			t.Errorf("stale edit wrote: %s", cur.Title)
		}
		if auditCount(t, db, service.ActionNeedUpdate, fmt.Sprint(n.ID)) != 1 {
			t.Error("update audit")
		}
		// Close needs a reason; then nothing more may happen.
		if _, err := svc.Close(ctx, w.contactA, n.ID, got.Version, " "); listFields(err)["reason"] != model.MsgRequired {
			t.Errorf("close without reason: %v", err)
		}
		closed, err := svc.Close(ctx, w.contactA, n.ID, got.Version, "居民意见未统一")
		if err != nil || closed.Status != model.NeedClosed || closed.CloseReason != "居民意见未统一" {
			t.Fatalf("close: %+v %v", closed, err)
		}
		for name, err := range map[string]error{
			"edit": func() error {
				upd.Version = closed.Version
				_, err := svc.Update(ctx, w.contactA, n.ID, upd)
				return err
			}(),
			"close": func() error { _, err := svc.Close(ctx, w.contactA, n.ID, closed.Version, "again"); return err }(),
		} {
			if !errors.Is(err, model.ErrRule) || !strings.Contains(ruleCode(err), "need.not_allowed.closed") {
				t.Errorf("%s a closed need: %v", name, err)
			}
		}
		if auditCount(t, db, service.ActionNeedClose, fmt.Sprint(n.ID)) != 1 || auditCount(t, db, service.ActionNeedPublish, fmt.Sprint(n.ID)) != 1 {
			t.Error("transition audits")
		}
		// The list: "mine" for contact B is the secretary's need for unit B.
		l, err := svc.List(ctx, w.contactB, store.NeedFilter{Mine: true}, model.PageRequest{})
		if err != nil || len(l.Items) != 1 || l.Items[0].Title != "垃圾分类宣传" {
			t.Errorf("mine: %+v %v", l.Items, err)
		}
		// Form options: contact A offers unit A in the alliance.
		o, err := svc.FormOptions(ctx, w.contactA, nil)
		if err != nil || len(o.Alliances) != 1 || len(o.Units) != 1 || o.Units[0].ID != w.unitA || len(o.Streets) == 0 {
			t.Errorf("form options: %+v %v", o, err)
		}
	})
}

// TestResourcesService: a venue names a site of its district; dates in
// order; publish, withdraw with a reason, 422 and 409; permissions.
func TestResourcesService(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newListsWorld(t, db)
		svc := service.NewResources(w.deps())
		in := service.ResourceInput{AllianceID: w.alliance.ID, ProviderUnitID: w.unitB, Title: "多功能会议室", Kind: model.ResourceKindVenue,
			Capacity: 12, Measure: "sessions", AvailableFrom: listDay(2026, 3, 1), AvailableUntil: listDay(2026, 12, 31), Visibility: model.VisibleDistrict}
		bad := in
		bad.AvailableFrom, bad.AvailableUntil, bad.Capacity = listDay(2026, 5, 1), listDay(2026, 4, 1), -1
		f := listFields(func() error { _, err := svc.Create(ctx, w.contactB, bad); return err }())
		if f["service_site_id"] != "resource.site_required" || f["available_until"] != "resource.until_before_from" || f["capacity"] != "lists.quantity_positive" {
			t.Errorf("field rules: %v", f)
		}
		bad = in
		bad.ServiceSiteID = &w.foreignSite
		if f := listFields(func() error { _, err := svc.Create(ctx, w.contactB, bad); return err }()); f["service_site_id"] != "resource.site_other_district" {
			t.Errorf("foreign site: %v", f)
		}
		in.ServiceSiteID = &w.site
		if _, err := svc.Create(ctx, w.contactA, in); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("contact A for unit B: %v", err)
		}
		r, err := svc.Create(ctx, w.contactB, in)
		if err != nil {
			t.Fatal(err)
		}
		if r.StreetID == nil || *r.StreetID != w.street {
			t.Errorf("a venue takes its site's street: %v", r.StreetID)
		}
		if _, err := svc.Withdraw(ctx, w.contactB, r.ID, 1, "x"); ruleCode(err) != "resource_withdraw_not_allowed resource.not_allowed.draft" {
			t.Errorf("withdraw a draft: %v", err)
		}
		pub, err := svc.Publish(ctx, w.secretary, r.ID, 1)
		if err != nil || pub.Status != model.ResourceAvailable {
			t.Fatalf("publish: %v", err)
		}
		// District visibility: a unit of 黄浦区 does not see it; 徐汇 reviewer does.
		if _, err := svc.Get(ctx, w.contactF, r.ID); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("foreign unit: %v", err)
		}
		if _, err := svc.Get(ctx, w.rev, r.ID); err != nil {
			t.Errorf("reviewer: %v", err)
		}
		upd := in
		upd.Capacity, upd.Version = 20, pub.Version
		got, err := svc.Update(ctx, w.contactB, r.ID, upd)
		if err != nil || got.Capacity != 20 || got.Status != model.ResourceAvailable {
			t.Fatalf("edit: %+v %v", got, err)
		}
		if _, err := svc.Update(ctx, w.contactB, r.ID, upd); !errors.Is(err, model.ErrConflict) {
			t.Errorf("stale: %v", err)
		}
		if _, err := svc.Withdraw(ctx, w.contactB, r.ID, got.Version, ""); listFields(err)["reason"] != model.MsgRequired {
			t.Errorf("withdraw without reason: %v", err)
		}
		wd, err := svc.Withdraw(ctx, w.contactB, r.ID, got.Version, "会议室装修")
		if err != nil || wd.Status != model.ResourceWithdrawn || wd.WithdrawReason != "会议室装修" {
			t.Fatalf("withdraw: %+v %v", wd, err)
		}
		if _, err := svc.Publish(ctx, w.contactB, r.ID, wd.Version); ruleCode(err) != "resource_publish_not_allowed resource.not_allowed.withdrawn" {
			t.Errorf("publish withdrawn: %v", err)
		}
		for _, a := range []string{service.ActionResourceCreate, service.ActionResourcePublish, service.ActionResourceUpdate, service.ActionResourceWithdraw} {
			if auditCount(t, db, a, fmt.Sprint(r.ID)) != 1 {
				t.Errorf("audit %s", a)
			}
		}
	})
}

// TestExpireLists: with a fake clock, open needs past wanted_by and
// available resources past available_until expire, in one transaction with
// an audit row per batch; a second run finds nothing; others stay.
func TestExpireLists(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newListsWorld(t, db)
		needs, resources := service.NewNeeds(w.deps()), service.NewResources(w.deps())
		mkNeed := func(title string, wanted *time.Time, publish bool) int64 {
			n, err := needs.Create(ctx, w.secretary, service.NeedInput{AllianceID: w.alliance.ID, SubmitterUnitID: w.unitA, Title: title,
				Category: "care", Quantity: 5, Measure: "person_times", WantedBy: wanted})
			if err != nil {
				t.Fatal(err)
			}
			if publish {
				if _, err := needs.Publish(ctx, w.secretary, n.ID, 1); err != nil {
					t.Fatal(err)
				}
			}
			return n.ID
		}
		due := mkNeed("三月十日截止", listDay(2026, 3, 10), true)
		later := mkNeed("四月截止", listDay(2026, 4, 30), true)
		draft := mkNeed("草稿不过期", listDay(2026, 3, 10), false)
		open := mkNeed("不设截止", nil, true)
		res, err := resources.Create(ctx, w.secretary, service.ResourceInput{AllianceID: w.alliance.ID, ProviderUnitID: w.unitB, Title: "志愿者",
			Kind: "volunteers", Capacity: 10, Measure: "person_times", AvailableUntil: listDay(2026, 3, 10)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := resources.Publish(ctx, w.secretary, res.ID, 1); err != nil {
			t.Fatal(err)
		}
		// On 2026-03-10 nothing is past yet.
		w.now = time.Date(2026, 3, 10, 15, 0, 0, 0, time.UTC) // 23:00 in Shanghai
		got, err := service.ExpireLists(ctx, db, service.AllianceToday(db.Now()))
		if err != nil || got != (service.ExpiryResult{}) {
			t.Fatalf("on the day: %+v %v", got, err)
		}
		// One hour later it is 03-11 in Shanghai.
		w.now = w.now.Add(time.Hour)
		got, err = service.ExpireLists(ctx, db, service.AllianceToday(db.Now()))
		if err != nil || got != (service.ExpiryResult{Needs: 1, Resources: 1}) {
			t.Fatalf("next day: %+v %v", got, err)
		}
		status := func(id int64) string {
			n, err := db.NeedByID(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			return n.Status
		}
		if status(due) != model.NeedExpired || status(later) != model.NeedPublished || status(draft) != model.NeedDraft || status(open) != model.NeedPublished {
			t.Errorf("statuses: %s %s %s %s", status(due), status(later), status(draft), status(open))
		}
		if r, _ := db.ResourceByID(ctx, res.ID); r.Status != model.ResourceExpired {
			t.Errorf("resource: %s", r.Status)
		}
		if auditCount(t, db, service.ActionNeedExpire, "") != 1 || auditCount(t, db, service.ActionResourceExpire, "") != 1 {
			t.Error("one audit row per batch")
		}
		if got, err := service.ExpireLists(ctx, db, service.AllianceToday(db.Now())); err != nil || got != (service.ExpiryResult{}) {
			t.Errorf("second run: %+v %v", got, err)
		}
		// An expired need cannot be published or edited again.
		if _, err := needs.Close(ctx, w.secretary, due, 3, "x"); !strings.Contains(ruleCode(err), "need.not_allowed.expired") {
			t.Errorf("close expired: %v", err)
		}
	})
}

// TestListImports: needs and resources come in through the import machinery
// into an alliance: rows obey the forms' rules (unit a current member,
// dictionary labels, the district's streets and sites, dates), refused rows
// go to the error file with their reasons, and a second run changes nothing.
func TestListImports(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newListsWorld(t, db)
		dir := t.TempDir()
		svc := service.NewImports(w.deps(), service.ImportOptions{UploadDir: dir,
			T: func(key string, args ...any) string { return key + fmt.Sprint(args...) }, Log: slog.New(slog.DiscardHandler)})
		var unitA string
		if u, err := db.UnitByID(ctx, w.unitA); err == nil {
			unitA = u.Name
		}
		domain := model.DomainOf(model.DomainAlliance, w.alliance.ID)
		needRows := [][]string{
			importer.Needs.Headers(),
			{"梅陇三村加装电梯协调", unitA, "楼院更新", "6", "场", "专业服务", "凌云路", "180", "2026/12/31", "本区", "意见征询"},
			{"老年助餐", unitA, "care", "1,200", "人次", "", "", "", "", "", ""},
			{"外区单位的需求", "外区单位", "关爱帮扶", "5", "人次", "", "", "", "", "", ""},
			{"错误类别", unitA, "没有这个类别", "5", "人次", "", "", "", "", "", ""},
			{"过去的日期", unitA, "关爱帮扶", "5", "人次", "", "", "", "2020-01-01", "", ""},
			{"老年助餐", unitA, "关爱帮扶", "5", "人次", "", "", "", "", "", ""},
		}
		path := filepath.Join(dir, "needs.csv")
		importtest.WriteCSV(t, path, needRows)
		run := func(kind, path string) importer.Result {
			t.Helper()
			res, err := svc.RunFile(ctx, w.secretary, service.ImportFile{Kind: kind, Domain: domain, Path: path, ErrorFile: path + ".errors.xlsx"})
			if err != nil {
				t.Fatalf("import %s: %v", kind, err)
			}
			return res
		}
		res := run(importer.KindNeeds, path)
		if res.Created != 2 || res.Errors != 4 || res.Unchanged != 0 {
			t.Fatalf("needs import: %+v", res.Progress)
		}
		errs := strings.Join(func() []string {
			var out []string
			for _, r := range importtest.ReadXLSX(t, res.ErrorFile) {
				out = append(out, strings.Join(r, "|"))
			}
			return out
		}(), "\n")
		for _, want := range []string{service.MsgImportBadUnitRow, service.MsgImportBadCodeRow, "need.wanted_by_past", service.MsgImportDupTitleRow} {
			if !strings.Contains(errs, want) {
				t.Errorf("error file lacks %s:\n%s", want, errs)
			}
		}
		l, err := service.NewNeeds(w.deps()).List(ctx, w.secretary, store.NeedFilter{Query: "加装电梯"}, model.PageRequest{})
		if err != nil || len(l.Items) != 1 {
			t.Fatalf("imported need: %+v %v", l.Items, err)
		}
		n := l.Items[0]
		if n.Status != model.NeedDraft || n.Category != "housing_renewal" || n.Measure != "sessions" || n.ResourceKind != "expertise" ||
			n.StreetID == nil || *n.StreetID != w.street || n.Visibility != model.VisibleDistrict || n.Beneficiaries != 180 ||
			listsDayString(n.WantedBy) != "2026-12-31" {
			t.Errorf("imported need: %+v", n.Need)
		}
		if again := run(importer.KindNeeds, path); again.Created != 0 || again.Unchanged != 2 {
			t.Errorf("second run: %+v", again.Progress)
		}
		if auditCount(t, db, service.ActionNeedImport, "cli") != 1 {
			t.Error("one audit row for the one batch written")
		}

		resRows := [][]string{
			importer.Resources.Headers(),
			{"多功能会议室", unitA, "场地", "24", "场", "", "阵地0", "", "2026-01-01", "2026-12-31", "", ""},
			{"没有阵地的场地", unitA, "场地", "24", "场", "", "", "", "", "", "", ""},
			{"外区阵地", unitA, "场地", "24", "场", "", "阵地1", "", "", "", "", ""},
			{"日期颠倒", unitA, "志愿者", "10", "人次", "", "", "", "2026-12-01", "2026-11-01", "", ""},
		}
		rpath := filepath.Join(dir, "resources.xlsx")
		importtest.WriteXLSX(t, rpath, resRows)
		res = run(importer.KindResources, rpath)
		if res.Created != 1 || res.Errors != 3 {
			t.Fatalf("resources import: %+v", res.Progress)
		}
		rl, err := service.NewResources(w.deps()).List(ctx, w.secretary, store.ResourceFilter{Query: "多功能"}, model.PageRequest{})
		if err != nil || len(rl.Items) != 1 || rl.Items[0].ServiceSiteID == nil || *rl.Items[0].ServiceSiteID != w.site {
			t.Fatalf("imported resource: %+v %v", rl.Items, err)
		}
		// A district is not a target of needs; a unit contact holds no import right.
		if _, err := svc.RunFile(ctx, w.secretary, service.ImportFile{Kind: importer.KindNeeds, Domain: "district:310104", Path: path}); listFields(err)["domain"] == "" {
			t.Errorf("district target: %v", err)
		}
		if _, err := svc.RunFile(ctx, w.contactA, service.ImportFile{Kind: importer.KindNeeds, Domain: domain, Path: path}); !errors.Is(err, model.ErrNotFound) && !errors.Is(err, model.ErrForbidden) {
			t.Errorf("unit contact importing: %v", err)
		}
	})
}

func listsDayString(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.DateOnly)
}
