package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"tongxin/internal/authz"
	"tongxin/internal/model"
	"tongxin/internal/service"
	"tongxin/internal/store"
)

// The case library (案例库): the selected cases by year, district and theme
// for everyone logged in, and the nominations where one selects them; a
// case's page is printable and carries the reviewer's 最佳 / 优秀 selection.

// caseQuery is the library's filter as typed.
type caseQuery struct {
	Year, Theme, Level, Status string
	DistrictID                 int64
}

// Active reports a filter that narrows the list.
func (q caseQuery) Active() bool {
	return q.Year != "" || q.Theme != "" || q.Level != "" || q.Status != "" || q.DistrictID != 0
}

func readCaseQuery(c echo.Context) (caseQuery, store.CaseFilter) {
	v := c.QueryParams()
	var q caseQuery
	var f store.CaseFilter
	if n, err := strconv.Atoi(strings.TrimSpace(v.Get("year"))); err == nil && n >= 2000 && n <= 2100 {
		q.Year, f.Year = strconv.Itoa(n), n
	}
	if t := strings.TrimSpace(v.Get("theme")); utf8.RuneCountInString(t) <= allianceFilterMax && !strings.ContainsFunc(t, isControl) {
		q.Theme, f.Theme = t, t
	}
	if l := v.Get("level"); l == model.CaseLevelBest || l == model.CaseLevelExcellent {
		q.Level, f.Level = l, l
	}
	if st := v.Get("status"); st == model.CaseNominated || st == model.CaseSelected || st == model.CaseDeclined {
		q.Status, f.Status = st, st
	}
	q.DistrictID = allianceID(v.Get("district_id"))
	f.DistrictID = q.DistrictID
	return q, f
}

// casesPage is the Data of cases/list.
type casesPage struct {
	Filter    caseQuery
	Items     []store.CaseRow
	List      *ListView
	Dicts     *projectDicts
	Years     []int
	Districts []model.District
	// Nominations: the user also sees nominations (the status filter shows).
	Nominations  bool
	CaseStatuses []string
}

func (s *Server) casesList(c echo.Context) error {
	req, err := pageRequest(c, store.CaseSortKeys())
	if err != nil {
		return err
	}
	q, f := readCaseQuery(c)
	ctx, loc, a := c.Request().Context(), Locale(c), actor(c)
	l, err := s.projectService().Cases(ctx, a, f, req)
	var bad *model.ValidationError
	if errors.As(err, &bad) {
		req.After, req.Before = "", ""
		l, err = s.projectService().Cases(ctx, a, f, req)
	}
	if err != nil {
		return err
	}
	dicts, err := s.projectDicts(ctx, loc)
	if err != nil {
		return err
	}
	districts, err := s.db.Districts(ctx)
	if err != nil {
		return err
	}
	page := casesPage{Filter: q, Items: l.Items, List: newListView(c, req, l, ""), Dicts: dicts, Districts: districts,
		CaseStatuses: []string{model.CaseNominated, model.CaseSelected, model.CaseDeclined},
		Nominations:  s.authz.CanAnywhere(a.UserID, "case", "nominate") || s.authz.CanAnywhere(a.UserID, "case", "select")}
	for y := s.projectToday().Year(); y >= s.projectToday().Year()-5; y-- {
		page.Years = append(page.Years, y)
	}
	title := s.cat.T(loc, "menu.cases")
	v := s.view(c, title, Crumb{Label: s.cat.T(loc, "menu.group.projects")}, Crumb{Label: title})
	v.Data = page
	return s.page(c, http.StatusOK, "cases/list", v)
}

// caseSelectForm is the selection as typed.
type caseSelectForm struct{ Level, WriteUp string }

// caseShowPage is the Data of cases/show.
type caseShowPage struct {
	Levels    []string
	C         *store.CaseRow
	Dicts     *projectDicts
	WriteUp   []string
	CanSelect bool
	// CanProject: the user may open the project's page.
	CanProject bool
	Form       caseSelectForm
	Errors     map[string]string
}

// Points is a score for the catalog's %d (0 for none).
func (caseShowPage) Points(score *int) int { return projectPoints(score) }

func (s *Server) caseShow(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	return s.renderCaseShow(c, http.StatusOK, id, caseShowPage{})
}

func (s *Server) renderCaseShow(c echo.Context, status int, id int64, p caseShowPage) error {
	ctx, loc, a := c.Request().Context(), Locale(c), actor(c)
	cs, err := s.projectService().Case(ctx, a, id)
	if err != nil {
		return err
	}
	if p.Dicts, err = s.projectDicts(ctx, loc); err != nil {
		return err
	}
	p.C, p.WriteUp = cs, projectParagraphs(cs.WriteUp)
	for _, l := range caseLevels { // only the levels the project's grade allows (最佳 needs 优)
		if model.CaseLevelFits(l, cs.Grade) {
			p.Levels = append(p.Levels, l)
		}
	}
	p.CanSelect = cs.Status == model.CaseNominated && s.authz.Can(a.UserID, authz.ChainAlliance(cs.AllianceID, cs.DistrictID), "case", "select")
	if _, err := s.projectService().Get(ctx, a, cs.ProjectID); err == nil {
		p.CanProject = true
	} else if !errors.Is(err, model.ErrNotFound) && !errors.Is(err, model.ErrForbidden) {
		return err
	}
	if p.Form.WriteUp == "" && p.Errors == nil {
		p.Form.WriteUp = cs.WriteUp
	}
	if p.Form.Level == "" {
		p.Form.Level = cs.Level
	}
	v := s.view(c, cs.ProjectTitle, Crumb{Label: s.cat.T(loc, "menu.cases"), URL: "/cases"}, Crumb{Label: cs.ProjectTitle})
	v.Data = p
	return s.page(c, status, "cases/show", v)
}

func (s *Server) caseDecide(selected bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := pathID(c, "id")
		if err != nil {
			return err
		}
		version := formVersion(c)
		f := caseSelectForm{Level: c.FormValue("level"), WriteUp: c.FormValue("write_up")}
		_, err = s.projectService().Select(c.Request().Context(), actor(c), id, selected,
			service.CaseInput{Level: f.Level, WriteUp: f.WriteUp, Version: version})
		var ve *model.ValidationError
		switch {
		case errors.As(err, &ve):
			return s.renderCaseShow(c, http.StatusUnprocessableEntity, id, caseShowPage{Form: f, Errors: s.fieldMessages(Locale(c), ve)})
		case errors.Is(err, model.ErrConflict):
			return s.renderCaseShow(c, http.StatusConflict, id, caseShowPage{Form: f, Errors: map[string]string{"version": s.staleMessage(c, err)}})
		case s.projectFlashError(c, err):
			return c.Redirect(http.StatusSeeOther, "/cases/"+strconv.FormatInt(id, 10))
		case err != nil:
			return err
		}
		key := "case.declined_done"
		if selected {
			key = "case.selected_done"
		}
		s.flash(c, "success", key)
		return c.Redirect(http.StatusSeeOther, "/cases/"+strconv.FormatInt(id, 10))
	}
}

// caseLevels lists the levels a selection offers.
var caseLevels = []string{model.CaseLevelBest, model.CaseLevelExcellent}
