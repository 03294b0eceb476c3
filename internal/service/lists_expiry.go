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
}

// expiryActor is who the audit log names for expiry: the system itself.
var expiryActor = model.Actor{Username: "system", RequestID: "lists.expire"}

// ExpireLists ends the lists' offers whose day has passed: published and
// partly claimed needs whose wanted_by lies before today, and available
// resources whose available_until lies before today, turn expired. today is
// the calendar day in Asia/Shanghai (AllianceToday(now)). Everything happens
// in one transaction, with one audit row per batch of rows ended (action
// need.expire / resource.expire, the ids in its changes). Several
// instances may run it at once: each row is ended, and audited, by exactly
// one of them (store.ExpireNeeds). The periodic job runner calls it.
func ExpireLists(ctx context.Context, db *store.DB, today time.Time) (ExpiryResult, error) {
	var res ExpiryResult
	day := today.UTC().Format(time.DateOnly)
	err := db.WithTx(ctx, func(ctx context.Context) error {
		var err error
		res.Needs, err = db.ExpireNeeds(ctx, today, func(ids []int64) error {
			return audit(ctx, db, expiryActor, ActionNeedExpire, "need", "", model.DomainSys,
				map[string]any{"today": day, "count": len(ids), "ids": ids, "status": Change{"open", model.NeedExpired}})
		})
		if err != nil {
			return err
		}
		res.Resources, err = db.ExpireResources(ctx, today, func(ids []int64) error {
			return audit(ctx, db, expiryActor, ActionResourceExpire, "resource", "", model.DomainSys,
				map[string]any{"today": day, "count": len(ids), "ids": ids, "status": Change{model.ResourceAvailable, model.ResourceExpired}})
		})
		return err
	})
	if err != nil {
		return ExpiryResult{}, err
	}
	return res, nil
}
