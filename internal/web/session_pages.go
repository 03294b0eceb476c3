package web

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"tongxin/internal/model"
	"tongxin/internal/service"
	"tongxin/internal/store"
)

// loginPage is the Data of pages/login.html.
type loginPage struct {
	Username, Error, Next string
}

// safeNext keeps a post-login redirect on this site.
func safeNext(next string) string {
	return localPath(next, "/") // redirect.go
}

func (s *Server) loginForm(c echo.Context) error {
	if CurrentUser(c) != nil {
		return c.Redirect(http.StatusSeeOther, "/")
	}
	v := s.view(c, s.cat.T(Locale(c), "login.title"))
	v.Data = loginPage{Next: safeNext(c.QueryParam("next"))}
	return s.page(c, http.StatusOK, "login", v)
}

func (s *Server) login(c echo.Context) error {
	username := strings.TrimSpace(c.FormValue("username"))
	password := c.FormValue("password")
	next := safeNext(c.FormValue("next"))
	loc := Locale(c)
	refuse := func(key string, args ...any) error {
		v := s.view(c, s.cat.T(loc, "login.title"))
		v.Data = loginPage{Username: username, Error: s.cat.T(loc, key, args...), Next: next}
		return s.page(c, http.StatusOK, "login", v)
	}
	if username == "" || password == "" || len(username) > 64 || len(password) > 256 {
		return refuse("login.required")
	}
	u, err := s.auth.Login(c.Request().Context(), actor(c), username, password)
	var locked *service.LockedError
	if errors.As(err, &locked) {
		return refuse("login.locked", lockedUntilText(locked.Until, s.db.Now()))
	}
	var throttled *service.ThrottledError
	if errors.As(err, &throttled) {
		wait := int(throttled.RetryAt.Sub(s.db.Now()).Round(time.Second) / time.Second)
		return refuse("login.throttled", max(wait, 1))
	}
	if errors.Is(err, service.ErrBadCredentials) {
		return refuse("login.failed")
	}
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	// A new token at login: a session id planted before the login is worthless after it.
	if err := s.sessions.RenewToken(ctx); err != nil {
		return err
	}
	s.sessions.Put(ctx, "uid", u.ID)
	if owner, ok := c.Get(ctxSession).(*store.SessionOwner); ok {
		owner.UserID, owner.IP, owner.UserAgent = u.ID, c.RealIP(), truncateRunes(c.Request().UserAgent(), 256)
	}
	// What happened to the account since the last login (a reset, a lock)
	// is said at once, not only in the inbox.
	notices, err := s.auth.AccountNotices(ctx, u)
	if err != nil {
		return err
	}
	for i := range notices {
		s.flashText(c, "info", s.notificationMessage(loc, &notices[i], nil))
	}
	if u.MustChangePassword {
		s.sessions.Put(ctx, "must_change", true)
		return c.Redirect(http.StatusSeeOther, "/profile/password")
	}
	return c.Redirect(http.StatusSeeOther, next)
}

// lockedUntilText is the end of a lock in Asia/Shanghai: the time of day
// when it ends today, with the date when it ends on another day.
func lockedUntilText(until, now time.Time) string {
	u, n := until.In(Shanghai), now.In(Shanghai)
	if u.Format(time.DateOnly) == n.Format(time.DateOnly) {
		return u.Format("15:04")
	}
	return u.Format("2006-01-02 15:04")
}

func (s *Server) logout(c echo.Context) error {
	if err := s.auth.Logout(c.Request().Context(), actor(c)); err != nil {
		return err
	}
	if err := s.sessions.Destroy(c.Request().Context()); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/login")
}

// passwordPage is the Data of pages/password.html.
type passwordPage struct {
	Forced bool
	Errors map[string]string
}

func (s *Server) passwordForm(c echo.Context) error {
	return s.renderPasswordForm(c, http.StatusOK, nil)
}

func (s *Server) renderPasswordForm(c echo.Context, status int, fields map[string]string) error {
	loc := Locale(c)
	v := s.view(c, s.cat.T(loc, "password.title"), Crumb{Label: s.cat.T(loc, "profile.title"), URL: "/profile"}, Crumb{Label: s.cat.T(loc, "password.title")})
	msgs := map[string]string{}
	for k, key := range fields {
		msgs[k] = s.cat.T(loc, key)
	}
	v.Data = passwordPage{Forced: CurrentUser(c).MustChangePassword, Errors: msgs}
	return s.page(c, status, "password", v)
}

func (s *Server) changePassword(c echo.Context) error {
	ended, err := s.auth.ChangePassword(c.Request().Context(), actor(c),
		c.FormValue("current_password"), c.FormValue("new_password"), c.FormValue("confirm_password"), s.storedSessionToken(c))
	var ve *model.ValidationError
	if errors.As(err, &ve) {
		return s.renderPasswordForm(c, http.StatusUnprocessableEntity, ve.Fields)
	}
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	// A privilege change: the session gets a new token, still listed as
	// this user's (在线用户, and the next change keeps it).
	if err := s.sessions.RenewToken(ctx); err != nil {
		return err
	}
	if owner, ok := c.Get(ctxSession).(*store.SessionOwner); ok {
		owner.UserID, owner.IP, owner.UserAgent = CurrentUser(c).ID, c.RealIP(), truncateRunes(c.Request().UserAgent(), 256)
	}
	s.sessions.Remove(ctx, "must_change")
	if ended > 0 {
		s.flash(c, "success", "password.changed_others_ended", ended)
	} else {
		s.flash(c, "success", "password.changed")
	}
	return c.Redirect(http.StatusSeeOther, "/")
}

// setLocale stores the chosen language in a cookie and goes back.
func (s *Server) setLocale(c echo.Context) error {
	lang := c.Param("lang")
	if lang != LocaleZH && lang != LocaleEN {
		return model.NotFound("locale", lang)
	}
	c.SetCookie(&http.Cookie{Name: "lang", Value: lang, Path: "/", MaxAge: 365 * 24 * 3600, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	return c.Redirect(http.StatusSeeOther, safeNext(c.QueryParam("next")))
}

// flashText adds an already written one-time message.
func (s *Server) flashText(c echo.Context, kind, msg string) {
	ctx := c.Request().Context()
	prev, _ := s.sessions.Get(ctx, "flash").(string)
	if prev != "" {
		prev += "\n"
	}
	s.sessions.Put(ctx, "flash", prev+kind+"|"+msg)
}

func truncateRunes(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n])
	}
	return s
}
