package web

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"tongxin/internal/model"
	"tongxin/internal/report"
	"tongxin/internal/service"
)

// Search, the unit contribution profile and the project draft from a need
// through the API: the services of the /search page, the /units/:id/profile
// page and the need page's 立项草稿 button.

// ---- search ----

type searchHitJSON struct {
	ID     int64  `json:"id"`
	Title  string `json:"title"`
	Code   string `json:"code,omitempty"`
	Sub    string `json:"sub"`
	Status string `json:"status"`
	// URL is the object's API path.
	URL string `json:"url"`
}

type searchGroupJSON struct {
	Kind        string          `json:"kind"`
	Total       int64           `json:"total"`
	TotalCapped bool            `json:"total_capped"`
	Hits        []searchHitJSON `json:"hits"`
}

type searchJSON struct {
	Query  string            `json:"q"`
	Groups []searchGroupJSON `json:"groups"`
}

// apiSearch is GET /api/v1/search?q=: each kind the caller may read, found
// through its own list service (scoped as its list), at most
// service.SearchPerKind hits each with the number of all matches.
func (s *Server) apiSearch(c echo.Context) error {
	res, err := service.NewSearch(s.deps()).Run(c.Request().Context(), actor(c), c.QueryParam("q"))
	if err != nil {
		return err
	}
	out := searchJSON{Query: res.Query, Groups: []searchGroupJSON{}}
	for _, g := range res.Groups {
		gj := searchGroupJSON{Kind: g.Kind, Total: g.Total, TotalCapped: g.Capped, Hits: []searchHitJSON{}}
		for _, h := range g.Hits {
			gj.Hits = append(gj.Hits, searchHitJSON{ID: h.ID, Title: h.Title, Code: h.Code, Sub: h.Sub, Status: h.Status,
				URL: "/api/v1/" + g.Kind + "/" + strconv.FormatInt(h.ID, 10)})
		}
		out.Groups = append(out.Groups, gj)
	}
	return c.JSON(http.StatusOK, out)
}

// ---- the unit contribution profile ----

type unitProfileMembershipJSON struct {
	AllianceID     int64   `json:"alliance_id"`
	AllianceName   string  `json:"alliance_name"`
	Rank           string  `json:"rank"`
	JoinedOn       string  `json:"joined_on"`
	LeftOn         *string `json:"left_on"`
	LetterSignedOn *string `json:"letter_signed_on"`
}

type unitProfileJSON struct {
	UnitID       int64   `json:"unit_id"`
	UnitName     string  `json:"unit_name"`
	DistrictName string  `json:"district_name"`
	CreditCode   *string `json:"credit_code"`
	Year         int     `json:"year"`
	From         string  `json:"from"`
	To           string  `json:"to"`
	// Values are the glossary's unit_* counters (GET /api/v1/reports/counters
	// defines each); Units their unit (count, fen, hours …).
	Values      report.Values               `json:"values"`
	Units       map[string]string           `json:"units"`
	Memberships []unitProfileMembershipJSON `json:"memberships"`
}

// apiUnitProfile is GET /api/v1/units/{id}/profile?year=: what a member
// unit gave across its alliances in a year (unit_profile:read on its chain).
func (s *Server) apiUnitProfile(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	svc := s.reportService()
	year := svc.Today().Year()
	if raw := c.QueryParam("year"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 2000 || n > 2100 {
			return (&model.ValidationError{}).Add("year", "report.bad_year")
		}
		year = n
	}
	p := report.YearPeriod(year)
	prof, err := svc.UnitProfile(c.Request().Context(), actor(c), id, p)
	if err != nil {
		return err
	}
	out := unitProfileJSON{UnitID: prof.Unit.ID, UnitName: prof.Unit.Name, DistrictName: prof.DistrictName, CreditCode: prof.Unit.CreditCode,
		Year: year, From: p.FromText(), To: p.ToText(), Values: report.Values{}, Units: map[string]string{},
		Memberships: []unitProfileMembershipJSON{}}
	for _, ct := range prof.Counters {
		out.Values[ct.Key] = prof.Values[ct.Key]
		out.Units[ct.Key] = ct.Unit
	}
	for _, m := range prof.Memberships {
		out.Memberships = append(out.Memberships, unitProfileMembershipJSON{AllianceID: m.AllianceID, AllianceName: m.AllianceName,
			Rank: m.Rank, JoinedOn: govDay(m.JoinedOn), LeftOn: allianceDayPtr(m.LeftOn), LetterSignedOn: allianceDayPtr(m.LetterSignedOn)})
	}
	return c.JSON(http.StatusOK, out)
}

// ---- 立项草稿: a project drafted from a need ----

// apiNeedProjectDraft is POST /api/v1/needs/{id}/project-draft: the need's
// page's 立项草稿. It creates a draft project (201, Location) from a need
// with an accepted claim; a need without one, or already in an open
// project, answers 422 saying so.
func (s *Server) apiNeedProjectDraft(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	p, err := service.NewProjectDrafts(s.deps()).FromNeed(ctx, actor(c), id)
	if err != nil {
		return err
	}
	v, err := s.projectService().Get(ctx, actor(c), p.ID)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/projects/"+strconv.FormatInt(p.ID, 10))
	return c.JSON(http.StatusCreated, toProjectDetailJSON(v, s.projectToday()))
}

func init() {
	apiDocs["GET /api/v1/search"] = apiDoc{Tag: "search", Summary: "Search everywhere as the /search page: units, alliances, needs, resources, projects and meetings you may read (each scoped as its list), at most 5 hits per kind with the number of all matches; kinds without a hit are left out; an empty q finds nothing",
		Response: "SearchResult", Query: map[string]string{"q": "the words (at most 50 characters; longer answers 400)"}}
	apiDocs["GET /api/v1/units/:id/profile"] = apiDoc{Tag: "reports", Summary: "A unit's contribution profile (成员单位贡献档案) as its page: the glossary's unit_* figures of a year across all its alliances, and its memberships (unit_profile:read on the unit's chain; 404 otherwise)",
		Response: "UnitProfile", Query: map[string]string{"year": "the year (default this year, Asia/Shanghai)"}}
	apiDocs["POST /api/v1/needs/:id/project-draft"] = apiDoc{Tag: "projects", Summary: "立项草稿: draft a project from a need with an accepted claim (the alliance's secretary): alliance, title, description, category and beneficiaries from the need; the unit that took the largest part leads; the need and the resources used are linked. No accepted claim, or a project of the need that is not cancelled: 422 saying which. Answers 201 with the draft",
		Response: "Project"}
	hit := obj(nil, map[string]schema{"id": integer, "title": str, "code": str, "sub": {"type": "string", "description": "where it belongs: alliance, district or unit"},
		"status": str, "url": {"type": "string", "description": "the object's API path"}})
	apiSchemas["SearchResult"] = obj(nil, map[string]schema{"q": str, "groups": {"type": "array", "items": obj(nil, map[string]schema{
		"kind":  {"type": "string", "enum": service.SearchKinds},
		"total": integer, "total_capped": boolean, "hits": {"type": "array", "items": hit}})}})
	day, nullDay := schema{"type": "string", "format": "date"}, schema{"type": "string", "format": "date", "nullable": true}
	apiSchemas["UnitProfile"] = obj(nil, map[string]schema{"unit_id": integer, "unit_name": str, "district_name": str,
		"credit_code": {"type": "string", "nullable": true}, "year": integer, "from": day, "to": day,
		"values": {"type": "object", "additionalProperties": integer, "description": "counter key → value (money in fen)"},
		"units":  {"type": "object", "additionalProperties": str, "description": "counter key → its unit"},
		"memberships": {"type": "array", "items": obj(nil, map[string]schema{"alliance_id": integer, "alliance_name": str, "rank": str,
			"joined_on": day, "left_on": nullDay, "letter_signed_on": nullDay})}})
}
