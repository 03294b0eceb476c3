package web

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// home is 工作台.
func (s *Server) home(c echo.Context) error {
	v := s.view(c, s.cat.T(Locale(c), "nav.home"), Crumb{Label: s.cat.T(Locale(c), "nav.home")})
	return s.page(c, http.StatusOK, "home", v)
}

// meJSON is the API's view of the current user.
type meJSON struct {
	ID                 int64  `json:"id"`
	Username           string `json:"username"`
	DisplayName        string `json:"display_name"`
	MustChangePassword bool   `json:"must_change_password"`
}

// apiMe is GET /api/v1/me.
func (s *Server) apiMe(c echo.Context) error {
	u := CurrentUser(c)
	return c.JSON(http.StatusOK, meJSON{ID: u.ID, Username: u.Username, DisplayName: u.DisplayName, MustChangePassword: u.MustChangePassword})
}
