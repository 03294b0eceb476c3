package service

import (
	"context"
	"time"

	"tongxin/internal/model"
	"tongxin/internal/store"
)

// Notification kinds about one's own account (the catalog renders
// "notification.<kind>" with the NoticeArgs).
const (
	// NotifyPasswordReset: an administrator reset my password. Args: who
	// (display name and username), when (Asia/Shanghai).
	NotifyPasswordReset = "password_reset"
	// NotifyAccountLocked: wrong passwords from one address locked my
	// account for that address. Args: the address, until (Asia/Shanghai), failures.
	NotifyAccountLocked = "account_locked"
)

// notifyPasswordReset tells the account whose password was reset, and by
// whom; it also sees it at its next login (see Auth.PendingAccountNotices).
func notifyPasswordReset(ctx context.Context, db *store.DB, actor model.Actor, userID int64, at time.Time) error {
	who := actor.Username
	var actorID *int64
	if actor.UserID != 0 {
		uid := actor.UserID
		actorID = &uid
		if u, err := db.UserByID(ctx, actor.UserID); err == nil {
			who = u.DisplayName + "（" + u.Username + "）"
		}
	}
	return db.CreateNotifications(ctx, []model.Notification{{
		UserID: userID, Kind: NotifyPasswordReset, SubjectKind: "user", SubjectID: userID, ActorID: actorID,
		Params: noticeArgs(who, at.In(allianceZone).Format("2006-01-02 15:04")), Link: "/profile/password",
	}})
}

// notifyAccountLocked tells the account's owner that an address was locked
// out of it.
func notifyAccountLocked(ctx context.Context, db *store.DB, userID int64, source string, until time.Time, failures int) error {
	return db.CreateNotifications(ctx, []model.Notification{{
		UserID: userID, Kind: NotifyAccountLocked, SubjectKind: "user", SubjectID: userID,
		Params: noticeArgs(source, until.In(allianceZone).Format("2006-01-02 15:04"), failures), Link: "/profile",
	}})
}

// AccountNotices are the unread notices about the user's own account (a
// password reset, a lock) since their previous login: the login tells them
// at once, not only in the inbox.
func (a *Auth) AccountNotices(ctx context.Context, u *model.User) ([]model.Notification, error) {
	return a.db.UnreadNoticesSince(ctx, u.ID, []string{NotifyPasswordReset, NotifyAccountLocked}, u.LastLoginAt, 3)
}
