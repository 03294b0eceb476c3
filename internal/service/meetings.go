package service

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"
	"time"

	"tongxin/internal/authz"
	"tongxin/internal/model"
	"tongxin/internal/store"
)

// Meetings runs the alliances' meetings (年会, 联席会议, 专委会会议, 联络员会议):
// planning, minutes and resolutions, hold and cancel, attendance per member
// unit.
//
// Permissions, on the alliance's chain: meeting:read, meeting:create and
// meeting:update (edit, hold, cancel, attendance). The secretary and the
// district admins hold them; so does the chair unit's contact during its term
// (it hosts the meetings).
type Meetings struct {
	db    *store.DB
	authz *authz.Authorizer
}

// NewMeetings builds the service.
func NewMeetings(d Deps) *Meetings { return &Meetings{db: d.DB, authz: d.Authz} }

// Audit actions of meetings.
const (
	ActionMeetingCreate     = "meeting.create"
	ActionMeetingUpdate     = "meeting.update"
	ActionMeetingHold       = "meeting.hold"
	ActionMeetingCancel     = "meeting.cancel"
	ActionMeetingAttendance = "meeting.attendance"
)

// Limits of the meeting fields.
const (
	MeetingTitleMax          = 100
	MeetingLocationMax       = 200
	MeetingTextMax           = 10000
	MeetingRepresentativeMax = 50
	MeetingCancelReasonMax   = 500
	MeetingSitesMax          = 3000
)

var startTimeRe = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)

// MeetingInput is what a form or the API gives for a meeting.
type MeetingInput struct {
	AllianceID      int64 // create only
	CommitteeID     *int64
	Kind            string
	Title           string
	HeldOn          *time.Time
	StartTime       string
	DurationMinutes int
	SiteID          *int64
	Location        string
	// HostUnitID nil on create means the chair unit on HeldOn.
	HostUnitID  *int64
	Agenda      string
	Minutes     string
	Resolutions string
	Version     int
}

// AttendanceInput is one unit's attendance.
type AttendanceInput struct {
	UnitID         int64
	Attended       bool
	Representative string
}

// MeetingPerms says what the actor may do to a meeting.
type MeetingPerms struct {
	Update bool
	// Letters: record signed letters (membership:manage); Sign: link signed
	// projects (project:update) — both on the annual meeting.
	Letters bool
	Sign    bool
}

func meetingChain(m *model.Meeting) []string {
	return authz.ChainMeeting(m.CommitteeID, m.AllianceID, m.DistrictID)
}

// Perms reports the actor's rights on m.
func (s *Meetings) Perms(actor model.Actor, m *model.Meeting) MeetingPerms {
	ch := meetingChain(m)
	return MeetingPerms{Update: s.authz.Can(actor.UserID, ch, "meeting", "update"),
		Letters: s.authz.Can(actor.UserID, ch, "membership", "manage"),
		Sign:    s.authz.Can(actor.UserID, ch, "project", "update")}
}

// readScope is where the user reads meetings: the meeting:read scope of
// their roles, with a unit contact's units (meeting:read on unit:ID) turned
// into the alliances those units are current members of.
func (s *Meetings) readScope(ctx context.Context, userID int64) (model.Scope, error) {
	sc := s.authz.Scope(userID, "meeting", "read")
	if sc.All || len(sc.Units) == 0 {
		return sc, nil
	}
	sc.Alliances = slices.Clone(sc.Alliances)
	for _, u := range sc.Units {
		ids, err := s.db.UnitAllianceIDs(ctx, u)
		if err != nil {
			return sc, err
		}
		for _, id := range ids {
			if !slices.Contains(sc.Alliances, id) {
				sc.Alliances = append(sc.Alliances, id)
			}
		}
	}
	return sc, nil
}

// checkRead answers whether the actor reads m: by a role on its chain, or
// as the contact of a current member unit of its alliance; 404 otherwise.
func (s *Meetings) checkRead(ctx context.Context, actor model.Actor, m *model.Meeting) error {
	err := s.authz.Check(actor.UserID, meetingChain(m), "meeting", "read")
	if err == nil || !errors.Is(err, model.ErrNotFound) {
		return err
	}
	sc, serr := s.readScope(ctx, actor.UserID)
	if serr != nil {
		return serr
	}
	if slices.Contains(sc.Alliances, m.AllianceID) {
		return nil
	}
	return err
}

// List pages through the meetings the actor may read.
func (s *Meetings) List(ctx context.Context, actor model.Actor, f store.MeetingFilter, req model.PageRequest) (model.List[store.MeetingRow], error) {
	sc, err := s.readScope(ctx, actor.UserID)
	if err != nil {
		return model.List[store.MeetingRow]{}, err
	}
	f.Scope = sc
	return s.db.ListMeetings(ctx, f, req)
}

// Each calls fn for every meeting the actor may read that matches f (exports).
func (s *Meetings) Each(ctx context.Context, actor model.Actor, f store.MeetingFilter, req model.PageRequest, fn func(*store.MeetingRow) error) error {
	sc, err := s.readScope(ctx, actor.UserID)
	if err != nil {
		return err
	}
	f.Scope = sc
	return s.db.EachMeeting(ctx, f, req, exportBatch, fn)
}

// Alliances lists the active alliances in which the actor may do act on
// meetings: on the alliance, or on one of its committees (a convenor).
func (s *Meetings) Alliances(ctx context.Context, actor model.Actor, act string) ([]model.Alliance, error) {
	out, err := alliancesWhere(ctx, s.db, s.authz, actor, "meeting", act)
	if err != nil {
		return nil, err
	}
	for _, cid := range s.authz.Committees(actor.UserID, "meeting", act) {
		c, err := s.db.CommitteeByID(ctx, cid)
		if errors.Is(err, model.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if slices.ContainsFunc(out, func(a model.Alliance) bool { return a.ID == c.AllianceID }) {
			continue
		}
		a, err := s.db.AllianceByID(ctx, c.AllianceID)
		if err != nil {
			return nil, err
		}
		if a.Status == model.StatusActive {
			out = append(out, *a)
		}
	}
	return out, nil
}

// OnlyCommittees returns the committees of the alliance for whose meetings
// the actor may do act when they may not do it on the alliance itself (a
// convenor: its committees), and false when they may on the alliance.
func (s *Meetings) OnlyCommittees(actor model.Actor, a *model.Alliance, act string) ([]int64, bool) {
	if s.authz.Can(actor.UserID, allianceChain(a), "meeting", act) {
		return nil, false
	}
	return s.authz.Committees(actor.UserID, "meeting", act), true
}

// Get loads a meeting the actor may read.
func (s *Meetings) Get(ctx context.Context, actor model.Actor, id int64) (*store.MeetingRow, error) {
	m, err := s.db.MeetingRowByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.checkRead(ctx, actor, &m.Meeting); err != nil {
		return nil, err
	}
	return m, nil
}

// Attendance lists the member units of the meeting's alliance with their attendance.
func (s *Meetings) Attendance(ctx context.Context, actor model.Actor, id int64) ([]store.AttendanceRow, error) {
	m, err := s.Get(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	return s.db.MeetingAttendanceRows(ctx, &m.Meeting)
}

// Attachments lists the files of a meeting.
func (s *Meetings) Attachments(ctx context.Context, actor model.Actor, id int64) ([]model.Attachment, error) {
	if _, err := s.Get(ctx, actor, id); err != nil {
		return nil, err
	}
	return s.db.MeetingAttachments(ctx, id)
}

// FormOptions are the choices of the meeting form for an alliance.
type FormOptions struct {
	Committees []store.CommitteeRow
	// CommitteeOnly: the actor plans only its committees' meetings (a
	// convenor), so the form asks for a committee.
	CommitteeOnly bool
	Units         []store.AllianceUnitOption
	Sites         []store.SiteOption
}

// Options lists the alliance's committees, member units and its district's sites.
func (s *Meetings) Options(ctx context.Context, actor model.Actor, allianceID int64) (*FormOptions, error) {
	a, err := s.db.AllianceByID(ctx, allianceID)
	if err != nil {
		return nil, err
	}
	if err := s.authz.Check(actor.UserID, allianceChain(a), "meeting", "read"); err != nil {
		return nil, err
	}
	o := &FormOptions{}
	if o.Committees, err = s.db.CommitteesOfAlliance(ctx, allianceID); err != nil {
		return nil, err
	}
	// A convenor (who may not plan the alliance's own meetings) chooses
	// among its committees only.
	if only, ok := s.OnlyCommittees(actor, a, "create"); ok {
		o.Committees = slices.DeleteFunc(o.Committees, func(c store.CommitteeRow) bool { return !slices.Contains(only, c.ID) })
		o.CommitteeOnly = true
	}
	if o.Units, err = s.db.CurrentMemberUnits(ctx, allianceID); err != nil {
		return nil, err
	}
	if o.Sites, err = s.db.MeetingSiteOptions(ctx, a.DistrictID, MeetingSitesMax); err != nil {
		return nil, err
	}
	return o, nil
}

// validate checks in for alliance a; prev is the stored meeting on an edit.
func (s *Meetings) validate(ctx context.Context, a *model.Alliance, in *MeetingInput, prev *model.Meeting) error {
	ve := &model.ValidationError{}
	in.Title = model.Text(ve, "title", in.Title, true, MeetingTitleMax, false)
	in.Location = model.Text(ve, "location", in.Location, false, MeetingLocationMax, false)
	in.Agenda = model.Text(ve, "agenda", in.Agenda, false, MeetingTextMax, true)
	in.Minutes = model.Text(ve, "minutes", in.Minutes, false, MeetingTextMax, true)
	in.Resolutions = model.Text(ve, "resolutions", in.Resolutions, false, MeetingTextMax, true)
	if !slices.Contains(model.MeetingKinds, in.Kind) {
		if in.Kind == "" {
			ve.Add("kind", model.MsgRequired)
		} else {
			ve.Add("kind", "meeting.bad_kind")
		}
	}
	if in.HeldOn == nil {
		ve.Add("held_on", model.MsgRequired)
	} else {
		d := in.HeldOn.UTC()
		in.HeldOn = &d
	}
	in.StartTime = strings.TrimSpace(in.StartTime)
	if in.StartTime != "" && !startTimeRe.MatchString(in.StartTime) {
		ve.Add("start_time", "meeting.bad_time")
	}
	if in.DurationMinutes == 0 {
		in.DurationMinutes = 120
	}
	if in.DurationMinutes < 15 || in.DurationMinutes > 24*60 {
		ve.Add("duration_minutes", "meeting.bad_duration")
	}
	if in.CommitteeID != nil {
		c, err := s.db.CommitteeByID(ctx, *in.CommitteeID)
		switch {
		case errors.Is(err, model.ErrNotFound) || (err == nil && c.AllianceID != a.ID):
			ve.Add("committee_id", "meeting.bad_committee")
		case err != nil:
			return err
		}
	} else if in.Kind == model.MeetingCommittee {
		ve.Add("committee_id", "meeting.committee_required")
	}
	if in.SiteID != nil {
		site, err := s.db.MeetingSite(ctx, *in.SiteID)
		switch {
		case errors.Is(err, model.ErrNotFound) || (err == nil && site.DistrictID != a.DistrictID):
			ve.Add("site_id", "meeting.bad_site")
		case err != nil:
			return err
		}
	}
	if in.HostUnitID != nil && (prev == nil || prev.HostUnitID == nil || *prev.HostUnitID != *in.HostUnitID) {
		ok, err := s.db.IsCurrentMember(ctx, a.ID, *in.HostUnitID)
		if err != nil {
			return err
		}
		if !ok {
			ve.Add("host_unit_id", "meeting.bad_host")
		}
	}
	if err := ve.Err(); err != nil {
		return err
	}
	if in.Kind == model.MeetingAnnual && (prev == nil || prev.Kind != model.MeetingAnnual || prev.Year != in.HeldOn.Year()) {
		other, err := s.db.AnnualMeetingOf(ctx, a.ID, in.HeldOn.Year())
		if err != nil {
			return err
		}
		if other != nil && (prev == nil || other.ID != prev.ID) {
			return (&model.ValidationError{}).AddArgs("held_on", "meeting.annual_taken")
		}
	}
	return nil
}

// Create plans a meeting (meeting:create on the alliance). Without a host,
// the chair unit on the meeting's day hosts it.
func (s *Meetings) Create(ctx context.Context, actor model.Actor, in MeetingInput) (*model.Meeting, error) {
	if in.AllianceID == 0 {
		return nil, (&model.ValidationError{}).Add("alliance_id", model.MsgRequired)
	}
	a, err := s.db.AllianceByID(ctx, in.AllianceID)
	if errors.Is(err, model.ErrNotFound) {
		return nil, (&model.ValidationError{}).Add("alliance_id", "rotation.bad_alliance")
	}
	if err != nil {
		return nil, err
	}
	// A committee's convenor calls the committee's meetings: the check walks
	// the chain of the meeting to be (its committee's domain first).
	if err := s.authz.Check(actor.UserID, authz.ChainMeeting(in.CommitteeID, a.ID, a.DistrictID), "meeting", "create"); err != nil {
		return nil, err
	}
	var m *model.Meeting
	err = s.db.WithTx(ctx, func(ctx context.Context) error {
		if err := s.validate(ctx, a, &in, nil); err != nil {
			return err
		}
		if in.HostUnitID == nil {
			chair, err := s.db.ChairTermOn(ctx, a.ID, *in.HeldOn)
			if err != nil {
				return err
			}
			if chair != nil {
				id := chair.UnitID
				in.HostUnitID = &id
			}
		}
		m = &model.Meeting{AllianceID: a.ID, DistrictID: a.DistrictID, CommitteeID: in.CommitteeID, Kind: in.Kind, Title: in.Title,
			HeldOn: *in.HeldOn, StartTime: in.StartTime, DurationMinutes: in.DurationMinutes, Year: in.HeldOn.Year(), SiteID: in.SiteID,
			Location: in.Location, HostUnitID: in.HostUnitID, Agenda: in.Agenda, Minutes: in.Minutes, Resolutions: in.Resolutions,
			Status: model.MeetingPlanned, CreatedBy: actorID(actor)}
		if err := s.db.CreateMeeting(ctx, m); err != nil {
			return err
		}
		if err := s.notifyCalled(ctx, actor, a, m); err != nil {
			return err
		}
		return audit(ctx, s.db, actor, ActionMeetingCreate, "meeting", m.ID, allianceDomain(a.ID), map[string]any{
			"kind": m.Kind, "title": m.Title, "held_on": day(m.HeldOn), "start_time": m.StartTime, "committee_id": m.CommitteeID,
			"site_id": m.SiteID, "location": m.Location, "host_unit_id": m.HostUnitID})
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// notifyCalled tells the units a new meeting is called for: a committee
// meeting's committee members (its convenor among them), any other meeting's
// current member units of the alliance; their contacts read it in the inbox.
func (s *Meetings) notifyCalled(ctx context.Context, actor model.Actor, a *model.Alliance, m *model.Meeting) error {
	var units []int64
	if m.CommitteeID != nil {
		members, err := s.db.CommitteeMembers(ctx, *m.CommitteeID)
		if err != nil {
			return err
		}
		for _, u := range members {
			units = append(units, u.UnitID)
		}
	} else {
		members, err := s.db.CurrentMemberUnits(ctx, a.ID)
		if err != nil {
			return err
		}
		for _, u := range members {
			units = append(units, u.ID)
		}
	}
	if len(units) == 0 {
		return nil
	}
	holders := make([]store.RoleHolder, 0, len(units))
	for _, u := range units {
		holders = append(holders, store.RoleHolder{Role: model.RoleUnitContact, Domain: model.DomainOf(model.DomainUnit, u)})
	}
	when := day(m.HeldOn)
	if m.StartTime != "" {
		when += " " + m.StartTime
	}
	n := model.Notification{Kind: NotifyMeetingCalled, SubjectKind: "meeting", SubjectID: m.ID,
		Params: noticeArgs(a.Name, m.Title, when), Link: "/meetings/" + itoa(m.ID)}
	return notify(ctx, s.db, actor, n, holders...)
}

// loadFor loads a meeting in the transaction and checks act on its chain.
func (s *Meetings) loadFor(ctx context.Context, actor model.Actor, id int64, act string) (*model.Meeting, *model.Alliance, error) {
	m, err := s.db.MeetingForUpdate(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if err := s.authz.Check(actor.UserID, meetingChain(m), "meeting", act); err != nil {
		return nil, nil, err
	}
	a, err := s.db.AllianceByID(ctx, m.AllianceID)
	return m, a, err
}

// Update changes a meeting's fields (meeting:update); a stale version is a
// conflict. A cancelled meeting is not edited.
func (s *Meetings) Update(ctx context.Context, actor model.Actor, id int64, in MeetingInput) (*model.Meeting, error) {
	var out *model.Meeting
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		prev, a, err := s.loadFor(ctx, actor, id, "update")
		if err != nil {
			return err
		}
		if prev.Status == model.MeetingCancelled {
			return model.Rule("meeting_cancelled", "meeting.is_cancelled")
		}
		if err := model.RequireVersion(in.Version); err != nil {
			return err
		}
		if err := s.validate(ctx, a, &in, prev); err != nil {
			return err
		}
		// Moving a meeting to another committee (or off it) needs the right
		// on where it goes too (a convenor runs only its committee's).
		if err := s.authz.Check(actor.UserID, authz.ChainMeeting(in.CommitteeID, a.ID, a.DistrictID), "meeting", "update"); err != nil {
			return err
		}
		if err := s.db.UpdateMeeting(ctx, id, in.Version, map[string]any{
			"committee_id": in.CommitteeID, "kind": in.Kind, "title": in.Title, "held_on": *in.HeldOn, "year": in.HeldOn.Year(),
			"start_time": in.StartTime, "duration_minutes": in.DurationMinutes, "site_id": in.SiteID, "location": in.Location,
			"host_unit_id": in.HostUnitID, "agenda": in.Agenda, "minutes": in.Minutes, "resolutions": in.Resolutions,
		}); err != nil {
			return err
		}
		if out, err = s.db.MeetingByID(ctx, id); err != nil {
			return err
		}
		return audit(ctx, s.db, actor, ActionMeetingUpdate, "meeting", id, allianceDomain(a.ID), diff(
			"kind", prev.Kind, out.Kind, "title", prev.Title, out.Title, "held_on", day(prev.HeldOn), day(out.HeldOn),
			"start_time", prev.StartTime, out.StartTime, "duration_minutes", prev.DurationMinutes, out.DurationMinutes,
			"committee_id", alliancePtrVal(prev.CommitteeID), alliancePtrVal(out.CommitteeID),
			"site_id", alliancePtrVal(prev.SiteID), alliancePtrVal(out.SiteID), "location", prev.Location, out.Location,
			"host_unit_id", alliancePtrVal(prev.HostUnitID), alliancePtrVal(out.HostUnitID),
			"agenda", prev.Agenda, out.Agenda, "minutes", prev.Minutes, out.Minutes, "resolutions", prev.Resolutions, out.Resolutions))
	})
	return out, err
}

// Act holds or cancels a planned meeting (meeting:update); another status
// answers 422 naming it. A cancel needs a reason; a meeting is held on or
// after its day.
func (s *Meetings) Act(ctx context.Context, actor model.Actor, id int64, action, reason string, version int) (*model.Meeting, error) {
	var out *model.Meeting
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		m, _, err := s.loadFor(ctx, actor, id, "update")
		if err != nil {
			return err
		}
		to, ok := model.MeetingTransition(m.Status, action)
		if !ok {
			return model.Rule("meeting_bad_state", "meeting.bad_state."+m.Status)
		}
		if err := checkVersion(ctx, s.db, "meeting", id, version, m.Version); err != nil {
			return err
		}
		fields := map[string]any{"status": to}
		changes := map[string]any{"status": Change{m.Status, to}}
		auditAction := ActionMeetingHold
		switch action {
		case model.MeetingActionCancel:
			ve := &model.ValidationError{}
			reason = model.Text(ve, "reason", reason, true, MeetingCancelReasonMax, true)
			if err := ve.Err(); err != nil {
				return err
			}
			fields["cancel_reason"], changes["reason"], auditAction = reason, reason, ActionMeetingCancel
		case model.MeetingActionHold:
			if AllianceToday(s.db.Now()).Before(m.HeldOn) {
				return model.Rule("meeting_in_future", "meeting.hold_future", day(m.HeldOn))
			}
		}
		if err := s.db.UpdateMeeting(ctx, id, m.Version, fields); err != nil {
			return err
		}
		if out, err = s.db.MeetingByID(ctx, id); err != nil {
			return err
		}
		return audit(ctx, s.db, actor, auditAction, "meeting", id, allianceDomain(m.AllianceID), changes)
	})
	return out, err
}

// SaveAttendance records the attendance of units (current members of the
// alliance, or units already recorded) at a meeting that is not cancelled.
func (s *Meetings) SaveAttendance(ctx context.Context, actor model.Actor, id int64, rows []AttendanceInput, version int) error {
	return s.db.WithTx(ctx, func(ctx context.Context) error {
		m, _, err := s.loadFor(ctx, actor, id, "update")
		if err != nil {
			return err
		}
		if m.Status == model.MeetingCancelled {
			return model.Rule("meeting_cancelled", "meeting.is_cancelled")
		}
		if err := checkVersion(ctx, s.db, "meeting", id, version, m.Version); err != nil {
			return err
		}
		// The attendance is part of the meeting: recording it moves its version.
		if err := s.db.BumpVersion(ctx, "meetings", "meeting", id, version); err != nil {
			return err
		}
		known, err := s.db.MeetingAttendanceRows(ctx, m)
		if err != nil {
			return err
		}
		byUnit := map[int64]store.AttendanceRow{}
		for _, k := range known {
			byUnit[k.UnitID] = k
		}
		ve := &model.ValidationError{}
		out := make([]model.MeetingAttendance, 0, len(rows))
		changes := map[string]any{}
		seen := map[int64]bool{}
		for _, r := range rows {
			k, ok := byUnit[r.UnitID]
			if !ok || seen[r.UnitID] {
				ve.Add("unit_id", "meeting.bad_attendance_unit")
				continue
			}
			seen[r.UnitID] = true
			rep := model.Text(ve, "representative", r.Representative, false, MeetingRepresentativeMax, false)
			out = append(out, model.MeetingAttendance{UnitID: r.UnitID, Attended: r.Attended, Representative: rep})
			if !k.Recorded || k.Attended != r.Attended || k.Representative != rep {
				changes[itoa(r.UnitID)] = Change{map[string]any{"attended": k.Attended, "representative": k.Representative, "recorded": k.Recorded},
					map[string]any{"attended": r.Attended, "representative": rep}}
			}
		}
		if err := ve.Err(); err != nil {
			return err
		}
		if err := s.db.SaveAttendance(ctx, id, out); err != nil {
			return err
		}
		return audit(ctx, s.db, actor, ActionMeetingAttendance, "meeting", id, allianceDomain(m.AllianceID), changes)
	})
}
