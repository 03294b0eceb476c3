package web

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"tongxin/internal/authz"
)

// menuEntry is one item of the left menu; it shows when its page exists
// (its route is registered) and the user may open it.
type menuEntry struct {
	group, label, url string
}

// menuEntries is the whole menu of UI.md in its order; entries whose page
// does not exist yet are left out by menu().
var menuEntries = []menuEntry{
	{"menu.group.workbench", "menu.home", "/"},
	{"menu.group.lists", "menu.needs", "/needs"},
	{"menu.group.lists", "menu.resources", "/resources"},
	{"menu.group.lists", "menu.claims", "/claims"},
	{"menu.group.projects", "menu.projects", "/projects"},
	{"menu.group.projects", "menu.review_queue", "/reviews"},
	{"menu.group.projects", "menu.cases", "/cases"},
	{"menu.group.governance", "menu.alliances", "/alliances"},
	{"menu.group.governance", "menu.units", "/units"},
	{"menu.group.governance", "menu.committees", "/committees"},
	{"menu.group.governance", "menu.rotation", "/rotation-terms"},
	{"menu.group.governance", "menu.meetings", "/meetings"},
	{"menu.group.reference", "menu.streets", "/streets"},
	{"menu.group.reference", "menu.grids", "/grids"},
	{"menu.group.reference", "menu.sites", "/service-sites"},
	{"menu.group.reference", "menu.dictionary", "/dictionary"},
	{"menu.group.reports", "menu.reports", "/reports"},
	{"menu.group.reports", "menu.counters", "/reports/counters"},
	{"menu.group.system", "menu.users", "/admin/users"},
	{"menu.group.system", "menu.role_assignments", "/admin/role-assignments"},
	{"menu.group.system", "menu.login_events", "/admin/login-events"},
	{"menu.group.system", "menu.online_users", "/admin/sessions"},
	{"menu.group.system", "menu.audit_log", "/admin/audit-log"},
	{"menu.group.system", "menu.imports", "/imports"},
}

// menu builds the left menu for the current user. One entry at most is
// lit: the one a breadcrumb of the page links to (the deepest such crumb:
// a project under review sits under 审核队列, not 项目清单), else the entry
// whose URL is the longest prefix of the path (/reports/counters lights
// 计数口径 alone, not 报表 too).
func (s *Server) menu(c echo.Context, crumbs []Crumb) []MenuGroup {
	loc := Locale(c)
	var groups []MenuGroup
	for _, e := range menuEntries {
		p, ok := s.perms[http.MethodGet+" "+e.url]
		if !ok || !s.mayOpen(c, p) {
			continue
		}
		item := MenuItem{Label: s.cat.T(loc, e.label), URL: e.url}
		label := s.cat.T(loc, e.group)
		if n := len(groups); n > 0 && groups[n-1].Label == label {
			groups[n-1].Items = append(groups[n-1].Items, item)
			continue
		}
		groups = append(groups, MenuGroup{Label: label, Items: []MenuItem{item}})
	}
	if it := activeMenuItem(groups, c.Request().URL.Path, crumbs); it != nil {
		it.Active = true
	}
	return groups
}

// activeMenuItem picks the entry of groups to light for a page at path with
// crumbs (see menu).
func activeMenuItem(groups []MenuGroup, path string, crumbs []Crumb) *MenuItem {
	find := func(match func(url string) int) *MenuItem {
		var best *MenuItem
		bestLen := 0
		for gi := range groups {
			for ii := range groups[gi].Items {
				it := &groups[gi].Items[ii]
				if n := match(it.URL); n > bestLen {
					best, bestLen = it, n
				}
			}
		}
		return best
	}
	for i := len(crumbs) - 1; i >= 0; i-- {
		u := crumbs[i].URL
		if i := strings.IndexAny(u, "?#"); i >= 0 {
			u = u[:i]
		}
		if u == "" || u == "/" {
			continue
		}
		if it := find(func(url string) int {
			if url == u {
				return len(url)
			}
			return 0
		}); it != nil {
			return it
		}
	}
	return find(func(url string) int {
		if path == url || (url != "/" && strings.HasPrefix(path, url+"/")) {
			return len(url)
		}
		return 0
	})
}

// mayOpen reports whether the current user passes a route's permission.
func (s *Server) mayOpen(c echo.Context, p authz.Perm) bool {
	switch p.Level {
	case authz.LevelPublic:
		return true
	case authz.LevelUser:
		return CurrentUser(c) != nil
	case authz.LevelAction:
		u := CurrentUser(c)
		return u != nil && s.authz.CanAnywhere(u.ID, p.Object, p.Action)
	}
	return false
}

// mayLink answers View.May and View.MayIn for the current request: the GET
// route a link reaches, its declared permission, and (with a chain) the
// route's action on the object's chain.
func (s *Server) mayLink(c echo.Context) func(url string, chain []string) bool {
	return func(raw string, chain []string) bool {
		path, _, _ := strings.Cut(raw, "?")
		path, _, _ = strings.Cut(path, "#")
		if path == "" || !strings.HasPrefix(path, "/") {
			return false
		}
		ec := s.echo.NewContext(nil, nil)
		s.echo.Router().Find(http.MethodGet, path, ec)
		p, ok := s.perms[http.MethodGet+" "+ec.Path()]
		if !ok || !s.mayOpen(c, p) {
			return false
		}
		if len(chain) == 0 || p.Level != authz.LevelAction {
			return true
		}
		return s.authz.Can(CurrentUser(c).ID, chain, p.Object, p.Action)
	}
}
