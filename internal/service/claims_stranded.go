package service

import (
	"context"
	"fmt"

	"tongxin/internal/model"
	"tongxin/internal/store"
)

// closeStrandedClaims closes, in the caller's transaction, the pending
// claims on a need or resource that can no longer be accepted: every one of
// them once the target has left the states in which claims are decided
// (closed, withdrawn, expired, in a project, fulfilled), else those asking
// for more than remains (a claim that still fits stays pending). Each turns
// rejected with the reason it no longer fits (资源已用完，剩余 0 人次), its
// claimant unit's contacts are told (the notice of a rejection, with that
// reason), and it gets its audit row (claim.reject, auto). Call it after
// anything that changes a target's status, quantity or accepted amount.
// It returns how many claims it closed.
func closeStrandedClaims(ctx context.Context, db *store.DB, actor model.Actor, kind string, id int64) (int, error) {
	return NewClaims(Deps{DB: db}).closeStranded(ctx, actor, kind, id)
}

func (s *Claims) closeStranded(ctx context.Context, actor model.Actor, kind string, id int64) (int, error) {
	pending, err := s.db.PendingClaimsOn(ctx, kind, id)
	if err != nil || len(pending) == 0 {
		return 0, err
	}
	t, err := s.target(ctx, kind, id, false)
	if err != nil {
		return 0, err
	}
	open := t.decidable()
	var measure string
	var decidedBy *int64
	if actor.UserID != 0 {
		uid := actor.UserID
		decidedBy = &uid
	}
	closed := 0
	for i := range pending {
		c := &pending[i]
		if open && c.Quantity <= t.Remaining() {
			continue
		}
		if measure == "" {
			measure = s.measureLabel(ctx, t.Measure)
		}
		reason := strandedReason(t, open, c.Quantity, measure)
		if err := s.db.DecideClaim(ctx, c.ID, c.Version, model.ClaimPending, model.ClaimRejected, decidedBy, reason); err != nil {
			return closed, err
		}
		claimant, err := s.db.UnitByID(ctx, c.ClaimantUnitID)
		if err != nil {
			return closed, err
		}
		if err := notify(ctx, s.db, actor, claimNotice(model.NotifyClaimRejected, c, t, claimant.Name, reason), claimantHolders(c)...); err != nil {
			return closed, err
		}
		if err := audit(ctx, s.db, actor, ActionClaimReject, "claim", c.ID, claimDomain(c), map[string]any{
			"status": Change{model.ClaimPending, model.ClaimRejected}, "reason": reason, "auto": true,
			t.Kind + "_status": t.Status, "remaining": t.Remaining(),
		}); err != nil {
			return closed, err
		}
		closed++
	}
	return closed, nil
}

// strandedReason says why a pending claim of quantity on t was closed. It
// is stored as the claim's reason, as an owner's typed reason is, in the
// language of record (Chinese): 资源已用完，剩余 0 人次; 需求剩余 2 场，不足认领的
// 5 场; 资源已撤回，不再接受认领.
func strandedReason(t *ClaimTarget, open bool, quantity int64, measure string) string {
	what := "资源"
	if t.Kind == model.TargetNeed {
		what = "需求"
	}
	if !open {
		if l, ok := strandedStatusLabels[t.Status]; ok {
			return what + l + "，不再接受认领"
		}
		return what + "已不再接受认领"
	}
	if t.Remaining() == 0 {
		if t.Kind == model.TargetNeed {
			return fmt.Sprintf("需求已全部认领，剩余 0 %s", measure)
		}
		return fmt.Sprintf("资源已用完，剩余 0 %s", measure)
	}
	return fmt.Sprintf("%s剩余 %d %s，不足认领的 %d %s", what, t.Remaining(), measure, quantity, measure)
}

// strandedStatusLabels name the statuses in which a target takes no more
// claims, as strandedReason writes them.
var strandedStatusLabels = map[string]string{
	model.NeedClosed: "已关闭", model.NeedExpired: "已过期", model.NeedInProject: "已立项", model.NeedFulfilled: "已满足",
	model.ResourceWithdrawn: "已撤回", model.NeedDraft: "已退回草稿",
}
