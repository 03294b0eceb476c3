package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"tongxin/internal/authz"
	"tongxin/internal/model"
	"tongxin/internal/report"
	"tongxin/internal/service"
	"tongxin/internal/store"
)

// 成员单位: the list with filters and export, the detail page with the
// unit's alliances, the new and edit forms, deactivate and reactivate, and
// the same through /api/v1/units.

// unitService is the service behind these pages, built per request from the
// database and the authorizer (it holds nothing else).
func (s *Server) unitService() *service.Units {
	return service.NewUnits(s.deps())
}

// ---- list ----

// unitQuery is the list's filter as typed; it goes back into the form.
type unitQuery struct {
	Q, Kind, DistrictID, StreetID, Status string
}

// readUnitQuery reads the filter from the URL. A page ignores a value it
// cannot use; the API answers 400.
func readUnitQuery(c echo.Context) (unitQuery, store.UnitFilter, error) {
	q := unitQuery{
		Q:          strings.TrimSpace(c.QueryParam("q")),
		Kind:       strings.TrimSpace(c.QueryParam("kind")),
		DistrictID: strings.TrimSpace(c.QueryParam("district_id")),
		StreetID:   strings.TrimSpace(c.QueryParam("street_id")),
		Status:     strings.TrimSpace(c.QueryParam("status")),
	}
	f := store.UnitFilter{Query: q.Q, Kind: q.Kind, Status: q.Status}
	ve := &model.ValidationError{}
	if len([]rune(q.Q)) > 100 {
		ve.AddArgs("q", model.MsgTooLong, 100)
	}
	num := func(field, v string) int64 {
		if v == "" {
			return 0
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			ve.Add(field, "unit.bad_filter_id")
			return 0
		}
		return n
	}
	f.DistrictID = num("district_id", q.DistrictID)
	f.StreetID = num("street_id", q.StreetID)
	switch q.Status {
	case "", model.StatusActive, model.StatusInactive:
	default:
		ve.Add("status", "unit.bad_status")
		f.Status = ""
	}
	if IsAPI(c) {
		return q, f, ve.Err()
	}
	if ve.Fields["district_id"] != "" {
		q.DistrictID = ""
	}
	if ve.Fields["street_id"] != "" {
		q.StreetID = ""
	}
	if ve.Fields["status"] != "" {
		q.Status = ""
	}
	if ve.Fields["q"] != "" {
		f.Query = string([]rune(q.Q)[:100])
	}
	return q, f, nil
}

// streetGroup is the streets of one district, an <optgroup> of a select.
type streetGroup struct {
	DistrictName string
	Streets      []model.Street
}

func groupStreets(districts []model.District, streets []model.Street) []streetGroup {
	names := make(map[int64]string, len(districts))
	for _, d := range districts {
		names[d.ID] = d.Name
	}
	var out []streetGroup
	for _, st := range streets {
		if n := len(out); n > 0 && out[n-1].Streets[0].DistrictID == st.DistrictID {
			out[n-1].Streets = append(out[n-1].Streets, st)
			continue
		}
		name := names[st.DistrictID]
		if name == "" {
			name = strconv.FormatInt(st.DistrictID, 10)
		}
		out = append(out, streetGroup{DistrictName: name, Streets: []model.Street{st}})
	}
	return out
}

// unitsPage is the Data of units/list.
type unitsPage struct {
	Query        unitQuery
	Items        []store.UnitRow
	List         *ListView
	Opts         *service.UnitFilterOptions
	StreetGroups []streetGroup
	KindLabels   map[string]string
	CanCreate    bool
	CanImport    bool
}

// Filtered reports a filter that narrows the list (the empty state differs).
func (p unitsPage) Filtered() bool {
	q := p.Query
	return q.Q != "" || q.Kind != "" || q.DistrictID != "" || q.StreetID != "" || q.Status != ""
}

func (s *Server) kindLabels(c echo.Context) (map[string]string, error) {
	return s.dictionaries().Labels(c.Request().Context(), model.DictUnitKind, Locale(c))
}

func (s *Server) unitsList(c echo.Context) error {
	req, err := pageRequest(c, store.UnitSortKeys())
	if err != nil {
		return err
	}
	q, f, err := readUnitQuery(c)
	if err != nil {
		return err
	}
	ctx, a := c.Request().Context(), actor(c)
	svc := s.unitService()
	l, err := svc.List(ctx, a, f, req)
	if err != nil {
		return err
	}
	opts, err := svc.FilterOptions(ctx, a, f.DistrictID)
	if err != nil {
		return err
	}
	labels, err := s.kindLabels(c)
	if err != nil {
		return err
	}
	loc := Locale(c)
	title := s.cat.T(loc, "menu.units")
	v := s.view(c, title, Crumb{Label: s.cat.T(loc, "menu.group.governance")}, Crumb{Label: title})
	v.Data = unitsPage{Query: q, Items: l.Items, List: newListView(c, req, l, "/units/export"), Opts: opts,
		StreetGroups: groupStreets(opts.Districts, opts.Streets), KindLabels: labels,
		CanCreate: s.authz.CanAnywhere(CurrentUser(c).ID, "unit", "create"),
		CanImport: s.authz.CanAnywhere(CurrentUser(c).ID, "unit", "import")}
	return s.page(c, http.StatusOK, "units/list", v)
}

func (s *Server) unitsExport(c echo.Context) error {
	format, err := report.ParseFormat(c.QueryParam("format"))
	if err != nil {
		return (&model.ValidationError{}).Add("format", "list.bad_format")
	}
	_, f, err := readUnitQuery(c)
	if err != nil {
		return err
	}
	labels, err := s.kindLabels(c)
	if err != nil {
		return err
	}
	loc := Locale(c)
	t := func(k string) string { return s.cat.T(loc, k) }
	cols := []report.Column{
		{Header: "ID", Width: 8}, {Header: t("unit.name"), Width: 30}, {Header: t("unit.credit_code"), Width: 22},
		{Header: t("unit.kind"), Width: 14}, {Header: t("unit.district"), Width: 10}, {Header: t("unit.street"), Width: 14},
		{Header: t("unit.address"), Width: 30}, {Header: t("unit.party_org"), Width: 24}, {Header: t("unit.party_members"), Width: 10},
		{Header: t("unit.contact_name"), Width: 10}, {Header: t("unit.contact_phone"), Width: 16}, {Header: t("unit.status"), Width: 8},
		{Header: t("unit.created_at"), Width: 18},
	}
	return s.streamExport(c, format, t("menu.units"), cols, func(w report.Writer) error {
		return s.unitService().Export(c.Request().Context(), actor(c), f, string(format), func(u *store.UnitRow) error {
			code := ""
			if u.CreditCode != nil {
				code = *u.CreditCode
			}
			kind := labels[u.Kind]
			if kind == "" {
				kind = u.Kind
			}
			return w.WriteRow(u.ID, u.Name, code, kind, u.DistrictName, u.StreetName, u.Address, u.PartyOrg, u.PartyMembers,
				u.ContactName, u.ContactPhone, t("unit.status."+u.Status), u.CreatedAt)
		})
	})
}

// ---- detail ----

// unitShowPage is the Data of units/show.
type unitShowPage struct {
	*service.UnitDetail
	KindLabel string
	// CanProfile links the unit's contribution profile (贡献档案).
	CanProfile bool
}

func (s *Server) unitShow(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	d, err := s.unitService().Detail(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	labels, err := s.kindLabels(c)
	if err != nil {
		return err
	}
	kind := labels[d.Unit.Kind]
	if kind == "" {
		kind = d.Unit.Kind
	}
	loc := Locale(c)
	v := s.view(c, d.Unit.Name, Crumb{Label: s.cat.T(loc, "menu.units"), URL: "/units"}, Crumb{Label: d.Unit.Name})
	var alliances []int64
	for _, m := range d.Memberships {
		if m.LeftOn == nil {
			alliances = append(alliances, m.AllianceID)
		}
	}
	canProfile := s.authz.Can(actor(c).UserID, authz.ChainUnit(d.Unit.ID, d.Unit.DistrictID, alliances...), "unit_profile", "read")
	v.Data = unitShowPage{UnitDetail: d, KindLabel: kind, CanProfile: canProfile}
	return s.page(c, http.StatusOK, "units/show", v)
}

// ---- forms ----

// unitForm is the Data of units/form.
type unitForm struct {
	ID           int64
	Input        service.UnitInput
	Opts         *service.UnitFormOptions
	StreetGroups []streetGroup
	Errors       map[string]string
	// Duplicate is the unit of the same name in the district; the form asks
	// to confirm (仍要保存).
	Duplicate *service.DuplicateUnitError
	// Stale compares what this user typed with what someone saved first.
	Stale []staleRow
	stale bool // build Stale (the edit was refused as stale)
}

// staleRow is one field of a stale edit: mine and theirs.
type staleRow struct {
	Label, Mine, Theirs string
	Changed             bool
}

// formID reads an id field: 0 when empty, -1 when not a positive number
// (validation then says so).
func formID(v string) int64 {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return -1
	}
	return n
}

func unitInputFromForm(c echo.Context) service.UnitInput {
	version := formVersion(c)
	return service.UnitInput{
		Name: c.FormValue("name"), CreditCode: c.FormValue("credit_code"), Kind: c.FormValue("kind"),
		DistrictID: formID(c.FormValue("district_id")), StreetID: formID(c.FormValue("street_id")),
		Address: c.FormValue("address"), PartyOrg: c.FormValue("party_org"), PartyMembers: c.FormValue("party_members"),
		ContactName: c.FormValue("contact_name"), ContactPhone: c.FormValue("contact_phone"),
		Status: c.FormValue("status"), Version: version, ConfirmDuplicate: c.FormValue("confirm_duplicate") != "",
	}
}

// unitInputOf fills a form with a stored unit.
func unitInputOf(u *model.Unit) service.UnitInput {
	in := service.UnitInput{Name: u.Name, Kind: u.Kind, DistrictID: u.DistrictID, Address: u.Address, PartyOrg: u.PartyOrg,
		PartyMembers: strconv.Itoa(u.PartyMembers), ContactName: u.ContactName, ContactPhone: u.ContactPhone,
		Status: u.Status, Version: u.Version}
	if u.CreditCode != nil {
		in.CreditCode = *u.CreditCode
	}
	if u.StreetID != nil {
		in.StreetID = *u.StreetID
	}
	return in
}

// renderUnitForm shows the new form (id 0) or the edit form of unit id.
func (s *Server) renderUnitForm(c echo.Context, status int, id int64, f unitForm, ve *model.ValidationError) error {
	ctx, a, loc := c.Request().Context(), actor(c), Locale(c)
	svc := s.unitService()
	var u *model.Unit
	if id != 0 {
		var err error
		if u, err = svc.Get(ctx, a, id); err != nil {
			return err
		}
	}
	opts, err := svc.FormOptions(ctx, a, u)
	if err != nil {
		return err
	}
	f.ID, f.Opts, f.StreetGroups = id, opts, groupStreets(opts.Districts, opts.Streets)
	if u != nil && !opts.CanManage {
		// A unit contact sees the district and status but cannot change them.
		f.Input.DistrictID, f.Input.Status = u.DistrictID, u.Status
	}
	if f.stale && u != nil {
		// Saving again keeps this user's version over the stored one.
		if f.Stale, err = s.unitStaleRows(c, f.Input, u, opts); err != nil {
			return err
		}
		f.Input.Version = u.Version
	}
	if ve != nil {
		f.Errors = s.fieldMessages(loc, ve)
	}
	title := s.cat.T(loc, "unit.new")
	crumbs := []Crumb{{Label: s.cat.T(loc, "menu.units"), URL: "/units"}}
	if u != nil {
		title = s.cat.T(loc, "unit.edit")
		crumbs = append(crumbs, Crumb{Label: u.Name, URL: "/units/" + strconv.FormatInt(id, 10)})
	}
	v := s.view(c, title, append(crumbs, Crumb{Label: title})...)
	v.Data = f
	return s.page(c, status, "units/form", v)
}

func (s *Server) unitNew(c echo.Context) error {
	in := service.UnitInput{Status: model.StatusActive}
	if d := formID(c.QueryParam("district_id")); d > 0 {
		in.DistrictID = d
	}
	return s.renderUnitForm(c, http.StatusOK, 0, unitForm{Input: in}, nil)
}

// unitFormRefused re-renders a form for a refusal the user can fix: a
// duplicate name to confirm or field errors. It reports false for other errors.
func (s *Server) unitFormRefused(c echo.Context, id int64, in service.UnitInput, err error) (bool, error) {
	var dup *service.DuplicateUnitError
	if errors.As(err, &dup) {
		return true, s.renderUnitForm(c, http.StatusUnprocessableEntity, id, unitForm{Input: in, Duplicate: dup}, nil)
	}
	var ve *model.ValidationError
	if errors.As(err, &ve) {
		return true, s.renderUnitForm(c, http.StatusUnprocessableEntity, id, unitForm{Input: in}, ve)
	}
	return false, nil
}

func (s *Server) unitCreate(c echo.Context) error {
	in := unitInputFromForm(c)
	u, err := s.unitService().Create(c.Request().Context(), actor(c), in)
	if done, rerr := s.unitFormRefused(c, 0, in, err); done {
		return rerr
	}
	if err != nil {
		return err
	}
	ctx, a := c.Request().Context(), actor(c)
	if _, err := s.unitService().Get(ctx, a, u.ID); errors.Is(err, model.ErrNotFound) {
		// An alliance secretary may create a unit but sees only the units of
		// their alliance: take them to it, with the new unit ready to add.
		for _, ra := range s.authz.Roles(a.UserID) {
			kind, aid, perr := model.ParseDomain(ra.Domain)
			if perr == nil && kind == model.DomainAlliance && s.authz.Can(a.UserID, []string{ra.Domain}, "membership", "manage") {
				s.flash(c, "success", "unit.created_add_to_alliance", u.Name)
				return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/alliances/%d?add_unit=%d#members", aid, u.ID))
			}
		}
	}
	s.flash(c, "success", "unit.created", u.Name)
	return c.Redirect(http.StatusSeeOther, "/units/"+strconv.FormatInt(u.ID, 10))
}

func (s *Server) unitEdit(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	// The form is for those who may update this unit, not only read it.
	u, err := s.unitService().Editable(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	return s.renderUnitForm(c, http.StatusOK, id, unitForm{Input: unitInputOf(u)}, nil)
}

func (s *Server) unitUpdate(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx, a := c.Request().Context(), actor(c)
	in := unitInputFromForm(c)
	_, err = s.unitService().Update(ctx, a, id, in)
	if done, rerr := s.unitFormRefused(c, id, in, err); done {
		return rerr
	}
	if errors.Is(err, model.ErrConflict) {
		// Someone saved first: show both versions; saving again keeps this
		// user's, reloading the form takes the other.
		return s.renderUnitForm(c, http.StatusConflict, id, unitForm{Input: in, stale: true}, nil)
	}
	if err != nil {
		return err
	}
	s.flash(c, "success", "form.saved")
	return c.Redirect(http.StatusSeeOther, "/units/"+strconv.FormatInt(id, 10))
}

// unitStaleRows lists the form's fields with what this user typed and what
// is stored now, naming kinds, districts and streets from the form's choices.
func (s *Server) unitStaleRows(c echo.Context, mine service.UnitInput, cur *model.Unit, opts *service.UnitFormOptions) ([]staleRow, error) {
	loc := Locale(c)
	labels, err := s.kindLabels(c)
	if err != nil {
		return nil, err
	}
	theirs := unitInputOf(cur)
	names := map[int64]string{}
	for _, d := range opts.Districts {
		names[d.ID] = d.Name
	}
	streets := map[int64]string{}
	for _, st := range opts.Streets {
		streets[st.ID] = st.Name
	}
	kind := func(code string) string {
		if l := labels[code]; l != "" {
			return l
		}
		return code
	}
	name := func(m map[int64]string, n int64) string {
		if n <= 0 {
			return ""
		}
		if v := m[n]; v != "" {
			return v
		}
		return strconv.FormatInt(n, 10)
	}
	status := func(st string) string {
		if st == "" {
			return ""
		}
		return s.cat.T(loc, "unit.status."+st)
	}
	row := func(key, m, t string) staleRow {
		return staleRow{Label: s.cat.T(loc, key), Mine: m, Theirs: t, Changed: strings.TrimSpace(m) != strings.TrimSpace(t)}
	}
	return []staleRow{
		row("unit.name", mine.Name, theirs.Name),
		row("unit.credit_code", model.NormalizeCreditCode(mine.CreditCode), theirs.CreditCode),
		row("unit.kind", kind(mine.Kind), kind(theirs.Kind)),
		row("unit.district", name(names, mine.DistrictID), name(names, theirs.DistrictID)),
		row("unit.street", name(streets, mine.StreetID), name(streets, theirs.StreetID)),
		row("unit.address", mine.Address, theirs.Address),
		row("unit.party_org", mine.PartyOrg, theirs.PartyOrg),
		row("unit.party_members", mine.PartyMembers, theirs.PartyMembers),
		row("unit.contact_name", mine.ContactName, theirs.ContactName),
		row("unit.contact_phone", mine.ContactPhone, theirs.ContactPhone),
		row("unit.status", status(mine.Status), status(theirs.Status)),
	}, nil
}

func (s *Server) unitSetActive(active bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := pathID(c, "id")
		if err != nil {
			return err
		}
		version := formVersion(c)
		u, err := s.unitService().SetActive(c.Request().Context(), actor(c), id, version, active)
		if err != nil { // a stale version: 409 naming both versions
			return err
		}
		key := "unit.deactivated"
		if active {
			key = "unit.activated"
		}
		s.flash(c, "success", key, u.Name)
		return c.Redirect(http.StatusSeeOther, "/units/"+strconv.FormatInt(id, 10))
	}
}

// ---- API ----

// unitJSON is the API's view of a unit.
type unitJSON struct {
	ID           int64   `json:"id"`
	Name         string  `json:"name"`
	CreditCode   *string `json:"credit_code"`
	Kind         string  `json:"kind"`
	DistrictID   int64   `json:"district_id"`
	StreetID     *int64  `json:"street_id"`
	Address      string  `json:"address"`
	PartyOrg     string  `json:"party_org"`
	PartyMembers int     `json:"party_members"`
	ContactName  string  `json:"contact_name"`
	ContactPhone string  `json:"contact_phone"`
	// ContactErasedAt: when the contact was erased on request (null: never).
	ContactErasedAt *time.Time `json:"contact_erased_at"`
	Status          string     `json:"status"`
	Version         int        `json:"version"`
	CreatedAt       time.Time  `json:"created_at"`
	UpdatedAt       time.Time  `json:"updated_at"`
}

func toUnitJSON(u *model.Unit) unitJSON {
	return unitJSON{ID: u.ID, Name: u.Name, CreditCode: u.CreditCode, Kind: u.Kind, DistrictID: u.DistrictID, StreetID: u.StreetID,
		Address: u.Address, PartyOrg: u.PartyOrg, PartyMembers: u.PartyMembers, ContactName: u.ContactName,
		ContactPhone: u.ContactPhone, ContactErasedAt: utcPtr(u.ContactErasedAt), Status: u.Status, Version: u.Version, CreatedAt: u.CreatedAt.UTC(), UpdatedAt: u.UpdatedAt.UTC()}
}

func (s *Server) apiUnitsList(c echo.Context) error {
	req, err := pageRequest(c, store.UnitSortKeys())
	if err != nil {
		return err
	}
	_, f, err := readUnitQuery(c)
	if err != nil {
		return err
	}
	l, err := s.unitService().List(c.Request().Context(), actor(c), f, req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIList(l, func(r *store.UnitRow) unitJSON { return toUnitJSON(&r.Unit) }))
}

func (s *Server) apiUnitGet(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	u, err := s.unitService().View(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toUnitJSON(u))
}

// unitBody is the body of POST /units and PATCH /units/{id}. On PATCH the
// fields given change and the others stay; the status changes only through
// the deactivate and activate actions.
type unitBody struct {
	Name             *string `json:"name"`
	CreditCode       *string `json:"credit_code"`
	Kind             *string `json:"kind"`
	DistrictID       *int64  `json:"district_id"`
	StreetID         *int64  `json:"street_id"`
	Address          *string `json:"address"`
	PartyOrg         *string `json:"party_org"`
	PartyMembers     *int    `json:"party_members"`
	ContactName      *string `json:"contact_name"`
	ContactPhone     *string `json:"contact_phone"`
	Version          int     `json:"version"`
	ConfirmDuplicate bool    `json:"confirm_duplicate"`
}

// applyTo overlays the fields the body gives on in.
func (b *unitBody) applyTo(in *service.UnitInput) {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&in.Name, b.Name)
	set(&in.CreditCode, b.CreditCode)
	set(&in.Kind, b.Kind)
	set(&in.Address, b.Address)
	set(&in.PartyOrg, b.PartyOrg)
	set(&in.ContactName, b.ContactName)
	set(&in.ContactPhone, b.ContactPhone)
	if b.DistrictID != nil {
		in.DistrictID = *b.DistrictID
		if in.DistrictID == 0 {
			in.DistrictID = -1 // "0" is not a district; say so rather than keep the old one
		}
	}
	if b.StreetID != nil {
		in.StreetID = *b.StreetID
	}
	if b.PartyMembers != nil {
		in.PartyMembers = strconv.Itoa(*b.PartyMembers)
	}
	in.Version, in.ConfirmDuplicate = b.Version, b.ConfirmDuplicate
}

func (s *Server) apiUnitCreate(c echo.Context) error {
	var b unitBody
	if err := bindJSON(c, &b); err != nil {
		return err
	}
	in := service.UnitInput{}
	b.applyTo(&in)
	in.Version = 0
	u, err := s.unitService().Create(c.Request().Context(), actor(c), in)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/units/"+strconv.FormatInt(u.ID, 10))
	return c.JSON(http.StatusCreated, toUnitJSON(u))
}

func (s *Server) apiUnitUpdate(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var b unitBody
	if err := bindJSON(c, &b); err != nil {
		return err
	}
	ctx, a := c.Request().Context(), actor(c)
	svc := s.unitService()
	cur, err := svc.Get(ctx, a, id)
	if err != nil {
		return err
	}
	if b.Version == 0 {
		return (&model.ValidationError{}).Add("version", model.MsgVersionMissing)
	}
	in := unitInputOf(cur)
	b.applyTo(&in)
	u, err := svc.Update(ctx, a, id, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toUnitJSON(u))
}

// unitActionBody is the optional body of the deactivate and activate actions.
type unitActionBody struct {
	Version int `json:"version"`
}

func (s *Server) apiUnitSetActive(active bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := pathID(c, "id")
		if err != nil {
			return err
		}
		var b unitActionBody
		if c.Request().ContentLength != 0 {
			if err := bindJSON(c, &b); err != nil {
				return err
			}
		}
		u, err := s.unitService().SetActive(c.Request().Context(), actor(c), id, b.Version, active)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, toUnitJSON(u))
	}
}

func init() {
	filters := withList(map[string]string{
		"q": "name contains, or credit code starts with", "kind": "unit_kind dictionary code", "district_id": "district code, e.g. 310104",
		"street_id": "street id", "status": "active | inactive",
	})
	apiDocs["GET /api/v1/units"] = apiDoc{Tag: "units", Summary: "List member units in the caller's scope (sort: name, created_at, id)", Response: "list:Unit", Query: filters}
	apiDocs["POST /api/v1/units"] = apiDoc{Tag: "units", Summary: "Create a member unit; the same name in the district needs confirm_duplicate", Body: "UnitInput", Response: "Unit"}
	apiDocs["GET /api/v1/units/:id"] = apiDoc{Tag: "units", Summary: "One member unit", Response: "Unit"}
	apiDocs["PATCH /api/v1/units/:id"] = apiDoc{Tag: "units", Summary: "Change the fields given (carry version; stale answers 409); a unit contact may not change district_id", Body: "UnitInput", Response: "Unit"}
	apiDocs["POST /api/v1/units/:id/deactivate"] = apiDoc{Tag: "units", Summary: "Deactivate (never deleted); optional body {version}", Body: "UnitAction", Response: "Unit"}
	apiDocs["POST /api/v1/units/:id/activate"] = apiDoc{Tag: "units", Summary: "Reactivate; optional body {version}", Body: "UnitAction", Response: "Unit"}
	nullInt := schema{"type": "integer", "format": "int64", "nullable": true}
	apiSchemas["Unit"] = obj(nil, map[string]schema{"id": integer, "name": str,
		"credit_code": {"type": "string", "nullable": true, "description": "unified social credit code (GB 32100-2015), 18 characters"},
		"kind":        str, "district_id": integer, "street_id": nullInt, "address": str, "party_org": str, "party_members": integer,
		"contact_name":      {"type": "string", "description": "masked (王*) unless the caller may see the unit's personal data; 已删除 once erased"},
		"contact_phone":     {"type": "string", "description": "masked (138****1234) unless the caller may see the unit's personal data"},
		"contact_erased_at": {"type": "string", "format": "date-time", "nullable": true, "description": "when the contact was erased on request"},
		"status":            {"type": "string", "enum": []string{"active", "inactive"}},
		"version":           integer, "created_at": dateTime, "updated_at": dateTime})
	apiSchemas["UnitInput"] = obj(nil, map[string]schema{"name": str,
		"credit_code": {"type": "string", "description": "normalised (full-width, lower case, spaces); \"\" for none; a wrong check character is refused in fields.credit_code"},
		"kind":        str, "district_id": integer, "street_id": {"type": "integer", "format": "int64", "description": "0 for none"},
		"address": str, "party_org": str, "party_members": integer, "contact_name": str, "contact_phone": str,
		"version":           {"type": "integer", "description": "PATCH: the version read"},
		"confirm_duplicate": {"type": "boolean", "description": "save although the district has a unit of the same name"}})
	apiSchemas["UnitAction"] = obj(nil, map[string]schema{"version": {"type": "integer", "description": "optional; a stale one answers 409"}})
}
