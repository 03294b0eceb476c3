package service_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"tongxin/internal/authz"
	"tongxin/internal/model"
	"tongxin/internal/service"
	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

// claimWorld is an alliance of 徐汇区 with an owner unit and a claimant unit
// (both current members), a unit of 黄浦区 outside it, and their people.
type claimWorld struct {
	t                        *testing.T
	db                       *store.DB
	az                       *authz.Authorizer
	svc                      *service.Claims
	inbox                    *service.Notifications
	alliance                 int64
	owner, claimant, foreign int64
	// Actors: the contacts of the three units, the alliance's secretary, a
	// reviewer of 徐汇区.
	ownerContact, claimantContact, foreignContact, sec, reviewer model.Actor
}

var claimSeq atomic.Int64

func claimUnit(t *testing.T, db *store.DB, district int64) int64 {
	t.Helper()
	u := &model.Unit{Name: fmt.Sprintf("认领测试单位%d", claimSeq.Add(1)), Kind: "gov", DistrictID: district, Status: model.StatusActive}
	if err := db.CreateUnit(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	return u.ID
}

func claimMember(t *testing.T, db *store.DB, alliance, unit int64) {
	t.Helper()
	m := &model.Membership{AllianceID: alliance, UnitID: unit, Rank: model.RankMember, JoinedOn: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	if err := db.CreateMembership(context.Background(), m); err != nil {
		t.Fatal(err)
	}
}

func claimActor(t *testing.T, db *store.DB, role, domain string) model.Actor {
	t.Helper()
	u := testenv.CreateUser(t, db, fmt.Sprintf("claim_u%d", claimSeq.Add(1)), role, domain)
	return model.Actor{UserID: u.ID, Username: u.Username}
}

func newClaimWorld(t *testing.T, db *store.DB) *claimWorld {
	t.Helper()
	ctx := context.Background()
	w := &claimWorld{t: t, db: db}
	a := &model.Alliance{Name: fmt.Sprintf("认领测试联盟%d", claimSeq.Add(1)), Kind: "regional", Level: model.LevelDistrict, DistrictID: 310104, Status: model.StatusActive}
	if err := db.CreateAlliance(ctx, a); err != nil {
		t.Fatal(err)
	}
	w.alliance = a.ID
	w.owner, w.claimant, w.foreign = claimUnit(t, db, 310104), claimUnit(t, db, 310104), claimUnit(t, db, 310101)
	claimMember(t, db, a.ID, w.owner)
	claimMember(t, db, a.ID, w.claimant)
	w.ownerContact = claimActor(t, db, model.RoleUnitContact, model.DomainOf(model.DomainUnit, w.owner))
	w.claimantContact = claimActor(t, db, model.RoleUnitContact, model.DomainOf(model.DomainUnit, w.claimant))
	w.foreignContact = claimActor(t, db, model.RoleUnitContact, model.DomainOf(model.DomainUnit, w.foreign))
	w.sec = claimActor(t, db, model.RoleAllianceSecretary, model.DomainOf(model.DomainAlliance, a.ID))
	w.reviewer = claimActor(t, db, model.RoleDistrictReviewer, "district:310104")
	w.reload()
	return w
}

func (w *claimWorld) reload() {
	w.t.Helper()
	az, err := authz.New(context.Background(), w.db, slog.New(slog.DiscardHandler))
	if err != nil {
		w.t.Fatal(err)
	}
	w.az = az
	w.svc = service.NewClaims(service.Deps{DB: w.db, Authz: az})
	w.inbox = service.NewNotifications(service.Deps{DB: w.db, Authz: az})
}

// need makes a published need of the owner unit.
func (w *claimWorld) need(quantity int64, visibility string) *model.Need {
	w.t.Helper()
	n := &model.Need{AllianceID: w.alliance, DistrictID: 310104, SubmitterUnitID: w.owner, Title: fmt.Sprintf("老年助餐%d", claimSeq.Add(1)),
		Category: "care", Quantity: quantity, Measure: "person_times", Visibility: visibility, Status: model.NeedPublished}
	if err := w.db.CreateNeed(context.Background(), n); err != nil {
		w.t.Fatal(err)
	}
	return n
}

// resource makes an available resource of the owner unit.
func (w *claimWorld) resource(capacity int64, visibility string) *model.Resource {
	w.t.Helper()
	r := &model.Resource{AllianceID: w.alliance, DistrictID: 310104, ProviderUnitID: w.owner, Title: fmt.Sprintf("会议室%d", claimSeq.Add(1)),
		Kind: "venue", Capacity: capacity, Measure: "sessions", Visibility: visibility, Status: model.ResourceAvailable}
	if err := w.db.CreateResource(context.Background(), r); err != nil {
		w.t.Fatal(err)
	}
	return r
}

func (w *claimWorld) claim(actor model.Actor, in service.ClaimInput) *model.Claim {
	w.t.Helper()
	c, err := w.svc.Create(context.Background(), actor, in)
	if err != nil {
		w.t.Fatalf("claim %+v: %v", in, err)
	}
	return c
}

func (w *claimWorld) needNow(id int64) *model.Need {
	w.t.Helper()
	n, err := w.db.NeedByID(context.Background(), id)
	if err != nil {
		w.t.Fatal(err)
	}
	return n
}

func claimRuleCode(err error) string {
	var re *model.RuleError
	if errors.As(err, &re) {
		return re.Code
	}
	return ""
}

// TestClaimCoverage: a need's coverage and status follow its accepted claims
// across accept, reject and withdraw; a claim past the remaining quantity
// answers 409 naming what remains; actions not allowed in a claim's state
// answer 422; the people concerned get notifications; every change is audited.
func TestClaimCoverage(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newClaimWorld(t, db)
		n := w.need(10, model.VisibleAlliance)
		onNeed := func(q int64) service.ClaimInput {
			return service.ClaimInput{Target: model.TargetNeed, TargetID: n.ID, ClaimantUnitID: w.claimant, Quantity: q, Note: "我们有志愿者"}
		}
		coverage := func(wantCov, wantStatus string, wantAccepted int64) {
			t.Helper()
			got := w.needNow(n.ID)
			if got.Coverage() != wantCov || got.Status != wantStatus || got.AcceptedQuantity != wantAccepted {
				t.Fatalf("need: coverage %s status %s accepted %d, want %s %s %d", got.Coverage(), got.Status, got.AcceptedQuantity, wantCov, wantStatus, wantAccepted)
			}
		}
		coverage(model.CoverageNone, model.NeedPublished, 0)

		c1 := w.claim(w.claimantContact, onNeed(4))
		c2 := w.claim(w.claimantContact, onNeed(3))
		c3 := w.claim(w.claimantContact, onNeed(6))
		if c1.Status != model.ClaimPending || c1.AllianceID != w.alliance || c1.DistrictID != 310104 || c1.NeedID == nil || *c1.NeedID != n.ID {
			t.Fatalf("new claim: %+v", c1)
		}
		coverage(model.CoverageNone, model.NeedPublished, 0) // pending claims cover nothing

		// The owner's contact and the secretary heard of each claim; the claimant did not.
		for who, want := range map[string]int{"owner": 3, "sec": 3, "claimant": 0} {
			a := map[string]model.Actor{"owner": w.ownerContact, "sec": w.sec, "claimant": w.claimantContact}[who]
			if got, err := w.inbox.Unread(ctx, a); err != nil || got != want {
				t.Errorf("%s unread: %d %v, want %d", who, got, err, want)
			}
		}

		// Only the owner side decides; the claimant reads but may not (403);
		// a unit of another district does not even see the claim (404).
		if _, err := w.svc.Accept(ctx, w.claimantContact, c1.ID, 0); !errors.Is(err, model.ErrForbidden) {
			t.Errorf("claimant accepting: %v", err)
		}
		if _, err := w.svc.Accept(ctx, w.foreignContact, c1.ID, 0); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("foreign unit accepting: %v", err)
		}
		if _, err := w.svc.Accept(ctx, w.reviewer, c1.ID, 0); !errors.Is(err, model.ErrForbidden) {
			t.Errorf("reviewer accepting: %v", err)
		}
		// A stale version answers a conflict.
		if _, err := w.svc.Accept(ctx, w.ownerContact, c1.ID, c1.Version+1); !errors.Is(err, model.ErrConflict) {
			t.Errorf("stale accept: %v", err)
		}

		// Accept 4 of 10: partial.
		got, err := w.svc.Accept(ctx, w.ownerContact, c1.ID, c1.Version)
		if err != nil || got.Status != model.ClaimAccepted || got.DecidedBy == nil || *got.DecidedBy != w.ownerContact.UserID || got.DecidedAt == nil {
			t.Fatalf("accept: %+v %v", got, err)
		}
		coverage(model.CoveragePartial, model.NeedPartlyClaimed, 4)
		// A second accept of the same claim is refused (422), never counted twice.
		if _, err := w.svc.Accept(ctx, w.sec, c1.ID, 0); claimRuleCode(err) != "claim_not_pending" {
			t.Errorf("second accept: %v", err)
		}
		coverage(model.CoveragePartial, model.NeedPartlyClaimed, 4)
		// An accepted claim cannot be withdrawn, nor rejected.
		if _, err := w.svc.Withdraw(ctx, w.claimantContact, c1.ID, 0); claimRuleCode(err) != "claim_not_pending" {
			t.Errorf("withdrawing an accepted claim: %v", err)
		}
		if _, err := w.svc.Reject(ctx, w.sec, c1.ID, 0, "晚了"); claimRuleCode(err) != "claim_not_pending" {
			t.Errorf("rejecting an accepted claim: %v", err)
		}

		// Reject needs a reason; a rejection changes no coverage.
		if _, err := w.svc.Reject(ctx, w.sec, c2.ID, 0, "  "); err == nil || !errors.Is(err, model.ErrInvalid) {
			t.Errorf("reject without a reason: %v", err)
		}
		if got, err := w.svc.Reject(ctx, w.sec, c2.ID, c2.Version, "时间冲突"); err != nil || got.Status != model.ClaimRejected || got.Reason != "时间冲突" {
			t.Fatalf("reject: %+v %v", got, err)
		}
		coverage(model.CoveragePartial, model.NeedPartlyClaimed, 4)
		if _, err := w.svc.Accept(ctx, w.ownerContact, c2.ID, 0); claimRuleCode(err) != "claim_not_pending" {
			t.Errorf("accepting a rejected claim: %v", err)
		}

		// The claimant withdraws a pending claim; the owner may not withdraw it.
		c4 := w.claim(w.claimantContact, onNeed(6))
		c5 := w.claim(w.claimantContact, onNeed(6))
		if _, err := w.svc.Withdraw(ctx, w.ownerContact, c5.ID, 0); !errors.Is(err, model.ErrForbidden) {
			t.Errorf("owner withdrawing: %v", err)
		}
		if got, err := w.svc.Withdraw(ctx, w.claimantContact, c5.ID, c5.Version); err != nil || got.Status != model.ClaimWithdrawn {
			t.Fatalf("withdraw: %+v %v", got, err)
		}
		if _, err := w.svc.Accept(ctx, w.sec, c5.ID, 0); claimRuleCode(err) != "claim_not_pending" {
			t.Errorf("accepting a withdrawn claim: %v", err)
		}

		// 6 more make 10: the need is claimed in full, and the pending claim
		// that no longer fits (c4, 6 more) is closed with it: rejected, with
		// the reason, by the one who accepted.
		if _, err := w.svc.Accept(ctx, w.sec, c3.ID, c3.Version); err != nil {
			t.Fatal(err)
		}
		coverage(model.CoverageComplete, model.NeedClaimed, 10)
		closed, err := db.ClaimByID(ctx, c4.ID)
		if err != nil || closed.Status != model.ClaimRejected || closed.Reason != "需求已全部认领，剩余 0 人次" ||
			closed.DecidedBy == nil || *closed.DecidedBy != w.sec.UserID {
			t.Fatalf("the claim that no longer fits: %+v %v", closed, err)
		}
		if _, err := w.svc.Accept(ctx, w.sec, c4.ID, 0); claimRuleCode(err) != "claim_not_pending" {
			t.Fatalf("accepting the closed claim: %#v", err)
		}
		coverage(model.CoverageComplete, model.NeedClaimed, 10)
		// A new claim on a claimed need is refused.
		if _, err := w.svc.Create(ctx, w.claimantContact, onNeed(1)); claimRuleCode(err) != "not_claimable" {
			t.Errorf("claim on a claimed need: %v", err)
		}

		// The claimant's contact heard of two acceptances and two rejections
		// (one by the owner, one by the need being claimed in full).
		l, err := w.inbox.List(ctx, w.claimantContact, false, model.PageRequest{})
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[string]int{}
		for _, x := range l.Items {
			kinds[x.Kind]++
			if x.Link == "" || x.SubjectKind != "claim" {
				t.Errorf("notification without subject: %+v", x)
			}
		}
		if kinds[model.NotifyClaimAccepted] != 2 || kinds[model.NotifyClaimRejected] != 2 || len(l.Items) != 4 {
			t.Errorf("claimant's inbox: %v", kinds)
		}
		// The owner heard of the withdrawal.
		l, _ = w.inbox.List(ctx, w.ownerContact, false, model.PageRequest{Sort: "newest", Desc: true})
		if len(l.Items) == 0 || l.Items[0].Kind != model.NotifyClaimWithdrawn {
			t.Errorf("owner's newest notification: %+v", l.Items)
		}
		p, ok := service.ParseClaimNotice(&l.Items[0])
		if !ok || p.ClaimID != c5.ID || p.Quantity != 6 || p.TargetTitle != n.Title {
			t.Errorf("notice params: %+v %v", p, ok)
		}

		// Audit rows, one per change.
		entries, err := db.ListAudit(ctx, store.AuditFilter{ObjectKind: "claim"}, model.PageRequest{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		acts := map[string]int{}
		for _, e := range entries.Items {
			acts[e.Action]++
		}
		if acts[service.ActionClaimCreate] != 5 || acts[service.ActionClaimAccept] != 2 || acts[service.ActionClaimReject] != 2 || acts[service.ActionClaimWithdraw] != 1 {
			t.Errorf("audit: %v", acts)
		}
	})
}

// TestClaimRules: who may claim what. A unit of another district cannot
// claim (nor see) an alliance-only need: 404; a unit cannot claim its own;
// the quantity must be positive and fit; a link must be the claimant's own.
func TestClaimRules(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newClaimWorld(t, db)
		n := w.need(5, model.VisibleAlliance)
		in := service.ClaimInput{Target: model.TargetNeed, TargetID: n.ID, ClaimantUnitID: w.foreign, Quantity: 1}

		if _, err := w.svc.Create(ctx, w.foreignContact, in); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("foreign unit claiming an alliance-only need: %v", err)
		}
		if _, err := w.svc.Target(ctx, w.foreignContact, model.TargetNeed, n.ID); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("foreign unit seeing an alliance-only need: %v", err)
		}
		// A city-wide need it may claim.
		city := w.need(5, model.VisibleCity)
		in.TargetID = city.ID
		if _, err := w.svc.Create(ctx, w.foreignContact, in); err != nil {
			t.Errorf("foreign unit claiming a city need: %v", err)
		}
		// Claiming for a unit one does not speak for.
		in.ClaimantUnitID = w.claimant
		if _, err := w.svc.Create(ctx, w.foreignContact, in); !errors.Is(err, model.ErrNotFound) && !errors.Is(err, model.ErrForbidden) {
			t.Errorf("claiming for another unit: %v", err)
		}
		// One's own need.
		own := service.ClaimInput{Target: model.TargetNeed, TargetID: n.ID, ClaimantUnitID: w.owner, Quantity: 1}
		if _, err := w.svc.Create(ctx, w.ownerContact, own); claimRuleCode(err) != "own_target" {
			t.Errorf("claiming one's own need: %v", err)
		}
		// Quantity.
		bad := service.ClaimInput{Target: model.TargetNeed, TargetID: n.ID, ClaimantUnitID: w.claimant, Quantity: 0}
		var ve *model.ValidationError
		if _, err := w.svc.Create(ctx, w.claimantContact, bad); !errors.As(err, &ve) || ve.Fields["quantity"] != "claim.quantity_positive" {
			t.Errorf("zero quantity: %v", err)
		}
		bad.Quantity = 6
		if _, err := w.svc.Create(ctx, w.claimantContact, bad); !errors.As(err, &ve) || ve.Fields["quantity"] != "claim.quantity_over" || fmt.Sprint(ve.Args["quantity"]) != "[5 人次]" {
			t.Errorf("too much: %v %v", err, ve)
		}
		// A link must be a resource of the claimant.
		theirs := w.resource(3, model.VisibleAlliance) // the owner's
		bad.Quantity, bad.LinkID = 2, theirs.ID
		if _, err := w.svc.Create(ctx, w.claimantContact, bad); !errors.As(err, &ve) || ve.Fields["link_id"] != "claim.bad_link" {
			t.Errorf("link to another's resource: %v", err)
		}
		mine := &model.Resource{AllianceID: w.alliance, DistrictID: 310104, ProviderUnitID: w.claimant, Title: "志愿者队伍", Kind: "volunteers",
			Capacity: 20, Measure: "people", Visibility: model.VisibleAlliance, Status: model.ResourceAvailable}
		if err := db.CreateResource(ctx, mine); err != nil {
			t.Fatal(err)
		}
		bad.LinkID = mine.ID
		c, err := w.svc.Create(ctx, w.claimantContact, bad)
		if err != nil || c.ResourceID == nil || *c.ResourceID != mine.ID || c.Target != model.TargetNeed {
			t.Fatalf("linked claim: %+v %v", c, err)
		}
		row, err := w.svc.Get(ctx, w.sec, c.ID)
		if err != nil || row.LinkTitle != "志愿者队伍" || row.TargetTitle != n.Title || row.OwnerUnitID != w.owner {
			t.Fatalf("claim row: %+v %v", row, err)
		}
		// Reading: the claimant, the owner, the secretary and the district reviewer; not a foreign unit.
		for _, a := range []model.Actor{w.claimantContact, w.ownerContact, w.sec, w.reviewer} {
			if _, err := w.svc.Get(ctx, a, c.ID); err != nil {
				t.Errorf("%s reading: %v", a.Username, err)
			}
		}
		if _, err := w.svc.Get(ctx, w.foreignContact, c.ID); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("foreign unit reading: %v", err)
		}
		// Lists and views.
		count := func(a model.Actor, view string) int64 {
			t.Helper()
			l, err := w.svc.List(ctx, a, store.ClaimFilter{}, view, model.PageRequest{})
			if err != nil {
				t.Fatal(err)
			}
			return l.Total
		}
		// Pending: the claimant's on n and the foreign unit's on the city need, both the owner's.
		if got := count(w.ownerContact, service.ClaimViewDecide); got != 2 {
			t.Errorf("owner's 待我确认: %d", got)
		}
		if got := count(w.sec, service.ClaimViewDecide); got != 2 {
			t.Errorf("secretary's 待我确认: %d", got)
		}
		if got := count(w.claimantContact, service.ClaimViewDecide); got != 0 {
			t.Errorf("claimant's 待我确认: %d", got)
		}
		if got := count(w.claimantContact, service.ClaimViewMine); got != 1 {
			t.Errorf("claimant's 我的认领: %d", got)
		}
		if got := count(w.foreignContact, service.ClaimViewMine); got != 1 {
			t.Errorf("foreign unit's 我的认领: %d", got)
		}
		if got := count(w.foreignContact, service.ClaimViewAll); got != 1 {
			t.Errorf("foreign unit's list: %d (sees only its own)", got)
		}
		if got := count(w.reviewer, service.ClaimViewAll); got != 2 {
			t.Errorf("reviewer's list: %d", got)
		}
		// Claims on a target: the owner sees all, the foreign unit its own on the city need.
		_, l, err := w.svc.OnTarget(ctx, w.foreignContact, model.TargetNeed, city.ID, model.PageRequest{})
		if err != nil || l.Total != 1 {
			t.Errorf("foreign unit's claims on the city need: %v %v", l.Total, err)
		}
		if _, _, err := w.svc.OnTarget(ctx, w.foreignContact, model.TargetNeed, n.ID, model.PageRequest{}); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("foreign unit's claims on an alliance need: %v", err)
		}
	})
}

// TestClaimsConcurrentAccept: 50 claims of 1 on a resource of capacity 10,
// made at once by 50 units and accepted at once by the secretary: exactly 10
// are accepted; the other 40 are refused, either with a 409 naming what
// remains or, once the resource is used up, because its exhaustion has
// closed them already (rejected, their units told); the resource is
// exhausted at 10. Run it under -race.
func TestClaimsConcurrentAccept(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newClaimWorld(t, db)
		r := w.resource(10, model.VisibleAlliance)
		const n = 50
		units := make([]int64, n)
		contact := testenv.CreateUser(t, db, fmt.Sprintf("claim_many%d", claimSeq.Add(1)), "", "")
		for i := range units {
			units[i] = claimUnit(t, db, 310104)
			claimMember(t, db, w.alliance, units[i])
			if err := db.CreateRoleAssignment(ctx, &model.RoleAssignment{UserID: contact.ID, Role: model.RoleUnitContact,
				Domain: model.DomainOf(model.DomainUnit, units[i]), ValidFrom: db.Now().Add(-time.Minute)}); err != nil {
				t.Fatal(err)
			}
		}
		w.reload()
		who := model.Actor{UserID: contact.ID, Username: contact.Username}

		run := func(f func(i int) error) []error {
			errs := make([]error, n)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range n {
				wg.Go(func() {
					<-start
					errs[i] = f(i)
				})
			}
			close(start)
			wg.Wait()
			return errs
		}
		ids := make([]int64, n)
		for i, err := range run(func(i int) error {
			c, err := w.svc.Create(ctx, who, service.ClaimInput{Target: model.TargetResource, TargetID: r.ID, ClaimantUnitID: units[i], Quantity: 1})
			if err == nil {
				ids[i] = c.ID
			}
			return err
		}) {
			if err != nil {
				t.Fatalf("claim %d: %v", i, err)
			}
		}
		accepted, refused := 0, 0
		for i, err := range run(func(i int) error {
			_, err := w.svc.Accept(ctx, w.sec, ids[i], 1)
			return err
		}) {
			var ce *model.ConflictError
			switch {
			case err == nil:
				accepted++
			case errors.As(err, &ce) && ce.Message == "claim.exceeds" && fmt.Sprint(ce.Args[0]) == "0",
				claimRuleCode(err) == "claim_not_pending":
				refused++
			default:
				t.Errorf("accept %d: %v", i, err)
			}
		}
		if accepted != 10 || refused != 40 {
			t.Fatalf("accepted %d, refused %d; want 10 and 40", accepted, refused)
		}
		got, err := db.ResourceByID(ctx, r.ID)
		if err != nil || got.AcceptedQuantity != 10 || got.Status != model.ResourceExhausted || got.Remaining() != 0 {
			t.Fatalf("resource after: %+v %v", got, err)
		}
		l, err := db.ListClaims(ctx, store.ClaimFilter{ResourceID: r.ID, Status: model.ClaimAccepted, Scope: model.Scope{All: true}}, model.PageRequest{})
		if err != nil || l.Total != 10 {
			t.Fatalf("accepted claims in the database: %d %v", l.Total, err)
		}
		l, err = db.ListClaims(ctx, store.ClaimFilter{ResourceID: r.ID, Status: model.ClaimRejected, Scope: model.Scope{All: true}}, model.PageRequest{Limit: 100})
		if err != nil || l.Total != 40 {
			t.Fatalf("closed claims in the database: %d %v", l.Total, err)
		}
		for _, c := range l.Items {
			if c.Reason != "资源已用完，剩余 0 场" {
				t.Fatalf("closed claim %d: reason %q", c.ID, c.Reason)
			}
		}
	})
}
