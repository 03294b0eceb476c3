package web

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"tongxin/internal/model"
	"tongxin/internal/report"
	"tongxin/internal/service"
	"tongxin/internal/store"
)

// Meetings (会议): list, form, page with attendance, hold and cancel, as
// pages and as /api/v1/meetings. The annual meeting's sections and pack are
// in annual_meeting.go, the calendar feed in ical.go.

func (s *Server) meetingService() *service.Meetings { return service.NewMeetings(s.deps()) }

type meetingQuery struct {
	AllianceID int64
	Kind       string
	Status     string
	Year       int
	Title      string
}

func (q meetingQuery) Active() bool {
	return q.AllianceID != 0 || q.Kind != "" || q.Status != "" || q.Year != 0 || q.Title != ""
}

func (q meetingQuery) filter() store.MeetingFilter {
	return store.MeetingFilter{AllianceID: q.AllianceID, Kind: q.Kind, Status: q.Status, Year: q.Year, Title: q.Title}
}

func readMeetingQuery(c echo.Context) (meetingQuery, error) {
	api, ve := IsAPI(c), &model.ValidationError{}
	q := meetingQuery{Kind: strings.TrimSpace(c.QueryParam("kind")), Status: strings.TrimSpace(c.QueryParam("status")),
		Title: strings.TrimSpace(c.QueryParam("title"))}
	if v := c.QueryParam("alliance_id"); v != "" {
		if q.AllianceID = allianceID(v); q.AllianceID == 0 && api {
			ve.Add("alliance_id", "alliance.bad_filter")
		}
	}
	if v := c.QueryParam("year"); v != "" {
		y, err := strconv.Atoi(v)
		if err != nil || y < 2000 || y > 2100 {
			if api {
				ve.Add("year", "alliance.bad_filter")
			}
		} else {
			q.Year = y
		}
	}
	if q.Kind != "" && !slices.Contains(model.MeetingKinds, q.Kind) {
		if api {
			ve.Add("kind", "alliance.bad_filter")
		}
		q.Kind = ""
	}
	if q.Status != "" && !slices.Contains(model.MeetingStatuses, q.Status) {
		if api {
			ve.Add("status", "alliance.bad_filter")
		}
		q.Status = ""
	}
	if len([]rune(q.Title)) > allianceFilterMax || strings.ContainsFunc(q.Title, isControl) {
		if api {
			ve.AddArgs("title", model.MsgTooLong, allianceFilterMax)
		}
		q.Title = ""
	}
	return q, ve.Err()
}

type meetingsPage struct {
	Filter    meetingQuery
	Items     []store.MeetingRow
	List      *ListView
	Alliances []model.Alliance
	Kinds     []string
	Statuses  []string
	CanCreate bool
}

func (s *Server) meetingsList(c echo.Context) error {
	req, err := pageRequest(c, store.MeetingSortKeys())
	if err != nil {
		return err
	}
	q, _ := readMeetingQuery(c)
	ctx, loc, svc := c.Request().Context(), Locale(c), s.meetingService()
	l, err := svc.List(ctx, actor(c), q.filter(), req)
	var bad *model.ValidationError
	if errors.As(err, &bad) {
		req.After, req.Before = "", ""
		l, err = svc.List(ctx, actor(c), q.filter(), req)
	}
	if err != nil {
		return err
	}
	alliances, err := svc.Alliances(ctx, actor(c), "read")
	if err != nil {
		return err
	}
	p := meetingsPage{Filter: q, Items: l.Items, List: newListView(c, req, l, "/meetings/export"), Alliances: alliances,
		Kinds: model.MeetingKinds, Statuses: model.MeetingStatuses, CanCreate: s.authz.CanAnywhere(CurrentUser(c).ID, "meeting", "create")}
	title := s.cat.T(loc, "menu.meetings")
	v := s.view(c, title, Crumb{Label: s.cat.T(loc, "menu.group.governance")}, Crumb{Label: title})
	v.Data = p
	return s.page(c, http.StatusOK, "meetings/list", v)
}

func (s *Server) meetingsExport(c echo.Context) error {
	format, err := report.ParseFormat(c.QueryParam("format"))
	if err != nil {
		return (&model.ValidationError{}).Add("format", "list.bad_format")
	}
	req, err := pageRequest(c, store.MeetingSortKeys())
	if err != nil {
		return err
	}
	q, _ := readMeetingQuery(c)
	ctx, loc := c.Request().Context(), Locale(c)
	cols := []report.Column{{Header: "ID", Width: 8}, {Header: s.cat.T(loc, "meeting.title"), Width: 30},
		{Header: s.cat.T(loc, "meeting.kind"), Width: 12}, {Header: s.cat.T(loc, "meeting.alliance"), Width: 30},
		{Header: s.cat.T(loc, "meeting.held_on"), Width: 12}, {Header: s.cat.T(loc, "meeting.location"), Width: 24},
		{Header: s.cat.T(loc, "meeting.host_unit"), Width: 24}, {Header: s.cat.T(loc, "meeting.status"), Width: 10},
		{Header: s.cat.T(loc, "meeting.attendance_rate"), Width: 10}}
	return s.streamExport(c, format, s.cat.T(loc, "menu.meetings"), cols, func(w report.Writer) error {
		return s.meetingService().Each(ctx, actor(c), q.filter(), req, func(m *store.MeetingRow) error {
			return w.WriteRow(m.ID, m.Title, s.cat.T(loc, "meeting.kind."+m.Kind), m.AllianceName, govDay(m.HeldOn),
				meetingPlace(m), m.HostUnitName, s.cat.T(loc, "meeting.status."+m.Status), strconv.FormatFloat(m.Rate(), 'f', 1, 64)+"%")
		})
	})
}

// meetingPlace is a meeting's site and free-text location.
func meetingPlace(m *store.MeetingRow) string {
	switch {
	case m.SiteName != "" && m.Location != "":
		return m.SiteName + "（" + m.Location + "）"
	case m.SiteName != "":
		return m.SiteName
	}
	return m.Location
}

// ---- 新增 / 编辑会议 ----

type meetingForm struct {
	ID                                                                        int64
	AllianceID, CommitteeID, Kind, Title, HeldOn, StartTime, Duration, SiteID string
	Location, HostUnitID, Agenda, Minutes, Resolutions                        string
	Version                                                                   int
	AllianceName                                                              string
	Alliances                                                                 []model.Alliance
	Options                                                                   *service.FormOptions
	Kinds                                                                     []string
	Errors                                                                    map[string]string
}

func meetingFormFrom(c echo.Context) meetingForm {
	version := formVersion(c)
	f := meetingForm{AllianceID: c.FormValue("alliance_id"), CommitteeID: c.FormValue("committee_id"), Kind: c.FormValue("kind"),
		Title: c.FormValue("title"), HeldOn: strings.TrimSpace(c.FormValue("held_on")), StartTime: strings.TrimSpace(c.FormValue("start_time")),
		Duration: strings.TrimSpace(c.FormValue("duration_minutes")), SiteID: c.FormValue("site_id"), Location: c.FormValue("location"),
		HostUnitID: c.FormValue("host_unit_id"), Agenda: c.FormValue("agenda"), Minutes: c.FormValue("minutes"),
		Resolutions: c.FormValue("resolutions"), Version: version}
	return f
}

func meetingOptID(v string) *int64 {
	if id := allianceID(v); id != 0 {
		return &id
	}
	return nil
}

func (f meetingForm) input(ve *model.ValidationError) service.MeetingInput {
	in := service.MeetingInput{AllianceID: allianceID(f.AllianceID), CommitteeID: meetingOptID(f.CommitteeID), Kind: f.Kind, Title: f.Title,
		HeldOn: allianceParseDay(ve, "held_on", f.HeldOn), StartTime: f.StartTime, SiteID: meetingOptID(f.SiteID), Location: f.Location,
		HostUnitID: meetingOptID(f.HostUnitID), Agenda: f.Agenda, Minutes: f.Minutes, Resolutions: f.Resolutions, Version: f.Version}
	if f.Duration != "" {
		n, err := strconv.Atoi(f.Duration)
		if err != nil {
			ve.Add("duration_minutes", "meeting.bad_duration")
		}
		in.DurationMinutes = n
	}
	return in
}

func (s *Server) renderMeetingForm(c echo.Context, status int, f meetingForm, err error) error {
	ctx, loc, svc := c.Request().Context(), Locale(c), s.meetingService()
	if f.ID == 0 {
		var e error
		if f.Alliances, e = svc.Alliances(ctx, actor(c), "create"); e != nil {
			return e
		}
		if f.AllianceID == "" && len(f.Alliances) == 1 {
			f.AllianceID = strconv.FormatInt(f.Alliances[0].ID, 10)
		}
	}
	if id := allianceID(f.AllianceID); id != 0 && (f.ID != 0 || slices.ContainsFunc(f.Alliances, func(a model.Alliance) bool { return a.ID == id })) {
		o, e := svc.Options(ctx, actor(c), id)
		if e != nil {
			return e
		}
		f.Options = o
		if o.CommitteeOnly && f.ID == 0 && c.Request().Method == http.MethodGet {
			f.Kind = model.MeetingCommittee // a convenor calls its committee's meetings
		}
	}
	f.Kinds, f.Errors = model.MeetingKinds, s.formErrors(loc, err)
	title := s.cat.T(loc, "meeting.new")
	crumbs := []Crumb{{Label: s.cat.T(loc, "menu.meetings"), URL: "/meetings"}}
	if f.ID != 0 {
		title = s.cat.T(loc, "meeting.edit")
		crumbs = append(crumbs, Crumb{Label: f.Title, URL: "/meetings/" + strconv.FormatInt(f.ID, 10)})
	}
	v := s.view(c, title, append(crumbs, Crumb{Label: title})...)
	v.Data = f
	return s.page(c, status, "meetings/form", v)
}

func (s *Server) meetingNew(c echo.Context) error {
	f := meetingForm{AllianceID: c.QueryParam("alliance_id"), Kind: c.QueryParam("kind"), CommitteeID: c.QueryParam("committee_id"),
		Duration: "120", StartTime: "14:30"}
	if f.Kind == "" {
		f.Kind = model.MeetingJoint
	}
	return s.renderMeetingForm(c, http.StatusOK, f, nil)
}

func (s *Server) meetingCreate(c echo.Context) error {
	f := meetingFormFrom(c)
	ve := &model.ValidationError{}
	in := f.input(ve)
	if ve.Err() != nil {
		return s.renderMeetingForm(c, http.StatusUnprocessableEntity, f, ve)
	}
	m, err := s.meetingService().Create(c.Request().Context(), actor(c), in)
	if refused(err) {
		return s.renderMeetingForm(c, statusOf(err), f, err)
	}
	if err != nil {
		return err
	}
	s.flash(c, "success", "meeting.created")
	return c.Redirect(http.StatusSeeOther, "/meetings/"+strconv.FormatInt(m.ID, 10))
}

func meetingFormOf(m *store.MeetingRow) meetingForm {
	idText := func(p *int64) string {
		if p == nil {
			return ""
		}
		return strconv.FormatInt(*p, 10)
	}
	return meetingForm{ID: m.ID, AllianceID: strconv.FormatInt(m.AllianceID, 10), AllianceName: m.AllianceName, CommitteeID: idText(m.CommitteeID),
		Kind: m.Kind, Title: m.Title, HeldOn: govDay(m.HeldOn), StartTime: m.StartTime, Duration: strconv.Itoa(m.DurationMinutes),
		SiteID: idText(m.SiteID), Location: m.Location, HostUnitID: idText(m.HostUnitID), Agenda: m.Agenda, Minutes: m.Minutes,
		Resolutions: m.Resolutions, Version: m.Version}
}

func (s *Server) meetingEdit(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	svc := s.meetingService()
	m, err := svc.Get(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	if !svc.Perms(actor(c), &m.Meeting).Update {
		return model.ErrForbidden
	}
	return s.renderMeetingForm(c, http.StatusOK, meetingFormOf(m), nil)
}

func (s *Server) meetingUpdate(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx, svc := c.Request().Context(), s.meetingService()
	cur, err := svc.Get(ctx, actor(c), id)
	if err != nil {
		return err
	}
	f := meetingFormFrom(c)
	f.ID, f.AllianceID, f.AllianceName = id, strconv.FormatInt(cur.AllianceID, 10), cur.AllianceName
	ve := &model.ValidationError{}
	in := f.input(ve)
	if ve.Err() != nil {
		if !svc.Perms(actor(c), &cur.Meeting).Update {
			return model.ErrForbidden
		}
		return s.renderMeetingForm(c, http.StatusUnprocessableEntity, f, ve)
	}
	_, err = svc.Update(ctx, actor(c), id, in)
	if errors.Is(err, model.ErrConflict) {
		now, gerr := svc.Get(ctx, actor(c), id)
		if gerr != nil {
			return gerr
		}
		f.Version = now.Version
		err = model.Conflict("meeting.stale", now.Title, govDay(now.HeldOn), now.StartTime, meetingPlace(now))
		return s.renderMeetingForm(c, http.StatusConflict, f, err)
	}
	if refused(err) {
		return s.renderMeetingForm(c, statusOf(err), f, err)
	}
	if err != nil {
		return err
	}
	s.flash(c, "success", "form.saved")
	return c.Redirect(http.StatusSeeOther, "/meetings/"+strconv.FormatInt(id, 10))
}

// ---- 会议详情 ----

type meetingShowPage struct {
	M           *store.MeetingRow
	Perms       service.MeetingPerms
	Attendance  []store.AttendanceRow
	Attachments []model.Attachment
	Annual      *service.AnnualView
	Errors      map[string]string
	Agenda      []string
	Minutes     []string
	Resolutions []string
	Today       string
	// Sections are the publication sections of an annual meeting.
	Sections []string
	// MaxFiles and MaxMB are the upload limits the help text names.
	MaxFiles int
	MaxMB    int64
	// Want is the form that opens: the one a header button asked for
	// (?action=cancel, which works without JavaScript) or the one refused.
	Want string
}

// Size writes a file size.
func (meetingShowPage) Size(n int64) string { return projectShowPage{}.Size(n) }

func paragraphs(s string) []string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	return out
}

func (s *Server) renderMeetingShow(c echo.Context, status int, err error) error {
	id, e := pathID(c, "id")
	if e != nil {
		return e
	}
	ctx, loc, svc := c.Request().Context(), Locale(c), s.meetingService()
	m, e := svc.Get(ctx, actor(c), id)
	if e != nil {
		return e
	}
	p := meetingShowPage{M: m, Perms: svc.Perms(actor(c), &m.Meeting), Agenda: paragraphs(m.Agenda), Minutes: paragraphs(m.Minutes),
		Resolutions: paragraphs(m.Resolutions), Today: govDay(s.govToday()),
		Sections: []string{service.SectionNeeds, service.SectionResources, service.SectionProjects},
		MaxFiles: meetingPageFiles, MaxMB: s.attachmentMaxMB(), Want: c.QueryParam("action")}
	if refusedAct, ok := c.Get(meetingRefusedAct).(string); ok {
		p.Want = refusedAct
	}
	if p.Attendance, e = s.db.MeetingAttendanceRows(ctx, &m.Meeting); e != nil {
		return e
	}
	if p.Attachments, e = s.db.MeetingAttachments(ctx, id); e != nil {
		return e
	}
	if m.Kind == model.MeetingAnnual {
		if p.Annual, e = svc.Annual(ctx, actor(c), id); e != nil {
			return e
		}
	}
	p.Errors = s.formErrors(loc, err)
	v := s.view(c, m.Title, Crumb{Label: s.cat.T(loc, "menu.meetings"), URL: "/meetings"}, Crumb{Label: m.Title})
	v.Data = p
	return s.page(c, status, "meetings/show", v)
}

// meetingRefusedAct is the context key of the action meetingAct refused.
const meetingRefusedAct = "meeting.refused_act"

func (s *Server) meetingShow(c echo.Context) error { return s.renderMeetingShow(c, http.StatusOK, nil) }

func (s *Server) meetingAct(action string) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := pathID(c, "id")
		if err != nil {
			return err
		}
		version := formVersion(c)
		_, err = s.meetingService().Act(c.Request().Context(), actor(c), id, action, c.FormValue("reason"), version)
		if refused(err) {
			if _, gerr := s.meetingService().Get(c.Request().Context(), actor(c), id); gerr != nil {
				return gerr
			}
			c.Set(meetingRefusedAct, action) // its form opens again
			return s.renderMeetingShow(c, statusOf(err), err)
		}
		if err != nil {
			return err
		}
		s.flash(c, "success", "meeting.done_"+action)
		return c.Redirect(http.StatusSeeOther, "/meetings/"+strconv.FormatInt(id, 10))
	}
}

func (s *Server) meetingAttendance(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	version := formVersion(c)
	form, _ := c.FormParams()
	var rows []service.AttendanceInput
	for _, u := range form["unit"] {
		uid := allianceID(u)
		if uid == 0 {
			continue
		}
		rows = append(rows, service.AttendanceInput{UnitID: uid, Attended: form.Get("attended_"+u) != "", Representative: form.Get("rep_" + u)})
	}
	err = s.meetingService().SaveAttendance(c.Request().Context(), actor(c), id, rows, version)
	if refused(err) {
		if _, gerr := s.meetingService().Get(c.Request().Context(), actor(c), id); gerr != nil {
			return gerr
		}
		return s.renderMeetingShow(c, statusOf(err), err)
	}
	if err != nil {
		return err
	}
	s.flash(c, "success", "meeting.attendance_saved")
	return c.Redirect(http.StatusSeeOther, "/meetings/"+strconv.FormatInt(id, 10)+"#attendance")
}

// ---- JSON API ----

type meetingJSON struct {
	ID              int64     `json:"id"`
	AllianceID      int64     `json:"alliance_id"`
	AllianceName    string    `json:"alliance_name"`
	CommitteeID     *int64    `json:"committee_id"`
	Kind            string    `json:"kind"`
	Title           string    `json:"title"`
	HeldOn          string    `json:"held_on"`
	StartTime       string    `json:"start_time"`
	DurationMinutes int       `json:"duration_minutes"`
	SiteID          *int64    `json:"site_id"`
	SiteName        string    `json:"site_name"`
	Location        string    `json:"location"`
	HostUnitID      *int64    `json:"host_unit_id"`
	HostUnitName    string    `json:"host_unit_name"`
	Agenda          string    `json:"agenda"`
	Minutes         string    `json:"minutes"`
	Resolutions     string    `json:"resolutions"`
	Status          string    `json:"status"`
	CancelReason    string    `json:"cancel_reason"`
	Attended        int       `json:"attended"`
	Recorded        int       `json:"recorded"`
	AttendanceRate  float64   `json:"attendance_rate"`
	Version         int       `json:"version"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
}

func toMeetingJSON(m *store.MeetingRow) meetingJSON {
	return meetingJSON{ID: m.ID, AllianceID: m.AllianceID, AllianceName: m.AllianceName, CommitteeID: m.CommitteeID, Kind: m.Kind,
		Title: m.Title, HeldOn: govDay(m.HeldOn), StartTime: m.StartTime, DurationMinutes: m.DurationMinutes, SiteID: m.SiteID,
		SiteName: m.SiteName, Location: m.Location, HostUnitID: m.HostUnitID, HostUnitName: m.HostUnitName, Agenda: m.Agenda,
		Minutes: m.Minutes, Resolutions: m.Resolutions, Status: m.Status, CancelReason: m.CancelReason, Attended: m.Attended,
		Recorded: m.Recorded, AttendanceRate: m.Rate(), Version: m.Version, CreatedAt: m.CreatedAt.UTC(), UpdatedAt: m.UpdatedAt.UTC()}
}

func (s *Server) apiMeetingsList(c echo.Context) error {
	req, err := pageRequest(c, store.MeetingSortKeys())
	if err != nil {
		return err
	}
	q, err := readMeetingQuery(c)
	if err != nil {
		return err
	}
	l, err := s.meetingService().List(c.Request().Context(), actor(c), q.filter(), req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIList(l, toMeetingJSON))
}

func (s *Server) apiMeetingGet(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	m, err := s.meetingService().Get(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toMeetingJSON(m))
}

type meetingBody struct {
	AllianceID      int64   `json:"alliance_id"`
	CommitteeID     *int64  `json:"committee_id"`
	Kind            string  `json:"kind"`
	Title           string  `json:"title"`
	HeldOn          string  `json:"held_on"`
	StartTime       string  `json:"start_time"`
	DurationMinutes int     `json:"duration_minutes"`
	SiteID          *int64  `json:"site_id"`
	Location        string  `json:"location"`
	HostUnitID      *int64  `json:"host_unit_id"`
	Agenda          string  `json:"agenda"`
	Minutes         string  `json:"minutes"`
	Resolutions     string  `json:"resolutions"`
	Version         int     `json:"version"`
	Reason          string  `json:"reason"`
	Attendance      []attJS `json:"attendance"`
}

type attJS struct {
	UnitID         int64  `json:"unit_id"`
	Attended       bool   `json:"attended"`
	Representative string `json:"representative"`
}

func (s *Server) apiMeetingCreate(c echo.Context) error {
	var b meetingBody
	if err := bindJSON(c, &b); err != nil {
		return err
	}
	ve := &model.ValidationError{}
	in := service.MeetingInput{AllianceID: b.AllianceID, CommitteeID: b.CommitteeID, Kind: b.Kind, Title: b.Title,
		HeldOn: allianceParseDay(ve, "held_on", b.HeldOn), StartTime: b.StartTime, DurationMinutes: b.DurationMinutes, SiteID: b.SiteID,
		Location: b.Location, HostUnitID: b.HostUnitID, Agenda: b.Agenda, Minutes: b.Minutes, Resolutions: b.Resolutions}
	if err := ve.Err(); err != nil {
		return err
	}
	ctx, svc := c.Request().Context(), s.meetingService()
	m, err := svc.Create(ctx, actor(c), in)
	if err != nil {
		return err
	}
	row, err := svc.Get(ctx, actor(c), m.ID)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/meetings/"+strconv.FormatInt(m.ID, 10))
	return c.JSON(http.StatusCreated, toMeetingJSON(row))
}

type meetingPatch struct {
	CommitteeID     allianceOpt[int64]  `json:"committee_id"`
	Kind            allianceOpt[string] `json:"kind"`
	Title           allianceOpt[string] `json:"title"`
	HeldOn          allianceOpt[string] `json:"held_on"`
	StartTime       allianceOpt[string] `json:"start_time"`
	DurationMinutes allianceOpt[int]    `json:"duration_minutes"`
	SiteID          allianceOpt[int64]  `json:"site_id"`
	Location        allianceOpt[string] `json:"location"`
	HostUnitID      allianceOpt[int64]  `json:"host_unit_id"`
	Agenda          allianceOpt[string] `json:"agenda"`
	Minutes         allianceOpt[string] `json:"minutes"`
	Resolutions     allianceOpt[string] `json:"resolutions"`
	Version         int                 `json:"version"`
}

func (s *Server) apiMeetingUpdate(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var b meetingPatch
	if err := bindJSON(c, &b); err != nil {
		return err
	}
	ctx, svc := c.Request().Context(), s.meetingService()
	cur, err := svc.Get(ctx, actor(c), id)
	if err != nil {
		return err
	}
	if !svc.Perms(actor(c), &cur.Meeting).Update {
		return model.ErrForbidden
	}
	ve := &model.ValidationError{}
	if b.Version == 0 {
		ve.Add("version", model.MsgVersionMissing)
	}
	held := cur.HeldOn
	in := service.MeetingInput{CommitteeID: cur.CommitteeID, Kind: cur.Kind, Title: cur.Title, HeldOn: &held, StartTime: cur.StartTime,
		DurationMinutes: cur.DurationMinutes, SiteID: cur.SiteID, Location: cur.Location, HostUnitID: cur.HostUnitID, Agenda: cur.Agenda,
		Minutes: cur.Minutes, Resolutions: cur.Resolutions, Version: b.Version}
	str := func(p allianceOpt[string], dst *string) {
		if p.Set {
			*dst = ""
			if p.Value != nil {
				*dst = *p.Value
			}
		}
	}
	for _, f := range []struct {
		p   allianceOpt[string]
		dst *string
	}{{b.Kind, &in.Kind}, {b.Title, &in.Title}, {b.StartTime, &in.StartTime}, {b.Location, &in.Location}, {b.Agenda, &in.Agenda},
		{b.Minutes, &in.Minutes}, {b.Resolutions, &in.Resolutions}} {
		str(f.p, f.dst)
	}
	for _, f := range []struct {
		p   allianceOpt[int64]
		dst **int64
	}{{b.CommitteeID, &in.CommitteeID}, {b.SiteID, &in.SiteID}, {b.HostUnitID, &in.HostUnitID}} {
		if f.p.Set {
			*f.dst = f.p.Value
		}
	}
	if b.DurationMinutes.Set && b.DurationMinutes.Value != nil {
		in.DurationMinutes = *b.DurationMinutes.Value
	}
	if b.HeldOn.Set {
		in.HeldOn = nil
		if b.HeldOn.Value != nil {
			in.HeldOn = allianceParseDay(ve, "held_on", *b.HeldOn.Value)
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
	return c.JSON(http.StatusOK, toMeetingJSON(row))
}

func (s *Server) apiMeetingAct(action string) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := pathID(c, "id")
		if err != nil {
			return err
		}
		var b meetingBody
		if err := allianceBindOptional(c, &b); err != nil {
			return err
		}
		ctx, svc := c.Request().Context(), s.meetingService()
		if _, err := svc.Act(ctx, actor(c), id, action, b.Reason, b.Version); err != nil {
			return err
		}
		row, err := svc.Get(ctx, actor(c), id)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, toMeetingJSON(row))
	}
}

type attendanceJSON struct {
	UnitID         int64  `json:"unit_id"`
	UnitName       string `json:"unit_name"`
	Rank           string `json:"rank"`
	Recorded       bool   `json:"recorded"`
	Attended       bool   `json:"attended"`
	Representative string `json:"representative"`
}

type attendanceListJSON struct {
	Items          []attendanceJSON `json:"items"`
	Attended       int              `json:"attended"`
	Recorded       int              `json:"recorded"`
	AttendanceRate float64          `json:"attendance_rate"`
}

func (s *Server) apiMeetingAttendanceGet(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	rows, err := s.meetingService().Attendance(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	out := attendanceListJSON{Items: make([]attendanceJSON, 0, len(rows))}
	for _, r := range rows {
		out.Items = append(out.Items, attendanceJSON(r))
		if r.Recorded {
			out.Recorded++
			if r.Attended {
				out.Attended++
			}
		}
	}
	out.AttendanceRate = model.AttendanceRate(out.Attended, out.Recorded)
	return c.JSON(http.StatusOK, out)
}

func (s *Server) apiMeetingAttendanceSave(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var b meetingBody
	if err := bindJSON(c, &b); err != nil {
		return err
	}
	rows := make([]service.AttendanceInput, 0, len(b.Attendance))
	for _, a := range b.Attendance {
		rows = append(rows, service.AttendanceInput(a))
	}
	if err := s.meetingService().SaveAttendance(c.Request().Context(), actor(c), id, rows, b.Version); err != nil {
		return err
	}
	return s.apiMeetingAttendanceGet(c)
}

func init() {
	apiDocs["GET /api/v1/meetings"] = apiDoc{Tag: "governance", Summary: "List the meetings you may read, newest first", Response: "list:Meeting",
		Query: withList(map[string]string{"alliance_id": "alliance id", "kind": "annual | joint | committee | liaison",
			"status": "planned | held | cancelled", "year": "year of held_on", "title": "title contains", "sort": "held_on | title"})}
	apiDocs["POST /api/v1/meetings"] = apiDoc{Tag: "governance", Summary: "Plan a meeting; without host_unit_id the chair unit on held_on hosts it; one annual meeting per alliance and year; answers 201", Body: "MeetingInput", Response: "Meeting"}
	apiDocs["GET /api/v1/meetings/:id"] = apiDoc{Tag: "governance", Summary: "One meeting", Response: "Meeting"}
	apiDocs["PATCH /api/v1/meetings/:id"] = apiDoc{Tag: "governance", Summary: "Change a meeting: the fields sent change; carry version (stale answers 409)", Body: "MeetingPatch", Response: "Meeting"}
	apiDocs["POST /api/v1/meetings/:id/hold"] = apiDoc{Tag: "governance", Summary: "Mark a planned meeting held (on or after its day); another status answers 422", Body: "MeetingAction", Response: "Meeting"}
	apiDocs["POST /api/v1/meetings/:id/cancel"] = apiDoc{Tag: "governance", Summary: "Cancel a planned meeting with a reason", Body: "MeetingAction", Response: "Meeting"}
	apiDocs["GET /api/v1/meetings/:id/attendance"] = apiDoc{Tag: "governance", Summary: "The alliance's member units with their attendance and the rate", Response: "Attendance"}
	apiDocs["POST /api/v1/meetings/:id/attendance"] = apiDoc{Tag: "governance", Summary: "Record attendance of member units (the units sent change; carry the meeting's version, a stale one answers 409)", Body: "AttendanceInput", Response: "Attendance"}
	dayS := schema{"type": "string", "format": "date", "example": "2026-03-05"}
	nullInt := schema{"type": "integer", "format": "int64", "nullable": true}
	kind := schema{"type": "string", "enum": model.MeetingKinds}
	num := schema{"type": "number"}
	apiSchemas["Meeting"] = obj(nil, map[string]schema{"id": integer, "alliance_id": integer, "alliance_name": str, "committee_id": nullInt,
		"kind": kind, "title": str, "held_on": dayS, "start_time": str, "duration_minutes": integer, "site_id": nullInt, "site_name": str,
		"location": str, "host_unit_id": nullInt, "host_unit_name": str, "agenda": str, "minutes": str, "resolutions": str,
		"status": {"type": "string", "enum": model.MeetingStatuses}, "cancel_reason": str, "attended": integer, "recorded": integer,
		"attendance_rate": num, "version": integer, "created_at": dateTime, "updated_at": dateTime})
	fields := map[string]schema{"alliance_id": integer, "committee_id": nullInt, "kind": kind, "title": str, "held_on": dayS,
		"start_time": {"type": "string", "example": "14:30"}, "duration_minutes": integer, "site_id": nullInt, "location": str,
		"host_unit_id": nullInt, "agenda": str, "minutes": str, "resolutions": str}
	apiSchemas["MeetingInput"] = obj([]string{"alliance_id", "kind", "title", "held_on"}, fields)
	patch := map[string]schema{"version": integer}
	for k, v := range fields {
		if k != "alliance_id" {
			patch[k] = v
		}
	}
	apiSchemas["MeetingPatch"] = obj([]string{"version"}, patch)
	apiSchemas["MeetingAction"] = obj([]string{"version"}, map[string]schema{"reason": str, "version": integer})
	att := obj(nil, map[string]schema{"unit_id": integer, "attended": {"type": "boolean"}, "representative": str})
	apiSchemas["AttendanceInput"] = obj([]string{"attendance", "version"}, map[string]schema{"attendance": {"type": "array", "items": att}, "version": integer})
	apiSchemas["Attendance"] = obj(nil, map[string]schema{"items": {"type": "array", "items": obj(nil, map[string]schema{"unit_id": integer,
		"unit_name": str, "rank": str, "recorded": {"type": "boolean"}, "attended": {"type": "boolean"}, "representative": str})},
		"attended": integer, "recorded": integer, "attendance_rate": num})
}
