package service

import (
	"context"
	"encoding/json"
	"time"

	"tongxin/internal/authz"
	"tongxin/internal/model"
	"tongxin/internal/store"
)

// The chair's rights (轮值主席单位) are derived, never granted by hand: for
// each rotation term, the contact users of the chair unit (holders of
// unit_contact on unit:ID) hold alliance_chair in alliance:ID from the term's
// first day at 00:00 Asia/Shanghai until the day after its last day. The rows
// are role_assignments with source "rotation" and rotation_term_id, written
// in the transaction that writes the term; a periodic job (ReconcileChairRoles)
// re-derives them for the current and future terms, so that a unit contact
// granted or revoked later follows within its interval.

// chairDayStart is 00:00 Asia/Shanghai of a calendar day, in UTC.
func chairDayStart(day time.Time) time.Time {
	return time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, allianceZone).UTC()
}

// ChairWindow is the validity window of the chair role of a term.
func ChairWindow(startsOn, endsOn time.Time) (from, until time.Time) {
	return chairDayStart(startsOn), chairDayStart(endsOn.AddDate(0, 0, 1))
}

// deriveChairRoles makes the chair role rows of term match its unit's
// contacts and its dates, in the transaction of ctx; it reports whether a
// row changed (the caller then announces the change and reloads). Rows that
// already granted something keep their start; a contact who is no longer one
// loses the role now; rows that never opened are deleted.
func deriveChairRoles(ctx context.Context, db *store.DB, term *model.RotationTerm) (bool, error) {
	now := db.Now().UTC()
	from, until := ChairWindow(term.StartsOn, term.EndsOn)
	want := map[int64]bool{}
	if term.Status != model.RotationHandedOver || until.After(now) {
		ids, err := db.UnitContactUsers(ctx, term.UnitID, now)
		if err != nil {
			return false, err
		}
		for _, id := range ids {
			want[id] = true
		}
	}
	rows, err := db.ChairRolesOfTerm(ctx, term.ID)
	if err != nil {
		return false, err
	}
	changed := false
	have := map[int64]bool{}
	for _, ra := range rows {
		started := !ra.ValidFrom.After(now)
		if !want[ra.UserID] || have[ra.UserID] {
			switch {
			case !started:
				if err := db.DeleteRoleAssignment(ctx, ra.ID); err != nil {
					return false, err
				}
				changed = true
			case ra.ValidUntil == nil || ra.ValidUntil.After(now):
				if err := db.SetRoleWindow(ctx, ra.ID, ra.ValidFrom, now); err != nil {
					return false, err
				}
				changed = true
			}
			continue
		}
		have[ra.UserID] = true
		f, u := from, until
		if started {
			f = ra.ValidFrom
		}
		if u.Before(f) {
			u = f
		}
		if !ra.ValidFrom.Equal(f) || ra.ValidUntil == nil || !ra.ValidUntil.Equal(u) {
			if err := db.SetRoleWindow(ctx, ra.ID, f, u); err != nil {
				return false, err
			}
			changed = true
		}
	}
	if until.After(now) {
		for id := range want {
			if have[id] {
				continue
			}
			if err := db.AddChairRole(ctx, id, term.AllianceID, term.ID, from, until); err != nil {
				return false, err
			}
			changed = true
		}
	}
	if changed {
		if err := db.Notify(ctx, authz.Channel, "rotation"); err != nil {
			return false, err
		}
	}
	return changed, nil
}

// ActionChairReconcile is the audit action of the job's changes to the
// chair roles of a term.
const ActionChairReconcile = "rotation_term.chair_roles"

// reconcileActor is who the audit log names for the job: the system itself.
var reconcileActor = model.Actor{Username: "system", RequestID: "governance.reconcile"}

// ReconcileChairRoles brings the chair roles of every current and future
// term in line with the units' contacts, and the stored statuses of the
// terms in line with the dates, and tells the chair units whose term has
// started (TermStartNotices) (the periodic job "governance.reconcile").
// Each term is one transaction. It reloads the authorizer when a row changed.
func ReconcileChairRoles(ctx context.Context, db *store.DB, az *authz.Authorizer) (int, error) {
	today := AllianceToday(db.Now())
	if _, err := db.AdvanceRotationStatuses(ctx, today); err != nil {
		return 0, err
	}
	changed, after := 0, int64(0)
	for {
		terms, err := db.TermsToReconcile(ctx, today, after, 200)
		if err != nil {
			return changed, err
		}
		if len(terms) == 0 {
			break
		}
		for i := range terms {
			t := &terms[i]
			after = t.ID
			var did bool
			err := db.WithTx(ctx, func(ctx context.Context) error {
				var err error
				if did, err = deriveChairRoles(ctx, db, t); err != nil || !did {
					return err
				}
				// A change of who holds a role is audited, even when the
				// system makes it (a unit's contacts changed since the term).
				return audit(ctx, db, reconcileActor, ActionChairReconcile, "rotation_term", t.ID, allianceDomain(t.AllianceID),
					map[string]any{"unit_id": t.UnitID})
			})
			if err != nil {
				return changed, err
			}
			if did {
				changed++
			}
		}
	}
	if _, err := TermStartNotices(ctx, db); err != nil {
		return changed, err
	}
	if changed > 0 && az != nil {
		return changed, az.Reload(ctx)
	}
	return changed, nil
}

// Notification kinds of the rotation and the meetings (the inbox renders
// notification.<kind> with the NoticeArgs stored in params).
const (
	NotifyChairTermStarted = "chair_term_started" // my unit's term as chair starts (alliance, starts, ends)
	NotifyChairTermMoved   = "chair_term_moved"   // a hand-over moved my unit's term (alliance, from unit, new start, end, old start)
	NotifyMeetingCalled    = "meeting_called"     // a meeting of my alliance or committee was called (alliance, title, day and time)
)

func noticeArgs(args ...any) string {
	b, _ := json.Marshal(NoticeArgs{Args: args})
	return string(b)
}

// TermStartNotices tells the contacts of each chair unit whose term has
// started (within the last week, in case the job did not run on the day)
// that it has, once: the notice is claimed by a conditional UPDATE in the
// transaction that writes it, so of several instances one sends it. It runs
// with the reconciliation (the periodic job "governance.reconcile").
func TermStartNotices(ctx context.Context, db *store.DB) (int, error) {
	today := AllianceToday(db.Now())
	sent, after := 0, int64(0)
	for {
		terms, err := db.TermsStarting(ctx, today.AddDate(0, 0, -model.DutyWarnDays), today, after, 200)
		if err != nil || len(terms) == 0 {
			return sent, err
		}
		for i := range terms {
			t := &terms[i]
			after = t.ID
			err := db.WithTx(ctx, func(ctx context.Context) error {
				ok, err := db.ClaimTermStartNotice(ctx, t.ID)
				if err != nil || !ok {
					return err
				}
				sent++
				n := model.Notification{Kind: NotifyChairTermStarted, SubjectKind: "rotation_term", SubjectID: t.ID,
					Params: noticeArgs(t.AllianceName, day(t.StartsOn), day(t.EndsOn)), Link: "/rotation-terms/" + itoa(t.ID)}
				return notify(ctx, db, model.Actor{}, n,
					store.RoleHolder{Role: model.RoleUnitContact, Domain: model.DomainOf(model.DomainUnit, t.UnitID)})
			})
			if err != nil {
				return sent, err
			}
		}
	}
}
