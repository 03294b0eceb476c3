package service

import (
	"context"
	"encoding/json"

	"tongxin/internal/model"
	"tongxin/internal/store"
)

// Notifications is the in-app inbox: a user reads and marks their own
// notifications, nobody else's. Other services write notifications with
// notify, in the transaction of the change they report.
//
// Marking read is not audited: it changes the reader's own view, not the
// data of the domain (like a last-login time).
type Notifications struct {
	db *store.DB
}

// NewNotifications builds the service.
func NewNotifications(d Deps) *Notifications { return &Notifications{db: d.DB} }

// UnreadCap is how far the bell counts (it shows 99+ past 99).
const UnreadCap = 100

// List pages through the actor's notifications, unread first by default.
func (s *Notifications) List(ctx context.Context, actor model.Actor, unreadOnly bool, req model.PageRequest) (model.List[model.Notification], error) {
	if actor.UserID == 0 {
		return model.List[model.Notification]{}, model.ErrUnauthenticated
	}
	return s.db.ListNotifications(ctx, store.NotificationFilter{UserID: actor.UserID, Unread: unreadOnly}, req)
}

// Unread counts the actor's unread notifications up to UnreadCap: one
// indexed COUNT, the only query the bell costs a page.
func (s *Notifications) Unread(ctx context.Context, actor model.Actor) (int, error) {
	if actor.UserID == 0 {
		return 0, nil
	}
	return s.db.CountUnread(ctx, actor.UserID, UnreadCap)
}

// Get loads one of the actor's notifications (another's is not found).
func (s *Notifications) Get(ctx context.Context, actor model.Actor, id int64) (*model.Notification, error) {
	return s.db.NotificationByID(ctx, actor.UserID, id)
}

// MarkRead marks one of the actor's notifications read and returns it.
func (s *Notifications) MarkRead(ctx context.Context, actor model.Actor, id int64) (*model.Notification, error) {
	var out *model.Notification
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		if _, err := s.db.MarkNotificationRead(ctx, actor.UserID, id); err != nil {
			return err
		}
		var err error
		out, err = s.db.NotificationByID(ctx, actor.UserID, id)
		return err
	})
	return out, err
}

// MarkAllRead marks every unread notification of the actor read and
// returns how many.
func (s *Notifications) MarkAllRead(ctx context.Context, actor model.Actor) (int64, error) {
	if actor.UserID == 0 {
		return 0, model.ErrUnauthenticated
	}
	var n int64
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		var err error
		n, err = s.db.MarkAllNotificationsRead(ctx, actor.UserID)
		return err
	})
	return n, err
}

// notify writes n to every user who holds one of the roles now, except the
// actor (nobody is told of what they did themselves), in the transaction of ctx.
func notify(ctx context.Context, db *store.DB, actor model.Actor, n model.Notification, holders ...store.RoleHolder) error {
	ids, err := db.RoleHolders(ctx, holders...)
	if err != nil {
		return err
	}
	var actorID *int64
	if actor.UserID != 0 {
		uid := actor.UserID
		actorID = &uid
	}
	out := make([]model.Notification, 0, len(ids))
	for _, id := range ids {
		if id == actor.UserID {
			continue
		}
		m := n
		m.UserID, m.ActorID = id, actorID
		out = append(out, m)
	}
	return db.CreateNotifications(ctx, out)
}

// ClaimNoticeParams are the parameters of a claim notification (the JSON in
// notifications.params).
type ClaimNoticeParams struct {
	ClaimID     int64  `json:"claim_id"`
	Target      string `json:"target"`
	TargetID    int64  `json:"target_id"`
	TargetTitle string `json:"target_title"`
	Claimant    string `json:"claimant"`
	Quantity    int64  `json:"quantity"`
	Measure     string `json:"measure"`
	Reason      string `json:"reason,omitempty"`
}

func (p ClaimNoticeParams) encode() string {
	b, _ := json.Marshal(p)
	return string(b)
}

// ParseClaimNotice reads the parameters of a claim notification.
func ParseClaimNotice(n *model.Notification) (ClaimNoticeParams, bool) {
	var p ClaimNoticeParams
	if n.SubjectKind != "claim" || json.Unmarshal([]byte(n.Params), &p) != nil {
		return p, false
	}
	return p, true
}

// NoticeArgs is the generic form of a notification's parameters: the
// arguments of its catalog message, in order. Areas whose messages need
// nothing but text and numbers store {"args": [...]}.
type NoticeArgs struct {
	Args []any `json:"args"`
}

// ParseNoticeArgs reads the parameters of a notification in the generic form.
func ParseNoticeArgs(n *model.Notification) ([]any, bool) {
	var p NoticeArgs
	if json.Unmarshal([]byte(n.Params), &p) != nil || p.Args == nil {
		return nil, false
	}
	return p.Args, true
}
