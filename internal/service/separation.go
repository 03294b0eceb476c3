package service

import (
	"context"
	"time"

	"tongxin/internal/model"
	"tongxin/internal/store"
)

// Message keys of the 三员分立 refusals (separation of duties).
const (
	MsgRoleOwn            = "role.cannot_change_own"
	MsgRoleAdminAlone     = "role.admin_holds_no_other"
	MsgRoleAdminNeedsBare = "role.admin_needs_no_other"
	MsgResetOwn           = "user.cannot_reset_own"
	MsgResetAdminBySec    = "user.admin_reset_by_secadmin"
)

// checkSeparation refuses a grant of role to a user who holds (now or from
// a future date) roles that may not go with it: one of the three
// administrators holds no other role, and nobody holding another role becomes
// one of them (三员分立). The answer is a ValidationError on the role field.
func checkSeparation(ctx context.Context, db *store.DB, userID int64, role string, now time.Time) error {
	held, err := db.OpenRoleAssignments(ctx, userID, now)
	if err != nil {
		return err
	}
	for _, h := range held {
		if h.Role == role {
			continue
		}
		switch {
		case model.IsThreeAdmin(role) && model.IsThreeAdmin(h.Role):
			return (&model.ValidationError{}).Add("role", "role.three_admins_exclusive")
		case model.IsThreeAdmin(role):
			return (&model.ValidationError{}).Add("role", MsgRoleAdminNeedsBare)
		case model.IsThreeAdmin(h.Role):
			return (&model.ValidationError{}).Add("role", MsgRoleAdminAlone)
		}
	}
	return nil
}

// holdsThreeAdmin reports whether the user holds one of the three
// administrator roles now or from a future date.
func holdsThreeAdmin(ctx context.Context, db *store.DB, userID int64, now time.Time) (bool, error) {
	held, err := db.OpenRoleAssignments(ctx, userID, now)
	if err != nil {
		return false, err
	}
	for _, h := range held {
		if model.IsThreeAdmin(h.Role) {
			return true, nil
		}
	}
	return false, nil
}
