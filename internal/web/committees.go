package web

import (
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

// Committees (专委会) of alliances, as pages and as /api/v1. Reading a
// committee is reading its alliance (alliance:read); running it is
// committee:manage on the alliance's chain.

// committeeQuery is the list's filter as typed.
type committeeQuery struct {
	Name, Status string
	AllianceID   int64
}

// Active reports a filter that narrows the list.
func (q committeeQuery) Active() bool { return q.Name != "" || q.Status != "" || q.AllianceID != 0 }

func (q committeeQuery) filter() store.CommitteeFilter {
	return store.CommitteeFilter{Name: q.Name, Status: q.Status, AllianceID: q.AllianceID}
}

// readCommitteeQuery reads name, status and alliance_id from the URL; a page
// ignores what it does not understand, the API answers 400.
func readCommitteeQuery(c echo.Context) (committeeQuery, error) {
	api := IsAPI(c)
	ve := &model.ValidationError{}
	q := committeeQuery{Name: strings.TrimSpace(c.QueryParam("name")), Status: strings.TrimSpace(c.QueryParam("status"))}
	if v := strings.TrimSpace(c.QueryParam("alliance_id")); v != "" {
		if q.AllianceID = allianceID(v); q.AllianceID == 0 && api {
			ve.Add("alliance_id", "alliance.bad_filter")
		}
	}
	if utf8.RuneCountInString(q.Name) > allianceFilterMax || !utf8.ValidString(q.Name) || strings.ContainsFunc(q.Name, isControl) {
		if api {
			ve.AddArgs("name", model.MsgTooLong, allianceFilterMax)
		}
		q.Name = ""
	}
	if q.Status != "" && q.Status != model.StatusActive && q.Status != model.StatusInactive {
		if api {
			ve.Add("status", "alliance.bad_filter")
		}
		q.Status = ""
	}
	return q, ve.Err()
}

// committeesPage is the Data of committees/list.
type committeesPage struct {
	Filter committeeQuery
	// AllianceName names the alliance the list is narrowed to.
	AllianceName string
	Items        []store.CommitteeRow
	List         *ListView
	CanCreate    bool
}

func (s *Server) committeesList(c echo.Context) error {
	req, err := pageRequest(c, store.CommitteeSortKeys())
	if err != nil {
		return err
	}
	q, _ := readCommitteeQuery(c)
	ctx, loc, svc := c.Request().Context(), Locale(c), s.allianceService()
	l, err := svc.ListCommittees(ctx, actor(c), q.filter(), req)
	var bad *model.ValidationError
	if errors.As(err, &bad) {
		req.After, req.Before = "", ""
		l, err = svc.ListCommittees(ctx, actor(c), q.filter(), req)
	}
	if err != nil {
		return err
	}
	page := committeesPage{Filter: q, Items: l.Items, List: newListView(c, req, l, "/committees/export"),
		CanCreate: s.authz.CanAnywhere(CurrentUser(c).ID, "committee", "manage")}
	if q.AllianceID != 0 {
		if a, err := svc.Get(ctx, actor(c), q.AllianceID); err == nil {
			page.AllianceName = a.Name
		}
	}
	title := s.cat.T(loc, "menu.committees")
	v := s.view(c, title, Crumb{Label: s.cat.T(loc, "menu.group.governance")}, Crumb{Label: title})
	v.Data = page
	return s.page(c, http.StatusOK, "committees/list", v)
}

func (s *Server) committeesExport(c echo.Context) error {
	format, err := report.ParseFormat(c.QueryParam("format"))
	if err != nil {
		return (&model.ValidationError{}).Add("format", "list.bad_format")
	}
	req, err := pageRequest(c, store.CommitteeSortKeys())
	if err != nil {
		return err
	}
	q, _ := readCommitteeQuery(c)
	ctx, loc := c.Request().Context(), Locale(c)
	cols := []report.Column{
		{Header: "ID", Width: 8}, {Header: s.cat.T(loc, "committee.name"), Width: 20}, {Header: s.cat.T(loc, "committee.alliance"), Width: 30},
		{Header: s.cat.T(loc, "committee.theme"), Width: 30}, {Header: s.cat.T(loc, "committee.convenor"), Width: 30},
		{Header: s.cat.T(loc, "committee.member_count"), Width: 10}, {Header: s.cat.T(loc, "alliance.status"), Width: 8},
	}
	return s.streamExport(c, format, s.cat.T(loc, "menu.committees"), cols, func(w report.Writer) error {
		return s.allianceService().EachCommittee(ctx, actor(c), q.filter(), req, func(r *store.CommitteeRow) error {
			return w.WriteRow(r.ID, r.Name, r.AllianceName, r.Theme, r.ConvenorName, r.MemberCount, s.cat.T(loc, "alliance.status."+r.Status))
		})
	})
}

// ---- 新增 / 编辑专委会 ----

// committeeForm is the Data of committees/form.
type committeeForm struct {
	ID int64
	// AllianceID is the alliance of the committee; 0 on a new committee
	// whose alliance has not been chosen yet (the form then offers Alliances).
	AllianceID   int64
	AllianceName string
	Alliances    []store.AllianceRow
	Name, Theme  string
	ConvenorID   string
	MemberIDs    []string
	Units        []store.AllianceUnitOption
	Errors       map[string]string
	// Version is the committee's version the editor read (edits only).
	Version int
}

// IsMember reports whether the form has unit id checked as a member.
func (f committeeForm) IsMember(id int64) bool {
	return slices.Contains(f.MemberIDs, strconv.FormatInt(id, 10))
}

func (s *Server) renderCommitteeForm(c echo.Context, status int, f committeeForm, ve *model.ValidationError) error {
	ctx, loc, svc := c.Request().Context(), Locale(c), s.allianceService()
	var err error
	if f.AllianceID == 0 {
		if f.Alliances, err = svc.CommitteeAlliances(ctx, actor(c)); err != nil {
			return err
		}
	} else {
		a, err := svc.Get(ctx, actor(c), f.AllianceID)
		if err != nil {
			return err
		}
		f.AllianceName = a.Name
		if f.Units, err = svc.CommitteeUnits(ctx, actor(c), f.AllianceID); err != nil {
			return err
		}
	}
	if ve != nil {
		f.Errors = s.fieldMessages(loc, ve)
	}
	title := s.cat.T(loc, "committee.new")
	crumbs := []Crumb{{Label: s.cat.T(loc, "menu.committees"), URL: "/committees"}}
	if f.ID != 0 {
		title = s.cat.T(loc, "committee.edit")
		crumbs = append(crumbs, Crumb{Label: f.Name, URL: "/committees/" + strconv.FormatInt(f.ID, 10)})
	}
	v := s.view(c, title, append(crumbs, Crumb{Label: title})...)
	v.Data = f
	return s.page(c, status, "committees/form", v)
}

// committeeNew is GET /committees/new[?alliance_id=…]: without an alliance
// it asks for one first (the convenor and members come from its units).
func (s *Server) committeeNew(c echo.Context) error {
	return s.renderCommitteeForm(c, http.StatusOK, committeeForm{AllianceID: allianceID(c.QueryParam("alliance_id"))}, nil)
}

func committeeFormFrom(c echo.Context) committeeForm {
	f := committeeForm{AllianceID: allianceID(c.FormValue("alliance_id")), Name: c.FormValue("name"), Theme: c.FormValue("theme"),
		ConvenorID: strings.TrimSpace(c.FormValue("convenor_unit_id")), Version: formVersion(c)}
	if form, err := c.FormParams(); err == nil {
		f.MemberIDs = form["member_unit_ids"]
	}
	return f
}

func (f committeeForm) input() service.CommitteeInput {
	in := service.CommitteeInput{AllianceID: f.AllianceID, Name: f.Name, Theme: f.Theme, Version: f.Version}
	if id := allianceID(f.ConvenorID); id != 0 {
		in.ConvenorUnitID = &id
	}
	for _, m := range f.MemberIDs {
		if id := allianceID(m); id != 0 {
			in.MemberUnitIDs = append(in.MemberUnitIDs, id)
		}
	}
	return in
}

func (s *Server) committeeCreate(c echo.Context) error {
	f := committeeFormFrom(c)
	cm, err := s.allianceService().CreateCommittee(c.Request().Context(), actor(c), f.input())
	var ve *model.ValidationError
	if errors.As(err, &ve) {
		return s.renderCommitteeForm(c, http.StatusUnprocessableEntity, f, ve)
	}
	if err != nil {
		return err
	}
	s.flash(c, "success", "committee.created")
	return c.Redirect(http.StatusSeeOther, "/committees/"+strconv.FormatInt(cm.ID, 10))
}

func (s *Server) committeeEdit(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	svc := s.allianceService()
	cm, _, err := svc.Committee(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	if !svc.CommitteePermsOf(actor(c), cm).Manage {
		return model.ErrForbidden
	}
	f := committeeForm{ID: id, AllianceID: cm.AllianceID, Name: cm.Name, Theme: cm.Theme, Version: cm.Version}
	if cm.ConvenorUnitID != nil {
		f.ConvenorID = strconv.FormatInt(*cm.ConvenorUnitID, 10)
	}
	return s.renderCommitteeForm(c, http.StatusOK, f, nil)
}

func (s *Server) committeeUpdate(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	f := committeeFormFrom(c)
	f.ID, f.MemberIDs = id, nil
	cm, err := s.allianceService().UpdateCommittee(c.Request().Context(), actor(c), id, f.input())
	var ve *model.ValidationError
	if errors.Is(err, model.ErrConflict) {
		// Someone saved first: the form again with what this user typed, the
		// stored name, theme and convenor named, and the stored version.
		cur, _, gerr := s.allianceService().Committee(c.Request().Context(), actor(c), id)
		if gerr != nil {
			return gerr
		}
		f.AllianceID, f.Version = cur.AllianceID, cur.Version
		convenor := cur.ConvenorName
		if convenor == "" {
			convenor = "—"
		}
		stale := (&model.ValidationError{}).AddArgs("version", "committee.stale", cur.Name, cur.Theme, convenor)
		return s.renderCommitteeForm(c, http.StatusConflict, f, stale)
	}
	if errors.As(err, &ve) {
		cur, _, gerr := s.allianceService().Committee(c.Request().Context(), actor(c), id)
		if gerr != nil {
			return gerr
		}
		f.AllianceID = cur.AllianceID
		return s.renderCommitteeForm(c, http.StatusUnprocessableEntity, f, ve)
	}
	if err != nil {
		return err
	}
	s.flash(c, "success", "form.saved")
	return c.Redirect(http.StatusSeeOther, "/committees/"+strconv.FormatInt(cm.ID, 10))
}

func (s *Server) committeeSetActive(active bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := pathID(c, "id")
		if err != nil {
			return err
		}
		version := formVersion(c)
		if _, err := s.allianceService().SetCommitteeActive(c.Request().Context(), actor(c), id, version, active); err != nil {
			return err
		}
		key := "committee.deactivated"
		if active {
			key = "committee.activated"
		}
		s.flash(c, "success", key)
		return c.Redirect(http.StatusSeeOther, "/committees/"+strconv.FormatInt(id, 10))
	}
}

// ---- 专委会详情 ----

// committeeShowPage is the Data of committees/show.
type committeeShowPage struct {
	C       *store.CommitteeRow
	Members []store.CommitteeMemberRow
	Perms   service.CommitteePerms
	// ConvenorID is the convenor unit's id, 0 when none.
	ConvenorID int64
	// Addable are the alliance's current members not on the committee.
	Addable []store.AllianceUnitOption
	AddUnit string
	Errors  map[string]string
	// Work is the committee's meetings and projects (meetings.go).
	Work *service.CommitteeWork
}

func (s *Server) committeeShow(c echo.Context) error {
	return s.renderCommitteeShow(c, http.StatusOK, "", nil)
}

func (s *Server) renderCommitteeShow(c echo.Context, status int, addUnit string, ve *model.ValidationError) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx, loc, svc := c.Request().Context(), Locale(c), s.allianceService()
	cm, members, err := svc.Committee(ctx, actor(c), id)
	if err != nil {
		return err
	}
	p := committeeShowPage{C: cm, Members: members, Perms: svc.CommitteePermsOf(actor(c), cm), AddUnit: addUnit}
	if cm.ConvenorUnitID != nil {
		p.ConvenorID = *cm.ConvenorUnitID
	}
	if p.Perms.Manage && cm.Status == model.StatusActive {
		units, err := svc.CommitteeUnits(ctx, actor(c), cm.AllianceID)
		if err != nil {
			return err
		}
		on := map[int64]bool{}
		for _, m := range members {
			on[m.UnitID] = true
		}
		for _, u := range units {
			if !on[u.ID] {
				p.Addable = append(p.Addable, u)
			}
		}
	}
	if p.Work, err = s.meetingService().CommitteeWork(ctx, actor(c), cm); err != nil {
		return err
	}
	if ve != nil {
		p.Errors = s.fieldMessages(loc, ve)
	}
	v := s.view(c, cm.Name, Crumb{Label: s.cat.T(loc, "menu.committees"), URL: "/committees"},
		Crumb{Label: cm.AllianceName, URL: "/alliances/" + strconv.FormatInt(cm.AllianceID, 10) + "#committees"}, Crumb{Label: cm.Name})
	v.Data = p
	return s.page(c, status, "committees/show", v)
}

func (s *Server) committeeMemberAdd(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	unit := strings.TrimSpace(c.FormValue("unit_id"))
	_, err = s.allianceService().AddCommitteeMember(c.Request().Context(), actor(c), id, allianceID(unit))
	var ve *model.ValidationError
	if errors.As(err, &ve) {
		return s.renderCommitteeShow(c, http.StatusUnprocessableEntity, unit, ve)
	}
	if err != nil {
		return err
	}
	s.flash(c, "success", "committee.member_added")
	return c.Redirect(http.StatusSeeOther, "/committees/"+strconv.FormatInt(id, 10)+"#members")
}

func (s *Server) committeeMemberRemove(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	unit, err := pathID(c, "unit_id")
	if err != nil {
		return err
	}
	if _, err := s.allianceService().RemoveCommitteeMember(c.Request().Context(), actor(c), id, unit); err != nil {
		return err
	}
	s.flash(c, "success", "committee.member_removed")
	return c.Redirect(http.StatusSeeOther, "/committees/"+strconv.FormatInt(id, 10)+"#members")
}

// ---- JSON API ----

// committeeJSON is the API's view of a committee; Members only on a single one.
type committeeJSON struct {
	ID             int64                 `json:"id"`
	AllianceID     int64                 `json:"alliance_id"`
	AllianceName   string                `json:"alliance_name"`
	Name           string                `json:"name"`
	Theme          string                `json:"theme"`
	ConvenorUnitID *int64                `json:"convenor_unit_id"`
	ConvenorName   string                `json:"convenor_name"`
	Status         string                `json:"status"`
	Version        int                   `json:"version"`
	MemberCount    int64                 `json:"member_count"`
	Members        []committeeMemberJSON `json:"members,omitempty"`
	CreatedAt      time.Time             `json:"created_at"`
	UpdatedAt      time.Time             `json:"updated_at"`
}

type committeeMemberJSON struct {
	UnitID   int64     `json:"unit_id"`
	UnitName string    `json:"unit_name"`
	AddedAt  time.Time `json:"added_at"`
}

func toCommitteeJSON(c *store.CommitteeRow) committeeJSON {
	return committeeJSON{ID: c.ID, AllianceID: c.AllianceID, AllianceName: c.AllianceName, Name: c.Name, Theme: c.Theme,
		ConvenorUnitID: c.ConvenorUnitID, ConvenorName: c.ConvenorName, Status: c.Status, Version: c.Version, MemberCount: c.MemberCount,
		CreatedAt: c.CreatedAt.UTC(), UpdatedAt: c.UpdatedAt.UTC()}
}

func toCommitteeDetailJSON(c *store.CommitteeRow, ms []store.CommitteeMemberRow) committeeJSON {
	out := toCommitteeJSON(c)
	out.Members = make([]committeeMemberJSON, 0, len(ms))
	for _, m := range ms {
		out.Members = append(out.Members, committeeMemberJSON{UnitID: m.UnitID, UnitName: m.UnitName, AddedAt: m.CreatedAt.UTC()})
	}
	return out
}

func (s *Server) apiCommitteesList(c echo.Context) error {
	req, err := pageRequest(c, store.CommitteeSortKeys())
	if err != nil {
		return err
	}
	q, err := readCommitteeQuery(c)
	if err != nil {
		return err
	}
	l, err := s.allianceService().ListCommittees(c.Request().Context(), actor(c), q.filter(), req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIList(l, toCommitteeJSON))
}

// committeeDetail answers a committee with its members.
func (s *Server) committeeDetail(c echo.Context, status int, id int64) error {
	cm, ms, err := s.allianceService().Committee(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(status, toCommitteeDetailJSON(cm, ms))
}

func (s *Server) apiCommitteeGet(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	return s.committeeDetail(c, http.StatusOK, id)
}

// committeeBody is the body of POST /committees.
type committeeBody struct {
	AllianceID     int64   `json:"alliance_id"`
	Name           string  `json:"name"`
	Theme          string  `json:"theme"`
	ConvenorUnitID *int64  `json:"convenor_unit_id"`
	MemberUnitIDs  []int64 `json:"member_unit_ids"`
}

func (s *Server) apiCommitteeCreate(c echo.Context) error {
	var b committeeBody
	if err := bindJSON(c, &b); err != nil {
		return err
	}
	cm, err := s.allianceService().CreateCommittee(c.Request().Context(), actor(c), service.CommitteeInput{
		AllianceID: b.AllianceID, Name: b.Name, Theme: b.Theme, ConvenorUnitID: b.ConvenorUnitID, MemberUnitIDs: b.MemberUnitIDs})
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/committees/"+strconv.FormatInt(cm.ID, 10))
	return s.committeeDetail(c, http.StatusCreated, cm.ID)
}

// committeePatch is the body of PATCH /committees/{id}: the fields sent change.
type committeePatch struct {
	Name           allianceOpt[string] `json:"name"`
	Theme          allianceOpt[string] `json:"theme"`
	ConvenorUnitID allianceOpt[int64]  `json:"convenor_unit_id"`
	Version        int                 `json:"version"`
}

func (s *Server) apiCommitteeUpdate(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var b committeePatch
	if err := bindJSON(c, &b); err != nil {
		return err
	}
	ctx, svc := c.Request().Context(), s.allianceService()
	cur, _, err := svc.Committee(ctx, actor(c), id)
	if err != nil {
		return err
	}
	in := service.CommitteeInput{Name: cur.Name, Theme: cur.Theme, ConvenorUnitID: cur.ConvenorUnitID, Version: b.Version}
	if b.Name.Set {
		in.Name = ""
		if b.Name.Value != nil {
			in.Name = *b.Name.Value
		}
	}
	if b.Theme.Set {
		in.Theme = ""
		if b.Theme.Value != nil {
			in.Theme = *b.Theme.Value
		}
	}
	if b.ConvenorUnitID.Set {
		in.ConvenorUnitID = b.ConvenorUnitID.Value
	}
	if _, err := svc.UpdateCommittee(ctx, actor(c), id, in); err != nil {
		return err
	}
	return s.committeeDetail(c, http.StatusOK, id)
}

func (s *Server) apiCommitteeSetActive(active bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := pathID(c, "id")
		if err != nil {
			return err
		}
		version, err := bodyVersion(c)
		if err != nil {
			return err
		}
		if _, err := s.allianceService().SetCommitteeActive(c.Request().Context(), actor(c), id, version, active); err != nil {
			return err
		}
		return s.committeeDetail(c, http.StatusOK, id)
	}
}

func (s *Server) apiCommitteeMemberAdd(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	unit, err := pathID(c, "unit_id")
	if err != nil {
		return err
	}
	if _, err := s.allianceService().AddCommitteeMember(c.Request().Context(), actor(c), id, unit); err != nil {
		return err
	}
	return s.committeeDetail(c, http.StatusOK, id)
}

func (s *Server) apiCommitteeMemberRemove(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	unit, err := pathID(c, "unit_id")
	if err != nil {
		return err
	}
	if _, err := s.allianceService().RemoveCommitteeMember(c.Request().Context(), actor(c), id, unit); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func init() {
	apiDocs["GET /api/v1/committees"] = apiDoc{Tag: "committees", Summary: "List the committees of the alliances you may read", Response: "list:Committee",
		Query: withList(map[string]string{"alliance_id": "of this alliance", "name": "name contains", "status": "active | inactive", "sort": "name | alliance | created_at"})}
	apiDocs["POST /api/v1/committees"] = apiDoc{Tag: "committees", Summary: "Create a committee of an alliance (name unique within the alliance; convenor and members must be current member units; the convenor is always a member)", Body: "CommitteeInput", Response: "Committee"}
	apiDocs["GET /api/v1/committees/:id"] = apiDoc{Tag: "committees", Summary: "One committee with its members", Response: "Committee"}
	apiDocs["PATCH /api/v1/committees/:id"] = apiDoc{Tag: "committees", Summary: "Change name, theme or convenor (the fields sent change; null clears the convenor; carry version, a stale one answers 409)", Body: "CommitteePatch", Response: "Committee"}
	apiDocs["POST /api/v1/committees/:id/deactivate"] = apiDoc{Tag: "committees", Summary: "Deactivate a committee (body {\"version\": n}; stale answers 409)", Body: "VersionInput", Response: "Committee"}
	apiDocs["POST /api/v1/committees/:id/activate"] = apiDoc{Tag: "committees", Summary: "Activate a committee again (body {\"version\": n})", Body: "VersionInput", Response: "Committee"}
	apiDocs["POST /api/v1/committees/:id/members/:unit_id"] = apiDoc{Tag: "committees", Summary: "Put a current member unit of the alliance on the committee (idempotent); answers the committee", Response: "Committee"}
	apiDocs["DELETE /api/v1/committees/:id/members/:unit_id"] = apiDoc{Tag: "committees", Summary: "Take a unit off the committee (not the convenor: choose another first); 404 when it is not on it"}

	nullInt := schema{"type": "integer", "format": "int64", "nullable": true}
	apiSchemas["Committee"] = obj(nil, map[string]schema{"id": integer, "alliance_id": integer, "alliance_name": str, "name": str,
		"theme": str, "convenor_unit_id": nullInt, "convenor_name": str,
		"status": {"type": "string", "enum": []string{model.StatusActive, model.StatusInactive}}, "member_count": integer,
		"members": {"type": "array", "description": "only on a single committee", "items": obj(nil, map[string]schema{"unit_id": integer, "unit_name": str, "added_at": dateTime})},
		"version": integer, "created_at": dateTime, "updated_at": dateTime})
	apiSchemas["CommitteeInput"] = obj([]string{"alliance_id", "name"}, map[string]schema{"alliance_id": integer, "name": str, "theme": str,
		"convenor_unit_id": nullInt, "member_unit_ids": {"type": "array", "items": integer}})
	apiSchemas["CommitteePatch"] = obj([]string{"version"}, map[string]schema{"name": str, "theme": str, "convenor_unit_id": nullInt, "version": integer})
}
