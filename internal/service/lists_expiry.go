package service

import (
	"context"
	"time"

	"tongxin/internal/model"
	"tongxin/internal/store"
)

// ExpiryResult counts what ExpireLists ended.
type ExpiryResult struct {
	Needs, Resources int
	// Claims counts the pending claims on them that were closed.
	Claims int
}

// expiryActor is who the audit log names for expiry: the system itself.
var expiryActor = model.Actor{Username: "system", RequestID: "lists.expire"}

// ExpireLists ends the lists' offers whose day has passed: published and
// partly claimed needs whose wanted_by lies before today, and available
// resources whose available_until lies before today, turn expired. today is
// the calendar day in Asia/Shanghai (AllianceToday(now)). Everything happens
// in one transaction, with one audit row per batch of rows ended (action
// need.expire / resource.expire, the ids in its changes); the pending
// claims on them are closed in it too, their units notified. Several
// instances may run it at once: each row is ended, and audited, by exactly
// one of them (store.ExpireNeeds). The periodic job runner calls it.
func ExpireLists(ctx context.Context, db *store.DB, today time.Time) (ExpiryResult, error) {
	var res ExpiryResult
	day := today.UTC().Format(time.DateOnly)
	err := db.WithTx(ctx, func(ctx context.Context) error {
		var err error
		// The pending claims on what expired are closed with it, their
		// units told (closeStrandedClaims).
		closeClaims := func(kind string, ids []int64) error {
			for _, id := range ids {
				n, err := closeStrandedClaims(ctx, db, expiryActor, kind, id)
				if err != nil {
					return err
				}
				res.Claims += n
			}
			return nil
		}
		res.Needs, err = db.ExpireNeeds(ctx, today, func(ids []int64) error {
			if err := audit(ctx, db, expiryActor, ActionNeedExpire, "need", "", model.DomainSys,
				map[string]any{"today": day, "count": len(ids), "ids": ids, "status": Change{"open", model.NeedExpired}}); err != nil {
				return err
			}
			return closeClaims(model.TargetNeed, ids)
		})
		if err != nil {
			return err
		}
		res.Resources, err = db.ExpireResources(ctx, today, func(ids []int64) error {
			if err := audit(ctx, db, expiryActor, ActionResourceExpire, "resource", "", model.DomainSys,
				map[string]any{"today": day, "count": len(ids), "ids": ids, "status": Change{model.ResourceAvailable, model.ResourceExpired}}); err != nil {
				return err
			}
			return closeClaims(model.TargetResource, ids)
		})
		return err
	})
	if err != nil {
		return ExpiryResult{}, err
	}
	return res, nil
}
