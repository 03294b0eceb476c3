package service

import (
	"context"
	"crypto/rand"
	"errors"
	"math/big"
	"regexp"
	"strings"

	"tongxin/internal/authz"
	"tongxin/internal/model"
	"tongxin/internal/store"
)

// Users manages accounts (系统管理员; the security admin may create and unlock).
type Users struct {
	db    *store.DB
	authz *authz.Authorizer
	auth  *Auth
}

// NewUsers builds the service.
func NewUsers(d Deps) *Users { return &Users{db: d.DB, authz: d.Authz, auth: d.Auth} }

// UserInput is what an administrator types for an account.
type UserInput struct {
	Username    string
	DisplayName string
	Phone       string
	Email       string
	// Version guards an edit against a concurrent one (0 on create).
	Version int
}

var usernameRe = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{2,31}$`)

func (in *UserInput) validate(creating bool) error {
	ve := &model.ValidationError{}
	if creating {
		in.Username = model.NormalizeUsername(in.Username)
		if in.Username == "" {
			ve.Add("username", model.MsgRequired)
		} else if !usernameRe.MatchString(in.Username) {
			ve.Add("username", "user.bad_username")
		}
	}
	in.DisplayName = model.Text(ve, "display_name", in.DisplayName, true, 32, false)
	in.Phone = model.Phone(ve, "phone", in.Phone)
	in.Email = model.Email(ve, "email", in.Email)
	return ve.Err()
}

// List pages through users.
func (s *Users) List(ctx context.Context, actor model.Actor, f store.UserFilter, req model.PageRequest) (model.List[model.User], error) {
	if err := s.authz.Check(actor.UserID, SysChain, "user", "read"); err != nil {
		return model.List[model.User]{}, err
	}
	l, err := s.db.ListUsers(ctx, f, req)
	for i := range l.Items {
		s.maskUsers(actor, &l.Items[i]) // personal data: pii.go
	}
	return l, err
}

// Each calls fn for every user matching f (exports), in id order.
func (s *Users) Each(ctx context.Context, actor model.Actor, f store.UserFilter, fn func(*model.User) error) error {
	if err := s.authz.Check(actor.UserID, SysChain, "user", "export"); err != nil {
		return err
	}
	req := model.PageRequest{Limit: model.MaxPageSize, Sort: "id"}
	for {
		l, err := s.db.ListUsers(ctx, f, req)
		if err != nil {
			return err
		}
		for i := range l.Items {
			s.maskUsers(actor, &l.Items[i]) // personal data: pii.go
			if err := fn(&l.Items[i]); err != nil {
				return err
			}
		}
		if l.Next == "" {
			return nil
		}
		req.After = l.Next
	}
}

// Get loads one user.
func (s *Users) Get(ctx context.Context, actor model.Actor, id int64) (*model.User, error) {
	if err := s.authz.Check(actor.UserID, SysChain, "user", "read"); err != nil {
		return nil, err
	}
	u, err := s.db.UserByID(ctx, id)
	if err == nil {
		s.maskUsers(actor, u) // personal data: pii.go
	}
	return u, err
}

// Create makes an account with a one-time password, returned once; the user
// must change it at first login.
func (s *Users) Create(ctx context.Context, actor model.Actor, in UserInput) (*model.User, string, error) {
	if err := s.authz.Check(actor.UserID, SysChain, "user", "create"); err != nil {
		return nil, "", err
	}
	if err := in.validate(true); err != nil {
		return nil, "", err
	}
	pw, err := OneTimePassword()
	if err != nil {
		return nil, "", err
	}
	hash, err := s.auth.HashPassword(pw)
	if err != nil {
		return nil, "", err
	}
	u := &model.User{Username: in.Username, DisplayName: in.DisplayName, Phone: in.Phone, Email: in.Email,
		Status: model.UserActive, PasswordHash: hash, MustChangePassword: true}
	err = s.db.WithTx(ctx, func(ctx context.Context) error {
		if err := s.db.CreateUser(ctx, u); err != nil {
			return err
		}
		return audit(ctx, s.db, actor, "user.create", "user", u.ID, model.DomainSys, map[string]Change{
			"username": {nil, u.Username}, "display_name": {nil, u.DisplayName}, "phone": {nil, u.Phone}, "email": {nil, u.Email},
		})
	})
	if err != nil {
		return nil, "", err
	}
	return u, pw, nil
}

// Update changes the editable fields; a stale version answers ErrConflict.
func (s *Users) Update(ctx context.Context, actor model.Actor, id int64, in UserInput) (*model.User, error) {
	if err := s.authz.Check(actor.UserID, SysChain, "user", "update"); err != nil {
		return nil, err
	}
	if err := in.validate(false); err != nil {
		return nil, err
	}
	var out *model.User
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		before, err := s.db.UserByID(ctx, id)
		if err != nil {
			return err
		}
		if err := model.RequireVersion(in.Version); err != nil {
			return err
		}
		if err := s.db.UpdateUserProfile(ctx, id, in.Version, in.DisplayName, in.Phone, in.Email); err != nil {
			return err
		}
		out, err = s.db.UserByID(ctx, id)
		if err != nil {
			return err
		}
		return audit(ctx, s.db, actor, "user.update", "user", id, model.DomainSys, diff(
			"display_name", before.DisplayName, out.DisplayName,
			"phone", before.Phone, out.Phone,
			"email", before.Email, out.Email))
	})
	return out, err
}

// SetEnabled disables or re-enables an account. Disabling ends its sessions
// and, through the status check, its API tokens at once.
func (s *Users) SetEnabled(ctx context.Context, actor model.Actor, id int64, version int, enabled bool) error {
	if err := s.authz.Check(actor.UserID, SysChain, "user", "disable"); err != nil {
		return err
	}
	if id == actor.UserID && !enabled {
		return model.Rule("self_disable", "user.cannot_disable_self")
	}
	status, action := model.UserDisabled, "user.disable"
	if enabled {
		status, action = model.UserActive, "user.enable"
	}
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		before, err := s.db.UserByID(ctx, id)
		if err != nil {
			return err
		}
		if err := checkVersion(ctx, s.db, "user", id, version, before.Version); err != nil {
			return err
		}
		if before.Status == status {
			return nil
		}
		if err := s.db.BumpVersion(ctx, "users", "user", id, version); err != nil {
			return err
		}
		if err := s.db.SetUserStatus(ctx, id, status); err != nil {
			return err
		}
		if !enabled {
			if _, err := s.db.DeleteUserSessions(ctx, id); err != nil {
				return err
			}
		}
		if err := s.db.Notify(ctx, authz.Channel, "user"); err != nil {
			return err
		}
		return audit(ctx, s.db, actor, action, "user", id, model.DomainSys, map[string]Change{"status": {before.Status, status}})
	})
	if err != nil {
		return err
	}
	return s.authz.Reload(ctx)
}

// Unlock clears an account's lockouts (安全管理员): every source's lock and
// counter and the account-wide delay.
func (s *Users) Unlock(ctx context.Context, actor model.Actor, id int64, version int) error {
	if err := s.authz.Check(actor.UserID, SysChain, "user", "unlock"); err != nil {
		return err
	}
	return s.db.WithTx(ctx, func(ctx context.Context) error {
		before, err := s.db.UserByID(ctx, id)
		if err != nil {
			return err
		}
		if err := checkVersion(ctx, s.db, "user", id, version, before.Version); err != nil {
			return err
		}
		if err := s.db.BumpVersion(ctx, "users", "user", id, version); err != nil {
			return err
		}
		locks, err := s.db.ActiveLoginLocks(ctx, before.Username, s.db.Now())
		if err != nil {
			return err
		}
		sources := make([]string, len(locks))
		for i, l := range locks {
			sources[i] = l.Source
		}
		if _, err := s.db.ClearLoginThrottles(ctx, before.Username); err != nil {
			return err
		}
		if err := s.db.RecordLoginAttempt(ctx, id, store.LoginAttempt{}); err != nil {
			return err
		}
		return audit(ctx, s.db, actor, "user.unlock", "user", id, model.DomainSys, map[string]any{
			"username": before.Username, "sources": sources,
		})
	})
}

// ResetPassword sets a new one-time password (returned once), which the user
// must change at the next login, and ends all the user's sessions. Nobody
// resets their own password this way (only through the profile, with the old
// one). An ordinary account is reset by whoever holds user:reset_user_password
// (the system administrator); one of the three administrators only by
// whoever holds user:reset_admin_password (another security administrator):
// the system administrator cannot take over the auditor's or the security
// administrator's account. The account is told in its inbox.
func (s *Users) ResetPassword(ctx context.Context, actor model.Actor, id int64, version int) (string, error) {
	if err := s.authz.Check(actor.UserID, SysChain, "user", "reset_password"); err != nil {
		return "", err
	}
	if actor.UserID != 0 && id == actor.UserID {
		return "", model.Rule("reset_own", MsgResetOwn)
	}
	pw, err := OneTimePassword()
	if err != nil {
		return "", err
	}
	hash, err := s.auth.HashPassword(pw)
	if err != nil {
		return "", err
	}
	err = s.db.WithTx(ctx, func(ctx context.Context) error {
		before, err := s.db.UserByID(ctx, id)
		if err != nil {
			return err
		}
		now := s.db.Now()
		admin, err := holdsThreeAdmin(ctx, s.db, id, now)
		if err != nil {
			return err
		}
		need := "reset_user_password"
		if admin {
			need = "reset_admin_password"
		}
		if err := s.authz.Check(actor.UserID, SysChain, "user", need); err != nil {
			if admin && errors.Is(err, model.ErrForbidden) {
				return model.Rule("separation_of_duties", MsgResetAdminBySec)
			}
			return err
		}
		if err := checkVersion(ctx, s.db, "user", id, version, before.Version); err != nil {
			return err
		}
		if err := s.db.BumpVersion(ctx, "users", "user", id, version); err != nil {
			return err
		}
		if err := s.db.SetPassword(ctx, id, hash, true); err != nil {
			return err
		}
		n, err := s.db.DeleteUserSessions(ctx, id)
		if err != nil {
			return err
		}
		if err := notifyPasswordReset(ctx, s.db, actor, id, now); err != nil {
			return err
		}
		return audit(ctx, s.db, actor, "user.password_reset", "user", id, model.DomainSys, map[string]any{
			"username": before.Username, "administrator": admin, "sessions_ended": n,
		})
	})
	if err != nil {
		return "", err
	}
	return pw, nil
}

// OneTimePassword makes a 12-character password of all four classes that
// an administrator can read out: no 0/O, 1/l/I.
func OneTimePassword() (string, error) {
	sets := []string{"ABCDEFGHJKLMNPQRSTUVWXYZ", "abcdefghijkmnpqrstuvwxyz", "23456789", "@#%+=?"}
	all := strings.Join(sets, "")
	out := make([]byte, 0, 12)
	pick := func(set string) error {
		n, err := rand.Int(rand.Reader, big.NewInt(int64(len(set))))
		if err != nil {
			return err
		}
		out = append(out, set[n.Int64()])
		return nil
	}
	for _, set := range sets {
		if err := pick(set); err != nil {
			return "", err
		}
	}
	for len(out) < 12 {
		if err := pick(all); err != nil {
			return "", err
		}
	}
	// Shuffle so that the classes do not sit in a fixed order.
	for i := len(out) - 1; i > 0; i-- {
		n, err := rand.Int(rand.Reader, big.NewInt(int64(i+1)))
		if err != nil {
			return "", err
		}
		j := n.Int64()
		out[i], out[j] = out[j], out[i]
	}
	return string(out), nil
}

// CanResetPassword reports whether the actor may reset the user's password
// (the user page shows the button only then): see ResetPassword.
func (s *Users) CanResetPassword(ctx context.Context, actor model.Actor, id int64) (bool, error) {
	if id == actor.UserID || !s.authz.CanAnywhere(actor.UserID, "user", "reset_password") {
		return false, nil
	}
	admin, err := holdsThreeAdmin(ctx, s.db, id, s.db.Now())
	if err != nil {
		return false, err
	}
	if admin {
		return s.authz.Can(actor.UserID, SysChain, "user", "reset_admin_password"), nil
	}
	return s.authz.Can(actor.UserID, SysChain, "user", "reset_user_password"), nil
}

// ActiveLocks lists the source addresses locked out of the account now
// (the user page shows them to whoever may unlock).
func (s *Users) ActiveLocks(ctx context.Context, actor model.Actor, u *model.User) ([]store.LoginThrottle, error) {
	if err := s.authz.Check(actor.UserID, SysChain, "user", "unlock"); err != nil {
		return nil, err
	}
	return s.db.ActiveLoginLocks(ctx, u.Username, s.db.Now())
}
