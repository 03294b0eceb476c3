package web

import (
	"errors"
	"strings"

	"github.com/labstack/echo/v4"

	"tongxin/internal/model"
)

// bearerChallenge answers a refused token (RFC 6750).
const bearerChallenge = `Bearer realm="tongxin", error="invalid_token"`

// loadBearer authenticates an /api/ request by its personal API token
// (Authorization: Bearer txn_…) and sets the user exactly as loadUser does
// for a session, so that route guards and CurrentUser work unchanged.
// An unknown, revoked or expired token, or one whose user is no longer
// active, answers 401 whatever the route: a client that sends a credential
// must learn that it is refused. Such requests carry no session and no CSRF
// token (sessionMiddleware and csrfMiddleware skip them).
func (s *Server) loadBearer(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		secret := strings.TrimSpace(c.Request().Header.Get(echo.HeaderAuthorization)[len("Bearer "):]) // isBearer checked the scheme
		u, err := s.tokens().Authenticate(c.Request().Context(), secret)
		if errors.Is(err, model.ErrUnauthenticated) {
			c.Response().Header().Set(echo.HeaderWWWAuthenticate, bearerChallenge)
			return err
		}
		if err != nil {
			return err
		}
		c.Set(ctxUser, u)
		return next(c)
	}
}
