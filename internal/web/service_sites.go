package web

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"tongxin/internal/model"
	"tongxin/internal/report"
	"tongxin/internal/service"
	"tongxin/internal/store"
)

// 党群服务阵地: list, export, detail, create, edit (versioned), deactivate, as
// pages and as /api/v1.

func (s *Server) siteService() *service.ServiceSites {
	return service.NewServiceSites(s.deps())
}

// siteKindLabels maps site_kind codes to their label in the locale.
func (s *Server) siteKindLabels(ctx context.Context, loc string) (map[string]string, []model.DictionaryItem, error) {
	kinds, err := s.siteService().Kinds(ctx)
	if err != nil {
		return nil, nil, err
	}
	out := make(map[string]string, len(kinds))
	for _, k := range kinds {
		out[k.Code] = dictLabel(loc, k)
	}
	return out, kinds, nil
}

func dictLabel(loc string, k model.DictionaryItem) string { return service.ItemLabel(k, loc) }

func siteFilter(q geoQuery) store.ServiceSiteFilter {
	return store.ServiceSiteFilter{DistrictID: q.DistrictID, StreetID: q.StreetID, Kind: q.Kind, Status: q.Status, Name: q.Name}
}

// readSiteQuery reads the site list's filter: the geo filter and grid_id
// (a grid's page links to its own sites); a bad grid_id is a 400 for the
// API and ignored by a page.
func readSiteQuery(c echo.Context) (geoQuery, store.ServiceSiteFilter, error) {
	q, err := readGeoQuery(c)
	if err != nil {
		return q, store.ServiceSiteFilter{}, err
	}
	f := siteFilter(q)
	if v := strings.TrimSpace(c.QueryParam("grid_id")); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			if IsAPI(c) {
				return q, f, (&model.ValidationError{}).Add("grid_id", "geo.bad_filter")
			}
			n = 0
		}
		f.GridID = n
	}
	return q, f, nil
}

// sitesPage is the Data of sites/list.
type sitesPage struct {
	Filter    geoQuery
	GridID    int64  // the grid_id filter (a grid's page links here)
	GridName  string // its name
	Items     []store.ServiceSiteRow
	List      *ListView
	Districts []model.District
	Streets   []model.Street
	Kinds     []geoOption
	KindLabel map[string]string
	Names     map[int64]string
	CanCreate bool
	CanEdit   func(districtID int64) bool
}

func (s *Server) sitesList(c echo.Context) error {
	req, err := pageRequest(c, store.ServiceSiteSortKeys())
	if err != nil {
		return err
	}
	q, sf, err := readSiteQuery(c)
	if err != nil {
		return err
	}
	ctx, a, loc := c.Request().Context(), actor(c), Locale(c)
	districts, err := s.geoService().DistrictsFor(ctx, a, "service_site", "read")
	if err != nil {
		return err
	}
	streets, redirect, err := s.geoStreetFilterChoices(c, "service_site", q, districts)
	if err != nil || redirect != "" {
		if err == nil {
			err = c.Redirect(http.StatusSeeOther, redirect)
		}
		return err
	}
	l, err := s.siteService().List(ctx, a, sf, req)
	if err != nil {
		return err
	}
	names, err := s.geoDistrictNames(ctx)
	if err != nil {
		return err
	}
	labels, kinds, err := s.siteKindLabels(ctx, loc)
	if err != nil {
		return err
	}
	p := sitesPage{Filter: q, Items: l.Items, List: newListView(c, req, l, "/service-sites/export"), Districts: districts,
		Streets: streets, KindLabel: labels, Names: names,
		CanCreate: s.authz.CanAnywhere(CurrentUser(c).ID, "service_site", "manage"), CanEdit: s.geoCanManage(c, "service_site")}
	if sf.GridID != 0 {
		p.GridID = sf.GridID
		if g, err := s.geoService().Grid(ctx, a, sf.GridID, "read"); err == nil {
			p.GridName = g.Name
		}
	}
	for _, k := range kinds {
		p.Kinds = append(p.Kinds, geoOption{Value: k.Code, Label: labels[k.Code]})
	}
	v := s.view(c, s.cat.T(loc, "menu.sites"), Crumb{Label: s.cat.T(loc, "menu.group.reference")}, Crumb{Label: s.cat.T(loc, "menu.sites")})
	v.Data = p
	return s.page(c, http.StatusOK, "sites/list", v)
}

func (s *Server) sitesExport(c echo.Context) error {
	format, err := report.ParseFormat(c.QueryParam("format"))
	if err != nil {
		return (&model.ValidationError{}).Add("format", "list.bad_format")
	}
	req, err := pageRequest(c, store.ServiceSiteSortKeys())
	if err != nil {
		return err
	}
	_, sf, err := readSiteQuery(c)
	if err != nil {
		return err
	}
	ctx, loc := c.Request().Context(), Locale(c)
	names, err := s.geoDistrictNames(ctx)
	if err != nil {
		return err
	}
	labels, _, err := s.siteKindLabels(ctx, loc)
	if err != nil {
		return err
	}
	cols := []report.Column{
		{Header: "ID", Width: 8}, {Header: s.cat.T(loc, "site.name"), Width: 28}, {Header: s.cat.T(loc, "site.kind"), Width: 20},
		{Header: s.cat.T(loc, "geo.district"), Width: 10}, {Header: s.cat.T(loc, "geo.street"), Width: 14},
		{Header: s.cat.T(loc, "geo.grid"), Width: 16}, {Header: s.cat.T(loc, "site.address"), Width: 30},
		{Header: s.cat.T(loc, "site.opening_hours"), Width: 22}, {Header: s.cat.T(loc, "site.facilities"), Width: 30},
		{Header: s.cat.T(loc, "site.seats"), Width: 8}, {Header: s.cat.T(loc, "site.managing_unit"), Width: 24},
		{Header: s.cat.T(loc, "geo.status"), Width: 8},
	}
	return s.streamExport(c, format, s.cat.T(loc, "menu.sites"), cols, func(w report.Writer) error {
		return s.siteService().Each(ctx, actor(c), sf, req, func(r *store.ServiceSiteRow) error {
			kind := labels[r.Kind]
			if kind == "" {
				kind = r.Kind
			}
			return w.WriteRow(r.ID, r.Name, kind, names[r.DistrictID], r.StreetName, r.GridName, r.Address,
				r.OpeningHours, r.Facilities, r.Seats, r.ManagingUnitName, s.geoStatusLabel(loc, r.Status))
		})
	})
}

// siteShowPage is the Data of sites/show.
type siteShowPage struct {
	Site      *store.ServiceSiteRow
	KindLabel string
	District  string
	// Facilities are the lines of the facilities text.
	Facilities []string
	CanManage  bool
	// Projects are the projects that run at the site and the viewer reads
	// (newest first, at most siteProjectsShown); ProjectsTotal counts them
	// all. ShowProjects is false for who reads no projects.
	Projects      []store.ProjectRow
	ProjectsTotal int64
	ShowProjects  bool
}

// siteProjectsShown is how many projects a site's page lists.
const siteProjectsShown = 20

func (s *Server) siteShow(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx, a, loc := c.Request().Context(), actor(c), Locale(c)
	r, err := s.siteService().Get(ctx, a, id, "read")
	if err != nil {
		return err
	}
	labels, _, err := s.siteKindLabels(ctx, loc)
	if err != nil {
		return err
	}
	names, err := s.geoDistrictNames(ctx)
	if err != nil {
		return err
	}
	kind := labels[r.Kind]
	if kind == "" {
		kind = r.Kind
	}
	v := s.view(c, r.Name, Crumb{Label: s.cat.T(loc, "menu.group.reference")}, Crumb{Label: s.cat.T(loc, "menu.sites"), URL: "/service-sites"}, Crumb{Label: r.Name})
	var lines []string
	for _, l := range strings.Split(r.Facilities, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	page := siteShowPage{Site: r, KindLabel: kind, District: names[r.DistrictID], Facilities: lines,
		CanManage: s.geoCanManage(c, "service_site")(r.DistrictID)}
	if s.authz.CanAnywhere(a.UserID, "project", "read") { // only the projects the viewer reads
		l, err := s.projectService().List(ctx, a, store.ProjectFilter{SiteID: r.ID}, model.PageRequest{Limit: siteProjectsShown}.Normalize())
		if err != nil {
			return err
		}
		page.Projects, page.ProjectsTotal, page.ShowProjects = l.Items, l.Total, true
	}
	v.Data = page
	return s.page(c, http.StatusOK, "sites/show", v)
}

// siteForm is the Data of sites/form.
type siteForm struct {
	ID      int64
	Input   service.SiteInput
	Errors  map[string]string
	Kinds   []geoOption
	Streets []geoGroup
	Grids   []geoGroup
	Units   []geoOption
	// UnitsByNumber: the managing unit is typed as its number (too many
	// units to list, or the district is not known until a street is chosen).
	UnitsByNumber bool
	// FormURL is the form page itself: choosing a street asks it (htmx) for
	// the grids and units of that street's district.
	FormURL string
}

func (s *Server) renderSiteForm(c echo.Context, status int, f siteForm, before *model.ServiceSite, ve *model.ValidationError) error {
	ctx, loc := c.Request().Context(), Locale(c)
	title := s.cat.T(loc, "site.new")
	f.FormURL = "/service-sites/new"
	if f.ID != 0 {
		title = s.cat.T(loc, "site.edit")
		f.FormURL = "/service-sites/" + strconv.FormatInt(f.ID, 10) + "/edit"
	}
	if ve != nil {
		f.Errors = s.fieldMessages(loc, ve)
	}
	opt, err := s.siteService().FormOptions(ctx, actor(c), before, f.Input.StreetID)
	if err != nil {
		return err
	}
	names, err := s.geoDistrictNames(ctx)
	if err != nil {
		return err
	}
	for _, k := range opt.Kinds {
		f.Kinds = append(f.Kinds, geoOption{Value: k.Code, Label: dictLabel(loc, k)})
	}
	f.Streets = streetGroups(opt.Streets, names, s.cat.T(loc, "geo.inactive_suffix"))
	for _, g := range opt.Grids {
		label := g.StreetName
		if n := len(f.Grids); n == 0 || f.Grids[n-1].Label != label {
			f.Grids = append(f.Grids, geoGroup{Label: label})
		}
		o := geoOption{Value: strconv.FormatInt(g.ID, 10), Label: g.Name + "（" + g.Code + "）"}
		if g.Status != model.StatusActive {
			o.Label += s.cat.T(loc, "geo.inactive_suffix")
		}
		f.Grids[len(f.Grids)-1].Options = append(f.Grids[len(f.Grids)-1].Options, o)
	}
	f.UnitsByNumber = opt.UnitsByNumber
	for _, u := range opt.Units {
		f.Units = append(f.Units, geoOption{Value: strconv.FormatInt(u.ID, 10), Label: u.Name})
	}
	crumbs := []Crumb{{Label: s.cat.T(loc, "menu.group.reference")}, {Label: s.cat.T(loc, "menu.sites"), URL: "/service-sites"}}
	if before != nil {
		crumbs = append(crumbs, Crumb{Label: before.Name, URL: "/service-sites/" + strconv.FormatInt(f.ID, 10)})
	}
	v := s.view(c, title, append(crumbs, Crumb{Label: title})...)
	v.Data = f
	return s.page(c, status, "sites/form", v)
}

func siteInputFromForm(c echo.Context) service.SiteInput {
	street, _ := strconv.ParseInt(c.FormValue("street_id"), 10, 64)
	grid, _ := strconv.ParseInt(c.FormValue("grid_id"), 10, 64)
	version := formVersion(c)
	return service.SiteInput{
		Name: c.FormValue("name"), Kind: c.FormValue("kind"), StreetID: street, GridID: grid,
		Address: c.FormValue("address"), OpeningHours: c.FormValue("opening_hours"), Facilities: c.FormValue("facilities"),
		Seats: c.FormValue("seats"), ManagingUnitID: c.FormValue("managing_unit_id"), Status: c.FormValue("status"), Version: version,
	}
}

func siteInputOf(r *store.ServiceSiteRow) service.SiteInput {
	in := service.SiteInput{Name: r.Name, Kind: r.Kind, StreetID: r.StreetID, Address: r.Address,
		OpeningHours: r.OpeningHours, Facilities: r.Facilities, Seats: strconv.Itoa(r.Seats), Status: r.Status, Version: r.Version}
	if r.GridID != nil {
		in.GridID = *r.GridID
	}
	if r.ManagingUnitID != nil {
		in.ManagingUnitID = strconv.FormatInt(*r.ManagingUnitID, 10)
	}
	return in
}

func (s *Server) siteNew(c echo.Context) error {
	st, _ := strconv.ParseInt(c.QueryParam("street_id"), 10, 64)
	return s.renderSiteForm(c, http.StatusOK, siteForm{Input: service.SiteInput{StreetID: st, Status: model.StatusActive}}, nil, nil)
}

func (s *Server) siteCreate(c echo.Context) error {
	in := siteInputFromForm(c)
	r, err := s.siteService().Create(c.Request().Context(), actor(c), in)
	var ve *model.ValidationError
	if errors.As(err, &ve) {
		return s.renderSiteForm(c, http.StatusUnprocessableEntity, siteForm{Input: in}, nil, ve)
	}
	if err != nil {
		return err
	}
	s.flash(c, "success", "form.saved")
	return c.Redirect(http.StatusSeeOther, "/service-sites/"+strconv.FormatInt(r.ID, 10))
}

func (s *Server) siteEdit(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	r, err := s.siteService().Get(c.Request().Context(), actor(c), id, "manage")
	if err != nil {
		return err
	}
	in := siteInputOf(r)
	// Choosing another street asks this page again for that street's grids
	// and units (htmx swaps only that part of the form).
	if st, err := strconv.ParseInt(c.QueryParam("street_id"), 10, 64); err == nil && st > 0 {
		in.StreetID = st
	}
	return s.renderSiteForm(c, http.StatusOK, siteForm{ID: id, Input: in}, &r.ServiceSite, nil)
}

func (s *Server) siteUpdate(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx, a := c.Request().Context(), actor(c)
	in := siteInputFromForm(c)
	_, err = s.siteService().Update(ctx, a, id, in)
	var ve *model.ValidationError
	switch {
	case errors.As(err, &ve):
		cur, gerr := s.siteService().Get(ctx, a, id, "manage")
		if gerr != nil {
			return gerr
		}
		return s.renderSiteForm(c, http.StatusUnprocessableEntity, siteForm{ID: id, Input: in}, &cur.ServiceSite, ve)
	case errors.Is(err, model.ErrConflict):
		// Someone saved first: show the form again with what this user typed
		// and the stored values, so they can keep theirs (save again) or take the other.
		cur, gerr := s.siteService().Get(ctx, a, id, "manage")
		if gerr != nil {
			return gerr
		}
		in.Version = cur.Version
		loc := Locale(c)
		kinds, _, kerr := s.siteKindLabels(ctx, loc)
		if kerr != nil {
			return kerr
		}
		stale := s.cat.T(loc, "site.stale", cur.Name, kinds[cur.Kind], cur.StreetName, cur.Seats, s.geoStatusLabel(loc, cur.Status))
		return s.renderSiteForm(c, http.StatusConflict, siteForm{ID: id, Input: in, Errors: map[string]string{"_stale": stale}}, &cur.ServiceSite, nil)
	case err != nil:
		return err
	}
	s.flash(c, "success", "form.saved")
	return c.Redirect(http.StatusSeeOther, "/service-sites/"+strconv.FormatInt(id, 10))
}

func (s *Server) siteSetActive(active bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := pathID(c, "id")
		if err != nil {
			return err
		}
		version := formVersion(c)
		if _, err := s.siteService().SetActive(c.Request().Context(), actor(c), id, version, active); err != nil {
			return err // a stale version: 409 naming both versions
		}
		s.flash(c, "success", geoActiveFlash(active))
		back := c.FormValue("back")
		if back == "show" {
			return c.Redirect(http.StatusSeeOther, "/service-sites/"+strconv.FormatInt(id, 10))
		}
		return c.Redirect(http.StatusSeeOther, geoBack(c, "/service-sites"))
	}
}

// ---- JSON API ----

// serviceSiteJSON is the API's view of a site.
type serviceSiteJSON struct {
	ID             int64     `json:"id"`
	Name           string    `json:"name"`
	Kind           string    `json:"kind"`
	DistrictID     int64     `json:"district_id"`
	StreetID       int64     `json:"street_id"`
	GridID         *int64    `json:"grid_id"`
	Address        string    `json:"address"`
	OpeningHours   string    `json:"opening_hours"`
	Facilities     string    `json:"facilities"`
	Seats          int       `json:"seats"`
	ManagingUnitID *int64    `json:"managing_unit_id"`
	Status         string    `json:"status"`
	Version        int       `json:"version"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

func toServiceSiteJSON(r *store.ServiceSiteRow) serviceSiteJSON {
	return serviceSiteJSON{ID: r.ID, Name: r.Name, Kind: r.Kind, DistrictID: r.DistrictID, StreetID: r.StreetID, GridID: r.GridID,
		Address: r.Address, OpeningHours: r.OpeningHours, Facilities: r.Facilities, Seats: r.Seats, ManagingUnitID: r.ManagingUnitID,
		Status: r.Status, Version: r.Version, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

func (s *Server) apiSitesList(c echo.Context) error {
	req, err := pageRequest(c, store.ServiceSiteSortKeys())
	if err != nil {
		return err
	}
	_, sf, err := readSiteQuery(c)
	if err != nil {
		return err
	}
	l, err := s.siteService().List(c.Request().Context(), actor(c), sf, req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIList(l, toServiceSiteJSON))
}

func (s *Server) apiSiteGet(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	r, err := s.siteService().Get(c.Request().Context(), actor(c), id, "read")
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toServiceSiteJSON(r))
}

// siteBody is the body of POST /service-sites and PATCH /service-sites/{id}.
// On a PATCH an absent field keeps its value, version is required, and a
// null grid_id or managing_unit_id clears it.
type siteBody struct {
	Name           *string `json:"name"`
	Kind           *string `json:"kind"`
	StreetID       *int64  `json:"street_id"`
	GridID         optID   `json:"grid_id"`
	Address        *string `json:"address"`
	OpeningHours   *string `json:"opening_hours"`
	Facilities     *string `json:"facilities"`
	Seats          *int    `json:"seats"`
	ManagingUnitID optID   `json:"managing_unit_id"`
	Status         *string `json:"status"`
	Version        int     `json:"version"`
}

// optID is a nullable id of a JSON body that knows whether it was given.
type optID struct {
	Set bool
	ID  int64 // 0: null
}

func (o *optID) UnmarshalJSON(b []byte) error {
	o.Set = true
	if string(b) == "null" {
		o.ID = 0
		return nil
	}
	return json.Unmarshal(b, &o.ID)
}

func (b siteBody) input(base service.SiteInput) service.SiteInput {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&base.Name, b.Name)
	set(&base.Kind, b.Kind)
	set(&base.Address, b.Address)
	set(&base.OpeningHours, b.OpeningHours)
	set(&base.Facilities, b.Facilities)
	set(&base.Status, b.Status)
	if b.StreetID != nil {
		base.StreetID = *b.StreetID
	}
	if b.GridID.Set {
		base.GridID = b.GridID.ID
	}
	if b.Seats != nil {
		base.Seats = strconv.Itoa(*b.Seats)
	}
	if b.ManagingUnitID.Set {
		base.ManagingUnitID = ""
		if b.ManagingUnitID.ID != 0 {
			base.ManagingUnitID = strconv.FormatInt(b.ManagingUnitID.ID, 10)
		}
	}
	base.Version = b.Version
	return base
}

func (s *Server) apiSiteCreate(c echo.Context) error {
	var b siteBody
	if err := bindJSON(c, &b); err != nil {
		return err
	}
	r, err := s.siteService().Create(c.Request().Context(), actor(c), b.input(service.SiteInput{}))
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/service-sites/"+strconv.FormatInt(r.ID, 10))
	return c.JSON(http.StatusCreated, toServiceSiteJSON(r))
}

func (s *Server) apiSiteUpdate(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var b siteBody
	if err := bindJSON(c, &b); err != nil {
		return err
	}
	ctx, a := c.Request().Context(), actor(c)
	cur, err := s.siteService().Get(ctx, a, id, "manage")
	if err != nil {
		return err // outside the caller's scope: 404 before any word on the body
	}
	if b.Version == 0 {
		return (&model.ValidationError{}).Add("version", model.MsgVersionMissing)
	}
	r, err := s.siteService().Update(ctx, a, id, b.input(siteInputOf(cur)))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toServiceSiteJSON(r))
}

// siteActionBody is the optional body of …/deactivate and …/activate: a
// version, when given, must be the stored one (409 otherwise).
type siteActionBody struct {
	Version int `json:"version"`
}

func (s *Server) apiSiteSetActive(active bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := pathID(c, "id")
		if err != nil {
			return err
		}
		var b siteActionBody
		if c.Request().ContentLength != 0 || c.Request().Header.Get(echo.HeaderContentType) != "" {
			if err := bindJSON(c, &b); err != nil {
				return err
			}
		}
		r, err := s.siteService().SetActive(c.Request().Context(), actor(c), id, b.Version, active)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, toServiceSiteJSON(r))
	}
}
