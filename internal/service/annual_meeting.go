package service

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"tongxin/internal/model"
	"tongxin/internal/store"
)

// The annual meeting (年会制) is a meeting of kind annual, one per alliance
// and year. It gathers the review of the past year (the alliance's project
// figures, store.AllianceProjectFigures: one definition), the memberships
// whose 共建责任书 is signed at it (memberships.letter_meeting_id and
// letter_signed_on), the needs, resources and projects published at it
// (meeting_publications), the projects signed at it (projects.signed_meeting_id)
// and the rotation terms announced at it (rotation_terms.announced_meeting_id).
// Each section is saved on its own, by meeting:update on the alliance's
// chain; letters also need membership:manage and signed projects project:update.

// Audit actions of the annual meeting.
const (
	ActionAnnualReview    = "meeting.review_confirm"
	ActionAnnualLetters   = "meeting.letters"
	ActionAnnualSigned    = "meeting.projects_signed"
	ActionAnnualPublished = "meeting.published"
	ActionAnnualAnnounced = "meeting.terms_announced"
)

// Annual sections a form saves.
const (
	SectionLetters   = "letters"
	SectionSigned    = "signed"
	SectionNeeds     = "needs"
	SectionResources = "resources"
	SectionProjects  = "projects"
	SectionTerms     = "terms"
)

// Publishable reports whether a need or resource in status may be published
// at an annual meeting: needs still open to the alliance's work (published,
// partly claimed, claimed, in a project), resources available to claim.
func Publishable(kind, status string) bool {
	if kind == model.PublishResource {
		return status == model.ResourceAvailable
	}
	return slices.Contains([]string{model.NeedPublished, model.NeedPartlyClaimed, model.NeedClaimed, model.NeedInProject}, status)
}

// AnnualCandidatesMax caps each candidate list of the annual meeting page.
const AnnualCandidatesMax = 500

// AnnualView is everything the annual meeting page and its pack show.
type AnnualView struct {
	Meeting *store.MeetingRow
	// Figures are the live figures of the past year; Confirmed the ones the
	// secretary confirmed (nil until then).
	Figures    store.ProjectFigures
	Confirmed  *store.ProjectFigures
	Letters    []store.LetterRow
	Signed     []store.MeetingProjectRow
	Projects   []store.MeetingProjectRow // candidates to sign or publish
	Needs      []store.ListItemRow       // candidates to publish
	Resources  []store.ListItemRow
	Published  map[string][]int64 // need, resource, project → ids
	Terms      []store.RotationTermRow
	Attendance []store.AttendanceRow
	Attended   int
	Recorded   int
}

// Rate is the attendance rate in percent.
func (v *AnnualView) Rate() float64 { return model.AttendanceRate(v.Attended, v.Recorded) }

// IsPublished reports whether the item of kind is published at the meeting.
func (v *AnnualView) IsPublished(kind string, id int64) bool {
	return slices.Contains(v.Published[kind], id)
}

// PublishedNeeds are the needs published at the meeting.
func (v *AnnualView) PublishedItems(kind string) []store.ListItemRow {
	src := v.Needs
	if kind == model.PublishResource {
		src = v.Resources
	}
	var out []store.ListItemRow
	for _, it := range src {
		if v.IsPublished(kind, it.ID) {
			out = append(out, it)
		}
	}
	return out
}

// PublishedProjects are the projects published at the meeting.
func (v *AnnualView) PublishedProjects() []store.MeetingProjectRow {
	var out []store.MeetingProjectRow
	for _, p := range v.Projects {
		if v.IsPublished(model.PublishProject, p.ID) {
			out = append(out, p)
		}
	}
	return out
}

// AnnouncedTerms are the rotation terms announced at the meeting.
func (v *AnnualView) AnnouncedTerms() []store.RotationTermRow {
	var out []store.RotationTermRow
	for _, t := range v.Terms {
		if t.AnnouncedMeetingID != nil && *t.AnnouncedMeetingID == v.Meeting.ID {
			out = append(out, t)
		}
	}
	return out
}

// Annual loads the annual meeting id with all it gathers.
func (s *Meetings) Annual(ctx context.Context, actor model.Actor, id int64) (*AnnualView, error) {
	m, err := s.Get(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if m.Kind != model.MeetingAnnual {
		return nil, model.NotFound("annual_meeting", id)
	}
	v := &AnnualView{Meeting: m, Published: map[string][]int64{}}
	if v.Figures, err = s.db.AllianceProjectFigures(ctx, m.AllianceID, m.Year-1); err != nil {
		return nil, err
	}
	if m.ReviewFigures != "" {
		var f store.ProjectFigures
		if json.Unmarshal([]byte(m.ReviewFigures), &f) == nil {
			v.Confirmed = &f
		}
	}
	if v.Letters, err = s.db.LetterRows(ctx, m.AllianceID); err != nil {
		return nil, err
	}
	if v.Signed, err = s.db.ProjectsSignedAt(ctx, id); err != nil {
		return nil, err
	}
	if v.Projects, err = s.db.ProjectCandidates(ctx, m.AllianceID, m.Year, AnnualCandidatesMax); err != nil {
		return nil, err
	}
	if v.Needs, err = s.db.ListItemCandidates(ctx, model.PublishNeed, m.AllianceID, AnnualCandidatesMax); err != nil {
		return nil, err
	}
	if v.Resources, err = s.db.ListItemCandidates(ctx, model.PublishResource, m.AllianceID, AnnualCandidatesMax); err != nil {
		return nil, err
	}
	// Only what may be published is offered (published items show below).
	v.Needs = slices.DeleteFunc(v.Needs, func(r store.ListItemRow) bool { return !Publishable(model.PublishNeed, r.Status) })
	v.Resources = slices.DeleteFunc(v.Resources, func(r store.ListItemRow) bool { return !Publishable(model.PublishResource, r.Status) })
	for _, k := range []string{model.PublishNeed, model.PublishResource, model.PublishProject} {
		if v.Published[k], err = s.db.MeetingPublicationIDs(ctx, id, k); err != nil {
			return nil, err
		}
	}
	// Published items no longer among the candidates still show.
	for _, k := range []string{model.PublishNeed, model.PublishResource} {
		missing := []int64{}
		src := v.Needs
		if k == model.PublishResource {
			src = v.Resources
		}
		for _, pid := range v.Published[k] {
			if !slices.ContainsFunc(src, func(r store.ListItemRow) bool { return r.ID == pid }) {
				missing = append(missing, pid)
			}
		}
		extra, err := s.db.ListItemsByIDs(ctx, k, m.AllianceID, missing)
		if err != nil {
			return nil, err
		}
		if k == model.PublishNeed {
			v.Needs = append(v.Needs, extra...)
		} else {
			v.Resources = append(v.Resources, extra...)
		}
	}
	missing := []int64{}
	for _, p := range append(append([]store.MeetingProjectRow(nil), v.Signed...), idsAsProjects(v.Published[model.PublishProject])...) {
		if !slices.ContainsFunc(v.Projects, func(r store.MeetingProjectRow) bool { return r.ID == p.ID }) && !slices.Contains(missing, p.ID) {
			missing = append(missing, p.ID)
		}
	}
	extra, err := s.db.ProjectsByIDs(ctx, m.AllianceID, missing)
	if err != nil {
		return nil, err
	}
	v.Projects = append(v.Projects, extra...)
	if v.Terms, err = s.db.RotationTermsOf(ctx, m.AllianceID, &m.HeldOn, nil); err != nil {
		return nil, err
	}
	if v.Attendance, err = s.db.MeetingAttendanceRows(ctx, &m.Meeting); err != nil {
		return nil, err
	}
	for _, a := range v.Attendance {
		if a.Recorded {
			v.Recorded++
			if a.Attended {
				v.Attended++
			}
		}
	}
	if !s.authz.Can(actor.UserID, meetingChain(&m.Meeting), "meeting", "update") {
		v.readerView()
	}
	return v, nil
}

// readerView keeps, for someone who reads the meeting but does not run it
// (a reviewer, a member unit's contact), only what the meeting recorded: the
// candidates the secretary chooses from (drafts among them) are not theirs
// to see.
func (v *AnnualView) readerView() {
	signed := v.Signed
	v.Projects = slices.DeleteFunc(v.Projects, func(p store.MeetingProjectRow) bool {
		return !v.IsPublished(model.PublishProject, p.ID) && !slices.ContainsFunc(signed, func(q store.MeetingProjectRow) bool { return q.ID == p.ID })
	})
	v.Needs, v.Resources, v.Terms = v.PublishedItems(model.PublishNeed), v.PublishedItems(model.PublishResource), v.AnnouncedTerms()
}

func idsAsProjects(ids []int64) []store.MeetingProjectRow {
	out := make([]store.MeetingProjectRow, len(ids))
	for i, id := range ids {
		out[i].ID = id
	}
	return out
}

// ConfirmReview stores the past year's figures as the secretary confirms
// them (a snapshot: later changes of the projects do not alter the pack).
func (s *Meetings) ConfirmReview(ctx context.Context, actor model.Actor, id int64, version int) error {
	return s.db.WithTx(ctx, func(ctx context.Context) error {
		m, _, err := s.annualFor(ctx, actor, id)
		if err != nil {
			return err
		}
		if err := checkVersion(ctx, s.db, "meeting", id, version, m.Version); err != nil {
			return err
		}
		f, err := s.db.AllianceProjectFigures(ctx, m.AllianceID, m.Year-1)
		if err != nil {
			return err
		}
		b, _ := json.Marshal(f)
		if err := s.db.UpdateMeeting(ctx, id, m.Version, map[string]any{"review_figures": string(b), "review_confirmed_at": s.db.Now()}); err != nil {
			return err
		}
		return audit(ctx, s.db, actor, ActionAnnualReview, "meeting", id, allianceDomain(m.AllianceID), map[string]any{"figures": f})
	})
}

// annualFor loads an annual meeting for an update (meeting:update), refusing
// a cancelled one; the callers check the version.
func (s *Meetings) annualFor(ctx context.Context, actor model.Actor, id int64) (*model.Meeting, *model.Alliance, error) {
	m, a, err := s.loadFor(ctx, actor, id, "update")
	if err != nil {
		return nil, nil, err
	}
	if m.Kind != model.MeetingAnnual {
		return nil, nil, model.NotFound("annual_meeting", id)
	}
	if m.Status == model.MeetingCancelled {
		return nil, nil, model.Rule("meeting_cancelled", "meeting.is_cancelled")
	}
	return m, a, nil
}

// SaveSection saves one section of the annual meeting: the ids chosen
// (memberships for letters, projects for signed and projects, needs,
// resources, rotation terms). Ids outside the alliance are refused.
func (s *Meetings) SaveSection(ctx context.Context, actor model.Actor, id int64, section string, ids []int64, version int) error {
	return s.db.WithTx(ctx, func(ctx context.Context) error {
		m, a, err := s.annualFor(ctx, actor, id)
		if err != nil {
			return err
		}
		if err := checkVersion(ctx, s.db, "meeting", id, version, m.Version); err != nil {
			return err
		}
		// A section is part of the meeting: saving one moves its version.
		if err := s.db.BumpVersion(ctx, "meetings", "meeting", id, version); err != nil {
			return err
		}
		ch := allianceChain(a)
		ids = annualIDs(ids)
		bad := func() error { return (&model.ValidationError{}).Add("ids", "meeting.bad_ids") }
		var action string
		var before []int64
		switch section {
		case SectionLetters:
			if err := s.authz.Check(actor.UserID, ch, "membership", "manage"); err != nil {
				return err
			}
			rows, err := s.db.LetterRows(ctx, a.ID)
			if err != nil {
				return err
			}
			for _, r := range rows {
				if r.LetterMeetingID != nil && *r.LetterMeetingID == id {
					before = append(before, r.MembershipID)
				}
			}
			for _, want := range ids {
				if !slices.ContainsFunc(rows, func(r store.LetterRow) bool { return r.MembershipID == want }) {
					return bad()
				}
			}
			// A letter signed at the meeting is dated the meeting's day:
			// none can be recorded before that day has come.
			if len(ids) > 0 && m.HeldOn.After(AllianceToday(s.db.Now())) {
				return (&model.ValidationError{}).AddArgs(SectionLetters, "annual.letters_not_held", m.HeldOn.Format(time.DateOnly))
			}
			action = ActionAnnualLetters
			if err := s.db.SetLettersSigned(ctx, a.ID, id, m.HeldOn, ids); err != nil {
				return err
			}
		case SectionSigned:
			if err := s.authz.Check(actor.UserID, ch, "project", "update"); err != nil {
				return err
			}
			prev, err := s.db.ProjectsSignedAt(ctx, id)
			if err != nil {
				return err
			}
			for _, p := range prev {
				before = append(before, p.ID)
			}
			found, err := s.db.ProjectsByIDs(ctx, a.ID, ids)
			if err != nil {
				return err
			}
			if len(found) != len(ids) {
				return bad()
			}
			action = ActionAnnualSigned
			if err := s.db.SetProjectsSigned(ctx, a.ID, id, ids); err != nil {
				return err
			}
		case SectionNeeds, SectionResources, SectionProjects:
			kind := map[string]string{SectionNeeds: model.PublishNeed, SectionResources: model.PublishResource, SectionProjects: model.PublishProject}[section]
			n := 0
			if kind == model.PublishProject {
				found, err := s.db.ProjectsByIDs(ctx, a.ID, ids)
				if err != nil {
					return err
				}
				n = len(found)
			}
			if before, err = s.db.MeetingPublicationIDs(ctx, id, kind); err != nil {
				return err
			}
			if kind != model.PublishProject {
				found, err := s.db.ListItemsByIDs(ctx, kind, a.ID, ids)
				if err != nil {
					return err
				}
				n = len(found)
				// A closed, expired, fulfilled or draft need (a resource not
				// available) is not published; one published while it was
				// open stays on the record.
				for _, it := range found {
					if !slices.Contains(before, it.ID) && !Publishable(kind, it.Status) {
						return (&model.ValidationError{}).AddArgs(section, "annual.not_publishable_"+kind, it.Title)
					}
				}
			}
			if n != len(ids) {
				return bad()
			}
			action = ActionAnnualPublished
			if err := s.db.SetMeetingPublications(ctx, id, kind, ids); err != nil {
				return err
			}
		case SectionTerms:
			terms, err := s.db.RotationTermsOf(ctx, a.ID, nil, nil)
			if err != nil {
				return err
			}
			for _, t := range terms {
				if t.AnnouncedMeetingID != nil && *t.AnnouncedMeetingID == id {
					before = append(before, t.ID)
				}
			}
			for _, want := range ids {
				if !slices.ContainsFunc(terms, func(t store.RotationTermRow) bool { return t.ID == want }) {
					return bad()
				}
			}
			action = ActionAnnualAnnounced
			if err := s.db.SetTermsAnnounced(ctx, id, a.ID, ids); err != nil {
				return err
			}
		default:
			return (&model.ValidationError{}).Add("section", "meeting.bad_section")
		}
		return audit(ctx, s.db, actor, action, "meeting", id, allianceDomain(a.ID), map[string]any{
			"section": section, "ids": Change{before, ids}})
	})
}

func annualIDs(ids []int64) []int64 {
	out := make([]int64, 0, len(ids))
	for _, id := range ids {
		if id > 0 && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}
