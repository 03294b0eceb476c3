package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"tongxin/internal/authz"
	"tongxin/internal/model"
	"tongxin/internal/report"
	"tongxin/internal/service"
	"tongxin/internal/store"
)

// Needs (需求清单) as pages: list with search, filters and export, new and
// edit forms (a stale edit shows both versions), the detail page with the
// owner's actions (发布, 编辑, 关闭) and the places where claims (B) and
// matching suggestions (the lead) load. The JSON API is in needs_api.go.
// Helpers shared with resources.go are prefixed nr.

func (s *Server) needService() *service.Needs { return service.NewNeeds(s.deps()) }

// nrFilterMax is the longest a text filter may be (characters).
const nrFilterMax = 100

// nrOption is a dictionary code in the page's locale.
type nrOption struct {
	Code, Label string
	Active      bool
}

// nrDict reads a dictionary in the page's locale: its items (inactive ones
// too: old rows keep them) and the labels by code.
func (s *Server) nrDict(ctx context.Context, loc, kind string) ([]nrOption, map[string]string, error) {
	items, err := service.NewDictionaries(s.deps()).Items(ctx, kind, false)
	if err != nil {
		return nil, nil, err
	}
	out := make([]nrOption, 0, len(items))
	labels := make(map[string]string, len(items))
	for _, it := range items {
		l := service.ItemLabel(it, loc)
		out = append(out, nrOption{Code: it.Code, Label: l, Active: it.Active})
		labels[it.Code] = l
	}
	return out, labels, nil
}

// nrDicts are the three dictionaries of the lists.
type nrDicts struct {
	Categories, Kinds, Measures []nrOption
	category, kind, measure     map[string]string
}

func (d nrDicts) label(m map[string]string, code string) string {
	if l, ok := m[code]; ok {
		return l
	}
	return code
}

func (s *Server) nrDicts(ctx context.Context, loc string) (nrDicts, error) {
	var d nrDicts
	var err error
	if d.Categories, d.category, err = s.nrDict(ctx, loc, model.DictNeedCategory); err != nil {
		return d, err
	}
	if d.Kinds, d.kind, err = s.nrDict(ctx, loc, model.DictResourceKind); err != nil {
		return d, err
	}
	d.Measures, d.measure, err = s.nrDict(ctx, loc, model.DictMeasure)
	return d, err
}

// nrNumber reads a whole number as people type it (1,200 or 1200); "" is
// 0, anything else a message on field.
func nrNumber(ve *model.ValidationError, field, v string) int64 {
	v = strings.TrimSpace(strings.ReplaceAll(strings.ReplaceAll(v, ",", ""), "，", ""))
	if v == "" {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		ve.Add(field, "lists.bad_number")
		return 0
	}
	return n
}

// nrRef reads an optional id of a select ("" nil; a bad one a message).
func nrRef(ve *model.ValidationError, field, v, badKey string) *int64 {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil
	}
	id := allianceID(v)
	if id == 0 {
		ve.Add(field, badKey)
		return nil
	}
	return &id
}

func nrRefText(p *int64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatInt(*p, 10)
}

// nrPercent is accepted / total in whole percent (0–100).
func nrPercent(accepted, total int64) int {
	if total <= 0 || accepted <= 0 {
		return 0
	}
	if accepted >= total {
		return 100
	}
	return int(accepted * 100 / total)
}

func nrParagraphs(s string) []string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	return out
}

// nrText checks a text filter: too long or with control characters it is
// dropped (a page) or refused (the API).
func nrText(ve *model.ValidationError, api bool, field string, v *string) {
	*v = strings.TrimSpace(*v)
	if utf8.RuneCountInString(*v) > nrFilterMax || !utf8.ValidString(*v) || strings.ContainsFunc(*v, isControl) {
		if api {
			ve.AddArgs(field, model.MsgTooLong, nrFilterMax)
		}
		*v = ""
	}
}

// nrEnum keeps v when it is one of allowed; otherwise drops it (a page) or
// refuses it (the API).
func nrEnum(ve *model.ValidationError, api bool, field string, v *string, allowed []string) {
	*v = strings.TrimSpace(*v)
	if *v != "" && !slices.Contains(allowed, *v) {
		if api {
			ve.Add(field, "lists.bad_filter")
		}
		*v = ""
	}
}

// nrIDParam reads an id filter.
func nrIDParam(ve *model.ValidationError, api bool, c echo.Context, field string) int64 {
	v := strings.TrimSpace(c.QueryParam(field))
	if v == "" {
		return 0
	}
	id := allianceID(v)
	if id == 0 && api {
		ve.Add(field, "lists.bad_filter")
	}
	return id
}

// nrDayParam reads a date filter.
func nrDayParam(ve *model.ValidationError, api bool, c echo.Context, field string) (string, *time.Time) {
	v := strings.TrimSpace(c.QueryParam(field))
	if v == "" {
		return "", nil
	}
	t, err := time.Parse(time.DateOnly, v)
	if err != nil {
		if api {
			ve.Add(field, model.MsgBadDate)
		}
		return "", nil
	}
	return v, &t
}

func nrBool(v string) bool { return v == "1" || v == "true" || v == "on" }

// nrStale is one field of a stale edit: what the user typed beside what
// another person saved meanwhile.
type nrStale struct {
	Label, Mine, Theirs string
}

// ---- 需求列表 ----

// needQuery is the list's filter as typed; it goes back into the form.
type needQuery struct {
	Q, Status, Category, Coverage, Visibility, WantedFrom, WantedTo string
	StreetID, UnitID, AllianceID, DistrictID                        int64
	Mine                                                            bool
	f                                                               store.NeedFilter
}

// Active reports a filter that narrows the list.
func (q needQuery) Active() bool {
	return q.Q != "" || q.Status != "" || q.Category != "" || q.Coverage != "" || q.Visibility != "" || q.WantedFrom != "" ||
		q.WantedTo != "" || q.StreetID != 0 || q.UnitID != 0 || q.AllianceID != 0 || q.DistrictID != 0 || q.Mine
}

// MoreOpen reports a filter set behind 更多筛选.
func (q needQuery) MoreOpen() bool {
	return q.Visibility != "" || q.WantedFrom != "" || q.WantedTo != "" || q.UnitID != 0 || q.AllianceID != 0 || q.DistrictID != 0
}

// readNeedQuery reads the filter from the URL: q, status, category,
// coverage, visibility, street_id, unit_id, alliance_id, district_id,
// wanted_from, wanted_to, mine. A page drops what it does not understand;
// the API answers 400 naming the parameter.
func readNeedQuery(c echo.Context) (needQuery, error) {
	api := IsAPI(c)
	ve := &model.ValidationError{}
	q := needQuery{Q: c.QueryParam("q"), Status: c.QueryParam("status"), Category: c.QueryParam("category"),
		Coverage: c.QueryParam("coverage"), Visibility: c.QueryParam("visibility"), Mine: nrBool(c.QueryParam("mine"))}
	nrText(ve, api, "q", &q.Q)
	nrText(ve, api, "category", &q.Category)
	nrEnum(ve, api, "status", &q.Status, model.NeedStatuses)
	nrEnum(ve, api, "coverage", &q.Coverage, []string{model.CoverageNone, model.CoveragePartial, model.CoverageComplete})
	nrEnum(ve, api, "visibility", &q.Visibility, model.Visibilities)
	q.StreetID = nrIDParam(ve, api, c, "street_id")
	q.UnitID = nrIDParam(ve, api, c, "unit_id")
	q.AllianceID = nrIDParam(ve, api, c, "alliance_id")
	q.DistrictID = nrIDParam(ve, api, c, "district_id")
	var from, to *time.Time
	q.WantedFrom, from = nrDayParam(ve, api, c, "wanted_from")
	q.WantedTo, to = nrDayParam(ve, api, c, "wanted_to")
	q.f = store.NeedFilter{Query: q.Q, Status: q.Status, Category: q.Category, Coverage: q.Coverage, Visibility: q.Visibility,
		StreetID: q.StreetID, UnitID: q.UnitID, AllianceID: q.AllianceID, DistrictID: q.DistrictID, WantedFrom: from, WantedTo: to, Mine: q.Mine}
	return q, ve.Err()
}

// needItem is a list row with its labels and derived values.
type needItem struct {
	store.NeedRow
	CategoryLabel, MeasureLabel, Coverage string
	Percent                               int
	Remaining                             int64
}

func (s *Server) needItem(d nrDicts, r *store.NeedRow) needItem {
	return needItem{NeedRow: *r, CategoryLabel: d.label(d.category, r.Category), MeasureLabel: d.label(d.measure, r.Measure),
		Coverage: r.Need.Coverage(), Percent: nrPercent(r.AcceptedQuantity, r.Quantity), Remaining: r.Need.Remaining()}
}

// nrFilterOptions are the choices of the filters that are not dictionaries.
type nrFilterOptions struct {
	Streets   []model.Street
	Districts []model.District // shown when the viewer reads several
}

// nrFilterOptions offers the streets of the districts the viewer reads.
func (s *Server) nrFilterOptions(ctx context.Context, v store.ListViewer) (nrFilterOptions, error) {
	var o nrFilterOptions
	all, err := s.db.Districts(ctx)
	if err != nil {
		return o, err
	}
	var ds []int64
	if v.Own.All || v.Read.All {
		ds = nil
		o.Districts = all
	} else {
		ds = append(append(append([]int64{}, v.Read.Districts...), v.Own.Districts...), v.UnitDistricts...)
		if len(v.Read.Alliances)+len(v.Own.Alliances)+len(v.UnitAlliances) > 0 {
			m, err := s.db.UnitAllianceDistricts(ctx, append(append(append([]int64{}, v.Read.Alliances...), v.Own.Alliances...), v.UnitAlliances...))
			if err != nil {
				return o, err
			}
			for _, d := range m {
				ds = append(ds, d)
			}
		}
		slices.Sort(ds)
		ds = slices.Compact(ds)
		if len(ds) > 1 {
			for _, d := range all {
				if slices.Contains(ds, d.ID) {
					o.Districts = append(o.Districts, d)
				}
			}
		}
		if len(ds) == 0 {
			return o, nil
		}
	}
	o.Streets, err = s.db.StreetOptions(ctx, ds, false)
	return o, err
}

// needsPage is the Data of needs/list.
type needsPage struct {
	Filter    needQuery
	Items     []needItem
	List      *ListView
	Dicts     nrDicts
	Opts      nrFilterOptions
	Statuses  []string
	CanCreate bool
	CanImport bool
}

func (s *Server) needsList(c echo.Context) error {
	req, err := pageRequest(c, store.NeedSortKeys())
	if err != nil {
		return err
	}
	q, _ := readNeedQuery(c)
	ctx, loc, svc, a := c.Request().Context(), Locale(c), s.needService(), actor(c)
	l, err := svc.List(ctx, a, q.f, req)
	var bad *model.ValidationError
	if errors.As(err, &bad) { // a stale or forged cursor: start again
		req.After, req.Before = "", ""
		l, err = svc.List(ctx, a, q.f, req)
	}
	if err != nil {
		return err
	}
	d, err := s.nrDicts(ctx, loc)
	if err != nil {
		return err
	}
	v, err := svc.Viewer(ctx, a)
	if err != nil {
		return err
	}
	page := needsPage{Filter: q, List: newListView(c, req, l, "/needs/export"), Dicts: d, Statuses: model.NeedStatuses,
		CanCreate: svc.CanCreate(a), CanImport: svc.CanImport(a) && s.routeExists("GET /imports/template/needs.xlsx")}
	if page.Opts, err = s.nrFilterOptions(ctx, v); err != nil {
		return err
	}
	page.Items = make([]needItem, 0, len(l.Items))
	for i := range l.Items {
		page.Items = append(page.Items, s.needItem(d, &l.Items[i]))
	}
	title := s.cat.T(loc, "menu.needs")
	vw := s.view(c, title, Crumb{Label: s.cat.T(loc, "menu.group.lists")}, Crumb{Label: title})
	vw.Data = page
	return s.page(c, http.StatusOK, "needs/list", vw)
}

// routeExists reports a registered route ("GET /path").
func (s *Server) routeExists(key string) bool {
	_, ok := s.perms[key]
	return ok
}

func (s *Server) needsExport(c echo.Context) error {
	format, err := report.ParseFormat(c.QueryParam("format"))
	if err != nil {
		return (&model.ValidationError{}).Add("format", "list.bad_format")
	}
	req, err := pageRequest(c, store.NeedSortKeys())
	if err != nil {
		return err
	}
	q, _ := readNeedQuery(c)
	ctx, loc := c.Request().Context(), Locale(c)
	d, err := s.nrDicts(ctx, loc)
	if err != nil {
		return err
	}
	T := func(k string, args ...any) string { return s.cat.T(loc, k, args...) }
	cols := []report.Column{
		{Header: "ID", Width: 8}, {Header: T("need.title"), Width: 30}, {Header: T("need.category"), Width: 12},
		{Header: T("need.status"), Width: 10}, {Header: T("need.alliance"), Width: 28}, {Header: T("need.submitter_unit"), Width: 28},
		{Header: T("need.street"), Width: 14}, {Header: T("need.grid"), Width: 14}, {Header: T("need.quantity"), Width: 10},
		{Header: T("need.measure"), Width: 8}, {Header: T("need.accepted"), Width: 10}, {Header: T("need.coverage"), Width: 10},
		{Header: T("need.beneficiaries"), Width: 10}, {Header: T("need.wanted_by"), Width: 12}, {Header: T("lists.visibility"), Width: 10},
		{Header: T("need.created_at"), Width: 18}, {Header: T("need.description"), Width: 40},
	}
	return s.streamExport(c, format, T("menu.needs"), cols, func(w report.Writer) error {
		return s.needService().Each(ctx, actor(c), q.f, req, func(n *store.NeedRow) error {
			return w.WriteRow(n.ID, n.Title, d.label(d.category, n.Category), T("need.status."+n.Status), n.AllianceName,
				n.SubmitterUnitName, n.StreetName, n.GridName, n.Quantity, d.label(d.measure, n.Measure), n.AcceptedQuantity,
				T("lists.coverage."+n.Need.Coverage()), n.Beneficiaries, allianceDayText(n.WantedBy), T("lists.visibility."+n.Visibility),
				fmtDateTime(n.CreatedAt), n.Description)
		})
	})
}

// ---- 新增 / 编辑需求 ----

// needForm is the Data of needs/form: what was typed, the choices and the
// messages; Stale lists the fields someone else changed meanwhile.
type needForm struct {
	ID                                                 int64
	AllianceID, SubmitterUnitID                        string
	Title, Description, Category, ResourceKind         string
	StreetID, GridID, Quantity, Measure, Beneficiaries string
	WantedBy, Visibility                               string
	Version                                            int
	AllianceName, SubmitterUnitName, StatusLabel       string
	Dicts                                              nrDicts
	Opts                                               service.ListFormOptions
	Visibilities                                       []string
	Errors                                             map[string]string
	Stale                                              []nrStale
	Today                                              string
	NoOwners                                           bool
}

func needFormFrom(c echo.Context) needForm {
	version := formVersion(c)
	tr := func(k string) string { return strings.TrimSpace(c.FormValue(k)) }
	return needForm{AllianceID: tr("alliance_id"), SubmitterUnitID: tr("submitter_unit_id"), Title: c.FormValue("title"),
		Description: c.FormValue("description"), Category: tr("category"), ResourceKind: tr("resource_kind"), StreetID: tr("street_id"),
		GridID: tr("grid_id"), Quantity: tr("quantity"), Measure: tr("measure"), Beneficiaries: tr("beneficiaries"),
		WantedBy: tr("wanted_by"), Visibility: tr("visibility"), Version: version}
}

func (f needForm) input(ve *model.ValidationError) service.NeedInput {
	return service.NeedInput{AllianceID: allianceID(f.AllianceID), SubmitterUnitID: allianceID(f.SubmitterUnitID), Title: f.Title,
		Description: f.Description, Category: f.Category, ResourceKind: f.ResourceKind,
		StreetID: nrRef(ve, "street_id", f.StreetID, "lists.bad_street"), GridID: nrRef(ve, "grid_id", f.GridID, "lists.bad_grid"),
		Quantity: nrNumber(ve, "quantity", f.Quantity), Measure: f.Measure, Beneficiaries: nrNumber(ve, "beneficiaries", f.Beneficiaries),
		WantedBy: allianceParseDay(ve, "wanted_by", f.WantedBy), Visibility: f.Visibility, Version: f.Version}
}

func needFormOf(n *store.NeedRow) needForm {
	f := needForm{ID: n.ID, AllianceID: fmt.Sprint(n.AllianceID), SubmitterUnitID: fmt.Sprint(n.SubmitterUnitID), Title: n.Title,
		Description: n.Description, Category: n.Category, ResourceKind: n.ResourceKind, StreetID: nrRefText(n.StreetID),
		GridID: nrRefText(n.GridID), Quantity: fmt.Sprint(n.Quantity), Measure: n.Measure, Beneficiaries: fmt.Sprint(n.Beneficiaries),
		WantedBy: allianceDayText(n.WantedBy), Visibility: n.Visibility, Version: n.Version,
		AllianceName: n.AllianceName, SubmitterUnitName: n.SubmitterUnitName}
	if f.Beneficiaries == "0" {
		f.Beneficiaries = ""
	}
	return f
}

func (s *Server) renderNeedForm(c echo.Context, status int, f needForm, cur *store.NeedRow, ve *model.ValidationError) error {
	ctx, loc, svc := c.Request().Context(), Locale(c), s.needService()
	var err error
	if f.Dicts, err = s.nrDicts(ctx, loc); err != nil {
		return err
	}
	var n *model.Need
	if cur != nil {
		n = &cur.Need
		f.AllianceName, f.SubmitterUnitName, f.StatusLabel = cur.AllianceName, cur.SubmitterUnitName, s.cat.T(loc, "need.status."+cur.Status)
	}
	if f.Opts, err = svc.FormOptions(ctx, actor(c), n); err != nil {
		return err
	}
	if f.ID == 0 {
		f.NoOwners = len(f.Opts.Units) == 0
		if f.AllianceID == "" && len(f.Opts.Alliances) == 1 {
			f.AllianceID = fmt.Sprint(f.Opts.Alliances[0].ID)
		}
		if f.SubmitterUnitID == "" && len(f.Opts.Units) == 1 {
			f.SubmitterUnitID = fmt.Sprint(f.Opts.Units[0].ID)
		}
	}
	if f.Visibility == "" {
		f.Visibility = model.VisibleAlliance
	}
	f.Visibilities = model.Visibilities
	if ve != nil {
		if f.Errors == nil {
			f.Errors = map[string]string{}
		}
		for k, m := range s.fieldMessages(loc, ve) {
			f.Errors[k] = m
		}
	}
	f.Today = service.AllianceToday(s.db.Now()).Format(time.DateOnly)
	title := s.cat.T(loc, "need.new")
	crumbs := []Crumb{{Label: s.cat.T(loc, "menu.needs"), URL: "/needs"}}
	if f.ID != 0 {
		title = s.cat.T(loc, "need.edit")
		crumbs = append(crumbs, Crumb{Label: cur.Title, URL: fmt.Sprintf("/needs/%d", f.ID)})
	}
	v := s.view(c, title, append(crumbs, Crumb{Label: title})...)
	v.Data = f
	return s.page(c, status, "needs/form", v)
}

func (s *Server) needNew(c echo.Context) error {
	return s.renderNeedForm(c, http.StatusOK, needForm{Visibility: model.VisibleAlliance}, nil, nil)
}

func (s *Server) needCreate(c echo.Context) error {
	f := needFormFrom(c)
	ve := &model.ValidationError{}
	in := f.input(ve)
	if ve.Err() != nil {
		return s.renderNeedForm(c, http.StatusUnprocessableEntity, f, nil, ve)
	}
	n, err := s.needService().Create(c.Request().Context(), actor(c), in)
	if errors.As(err, &ve) {
		return s.renderNeedForm(c, http.StatusUnprocessableEntity, f, nil, ve)
	}
	if err != nil {
		return err
	}
	s.flash(c, "success", "need.created")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/needs/%d", n.ID))
}

func (s *Server) needEdit(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	svc := s.needService()
	n, err := svc.Get(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	if !svc.Perms(actor(c), &n.Need).Owner {
		return model.ErrForbidden
	}
	if _, err := model.NeedTransition(model.ListActionEdit, n.Status); err != nil {
		return err
	}
	return s.renderNeedForm(c, http.StatusOK, needFormOf(n), n, nil)
}

func (s *Server) needUpdate(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx, svc, loc := c.Request().Context(), s.needService(), Locale(c)
	// The object first: one outside the caller's sight answers 404 whatever was posted.
	cur, err := svc.Get(ctx, actor(c), id)
	if err != nil {
		return err
	}
	f := needFormFrom(c)
	f.ID = id
	ve := &model.ValidationError{}
	in := f.input(ve)
	if ve.Err() != nil {
		if !svc.Perms(actor(c), &cur.Need).Owner {
			return model.ErrForbidden
		}
		return s.renderNeedForm(c, http.StatusUnprocessableEntity, f, cur, ve)
	}
	_, err = svc.Update(ctx, actor(c), id, in)
	switch {
	case errors.As(err, &ve):
		return s.renderNeedForm(c, http.StatusUnprocessableEntity, f, cur, ve)
	case errors.Is(err, model.ErrConflict):
		// Someone saved first: the form again with what this user typed,
		// and beside it what is stored now; saving again keeps theirs.
		now, gerr := svc.Get(ctx, actor(c), id)
		if gerr != nil {
			return gerr
		}
		f.Version = now.Version
		f.Stale = s.needStale(ctx, loc, f, now)
		f.Errors = map[string]string{"_stale": s.cat.T(loc, "lists.stale")}
		return s.renderNeedForm(c, http.StatusConflict, f, now, nil)
	case err != nil:
		return err
	}
	s.flash(c, "success", "form.saved")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/needs/%d", id))
}

// needStale lists the fields where what the user typed differs from what
// is stored now, with both values as people read them.
func (s *Server) needStale(ctx context.Context, loc string, f needForm, now *store.NeedRow) []nrStale {
	d, err := s.nrDicts(ctx, loc)
	if err != nil {
		return nil
	}
	theirs := needFormOf(now)
	T := func(k string) string { return s.cat.T(loc, k) }
	lab := func(m map[string]string) func(string) string { return func(c string) string { return d.label(m, c) } }
	same := func(x string) string { return x }
	vis := func(c string) string { return T("lists.visibility." + c) }
	var out []nrStale
	add := func(label, mine, their string, show func(string) string) {
		if strings.TrimSpace(mine) != strings.TrimSpace(their) {
			out = append(out, nrStale{Label: label, Mine: show(strings.TrimSpace(mine)), Theirs: show(strings.TrimSpace(their))})
		}
	}
	add(T("need.title"), f.Title, theirs.Title, same)
	add(T("need.category"), f.Category, theirs.Category, lab(d.category))
	add(T("need.resource_kind"), f.ResourceKind, theirs.ResourceKind, lab(d.kind))
	add(T("need.quantity"), f.Quantity, theirs.Quantity, same)
	add(T("need.measure"), f.Measure, theirs.Measure, lab(d.measure))
	add(T("need.beneficiaries"), f.Beneficiaries, theirs.Beneficiaries, same)
	add(T("need.wanted_by"), f.WantedBy, theirs.WantedBy, same)
	add(T("lists.visibility"), f.Visibility, theirs.Visibility, vis)
	if f.StreetID != theirs.StreetID {
		out = append(out, nrStale{Label: T("need.street"), Mine: f.StreetID, Theirs: now.StreetName})
	}
	add(T("need.description"), f.Description, theirs.Description, same)
	return out
}

// ---- 需求详情 ----

// needShowPage is the Data of needs/show.
type needShowPage struct {
	N                                              *store.NeedRow
	CategoryLabel, ResourceKindLabel, MeasureLabel string
	Coverage                                       string
	Percent                                        int
	Remaining                                      int64
	Description                                    []string
	Perms                                          service.NeedPerms
	Reason                                         string
	Errors                                         map[string]string
	ClaimForm                                      bool // B's claim form exists
	// CanDraft shows 立项草稿: the user may draft a project from the need now.
	CanDraft bool
	// DraftMissing says, to who could draft, why 立项草稿 is not offered
	// (service.DraftNoClaim, DraftOpenProject; "" otherwise).
	DraftMissing string
	// Want is the form a header button asked to open (?action=close: works
	// without JavaScript).
	Want string
}

func (s *Server) needShow(c echo.Context) error {
	return s.renderNeedShow(c, http.StatusOK, "", nil)
}

func (s *Server) renderNeedShow(c echo.Context, status int, reason string, ve *model.ValidationError) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx, loc, svc := c.Request().Context(), Locale(c), s.needService()
	n, err := svc.Get(ctx, actor(c), id)
	if err != nil {
		return err
	}
	d, err := s.nrDicts(ctx, loc)
	if err != nil {
		return err
	}
	p := needShowPage{N: n, CategoryLabel: d.label(d.category, n.Category), MeasureLabel: d.label(d.measure, n.Measure),
		Coverage: n.Need.Coverage(), Percent: nrPercent(n.AcceptedQuantity, n.Quantity), Remaining: n.Need.Remaining(),
		Description: nrParagraphs(n.Description), Perms: svc.Perms(actor(c), &n.Need), Reason: reason,
		ClaimForm: s.routeExists("GET /needs/:id/claim"), Want: c.QueryParam("action")}
	if n.ResourceKind != "" {
		p.ResourceKindLabel = d.label(d.kind, n.ResourceKind)
	}
	// Only a secretary of the alliance may draft, and only from an open need
	// with accepted claims: the casbin check spares the others the queries.
	open := n.Status == model.NeedPublished || n.Status == model.NeedPartlyClaimed || n.Status == model.NeedClaimed
	if open && s.authz.Can(actor(c).UserID, authz.ChainAlliance(n.AllianceID, n.DistrictID), "project", "create") {
		st, err := service.NewProjectDrafts(s.deps()).DraftState(ctx, actor(c), n.ID)
		if err != nil {
			return err
		}
		p.CanDraft = st == service.DraftReady
		if !p.CanDraft {
			p.DraftMissing = st
		}
	}
	if ve != nil {
		p.Errors = s.fieldMessages(loc, ve)
	}
	v := s.view(c, n.Title, Crumb{Label: s.cat.T(loc, "menu.needs"), URL: "/needs"}, Crumb{Label: n.Title})
	v.Data = p
	return s.page(c, status, "needs/show", v)
}

func (s *Server) needPublish(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	version := formVersion(c)
	if _, err := s.needService().Publish(c.Request().Context(), actor(c), id, version); err != nil {
		return err
	}
	s.flash(c, "success", "need.published")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/needs/%d", id))
}

func (s *Server) needClose(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	version := formVersion(c)
	reason := c.FormValue("reason")
	_, err = s.needService().Close(c.Request().Context(), actor(c), id, version, reason)
	var ve *model.ValidationError
	if errors.As(err, &ve) {
		return s.renderNeedShow(c, http.StatusUnprocessableEntity, reason, ve)
	}
	if err != nil {
		return err
	}
	s.flash(c, "success", "need.closed_done")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/needs/%d", id))
}
