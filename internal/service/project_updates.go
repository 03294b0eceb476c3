package service

import (
	"context"
	"time"

	"tongxin/internal/model"
	"tongxin/internal/store"
)

// Progress updates (进展) of projects and the review trail. The contacts of
// the lead and partner units and the alliance's secretary report progress
// (project:update_progress) while a project is approved or running.

// ActionProjectProgress is the audit action of a progress update.
const ActionProjectProgress = "project.progress"

// Limits of a progress update.
const (
	ProjectUpdateTextMax = 4000
	ProjectHoursMax      = 1_000_000
	ProjectPeopleMax     = 100_000_000
)

func projectTakesProgress(status string) bool {
	return status == model.ProjectApproved || status == model.ProjectInProgress
}

// UpdateInput is a progress update as a form or the API gives it.
type UpdateInput struct {
	Percent        int
	Text           string
	Beneficiaries  int
	VolunteerHours int
	FundsSpentFen  int64
	// HappenedOn is a calendar day; nil means today. It falls within the
	// project's life (ProjectUpdateDays).
	HappenedOn *time.Time
	// Reason says why Percent is lower than the report before it (required
	// then).
	Reason string
	// AttachmentIDs are attachments uploaded to the project that this
	// update shows (they move to the update).
	AttachmentIDs []int64
}

// ProjectUpdateReasonMax is the longest reason for a lower percentage.
const ProjectUpdateReasonMax = 500

// ProjectUpdateDays are the days a progress report of p may be dated: from
// its approval (its start day when no approval was recorded) to today, and
// not after its end day. first is nil when neither is known.
func ProjectUpdateDays(p *model.Project, today time.Time) (first *time.Time, last time.Time) {
	switch {
	case p.ApprovedAt != nil:
		d := AllianceToday(*p.ApprovedAt)
		first = &d
	case p.StartsOn != nil:
		d := p.StartsOn.UTC()
		first = &d
	}
	last = today
	if p.EndsOn != nil && p.EndsOn.UTC().Before(last) {
		last = p.EndsOn.UTC()
	}
	return first, last
}

// UpdateView is a progress update with its author and attachments.
type UpdateView struct {
	store.ProjectUpdateRow
	Attachments []model.Attachment
}

// AddUpdate records a progress update of a project.
func (s *Projects) AddUpdate(ctx context.Context, actor model.Actor, projectID int64, in UpdateInput) (*UpdateView, error) {
	var out *UpdateView
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		p, units, err := s.load(ctx, actor, projectID, "update_progress", true)
		if err != nil {
			return err
		}
		if !projectTakesProgress(p.Status) {
			return model.Rule("project_progress_not_allowed", "project.progress_not_allowed."+p.Status)
		}
		ve := &model.ValidationError{}
		in.Text = model.Text(ve, "text", in.Text, true, ProjectUpdateTextMax, true)
		if in.Percent < 0 || in.Percent > 100 {
			ve.Add("percent", "project.bad_percent")
		}
		if in.Beneficiaries < 0 || in.Beneficiaries > ProjectPeopleMax {
			ve.Add("beneficiaries", "project.bad_amount")
		}
		if in.VolunteerHours < 0 || in.VolunteerHours > ProjectHoursMax {
			ve.Add("volunteer_hours", "project.bad_amount")
		}
		if in.FundsSpentFen < 0 {
			ve.Add("funds_spent_fen", "project.bad_amount")
		}
		in.Reason = model.Text(ve, "reason", in.Reason, false, ProjectUpdateReasonMax, true)
		// The day falls within the project's life: not before its
		// approval, not after today nor after its end day.
		today := AllianceToday(s.db.Now())
		day := today
		if in.HappenedOn != nil {
			day = in.HappenedOn.UTC()
		}
		first, _ := ProjectUpdateDays(p, today)
		switch {
		case day.After(today):
			ve.AddArgs("happened_on", "project.update_future", allianceDayString(&today))
		case p.EndsOn != nil && day.After(p.EndsOn.UTC()):
			ve.AddArgs("happened_on", "project.update_after_end", allianceDayString(p.EndsOn))
		case first != nil && day.Before(*first):
			ve.AddArgs("happened_on", "project.update_before_start", allianceDayString(first))
		}
		// A lower percentage than the report before it (by day) says why.
		marks, err := s.db.ProjectUpdateMarks(ctx, p.ID)
		if err != nil {
			return err
		}
		latest := true
		for _, m := range marks {
			if m.HappenedOn.UTC().After(day) {
				latest = false
				continue
			}
			if in.Percent < m.Percent && in.Reason == "" && ve.Fields["percent"] == "" {
				ve.AddArgs("reason", "project.percent_lower_reason", m.Percent)
			}
			break
		}
		if err := ve.Err(); err != nil {
			return err
		}
		u := &model.ProjectUpdate{ProjectID: p.ID, Percent: in.Percent, Text: in.Text, Beneficiaries: in.Beneficiaries,
			VolunteerHours: in.VolunteerHours, FundsSpentFen: in.FundsSpentFen, HappenedOn: day, Reason: in.Reason}
		if actor.UserID != 0 {
			uid := actor.UserID
			u.CreatedBy = &uid
		}
		if err := s.db.CreateProjectUpdate(ctx, u); err != nil {
			return err
		}
		ids := uniqueIDs(in.AttachmentIDs)
		n, err := s.db.MoveAttachments(ctx, p.ID, ids, model.AttachOwnerUpdate, u.ID, "")
		if err != nil {
			return err
		}
		if n != int64(len(ids)) {
			return (&model.ValidationError{}).Add("attachment_ids", "project.bad_attachments")
		}
		if latest { // the project's progress is its latest report's
			if err := s.db.SetProjectProgress(ctx, p.ID, in.Percent); err != nil {
				return err
			}
		}
		if err := audit(ctx, s.db, actor, ActionProjectProgress, "project", p.ID, projectDomain(p), map[string]any{
			"update_id": u.ID, "percent": u.Percent, "beneficiaries": u.Beneficiaries, "volunteer_hours": u.VolunteerHours,
			"funds_spent_fen": u.FundsSpentFen, "happened_on": projectDay(&u.HappenedOn), "attachment_ids": ids, "reason": u.Reason,
		}); err != nil {
			return err
		}
		if err := s.notifyTransition(ctx, actor, p, units, "progress", ""); err != nil {
			return err
		}
		out = &UpdateView{ProjectUpdateRow: store.ProjectUpdateRow{ProjectUpdate: *u}}
		byUpdate, err := s.attachmentsOf(ctx, p.ID, []int64{u.ID})
		out.Attachments = byUpdate[u.ID]
		return err
	})
	return out, err
}

// Updates pages through a project's progress updates, latest first, each
// with its attachments (one statement for all of them).
func (s *Projects) Updates(ctx context.Context, actor model.Actor, projectID int64, req model.PageRequest) (model.List[UpdateView], error) {
	var out model.List[UpdateView]
	p, _, err := s.load(ctx, actor, projectID, "read", false)
	if err != nil {
		return out, err
	}
	l, err := s.db.ListProjectUpdates(ctx, p.ID, req)
	if err != nil {
		return out, err
	}
	ids := make([]int64, 0, len(l.Items))
	for _, u := range l.Items {
		ids = append(ids, u.ID)
	}
	byUpdate, err := s.attachmentsOf(ctx, p.ID, ids)
	if err != nil {
		return out, err
	}
	out = model.List[UpdateView]{Next: l.Next, Prev: l.Prev, Total: l.Total, TotalCapped: l.TotalCapped, Items: make([]UpdateView, 0, len(l.Items))}
	for _, u := range l.Items {
		out.Items = append(out.Items, UpdateView{ProjectUpdateRow: u, Attachments: byUpdate[u.ID]})
	}
	return out, nil
}

// attachmentsOf groups the project's attachments by the update they belong
// to (those of updateIDs only).
func (s *Projects) attachmentsOf(ctx context.Context, projectID int64, updateIDs []int64) (map[int64][]model.Attachment, error) {
	all, err := s.db.ProjectAttachments(ctx, projectID)
	if err != nil {
		return nil, err
	}
	out := map[int64][]model.Attachment{}
	for _, a := range all {
		if a.OwnerKind != model.AttachOwnerUpdate {
			continue
		}
		for _, id := range updateIDs {
			if a.OwnerID == id {
				out[id] = append(out[id], a)
			}
		}
	}
	return out, nil
}

// Reviews lists a project's review trail, oldest first. The private notes
// are blanked for anyone who is not a reviewer of the project's district.
func (s *Projects) Reviews(ctx context.Context, actor model.Actor, projectID int64) ([]store.ProjectReviewRow, bool, error) {
	p, units, err := s.load(ctx, actor, projectID, "read", false)
	if err != nil {
		return nil, false, err
	}
	rows, err := s.db.ProjectReviews(ctx, p.ID)
	if err != nil {
		return nil, false, err
	}
	reviewer := s.perms(actor, p, units).Reviewer
	if !reviewer {
		for i := range rows {
			rows[i].PrivateNote = ""
		}
	}
	return rows, reviewer, nil
}
