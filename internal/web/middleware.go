package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"tongxin/internal/store"
)

// contentSecurityPolicy allows only this origin: no inline script, no
// inline style, nothing from outside (the intranet is air-gapped anyway).
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

// csrfContextKey is where echo's CSRF middleware leaves the token.
const csrfContextKey = "csrf"

// CSRFField is the form field that carries the token.
const CSRFField = "csrf_token"

func newRequestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// observe is the outermost middleware: request id, then the handler, then the
// error handler (so the status is known), then one log line and the metrics.
func (s *Server) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		rid := c.Request().Header.Get(echo.HeaderXRequestID)
		if rid == "" || len(rid) > 64 || strings.ContainsFunc(rid, func(r rune) bool { return r < '!' || r > '~' }) {
			rid = newRequestID()
		}
		c.Set(ctxRequestID, rid)
		c.Response().Header().Set(echo.HeaderXRequestID, rid)
		s.watchBody(c) // body.go: the upload deadline, and 408 for a body that does not arrive
		s.metrics.inFlight.Inc()
		defer s.metrics.inFlight.Dec()

		if err := next(c); err != nil {
			c.Error(err)
		}

		status := c.Response().Status
		route := c.Path()
		if route == "" {
			route = "unmatched"
		}
		d := time.Since(start)
		s.metrics.observe(route, c.Request().Method, status, d)
		level := slog.LevelInfo
		switch {
		case status == http.StatusServiceUnavailable && c.Response().Header().Get("Retry-After") != "":
			level = slog.LevelWarn // shed by admission control (tongxin_http_requests_shed_total)
		case status >= 500:
			level = slog.LevelError
		case strings.HasPrefix(route, "/static/") || route == "/healthz" || route == "/readyz" || route == "/metrics":
			level = slog.LevelDebug
		}
		attrs := []slog.Attr{
			slog.String("request_id", rid),
			slog.String("method", c.Request().Method),
			slog.String("path", c.Request().URL.Path),
			slog.String("route", route),
			slog.Int("status", status),
			slog.Duration("duration", d),
			slog.Int64("bytes", c.Response().Size),
			slog.String("ip", c.RealIP()),
		}
		if u := CurrentUser(c); u != nil {
			attrs = append(attrs, slog.String("user", u.Username))
		}
		s.log.LogAttrs(c.Request().Context(), level, "request", attrs...)
		return nil
	}
}

// securityHeaders sets the headers every answer carries.
func (s *Server) securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	https := strings.HasPrefix(s.opts.BaseURL, "https://")
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		if https {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		// An answer to a signed-in user, or one that sets the session cookie,
		// is nobody else's: no cache may keep it (scs would send only
		// no-cache="Set-Cookie"). This runs on the outermost writer, after
		// the session has written its cookie; static files keep their caching.
		c.Response().Before(func() {
			setsCookie := strings.Contains(h.Get("Cache-Control"), "Set-Cookie") || len(h.Values("Set-Cookie")) > 0
			if CurrentUser(c) != nil || (setsCookie && !skipNonApp(c)) {
				h.Set("Cache-Control", "no-store")
			}
		})
		return next(c)
	}
}

// locale picks the UI language: the lang cookie, else the configured default.
func (s *Server) locale(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		loc := s.opts.DefaultLocale
		if ck, err := c.Cookie("lang"); err == nil && (ck.Value == LocaleZH || ck.Value == LocaleEN) {
			loc = ck.Value
		}
		c.Set(ctxLocale, loc)
		return next(c)
	}
}

// skipNonApp skips sessions and CSRF for static files and the operations endpoints.
func skipNonApp(c echo.Context) bool {
	p := c.Request().URL.Path
	return strings.HasPrefix(p, "/static/") || p == "/healthz" || p == "/readyz" || p == "/metrics"
}

// isBearer reports an API request authenticated by a token instead of a cookie;
// it carries no ambient credential, so CSRF does not apply.
// Only API paths accept a token: a page request with one is an ordinary
// (cookie) request. The scheme name is case-insensitive (RFC 7235).
func isBearer(c echo.Context) bool {
	h := c.Request().Header.Get(echo.HeaderAuthorization)
	return len(h) > 7 && strings.EqualFold(h[:7], "Bearer ") && strings.HasPrefix(c.Request().URL.Path, "/api/")
}

func (s *Server) newSessionManager() *scs.SessionManager {
	sm := scs.New()
	sm.Store = s.db.Sessions()
	sm.HashTokenInStore = true
	sm.IdleTimeout = s.opts.SessionIdle
	sm.Lifetime = s.opts.SessionMaxAge
	sm.Cookie.Name = "tongxin_session"
	sm.Cookie.HttpOnly = true
	sm.Cookie.SameSite = http.SameSiteLaxMode
	sm.Cookie.Secure = strings.HasPrefix(s.opts.BaseURL, "https://")
	sm.Cookie.Persist = false
	sm.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
		if r.Context().Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
			// The request was cancelled (the client left, or its body did
			// not arrive: net/http cancels the context on a failed read).
			// The answer already chosen (408 for a body) goes out as it is.
			s.log.Warn("session store: request cancelled", "err", err)
			return
		}
		s.log.Error("session store", "err", err)
		http.Error(w, http.StatusText(http.StatusServiceUnavailable), http.StatusServiceUnavailable)
	}
	return sm
}

// sessionMiddleware loads and saves the scs session around the request.
func (s *Server) sessionMiddleware() echo.MiddlewareFunc {
	wrapped := echo.WrapMiddleware(s.sessions.LoadAndSave)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		h := wrapped(next)
		return func(c echo.Context) error {
			if skipNonApp(c) || isBearer(c) {
				return next(c)
			}
			ctx, owner := store.WithSessionOwner(c.Request().Context())
			c.SetRequest(c.Request().WithContext(ctx))
			c.Set(ctxSession, owner)
			return h(c)
		}
	}
}

// csrfMiddleware checks the token on every state-changing request made with
// a session cookie: the csrf_token form field for pages, X-CSRF-Token for the API.
func (s *Server) csrfMiddleware() echo.MiddlewareFunc {
	return middleware.CSRFWithConfig(middleware.CSRFConfig{
		Skipper:        func(c echo.Context) bool { return skipNonApp(c) || isBearer(c) },
		TokenLookup:    "header:X-CSRF-Token,form:" + CSRFField,
		ContextKey:     csrfContextKey,
		CookieName:     "tongxin_csrf",
		CookiePath:     "/",
		CookieHTTPOnly: true,
		CookieSameSite: http.SameSiteLaxMode,
		CookieSecure:   strings.HasPrefix(s.opts.BaseURL, "https://"),
		CookieMaxAge:   int(s.opts.SessionMaxAge.Seconds()),
	})
}

// loadUser puts the session's user, if any and still active, in the context.
func (s *Server) loadUser(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if isBearer(c) {
			return s.loadBearer(next)(c) // bearer.go; isBearer holds for /api/ paths only
		}
		if skipNonApp(c) {
			return next(c)
		}
		ctx := c.Request().Context()
		uid := s.sessions.GetInt64(ctx, "uid")
		if uid == 0 {
			return next(c)
		}
		u, err := s.db.UserByID(ctx, uid)
		if err != nil || u.Status != "active" {
			// Disabled or removed since the login: the session ends now.
			_ = s.sessions.Destroy(ctx)
			return next(c)
		}
		u.MustChangePassword = u.MustChangePassword || s.sessions.GetBool(ctx, "must_change")
		c.Set(ctxUser, u)
		return next(c)
	}
}

// logPanic logs a recovered panic with its stack and the request id; the
// error then goes to the error handler, which answers the generic 500 page.
func (s *Server) logPanic(c echo.Context, err error, stack []byte) error {
	s.log.ErrorContext(c.Request().Context(), "panic", "err", err, "request_id", RequestID(c), "stack", string(stack))
	return err
}
