package service

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"

	"tongxin/internal/model"
	"tongxin/internal/store"
)

// staleTrail is how many of an object's latest operations a stale answer names.
const staleTrail = 5

// checkVersion is model.CheckVersion for an object the caller may already
// act on (the services call it after the rights): when the version read is
// stale, the conflict also says what happened to the object since — who did
// which operations, from its latest audit rows (one per version added, at
// most staleTrail). Without such rows it is model.CheckVersion's answer.
func checkVersion(ctx context.Context, db *store.DB, kind string, id int64, read, current int) error {
	err := model.CheckVersion(read, current)
	var ce *model.ConflictError
	if !errors.As(err, &ce) || current <= read {
		return err
	}
	rows, qerr := db.AuditTrail(ctx, kind, strconv.FormatInt(id, 10), min(current-read, staleTrail))
	if qerr != nil || len(rows) == 0 {
		return err
	}
	var who, what []string
	for i := len(rows) - 1; i >= 0; i-- { // oldest first
		name := rows[i].Username
		if name == "" {
			name = "system"
		}
		if !slices.Contains(who, name) {
			who = append(who, name)
		}
		if !slices.Contains(what, rows[i].Action) {
			what = append(what, rows[i].Action)
		}
	}
	return model.Conflict(model.MsgStaleChanges, read, current, strings.Join(who, "、"), model.Labels{Prefix: "audit.action.", Codes: what})
}
