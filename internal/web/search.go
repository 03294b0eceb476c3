package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"tongxin/internal/model"
	"tongxin/internal/service"
)

// Search everywhere (全局搜索): the top bar's box answers /search?q= with
// the units, alliances, needs, resources, projects and meetings the user may
// read, grouped by kind, each group linking to its list with the same words.

// searchPage is the Data of search.
type searchPage struct {
	Q      string
	Error  string
	Groups []searchGroupView
	Empty  bool
}

type searchGroupView struct {
	Kind    string
	Label   string
	Total   string
	MoreURL string
	Hits    []searchHitView
}

type searchHitView struct {
	service.SearchHit
	URL         string
	StatusLabel string
}

// searchLinks are each kind's page and the list parameter that takes the words.
var searchLinks = map[string][2]string{
	service.SearchUnits:     {"/units", "q"},
	service.SearchAlliances: {"/alliances", "name"},
	service.SearchNeeds:     {"/needs", "q"},
	service.SearchResources: {"/resources", "q"},
	service.SearchProjects:  {"/projects", "q"},
	service.SearchMeetings:  {"/meetings", "title"},
}

func (s *Server) search(c echo.Context) error {
	loc := Locale(c)
	q := c.QueryParam("q")
	title := s.cat.T(loc, "search.title")
	v := s.view(c, title, Crumb{Label: title})
	page := searchPage{Q: q}
	res, err := service.NewSearch(s.deps()).Run(c.Request().Context(), actor(c), q)
	status := http.StatusOK
	if ve, ok := err.(*model.ValidationError); ok {
		page.Error, status = s.cat.T(loc, ve.Fields["q"]), http.StatusBadRequest
	} else if err != nil {
		return err
	} else {
		page.Q = res.Query
		page.Empty = res.Query != "" && len(res.Groups) == 0
		for _, g := range res.Groups {
			link := searchLinks[g.Kind]
			gv := searchGroupView{Kind: g.Kind, Label: s.cat.T(loc, "search.kind."+g.Kind),
				MoreURL: link[0] + "?" + url.Values{link[1]: {res.Query}}.Encode()}
			if g.Capped {
				gv.Total = s.cat.T(loc, "list.total_capped", fmtInt(g.Total))
			} else {
				gv.Total = s.cat.T(loc, "list.total", fmtInt(g.Total))
			}
			for _, h := range g.Hits {
				gv.Hits = append(gv.Hits, searchHitView{SearchHit: h, URL: link[0] + "/" + strconv.FormatInt(h.ID, 10),
					StatusLabel: s.searchStatus(loc, g.Kind, h.Status)})
			}
			page.Groups = append(page.Groups, gv)
		}
	}
	v.Data = page
	return s.page(c, status, "search", v)
}

// searchStatus labels a hit's status by its kind's catalog.
func (s *Server) searchStatus(loc, kind, status string) string {
	prefix := map[string]string{service.SearchUnits: "unit.status.", service.SearchAlliances: "alliance.status.",
		service.SearchNeeds: "need.status.", service.SearchResources: "resource.status.", service.SearchProjects: "project.status.",
		service.SearchMeetings: "meeting.status."}[kind]
	if s.cat.Has(prefix + status) {
		return s.cat.T(loc, prefix+status)
	}
	return status
}
