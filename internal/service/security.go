package service

import (
	"context"
	"unicode/utf8"

	"tongxin/internal/authz"
	"tongxin/internal/model"
	"tongxin/internal/store"
)

// Security serves the security administrator (安全管理员) and the auditor:
// 登录日志 (login events) and 在线用户 (online sessions, force logout).
type Security struct {
	db    *store.DB
	authz *authz.Authorizer
}

// NewSecurity builds the service.
func NewSecurity(d Deps) *Security { return &Security{db: d.DB, authz: d.Authz} }

// Message keys of the security pages' refusals.
const (
	MsgLoginEventBadResult = "login_event.bad_result"
	MsgLoginEventBadRange  = "login_event.bad_range"
	MsgSessionRevokeSelf   = "online.revoke_self"
)

// LoginEventResults are the results a login event can have, in display order.
var LoginEventResults = []string{model.LoginSuccess, model.LoginFailure, model.LoginLogout}

// checkLoginEventFilter refuses a filter no row could match for a reason
// the caller should hear about.
func checkLoginEventFilter(f store.LoginEventFilter) error {
	ve := &model.ValidationError{}
	switch f.Result {
	case "", model.LoginSuccess, model.LoginFailure, model.LoginLogout:
	default:
		ve.Add("result", MsgLoginEventBadResult)
	}
	if utf8.RuneCountInString(f.Username) > 64 {
		ve.AddArgs("username", model.MsgTooLong, 64)
	}
	if len(f.IP) > 64 {
		ve.AddArgs("ip", model.MsgTooLong, 64)
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		ve.Add("to", MsgLoginEventBadRange)
	}
	return ve.Err()
}

// LoginEvents pages through login events (登录日志).
func (s *Security) LoginEvents(ctx context.Context, actor model.Actor, f store.LoginEventFilter, req model.PageRequest) (model.List[model.LoginEvent], error) {
	if err := s.authz.Check(actor.UserID, SysChain, "login_event", "read"); err != nil {
		return model.List[model.LoginEvent]{}, err
	}
	if err := checkLoginEventFilter(f); err != nil {
		return model.List[model.LoginEvent]{}, err
	}
	return s.db.ListLoginEvents(ctx, f, req)
}

// loginEventExportBatch is how many login events an export reads at a time.
const loginEventExportBatch = 1000

// EachLoginEvent calls fn for every login event matching f, in the order
// req.Sort / req.Desc ask for (exports). It reads keyset batches.
func (s *Security) EachLoginEvent(ctx context.Context, actor model.Actor, f store.LoginEventFilter, req model.PageRequest, fn func(*model.LoginEvent) error) error {
	if err := s.authz.Check(actor.UserID, SysChain, "login_event", "export"); err != nil {
		return err
	}
	if err := checkLoginEventFilter(f); err != nil {
		return err
	}
	return s.db.EachLoginEvent(ctx, f, req, loginEventExportBatch, fn)
}

// Sessions pages through the online sessions (在线用户).
func (s *Security) Sessions(ctx context.Context, actor model.Actor, f store.SessionFilter, req model.PageRequest) (model.List[store.OnlineSession], error) {
	if err := s.authz.Check(actor.UserID, SysChain, "session", "read"); err != nil {
		return model.List[store.OnlineSession]{}, err
	}
	if utf8.RuneCountInString(f.Username) > 64 {
		return model.List[store.OnlineSession]{}, (&model.ValidationError{}).AddArgs("username", model.MsgTooLong, 64)
	}
	return s.db.ListSessions(ctx, f, req)
}

// RevokeSession ends one session (强制下线): its holder's next request goes to
// the login page. It returns the session as it was.
func (s *Security) RevokeSession(ctx context.Context, actor model.Actor, id int64) (*store.OnlineSession, error) {
	if err := s.authz.Check(actor.UserID, SysChain, "session", "revoke"); err != nil {
		return nil, err
	}
	var out *store.OnlineSession
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		sess, err := s.db.OnlineSessionByID(ctx, id)
		if err != nil {
			return err
		}
		if err := s.db.DeleteSession(ctx, id); err != nil {
			return err
		}
		out = sess
		return audit(ctx, s.db, actor, "session.revoke", "session", id, model.DomainSys, map[string]any{
			"user_id": sess.UserID, "username": sess.Username, "ip": sess.IP,
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// RevokeUserSessions ends every session of a user (全部下线) and returns the
// user and how many session rows were removed. An administrator may not do
// this to themselves: it would end the session they are working in.
func (s *Security) RevokeUserSessions(ctx context.Context, actor model.Actor, userID int64) (*model.User, int64, error) {
	if err := s.authz.Check(actor.UserID, SysChain, "session", "revoke"); err != nil {
		return nil, 0, err
	}
	if userID == actor.UserID {
		return nil, 0, model.Rule("revoke_self", MsgSessionRevokeSelf)
	}
	var (
		u *model.User
		n int64
	)
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		var err error
		if u, err = s.db.UserByID(ctx, userID); err != nil {
			return err
		}
		if n, err = s.db.DeleteUserSessions(ctx, u.ID); err != nil {
			return err
		}
		return audit(ctx, s.db, actor, "session.revoke", "user", u.ID, model.DomainSys, map[string]any{
			"username": u.Username, "sessions": n,
		})
	})
	if err != nil {
		return nil, 0, err
	}
	return u, n, nil
}

// SessionID returns the id of the session stored under token (as stored:
// hashed). It tells a page which row is the caller's own session.
func (s *Security) SessionID(ctx context.Context, storedToken string) (int64, error) {
	return s.db.SessionIDByToken(ctx, storedToken)
}
