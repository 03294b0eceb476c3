package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
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

// Alliances (联盟) and their memberships (成员单位), as pages and as /api/v1.
// Committees (专委会) are in committees.go.

// allianceService is the service behind these pages; it holds only the
// database and the authorizer, so building it per request costs nothing.
func (s *Server) allianceService() *service.Alliances {
	return service.NewAlliances(s.deps())
}

// allianceFilterMax is the longest a text filter may be (characters).
const allianceFilterMax = 50

// allianceParseDay reads a calendar day (2026-03-05) as a DATE value
// (midnight UTC); an empty value is nil, a bad one a message on field.
func allianceParseDay(ve *model.ValidationError, field, v string) *time.Time {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil
	}
	t, err := time.Parse(time.DateOnly, v)
	if err != nil {
		ve.Add(field, model.MsgBadDate)
		return nil
	}
	return &t
}

// allianceDayText writes a DATE value as 2026-03-05 ("" for nil).
func allianceDayText(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.DateOnly)
}

func allianceID(v string) int64 {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || n <= 0 {
		return 0
	}
	return n
}

// allianceKindOption is one alliance kind in the locale of the page.
type allianceKindOption struct {
	Code, Label string
	Active      bool
}

// allianceKinds reads the alliance_kind dictionary in the page's locale.
func (s *Server) allianceKinds(ctx context.Context, loc string) ([]allianceKindOption, map[string]string, error) {
	items, err := s.allianceService().Kinds(ctx)
	if err != nil {
		return nil, nil, err
	}
	out := make([]allianceKindOption, 0, len(items))
	labels := make(map[string]string, len(items))
	for _, it := range items {
		label := it.LabelZh
		if loc == LocaleEN && it.LabelEn != "" {
			label = it.LabelEn
		}
		out = append(out, allianceKindOption{Code: it.Code, Label: label, Active: it.Active})
		labels[it.Code] = label
	}
	return out, labels, nil
}

func allianceKindLabel(labels map[string]string, code string) string {
	if l, ok := labels[code]; ok {
		return l
	}
	return code
}

// ---- 联盟列表 ----

// allianceQuery is the list's filter as typed; it goes back into the form.
type allianceQuery struct {
	Name, Kind, Level, Status string
	DistrictID                int64
}

// Active reports a filter that narrows the list.
func (q allianceQuery) Active() bool {
	return q.Name != "" || q.Kind != "" || q.Level != "" || q.Status != "" || q.DistrictID != 0
}

func (q allianceQuery) filter() store.AllianceFilter {
	return store.AllianceFilter{Name: q.Name, Kind: q.Kind, Level: q.Level, Status: q.Status, DistrictID: q.DistrictID}
}

// readAllianceQuery reads the filter from the URL: name, kind, level,
// district_id, status. A page ignores what it does not understand; the API
// answers 400 naming the parameter.
func readAllianceQuery(c echo.Context) (allianceQuery, error) {
	api := IsAPI(c)
	ve := &model.ValidationError{}
	q := allianceQuery{
		Name:   strings.TrimSpace(c.QueryParam("name")),
		Kind:   strings.TrimSpace(c.QueryParam("kind")),
		Level:  strings.TrimSpace(c.QueryParam("level")),
		Status: strings.TrimSpace(c.QueryParam("status")),
	}
	if v := strings.TrimSpace(c.QueryParam("district_id")); v != "" {
		if q.DistrictID = allianceID(v); q.DistrictID == 0 && api {
			ve.Add("district_id", "alliance.bad_filter")
		}
	}
	for field, v := range map[string]*string{"name": &q.Name, "kind": &q.Kind} {
		if utf8.RuneCountInString(*v) > allianceFilterMax || !utf8.ValidString(*v) || strings.ContainsFunc(*v, isControl) {
			if api {
				ve.AddArgs(field, model.MsgTooLong, allianceFilterMax)
			}
			*v = ""
		}
	}
	if q.Level != "" && q.Level != model.LevelDistrict && q.Level != model.LevelStreet {
		if api {
			ve.Add("level", "alliance.bad_filter")
		}
		q.Level = ""
	}
	if q.Status != "" && q.Status != model.StatusActive && q.Status != model.StatusInactive {
		if api {
			ve.Add("status", "alliance.bad_filter")
		}
		q.Status = ""
	}
	return q, ve.Err()
}

// allianceItem is a list row with its kind label.
type allianceItem struct {
	store.AllianceRow
	KindLabel string
}

// alliancesPage is the Data of alliances/list.
type alliancesPage struct {
	Filter    allianceQuery
	Items     []allianceItem
	List      *ListView
	Kinds     []allianceKindOption
	Districts []model.District // the district filter's choices; hidden when fewer than two
	CanCreate bool
}

func (s *Server) alliancesList(c echo.Context) error {
	req, err := pageRequest(c, store.AllianceSortKeys())
	if err != nil {
		return err
	}
	q, _ := readAllianceQuery(c) // a page ignores what it does not understand
	ctx, loc, svc := c.Request().Context(), Locale(c), s.allianceService()
	l, err := svc.List(ctx, actor(c), q.filter(), req)
	var bad *model.ValidationError
	if errors.As(err, &bad) { // a stale or forged cursor: start again
		req.After, req.Before = "", ""
		l, err = svc.List(ctx, actor(c), q.filter(), req)
	}
	if err != nil {
		return err
	}
	kinds, labels, err := s.allianceKinds(ctx, loc)
	if err != nil {
		return err
	}
	districts, err := svc.Districts(ctx, actor(c), "read")
	if err != nil {
		return err
	}
	page := alliancesPage{Filter: q, List: newListView(c, req, l, "/alliances/export"), Kinds: kinds,
		CanCreate: s.authz.CanAnywhere(CurrentUser(c).ID, "alliance", "manage")}
	if len(districts) > 1 {
		page.Districts = districts
	}
	page.Items = make([]allianceItem, 0, len(l.Items))
	for _, r := range l.Items {
		page.Items = append(page.Items, allianceItem{AllianceRow: r, KindLabel: allianceKindLabel(labels, r.Kind)})
	}
	title := s.cat.T(loc, "menu.alliances")
	v := s.view(c, title, Crumb{Label: s.cat.T(loc, "menu.group.governance")}, Crumb{Label: title})
	v.Data = page
	return s.page(c, http.StatusOK, "alliances/list", v)
}

func (s *Server) alliancesExport(c echo.Context) error {
	format, err := report.ParseFormat(c.QueryParam("format"))
	if err != nil {
		return (&model.ValidationError{}).Add("format", "list.bad_format")
	}
	req, err := pageRequest(c, store.AllianceSortKeys())
	if err != nil {
		return err
	}
	q, _ := readAllianceQuery(c)
	ctx, loc := c.Request().Context(), Locale(c)
	_, labels, err := s.allianceKinds(ctx, loc)
	if err != nil {
		return err
	}
	cols := []report.Column{
		{Header: "ID", Width: 8}, {Header: s.cat.T(loc, "alliance.name"), Width: 30}, {Header: s.cat.T(loc, "alliance.kind"), Width: 12},
		{Header: s.cat.T(loc, "alliance.level"), Width: 8}, {Header: s.cat.T(loc, "alliance.district"), Width: 10},
		{Header: s.cat.T(loc, "alliance.street"), Width: 14}, {Header: s.cat.T(loc, "alliance.founded_on"), Width: 12},
		{Header: s.cat.T(loc, "alliance.member_count"), Width: 10}, {Header: s.cat.T(loc, "alliance.status"), Width: 8},
		{Header: s.cat.T(loc, "alliance.description"), Width: 40},
	}
	return s.streamExport(c, format, s.cat.T(loc, "menu.alliances"), cols, func(w report.Writer) error {
		return s.allianceService().Each(ctx, actor(c), q.filter(), req, func(a *store.AllianceRow) error {
			return w.WriteRow(a.ID, a.Name, allianceKindLabel(labels, a.Kind), s.cat.T(loc, "alliance.level."+a.Level), a.DistrictName,
				a.StreetName, allianceDayText(a.FoundedOn), a.MemberCount, s.cat.T(loc, "alliance.status."+a.Status), a.Description)
		})
	})
}

// ---- 新增 / 编辑联盟 ----

// allianceForm is the Data of alliances/form: what was typed, the choices
// and the messages.
type allianceForm struct {
	ID                                                              int64
	Name, Kind, Level, DistrictID, StreetID, FoundedOn, Description string
	Version                                                         int
	// DistrictName is shown instead of the select on an edit.
	DistrictName string
	Kinds        []allianceKindOption
	Districts    []model.District
	Streets      []allianceStreetGroup
	Errors       map[string]string
	Today        string
}

type allianceStreetGroup struct {
	Label   string
	Streets []model.Street
}

func allianceFormFrom(c echo.Context) allianceForm {
	version := formVersion(c)
	return allianceForm{Name: c.FormValue("name"), Kind: c.FormValue("kind"), Level: c.FormValue("level"),
		DistrictID: strings.TrimSpace(c.FormValue("district_id")), StreetID: strings.TrimSpace(c.FormValue("street_id")),
		FoundedOn: strings.TrimSpace(c.FormValue("founded_on")), Description: c.FormValue("description"), Version: version}
}

// input turns the form into the service's input; date and number syntax
// errors go into ve.
func (f allianceForm) input(ve *model.ValidationError) service.AllianceInput {
	in := service.AllianceInput{Name: f.Name, Kind: f.Kind, Level: f.Level, Description: f.Description, Version: f.Version,
		DistrictID: allianceID(f.DistrictID), FoundedOn: allianceParseDay(ve, "founded_on", f.FoundedOn)}
	if id := allianceID(f.StreetID); id != 0 {
		in.StreetID = &id
	} else if f.StreetID != "" {
		ve.Add("street_id", "alliance.bad_street")
	}
	return in
}

func (s *Server) renderAllianceForm(c echo.Context, status int, f allianceForm, ve *model.ValidationError) error {
	ctx, loc, svc := c.Request().Context(), Locale(c), s.allianceService()
	var err error
	if f.Kinds, _, err = s.allianceKinds(ctx, loc); err != nil {
		return err
	}
	districts := []model.District{}
	if f.ID == 0 {
		if f.Districts, err = svc.Districts(ctx, actor(c), "manage"); err != nil {
			return err
		}
		districts = f.Districts
		if f.DistrictID == "" && len(f.Districts) == 1 {
			f.DistrictID = strconv.FormatInt(f.Districts[0].ID, 10)
		}
	} else {
		all, err := s.db.Districts(ctx)
		if err != nil {
			return err
		}
		for _, d := range all {
			if strconv.FormatInt(d.ID, 10) == f.DistrictID {
				districts = append(districts, d)
				f.DistrictName = d.Name
			}
		}
	}
	streets, err := svc.Streets(ctx, districts)
	if err != nil {
		return err
	}
	names := map[int64]string{}
	for _, d := range districts {
		names[d.ID] = d.Name
	}
	for _, st := range streets {
		if n := len(f.Streets); n == 0 || f.Streets[n-1].Label != names[st.DistrictID] {
			f.Streets = append(f.Streets, allianceStreetGroup{Label: names[st.DistrictID]})
		}
		f.Streets[len(f.Streets)-1].Streets = append(f.Streets[len(f.Streets)-1].Streets, st)
	}
	if ve != nil {
		if f.Errors == nil {
			f.Errors = map[string]string{}
		}
		for k, m := range s.fieldMessages(loc, ve) {
			f.Errors[k] = m
		}
	}
	f.Today = service.AllianceToday(s.db.Now()).Format(time.DateOnly)
	title := s.cat.T(loc, "alliance.new")
	crumbs := []Crumb{{Label: s.cat.T(loc, "menu.alliances"), URL: "/alliances"}}
	if f.ID != 0 {
		title = s.cat.T(loc, "alliance.edit")
		crumbs = append(crumbs, Crumb{Label: f.Name, URL: "/alliances/" + strconv.FormatInt(f.ID, 10)})
	}
	v := s.view(c, title, append(crumbs, Crumb{Label: title})...)
	v.Data = f
	return s.page(c, status, "alliances/form", v)
}

func (s *Server) allianceNew(c echo.Context) error {
	return s.renderAllianceForm(c, http.StatusOK, allianceForm{Level: model.LevelDistrict}, nil)
}

func (s *Server) allianceCreate(c echo.Context) error {
	f := allianceFormFrom(c)
	ve := &model.ValidationError{}
	in := f.input(ve)
	if ve.Err() != nil {
		return s.renderAllianceForm(c, http.StatusUnprocessableEntity, f, ve)
	}
	a, err := s.allianceService().Create(c.Request().Context(), actor(c), in)
	if errors.As(err, &ve) {
		return s.renderAllianceForm(c, http.StatusUnprocessableEntity, f, ve)
	}
	if err != nil {
		return err
	}
	s.flash(c, "success", "alliance.created")
	return c.Redirect(http.StatusSeeOther, "/alliances/"+strconv.FormatInt(a.ID, 10))
}

func (s *Server) allianceEdit(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	svc := s.allianceService()
	a, err := svc.Get(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	if !svc.Perms(actor(c), &a.Alliance).Update {
		return model.ErrForbidden
	}
	return s.renderAllianceForm(c, http.StatusOK, allianceFormOf(&a.Alliance), nil)
}

func allianceFormOf(a *model.Alliance) allianceForm {
	f := allianceForm{ID: a.ID, Name: a.Name, Kind: a.Kind, Level: a.Level, DistrictID: strconv.FormatInt(a.DistrictID, 10),
		FoundedOn: allianceDayText(a.FoundedOn), Description: a.Description, Version: a.Version}
	if a.StreetID != nil {
		f.StreetID = strconv.FormatInt(*a.StreetID, 10)
	}
	return f
}

func (s *Server) allianceUpdate(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx, svc := c.Request().Context(), s.allianceService()
	// The object first: one outside the caller's scope answers 404 whatever was posted.
	cur, err := svc.Get(ctx, actor(c), id)
	if err != nil {
		return err
	}
	f := allianceFormFrom(c)
	f.ID, f.DistrictID = id, strconv.FormatInt(cur.DistrictID, 10)
	ve := &model.ValidationError{}
	in := f.input(ve)
	if ve.Err() != nil {
		if !svc.Perms(actor(c), &cur.Alliance).Update {
			return model.ErrForbidden
		}
		return s.renderAllianceForm(c, http.StatusUnprocessableEntity, f, ve)
	}
	_, err = svc.Update(ctx, actor(c), id, in)
	switch {
	case errors.As(err, &ve):
		return s.renderAllianceForm(c, http.StatusUnprocessableEntity, f, ve)
	case errors.Is(err, model.ErrConflict):
		// Someone saved first: the form again with what this user typed and
		// what is stored now, so they can keep theirs or take the other.
		now, gerr := svc.Get(ctx, actor(c), id)
		if gerr != nil {
			return gerr
		}
		f.Version = now.Version
		loc := Locale(c)
		f.Errors = map[string]string{"_stale": s.cat.T(loc, "alliance.stale", now.Name, s.cat.T(loc, "alliance.level."+now.Level),
			allianceDayText(now.FoundedOn), now.StreetName)}
		return s.renderAllianceForm(c, http.StatusConflict, f, nil)
	case err != nil:
		return err
	}
	s.flash(c, "success", "form.saved")
	return c.Redirect(http.StatusSeeOther, "/alliances/"+strconv.FormatInt(id, 10))
}

func (s *Server) allianceSetActive(active bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := pathID(c, "id")
		if err != nil {
			return err
		}
		version := formVersion(c)
		if _, err := s.allianceService().SetActive(c.Request().Context(), actor(c), id, version, active); err != nil {
			return err
		}
		key := "alliance.deactivated"
		if active {
			key = "alliance.activated"
		}
		s.flash(c, "success", key)
		return c.Redirect(http.StatusSeeOther, "/alliances/"+strconv.FormatInt(id, 10))
	}
}

// ---- 联盟详情 ----

// memberAddForm is the 添加成员单位 form as typed.
type memberAddForm struct {
	UnitID, Rank, JoinedOn, LetterSignedOn string
}

// allianceShowPage is the Data of alliances/show.
type allianceShowPage struct {
	A         *store.AllianceRow
	KindLabel string
	// Description is the description's paragraphs (its line breaks kept).
	Description []string
	Perms       service.AlliancePerms
	Members     []store.MemberRow
	MembersMore bool // more current members than the page shows
	History     []store.MemberRow
	HistoryMore bool
	Committees  []store.CommitteeRow
	// Candidates are the units that may join (membership managers only).
	Candidates       []store.AllianceUnitOption
	CandidatesCapped bool
	Add              memberAddForm
	Errors           map[string]string
	Today            string
}

func (s *Server) allianceShow(c echo.Context) error {
	// ?add_unit=ID preselects a unit in 添加成员单位 (after a secretary created it).
	return s.renderAllianceShow(c, http.StatusOK, memberAddForm{Rank: model.RankMember, UnitID: c.QueryParam("add_unit")}, nil)
}

func (s *Server) renderAllianceShow(c echo.Context, status int, add memberAddForm, ve *model.ValidationError) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx, loc, svc, a := c.Request().Context(), Locale(c), s.allianceService(), actor(c)
	al, err := svc.Get(ctx, a, id)
	if err != nil {
		return err
	}
	_, labels, err := s.allianceKinds(ctx, loc)
	if err != nil {
		return err
	}
	today := service.AllianceToday(s.db.Now()).Format(time.DateOnly)
	if add.JoinedOn == "" {
		add.JoinedOn = today
	}
	p := allianceShowPage{A: al, KindLabel: allianceKindLabel(labels, al.Kind), Perms: svc.Perms(a, &al.Alliance), Add: add, Today: today}
	for _, line := range strings.Split(al.Description, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			p.Description = append(p.Description, line)
		}
	}
	cur, err := svc.Members(ctx, a, id, store.MembershipFilter{State: store.MembershipsCurrent}, model.PageRequest{Limit: model.MaxPageSize})
	if err != nil {
		return err
	}
	p.Members, p.MembersMore = cur.Items, cur.Next != ""
	hist, err := svc.Members(ctx, a, id, store.MembershipFilter{State: store.MembershipsLeft},
		model.PageRequest{Limit: model.MaxPageSize, Sort: "left_on", Desc: true})
	if err != nil {
		return err
	}
	p.History, p.HistoryMore = hist.Items, hist.Next != ""
	if p.Committees, err = svc.CommitteesOf(ctx, a, id); err != nil {
		return err
	}
	if p.Perms.Members && al.Status == model.StatusActive {
		if p.Candidates, err = svc.MemberCandidates(ctx, a, id); err != nil {
			return err
		}
		p.CandidatesCapped = len(p.Candidates) >= service.MemberCandidatesMax
	}
	if ve != nil {
		p.Errors = s.fieldMessages(loc, ve)
	}
	v := s.view(c, al.Name, Crumb{Label: s.cat.T(loc, "menu.alliances"), URL: "/alliances"}, Crumb{Label: al.Name})
	v.Data = p
	return s.page(c, status, "alliances/show", v)
}

// ---- 成员单位 ----

func (s *Server) allianceMemberAdd(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	f := memberAddForm{UnitID: strings.TrimSpace(c.FormValue("unit_id")), Rank: c.FormValue("rank"),
		JoinedOn: strings.TrimSpace(c.FormValue("joined_on")), LetterSignedOn: strings.TrimSpace(c.FormValue("letter_signed_on"))}
	ve := &model.ValidationError{}
	in := service.MemberInput{UnitID: allianceID(f.UnitID), Rank: f.Rank,
		JoinedOn: allianceParseDay(ve, "joined_on", f.JoinedOn), LetterSignedOn: allianceParseDay(ve, "letter_signed_on", f.LetterSignedOn)}
	if ve.Err() == nil {
		_, err = s.allianceService().AddMember(c.Request().Context(), actor(c), id, in)
		if err != nil && !errors.As(err, &ve) {
			return err
		}
	}
	if ve.Err() != nil {
		return s.renderAllianceShow(c, http.StatusUnprocessableEntity, f, ve)
	}
	s.flash(c, "success", "membership.added")
	return c.Redirect(http.StatusSeeOther, "/alliances/"+strconv.FormatInt(id, 10)+"#members")
}

// memberForm is the 调整 / 退出联盟 forms of one membership as typed.
type memberForm struct {
	Rank, LetterSignedOn, LeftOn string
}

// memberPage is the Data of alliances/member.
type memberPage struct {
	A      *store.AllianceRow
	M      *store.MemberRow
	Form   memberForm
	Errors map[string]string
	Today  string
}

func (s *Server) renderMemberPage(c echo.Context, status int, f *memberForm, ve *model.ValidationError) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	mid, err := pathID(c, "mid")
	if err != nil {
		return err
	}
	ctx, loc, svc, a := c.Request().Context(), Locale(c), s.allianceService(), actor(c)
	al, err := svc.Get(ctx, a, id)
	if err != nil {
		return err
	}
	if !svc.Perms(a, &al.Alliance).Members {
		return model.ErrForbidden
	}
	m, err := svc.Member(ctx, a, id, mid)
	if err != nil {
		return err
	}
	p := memberPage{A: al, M: m, Today: service.AllianceToday(s.db.Now()).Format(time.DateOnly)}
	if f != nil {
		p.Form = *f
	} else {
		p.Form = memberForm{Rank: m.Rank, LetterSignedOn: allianceDayText(m.LetterSignedOn)}
	}
	if ve != nil {
		p.Errors = s.fieldMessages(loc, ve)
	}
	title := s.cat.T(loc, "membership.edit")
	v := s.view(c, title, Crumb{Label: s.cat.T(loc, "menu.alliances"), URL: "/alliances"},
		Crumb{Label: al.Name, URL: "/alliances/" + strconv.FormatInt(id, 10) + "#members"}, Crumb{Label: m.UnitName})
	v.Data = p
	return s.page(c, status, "alliances/member", v)
}

func (s *Server) allianceMemberEdit(c echo.Context) error {
	return s.renderMemberPage(c, http.StatusOK, nil, nil)
}

func (s *Server) allianceMemberUpdate(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	mid, err := pathID(c, "mid")
	if err != nil {
		return err
	}
	version := formVersion(c)
	f := memberForm{Rank: c.FormValue("rank"), LetterSignedOn: strings.TrimSpace(c.FormValue("letter_signed_on"))}
	ve := &model.ValidationError{}
	in := service.MemberChange{Rank: f.Rank, LetterSignedOn: allianceParseDay(ve, "letter_signed_on", f.LetterSignedOn), Version: version}
	if ve.Err() == nil {
		_, err = s.allianceService().UpdateMember(c.Request().Context(), actor(c), id, mid, in)
		if errors.Is(err, model.ErrConflict) {
			return s.memberStale(c, &f, id, mid)
		}
		if err != nil && !errors.As(err, &ve) {
			return err
		}
	} else if _, err := s.allianceService().Member(c.Request().Context(), actor(c), id, mid); err != nil {
		return err // outside the caller's scope: 404 whatever was posted
	}
	if ve.Err() != nil {
		return s.renderMemberPage(c, http.StatusUnprocessableEntity, &f, ve)
	}
	s.flash(c, "success", "form.saved")
	return c.Redirect(http.StatusSeeOther, "/alliances/"+strconv.FormatInt(id, 10)+"#members")
}

// memberStale answers a stale membership edit (409): the page again with
// what the user typed, the stored rank and letter date named, and the stored
// version in its forms, so saving again keeps the user's.
func (s *Server) memberStale(c echo.Context, f *memberForm, id, mid int64) error {
	m, err := s.allianceService().Member(c.Request().Context(), actor(c), id, mid)
	if err != nil {
		return err
	}
	letter := allianceDayText(m.LetterSignedOn)
	if letter == "" {
		letter = "—"
	}
	loc := Locale(c)
	ve := (&model.ValidationError{}).AddArgs("version", "membership.stale", s.cat.T(loc, "membership.rank."+m.Rank), letter)
	if f.Rank == "" {
		f.Rank, f.LetterSignedOn = m.Rank, allianceDayText(m.LetterSignedOn)
	}
	return s.renderMemberPage(c, http.StatusConflict, f, ve)
}

func (s *Server) allianceMemberLeave(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	mid, err := pathID(c, "mid")
	if err != nil {
		return err
	}
	version := formVersion(c)
	f := memberForm{LeftOn: strings.TrimSpace(c.FormValue("left_on"))}
	ve := &model.ValidationError{}
	leftOn := allianceParseDay(ve, "left_on", f.LeftOn)
	if ve.Err() == nil {
		_, err = s.allianceService().LeaveMember(c.Request().Context(), actor(c), id, mid, version, leftOn)
		if errors.Is(err, model.ErrConflict) {
			return s.memberStale(c, &f, id, mid)
		}
		if err != nil && !errors.As(err, &ve) {
			return err
		}
	} else if _, err := s.allianceService().Member(c.Request().Context(), actor(c), id, mid); err != nil {
		return err
	}
	if ve.Err() != nil {
		return s.renderMemberPage(c, http.StatusUnprocessableEntity, &f, ve)
	}
	s.flash(c, "success", "membership.left_done")
	return c.Redirect(http.StatusSeeOther, "/alliances/"+strconv.FormatInt(id, 10)+"#history")
}

// ---- JSON API ----

// allianceOpt is a field of a PATCH body: Set when the body carries it
// (null included, which leaves Value nil).
type allianceOpt[T any] struct {
	Set   bool
	Value *T
}

func (p *allianceOpt[T]) UnmarshalJSON(b []byte) error {
	p.Set = true
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		p.Value = nil
		return nil
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	p.Value = &v
	return nil
}

// allianceBindOptional binds a body when there is one: an action whose body is
// optional may be posted empty.
func allianceBindOptional(c echo.Context, v any) error {
	if c.Request().ContentLength == 0 {
		return nil
	}
	return bindJSON(c, v)
}

// allianceJSON is the API's view of an alliance.
type allianceJSON struct {
	ID           int64     `json:"id"`
	Name         string    `json:"name"`
	Kind         string    `json:"kind"`
	Level        string    `json:"level"`
	DistrictID   int64     `json:"district_id"`
	DistrictName string    `json:"district_name"`
	StreetID     *int64    `json:"street_id"`
	StreetName   string    `json:"street_name"`
	FoundedOn    *string   `json:"founded_on"`
	Description  string    `json:"description"`
	Status       string    `json:"status"`
	MemberCount  int64     `json:"member_count"`
	Version      int       `json:"version"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

func allianceDayPtr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := allianceDayText(t)
	return &s
}

func toAllianceJSON(a *store.AllianceRow) allianceJSON {
	return allianceJSON{ID: a.ID, Name: a.Name, Kind: a.Kind, Level: a.Level, DistrictID: a.DistrictID, DistrictName: a.DistrictName,
		StreetID: a.StreetID, StreetName: a.StreetName, FoundedOn: allianceDayPtr(a.FoundedOn), Description: a.Description,
		Status: a.Status, MemberCount: a.MemberCount, Version: a.Version, CreatedAt: a.CreatedAt.UTC(), UpdatedAt: a.UpdatedAt.UTC()}
}

func (s *Server) apiAlliancesList(c echo.Context) error {
	req, err := pageRequest(c, store.AllianceSortKeys())
	if err != nil {
		return err
	}
	q, err := readAllianceQuery(c)
	if err != nil {
		return err
	}
	l, err := s.allianceService().List(c.Request().Context(), actor(c), q.filter(), req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIList(l, toAllianceJSON))
}

func (s *Server) apiAllianceGet(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	a, err := s.allianceService().Get(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAllianceJSON(a))
}

// allianceBody is the body of POST /alliances.
type allianceBody struct {
	Name        string  `json:"name"`
	Kind        string  `json:"kind"`
	Level       string  `json:"level"`
	DistrictID  int64   `json:"district_id"`
	StreetID    *int64  `json:"street_id"`
	FoundedOn   *string `json:"founded_on"`
	Description string  `json:"description"`
}

func (s *Server) apiAllianceCreate(c echo.Context) error {
	var b allianceBody
	if err := bindJSON(c, &b); err != nil {
		return err
	}
	ve := &model.ValidationError{}
	in := service.AllianceInput{Name: b.Name, Kind: b.Kind, Level: b.Level, DistrictID: b.DistrictID, StreetID: b.StreetID,
		Description: b.Description}
	if b.FoundedOn != nil {
		in.FoundedOn = allianceParseDay(ve, "founded_on", *b.FoundedOn)
	}
	if err := ve.Err(); err != nil {
		return err
	}
	ctx, svc := c.Request().Context(), s.allianceService()
	a, err := svc.Create(ctx, actor(c), in)
	if err != nil {
		return err
	}
	row, err := svc.Get(ctx, actor(c), a.ID)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/alliances/"+strconv.FormatInt(a.ID, 10))
	return c.JSON(http.StatusCreated, toAllianceJSON(row))
}

// alliancePatch is the body of PATCH /alliances/{id}: the fields it carries
// change, the others stay; version is required.
type alliancePatch struct {
	Name        allianceOpt[string] `json:"name"`
	Kind        allianceOpt[string] `json:"kind"`
	Level       allianceOpt[string] `json:"level"`
	StreetID    allianceOpt[int64]  `json:"street_id"`
	FoundedOn   allianceOpt[string] `json:"founded_on"`
	Description allianceOpt[string] `json:"description"`
	Version     int                 `json:"version"`
}

func (s *Server) apiAllianceUpdate(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var b alliancePatch
	if err := bindJSON(c, &b); err != nil {
		return err
	}
	ctx, svc := c.Request().Context(), s.allianceService()
	cur, err := svc.Get(ctx, actor(c), id)
	if err != nil {
		return err
	}
	ve := &model.ValidationError{}
	if b.Version == 0 {
		ve.Add("version", model.MsgVersionMissing)
	}
	in := service.AllianceInput{Name: cur.Name, Kind: cur.Kind, Level: cur.Level, StreetID: cur.StreetID, FoundedOn: cur.FoundedOn,
		Description: cur.Description, Version: b.Version}
	str := func(p allianceOpt[string], dst *string) {
		if p.Set {
			*dst = ""
			if p.Value != nil {
				*dst = *p.Value
			}
		}
	}
	str(b.Name, &in.Name)
	str(b.Kind, &in.Kind)
	str(b.Level, &in.Level)
	str(b.Description, &in.Description)
	if b.StreetID.Set {
		in.StreetID = b.StreetID.Value
	}
	if b.FoundedOn.Set {
		in.FoundedOn = nil
		if b.FoundedOn.Value != nil {
			in.FoundedOn = allianceParseDay(ve, "founded_on", *b.FoundedOn.Value)
		}
	}
	if err := ve.Err(); err != nil {
		return err
	}
	if _, err := svc.Update(ctx, actor(c), id, in); err != nil {
		return err
	}
	row, err := svc.Get(ctx, actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAllianceJSON(row))
}

// allianceVersionBody is the body of a state action on a versioned object.
type allianceVersionBody struct {
	Version int `json:"version"`
}

func (s *Server) apiAllianceSetActive(active bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := pathID(c, "id")
		if err != nil {
			return err
		}
		var b allianceVersionBody
		if err := allianceBindOptional(c, &b); err != nil {
			return err
		}
		ctx, svc := c.Request().Context(), s.allianceService()
		if _, err := svc.Get(ctx, actor(c), id); err != nil {
			return err
		}
		if b.Version == 0 {
			return (&model.ValidationError{}).Add("version", model.MsgVersionMissing)
		}
		if _, err := svc.SetActive(ctx, actor(c), id, b.Version, active); err != nil {
			return err
		}
		row, err := svc.Get(ctx, actor(c), id)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, toAllianceJSON(row))
	}
}

// memberJSON is the API's view of a membership.
type memberJSON struct {
	ID              int64     `json:"id"`
	AllianceID      int64     `json:"alliance_id"`
	UnitID          int64     `json:"unit_id"`
	UnitName        string    `json:"unit_name"`
	UnitCreditCode  string    `json:"unit_credit_code"`
	Rank            string    `json:"rank"`
	JoinedOn        string    `json:"joined_on"`
	LeftOn          *string   `json:"left_on"`
	LetterSignedOn  *string   `json:"letter_signed_on"`
	LetterMeetingID *int64    `json:"letter_meeting_id"`
	Version         int       `json:"version"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
}

func toMemberJSON(m *store.MemberRow) memberJSON {
	return memberJSON{ID: m.ID, AllianceID: m.AllianceID, UnitID: m.UnitID, UnitName: m.UnitName, UnitCreditCode: m.UnitCreditCode,
		Rank: m.Rank, JoinedOn: allianceDayText(&m.JoinedOn), LeftOn: allianceDayPtr(m.LeftOn), LetterSignedOn: allianceDayPtr(m.LetterSignedOn),
		LetterMeetingID: m.LetterMeetingID, Version: m.Version, CreatedAt: m.CreatedAt.UTC(), UpdatedAt: m.UpdatedAt.UTC()}
}

func (s *Server) apiAllianceMembers(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	req, err := pageRequest(c, store.MembershipSortKeys())
	if err != nil {
		return err
	}
	state := c.QueryParam("state")
	switch state {
	case "":
		state = store.MembershipsCurrent
	case store.MembershipsCurrent, store.MembershipsLeft, store.MembershipsAll:
	default:
		return (&model.ValidationError{}).Add("state", "alliance.bad_filter")
	}
	l, err := s.allianceService().Members(c.Request().Context(), actor(c), id, store.MembershipFilter{State: state}, req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIList(l, toMemberJSON))
}

func (s *Server) apiAllianceMember(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	mid, err := pathID(c, "mid")
	if err != nil {
		return err
	}
	m, err := s.allianceService().Member(c.Request().Context(), actor(c), id, mid)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toMemberJSON(m))
}

// memberBody is the body of POST /alliances/{id}/members.
type memberBody struct {
	UnitID         int64   `json:"unit_id"`
	Rank           string  `json:"rank"`
	JoinedOn       *string `json:"joined_on"`
	LetterSignedOn *string `json:"letter_signed_on"`
}

func (s *Server) apiAllianceMemberAdd(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var b memberBody
	if err := bindJSON(c, &b); err != nil {
		return err
	}
	ve := &model.ValidationError{}
	in := service.MemberInput{UnitID: b.UnitID, Rank: b.Rank}
	if b.JoinedOn != nil {
		in.JoinedOn = allianceParseDay(ve, "joined_on", *b.JoinedOn)
	}
	if b.LetterSignedOn != nil {
		in.LetterSignedOn = allianceParseDay(ve, "letter_signed_on", *b.LetterSignedOn)
	}
	ctx, svc := c.Request().Context(), s.allianceService()
	if err := ve.Err(); err != nil {
		if _, gerr := svc.Get(ctx, actor(c), id); gerr != nil {
			return gerr
		}
		return err
	}
	m, err := svc.AddMember(ctx, actor(c), id, in)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/alliances/"+strconv.FormatInt(id, 10)+"/members/"+strconv.FormatInt(m.ID, 10))
	return c.JSON(http.StatusCreated, toMemberJSON(m))
}

// memberPatch is the body of PATCH /alliances/{id}/members/{mid}.
type memberPatch struct {
	Rank           allianceOpt[string] `json:"rank"`
	LetterSignedOn allianceOpt[string] `json:"letter_signed_on"`
	Version        int                 `json:"version"`
}

func (s *Server) apiAllianceMemberUpdate(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	mid, err := pathID(c, "mid")
	if err != nil {
		return err
	}
	var b memberPatch
	if err := bindJSON(c, &b); err != nil {
		return err
	}
	ctx, svc := c.Request().Context(), s.allianceService()
	cur, err := svc.Member(ctx, actor(c), id, mid)
	if err != nil {
		return err
	}
	ve := &model.ValidationError{}
	in := service.MemberChange{Rank: cur.Rank, LetterSignedOn: cur.LetterSignedOn, Version: b.Version}
	if b.Rank.Set {
		in.Rank = ""
		if b.Rank.Value != nil {
			in.Rank = *b.Rank.Value
		}
	}
	if b.LetterSignedOn.Set {
		in.LetterSignedOn = nil
		if b.LetterSignedOn.Value != nil {
			in.LetterSignedOn = allianceParseDay(ve, "letter_signed_on", *b.LetterSignedOn.Value)
		}
	}
	if err := ve.Err(); err != nil {
		return err
	}
	m, err := svc.UpdateMember(ctx, actor(c), id, mid, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toMemberJSON(m))
}

// memberLeaveBody is the optional body of POST …/members/{mid}/leave.
type memberLeaveBody struct {
	LeftOn  *string `json:"left_on"`
	Version int     `json:"version"` // required: the membership's version read
}

func (s *Server) apiAllianceMemberLeave(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	mid, err := pathID(c, "mid")
	if err != nil {
		return err
	}
	var b memberLeaveBody
	if err := allianceBindOptional(c, &b); err != nil {
		return err
	}
	ctx, svc := c.Request().Context(), s.allianceService()
	ve := &model.ValidationError{}
	var leftOn *time.Time
	if b.LeftOn != nil {
		leftOn = allianceParseDay(ve, "left_on", *b.LeftOn)
	}
	if err := ve.Err(); err != nil {
		if _, gerr := svc.Member(ctx, actor(c), id, mid); gerr != nil {
			return gerr
		}
		return err
	}
	m, err := svc.LeaveMember(ctx, actor(c), id, mid, b.Version, leftOn)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toMemberJSON(m))
}

func init() {
	filters := withList(map[string]string{"name": "name contains", "kind": "alliance_kind code (GET /api/v1/dictionary/alliance_kind)",
		"level": "district | street", "district_id": "district code, e.g. 310104", "status": "active | inactive",
		"sort": "name | founded"})
	apiDocs["GET /api/v1/alliances"] = apiDoc{Tag: "alliances", Summary: "List the alliances you may read (district grants: the district's; alliance grants: that alliance)", Response: "list:Alliance", Query: filters}
	apiDocs["POST /api/v1/alliances"] = apiDoc{Tag: "alliances", Summary: "Create an alliance in a district you manage; the name is unique within the district; level street needs a street of that district", Body: "AllianceInput", Response: "Alliance"}
	apiDocs["GET /api/v1/alliances/:id"] = apiDoc{Tag: "alliances", Summary: "One alliance", Response: "Alliance"}
	apiDocs["PATCH /api/v1/alliances/:id"] = apiDoc{Tag: "alliances", Summary: "Change an alliance: the fields sent change, the others stay (null clears street_id or founded_on); carry version, a stale one answers 409; the district never changes", Body: "AlliancePatch", Response: "Alliance"}
	apiDocs["POST /api/v1/alliances/:id/deactivate"] = apiDoc{Tag: "alliances", Summary: "Deactivate (body {\"version\": n}; stale answers 409)", Body: "VersionInput", Response: "Alliance"}
	apiDocs["POST /api/v1/alliances/:id/activate"] = apiDoc{Tag: "alliances", Summary: "Activate again (body {\"version\": n})", Body: "VersionInput", Response: "Alliance"}
	apiDocs["GET /api/v1/alliances/:id/members"] = apiDoc{Tag: "alliances", Summary: "The alliance's memberships: current (default), left (history) or all", Response: "list:Membership",
		Query: withList(map[string]string{"state": "current | left | all", "sort": "rank (council first, then unit name) | unit_name | joined_on | left_on"})}
	apiDocs["POST /api/v1/alliances/:id/members"] = apiDoc{Tag: "alliances", Summary: "Add a unit of the alliance's district that is not a current member (joined_on defaults to today; a unit that left joins again as a new membership); answers 201", Body: "MembershipInput", Response: "Membership"}
	apiDocs["GET /api/v1/alliances/:id/members/:mid"] = apiDoc{Tag: "alliances", Summary: "One membership of the alliance", Response: "Membership"}
	apiDocs["PATCH /api/v1/alliances/:id/members/:mid"] = apiDoc{Tag: "alliances", Summary: "Change rank or letter date of a current membership (the fields sent change; carry version, a stale one answers 409)", Body: "MembershipPatch", Response: "Membership"}
	apiDocs["POST /api/v1/alliances/:id/members/:mid/leave"] = apiDoc{Tag: "alliances", Summary: "End a membership on left_on (default today; body {\"version\": n} required, stale answers 409); the row stays as history and the unit leaves the alliance's committees", Body: "LeaveInput", Response: "Membership"}

	day := schema{"type": "string", "format": "date", "example": "2026-03-05"}
	nullDay := schema{"type": "string", "format": "date", "nullable": true}
	nullInt := schema{"type": "integer", "format": "int64", "nullable": true}
	level := schema{"type": "string", "enum": []string{model.LevelDistrict, model.LevelStreet}}
	rank := schema{"type": "string", "enum": []string{model.RankCouncil, model.RankMember}, "description": "council 常务理事单位 | member 成员单位"}
	apiSchemas["Alliance"] = obj(nil, map[string]schema{"id": integer, "name": str, "kind": str, "level": level,
		"district_id": integer, "district_name": str, "street_id": nullInt, "street_name": str, "founded_on": nullDay,
		"description": str, "status": {"type": "string", "enum": []string{model.StatusActive, model.StatusInactive}},
		"member_count": integer, "version": integer, "created_at": dateTime, "updated_at": dateTime})
	apiSchemas["AllianceInput"] = obj([]string{"name", "kind", "level", "district_id"}, map[string]schema{"name": str, "kind": str,
		"level": level, "district_id": integer, "street_id": nullInt, "founded_on": nullDay, "description": str})
	apiSchemas["AlliancePatch"] = obj([]string{"version"}, map[string]schema{"name": str, "kind": str, "level": level,
		"street_id": nullInt, "founded_on": nullDay, "description": str, "version": integer})
	apiSchemas["VersionInput"] = obj([]string{"version"}, map[string]schema{"version": integer})
	apiSchemas["Membership"] = obj(nil, map[string]schema{"id": integer, "alliance_id": integer, "unit_id": integer, "unit_name": str,
		"unit_credit_code": str, "rank": rank, "joined_on": day, "left_on": nullDay, "letter_signed_on": nullDay,
		"letter_meeting_id": nullInt, "version": integer, "created_at": dateTime, "updated_at": dateTime})
	apiSchemas["MembershipInput"] = obj([]string{"unit_id", "rank"}, map[string]schema{"unit_id": integer, "rank": rank,
		"joined_on": day, "letter_signed_on": nullDay})
	apiSchemas["MembershipPatch"] = obj([]string{"version"}, map[string]schema{"rank": rank, "letter_signed_on": nullDay, "version": integer})
	apiSchemas["LeaveInput"] = obj([]string{"version"}, map[string]schema{"left_on": day, "version": integer})
}
