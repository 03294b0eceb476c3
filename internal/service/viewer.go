package service

import (
	"context"

	"tongxin/internal/authz"
	"tongxin/internal/model"
	"tongxin/internal/store"
)

// listViewer is what actor may see of a list of obj ("need" or "resource"):
// where they own rows (obj update), where their roles read rows (obj read),
// and the units they claim for (claim create, the unit contact's units) with
// those units' districts and alliances. See store.ListViewer for the rule.
func listViewer(ctx context.Context, db *store.DB, az *authz.Authorizer, actor model.Actor, obj string) (store.ListViewer, error) {
	v := store.ListViewer{
		Own:   az.Scope(actor.UserID, obj, "update"),
		Read:  az.Scope(actor.UserID, obj, "read"),
		Units: az.Scope(actor.UserID, "claim", "create").Units,
	}
	if err := db.ViewerUnits(ctx, &v); err != nil {
		return store.ListViewer{}, err
	}
	return v, nil
}
