package web

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// homePage is the Data of home: which of the three lists this user may open
// (a list appears once its page exists and the user passes its permission).
type homePage struct {
	Open map[string]bool
	// Duties are the overdue and due-soon rotation duties (rotation.go).
	Duties []dutyDue
	// Dash is the dashboard of the user's role (dashboard.go), nil for none.
	Dash *dashboardView
}

// home is 工作台.
func (s *Server) home(c echo.Context) error {
	v := s.view(c, s.cat.T(Locale(c), "nav.home"), Crumb{Label: s.cat.T(Locale(c), "nav.home")})
	open := map[string]bool{}
	for _, path := range []string{"/needs", "/resources", "/projects"} {
		if p, ok := s.perms[http.MethodGet+" "+path]; ok && s.mayOpen(c, p) {
			open[path] = true
		}
	}
	v.Data = homePage{Open: open, Duties: s.dutiesDue(c), Dash: s.dashboard(c)}
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
