package web

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"tongxin/internal/model"
	"tongxin/internal/report"
	"tongxin/internal/service"
	"tongxin/internal/store"
)

// Reference data: districts (read only), streets (街镇) and grids (党建网格),
// as pages and as /api/v1. Service sites are in service_sites.go.

// geoService is the service behind these pages; it holds only the database
// and the authorizer, so building it per request costs nothing.
func (s *Server) geoService() *service.Geo {
	return service.NewGeo(s.deps())
}

// geoOption is one choice of a select; geoGroup an <optgroup> of them.
type geoOption struct{ Value, Label string }

type geoGroup struct {
	Label   string
	Options []geoOption
}

// geoFilterMax is the longest a text filter may be (characters).
const geoFilterMax = 50

// geoQuery reads the filters common to the geography lists from the URL:
// district_id, street_id, name, status (and kind for sites). A page shows
// what it understood and ignores the rest; the API answers 400 naming the
// parameter.
type geoQuery struct {
	DistrictID int64
	StreetID   int64
	Name       string
	Status     string
	Kind       string
}

// Active reports a filter that narrows the list.
func (q geoQuery) Active() bool {
	return q.DistrictID != 0 || q.StreetID != 0 || q.Name != "" || q.Status != "" || q.Kind != ""
}

func readGeoQuery(c echo.Context) (geoQuery, error) {
	ve := &model.ValidationError{}
	api := IsAPI(c)
	id := func(name string) int64 {
		v := strings.TrimSpace(c.QueryParam(name))
		if v == "" {
			return 0
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			if api {
				ve.Add(name, "geo.bad_filter")
			}
			return 0
		}
		return n
	}
	q := geoQuery{DistrictID: id("district_id"), StreetID: id("street_id"),
		Name: strings.TrimSpace(c.QueryParam("name")), Status: strings.TrimSpace(c.QueryParam("status")),
		Kind: strings.TrimSpace(c.QueryParam("kind"))}
	for field, v := range map[string]*string{"name": &q.Name, "kind": &q.Kind} {
		if utf8.RuneCountInString(*v) > geoFilterMax || !utf8.ValidString(*v) || strings.ContainsFunc(*v, isControl) {
			if api {
				ve.AddArgs(field, model.MsgTooLong, geoFilterMax)
			}
			*v = ""
		}
	}
	if q.Status != "" && q.Status != model.StatusActive && q.Status != model.StatusInactive {
		if api {
			ve.Add("status", "geo.bad_status")
		}
		q.Status = ""
	}
	return q, ve.Err()
}

// geoDistrictNames maps district ids to names.
func (s *Server) geoDistrictNames(ctx context.Context) (map[int64]string, error) {
	ds, err := s.geoService().Districts(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]string, len(ds))
	for _, d := range ds {
		out[d.ID] = d.Name
	}
	return out, nil
}

// geoCanManage answers, per district, whether the current user may manage
// objects of kind obj there (row actions of lists).
func (s *Server) geoCanManage(c echo.Context, obj string) func(districtID int64) bool {
	sc := s.authz.Scope(CurrentUser(c).ID, obj, "manage")
	return func(d int64) bool {
		if sc.All {
			return true
		}
		for _, id := range sc.Districts {
			if id == d {
				return true
			}
		}
		return false
	}
}

// geoBack is where an action posted from a list goes back to: the list as
// it was (its filters and page), if the form said so, else the list itself.
func geoBack(c echo.Context, list string) string {
	back := c.FormValue("back")
	if back != "" && safeNext(back) == back && (back == list || strings.HasPrefix(back, list+"?")) {
		return back
	}
	return list
}

func (s *Server) geoStatusLabel(loc, status string) string {
	return s.cat.T(loc, "geo.status."+status)
}

// streetGroups groups streets by district for an <optgroup> select.
// Deactivated streets (kept on an edit) carry the inactive suffix.
func streetGroups(streets []model.Street, names map[int64]string, inactive string) []geoGroup {
	var out []geoGroup
	for _, st := range streets {
		label := names[st.DistrictID]
		if n := len(out); n == 0 || out[n-1].Label != label {
			out = append(out, geoGroup{Label: label})
		}
		o := geoOption{Value: strconv.FormatInt(st.ID, 10), Label: st.Name}
		if st.Status != model.StatusActive {
			o.Label += inactive
		}
		out[len(out)-1].Options = append(out[len(out)-1].Options, o)
	}
	return out
}

// ---- Streets: pages ----

// streetsPage is the Data of geo/streets.
type streetsPage struct {
	Filter    geoQuery
	Items     []store.StreetRow
	List      *ListView
	Districts []model.District
	Names     map[int64]string
	CanCreate bool
	CanEdit   func(districtID int64) bool
}

func streetFilter(q geoQuery) store.StreetFilter {
	return store.StreetFilter{DistrictID: q.DistrictID, Name: q.Name, Status: q.Status}
}

func (s *Server) streetsList(c echo.Context) error {
	req, err := pageRequest(c, store.StreetSortKeys())
	if err != nil {
		return err
	}
	q, err := readGeoQuery(c)
	if err != nil {
		return err
	}
	ctx, a, geo := c.Request().Context(), actor(c), s.geoService()
	l, err := geo.ListStreets(ctx, a, streetFilter(q), req)
	if err != nil {
		return err
	}
	districts, err := geo.DistrictsFor(ctx, a, "street", "read")
	if err != nil {
		return err
	}
	names, err := s.geoDistrictNames(ctx)
	if err != nil {
		return err
	}
	loc := Locale(c)
	v := s.view(c, s.cat.T(loc, "menu.streets"), Crumb{Label: s.cat.T(loc, "menu.group.reference")}, Crumb{Label: s.cat.T(loc, "menu.streets")})
	v.Data = streetsPage{Filter: q, Items: l.Items, List: newListView(c, req, l, "/streets/export"), Districts: districts, Names: names,
		CanCreate: s.authz.CanAnywhere(CurrentUser(c).ID, "street", "manage"), CanEdit: s.geoCanManage(c, "street")}
	return s.page(c, http.StatusOK, "geo/streets", v)
}

func (s *Server) streetsExport(c echo.Context) error {
	format, err := report.ParseFormat(c.QueryParam("format"))
	if err != nil {
		return (&model.ValidationError{}).Add("format", "list.bad_format")
	}
	req, err := pageRequest(c, store.StreetSortKeys())
	if err != nil {
		return err
	}
	q, err := readGeoQuery(c)
	if err != nil {
		return err
	}
	ctx, loc := c.Request().Context(), Locale(c)
	names, err := s.geoDistrictNames(ctx)
	if err != nil {
		return err
	}
	cols := []report.Column{
		{Header: s.cat.T(loc, "street.code"), Width: 14}, {Header: s.cat.T(loc, "street.name"), Width: 20},
		{Header: s.cat.T(loc, "geo.district"), Width: 12}, {Header: s.cat.T(loc, "street.grid_count"), Width: 10},
		{Header: s.cat.T(loc, "street.site_count"), Width: 10}, {Header: s.cat.T(loc, "geo.status"), Width: 8},
	}
	return s.streamExport(c, format, s.cat.T(loc, "menu.streets"), cols, func(w report.Writer) error {
		return s.geoService().EachStreet(ctx, actor(c), streetFilter(q), req, func(r *store.StreetRow) error {
			return w.WriteRow(r.Code, r.Name, names[r.DistrictID], r.GridCount, r.SiteCount, s.geoStatusLabel(loc, r.Status))
		})
	})
}

// streetForm is the Data of geo/street_form.
type streetForm struct {
	ID        int64
	Input     service.StreetInput
	Status    string
	Errors    map[string]string
	Districts []model.District
}

func (s *Server) renderStreetForm(c echo.Context, status int, f streetForm, ve *model.ValidationError) error {
	loc, ctx := Locale(c), c.Request().Context()
	title := s.cat.T(loc, "street.new")
	if f.ID != 0 {
		title = s.cat.T(loc, "street.edit")
	}
	if ve != nil {
		f.Errors = s.fieldMessages(loc, ve)
	}
	var err error
	if f.ID == 0 {
		f.Districts, err = s.geoService().DistrictsFor(ctx, actor(c), "street", "manage")
	} else {
		f.Districts, err = s.geoService().Districts(ctx)
	}
	if err != nil {
		return err
	}
	if f.ID == 0 && f.Input.DistrictID == 0 && len(f.Districts) == 1 {
		f.Input.DistrictID = f.Districts[0].ID
	}
	v := s.view(c, title, Crumb{Label: s.cat.T(loc, "menu.group.reference")}, Crumb{Label: s.cat.T(loc, "menu.streets"), URL: "/streets"}, Crumb{Label: title})
	v.Data = f
	return s.page(c, status, "geo/street_form", v)
}

func streetInputFromForm(c echo.Context) service.StreetInput {
	d, _ := strconv.ParseInt(c.FormValue("district_id"), 10, 64)
	return service.StreetInput{DistrictID: d, Code: c.FormValue("code"), Name: c.FormValue("name"), Version: formVersion(c)}
}

func (s *Server) streetNew(c echo.Context) error {
	return s.renderStreetForm(c, http.StatusOK, streetForm{}, nil)
}

func (s *Server) streetCreate(c echo.Context) error {
	in := streetInputFromForm(c)
	_, err := s.geoService().CreateStreet(c.Request().Context(), actor(c), in)
	var ve *model.ValidationError
	if errors.As(err, &ve) {
		return s.renderStreetForm(c, http.StatusUnprocessableEntity, streetForm{Input: in}, ve)
	}
	if err != nil {
		return err
	}
	s.flash(c, "success", "form.saved")
	return c.Redirect(http.StatusSeeOther, "/streets")
}

func (s *Server) streetEdit(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	st, err := s.geoService().Street(c.Request().Context(), actor(c), id, "manage")
	if err != nil {
		return err
	}
	return s.renderStreetForm(c, http.StatusOK, streetForm{ID: id, Status: st.Status,
		Input: service.StreetInput{DistrictID: st.DistrictID, Code: st.Code, Name: st.Name, Version: st.Version}}, nil)
}

func (s *Server) streetUpdate(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	in := streetInputFromForm(c)
	st, err := s.geoService().UpdateStreet(c.Request().Context(), actor(c), id, in)
	var ve *model.ValidationError
	if errors.Is(err, model.ErrConflict) {
		// Someone saved first: the form again with what this user typed, the
		// stored values named, and the stored version (saving keeps theirs).
		cur, gerr := s.geoService().Street(c.Request().Context(), actor(c), id, "manage")
		if gerr != nil {
			return gerr
		}
		in.DistrictID, in.Version = cur.DistrictID, cur.Version
		stale := (&model.ValidationError{}).AddArgs("version", "geo.stale", cur.Code, cur.Name, s.cat.T(Locale(c), "geo.status."+cur.Status))
		return s.renderStreetForm(c, http.StatusConflict, streetForm{ID: id, Status: cur.Status, Input: in}, stale)
	}
	if errors.As(err, &ve) {
		cur, gerr := s.geoService().Street(c.Request().Context(), actor(c), id, "manage")
		if gerr != nil {
			return gerr
		}
		in.DistrictID = cur.DistrictID
		return s.renderStreetForm(c, http.StatusUnprocessableEntity, streetForm{ID: id, Status: cur.Status, Input: in}, ve)
	}
	if err != nil {
		return err
	}
	s.flash(c, "success", "form.saved")
	return c.Redirect(http.StatusSeeOther, "/streets?district_id="+strconv.FormatInt(st.DistrictID, 10))
}

func (s *Server) streetSetActive(active bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := pathID(c, "id")
		if err != nil {
			return err
		}
		version := formVersion(c)
		if _, err := s.geoService().SetStreetActive(c.Request().Context(), actor(c), id, version, active); err != nil {
			return err
		}
		s.flash(c, "success", geoActiveFlash(active))
		return c.Redirect(http.StatusSeeOther, geoBack(c, "/streets"))
	}
}

func geoActiveFlash(active bool) string {
	if active {
		return "geo.activated"
	}
	return "geo.deactivated"
}

// ---- Grids: pages ----

// gridsPage is the Data of geo/grids.
type gridsPage struct {
	Filter    geoQuery
	Items     []store.GridRow
	List      *ListView
	Districts []model.District
	// Streets are the street filter's choices: those of the chosen district
	// (or of the only district the user reads); none before one is chosen.
	Streets   []model.Street
	Names     map[int64]string
	CanCreate bool
	CanEdit   func(districtID int64) bool
}

func gridFilter(q geoQuery) store.GridFilter {
	return store.GridFilter{DistrictID: q.DistrictID, StreetID: q.StreetID, Name: q.Name, Status: q.Status}
}

// geoStreetFilterChoices are the streets a list's street filter offers:
// those of the chosen district, or of the only district the user reads.
//
// It also keeps the URL's street and district filters in agreement, so that
// the page, its select boxes and its export all mean the same rows: a street
// given without its district (a link) gains it, and a street of another
// district (the district select changed) is dropped. redirect is then the
// URL to go to instead.
func (s *Server) geoStreetFilterChoices(c echo.Context, obj string, q geoQuery, districts []model.District) (streets []model.Street, redirect string, err error) {
	ctx, a, geo := c.Request().Context(), actor(c), s.geoService()
	if q.StreetID != 0 && q.DistrictID == 0 {
		all, err := geo.StreetFilterChoices(ctx, a, obj, 0)
		if err != nil {
			return nil, "", err
		}
		v := c.QueryParams()
		v.Del("street_id")
		for _, st := range all {
			if st.ID == q.StreetID {
				v.Set("street_id", strconv.FormatInt(st.ID, 10))
				v.Set("district_id", strconv.FormatInt(st.DistrictID, 10))
			}
		}
		return nil, c.Request().URL.Path + "?" + v.Encode(), nil
	}
	d := q.DistrictID
	if d == 0 && len(districts) == 1 {
		d = districts[0].ID
	}
	if d == 0 {
		return nil, "", nil
	}
	if streets, err = geo.StreetFilterChoices(ctx, a, obj, d); err != nil {
		return nil, "", err
	}
	if q.StreetID != 0 && !slices.ContainsFunc(streets, func(st model.Street) bool { return st.ID == q.StreetID }) {
		v := c.QueryParams()
		v.Del("street_id")
		v.Del("after")
		v.Del("before")
		return nil, c.Request().URL.Path + "?" + v.Encode(), nil
	}
	return streets, "", nil
}

func (s *Server) gridsList(c echo.Context) error {
	req, err := pageRequest(c, store.GridSortKeys())
	if err != nil {
		return err
	}
	q, err := readGeoQuery(c)
	if err != nil {
		return err
	}
	ctx, a, geo := c.Request().Context(), actor(c), s.geoService()
	districts, err := geo.DistrictsFor(ctx, a, "grid", "read")
	if err != nil {
		return err
	}
	streets, redirect, err := s.geoStreetFilterChoices(c, "grid", q, districts)
	if err != nil || redirect != "" {
		if err == nil {
			err = c.Redirect(http.StatusSeeOther, redirect)
		}
		return err
	}
	l, err := geo.ListGrids(ctx, a, gridFilter(q), req)
	if err != nil {
		return err
	}
	names, err := s.geoDistrictNames(ctx)
	if err != nil {
		return err
	}
	loc := Locale(c)
	v := s.view(c, s.cat.T(loc, "menu.grids"), Crumb{Label: s.cat.T(loc, "menu.group.reference")}, Crumb{Label: s.cat.T(loc, "menu.grids")})
	v.Data = gridsPage{Filter: q, Items: l.Items, List: newListView(c, req, l, "/grids/export"), Districts: districts, Streets: streets,
		Names: names, CanCreate: s.authz.CanAnywhere(CurrentUser(c).ID, "grid", "manage"), CanEdit: s.geoCanManage(c, "grid")}
	return s.page(c, http.StatusOK, "geo/grids", v)
}

func (s *Server) gridsExport(c echo.Context) error {
	format, err := report.ParseFormat(c.QueryParam("format"))
	if err != nil {
		return (&model.ValidationError{}).Add("format", "list.bad_format")
	}
	req, err := pageRequest(c, store.GridSortKeys())
	if err != nil {
		return err
	}
	q, err := readGeoQuery(c)
	if err != nil {
		return err
	}
	ctx, loc := c.Request().Context(), Locale(c)
	names, err := s.geoDistrictNames(ctx)
	if err != nil {
		return err
	}
	cols := []report.Column{
		{Header: s.cat.T(loc, "grid.code"), Width: 16}, {Header: s.cat.T(loc, "grid.name"), Width: 20},
		{Header: s.cat.T(loc, "geo.street"), Width: 16}, {Header: s.cat.T(loc, "geo.district"), Width: 12},
		{Header: s.cat.T(loc, "street.site_count"), Width: 10}, {Header: s.cat.T(loc, "geo.status"), Width: 8},
	}
	return s.streamExport(c, format, s.cat.T(loc, "menu.grids"), cols, func(w report.Writer) error {
		return s.geoService().EachGrid(ctx, actor(c), gridFilter(q), req, func(r *store.GridRow) error {
			return w.WriteRow(r.Code, r.Name, r.StreetName, names[r.DistrictID], r.SiteCount, s.geoStatusLabel(loc, r.Status))
		})
	})
}

// gridForm is the Data of geo/grid_form.
type gridForm struct {
	ID      int64
	Input   service.GridInput
	Status  string
	Errors  map[string]string
	Streets []geoGroup
}

func (s *Server) renderGridForm(c echo.Context, status int, f gridForm, keepStreet int64, ve *model.ValidationError) error {
	loc, ctx := Locale(c), c.Request().Context()
	title := s.cat.T(loc, "grid.new")
	if f.ID != 0 {
		title = s.cat.T(loc, "grid.edit")
	}
	if ve != nil {
		f.Errors = s.fieldMessages(loc, ve)
	}
	streets, err := s.geoService().StreetChoices(ctx, actor(c), "grid", keepStreet)
	if err != nil {
		return err
	}
	names, err := s.geoDistrictNames(ctx)
	if err != nil {
		return err
	}
	f.Streets = streetGroups(streets, names, s.cat.T(loc, "geo.inactive_suffix"))
	v := s.view(c, title, Crumb{Label: s.cat.T(loc, "menu.group.reference")}, Crumb{Label: s.cat.T(loc, "menu.grids"), URL: "/grids"}, Crumb{Label: title})
	v.Data = f
	return s.page(c, status, "geo/grid_form", v)
}

func gridInputFromForm(c echo.Context) service.GridInput {
	st, _ := strconv.ParseInt(c.FormValue("street_id"), 10, 64)
	return service.GridInput{StreetID: st, Code: c.FormValue("code"), Name: c.FormValue("name"), Version: formVersion(c)}
}

func (s *Server) gridNew(c echo.Context) error {
	st, _ := strconv.ParseInt(c.QueryParam("street_id"), 10, 64)
	return s.renderGridForm(c, http.StatusOK, gridForm{Input: service.GridInput{StreetID: st}}, 0, nil)
}

func (s *Server) gridCreate(c echo.Context) error {
	in := gridInputFromForm(c)
	_, err := s.geoService().CreateGrid(c.Request().Context(), actor(c), in)
	var ve *model.ValidationError
	if errors.As(err, &ve) {
		return s.renderGridForm(c, http.StatusUnprocessableEntity, gridForm{Input: in}, 0, ve)
	}
	if err != nil {
		return err
	}
	s.flash(c, "success", "form.saved")
	return c.Redirect(http.StatusSeeOther, "/grids?street_id="+strconv.FormatInt(in.StreetID, 10))
}

func (s *Server) gridEdit(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	g, err := s.geoService().Grid(c.Request().Context(), actor(c), id, "manage")
	if err != nil {
		return err
	}
	return s.renderGridForm(c, http.StatusOK, gridForm{ID: id, Status: g.Status,
		Input: service.GridInput{StreetID: g.StreetID, Code: g.Code, Name: g.Name, Version: g.Version}}, g.StreetID, nil)
}

func (s *Server) gridUpdate(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	in := gridInputFromForm(c)
	g, err := s.geoService().UpdateGrid(c.Request().Context(), actor(c), id, in)
	var ve *model.ValidationError
	if errors.Is(err, model.ErrConflict) {
		// Someone saved first: as for streets.
		cur, gerr := s.geoService().Grid(c.Request().Context(), actor(c), id, "manage")
		if gerr != nil {
			return gerr
		}
		in.Version = cur.Version
		stale := (&model.ValidationError{}).AddArgs("version", "geo.stale", cur.Code, cur.Name, s.cat.T(Locale(c), "geo.status."+cur.Status))
		return s.renderGridForm(c, http.StatusConflict, gridForm{ID: id, Status: cur.Status, Input: in}, cur.StreetID, stale)
	}
	if errors.As(err, &ve) {
		cur, gerr := s.geoService().Grid(c.Request().Context(), actor(c), id, "manage")
		if gerr != nil {
			return gerr
		}
		return s.renderGridForm(c, http.StatusUnprocessableEntity, gridForm{ID: id, Status: cur.Status, Input: in}, cur.StreetID, ve)
	}
	if err != nil {
		return err
	}
	s.flash(c, "success", "form.saved")
	return c.Redirect(http.StatusSeeOther, "/grids?street_id="+strconv.FormatInt(g.StreetID, 10))
}

func (s *Server) gridSetActive(active bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := pathID(c, "id")
		if err != nil {
			return err
		}
		version := formVersion(c)
		if _, err := s.geoService().SetGridActive(c.Request().Context(), actor(c), id, version, active); err != nil {
			return err
		}
		s.flash(c, "success", geoActiveFlash(active))
		return c.Redirect(http.StatusSeeOther, geoBack(c, "/grids"))
	}
}

// ---- JSON API ----

// districtJSON is the API's view of a district.
type districtJSON struct {
	ID   int64  `json:"id"`
	Code string `json:"code"`
	Name string `json:"name"`
}

func (s *Server) apiDistricts(c echo.Context) error {
	ds, err := s.geoService().Districts(c.Request().Context())
	if err != nil {
		return err
	}
	l := model.List[model.District]{Items: ds, Total: int64(len(ds))}
	return c.JSON(http.StatusOK, toAPIList(l, func(d *model.District) districtJSON {
		return districtJSON{ID: d.ID, Code: d.Code, Name: d.Name}
	}))
}

// streetJSON is the API's view of a street.
type streetJSON struct {
	ID         int64     `json:"id"`
	DistrictID int64     `json:"district_id"`
	Code       string    `json:"code"`
	Name       string    `json:"name"`
	Status     string    `json:"status"`
	Version    int       `json:"version"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

func toStreetJSON(st *model.Street) streetJSON {
	return streetJSON{ID: st.ID, DistrictID: st.DistrictID, Code: st.Code, Name: st.Name, Status: st.Status, Version: st.Version,
		CreatedAt: st.CreatedAt.UTC(), UpdatedAt: st.UpdatedAt.UTC()}
}

// apiDistrictStreets answers the active streets of a district to any
// logged-in user: the select boxes of every area's forms need them whatever
// the user's domain, and street names are public administrative divisions.
// The street list (/api/v1/streets) stays scoped like its page.
func (s *Server) apiDistrictStreets(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx, geo := c.Request().Context(), s.geoService()
	ds, err := geo.Districts(ctx)
	if err != nil {
		return err
	}
	found := false
	for _, d := range ds {
		found = found || d.ID == id
	}
	if !found {
		return model.NotFound("district", id)
	}
	sts, err := geo.DistrictStreets(ctx, id)
	if err != nil {
		return err
	}
	l := model.List[model.Street]{Items: sts, Total: int64(len(sts))}
	return c.JSON(http.StatusOK, toAPIList(l, toStreetJSON))
}

func (s *Server) apiStreetsList(c echo.Context) error {
	req, err := pageRequest(c, store.StreetSortKeys())
	if err != nil {
		return err
	}
	q, err := readGeoQuery(c)
	if err != nil {
		return err
	}
	l, err := s.geoService().ListStreets(c.Request().Context(), actor(c), streetFilter(q), req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIList(l, func(r *store.StreetRow) streetJSON { return toStreetJSON(&r.Street) }))
}

func (s *Server) apiStreetGet(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	st, err := s.geoService().Street(c.Request().Context(), actor(c), id, "read")
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toStreetJSON(st))
}

// streetBody is the body of POST /streets and PATCH /streets/{id}; on a
// PATCH an absent field keeps its value.
type streetBody struct {
	DistrictID *int64  `json:"district_id"`
	Code       *string `json:"code"`
	Name       *string `json:"name"`
	Version    int     `json:"version"` // required on PATCH
}

func (b streetBody) input(base service.StreetInput) service.StreetInput {
	if b.DistrictID != nil {
		base.DistrictID = *b.DistrictID
	}
	if b.Code != nil {
		base.Code = *b.Code
	}
	if b.Name != nil {
		base.Name = *b.Name
	}
	return base
}

func (s *Server) apiStreetCreate(c echo.Context) error {
	var b streetBody
	if err := bindJSON(c, &b); err != nil {
		return err
	}
	st, err := s.geoService().CreateStreet(c.Request().Context(), actor(c), b.input(service.StreetInput{}))
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/streets/"+strconv.FormatInt(st.ID, 10))
	return c.JSON(http.StatusCreated, toStreetJSON(st))
}

func (s *Server) apiStreetUpdate(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var b streetBody
	if err := bindJSON(c, &b); err != nil {
		return err
	}
	ctx, a, geo := c.Request().Context(), actor(c), s.geoService()
	cur, err := geo.Street(ctx, a, id, "manage")
	if err != nil {
		return err
	}
	st, err := geo.UpdateStreet(ctx, a, id, b.input(service.StreetInput{DistrictID: cur.DistrictID, Code: cur.Code, Name: cur.Name, Version: b.Version}))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toStreetJSON(st))
}

func (s *Server) apiStreetSetActive(active bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := pathID(c, "id")
		if err != nil {
			return err
		}
		version, err := bodyVersion(c)
		if err != nil {
			return err
		}
		st, err := s.geoService().SetStreetActive(c.Request().Context(), actor(c), id, version, active)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, toStreetJSON(st))
	}
}

// gridJSON is the API's view of a grid.
type gridJSON struct {
	ID         int64     `json:"id"`
	StreetID   int64     `json:"street_id"`
	DistrictID int64     `json:"district_id"`
	Code       string    `json:"code"`
	Name       string    `json:"name"`
	Status     string    `json:"status"`
	Version    int       `json:"version"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

func toGridJSON(g *model.Grid) gridJSON {
	return gridJSON{ID: g.ID, StreetID: g.StreetID, DistrictID: g.DistrictID, Code: g.Code, Name: g.Name, Status: g.Status, Version: g.Version,
		CreatedAt: g.CreatedAt.UTC(), UpdatedAt: g.UpdatedAt.UTC()}
}

func (s *Server) apiGridsList(c echo.Context) error {
	req, err := pageRequest(c, store.GridSortKeys())
	if err != nil {
		return err
	}
	q, err := readGeoQuery(c)
	if err != nil {
		return err
	}
	l, err := s.geoService().ListGrids(c.Request().Context(), actor(c), gridFilter(q), req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIList(l, func(r *store.GridRow) gridJSON { return toGridJSON(&r.Grid) }))
}

func (s *Server) apiGridGet(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	g, err := s.geoService().Grid(c.Request().Context(), actor(c), id, "read")
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toGridJSON(g))
}

// gridBody is the body of POST /grids and PATCH /grids/{id}; the district
// is always the street's. On a PATCH an absent field keeps its value.
type gridBody struct {
	StreetID *int64  `json:"street_id"`
	Code     *string `json:"code"`
	Name     *string `json:"name"`
	Version  int     `json:"version"` // required on PATCH
}

func (b gridBody) input(base service.GridInput) service.GridInput {
	if b.StreetID != nil {
		base.StreetID = *b.StreetID
	}
	if b.Code != nil {
		base.Code = *b.Code
	}
	if b.Name != nil {
		base.Name = *b.Name
	}
	return base
}

func (s *Server) apiGridCreate(c echo.Context) error {
	var b gridBody
	if err := bindJSON(c, &b); err != nil {
		return err
	}
	g, err := s.geoService().CreateGrid(c.Request().Context(), actor(c), b.input(service.GridInput{}))
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/grids/"+strconv.FormatInt(g.ID, 10))
	return c.JSON(http.StatusCreated, toGridJSON(g))
}

func (s *Server) apiGridUpdate(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var b gridBody
	if err := bindJSON(c, &b); err != nil {
		return err
	}
	ctx, a, geo := c.Request().Context(), actor(c), s.geoService()
	cur, err := geo.Grid(ctx, a, id, "manage")
	if err != nil {
		return err
	}
	g, err := geo.UpdateGrid(ctx, a, id, b.input(service.GridInput{StreetID: cur.StreetID, Code: cur.Code, Name: cur.Name, Version: b.Version}))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toGridJSON(g))
}

func (s *Server) apiGridSetActive(active bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := pathID(c, "id")
		if err != nil {
			return err
		}
		version, err := bodyVersion(c)
		if err != nil {
			return err
		}
		g, err := s.geoService().SetGridActive(c.Request().Context(), actor(c), id, version, active)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, toGridJSON(g))
	}
}

// The geography routes' entries of the OpenAPI document (openapi.go), kept
// beside their handlers (service sites' too).
func init() {
	status := schema{"type": "string", "enum": []string{model.StatusActive, model.StatusInactive}}
	nullID := schema{"type": "integer", "format": "int64", "nullable": true}

	apiDocs["GET /api/v1/districts"] = apiDoc{Tag: "geography", Summary: "The districts (any logged-in user)", Response: "list:District"}
	apiDocs["GET /api/v1/districts/:id/streets"] = apiDoc{Tag: "geography", Summary: "The active streets of a district, for forms (any logged-in user)", Response: "list:Street"}

	apiDocs["GET /api/v1/streets"] = apiDoc{Tag: "geography", Summary: "List the streets in your scope", Response: "list:Street",
		Query: withList(map[string]string{"district_id": "in this district", "name": "name contains", "status": "active | inactive", "sort": "code | name | id"})}
	apiDocs["POST /api/v1/streets"] = apiDoc{Tag: "geography", Summary: "Add a street to a district you manage", Body: "StreetInput", Response: "Street"}
	apiDocs["GET /api/v1/streets/:id"] = apiDoc{Tag: "geography", Summary: "One street", Response: "Street"}
	apiDocs["PATCH /api/v1/streets/:id"] = apiDoc{Tag: "geography", Summary: "Change a street's code or name (carry version; stale answers 409; absent fields keep their value; the district cannot change)", Body: "StreetInput", Response: "Street"}
	apiDocs["POST /api/v1/streets/:id/deactivate"] = apiDoc{Tag: "geography", Summary: "Deactivate a street (no longer offered for new rows; nothing is deleted); body {\"version\": n}, stale answers 409", Body: "VersionInput", Response: "Street"}
	apiDocs["POST /api/v1/streets/:id/activate"] = apiDoc{Tag: "geography", Summary: "Activate a street again (body {\"version\": n})", Body: "VersionInput", Response: "Street"}

	apiDocs["GET /api/v1/grids"] = apiDoc{Tag: "geography", Summary: "List the grids in your scope", Response: "list:Grid",
		Query: withList(map[string]string{"district_id": "in this district", "street_id": "of this street", "name": "name contains", "status": "active | inactive", "sort": "code | name | id"})}
	apiDocs["POST /api/v1/grids"] = apiDoc{Tag: "geography", Summary: "Add a grid to a street (its district is the street's)", Body: "GridInput", Response: "Grid"}
	apiDocs["GET /api/v1/grids/:id"] = apiDoc{Tag: "geography", Summary: "One grid", Response: "Grid"}
	apiDocs["PATCH /api/v1/grids/:id"] = apiDoc{Tag: "geography", Summary: "Change a grid (carry version; stale answers 409; absent fields keep their value; a grid sites point to keeps its street)", Body: "GridInput", Response: "Grid"}
	apiDocs["POST /api/v1/grids/:id/deactivate"] = apiDoc{Tag: "geography", Summary: "Deactivate a grid (body {\"version\": n}; stale answers 409)", Body: "VersionInput", Response: "Grid"}
	apiDocs["POST /api/v1/grids/:id/activate"] = apiDoc{Tag: "geography", Summary: "Activate a grid again (body {\"version\": n})", Body: "VersionInput", Response: "Grid"}

	apiDocs["GET /api/v1/service-sites"] = apiDoc{Tag: "geography", Summary: "List the service sites (党群服务阵地) in your scope", Response: "list:ServiceSite",
		Query: withList(map[string]string{"district_id": "in this district", "street_id": "of this street", "grid_id": "of this grid", "kind": "site_kind dictionary code",
			"name": "name contains", "status": "active | inactive", "sort": "name | seats | id"})}
	apiDocs["POST /api/v1/service-sites"] = apiDoc{Tag: "geography", Summary: "Add a service site (its district is the street's)", Body: "ServiceSiteInput", Response: "ServiceSite"}
	apiDocs["GET /api/v1/service-sites/:id"] = apiDoc{Tag: "geography", Summary: "One service site", Response: "ServiceSite"}
	apiDocs["PATCH /api/v1/service-sites/:id"] = apiDoc{Tag: "geography", Summary: "Change a service site (carry version; stale answers 409; absent fields keep their value)", Body: "ServiceSiteInput", Response: "ServiceSite"}
	apiDocs["POST /api/v1/service-sites/:id/deactivate"] = apiDoc{Tag: "geography", Summary: "Deactivate a service site; body {\"version\": n}, the stored version (409 otherwise)", Body: "VersionInput", Response: "ServiceSite"}
	apiDocs["POST /api/v1/service-sites/:id/activate"] = apiDoc{Tag: "geography", Summary: "Activate a service site again; body {\"version\": n} as for deactivate", Body: "VersionInput", Response: "ServiceSite"}

	apiSchemas["District"] = obj(nil, map[string]schema{"id": integer, "code": str, "name": str})
	apiSchemas["Street"] = obj(nil, map[string]schema{"id": integer, "district_id": integer, "code": str, "name": str, "status": status,
		"version": integer, "created_at": dateTime, "updated_at": dateTime})
	apiSchemas["StreetInput"] = obj(nil, map[string]schema{
		"district_id": {"type": "integer", "description": "required on create; cannot change"},
		"code":        {"type": "string", "pattern": "^[0-9]{6,12}$", "example": "310104011", "description": "administrative code, unique"},
		"name":        {"type": "string", "maxLength": service.StreetNameMax},
		"version":     {"type": "integer", "description": "required on PATCH: the version read (stale answers 409)"}})
	apiSchemas["Grid"] = obj(nil, map[string]schema{"id": integer, "street_id": integer, "district_id": integer, "code": str, "name": str,
		"status": status, "version": integer, "created_at": dateTime, "updated_at": dateTime})
	apiSchemas["GridInput"] = obj(nil, map[string]schema{
		"street_id": {"type": "integer", "description": "required on create"},
		"code":      {"type": "string", "maxLength": service.GridCodeMax, "description": "letters, digits, - and _; unique"},
		"name":      {"type": "string", "maxLength": service.GridNameMax},
		"version":   {"type": "integer", "description": "required on PATCH: the version read (stale answers 409)"}})
	apiSchemas["ServiceSite"] = obj(nil, map[string]schema{"id": integer, "name": str, "kind": str, "district_id": integer,
		"street_id": integer, "grid_id": nullID, "address": str, "opening_hours": str, "facilities": str, "seats": integer,
		"managing_unit_id": nullID, "status": status, "version": integer, "created_at": dateTime, "updated_at": dateTime})
	apiSchemas["ServiceSiteInput"] = obj(nil, map[string]schema{
		"name":             {"type": "string", "maxLength": service.SiteNameMax},
		"kind":             {"type": "string", "description": "an active site_kind dictionary code"},
		"street_id":        {"type": "integer", "description": "required on create; the district is the street's"},
		"grid_id":          {"type": "integer", "nullable": true, "description": "a grid of the street, or null"},
		"address":          {"type": "string", "maxLength": service.SiteAddressMax},
		"opening_hours":    {"type": "string", "maxLength": service.SiteOpeningHoursMax, "example": "周一至周五 9:00–17:00"},
		"facilities":       {"type": "string", "maxLength": service.SiteFacilitiesMax},
		"seats":            {"type": "integer", "minimum": 0, "maximum": service.SiteSeatsMax},
		"managing_unit_id": {"type": "integer", "nullable": true, "description": "a member unit of the site's district, or null"},
		"status":           status,
		"version":          {"type": "integer", "description": "required on PATCH"}})
}
