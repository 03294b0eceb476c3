package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"tongxin/internal/model"
	"tongxin/internal/service"
	"tongxin/internal/store"
)

// Matching suggestions (匹配推荐) on a need's and a resource's page: the
// page loads them as a fragment (htmx); opened directly they are a page of
// their own. The API answers the same suggestions.

// matchItem is one suggestion as the page shows it.
type matchItem struct {
	store.Match
	URL     string
	Reasons string // one line: why it fits
}

// matchesPage is the Data of lists/matches.
type matchesPage struct {
	Of      string // "need" or "resource": what the page belongs to
	ID      int64
	Items   []matchItem
	Heading string
	Empty   string
}

// needMatches is GET /needs/:id/matches.
func (s *Server) needMatches(c echo.Context) error {
	return s.renderMatches(c, model.TargetNeed)
}

// resourceMatches is GET /resources/:id/matches.
func (s *Server) resourceMatches(c echo.Context) error {
	return s.renderMatches(c, model.TargetResource)
}

func (s *Server) renderMatches(c echo.Context, of string) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ms, err := s.matches(c, of, id)
	if err != nil {
		return err
	}
	loc := Locale(c)
	items, err := s.matchItems(c, of, ms)
	if err != nil {
		return err
	}
	p := matchesPage{Of: of, ID: id, Items: items}
	list, back := "/needs", "menu.needs"
	if of == model.TargetResource {
		list, back = "/resources", "menu.resources"
	}
	p.Heading = s.cat.T(loc, "match.heading_"+of)
	p.Empty = s.cat.T(loc, "match.empty_"+of)
	v := s.view(c, p.Heading, Crumb{Label: s.cat.T(loc, "menu.group.lists")}, Crumb{Label: s.cat.T(loc, back), URL: list},
		Crumb{Label: "#" + strconv.FormatInt(id, 10), URL: list + "/" + strconv.FormatInt(id, 10)}, Crumb{Label: p.Heading})
	v.Data = p
	return s.page(c, http.StatusOK, "lists/matches", v)
}

func (s *Server) matches(c echo.Context, of string, id int64) ([]store.Match, error) {
	svc := service.NewMatching(s.deps())
	if of == model.TargetNeed {
		return svc.ForNeed(c.Request().Context(), actor(c), id)
	}
	return svc.ForResource(c.Request().Context(), actor(c), id)
}

// matchItems explains each suggestion in one line of the reader's language:
// 资源类型相符（志愿者）· 同一街镇（凌云路街道）· 剩余 8 人次 · 可用至 2026-12-31.
func (s *Server) matchItems(c echo.Context, of string, ms []store.Match) ([]matchItem, error) {
	ctx, loc := c.Request().Context(), Locale(c)
	dict := service.NewDictionaries(s.deps())
	kinds, err := dict.Labels(ctx, model.DictResourceKind, loc)
	if err != nil {
		return nil, err
	}
	cats, err := dict.Labels(ctx, model.DictNeedCategory, loc)
	if err != nil {
		return nil, err
	}
	measures, err := dict.Labels(ctx, model.DictMeasure, loc)
	if err != nil {
		return nil, err
	}
	label := func(m map[string]string, code string) string {
		if l, ok := m[code]; ok {
			return l
		}
		return code
	}
	out := make([]matchItem, 0, len(ms))
	for _, m := range ms {
		var parts []string
		if m.KindFits {
			parts = append(parts, s.cat.T(loc, "match.kind_fits", label(kinds, m.Kind)))
		}
		if m.CategoryFits {
			parts = append(parts, s.cat.T(loc, "match.category_fits", label(cats, m.Category)))
		}
		switch {
		case m.SameStreet:
			parts = append(parts, s.cat.T(loc, "match.same_street", m.StreetName))
		case m.SameDistrict:
			parts = append(parts, s.cat.T(loc, "match.same_district"))
		}
		parts = append(parts, s.cat.T(loc, "match.remaining", fmtInt(m.Remaining), label(measures, m.Measure)))
		if m.Until != nil {
			parts = append(parts, s.cat.T(loc, "match.until_"+of, fmtDate(m.Until)))
		}
		url := "/resources/" + strconv.FormatInt(m.ID, 10)
		if of == model.TargetResource {
			url = "/needs/" + strconv.FormatInt(m.ID, 10)
		}
		out = append(out, matchItem{Match: m, URL: url, Reasons: strings.Join(parts, " · ")})
	}
	return out, nil
}

// apiMatch is a suggestion in the API.
type apiMatch struct {
	ID           int64   `json:"id"`
	Title        string  `json:"title"`
	UnitID       int64   `json:"unit_id"`
	UnitName     string  `json:"unit_name"`
	StreetID     *int64  `json:"street_id"`
	DistrictID   int64   `json:"district_id"`
	Remaining    int64   `json:"remaining"`
	Measure      string  `json:"measure"`
	Until        *string `json:"until"`
	KindFits     bool    `json:"kind_fits"`
	CategoryFits bool    `json:"category_fits"`
	SameStreet   bool    `json:"same_street"`
	SameDistrict bool    `json:"same_district"`
	Score        int     `json:"score"`
	Reasons      string  `json:"reasons"`
}

// apiNeedMatches is GET /api/v1/needs/:id/matches.
func (s *Server) apiNeedMatches(c echo.Context) error { return s.apiMatches(c, model.TargetNeed) }

// apiResourceMatches is GET /api/v1/resources/:id/matches.
func (s *Server) apiResourceMatches(c echo.Context) error {
	return s.apiMatches(c, model.TargetResource)
}

func (s *Server) apiMatches(c echo.Context, of string) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ms, err := s.matches(c, of, id)
	if err != nil {
		return err
	}
	items, err := s.matchItems(c, of, ms)
	if err != nil {
		return err
	}
	out := make([]apiMatch, 0, len(items))
	for _, m := range items {
		a := apiMatch{ID: m.ID, Title: m.Title, UnitID: m.UnitID, UnitName: m.UnitName, StreetID: m.StreetID,
			DistrictID: m.DistrictID, Remaining: m.Remaining, Measure: m.Measure, KindFits: m.KindFits,
			CategoryFits: m.CategoryFits, SameStreet: m.SameStreet, SameDistrict: m.SameDistrict, Score: m.Score, Reasons: m.Reasons}
		if m.Until != nil {
			d := fmtDate(m.Until)
			a.Until = &d
		}
		out = append(out, a)
	}
	// All suggestions fit on one page (store.MatchLimit): no cursor.
	return c.JSON(http.StatusOK, map[string]any{"items": out, "next": "", "total": len(out), "total_capped": false})
}

func init() {
	apiDocs["GET /api/v1/needs/:id/matches"] = apiDoc{Tag: "lists", Summary: "Matching suggestions for a need: the available resources that fit it, best first, each with its reasons (at most 10)", Response: "list:Match"}
	apiDocs["GET /api/v1/resources/:id/matches"] = apiDoc{Tag: "lists", Summary: "Matching suggestions for a resource: the open needs it fits, best first, each with its reasons (at most 10)", Response: "list:Match"}
	nullInt := schema{"type": "integer", "format": "int64", "nullable": true}
	apiSchemas["Match"] = obj(nil, map[string]schema{"id": integer, "title": str, "unit_id": integer, "unit_name": str,
		"street_id": nullInt, "district_id": integer, "remaining": integer, "measure": str,
		"until": {"type": "string", "format": "date", "nullable": true}, "kind_fits": boolean, "category_fits": boolean,
		"same_street": boolean, "same_district": boolean, "score": integer, "reasons": str})
}
