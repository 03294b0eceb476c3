package service

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"time"

	"tongxin/internal/authz"
	"tongxin/internal/model"
	"tongxin/internal/store"
)

// Rotation runs the rotating chair (轮值制): terms, the plan generator, the
// early hand-over and the duties of each term.
//
// Permissions, on the alliance's chain: rotation_term:read to read,
// rotation_term:manage to create terms, save plans and hand over;
// rotation_duty:update to record a duty done (the secretary, and the chair
// for its own alliance). The invariant "one chair per alliance on any day"
// is checked in the writing transaction after locking the alliance row
// (store.LockAllianceForRotation), so two concurrent writers cannot both pass.
type Rotation struct {
	db    *store.DB
	authz *authz.Authorizer
}

// NewRotation builds the service.
func NewRotation(d Deps) *Rotation { return &Rotation{db: d.DB, authz: d.Authz} }

// Audit actions of the rotation.
const (
	ActionRotationCreate   = "rotation_term.create"
	ActionRotationPlan     = "rotation_term.plan"
	ActionRotationHandOver = "rotation_term.hand_over"
	ActionRotationDelete   = "rotation_term.delete"
	ActionDutyUpdate       = "rotation_duty.update"
)

// Limits of the rotation.
const (
	HandoverNoteMax = 2000
	DutyDocumentMax = 300
	// PlanYearsMax caps a plan's horizon.
	PlanYearsMax = 10
)

func (s *Rotation) today() time.Time { return AllianceToday(s.db.Now()) }

// RotationTermInput creates one term.
type RotationTermInput struct {
	AllianceID   int64
	UnitID       int64
	StartsOn     *time.Time
	EndsOn       *time.Time
	HandoverNote string
}

// PlanInput asks the generator for terms.
type PlanInput struct {
	AllianceID int64
	// UnitIDs is the order in which the units take turns.
	UnitIDs  []int64
	StartsOn *time.Time
	Period   string
	// Until is the last day a term may start (the horizon).
	Until *time.Time
}

// PlanItem is a proposed term; Clash names an existing term it would
// overlap that the plan does not replace (one that has started).
type PlanItem struct {
	UnitID   int64
	UnitName string
	StartsOn time.Time
	EndsOn   time.Time
	Clash    *store.RotationTermRow
}

// Plan is a preview: the proposed terms, the units skipped (not current
// members) and the planned terms it replaces.
type Plan struct {
	Items    []PlanItem
	Skipped  []int64
	Replaces []store.RotationTermRow
}

// HandOverInput ends an active term early.
type HandOverInput struct {
	// On is the term's last day (default today); the next term starts the day after.
	On      *time.Time
	Note    string
	Version int
}

// DutyInput records a duty's progress.
type DutyInput struct {
	DoneOn    *time.Time
	MeetingID *int64
	Document  string
	// Version is the duty's version the editor read (required).
	Version int
}

// RotationPerms says what the actor may do in an alliance's rotation.
type RotationPerms struct {
	Manage bool
	Duties bool
}

// Perms reports the actor's rights on the rotation of an alliance.
func (s *Rotation) Perms(actor model.Actor, allianceID, districtID int64) RotationPerms {
	ch := authz.ChainAlliance(allianceID, districtID)
	return RotationPerms{Manage: s.authz.Can(actor.UserID, ch, "rotation_term", "manage"),
		Duties: s.authz.Can(actor.UserID, ch, "rotation_duty", "update")}
}

// List pages through the terms the actor may read.
func (s *Rotation) List(ctx context.Context, actor model.Actor, f store.RotationTermFilter, req model.PageRequest) (model.List[store.RotationTermRow], error) {
	f.Scope, f.Today = s.authz.Scope(actor.UserID, "rotation_term", "read"), s.today()
	return s.db.ListRotationTerms(ctx, f, req)
}

// Each calls fn for every term the actor may read that matches f (exports).
func (s *Rotation) Each(ctx context.Context, actor model.Actor, f store.RotationTermFilter, req model.PageRequest, fn func(*store.RotationTermRow) error) error {
	f.Scope, f.Today = s.authz.Scope(actor.UserID, "rotation_term", "read"), s.today()
	return s.db.EachRotationTerm(ctx, f, req, exportBatch, fn)
}

// Alliances lists the active alliances in which the actor may do act on
// rotation terms (the forms' and filters' choices).
func (s *Rotation) Alliances(ctx context.Context, actor model.Actor, obj, act string) ([]model.Alliance, error) {
	return alliancesWhere(ctx, s.db, s.authz, actor, obj, act)
}

// alliancesWhere lists the active alliances on whose chain the actor may do act on obj.
func alliancesWhere(ctx context.Context, db *store.DB, az *authz.Authorizer, actor model.Actor, obj, act string) ([]model.Alliance, error) {
	sc := az.Scope(actor.UserID, obj, act)
	if !sc.All && len(sc.Districts) == 0 && len(sc.Alliances) == 0 {
		return nil, nil
	}
	all, err := db.ActiveAlliances(ctx)
	if err != nil {
		return nil, err
	}
	out := all[:0:0]
	for _, a := range all {
		if sc.All || slices.Contains(sc.Districts, a.DistrictID) || slices.Contains(sc.Alliances, a.ID) {
			out = append(out, a)
		}
	}
	return out, nil
}

// TermView is a term with its duties.
type TermView struct {
	store.RotationTermRow
	Duties []store.DutyRow
	// StatusNow is the status on today.
	StatusNow string
}

// Get loads a term the actor may read, with its duties.
func (s *Rotation) Get(ctx context.Context, actor model.Actor, id int64) (*TermView, error) {
	t, err := s.db.RotationTermRowByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.authz.Check(actor.UserID, authz.ChainAlliance(t.AllianceID, t.DistrictID), "rotation_term", "read"); err != nil {
		return nil, err
	}
	duties, err := s.db.DutiesOfTerms(ctx, []int64{id})
	if err != nil {
		return nil, err
	}
	return &TermView{RotationTermRow: *t, Duties: duties, StatusNow: t.StatusOn(s.today())}, nil
}

// TermsOf lists an alliance's terms (the plan page and the annual meeting).
func (s *Rotation) TermsOf(ctx context.Context, actor model.Actor, allianceID int64) ([]store.RotationTermRow, error) {
	a, err := s.db.AllianceByID(ctx, allianceID)
	if err != nil {
		return nil, err
	}
	if err := s.authz.Check(actor.UserID, allianceChain(a), "rotation_term", "read"); err != nil {
		return nil, err
	}
	return s.db.RotationTermsOf(ctx, allianceID, nil, nil)
}

// managedAlliance loads the alliance and checks rotation_term:manage on it.
func (s *Rotation) managedAlliance(ctx context.Context, actor model.Actor, id int64) (*model.Alliance, error) {
	if id == 0 {
		return nil, (&model.ValidationError{}).Add("alliance_id", model.MsgRequired)
	}
	a, err := s.db.AllianceByID(ctx, id)
	if err != nil {
		if errors.Is(err, model.ErrNotFound) {
			return nil, (&model.ValidationError{}).Add("alliance_id", "rotation.bad_alliance")
		}
		return nil, err
	}
	if err := s.authz.Check(actor.UserID, allianceChain(a), "rotation_term", "manage"); err != nil {
		return nil, err
	}
	return a, nil
}

// Create adds one term after checking that its unit is a current member and
// that it overlaps no other term of the alliance (in the transaction, with
// the alliance locked).
func (s *Rotation) Create(ctx context.Context, actor model.Actor, in RotationTermInput) (*model.RotationTerm, error) {
	a, err := s.managedAlliance(ctx, actor, in.AllianceID)
	if err != nil {
		return nil, err
	}
	ve := &model.ValidationError{}
	in.HandoverNote = model.Text(ve, "handover_note", in.HandoverNote, false, HandoverNoteMax, true)
	if in.UnitID == 0 {
		ve.Add("unit_id", model.MsgRequired)
	}
	if in.StartsOn == nil {
		ve.Add("starts_on", model.MsgRequired)
	}
	if in.EndsOn == nil {
		ve.Add("ends_on", model.MsgRequired)
	}
	if in.StartsOn != nil && in.EndsOn != nil && in.EndsOn.Before(*in.StartsOn) {
		ve.Add("ends_on", "rotation.ends_before_start")
	}
	if err := ve.Err(); err != nil {
		return nil, err
	}
	var t *model.RotationTerm
	err = s.db.WithTx(ctx, func(ctx context.Context) error {
		if _, err := s.db.LockAllianceForRotation(ctx, a.ID); err != nil {
			return err
		}
		if ok, err := s.db.IsCurrentMember(ctx, a.ID, in.UnitID); err != nil {
			return err
		} else if !ok {
			return (&model.ValidationError{}).Add("unit_id", "rotation.not_member")
		}
		t = &model.RotationTerm{AllianceID: a.ID, DistrictID: a.DistrictID, UnitID: in.UnitID, StartsOn: in.StartsOn.UTC(),
			EndsOn: in.EndsOn.UTC(), HandoverNote: in.HandoverNote, CreatedBy: actorID(actor)}
		return s.insert(ctx, actor, t, ActionRotationCreate)
	})
	if err != nil {
		return nil, err
	}
	return t, s.authz.Reload(ctx)
}

// insert writes a term after the overlap check, with its duties, its chair
// roles and the audit row; the alliance is locked by the caller.
func (s *Rotation) insert(ctx context.Context, actor model.Actor, t *model.RotationTerm, action string) error {
	clash, err := s.db.RotationOverlap(ctx, t.AllianceID, t.StartsOn, t.EndsOn)
	if err != nil {
		return err
	}
	if clash != nil {
		return model.Conflict("rotation.overlap", clash.UnitName, day(clash.StartsOn), day(clash.EndsOn))
	}
	t.Status = model.RotationStatusOn("", t.StartsOn, t.EndsOn, s.today())
	if err := s.db.CreateRotationTerm(ctx, t, model.TermDuties(t.StartsOn, t.EndsOn)); err != nil {
		return err
	}
	if _, err := deriveChairRoles(ctx, s.db, t); err != nil {
		return err
	}
	return audit(ctx, s.db, actor, action, "rotation_term", t.ID, allianceDomain(t.AllianceID), map[string]any{
		"unit_id": t.UnitID, "starts_on": day(t.StartsOn), "ends_on": day(t.EndsOn), "handover_note": t.HandoverNote})
}

func day(t time.Time) string { return t.UTC().Format(time.DateOnly) }

func actorID(a model.Actor) *int64 {
	if a.UserID == 0 {
		return nil
	}
	id := a.UserID
	return &id
}

// validatePlan checks a plan's input; units are checked against the members.
func (s *Rotation) validatePlan(in *PlanInput) error {
	ve := &model.ValidationError{}
	if len(in.UnitIDs) == 0 {
		ve.Add("unit_ids", "rotation.plan_no_units")
	}
	seen := map[int64]bool{}
	for _, id := range in.UnitIDs {
		if seen[id] {
			ve.Add("unit_ids", "rotation.plan_duplicate_unit")
			break
		}
		seen[id] = true
	}
	if in.StartsOn == nil {
		ve.Add("starts_on", model.MsgRequired)
	}
	if !slices.Contains(model.RotationPeriods, in.Period) {
		ve.Add("period", "rotation.bad_period")
	}
	if in.Until == nil {
		ve.Add("until", model.MsgRequired)
	} else if in.StartsOn != nil {
		if in.Until.Before(*in.StartsOn) {
			ve.Add("until", "rotation.until_before_start")
		} else if in.Until.After(in.StartsOn.AddDate(PlanYearsMax, 0, 0)) {
			ve.AddArgs("until", "rotation.until_too_far", PlanYearsMax)
		}
	}
	return ve.Err()
}

// plan computes the preview inside the transaction of ctx.
func (s *Rotation) plan(ctx context.Context, a *model.Alliance, in PlanInput) (*Plan, error) {
	members, err := s.db.CurrentMemberUnits(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	names := map[int64]string{}
	for _, m := range members {
		names[m.ID] = m.Name
	}
	p := &Plan{}
	var units []int64
	for _, id := range in.UnitIDs {
		if _, ok := names[id]; ok {
			units = append(units, id)
		} else {
			p.Skipped = append(p.Skipped, id)
		}
	}
	if len(units) == 0 {
		return nil, (&model.ValidationError{}).Add("unit_ids", "rotation.plan_no_members")
	}
	start := in.StartsOn.UTC()
	existing, err := s.db.RotationTermsOf(ctx, a.ID, &start, nil)
	if err != nil {
		return nil, err
	}
	today := s.today()
	var kept []store.RotationTermRow
	for _, t := range existing {
		// Re-planning changes only future terms: planned ones that start on
		// or after the plan's start are replaced; the others stay.
		if t.StartsOn.After(today) && !t.StartsOn.Before(start) && t.Status != model.RotationHandedOver {
			p.Replaces = append(p.Replaces, t)
		} else {
			kept = append(kept, t)
		}
	}
	for _, pt := range model.PlanRotation(units, start, in.Period, in.Until.UTC()) {
		it := PlanItem{UnitID: pt.UnitID, UnitName: names[pt.UnitID], StartsOn: pt.StartsOn, EndsOn: pt.EndsOn}
		for i := range kept {
			if model.Overlaps(pt.StartsOn, pt.EndsOn, kept[i].StartsOn, kept[i].EndsOn) {
				it.Clash = &kept[i]
				break
			}
		}
		p.Items = append(p.Items, it)
	}
	return p, nil
}

// Preview proposes the terms of a plan without writing anything.
func (s *Rotation) Preview(ctx context.Context, actor model.Actor, in PlanInput) (*Plan, error) {
	a, err := s.managedAlliance(ctx, actor, in.AllianceID)
	if err != nil {
		return nil, err
	}
	if err := s.validatePlan(&in); err != nil {
		return nil, err
	}
	return s.plan(ctx, a, in)
}

// SavePlan replaces the alliance's future planned terms from the plan's
// start with the plan's terms, in one transaction with the alliance locked.
// A proposed term that overlaps a term that has started is refused (409):
// hand that term over early first, or start the plan after it.
func (s *Rotation) SavePlan(ctx context.Context, actor model.Actor, in PlanInput) (*Plan, error) {
	a, err := s.managedAlliance(ctx, actor, in.AllianceID)
	if err != nil {
		return nil, err
	}
	if err := s.validatePlan(&in); err != nil {
		return nil, err
	}
	var p *Plan
	err = s.db.WithTx(ctx, func(ctx context.Context) error {
		if _, err := s.db.LockAllianceForRotation(ctx, a.ID); err != nil {
			return err
		}
		var err error
		if p, err = s.plan(ctx, a, in); err != nil {
			return err
		}
		for _, it := range p.Items {
			if it.Clash != nil {
				return model.Conflict("rotation.overlap", it.Clash.UnitName, day(it.Clash.StartsOn), day(it.Clash.EndsOn))
			}
		}
		for _, t := range p.Replaces {
			if err := s.db.DeleteRotationTerm(ctx, t.ID); err != nil {
				return err
			}
			if err := audit(ctx, s.db, actor, ActionRotationDelete, "rotation_term", t.ID, allianceDomain(a.ID), map[string]any{
				"unit_id": t.UnitID, "starts_on": day(t.StartsOn), "ends_on": day(t.EndsOn), "reason": "replan"}); err != nil {
				return err
			}
		}
		for _, it := range p.Items {
			t := &model.RotationTerm{AllianceID: a.ID, DistrictID: a.DistrictID, UnitID: it.UnitID, StartsOn: it.StartsOn, EndsOn: it.EndsOn,
				CreatedBy: actorID(actor)}
			if err := s.insert(ctx, actor, t, ActionRotationPlan); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return p, s.authz.Reload(ctx)
}

// HandOver ends an active term on in.On (default today) and starts the next
// planned term the day after; the chair roles of both follow in the same
// transaction.
func (s *Rotation) HandOver(ctx context.Context, actor model.Actor, id int64, in HandOverInput) (*model.RotationTerm, error) {
	var out *model.RotationTerm
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		t, err := s.db.RotationTermByID(ctx, id)
		if err != nil {
			return err
		}
		if err := s.authz.Check(actor.UserID, authz.ChainAlliance(t.AllianceID, t.DistrictID), "rotation_term", "manage"); err != nil {
			return err
		}
		if _, err := s.db.LockAllianceForRotation(ctx, t.AllianceID); err != nil {
			return err
		}
		if t, err = s.db.RotationTermByID(ctx, id); err != nil { // read again under the lock
			return err
		}
		if err := checkVersion(ctx, s.db, "rotation_term", id, in.Version, t.Version); err != nil {
			return err
		}
		today := s.today()
		if st := t.StatusOn(today); st != model.RotationActive {
			return model.Rule("rotation_not_active", "rotation.hand_over_not_active."+st)
		}
		ve := &model.ValidationError{}
		note := model.Text(ve, "handover_note", in.Note, true, HandoverNoteMax, true)
		on := today
		if in.On != nil {
			on = in.On.UTC()
		}
		if on.Before(today) || on.Before(t.StartsOn) {
			ve.Add("on", "rotation.hand_over_past")
		} else if !on.Before(t.EndsOn) {
			ve.Add("on", "rotation.hand_over_not_early")
		}
		if err := ve.Err(); err != nil {
			return err
		}
		oldEnd := t.EndsOn
		if err := s.db.UpdateRotationTerm(ctx, id, in.Version, map[string]any{"ends_on": on, "status": model.RotationHandedOver,
			"handed_over_on": on, "handover_note": note}); err != nil {
			return err
		}
		if out, err = s.db.RotationTermByID(ctx, id); err != nil {
			return err
		}
		if err := s.db.ReplaceOpenDuties(ctx, id, model.TermDuties(out.StartsOn, out.EndsOn)); err != nil {
			return err
		}
		if _, err := deriveChairRoles(ctx, s.db, out); err != nil {
			return err
		}
		changes := map[string]any{"ends_on": Change{day(oldEnd), day(on)}, "status": Change{t.Status, model.RotationHandedOver}, "handover_note": note}
		// The next term (the first that starts after this one's old end, or
		// right after it) starts the day after the hand-over.
		next, err := s.db.RotationOverlap(ctx, t.AllianceID, oldEnd.AddDate(0, 0, 1), oldEnd.AddDate(0, 0, 1))
		if err != nil {
			return err
		}
		if next != nil && next.ID != id {
			nt := next.RotationTerm
			newStart := on.AddDate(0, 0, 1)
			if err := s.db.UpdateRotationTerm(ctx, nt.ID, nt.Version, map[string]any{"starts_on": newStart,
				"status": model.RotationStatusOn("", newStart, nt.EndsOn, today)}); err != nil {
				return err
			}
			moved, err := s.db.RotationTermByID(ctx, nt.ID)
			if err != nil {
				return err
			}
			if err := s.db.ReplaceOpenDuties(ctx, nt.ID, model.TermDuties(moved.StartsOn, moved.EndsOn)); err != nil {
				return err
			}
			if _, err := deriveChairRoles(ctx, s.db, moved); err != nil {
				return err
			}
			changes["next_term"] = map[string]any{"id": nt.ID, "starts_on": Change{day(nt.StartsOn), day(newStart)}}
			// The next chair unit learns that its term starts earlier.
			names, err := s.db.RotationTermRowByID(ctx, id)
			if err != nil {
				return err
			}
			n := model.Notification{Kind: NotifyChairTermMoved, SubjectKind: "rotation_term", SubjectID: nt.ID,
				Params: noticeArgs(names.AllianceName, names.UnitName, day(newStart), day(moved.EndsOn), day(nt.StartsOn)),
				Link:   "/rotation-terms/" + itoa(nt.ID)}
			if err := notify(ctx, s.db, actor, n,
				store.RoleHolder{Role: model.RoleUnitContact, Domain: model.DomainOf(model.DomainUnit, moved.UnitID)}); err != nil {
				return err
			}
		}
		return audit(ctx, s.db, actor, ActionRotationHandOver, "rotation_term", id, allianceDomain(t.AllianceID), changes)
	})
	if err != nil {
		return nil, err
	}
	return out, s.authz.Reload(ctx)
}

// UpdateDuty records a duty done (or not yet), with the meeting or document
// that fulfils it (rotation_duty:update on the alliance's chain).
func (s *Rotation) UpdateDuty(ctx context.Context, actor model.Actor, dutyID int64, in DutyInput) (*store.DutyRow, error) {
	var out *store.DutyRow
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		d, err := s.db.DutyByID(ctx, dutyID)
		if err != nil {
			return err
		}
		a, err := s.db.AllianceByID(ctx, d.AllianceID)
		if err != nil {
			return err
		}
		ch := allianceChain(a)
		if !s.authz.Can(actor.UserID, ch, "rotation_term", "read") && !s.authz.Can(actor.UserID, ch, "rotation_duty", "update") {
			return model.NotFound("rotation_duty", dutyID)
		}
		if err := s.authz.Check(actor.UserID, ch, "rotation_duty", "update"); err != nil {
			return err
		}
		if err := checkVersion(ctx, s.db, "rotation_duty", dutyID, in.Version, d.Version); err != nil {
			return err
		}
		ve := &model.ValidationError{}
		doc := model.Text(ve, "document", in.Document, false, DutyDocumentMax, false)
		if in.DoneOn != nil && in.DoneOn.After(s.today()) {
			ve.Add("done_on", "rotation.done_future")
		}
		if in.MeetingID != nil {
			m, err := s.db.MeetingByID(ctx, *in.MeetingID)
			switch {
			case err != nil || m.AllianceID != d.AllianceID:
				ve.Add("meeting_id", "rotation.bad_meeting")
			case in.DoneOn != nil && d.Kind == model.DutyJointMeeting && m.Status != model.MeetingHeld:
				// 主持联席会议 is done once its meeting was held, not when it is planned.
				ve.AddArgs("meeting_id", "rotation.meeting_not_held."+m.Status, day(m.HeldOn))
			}
		}
		if err := ve.Err(); err != nil {
			return err
		}
		if err := s.db.UpdateDuty(ctx, dutyID, in.Version, in.DoneOn, in.MeetingID, doc); err != nil {
			return err
		}
		if out, err = s.db.DutyByID(ctx, dutyID); err != nil {
			return err
		}
		return audit(ctx, s.db, actor, ActionDutyUpdate, "rotation_duty", dutyID, allianceDomain(d.AllianceID), diff(
			"done_on", allianceDayString(d.DoneOn), allianceDayString(out.DoneOn),
			"meeting_id", alliancePtrVal(d.MeetingID), alliancePtrVal(out.MeetingID),
			"document", d.Document, out.Document))
	})
	return out, err
}

// OpenDuties lists the undone duties due within a week or overdue in the
// alliances where the actor records duties (home page), at most limit.
func (s *Rotation) OpenDuties(ctx context.Context, actor model.Actor, limit int) ([]store.DutyRow, error) {
	sc := s.authz.Scope(actor.UserID, "rotation_duty", "update")
	if len(sc.Alliances) == 0 {
		return nil, nil // district and system roles see duties on the rotation pages
	}
	return s.db.OpenDuties(ctx, sc.Alliances, false, s.today().AddDate(0, 0, model.DutyWarnDays), limit)
}

// DutyNotices sends the duty notices due today (a week before, on the day)
// to the contacts of the term's unit and the alliance's secretaries, each once: the
// notice is claimed with an UPDATE in the transaction that writes it (the
// periodic job "governance.duties").
func DutyNotices(ctx context.Context, db *store.DB) (int, error) {
	today := AllianceToday(db.Now())
	sent := 0
	for _, stage := range []string{"warn", "due"} {
		for {
			rows, err := db.DutiesToNotice(ctx, stage, today, 200)
			if err != nil || len(rows) == 0 {
				if err != nil {
					return sent, err
				}
				break
			}
			for _, d := range rows {
				err := db.WithTx(ctx, func(ctx context.Context) error {
					ok, err := db.ClaimDutyNotice(ctx, d.ID, stage)
					if err != nil || !ok {
						return err
					}
					kind := model.NotifyDutyDueSoon
					if stage == "due" {
						kind = model.NotifyDutyDue
					}
					n := model.Notification{Kind: kind, SubjectKind: "rotation_term", SubjectID: d.TermID,
						Params: dutyParams(d), Link: "/rotation-terms/" + itoa(d.TermID)}
					sent++
					return notify(ctx, db, model.Actor{}, n,
						// The term's own unit, not whoever is chair today: a notice
						// sent late must not go to the next chair.
						store.RoleHolder{Role: model.RoleUnitContact, Domain: model.DomainOf(model.DomainUnit, d.UnitID)},
						store.RoleHolder{Role: model.RoleAllianceSecretary, Domain: allianceDomain(d.AllianceID)})
				})
				if err != nil {
					return sent, err
				}
			}
		}
	}
	return sent, nil
}

// DutyNoticeParams are the parameters of a duty notification.
type DutyNoticeParams struct {
	Duty     string `json:"duty"`
	DueOn    string `json:"due_on"`
	Alliance string `json:"alliance"`
	Unit     string `json:"unit"`
}

// ParseDutyNotice reads the parameters of a duty notification (kinds
// duty_due_soon, duty_due); the inbox renders notification.<kind> with the
// duty's label (resolved in the reader's language), due day, alliance and unit.
func ParseDutyNotice(n *model.Notification) (DutyNoticeParams, bool) {
	var p DutyNoticeParams
	if n.SubjectKind != "rotation_term" || (n.Kind != model.NotifyDutyDueSoon && n.Kind != model.NotifyDutyDue) ||
		json.Unmarshal([]byte(n.Params), &p) != nil || p.Duty == "" {
		return p, false
	}
	return p, true
}

func dutyParams(d store.DutyRow) string {
	b, _ := json.Marshal(DutyNoticeParams{Duty: d.Kind, DueOn: day(d.DueOn), Alliance: d.AllianceName, Unit: d.UnitName})
	return string(b)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
