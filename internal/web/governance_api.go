package web

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"tongxin/internal/model"
	"tongxin/internal/service"
	"tongxin/internal/store"
)

// The annual meeting (年会) and the rotation duties through the API: the
// same services as the meeting and rotation pages (service.Meetings.Annual,
// ConfirmReview, SaveSection; service.Rotation.UpdateDuty), the same
// permissions and audit rows.

// ---- the annual meeting ----

// annualJSON is GET /api/v1/meetings/{id}/annual: what the meeting's page
// shows and sets. Whoever runs the meeting (meeting:update) also gets the
// candidates of each section; a reader gets only what the meeting recorded.
type annualJSON struct {
	Meeting meetingJSON `json:"meeting"`
	// Review is last year's figures: live, and as confirmed (null until then).
	Review    annualReviewJSON       `json:"review"`
	Letters   []annualLetterJSON     `json:"letters"`
	Projects  []annualProjectJSON    `json:"projects"`
	Needs     []annualListItemJSON   `json:"needs"`
	Resources []annualListItemJSON   `json:"resources"`
	Terms     []annualTermJSON       `json:"terms"`
	Sections  map[string][]int64     `json:"sections"`
	Attended  int                    `json:"attended"`
	Recorded  int                    `json:"recorded"`
	Rate      float64                `json:"attendance_rate"`
	Presence  []annualAttendanceJSON `json:"attendance"`
}

type annualReviewJSON struct {
	Year        int                   `json:"year"`
	Figures     store.ProjectFigures  `json:"figures"`
	Confirmed   *store.ProjectFigures `json:"confirmed"`
	ConfirmedAt *time.Time            `json:"confirmed_at"`
}

type annualLetterJSON struct {
	MembershipID    int64   `json:"membership_id"`
	UnitID          int64   `json:"unit_id"`
	UnitName        string  `json:"unit_name"`
	Rank            string  `json:"rank"`
	JoinedOn        string  `json:"joined_on"`
	LetterSignedOn  *string `json:"letter_signed_on"`
	LetterMeetingID *int64  `json:"letter_meeting_id"`
}

type annualProjectJSON struct {
	ID              int64   `json:"id"`
	Code            *string `json:"code"`
	Title           string  `json:"title"`
	Year            int     `json:"year"`
	Status          string  `json:"status"`
	BudgetFen       int64   `json:"budget_fen"`
	LeadUnitName    string  `json:"lead_unit_name"`
	SignedMeetingID *int64  `json:"signed_meeting_id"`
	Signed          bool    `json:"signed"`
	Published       bool    `json:"published"`
}

type annualListItemJSON struct {
	ID        int64  `json:"id"`
	Title     string `json:"title"`
	Status    string `json:"status"`
	UnitName  string `json:"unit_name"`
	Published bool   `json:"published"`
}

type annualTermJSON struct {
	ID                 int64  `json:"id"`
	UnitID             int64  `json:"unit_id"`
	UnitName           string `json:"unit_name"`
	StartsOn           string `json:"starts_on"`
	EndsOn             string `json:"ends_on"`
	AnnouncedMeetingID *int64 `json:"announced_meeting_id"`
	Announced          bool   `json:"announced"`
}

type annualAttendanceJSON struct {
	UnitID         int64  `json:"unit_id"`
	UnitName       string `json:"unit_name"`
	Recorded       bool   `json:"recorded"`
	Attended       bool   `json:"attended"`
	Representative string `json:"representative"`
}

func toAnnualJSON(a *service.AnnualView) annualJSON {
	m := a.Meeting
	out := annualJSON{Meeting: toMeetingJSON(m), Letters: []annualLetterJSON{}, Projects: []annualProjectJSON{},
		Needs: []annualListItemJSON{}, Resources: []annualListItemJSON{}, Terms: []annualTermJSON{}, Presence: []annualAttendanceJSON{},
		Attended: a.Attended, Recorded: a.Recorded, Rate: a.Rate(), Sections: map[string][]int64{}}
	out.Review = annualReviewJSON{Year: m.Year - 1, Figures: a.Figures, Confirmed: a.Confirmed, ConfirmedAt: utcPtr(m.ReviewConfirmedAt)}
	sec := func(name string, id int64) { out.Sections[name] = append(out.Sections[name], id) }
	for _, name := range []string{service.SectionLetters, service.SectionSigned, service.SectionNeeds, service.SectionResources,
		service.SectionProjects, service.SectionTerms} {
		out.Sections[name] = []int64{}
	}
	for _, l := range a.Letters {
		out.Letters = append(out.Letters, annualLetterJSON{MembershipID: l.MembershipID, UnitID: l.UnitID, UnitName: l.UnitName, Rank: l.Rank,
			JoinedOn: govDay(l.JoinedOn), LetterSignedOn: allianceDayPtr(l.LetterSignedOn), LetterMeetingID: l.LetterMeetingID})
		if l.LetterMeetingID != nil && *l.LetterMeetingID == m.ID {
			sec(service.SectionLetters, l.MembershipID)
		}
	}
	for _, p := range a.Projects {
		signed := p.SignedMeetingID != nil && *p.SignedMeetingID == m.ID
		pub := a.IsPublished(model.PublishProject, p.ID)
		out.Projects = append(out.Projects, annualProjectJSON{ID: p.ID, Code: p.Code, Title: p.Title, Year: p.Year, Status: p.Status,
			BudgetFen: p.BudgetFen, LeadUnitName: p.LeadUnitName, SignedMeetingID: p.SignedMeetingID, Signed: signed, Published: pub})
	}
	for _, p := range a.Signed {
		sec(service.SectionSigned, p.ID)
	}
	out.Sections[service.SectionProjects] = append(out.Sections[service.SectionProjects], a.Published[model.PublishProject]...)
	for _, k := range []struct {
		kind, section string
		src           []store.ListItemRow
		dst           *[]annualListItemJSON
	}{{model.PublishNeed, service.SectionNeeds, a.Needs, &out.Needs}, {model.PublishResource, service.SectionResources, a.Resources, &out.Resources}} {
		for _, it := range k.src {
			*k.dst = append(*k.dst, annualListItemJSON{ID: it.ID, Title: it.Title, Status: it.Status, UnitName: it.UnitName,
				Published: a.IsPublished(k.kind, it.ID)})
		}
		out.Sections[k.section] = append(out.Sections[k.section], a.Published[k.kind]...)
	}
	for _, t := range a.Terms {
		ann := t.AnnouncedMeetingID != nil && *t.AnnouncedMeetingID == m.ID
		out.Terms = append(out.Terms, annualTermJSON{ID: t.ID, UnitID: t.UnitID, UnitName: t.UnitName, StartsOn: govDay(t.StartsOn),
			EndsOn: govDay(t.EndsOn), AnnouncedMeetingID: t.AnnouncedMeetingID, Announced: ann})
		if ann {
			sec(service.SectionTerms, t.ID)
		}
	}
	for _, at := range a.Attendance {
		out.Presence = append(out.Presence, annualAttendanceJSON{UnitID: at.UnitID, UnitName: at.UnitName, Recorded: at.Recorded,
			Attended: at.Attended, Representative: at.Representative})
	}
	for k := range out.Sections {
		slices.Sort(out.Sections[k])
	}
	return out
}

func (s *Server) apiAnnual(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	a, err := s.meetingService().Annual(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAnnualJSON(a))
}

// annualBody is the body of the review and of a section: the meeting's
// version as read (the service requires it; stale answers 409) and a
// section's ids.
type annualBody struct {
	Version int     `json:"version"`
	IDs     []int64 `json:"ids"`
}

// bindAnnual reads the body of the review or a section. The meeting is
// read first, so that a caller who may not see it learns nothing more (404)
// than that; a section's ids are required.
func (s *Server) bindAnnual(c echo.Context, id int64, section bool) (annualBody, error) {
	var b annualBody
	if err := bindJSON(c, &b); err != nil {
		return b, err
	}
	m, err := s.meetingService().Get(c.Request().Context(), actor(c), id)
	if err != nil {
		return b, err
	}
	// Only an annual meeting has these sections; a reader who may not run
	// it learns that first, not which field their body lacks.
	if m.Kind != model.MeetingAnnual {
		return b, model.NotFound("annual_meeting", id)
	}
	if !s.meetingService().Perms(actor(c), &m.Meeting).Update {
		return b, model.ErrForbidden
	}
	ve := &model.ValidationError{}
	if section && b.IDs == nil {
		ve.Add("ids", model.MsgRequired)
	}
	return b, ve.Err()
}

// apiAnnualReview confirms last year's figures (the page's 确认回顾).
func (s *Server) apiAnnualReview(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	b, err := s.bindAnnual(c, id, false)
	if err != nil {
		return err
	}
	if err := s.meetingService().ConfirmReview(c.Request().Context(), actor(c), id, b.Version); err != nil {
		return err
	}
	return s.apiAnnual(c)
}

// apiAnnualSection saves one section: the ids chosen replace the section's.
func (s *Server) apiAnnualSection(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	b, err := s.bindAnnual(c, id, true)
	if err != nil {
		return err
	}
	if err := s.meetingService().SaveSection(c.Request().Context(), actor(c), id, c.Param("section"), b.IDs, b.Version); err != nil {
		return err
	}
	return s.apiAnnual(c)
}

// packJSON is the meeting pack (会议材料包) as on its printable page: only
// what the meeting recorded.
type packJSON struct {
	Meeting meetingJSON `json:"meeting"`
	// Figures are the confirmed figures, else the live ones (Confirmed false).
	Figures            store.ProjectFigures   `json:"figures"`
	Confirmed          bool                   `json:"confirmed"`
	Letters            []annualLetterJSON     `json:"letters"`
	SignedProjects     []annualProjectJSON    `json:"signed_projects"`
	PublishedNeeds     []annualListItemJSON   `json:"published_needs"`
	PublishedResources []annualListItemJSON   `json:"published_resources"`
	PublishedProjects  []annualProjectJSON    `json:"published_projects"`
	AnnouncedTerms     []annualTermJSON       `json:"announced_terms"`
	Attendance         []annualAttendanceJSON `json:"attendance"`
	Attended           int                    `json:"attended"`
	Recorded           int                    `json:"recorded"`
	Rate               float64                `json:"attendance_rate"`
	Resolutions        []string               `json:"resolutions"`
}

func (s *Server) apiAnnualPack(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	a, err := s.meetingService().Annual(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	full := toAnnualJSON(a)
	out := packJSON{Meeting: full.Meeting, Figures: a.Figures, Letters: []annualLetterJSON{}, SignedProjects: []annualProjectJSON{},
		PublishedNeeds: []annualListItemJSON{}, PublishedResources: []annualListItemJSON{}, PublishedProjects: []annualProjectJSON{},
		AnnouncedTerms: []annualTermJSON{}, Attendance: []annualAttendanceJSON{}, Attended: a.Attended, Recorded: a.Recorded, Rate: a.Rate(),
		Resolutions: paragraphs(a.Meeting.Resolutions)}
	if a.Confirmed != nil {
		out.Figures, out.Confirmed = *a.Confirmed, true
	}
	if out.Resolutions == nil {
		out.Resolutions = []string{}
	}
	out.Letters = keep(out.Letters, full.Letters, func(l annualLetterJSON) bool { return l.LetterMeetingID != nil && *l.LetterMeetingID == id })
	out.SignedProjects = keep(out.SignedProjects, full.Projects, func(p annualProjectJSON) bool { return p.Signed })
	out.PublishedProjects = keep(out.PublishedProjects, full.Projects, func(p annualProjectJSON) bool { return p.Published })
	out.PublishedNeeds = keep(out.PublishedNeeds, full.Needs, func(it annualListItemJSON) bool { return it.Published })
	out.PublishedResources = keep(out.PublishedResources, full.Resources, func(it annualListItemJSON) bool { return it.Published })
	out.AnnouncedTerms = keep(out.AnnouncedTerms, full.Terms, func(t annualTermJSON) bool { return t.Announced })
	out.Attendance = keep(out.Attendance, full.Presence, func(at annualAttendanceJSON) bool { return at.Recorded })
	return c.JSON(http.StatusOK, out)
}

// keep appends to dst the items of src that pass ok.
func keep[T any](dst, src []T, ok func(T) bool) []T {
	for _, v := range src {
		if ok(v) {
			dst = append(dst, v)
		}
	}
	return dst
}

// ---- rotation duties ----

// dutyPatch changes a duty: the fields sent change (null clears); the
// duty's version as read is required (stale answers 409).
type dutyPatch struct {
	Version   int                 `json:"version"`
	DoneOn    allianceOpt[string] `json:"done_on"`
	MeetingID allianceOpt[int64]  `json:"meeting_id"`
	Document  allianceOpt[string] `json:"document"`
}

// apiDutyUpdate records a duty of a term done (or not yet), with the meeting
// or document that fulfils it: the rotation page's duty form.
func (s *Server) apiDutyUpdate(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	did, err := pathID(c, "did")
	if err != nil {
		return err
	}
	var b dutyPatch
	if err := bindJSON(c, &b); err != nil {
		return err
	}
	ctx, svc := c.Request().Context(), s.rotationService()
	t, err := svc.Get(ctx, actor(c), id)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(t.Duties, func(d store.DutyRow) bool { return d.ID == did })
	if i < 0 {
		return model.NotFound("rotation_duty", did)
	}
	cur := t.Duties[i]
	in := service.DutyInput{DoneOn: cur.DoneOn, MeetingID: cur.MeetingID, Document: cur.Document, Version: b.Version}
	ve := &model.ValidationError{}
	if b.DoneOn.Set {
		in.DoneOn = nil
		if b.DoneOn.Value != nil {
			in.DoneOn = allianceParseDay(ve, "done_on", *b.DoneOn.Value)
		}
	}
	if b.MeetingID.Set {
		in.MeetingID = b.MeetingID.Value
	}
	if b.Document.Set {
		in.Document = ""
		if b.Document.Value != nil {
			in.Document = *b.Document.Value
		}
	}
	if err := ve.Err(); err != nil {
		return err
	}
	d, err := svc.UpdateDuty(ctx, actor(c), did, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, dutyJSON{ID: d.ID, Kind: d.Kind, DueOn: govDay(d.DueOn), DoneOn: allianceDayPtr(d.DoneOn),
		MeetingID: d.MeetingID, Document: d.Document, Version: d.Version})
}

// ---- the calendar feed ----

type calendarFeedJSON struct {
	// URL is the feed's address with its secret, answered once.
	URL        string     `json:"url"`
	Prefix     string     `json:"prefix"`
	LastUsedAt *time.Time `json:"last_used_at"`
	CreatedAt  time.Time  `json:"created_at"`
}

// apiCalendarToken makes the caller a new calendar feed address (the
// /calendar page's button); the previous one stops working.
func (s *Server) apiCalendarToken(c echo.Context) error {
	ctx, svc := c.Request().Context(), s.meetingService()
	token, err := svc.NewCalendarFeed(ctx, actor(c))
	if err != nil {
		return err
	}
	f, err := svc.CalendarFeed(ctx, actor(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, calendarFeedJSON{URL: strings.TrimRight(s.opts.BaseURL, "/") + "/calendar/" + token + "/meetings.ics",
		Prefix: f.Prefix, LastUsedAt: utcPtr(f.LastUsedAt), CreatedAt: f.CreatedAt.UTC()})
}

func init() {
	apiDocs["POST /api/v1/calendar/token"] = apiDoc{Tag: "governance", Summary: "A new address of your meetings' calendar feed (iCalendar; the meetings you may read); answered once, the previous address stops working", Response: "CalendarFeed"}
	apiSchemas["CalendarFeed"] = obj(nil, map[string]schema{"url": str, "prefix": str, "last_used_at": nullTime, "created_at": dateTime})
	sections := service.SectionLetters + " (membership ids: 共建责任书 signed at the meeting; needs membership:manage), " +
		service.SectionSigned + " (project ids signed at it; needs project:update), " + service.SectionNeeds + ", " +
		service.SectionResources + ", " + service.SectionProjects + " (ids published at it), " + service.SectionTerms + " (rotation term ids announced at it)"
	apiDocs["GET /api/v1/meetings/:id/annual"] = apiDoc{Tag: "governance", Summary: "An annual meeting (年会) as its page shows it: last year's figures (live and as confirmed), " +
		"the sections' choices (sections: ids per section) and, for whoever runs the meeting, the candidates; 404 for a meeting that is not annual", Response: "Annual"}
	apiDocs["POST /api/v1/meetings/:id/review"] = apiDoc{Tag: "governance", Summary: "Confirm last year's figures (a snapshot for the pack); body {\"version\": n} (required, stale answers 409); answers the annual meeting", Body: "AnnualReview", Response: "Annual"}
	apiDocs["POST /api/v1/meetings/:id/annual/:section"] = apiDoc{Tag: "governance", Summary: "Save one section of an annual meeting: the ids sent replace the section's (an empty list clears it); " +
		"sections: " + sections + "; ids outside the alliance answer 400; the meeting's version is required (stale answers 409) and goes up; answers the annual meeting", Body: "AnnualSection", Response: "Annual"}
	apiDocs["GET /api/v1/meetings/:id/pack"] = apiDoc{Tag: "governance", Summary: "The meeting pack (会议材料包) as on its printable page: confirmed (else live) figures, letters signed, projects signed, lists published, terms announced, attendance, resolutions", Response: "AnnualPack"}
	apiDocs["GET /api/v1/meetings/:id/pack.xlsx"] = apiDoc{Tag: "governance", Summary: "The meeting pack as the page's workbook", ResponseType: xlsxMediaType}
	apiDocs["PATCH /api/v1/rotation-terms/:id/duties/:did"] = apiDoc{Tag: "governance", Summary: "Record a duty of the term done (done_on, not in the future) or not yet (done_on null), with the meeting (of the alliance) or document that fulfils it; the fields sent change (rotation_duty:update: the alliance's secretary, the chair in its term)", Body: "DutyPatch", Response: "Duty"}

	figures := obj(nil, map[string]schema{"year": integer, "projects": integer, "approved": integer, "completed": integer, "evaluated": integer,
		"cancelled": integer, "budget_fen": integer, "beneficiaries": integer, "volunteer_hours": integer, "funds_spent_fen": integer})
	nullFigures := obj(nil, map[string]schema{})
	nullFigures["nullable"] = true
	day, nullDay, nullInt := schema{"type": "string", "format": "date"}, schema{"type": "string", "format": "date", "nullable": true}, schema{"type": "integer", "nullable": true}
	letter := obj(nil, map[string]schema{"membership_id": integer, "unit_id": integer, "unit_name": str, "rank": str, "joined_on": day,
		"letter_signed_on": nullDay, "letter_meeting_id": nullInt})
	project := obj(nil, map[string]schema{"id": integer, "code": {"type": "string", "nullable": true}, "title": str, "year": integer, "status": str,
		"budget_fen": integer, "lead_unit_name": str, "signed_meeting_id": nullInt, "signed": boolean, "published": boolean})
	item := obj(nil, map[string]schema{"id": integer, "title": str, "status": str, "unit_name": str, "published": boolean})
	term := obj(nil, map[string]schema{"id": integer, "unit_id": integer, "unit_name": str, "starts_on": day, "ends_on": day,
		"announced_meeting_id": nullInt, "announced": boolean})
	att := obj(nil, map[string]schema{"unit_id": integer, "unit_name": str, "recorded": boolean, "attended": boolean, "representative": str})
	arr := func(s schema) schema { return schema{"type": "array", "items": s} }
	num := schema{"type": "number"}
	apiSchemas["Annual"] = obj(nil, map[string]schema{"meeting": ref("Meeting"),
		"review":  obj(nil, map[string]schema{"year": integer, "figures": figures, "confirmed": nullFigures, "confirmed_at": nullTime}),
		"letters": arr(letter), "projects": arr(project), "needs": arr(item), "resources": arr(item), "terms": arr(term),
		"sections":   {"type": "object", "additionalProperties": arr(integer), "description": "the ids chosen in each section"},
		"attendance": arr(att), "attended": integer, "recorded": integer, "attendance_rate": num})
	apiSchemas["AnnualPack"] = obj(nil, map[string]schema{"meeting": ref("Meeting"), "figures": figures, "confirmed": boolean,
		"letters": arr(letter), "signed_projects": arr(project), "published_needs": arr(item), "published_resources": arr(item),
		"published_projects": arr(project), "announced_terms": arr(term), "attendance": arr(att), "attended": integer, "recorded": integer,
		"attendance_rate": num, "resolutions": arr(str)})
	apiSchemas["AnnualReview"] = obj([]string{"version"}, map[string]schema{"version": integer})
	apiSchemas["AnnualSection"] = obj([]string{"version", "ids"}, map[string]schema{"version": integer, "ids": arr(integer)})
	apiSchemas["DutyPatch"] = obj([]string{"version"}, map[string]schema{"version": integer, "done_on": nullDay, "meeting_id": nullInt, "document": str})
	apiSchemas["Duty"] = obj(nil, map[string]schema{"version": integer, "id": integer, "kind": str, "due_on": day, "done_on": nullDay, "meeting_id": nullInt, "document": str})
}
