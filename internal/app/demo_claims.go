package app

import (
	"context"
	"encoding/json"
	"fmt"

	"tongxin/internal/model"
	"tongxin/internal/service"
	"tongxin/internal/store"
)

// The demonstration alliance's claims (认领) on its demo needs and
// resources, in every state, with the inbox messages they would have sent.
// Written once: a second run, or a run on an alliance with claims already,
// changes nothing. Accepted claims add to their target's accepted quantity
// and status exactly as an accept does.

// demoClaim is one demo claim; unit indexes demoUnits, title names a demo
// need or resource, link optionally names the claimant's own resource (a
// claim on a need) or need (a claim on a resource).
type demoClaim struct {
	unit           int
	target, title  string
	quantity       int64
	note           string
	status, reason string
	link           string
}

var demoClaims = []demoClaim{
	{1, model.TargetResource, "党群服务中心多功能会议室", 4, "第八人民医院党委每季度一次主题党日活动。", model.ClaimAccepted, "", ""},
	{1, model.TargetNeed, "垃圾分类宣传进小区", 10, "医院青年志愿者周末早高峰值守。", model.ClaimPending, "", ""},
	{17, model.TargetNeed, "老年助餐送餐服务", 20, "志愿者协会可安排送餐志愿者每周五次。", model.ClaimPending, "", "社区志愿者服务队"},
	{4, model.TargetNeed, "青少年暑期托管班", 4, "大学生社会实践团队承担四场课程。", model.ClaimAccepted, "", "大学生暑期志愿服务"},
	{3, model.TargetNeed, "红色阅读推广活动", 50, "学校可提供部分图书并组织读书会。", model.ClaimRejected, "图书已由区图书馆捐赠，感谢支持", ""},
	{12, model.TargetNeed, "错峰停车共享车位", 30, "商业广场夜间车位全部开放。", model.ClaimAccepted, "", "商业广场夜间停车位"},
	{5, model.TargetResource, "社区志愿者服务队", 20, "校园开放日需要引导志愿者。", model.ClaimWithdrawn, "", ""},
	{13, model.TargetResource, "法律咨询与健康讲座", 2, "梅陇三村居民希望开展继承与赡养法律讲座。", model.ClaimPending, "", "居民法律咨询服务"},
	{0, model.TargetResource, "大学生暑期志愿服务", 10, "街道暑期“爱心暑托班”需要辅导志愿者。", model.ClaimAccepted, "", ""},
}

// seedDemoClaims writes the demo claims of the alliance unless it has
// claims already. It runs after the demo needs, resources and accounts.
func seedDemoClaims(ctx context.Context, db *store.DB, allianceID int64, unitIDs []int64) error {
	l, err := db.ListClaims(ctx, store.ClaimFilter{AllianceID: allianceID, Scope: model.Scope{All: true}}, model.PageRequest{Limit: 1})
	if err != nil || l.Total > 0 {
		return err
	}
	all := store.ListViewer{Own: model.Scope{All: true}}
	needs, err := db.ListNeeds(ctx, store.NeedFilter{AllianceID: allianceID, Viewer: all}, model.PageRequest{Limit: model.MaxPageSize})
	if err != nil {
		return err
	}
	resources, err := db.ListResources(ctx, store.ResourceFilter{AllianceID: allianceID, Viewer: all}, model.PageRequest{Limit: model.MaxPageSize})
	if err != nil {
		return err
	}
	needByTitle, resourceByTitle := map[string]*model.Need{}, map[string]*model.Resource{}
	for i := range needs.Items {
		needByTitle[needs.Items[i].Title] = &needs.Items[i].Need
	}
	for i := range resources.Items {
		resourceByTitle[resources.Items[i].Title] = &resources.Items[i].Resource
	}
	if len(needByTitle) == 0 {
		return nil // no demo lists to claim on
	}
	return db.WithTx(ctx, func(ctx context.Context) error {
		for _, d := range demoClaims {
			if err := seedDemoClaim(ctx, db, d, unitIDs, needByTitle, resourceByTitle); err != nil {
				return fmt.Errorf("demo claim on %s: %w", d.title, err)
			}
		}
		return nil
	})
}

func seedDemoClaim(ctx context.Context, db *store.DB, d demoClaim, unitIDs []int64, needs map[string]*model.Need, resources map[string]*model.Resource) error {
	claimant := unitIDs[d.unit]
	c := &model.Claim{Target: d.target, ClaimantUnitID: claimant, Quantity: d.quantity, Note: d.note, Status: model.ClaimPending}
	var owner, allianceID int64
	var title, measure string
	var quantity, accepted int64
	var status string
	if d.target == model.TargetNeed {
		n := needs[d.title]
		if n == nil {
			return fmt.Errorf("no demo need %q", d.title)
		}
		c.NeedID, c.AllianceID, c.DistrictID = &n.ID, n.AllianceID, n.DistrictID
		owner, allianceID, title, measure, quantity, accepted, status = n.SubmitterUnitID, n.AllianceID, n.Title, n.Measure, n.Quantity, n.AcceptedQuantity, n.Status
		if r := resources[d.link]; r != nil && r.ProviderUnitID == claimant {
			c.ResourceID = &r.ID
		}
	} else {
		r := resources[d.title]
		if r == nil {
			return fmt.Errorf("no demo resource %q", d.title)
		}
		c.ResourceID, c.AllianceID, c.DistrictID = &r.ID, r.AllianceID, r.DistrictID
		owner, allianceID, title, measure, quantity, accepted, status = r.ProviderUnitID, r.AllianceID, r.Title, r.Measure, r.Capacity, r.AcceptedQuantity, r.Status
		if n := needs[d.link]; n != nil && n.SubmitterUnitID == claimant {
			c.NeedID = &n.ID
		}
	}
	if err := db.CreateClaim(ctx, c); err != nil {
		return err
	}
	unit, err := db.UnitByID(ctx, claimant)
	if err != nil {
		return err
	}
	params, _ := json.Marshal(service.ClaimNoticeParams{ClaimID: c.ID, Target: d.target, TargetID: c.TargetID(), TargetTitle: title,
		Claimant: unit.Name, Quantity: d.quantity, Measure: measure, Reason: d.reason})
	owners := []store.RoleHolder{{Role: model.RoleUnitContact, Domain: model.DomainOf(model.DomainUnit, owner)},
		{Role: model.RoleAllianceSecretary, Domain: model.DomainOf(model.DomainAlliance, allianceID)}}
	claimants := []store.RoleHolder{{Role: model.RoleUnitContact, Domain: model.DomainOf(model.DomainUnit, claimant)}}
	if err := demoNotify(ctx, db, model.NotifyClaimNew, c, string(params), owners); err != nil {
		return err
	}
	if d.status == model.ClaimPending {
		return nil
	}
	if err := db.DecideClaim(ctx, c.ID, c.Version, model.ClaimPending, d.status, nil, d.reason); err != nil {
		return err
	}
	switch d.status {
	case model.ClaimAccepted:
		sum := accepted + d.quantity
		next := model.ResourceStatusFor(status, sum, quantity)
		if d.target == model.TargetNeed {
			next = model.NeedStatusFor(status, sum, quantity)
			needs[d.title].AcceptedQuantity, needs[d.title].Status = sum, next
		} else {
			resources[d.title].AcceptedQuantity, resources[d.title].Status = sum, next
		}
		if err := db.AddAcceptedQuantity(ctx, d.target, c.TargetID(), d.quantity, next); err != nil {
			return err
		}
		return demoNotify(ctx, db, model.NotifyClaimAccepted, c, string(params), claimants)
	case model.ClaimRejected:
		return demoNotify(ctx, db, model.NotifyClaimRejected, c, string(params), claimants)
	}
	return demoNotify(ctx, db, model.NotifyClaimWithdrawn, c, string(params), owners)
}

// demoNotify writes a notification of the claim to the holders of the roles.
func demoNotify(ctx context.Context, db *store.DB, kind string, c *model.Claim, params string, holders []store.RoleHolder) error {
	ids, err := db.RoleHolders(ctx, holders...)
	if err != nil {
		return err
	}
	ns := make([]model.Notification, 0, len(ids))
	for _, id := range ids {
		ns = append(ns, model.Notification{UserID: id, Kind: kind, SubjectKind: "claim", SubjectID: c.ID, Params: params,
			Link: fmt.Sprintf("/claims/%d", c.ID)})
	}
	return db.CreateNotifications(ctx, ns)
}
