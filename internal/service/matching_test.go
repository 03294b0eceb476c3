package service_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"tongxin/internal/authz"
	"tongxin/internal/model"
	"tongxin/internal/service"
	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

// matchWorld is a small map for matching and drafting: alliance A in 徐汇区
// with units U1 (raises needs), U2 and U3 (offer resources), U4; alliance B
// in 黄浦区 with U5 and U6.
type matchWorld struct {
	db                     *store.DB
	az                     *authz.Authorizer
	s1, s2                 int64 // streets of 徐汇区
	a, b                   *model.Alliance
	u1, u2, u3, u4, u5, u6 int64
	today                  time.Time
}

func newMatchWorld(t *testing.T, db *store.DB) *matchWorld {
	t.Helper()
	ctx := context.Background()
	w := &matchWorld{db: db}
	db.SetClock(func() time.Time { return time.Date(2026, 5, 10, 2, 0, 0, 0, time.UTC) })
	w.today = time.Date(2026, 5, 10, 0, 0, 0, 0, time.UTC)
	for i, s := range []*model.Street{{DistrictID: 310104, Code: "310104012", Name: "凌云路街道"}, {DistrictID: 310104, Code: "310104013", Name: "田林街道"}} {
		if err := db.CreateStreet(ctx, s); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			w.s1 = s.ID
		} else {
			w.s2 = s.ID
		}
	}
	w.a = &model.Alliance{Name: "凌云路街道区域化党建联盟", Kind: "regional", Level: model.LevelDistrict, DistrictID: 310104}
	w.b = &model.Alliance{Name: "南京东路街道区域化党建联盟", Kind: "regional", Level: model.LevelDistrict, DistrictID: 310101}
	for _, a := range []*model.Alliance{w.a, w.b} {
		if err := db.CreateAlliance(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	join := func(name string, a *model.Alliance) int64 {
		id := allianceTestUnit(t, db, name, a.DistrictID)
		if err := db.CreateMembership(ctx, &model.Membership{AllianceID: a.ID, UnitID: id, Rank: model.RankMember, JoinedOn: w.today.AddDate(-1, 0, 0)}); err != nil {
			t.Fatal(err)
		}
		return id
	}
	w.u1, w.u2, w.u3, w.u4 = join("化工一村居民区", w.a), join("徐汇区青年志愿者协会", w.a), join("漕河泾物业公司", w.a), join("徐汇区司法局", w.a)
	w.u5, w.u6 = join("黄浦区志愿者协会", w.b), join("上海城投集团", w.b)
	az, err := authz.New(ctx, db, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	w.az = az
	return w
}

func (w *matchWorld) day(days int) *time.Time {
	d := w.today.AddDate(0, 0, days)
	return &d
}

func (w *matchWorld) need(t *testing.T, n model.Need) *model.Need {
	t.Helper()
	if n.AllianceID == 0 {
		n.AllianceID, n.DistrictID = w.a.ID, w.a.DistrictID
	}
	if n.Measure == "" {
		n.Measure = "person_times"
	}
	if n.Quantity == 0 {
		n.Quantity = 10
	}
	if err := w.db.CreateNeed(context.Background(), &n); err != nil {
		t.Fatal(err)
	}
	return &n
}

func (w *matchWorld) resource(t *testing.T, r model.Resource) *model.Resource {
	t.Helper()
	if r.AllianceID == 0 {
		r.AllianceID, r.DistrictID = w.a.ID, w.a.DistrictID
	}
	if r.Measure == "" {
		r.Measure = "person_times"
	}
	if r.Capacity == 0 {
		r.Capacity = 10
	}
	if r.Status == "" {
		r.Status = model.ResourceAvailable
	}
	if err := w.db.CreateResource(context.Background(), &r); err != nil {
		t.Fatal(err)
	}
	return &r
}

// accepted records an accepted claim the way the claims service leaves it.
func (w *matchWorld) accepted(t *testing.T, c model.Claim) {
	t.Helper()
	ctx := context.Background()
	c.Status, c.AllianceID, c.DistrictID = model.ClaimAccepted, w.a.ID, w.a.DistrictID
	if err := w.db.CreateClaim(ctx, &c); err != nil {
		t.Fatal(err)
	}
	switch c.Target {
	case model.TargetNeed:
		n, err := w.db.NeedByID(ctx, *c.NeedID)
		if err != nil {
			t.Fatal(err)
		}
		st := model.NeedStatusFor(n.Status, n.AcceptedQuantity+c.Quantity, n.Quantity)
		if err := w.db.AddAcceptedQuantity(ctx, c.Target, n.ID, c.Quantity, st); err != nil {
			t.Fatal(err)
		}
	default:
		r, err := w.db.ResourceByID(ctx, *c.ResourceID)
		if err != nil {
			t.Fatal(err)
		}
		st := model.ResourceStatusFor(r.Status, r.AcceptedQuantity+c.Quantity, r.Capacity)
		if err := w.db.AddAcceptedQuantity(ctx, c.Target, r.ID, c.Quantity, st); err != nil {
			t.Fatal(err)
		}
	}
}

func ids(ms []store.Match) []int64 {
	out := make([]int64, 0, len(ms))
	for _, m := range ms {
		out = append(out, m.ID)
	}
	return out
}

// TestMatchingSuggestions ranks the resources that fit a need (kind before
// field, the same street before the same district), leaves out what does
// not fit, has nothing left, is out of time, is the need's own unit's or is
// not visible to it, and answers the reverse for a resource.
func TestMatchingSuggestions(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newMatchWorld(t, db)
		sec := testenv.CreateUser(t, db, "sec", model.RoleAllianceSecretary, model.DomainOf(model.DomainAlliance, w.a.ID))
		hpRev := testenv.CreateUser(t, db, "hprev", model.RoleDistrictReviewer, "district:310101")
		if err := w.az.Reload(ctx); err != nil {
			t.Fatal(err)
		}
		as := func(u *model.User) model.Actor { return model.Actor{UserID: u.ID, Username: u.Username} }
		svc := service.NewMatching(service.Deps{DB: db, Authz: w.az})

		n := w.need(t, model.Need{SubmitterUnitID: w.u1, Title: "老年助餐志愿服务", Category: "care", ResourceKind: "volunteers",
			StreetID: &w.s1, WantedBy: w.day(30), Status: model.NeedPublished})
		r1 := w.resource(t, model.Resource{ProviderUnitID: w.u2, Title: "青年志愿者服务队", Kind: "volunteers", StreetID: &w.s1})
		r2 := w.resource(t, model.Resource{ProviderUnitID: w.u3, Title: "助老物资", Kind: "goods", Category: "care", StreetID: &w.s2})
		full := w.resource(t, model.Resource{ProviderUnitID: w.u3, Title: "已约满的志愿者", Kind: "volunteers", Capacity: 2})
		w.accepted(t, model.Claim{Target: model.TargetResource, ResourceID: &full.ID, ClaimantUnitID: w.u4, Quantity: 2})
		w.resource(t, model.Resource{ProviderUnitID: w.u2, Title: "已过期的志愿者", Kind: "volunteers", AvailableUntil: w.day(-1)})
		w.resource(t, model.Resource{ProviderUnitID: w.u2, Title: "期限之后才开始", Kind: "volunteers", AvailableFrom: w.day(31)})
		w.resource(t, model.Resource{AllianceID: w.b.ID, DistrictID: 310101, ProviderUnitID: w.u5, Title: "他联盟内部志愿者", Kind: "volunteers", Visibility: model.VisibleAlliance})
		r7 := w.resource(t, model.Resource{AllianceID: w.b.ID, DistrictID: 310101, ProviderUnitID: w.u6, Title: "全市志愿者", Kind: "volunteers", Visibility: model.VisibleCity})
		w.resource(t, model.Resource{ProviderUnitID: w.u1, Title: "自己的志愿者", Kind: "volunteers"})
		w.resource(t, model.Resource{ProviderUnitID: w.u2, Title: "宣传培训", Kind: "training", Category: "publicity"})
		w.resource(t, model.Resource{ProviderUnitID: w.u2, Title: "草稿志愿者", Kind: "volunteers", Status: model.ResourceDraft})

		got, err := svc.ForNeed(ctx, as(sec), n.ID)
		if err != nil {
			t.Fatal(err)
		}
		if want := []int64{r1.ID, r7.ID, r2.ID}; !slicesEqual(ids(got), want) {
			t.Fatalf("suggestions %v, want %v (%+v)", ids(got), want, got)
		}
		if m := got[0]; !m.KindFits || !m.SameStreet || m.CategoryFits || m.StreetName != "凌云路街道" || m.Remaining != 10 || m.UnitName != "徐汇区青年志愿者协会" {
			t.Errorf("first suggestion's reasons: %+v", m)
		}
		if m := got[2]; m.KindFits || !m.CategoryFits || m.SameStreet || !m.SameDistrict {
			t.Errorf("third suggestion's reasons: %+v", m)
		}

		// The reverse: the needs the resource fits.
		w.need(t, model.Need{SubmitterUnitID: w.u2, Title: "自己的需求", Category: "care", ResourceKind: "volunteers", Status: model.NeedPublished})
		w.need(t, model.Need{SubmitterUnitID: w.u4, Title: "已关闭", Category: "care", ResourceKind: "volunteers", Status: model.NeedClosed})
		w.need(t, model.Need{SubmitterUnitID: w.u4, Title: "已过期限", Category: "care", ResourceKind: "volunteers", Status: model.NeedPublished, WantedBy: w.day(-2)})
		other := w.need(t, model.Need{SubmitterUnitID: w.u4, Title: "法律咨询志愿者", Category: "rule_of_law", ResourceKind: "volunteers", Status: model.NeedPublished})
		back, err := svc.ForResource(ctx, as(sec), r1.ID)
		if err != nil {
			t.Fatal(err)
		}
		if want := []int64{n.ID, other.ID}; !slicesEqual(ids(back), want) {
			t.Errorf("needs for the resource %v, want %v", ids(back), want)
		}

		// Someone who cannot see the need gets not found, as for a missing id.
		if _, err := svc.ForNeed(ctx, as(hpRev), n.ID); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("foreign reviewer: %v", err)
		}
		if _, err := svc.ForNeed(ctx, as(sec), 999999); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("missing need: %v", err)
		}
	})
}

func slicesEqual(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestProjectDraftFromNeed drafts a project from a need's accepted claims:
// the largest server leads, the other servers and the providers of the
// resources claimed for the need are partners, the need's unit requests; a
// need without accepted claims or already in a project is refused.
func TestProjectDraftFromNeed(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newMatchWorld(t, db)
		sec := testenv.CreateUser(t, db, "sec", model.RoleAllianceSecretary, model.DomainOf(model.DomainAlliance, w.a.ID))
		contact := testenv.CreateUser(t, db, "u1", model.RoleUnitContact, model.DomainOf(model.DomainUnit, w.u1))
		if err := w.az.Reload(ctx); err != nil {
			t.Fatal(err)
		}
		as := func(u *model.User) model.Actor { return model.Actor{UserID: u.ID, Username: u.Username} }
		svc := service.NewProjectDrafts(service.Deps{DB: db, Authz: w.az})

		n := w.need(t, model.Need{SubmitterUnitID: w.u1, Title: "化工一村148号楼加装电梯协调", Description: "协调居民意见", Category: "housing_renewal",
			Beneficiaries: 120, Status: model.NeedPublished})
		r1 := w.resource(t, model.Resource{ProviderUnitID: w.u2, Title: "志愿者", Kind: "volunteers"})
		r7 := w.resource(t, model.Resource{AllianceID: w.b.ID, DistrictID: 310101, ProviderUnitID: w.u6, Title: "专项资金", Kind: "funds", Visibility: model.VisibleCity})

		if _, err := svc.FromNeed(ctx, as(sec), n.ID); !errors.Is(err, model.ErrRule) {
			t.Fatalf("a need nobody claimed: %v", err)
		}
		w.accepted(t, model.Claim{Target: model.TargetNeed, NeedID: &n.ID, ResourceID: &r1.ID, ClaimantUnitID: w.u2, Quantity: 3})
		w.accepted(t, model.Claim{Target: model.TargetNeed, NeedID: &n.ID, ClaimantUnitID: w.u3, Quantity: 5})
		w.accepted(t, model.Claim{Target: model.TargetResource, ResourceID: &r7.ID, NeedID: &n.ID, ClaimantUnitID: w.u1, Quantity: 1})
		pending := model.Claim{Target: model.TargetNeed, NeedID: &n.ID, ClaimantUnitID: w.u4, Quantity: 1, AllianceID: w.a.ID, DistrictID: w.a.DistrictID}
		if err := db.CreateClaim(ctx, &pending); err != nil {
			t.Fatal(err)
		}

		if _, err := svc.FromNeed(ctx, as(contact), n.ID); !errors.Is(err, model.ErrForbidden) && !errors.Is(err, model.ErrNotFound) {
			t.Errorf("a unit contact drafting: %v", err)
		}
		p, err := svc.FromNeed(ctx, as(sec), n.ID)
		if err != nil {
			t.Fatal(err)
		}
		if p.LeadUnitID != w.u3 || p.Status != model.ProjectDraft || p.Title != n.Title || p.Summary != n.Description ||
			p.Category != "housing_renewal" || p.TargetBeneficiaries != 120 || p.Year != 2026 || p.AllianceID != w.a.ID || p.Code != nil {
			t.Errorf("draft: %+v", p)
		}
		units, err := db.ProjectUnits(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		roles := map[int64]string{}
		for _, u := range units {
			roles[u.UnitID] = u.Role
		}
		want := map[int64]string{w.u3: model.ProjectUnitLead, w.u2: model.ProjectUnitPartner, w.u6: model.ProjectUnitPartner, w.u1: model.ProjectUnitRequester}
		if len(roles) != len(want) || units[0].UnitID != w.u3 {
			t.Errorf("units %v, want %v", roles, want)
		}
		for u, r := range want {
			if roles[u] != r {
				t.Errorf("unit %d: role %q, want %q", u, roles[u], r)
			}
		}
		needs, resources, err := db.ProjectLinks(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !slicesEqual(needs, []int64{n.ID}) || !slicesEqual(resources, []int64{r1.ID, r7.ID}) {
			t.Errorf("links: needs %v resources %v", needs, resources)
		}
		// Once is enough.
		if _, err := svc.FromNeed(ctx, as(sec), n.ID); !errors.Is(err, model.ErrRule) {
			t.Errorf("drafting twice: %v", err)
		}
		// The draft is in the audit log.
		entries, err := db.ListAudit(ctx, store.AuditFilter{Action: service.ActionProjectDraftFromNeed}, model.PageRequest{})
		if err != nil || entries.Total != 1 {
			t.Errorf("audit: %+v %v", entries, err)
		}
	})
}
