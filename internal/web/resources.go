package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"tongxin/internal/model"
	"tongxin/internal/report"
	"tongxin/internal/service"
	"tongxin/internal/store"
)

// Resources (资源清单) as pages, like needs.go: list, forms, detail with the
// owner's actions (发布, 编辑, 撤回). The JSON API is in resources_api.go.

func (s *Server) resourceService() *service.Resources { return service.NewResources(s.deps()) }

// ---- 资源列表 ----

// resourceQuery is the list's filter as typed.
type resourceQuery struct {
	Q, Status, Kind, Category, Visibility, From, To string
	StreetID, UnitID, AllianceID, DistrictID        int64
	Mine, HasRemaining                              bool
	f                                               store.ResourceFilter
}

// Active reports a filter that narrows the list.
func (q resourceQuery) Active() bool {
	return q.Q != "" || q.Status != "" || q.Kind != "" || q.Category != "" || q.Visibility != "" || q.From != "" || q.To != "" ||
		q.StreetID != 0 || q.UnitID != 0 || q.AllianceID != 0 || q.DistrictID != 0 || q.Mine || q.HasRemaining
}

// MoreOpen reports a filter set behind 更多筛选.
func (q resourceQuery) MoreOpen() bool {
	return q.Category != "" || q.Visibility != "" || q.From != "" || q.To != "" || q.UnitID != 0 || q.AllianceID != 0 || q.DistrictID != 0
}

// readResourceQuery reads the filter from the URL: q, status, kind,
// category, visibility, street_id, unit_id, alliance_id, district_id,
// available_from, available_to (resources available on some day of the
// range), has_remaining, mine.
func readResourceQuery(c echo.Context) (resourceQuery, error) {
	api := IsAPI(c)
	ve := &model.ValidationError{}
	q := resourceQuery{Q: c.QueryParam("q"), Status: c.QueryParam("status"), Kind: c.QueryParam("kind"), Category: c.QueryParam("category"),
		Visibility: c.QueryParam("visibility"), Mine: nrBool(c.QueryParam("mine")), HasRemaining: nrBool(c.QueryParam("has_remaining"))}
	nrText(ve, api, "q", &q.Q)
	nrText(ve, api, "kind", &q.Kind)
	nrText(ve, api, "category", &q.Category)
	nrEnum(ve, api, "status", &q.Status, model.ResourceStatuses)
	nrEnum(ve, api, "visibility", &q.Visibility, model.Visibilities)
	q.StreetID = nrIDParam(ve, api, c, "street_id")
	q.UnitID = nrIDParam(ve, api, c, "unit_id")
	q.AllianceID = nrIDParam(ve, api, c, "alliance_id")
	q.DistrictID = nrIDParam(ve, api, c, "district_id")
	var from, to *time.Time
	q.From, from = nrDayParam(ve, api, c, "available_from")
	q.To, to = nrDayParam(ve, api, c, "available_to")
	q.f = store.ResourceFilter{Query: q.Q, Status: q.Status, Kind: q.Kind, Category: q.Category, Visibility: q.Visibility,
		StreetID: q.StreetID, UnitID: q.UnitID, AllianceID: q.AllianceID, DistrictID: q.DistrictID, AvailableFrom: from, AvailableTo: to,
		HasRemaining: q.HasRemaining, Mine: q.Mine}
	return q, ve.Err()
}

// resourceItem is a list row with its labels and derived values.
type resourceItem struct {
	store.ResourceRow
	KindLabel, CategoryLabel, MeasureLabel string
	Percent                                int // share taken
	Remaining                              int64
}

func (s *Server) resourceItem(d nrDicts, r *store.ResourceRow) resourceItem {
	it := resourceItem{ResourceRow: *r, KindLabel: d.label(d.kind, r.Kind), MeasureLabel: d.label(d.measure, r.Measure),
		Percent: nrPercent(r.AcceptedQuantity, r.Capacity), Remaining: r.Resource.Remaining()}
	if r.Category != "" {
		it.CategoryLabel = d.label(d.category, r.Category)
	}
	return it
}

// resourcesPage is the Data of resources/list.
type resourcesPage struct {
	Filter    resourceQuery
	Items     []resourceItem
	List      *ListView
	Dicts     nrDicts
	Opts      nrFilterOptions
	Statuses  []string
	CanCreate bool
	CanImport bool
}

func (s *Server) resourcesList(c echo.Context) error {
	req, err := pageRequest(c, store.ResourceSortKeys())
	if err != nil {
		return err
	}
	q, _ := readResourceQuery(c)
	ctx, loc, svc, a := c.Request().Context(), Locale(c), s.resourceService(), actor(c)
	l, err := svc.List(ctx, a, q.f, req)
	var bad *model.ValidationError
	if errors.As(err, &bad) {
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
	page := resourcesPage{Filter: q, List: newListView(c, req, l, "/resources/export"), Dicts: d, Statuses: model.ResourceStatuses,
		CanCreate: svc.CanCreate(a), CanImport: svc.CanImport(a) && s.routeExists("GET /imports/template/resources.xlsx")}
	if page.Opts, err = s.nrFilterOptions(ctx, v); err != nil {
		return err
	}
	page.Items = make([]resourceItem, 0, len(l.Items))
	for i := range l.Items {
		page.Items = append(page.Items, s.resourceItem(d, &l.Items[i]))
	}
	title := s.cat.T(loc, "menu.resources")
	vw := s.view(c, title, Crumb{Label: s.cat.T(loc, "menu.group.lists")}, Crumb{Label: title})
	vw.Data = page
	return s.page(c, http.StatusOK, "resources/list", vw)
}

func (s *Server) resourcesExport(c echo.Context) error {
	format, err := report.ParseFormat(c.QueryParam("format"))
	if err != nil {
		return (&model.ValidationError{}).Add("format", "list.bad_format")
	}
	req, err := pageRequest(c, store.ResourceSortKeys())
	if err != nil {
		return err
	}
	q, _ := readResourceQuery(c)
	ctx, loc := c.Request().Context(), Locale(c)
	d, err := s.nrDicts(ctx, loc)
	if err != nil {
		return err
	}
	T := func(k string, args ...any) string { return s.cat.T(loc, k, args...) }
	cols := []report.Column{
		{Header: "ID", Width: 8}, {Header: T("resource.title"), Width: 30}, {Header: T("resource.kind"), Width: 10},
		{Header: T("resource.category"), Width: 12}, {Header: T("resource.status"), Width: 10}, {Header: T("resource.alliance"), Width: 28},
		{Header: T("resource.provider_unit"), Width: 28}, {Header: T("resource.service_site"), Width: 24}, {Header: T("resource.street"), Width: 14},
		{Header: T("resource.capacity"), Width: 10}, {Header: T("resource.measure"), Width: 8}, {Header: T("resource.accepted"), Width: 10},
		{Header: T("resource.remaining"), Width: 10}, {Header: T("resource.available_from"), Width: 12}, {Header: T("resource.available_until"), Width: 12},
		{Header: T("lists.visibility"), Width: 10}, {Header: T("resource.created_at"), Width: 18}, {Header: T("resource.description"), Width: 40},
	}
	return s.streamExport(c, format, T("menu.resources"), cols, func(w report.Writer) error {
		return s.resourceService().Each(ctx, actor(c), q.f, req, func(r *store.ResourceRow) error {
			cat := ""
			if r.Category != "" {
				cat = d.label(d.category, r.Category)
			}
			return w.WriteRow(r.ID, r.Title, d.label(d.kind, r.Kind), cat, T("resource.status."+r.Status), r.AllianceName,
				r.ProviderUnitName, r.ServiceSiteName, r.StreetName, r.Capacity, d.label(d.measure, r.Measure), r.AcceptedQuantity,
				r.Resource.Remaining(), allianceDayText(r.AvailableFrom), allianceDayText(r.AvailableUntil), T("lists.visibility."+r.Visibility),
				fmtDateTime(r.CreatedAt), r.Description)
		})
	})
}

// ---- 新增 / 编辑资源 ----

// resourceForm is the Data of resources/form.
type resourceForm struct {
	ID                                                int64
	AllianceID, ProviderUnitID                        string
	Title, Description, Kind, Category, ServiceSiteID string
	StreetID, Capacity, Measure, AvailableFrom, Until string
	Visibility                                        string
	Version                                           int
	AllianceName, ProviderUnitName, StatusLabel       string
	Dicts                                             nrDicts
	Opts                                              service.ListFormOptions
	Visibilities                                      []string
	Errors                                            map[string]string
	Stale                                             []nrStale
	Today                                             string
	NoOwners                                          bool
}

func resourceFormFrom(c echo.Context) resourceForm {
	version := formVersion(c)
	tr := func(k string) string { return strings.TrimSpace(c.FormValue(k)) }
	return resourceForm{AllianceID: tr("alliance_id"), ProviderUnitID: tr("provider_unit_id"), Title: c.FormValue("title"),
		Description: c.FormValue("description"), Kind: tr("kind"), Category: tr("category"), ServiceSiteID: tr("service_site_id"),
		StreetID: tr("street_id"), Capacity: tr("capacity"), Measure: tr("measure"), AvailableFrom: tr("available_from"),
		Until: tr("available_until"), Visibility: tr("visibility"), Version: version}
}

func (f resourceForm) input(ve *model.ValidationError) service.ResourceInput {
	return service.ResourceInput{AllianceID: allianceID(f.AllianceID), ProviderUnitID: allianceID(f.ProviderUnitID), Title: f.Title,
		Description: f.Description, Kind: f.Kind, Category: f.Category,
		ServiceSiteID: nrRef(ve, "service_site_id", f.ServiceSiteID, "resource.bad_site"),
		StreetID:      nrRef(ve, "street_id", f.StreetID, "lists.bad_street"), Capacity: nrNumber(ve, "capacity", f.Capacity),
		Measure: f.Measure, AvailableFrom: allianceParseDay(ve, "available_from", f.AvailableFrom),
		AvailableUntil: allianceParseDay(ve, "available_until", f.Until), Visibility: f.Visibility, Version: f.Version}
}

func resourceFormOf(r *store.ResourceRow) resourceForm {
	return resourceForm{ID: r.ID, AllianceID: fmt.Sprint(r.AllianceID), ProviderUnitID: fmt.Sprint(r.ProviderUnitID), Title: r.Title,
		Description: r.Description, Kind: r.Kind, Category: r.Category, ServiceSiteID: nrRefText(r.ServiceSiteID),
		StreetID: nrRefText(r.StreetID), Capacity: fmt.Sprint(r.Capacity), Measure: r.Measure,
		AvailableFrom: allianceDayText(r.AvailableFrom), Until: allianceDayText(r.AvailableUntil), Visibility: r.Visibility,
		Version: r.Version, AllianceName: r.AllianceName, ProviderUnitName: r.ProviderUnitName}
}

func (s *Server) renderResourceForm(c echo.Context, status int, f resourceForm, cur *store.ResourceRow, ve *model.ValidationError) error {
	ctx, loc, svc := c.Request().Context(), Locale(c), s.resourceService()
	var err error
	if f.Dicts, err = s.nrDicts(ctx, loc); err != nil {
		return err
	}
	var r *model.Resource
	if cur != nil {
		r = &cur.Resource
		f.AllianceName, f.ProviderUnitName, f.StatusLabel = cur.AllianceName, cur.ProviderUnitName, s.cat.T(loc, "resource.status."+cur.Status)
	}
	if f.Opts, err = svc.FormOptions(ctx, actor(c), r); err != nil {
		return err
	}
	if f.ID == 0 {
		f.NoOwners = len(f.Opts.Units) == 0
		if f.AllianceID == "" && len(f.Opts.Alliances) == 1 {
			f.AllianceID = fmt.Sprint(f.Opts.Alliances[0].ID)
		}
		if f.ProviderUnitID == "" && len(f.Opts.Units) == 1 {
			f.ProviderUnitID = fmt.Sprint(f.Opts.Units[0].ID)
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
	title := s.cat.T(loc, "resource.new")
	crumbs := []Crumb{{Label: s.cat.T(loc, "menu.resources"), URL: "/resources"}}
	if f.ID != 0 {
		title = s.cat.T(loc, "resource.edit")
		crumbs = append(crumbs, Crumb{Label: cur.Title, URL: fmt.Sprintf("/resources/%d", f.ID)})
	}
	v := s.view(c, title, append(crumbs, Crumb{Label: title})...)
	v.Data = f
	return s.page(c, status, "resources/form", v)
}

func (s *Server) resourceNew(c echo.Context) error {
	return s.renderResourceForm(c, http.StatusOK, resourceForm{Visibility: model.VisibleAlliance}, nil, nil)
}

func (s *Server) resourceCreate(c echo.Context) error {
	f := resourceFormFrom(c)
	ve := &model.ValidationError{}
	in := f.input(ve)
	if ve.Err() != nil {
		return s.renderResourceForm(c, http.StatusUnprocessableEntity, f, nil, ve)
	}
	r, err := s.resourceService().Create(c.Request().Context(), actor(c), in)
	if errors.As(err, &ve) {
		return s.renderResourceForm(c, http.StatusUnprocessableEntity, f, nil, ve)
	}
	if err != nil {
		return err
	}
	s.flash(c, "success", "resource.created")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/resources/%d", r.ID))
}

func (s *Server) resourceEdit(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	svc := s.resourceService()
	r, err := svc.Get(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	if !svc.Perms(actor(c), &r.Resource).Owner {
		return model.ErrForbidden
	}
	if _, err := model.ResourceTransition(model.ListActionEdit, r.Status); err != nil {
		return err
	}
	return s.renderResourceForm(c, http.StatusOK, resourceFormOf(r), r, nil)
}

func (s *Server) resourceUpdate(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx, svc, loc := c.Request().Context(), s.resourceService(), Locale(c)
	cur, err := svc.Get(ctx, actor(c), id)
	if err != nil {
		return err
	}
	f := resourceFormFrom(c)
	f.ID = id
	ve := &model.ValidationError{}
	in := f.input(ve)
	if ve.Err() != nil {
		if !svc.Perms(actor(c), &cur.Resource).Owner {
			return model.ErrForbidden
		}
		return s.renderResourceForm(c, http.StatusUnprocessableEntity, f, cur, ve)
	}
	_, err = svc.Update(ctx, actor(c), id, in)
	switch {
	case errors.As(err, &ve):
		return s.renderResourceForm(c, http.StatusUnprocessableEntity, f, cur, ve)
	case errors.Is(err, model.ErrConflict):
		now, gerr := svc.Get(ctx, actor(c), id)
		if gerr != nil {
			return gerr
		}
		f.Version = now.Version
		f.Stale = s.resourceStale(ctx, loc, f, now)
		f.Errors = map[string]string{"_stale": s.cat.T(loc, "lists.stale")}
		return s.renderResourceForm(c, http.StatusConflict, f, now, nil)
	case err != nil:
		return err
	}
	s.flash(c, "success", "form.saved")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/resources/%d", id))
}

func (s *Server) resourceStale(ctx context.Context, loc string, f resourceForm, now *store.ResourceRow) []nrStale {
	d, err := s.nrDicts(ctx, loc)
	if err != nil {
		return nil
	}
	theirs := resourceFormOf(now)
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
	add(T("resource.title"), f.Title, theirs.Title, same)
	add(T("resource.kind"), f.Kind, theirs.Kind, lab(d.kind))
	add(T("resource.category"), f.Category, theirs.Category, lab(d.category))
	add(T("resource.capacity"), f.Capacity, theirs.Capacity, same)
	add(T("resource.measure"), f.Measure, theirs.Measure, lab(d.measure))
	add(T("resource.available_from"), f.AvailableFrom, theirs.AvailableFrom, same)
	add(T("resource.available_until"), f.Until, theirs.Until, same)
	add(T("lists.visibility"), f.Visibility, theirs.Visibility, vis)
	if f.ServiceSiteID != theirs.ServiceSiteID {
		out = append(out, nrStale{Label: T("resource.service_site"), Mine: f.ServiceSiteID, Theirs: now.ServiceSiteName})
	}
	add(T("resource.description"), f.Description, theirs.Description, same)
	return out
}

// ---- 资源详情 ----

// resourceShowPage is the Data of resources/show.
type resourceShowPage struct {
	R                                      *store.ResourceRow
	KindLabel, CategoryLabel, MeasureLabel string
	Percent                                int
	Remaining                              int64
	Description                            []string
	Perms                                  service.ResourcePerms
	Reason                                 string
	Errors                                 map[string]string
	ClaimForm                              bool
	// Want is the form a header button asked to open (?action=withdraw:
	// works without JavaScript).
	Want string
}

func (s *Server) resourceShow(c echo.Context) error {
	return s.renderResourceShow(c, http.StatusOK, "", nil)
}

func (s *Server) renderResourceShow(c echo.Context, status int, reason string, ve *model.ValidationError) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx, loc, svc := c.Request().Context(), Locale(c), s.resourceService()
	r, err := svc.Get(ctx, actor(c), id)
	if err != nil {
		return err
	}
	d, err := s.nrDicts(ctx, loc)
	if err != nil {
		return err
	}
	p := resourceShowPage{R: r, KindLabel: d.label(d.kind, r.Kind), MeasureLabel: d.label(d.measure, r.Measure),
		Percent: nrPercent(r.AcceptedQuantity, r.Capacity), Remaining: r.Resource.Remaining(), Description: nrParagraphs(r.Description),
		Perms: svc.Perms(actor(c), &r.Resource), Reason: reason, ClaimForm: s.routeExists("GET /resources/:id/claim"),
		Want: c.QueryParam("action")}
	if r.Category != "" {
		p.CategoryLabel = d.label(d.category, r.Category)
	}
	if ve != nil {
		p.Errors = s.fieldMessages(loc, ve)
	}
	v := s.view(c, r.Title, Crumb{Label: s.cat.T(loc, "menu.resources"), URL: "/resources"}, Crumb{Label: r.Title})
	v.Data = p
	return s.page(c, status, "resources/show", v)
}

func (s *Server) resourcePublish(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	version := formVersion(c)
	if _, err := s.resourceService().Publish(c.Request().Context(), actor(c), id, version); err != nil {
		return err
	}
	s.flash(c, "success", "resource.published")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/resources/%d", id))
}

func (s *Server) resourceWithdraw(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	version := formVersion(c)
	reason := c.FormValue("reason")
	_, err = s.resourceService().Withdraw(c.Request().Context(), actor(c), id, version, reason)
	var ve *model.ValidationError
	if errors.As(err, &ve) {
		return s.renderResourceShow(c, http.StatusUnprocessableEntity, reason, ve)
	}
	if err != nil {
		return err
	}
	s.flash(c, "success", "resource.withdrawn_done")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/resources/%d", id))
}
