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

// Rotation terms (轮值安排): the list, one term, the plan generator, early
// hand-over and duties, as pages and as /api/v1/rotation-terms.

func (s *Server) rotationService() *service.Rotation { return service.NewRotation(s.deps()) }

func (s *Server) govToday() time.Time { return service.AllianceToday(s.db.Now()) }

// rotationQuery is the list's filter as typed.
type rotationQuery struct {
	AllianceID int64
	Status     string
	Year       int
}

func (q rotationQuery) Active() bool { return q.AllianceID != 0 || q.Status != "" || q.Year != 0 }

func (q rotationQuery) filter() store.RotationTermFilter {
	return store.RotationTermFilter{AllianceID: q.AllianceID, Status: q.Status, Year: q.Year}
}

func readRotationQuery(c echo.Context) (rotationQuery, error) {
	api, ve := IsAPI(c), &model.ValidationError{}
	q := rotationQuery{Status: strings.TrimSpace(c.QueryParam("status"))}
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
	if q.Status != "" && !slices.Contains(model.RotationStatuses, q.Status) {
		if api {
			ve.Add("status", "alliance.bad_filter")
		}
		q.Status = ""
	}
	return q, ve.Err()
}

type rotationListPage struct {
	Filter    rotationQuery
	Items     []store.RotationTermRow
	Status    map[int64]string
	List      *ListView
	Alliances []model.Alliance
	CanManage bool
	Statuses  []string
}

func (s *Server) rotationList(c echo.Context) error {
	req, err := pageRequest(c, store.RotationTermSortKeys())
	if err != nil {
		return err
	}
	// Unless asked otherwise, the latest terms first: the current chair and
	// the planned ones, not the first term of years ago.
	if c.QueryParam("sort") == "" && c.QueryParam("dir") == "" {
		req.Sort, req.Desc = "starts_on", true
	}
	q, _ := readRotationQuery(c)
	ctx, loc, svc := c.Request().Context(), Locale(c), s.rotationService()
	l, err := svc.List(ctx, actor(c), q.filter(), req)
	var bad *model.ValidationError
	if errors.As(err, &bad) {
		req.After, req.Before = "", ""
		l, err = svc.List(ctx, actor(c), q.filter(), req)
	}
	if err != nil {
		return err
	}
	alliances, err := svc.Alliances(ctx, actor(c), "rotation_term", "read")
	if err != nil {
		return err
	}
	p := rotationListPage{Filter: q, Items: l.Items, List: newListView(c, req, l, "/rotation-terms/export"), Alliances: alliances,
		CanManage: s.authz.CanAnywhere(CurrentUser(c).ID, "rotation_term", "manage"), Statuses: model.RotationStatuses,
		Status: map[int64]string{}}
	today := s.govToday()
	for _, t := range l.Items {
		p.Status[t.ID] = t.StatusOn(today)
	}
	title := s.cat.T(loc, "menu.rotation")
	v := s.view(c, title, Crumb{Label: s.cat.T(loc, "menu.group.governance")}, Crumb{Label: title})
	v.Data = p
	return s.page(c, http.StatusOK, "rotation/list", v)
}

func (s *Server) rotationExport(c echo.Context) error {
	format, err := report.ParseFormat(c.QueryParam("format"))
	if err != nil {
		return (&model.ValidationError{}).Add("format", "list.bad_format")
	}
	req, err := pageRequest(c, store.RotationTermSortKeys())
	if err != nil {
		return err
	}
	q, _ := readRotationQuery(c)
	ctx, loc, today := c.Request().Context(), Locale(c), s.govToday()
	cols := []report.Column{{Header: "ID", Width: 8}, {Header: s.cat.T(loc, "rotation.alliance"), Width: 30},
		{Header: s.cat.T(loc, "rotation.unit"), Width: 30}, {Header: s.cat.T(loc, "rotation.starts_on"), Width: 12},
		{Header: s.cat.T(loc, "rotation.ends_on"), Width: 12}, {Header: s.cat.T(loc, "rotation.status"), Width: 10},
		{Header: s.cat.T(loc, "rotation.handover_note"), Width: 40}}
	return s.streamExport(c, format, s.cat.T(loc, "menu.rotation"), cols, func(w report.Writer) error {
		return s.rotationService().Each(ctx, actor(c), q.filter(), req, func(t *store.RotationTermRow) error {
			return w.WriteRow(t.ID, t.AllianceName, t.UnitName, govDay(t.StartsOn), govDay(t.EndsOn),
				s.cat.T(loc, "rotation.status."+t.StatusOn(today)), t.HandoverNote)
		})
	})
}

func govDay(t time.Time) string { return t.UTC().Format(time.DateOnly) }

// ---- 新增轮值 ----

type rotationForm struct {
	AllianceID, UnitID, StartsOn, EndsOn, HandoverNote string
	Alliances                                          []model.Alliance
	Units                                              []store.AllianceUnitOption
	Errors                                             map[string]string
}

func (s *Server) renderRotationForm(c echo.Context, status int, f rotationForm, err error) error {
	ctx, loc := c.Request().Context(), Locale(c)
	var e error
	if f.Alliances, e = s.rotationService().Alliances(ctx, actor(c), "rotation_term", "manage"); e != nil {
		return e
	}
	if f.AllianceID == "" && len(f.Alliances) == 1 {
		f.AllianceID = strconv.FormatInt(f.Alliances[0].ID, 10)
	}
	if id := allianceID(f.AllianceID); id != 0 && slices.ContainsFunc(f.Alliances, func(a model.Alliance) bool { return a.ID == id }) {
		if f.Units, e = s.db.CurrentMemberUnits(ctx, id); e != nil {
			return e
		}
	}
	f.Errors = s.formErrors(loc, err)
	title := s.cat.T(loc, "rotation.new")
	v := s.view(c, title, Crumb{Label: s.cat.T(loc, "menu.rotation"), URL: "/rotation-terms"}, Crumb{Label: title})
	v.Data = f
	return s.page(c, status, "rotation/form", v)
}

// formErrors turns a refusal into the messages a form shows: field errors
// by field, a conflict or rule under "_summary".
func (s *Server) formErrors(loc string, err error) map[string]string {
	out := map[string]string{}
	var ve *model.ValidationError
	var ce *model.ConflictError
	var re *model.RuleError
	var vme *model.VersionError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &vme):
		out["_summary"] = s.cat.T(loc, model.MsgVersionMissing)
	case errors.As(err, &ve):
		return s.fieldMessages(loc, ve)
	case errors.As(err, &ce):
		out["_summary"] = s.cat.T(loc, ce.Message, ce.Args...)
	case errors.As(err, &re):
		out["_summary"] = s.cat.T(loc, re.Message, re.Args...)
	}
	return out
}

// refused reports an error a form shows to the user (field, conflict, rule).
func refused(err error) bool {
	return errors.Is(err, model.ErrInvalid) || errors.Is(err, model.ErrConflict) || errors.Is(err, model.ErrRule)
}

func (s *Server) rotationNew(c echo.Context) error {
	return s.renderRotationForm(c, http.StatusOK, rotationForm{AllianceID: c.QueryParam("alliance_id")}, nil)
}

func (s *Server) rotationCreate(c echo.Context) error {
	f := rotationForm{AllianceID: c.FormValue("alliance_id"), UnitID: c.FormValue("unit_id"), StartsOn: strings.TrimSpace(c.FormValue("starts_on")),
		EndsOn: strings.TrimSpace(c.FormValue("ends_on")), HandoverNote: c.FormValue("handover_note")}
	ve := &model.ValidationError{}
	in := service.RotationTermInput{AllianceID: allianceID(f.AllianceID), UnitID: allianceID(f.UnitID), HandoverNote: f.HandoverNote,
		StartsOn: allianceParseDay(ve, "starts_on", f.StartsOn), EndsOn: allianceParseDay(ve, "ends_on", f.EndsOn)}
	if ve.Err() != nil {
		return s.renderRotationForm(c, http.StatusUnprocessableEntity, f, ve)
	}
	t, err := s.rotationService().Create(c.Request().Context(), actor(c), in)
	if refused(err) {
		return s.renderRotationForm(c, statusOf(err), f, err)
	}
	if err != nil {
		return err
	}
	s.flash(c, "success", "rotation.created")
	return c.Redirect(http.StatusSeeOther, "/rotation-terms/"+strconv.FormatInt(t.ID, 10))
}

// statusOf is the status a re-rendered form answers with.
func statusOf(err error) int {
	if errors.Is(err, model.ErrConflict) {
		return http.StatusConflict
	}
	if vme := (*model.VersionError)(nil); errors.As(err, &vme) {
		return http.StatusBadRequest
	}
	return http.StatusUnprocessableEntity
}

// ---- 生成轮值计划 ----

type rotationPlanPage struct {
	AllianceID, StartsOn, Period, Until string
	Order                               []int64 // the units in the order chosen
	Alliances                           []model.Alliance
	Units                               []store.AllianceUnitOption
	Terms                               []store.RotationTermRow
	Plan                                *service.Plan
	Periods                             []string
	Errors                              map[string]string
}

// Position is a unit's place in the order (1-based), "" when not chosen.
func (p rotationPlanPage) Position(id int64) string {
	if i := slices.Index(p.Order, id); i >= 0 {
		return strconv.Itoa(i + 1)
	}
	return ""
}

func (s *Server) renderRotationPlan(c echo.Context, status int, p rotationPlanPage, err error) error {
	ctx, loc, svc := c.Request().Context(), Locale(c), s.rotationService()
	var e error
	if p.Alliances, e = svc.Alliances(ctx, actor(c), "rotation_term", "manage"); e != nil {
		return e
	}
	if p.AllianceID == "" && len(p.Alliances) == 1 {
		p.AllianceID = strconv.FormatInt(p.Alliances[0].ID, 10)
	}
	if id := allianceID(p.AllianceID); id != 0 && slices.ContainsFunc(p.Alliances, func(a model.Alliance) bool { return a.ID == id }) {
		if p.Units, e = s.db.CurrentMemberUnits(ctx, id); e != nil {
			return e
		}
		if p.Terms, e = svc.TermsOf(ctx, actor(c), id); e != nil {
			return e
		}
		// A fresh form proposes an order the secretary renumbers or blanks:
		// the rotation so far, continued after its last chair; without one,
		// the council units (常务理事单位).
		if c.Request().Method == http.MethodGet && len(p.Order) == 0 {
			if p.Order = continueRotation(p.Terms, p.Units); len(p.Order) == 0 {
				letters, e := s.db.LetterRows(ctx, id)
				if e != nil {
					return e
				}
				for _, l := range letters {
					if l.Rank == model.RankCouncil {
						p.Order = append(p.Order, l.UnitID)
					}
				}
			}
		}
		// The terms shown beside the plan: the current one and those to come.
		today := s.govToday()
		p.Terms = slices.DeleteFunc(p.Terms, func(t store.RotationTermRow) bool { return t.EndsOn.Before(today) })
		// The chosen units first, in their order; the others after.
		slices.SortStableFunc(p.Units, func(a, b store.AllianceUnitOption) int {
			ia, ib := slices.Index(p.Order, a.ID), slices.Index(p.Order, b.ID)
			if ia < 0 {
				ia = len(p.Order)
			}
			if ib < 0 {
				ib = len(p.Order)
			}
			return ia - ib
		})
	}
	if p.Period == "" {
		p.Period = model.PeriodMonth
	}
	if p.StartsOn == "" {
		p.StartsOn = govDay(s.govToday().AddDate(0, 1, 1-s.govToday().Day()))
	}
	if p.Until == "" {
		st, perr := time.Parse(time.DateOnly, p.StartsOn)
		if perr == nil {
			p.Until = govDay(st.AddDate(1, 0, -1))
		}
	}
	p.Periods, p.Errors = model.RotationPeriods, s.formErrors(loc, err)
	title := s.cat.T(loc, "rotation.plan")
	v := s.view(c, title, Crumb{Label: s.cat.T(loc, "menu.rotation"), URL: "/rotation-terms"}, Crumb{Label: title})
	v.Data = p
	return s.page(c, status, "rotation/plan", v)
}

// continueRotation is the order of the last cycle of terms (the units of
// the latest terms, going back until one repeats), starting with the unit
// after the last chair, keeping only current members.
func continueRotation(terms []store.RotationTermRow, members []store.AllianceUnitOption) []int64 {
	var cycle []int64
	for i := len(terms) - 1; i >= 0; i-- {
		if slices.Contains(cycle, terms[i].UnitID) {
			break
		}
		cycle = append(cycle, terms[i].UnitID)
	}
	slices.Reverse(cycle) // oldest first; the last chair is at the end
	var out []int64
	for _, id := range cycle {
		if slices.ContainsFunc(members, func(m store.AllianceUnitOption) bool { return m.ID == id }) {
			out = append(out, id)
		}
	}
	return out
}

func (s *Server) rotationPlanForm(c echo.Context) error {
	return s.renderRotationPlan(c, http.StatusOK, rotationPlanPage{AllianceID: c.QueryParam("alliance_id")}, nil)
}

// readPlanForm reads the plan form: the order is "order_<unit id>" = position
// (blank leaves the unit out), sorted by position, then by the list's order.
func readPlanForm(c echo.Context) (rotationPlanPage, service.PlanInput, *model.ValidationError) {
	p := rotationPlanPage{AllianceID: c.FormValue("alliance_id"), StartsOn: strings.TrimSpace(c.FormValue("starts_on")),
		Period: c.FormValue("period"), Until: strings.TrimSpace(c.FormValue("until"))}
	ve := &model.ValidationError{}
	form, _ := c.FormParams()
	type pos struct {
		unit int64
		at   int
		seq  int
	}
	var ps []pos
	for _, id := range form["unit"] {
		u := allianceID(id)
		v := strings.TrimSpace(form.Get("order_" + id))
		if u == 0 || v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			ve.Add("unit_ids", "rotation.bad_order")
			continue
		}
		ps = append(ps, pos{u, n, len(ps)})
	}
	slices.SortStableFunc(ps, func(a, b pos) int { return a.at - b.at })
	for _, x := range ps {
		p.Order = append(p.Order, x.unit)
	}
	in := service.PlanInput{AllianceID: allianceID(p.AllianceID), UnitIDs: p.Order, Period: p.Period,
		StartsOn: allianceParseDay(ve, "starts_on", p.StartsOn), Until: allianceParseDay(ve, "until", p.Until)}
	return p, in, ve
}

func (s *Server) rotationPlan(c echo.Context) error {
	p, in, ve := readPlanForm(c)
	if ve.Err() != nil {
		return s.renderRotationPlan(c, http.StatusUnprocessableEntity, p, ve)
	}
	ctx, svc := c.Request().Context(), s.rotationService()
	if c.FormValue("save") == "" {
		plan, err := svc.Preview(ctx, actor(c), in)
		if refused(err) {
			return s.renderRotationPlan(c, statusOf(err), p, err)
		}
		if err != nil {
			return err
		}
		p.Plan = plan
		return s.renderRotationPlan(c, http.StatusOK, p, nil)
	}
	plan, err := svc.SavePlan(ctx, actor(c), in)
	if refused(err) {
		p.Plan, _ = svc.Preview(ctx, actor(c), in)
		return s.renderRotationPlan(c, statusOf(err), p, err)
	}
	if err != nil {
		return err
	}
	s.flash(c, "success", "rotation.plan_saved", len(plan.Items))
	return c.Redirect(http.StatusSeeOther, "/rotation-terms?alliance_id="+p.AllianceID+"&status="+model.RotationPlanned) // the terms just planned
}

// ---- 轮值详情 ----

type rotationShowPage struct {
	T        *service.TermView
	Perms    service.RotationPerms
	Meetings []store.MeetingRow
	Today    string
	HandOver struct{ On, Note string }
	Errors   map[string]string
	// DutyErrors are the messages of the duty form that was refused (by duty id).
	DutyID int64
	// Want is the form that opens: the one a header button asked for
	// (?action=hand-over, which works without JavaScript) or the one refused.
	Want string
}

func (s *Server) renderRotationShow(c echo.Context, status int, p rotationShowPage, err error) error {
	id, e := pathID(c, "id")
	if e != nil {
		return e
	}
	ctx, loc, svc := c.Request().Context(), Locale(c), s.rotationService()
	t, e := svc.Get(ctx, actor(c), id)
	if e != nil {
		return e
	}
	p.T, p.Perms, p.Today = t, svc.Perms(actor(c), t.AllianceID, t.DistrictID), govDay(s.govToday())
	if p.HandOver.On == "" {
		p.HandOver.On = p.Today
	}
	if p.Want == "" {
		p.Want = c.QueryParam("action")
	}
	if p.Perms.Duties {
		l, e := s.db.ListMeetings(ctx, store.MeetingFilter{AllianceID: t.AllianceID, Scope: model.Scope{All: true},
			From: t.StartsOn.AddDate(0, -1, 0), To: t.EndsOn.AddDate(0, 1, 0)}, model.PageRequest{Limit: 50})
		if e != nil {
			return e
		}
		p.Meetings = l.Items
	}
	p.Errors = s.formErrors(loc, err)
	title := t.UnitName + " · " + govDay(t.StartsOn) + " ~ " + govDay(t.EndsOn)
	v := s.view(c, title, Crumb{Label: s.cat.T(loc, "menu.rotation"), URL: "/rotation-terms"}, Crumb{Label: title})
	v.Data = p
	return s.page(c, status, "rotation/show", v)
}

func (s *Server) rotationShow(c echo.Context) error {
	return s.renderRotationShow(c, http.StatusOK, rotationShowPage{}, nil)
}

func (s *Server) rotationHandOver(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	p := rotationShowPage{Want: "hand-over"} // open again when refused
	p.HandOver.On, p.HandOver.Note = strings.TrimSpace(c.FormValue("on")), c.FormValue("handover_note")
	ve := &model.ValidationError{}
	version := formVersion(c)
	in := service.HandOverInput{On: allianceParseDay(ve, "on", p.HandOver.On), Note: p.HandOver.Note, Version: version}
	if ve.Err() == nil {
		_, err = s.rotationService().HandOver(c.Request().Context(), actor(c), id, in)
	} else {
		err = ve
	}
	if refused(err) {
		if _, gerr := s.rotationService().Get(c.Request().Context(), actor(c), id); gerr != nil {
			return gerr
		}
		return s.renderRotationShow(c, statusOf(err), p, err)
	}
	if err != nil {
		return err
	}
	s.flash(c, "success", "rotation.handed_over")
	return c.Redirect(http.StatusSeeOther, "/rotation-terms/"+strconv.FormatInt(id, 10))
}

func (s *Server) rotationDutyUpdate(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	did, err := pathID(c, "did")
	if err != nil {
		return err
	}
	version := formVersion(c)
	ve := &model.ValidationError{}
	in := service.DutyInput{DoneOn: allianceParseDay(ve, "done_on", c.FormValue("done_on")), Document: c.FormValue("document"), Version: version}
	if mid := allianceID(c.FormValue("meeting_id")); mid != 0 {
		in.MeetingID = &mid
	}
	ctx := c.Request().Context()
	t, err := s.rotationService().Get(ctx, actor(c), id)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(t.Duties, func(d store.DutyRow) bool { return d.ID == did }) {
		return model.NotFound("rotation_duty", did)
	}
	if ve.Err() == nil {
		_, err = s.rotationService().UpdateDuty(ctx, actor(c), did, in)
	} else {
		err = ve
	}
	if refused(err) {
		return s.renderRotationShow(c, statusOf(err), rotationShowPage{DutyID: did}, err)
	}
	if err != nil {
		return err
	}
	s.flash(c, "success", "form.saved")
	return c.Redirect(http.StatusSeeOther, "/rotation-terms/"+strconv.FormatInt(id, 10)+"#duties")
}

// ---- JSON API ----

type dutyJSON struct {
	ID        int64   `json:"id"`
	Kind      string  `json:"kind"`
	DueOn     string  `json:"due_on"`
	DoneOn    *string `json:"done_on"`
	MeetingID *int64  `json:"meeting_id"`
	Document  string  `json:"document"`
	Version   int     `json:"version"`
}

type rotationTermJSON struct {
	ID                 int64      `json:"id"`
	AllianceID         int64      `json:"alliance_id"`
	AllianceName       string     `json:"alliance_name"`
	UnitID             int64      `json:"unit_id"`
	UnitName           string     `json:"unit_name"`
	StartsOn           string     `json:"starts_on"`
	EndsOn             string     `json:"ends_on"`
	Status             string     `json:"status"`
	HandoverNote       string     `json:"handover_note"`
	HandedOverOn       *string    `json:"handed_over_on"`
	AnnouncedMeetingID *int64     `json:"announced_meeting_id"`
	Duties             []dutyJSON `json:"duties,omitempty"`
	Version            int        `json:"version"`
	CreatedAt          time.Time  `json:"created_at"`
	UpdatedAt          time.Time  `json:"updated_at"`
}

func (s *Server) toRotationJSON(t *store.RotationTermRow) rotationTermJSON {
	return rotationTermJSON{ID: t.ID, AllianceID: t.AllianceID, AllianceName: t.AllianceName, UnitID: t.UnitID, UnitName: t.UnitName,
		StartsOn: govDay(t.StartsOn), EndsOn: govDay(t.EndsOn), Status: t.StatusOn(s.govToday()), HandoverNote: t.HandoverNote,
		HandedOverOn: allianceDayPtr(t.HandedOverOn), AnnouncedMeetingID: t.AnnouncedMeetingID, Version: t.Version,
		CreatedAt: t.CreatedAt.UTC(), UpdatedAt: t.UpdatedAt.UTC()}
}

func (s *Server) toTermViewJSON(t *service.TermView) rotationTermJSON {
	out := s.toRotationJSON(&t.RotationTermRow)
	out.Duties = make([]dutyJSON, 0, len(t.Duties))
	for _, d := range t.Duties {
		out.Duties = append(out.Duties, dutyJSON{ID: d.ID, Kind: d.Kind, DueOn: govDay(d.DueOn), DoneOn: allianceDayPtr(d.DoneOn),
			MeetingID: d.MeetingID, Document: d.Document, Version: d.Version})
	}
	return out
}

func (s *Server) apiRotationList(c echo.Context) error {
	req, err := pageRequest(c, store.RotationTermSortKeys())
	if err != nil {
		return err
	}
	q, err := readRotationQuery(c)
	if err != nil {
		return err
	}
	l, err := s.rotationService().List(c.Request().Context(), actor(c), q.filter(), req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIList(l, s.toRotationJSON))
}

func (s *Server) apiRotationGet(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	t, err := s.rotationService().Get(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.toTermViewJSON(t))
}

type rotationBody struct {
	AllianceID   int64  `json:"alliance_id"`
	UnitID       int64  `json:"unit_id"`
	StartsOn     string `json:"starts_on"`
	EndsOn       string `json:"ends_on"`
	HandoverNote string `json:"handover_note"`
}

func (s *Server) apiRotationCreate(c echo.Context) error {
	var b rotationBody
	if err := bindJSON(c, &b); err != nil {
		return err
	}
	ve := &model.ValidationError{}
	in := service.RotationTermInput{AllianceID: b.AllianceID, UnitID: b.UnitID, HandoverNote: b.HandoverNote,
		StartsOn: allianceParseDay(ve, "starts_on", b.StartsOn), EndsOn: allianceParseDay(ve, "ends_on", b.EndsOn)}
	if err := ve.Err(); err != nil {
		return err
	}
	ctx, svc := c.Request().Context(), s.rotationService()
	t, err := svc.Create(ctx, actor(c), in)
	if err != nil {
		return err
	}
	v, err := svc.Get(ctx, actor(c), t.ID)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/rotation-terms/"+strconv.FormatInt(t.ID, 10))
	return c.JSON(http.StatusCreated, s.toTermViewJSON(v))
}

type planBody struct {
	AllianceID int64   `json:"alliance_id"`
	UnitIDs    []int64 `json:"unit_ids"`
	StartsOn   string  `json:"starts_on"`
	Period     string  `json:"period"`
	Until      string  `json:"until"`
}

type planItemJSON struct {
	UnitID   int64  `json:"unit_id"`
	UnitName string `json:"unit_name"`
	StartsOn string `json:"starts_on"`
	EndsOn   string `json:"ends_on"`
	// ClashTermID names a started term the proposed one would overlap.
	ClashTermID *int64 `json:"clash_term_id"`
}

type planJSON struct {
	Items    []planItemJSON `json:"items"`
	Skipped  []int64        `json:"skipped_unit_ids"`
	Replaces []int64        `json:"replaces_term_ids"`
}

func toPlanJSON(p *service.Plan) planJSON {
	out := planJSON{Items: []planItemJSON{}, Skipped: append([]int64{}, p.Skipped...), Replaces: []int64{}}
	for _, it := range p.Items {
		j := planItemJSON{UnitID: it.UnitID, UnitName: it.UnitName, StartsOn: govDay(it.StartsOn), EndsOn: govDay(it.EndsOn)}
		if it.Clash != nil {
			id := it.Clash.ID
			j.ClashTermID = &id
		}
		out.Items = append(out.Items, j)
	}
	for _, t := range p.Replaces {
		out.Replaces = append(out.Replaces, t.ID)
	}
	return out
}

func (s *Server) apiRotationPlan(save bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		var b planBody
		if err := bindJSON(c, &b); err != nil {
			return err
		}
		ve := &model.ValidationError{}
		in := service.PlanInput{AllianceID: b.AllianceID, UnitIDs: b.UnitIDs, Period: b.Period,
			StartsOn: allianceParseDay(ve, "starts_on", b.StartsOn), Until: allianceParseDay(ve, "until", b.Until)}
		if err := ve.Err(); err != nil {
			return err
		}
		svc := s.rotationService()
		if !save {
			p, err := svc.Preview(c.Request().Context(), actor(c), in)
			if err != nil {
				return err
			}
			return c.JSON(http.StatusOK, toPlanJSON(p))
		}
		p, err := svc.SavePlan(c.Request().Context(), actor(c), in)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusCreated, toPlanJSON(p))
	}
}

type handOverBody struct {
	On           *string `json:"on"`
	HandoverNote string  `json:"handover_note"`
	Version      int     `json:"version"`
}

func (s *Server) apiRotationHandOver(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var b handOverBody
	if err := allianceBindOptional(c, &b); err != nil {
		return err
	}
	ctx, svc := c.Request().Context(), s.rotationService()
	if _, err := svc.Get(ctx, actor(c), id); err != nil {
		return err
	}
	ve := &model.ValidationError{}
	in := service.HandOverInput{Note: b.HandoverNote, Version: b.Version}
	if b.On != nil {
		in.On = allianceParseDay(ve, "on", *b.On)
	}
	if b.Version == 0 {
		ve.Add("version", model.MsgVersionMissing)
	}
	if err := ve.Err(); err != nil {
		return err
	}
	if _, err := svc.HandOver(ctx, actor(c), id, in); err != nil {
		return err
	}
	v, err := svc.Get(ctx, actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.toTermViewJSON(v))
}

func init() {
	apiDocs["GET /api/v1/rotation-terms"] = apiDoc{Tag: "governance", Summary: "List the rotation terms (轮值) you may read; status is the status on today", Response: "list:RotationTerm",
		Query: withList(map[string]string{"alliance_id": "alliance id", "status": "planned | active | ended | handed_over", "year": "terms with a day in that year", "sort": "starts_on | unit_name"})}
	apiDocs["POST /api/v1/rotation-terms"] = apiDoc{Tag: "governance", Summary: "Create a term for a current member unit; a term that overlaps another of the alliance answers 409; answers 201", Body: "RotationTermInput", Response: "RotationTerm"}
	apiDocs["POST /api/v1/rotation-terms/plan"] = apiDoc{Tag: "governance", Summary: "Preview a generated plan: the units take turns in the order given, from starts_on, each for a period, until the horizon; units that left are skipped; nothing is written", Body: "RotationPlanInput", Response: "RotationPlan"}
	apiDocs["POST /api/v1/rotation-terms/plan/save"] = apiDoc{Tag: "governance", Summary: "Save a generated plan: replaces the alliance's planned (future) terms from starts_on; a proposed term overlapping a started term answers 409", Body: "RotationPlanInput", Response: "RotationPlan"}
	apiDocs["GET /api/v1/rotation-terms/:id"] = apiDoc{Tag: "governance", Summary: "One term with its duties", Response: "RotationTerm"}
	apiDocs["POST /api/v1/rotation-terms/:id/hand-over"] = apiDoc{Tag: "governance", Summary: "Hand an active term over early: it ends on `on` (default today) and the next term starts the day after; the chair roles follow", Body: "HandOverInput", Response: "RotationTerm"}
	dayS := schema{"type": "string", "format": "date", "example": "2026-03-05"}
	nullDay := schema{"type": "string", "format": "date", "nullable": true}
	nullInt := schema{"type": "integer", "format": "int64", "nullable": true}
	apiSchemas["RotationDuty"] = obj(nil, map[string]schema{"id": integer, "kind": {"type": "string", "enum": model.DutyKinds},
		"due_on": dayS, "done_on": nullDay, "meeting_id": nullInt, "document": str})
	apiSchemas["RotationTerm"] = obj(nil, map[string]schema{"id": integer, "alliance_id": integer, "alliance_name": str, "unit_id": integer,
		"unit_name": str, "starts_on": dayS, "ends_on": dayS, "status": {"type": "string", "enum": model.RotationStatuses},
		"handover_note": str, "handed_over_on": nullDay, "announced_meeting_id": nullInt,
		"duties":  {"type": "array", "items": schema{"$ref": "#/components/schemas/RotationDuty"}},
		"version": integer, "created_at": dateTime, "updated_at": dateTime})
	apiSchemas["RotationTermInput"] = obj([]string{"alliance_id", "unit_id", "starts_on", "ends_on"}, map[string]schema{
		"alliance_id": integer, "unit_id": integer, "starts_on": dayS, "ends_on": dayS, "handover_note": str})
	apiSchemas["RotationPlanInput"] = obj([]string{"alliance_id", "unit_ids", "starts_on", "period", "until"}, map[string]schema{
		"alliance_id": integer, "unit_ids": {"type": "array", "items": integer}, "starts_on": dayS,
		"period": {"type": "string", "enum": model.RotationPeriods}, "until": dayS})
	apiSchemas["RotationPlan"] = obj(nil, map[string]schema{
		"items":            {"type": "array", "items": obj(nil, map[string]schema{"unit_id": integer, "unit_name": str, "starts_on": dayS, "ends_on": dayS, "clash_term_id": nullInt})},
		"skipped_unit_ids": {"type": "array", "items": integer}, "replaces_term_ids": {"type": "array", "items": integer}})
	apiSchemas["HandOverInput"] = obj([]string{"version", "handover_note"}, map[string]schema{"on": dayS, "handover_note": str, "version": integer})
}

// ---- 工作台: duties due ----

// dutiesDueMax caps the duties the home page lists.
const dutiesDueMax = 10

// dutyDue is a duty as the home page lists it.
type dutyDue struct {
	store.DutyRow
	Overdue bool
}

// dutiesDue loads the overdue and due-soon duties of the alliances where
// the current user records duties (the chair during its term, the
// secretary) for the partial duties_due.html; nil for everyone else, and on
// an error, which is logged (the home page must not fail for it).
func (s *Server) dutiesDue(c echo.Context) []dutyDue {
	if CurrentUser(c) == nil {
		return nil
	}
	rows, err := s.rotationService().OpenDuties(c.Request().Context(), actor(c), dutiesDueMax)
	if err != nil {
		s.log.Error("duties due", "err", err, "request_id", RequestID(c))
		return nil
	}
	today := s.govToday()
	out := make([]dutyDue, 0, len(rows))
	for _, d := range rows {
		out = append(out, dutyDue{DutyRow: d, Overdue: d.Overdue(today)})
	}
	return out
}
