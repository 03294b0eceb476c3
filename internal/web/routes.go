package web

import (
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"golang.org/x/time/rate"

	"tongxin/internal/authz"
	"tongxin/internal/model"
)

// routes lists every route with its middleware and its permission. A test
// walks echo's route table and fails on a route that is not declared here.
func (s *Server) routes() {
	e := s.echo
	e.Use(
		s.observe, // request id, log line, metrics, error handling
		middleware.RecoverWithConfig(middleware.RecoverConfig{DisableStackAll: true, LogErrorFunc: s.logPanic}),
		s.securityHeaders,
		middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{Limit: fmt.Sprintf("%dB", s.opts.BodyLimit)}),
		// /metrics compresses itself (promhttp); compressing twice garbles it.
		middleware.GzipWithConfig(middleware.GzipConfig{MinLength: 1024, Skipper: func(c echo.Context) bool { return c.Path() == "/metrics" }}),
		s.locale,
		s.sessionMiddleware(),
		s.csrfMiddleware(),
		s.loadUser,
	)
	r := &router{s: s}

	// Operations and static files.
	r.add(http.MethodGet, "/healthz", s.healthz, authz.Public())
	r.add(http.MethodGet, "/readyz", s.readyz, authz.Public())
	r.add(http.MethodGet, "/metrics", s.serveMetrics, authz.Public())
	r.add(http.MethodGet, "/static/*", s.assets.Serve, authz.Public())

	// Session.
	r.add(http.MethodGet, "/login", s.loginForm, authz.Public())
	r.add(http.MethodPost, "/login", s.login, authz.Public(), s.loginRateLimit())
	r.add(http.MethodPost, "/logout", s.logout, authz.User())
	r.add(http.MethodGet, "/locale/:lang", s.setLocale, authz.Public())
	r.add(http.MethodGet, "/profile/password", s.passwordForm, authz.User())
	r.add(http.MethodPost, "/profile/password", s.changePassword, authz.User())

	// Pages.
	r.add(http.MethodGet, "/", s.home, authz.User())

	// System administration: users and role assignments.
	r.add(http.MethodGet, "/admin/users", s.usersList, authz.Need("user", "read"))
	r.add(http.MethodGet, "/admin/users/export", s.usersExport, authz.Need("user", "export"))
	r.add(http.MethodGet, "/admin/users/new", s.userNew, authz.Need("user", "create"))
	r.add(http.MethodPost, "/admin/users", s.userCreate, authz.Need("user", "create"))
	r.add(http.MethodGet, "/admin/users/:id", s.userShow, authz.Need("user", "read"))
	r.add(http.MethodGet, "/admin/users/:id/edit", s.userEdit, authz.Need("user", "update"))
	r.add(http.MethodPost, "/admin/users/:id", s.userUpdate, authz.Need("user", "update"))
	r.add(http.MethodPost, "/admin/users/:id/disable", s.userSetEnabled(false), authz.Need("user", "disable"))
	r.add(http.MethodPost, "/admin/users/:id/enable", s.userSetEnabled(true), authz.Need("user", "disable"))
	r.add(http.MethodPost, "/admin/users/:id/unlock", s.userUnlock, authz.Need("user", "unlock"))
	r.add(http.MethodPost, "/admin/users/:id/reset-password", s.userResetPassword, authz.Need("user", "reset_password"))
	r.add(http.MethodPost, "/admin/users/:id/roles", s.roleGrant, authz.Need("role_assignment", "create"))
	r.add(http.MethodPost, "/admin/role-assignments/:id/revoke", s.roleRevoke, authz.Need("role_assignment", "revoke"))
	r.add(http.MethodGet, "/api/v1/users", s.apiUsersList, authz.Need("user", "read"))
	r.add(http.MethodPost, "/api/v1/users", s.apiUserCreate, authz.Need("user", "create"))
	r.add(http.MethodGet, "/api/v1/users/:id", s.apiUserGet, authz.Need("user", "read"))
	r.add(http.MethodPatch, "/api/v1/users/:id", s.apiUserUpdate, authz.Need("user", "update"))
	r.add(http.MethodPost, "/api/v1/users/:id/disable", s.apiUserAction("disable"), authz.Need("user", "disable"))
	r.add(http.MethodPost, "/api/v1/users/:id/enable", s.apiUserAction("enable"), authz.Need("user", "disable"))
	r.add(http.MethodPost, "/api/v1/users/:id/unlock", s.apiUserAction("unlock"), authz.Need("user", "unlock"))
	r.add(http.MethodPost, "/api/v1/users/:id/reset-password", s.apiUserAction("reset-password"), authz.Need("user", "reset_password"))
	r.add(http.MethodGet, "/api/v1/role-assignments", s.apiRoleAssignmentsList, authz.Need("role_assignment", "read"))
	r.add(http.MethodPost, "/api/v1/role-assignments", s.apiRoleAssignmentCreate, authz.Need("role_assignment", "create"))
	r.add(http.MethodPost, "/api/v1/role-assignments/:id/revoke", s.apiRoleAssignmentRevoke, authz.Need("role_assignment", "revoke"))

	// Security administration: login events and online sessions.
	r.add(http.MethodGet, "/admin/login-events", s.loginEventsList, authz.Need("login_event", "read"))
	r.add(http.MethodGet, "/admin/login-events/export", s.loginEventsExport, authz.Need("login_event", "export"))
	r.add(http.MethodGet, "/admin/sessions", s.sessionsList, authz.Need("session", "read"))
	r.add(http.MethodPost, "/admin/sessions/:id/revoke", s.sessionRevoke, authz.Need("session", "revoke"))
	r.add(http.MethodPost, "/admin/sessions/user/:uid/revoke", s.userSessionsRevoke, authz.Need("session", "revoke"))
	r.add(http.MethodGet, "/api/v1/login-events", s.apiLoginEvents, authz.Need("login_event", "read"))
	r.add(http.MethodGet, "/api/v1/sessions", s.apiSessions, authz.Need("session", "read"))
	r.add(http.MethodPost, "/api/v1/sessions/:id/revoke", s.apiSessionRevoke, authz.Need("session", "revoke"))
	r.add(http.MethodPost, "/api/v1/sessions/user/:uid/revoke", s.apiUserSessionsRevoke, authz.Need("session", "revoke"))

	// Audit log.
	r.add(http.MethodGet, "/admin/audit-log", s.auditLogList, authz.Need("audit_log", "read"))
	r.add(http.MethodGet, "/admin/audit-log/export", s.auditLogExport, authz.Need("audit_log", "export"))
	r.add(http.MethodGet, "/api/v1/audit-log", s.apiAuditLog, authz.Need("audit_log", "read"))

	// Profile and personal API tokens.
	r.add(http.MethodGet, "/profile", s.profile, authz.User())
	r.add(http.MethodPost, "/profile/tokens", s.profileCreateToken, authz.User())
	r.add(http.MethodPost, "/profile/tokens/:id/revoke", s.profileRevokeToken, authz.User())
	r.add(http.MethodGet, "/api/v1/tokens", s.apiTokens, authz.User())
	r.add(http.MethodPost, "/api/v1/tokens", s.apiCreateToken, authz.User())
	r.add(http.MethodGet, "/api/v1/tokens/:id", s.apiToken, authz.User())
	r.add(http.MethodDelete, "/api/v1/tokens/:id", s.apiRevokeToken, authz.User())

	// JSON API.
	r.add(http.MethodGet, "/api/v1/openapi.json", s.serveOpenAPI, authz.Public())
	r.add(http.MethodGet, "/api/v1/me", s.apiMe, authz.User())
}

// router registers routes together with their permission.
type router struct{ s *Server }

func (r *router) add(method, path string, h echo.HandlerFunc, p authz.Perm, mw ...echo.MiddlewareFunc) {
	r.s.perms[method+" "+path] = p
	mw = append([]echo.MiddlewareFunc{r.s.guard(p)}, mw...)
	r.s.echo.Add(method, path, h, mw...)
}

// guard enforces a route's declared permission before its handler runs.
func (s *Server) guard(p authz.Perm) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		if p.Level == authz.LevelPublic {
			return next
		}
		return func(c echo.Context) error {
			u := CurrentUser(c)
			if u == nil {
				return model.ErrUnauthenticated
			}
			// A user who must change their password may do only that (or leave).
			if u.MustChangePassword && c.Path() != "/profile/password" && c.Path() != "/logout" {
				if IsAPI(c) {
					return model.Rule("password_change_required", "password.change_required")
				}
				return c.Redirect(http.StatusSeeOther, "/profile/password")
			}
			if p.Level == authz.LevelAction && !s.authz.CanAnywhere(u.ID, p.Object, p.Action) {
				return model.ErrForbidden
			}
			return next(c)
		}
	}
}

// loginRateLimit answers 429 to an IP that tries to log in too often.
func (s *Server) loginRateLimit() echo.MiddlewareFunc {
	perMinute := s.opts.LoginRatePerIP
	return middleware.RateLimiterWithConfig(middleware.RateLimiterConfig{
		Store: middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
			Rate: rate.Limit(float64(perMinute) / 60), Burst: perMinute, ExpiresIn: 10 * time.Minute,
		}),
		IdentifierExtractor: func(c echo.Context) (string, error) { return c.RealIP(), nil },
		ErrorHandler:        func(c echo.Context, err error) error { return model.ErrTooMany },
		DenyHandler:         func(c echo.Context, id string, err error) error { return model.ErrTooMany },
	})
}
