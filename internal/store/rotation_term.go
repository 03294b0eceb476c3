package store

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"tongxin/internal/model"
)

// Rotation terms (轮值), their duties and the chair roles derived from them.
// The invariant "at most one chair per alliance on any day" is kept by the
// service: LockAllianceForRotation, then RotationOverlap, then the write, in
// one transaction.

// RotationTermFilter selects terms for the list. Zero fields do not filter;
// Scope always does.
type RotationTermFilter struct {
	AllianceID int64
	UnitID     int64
	// Status filters by the status on Today (planned, active, ended follow
	// the dates; handed_over is stored).
	Status string
	Today  time.Time
	// Year keeps the terms that have a day in that year.
	Year  int
	Scope model.Scope
}

// RotationTermRow is a term with its alliance's and unit's names.
type RotationTermRow struct {
	model.RotationTerm
	AllianceName string
	UnitName     string
}

func rotationSort() sortSpec[RotationTermRow] {
	return sortSpec[RotationTermRow]{
		Columns: []sortColumn[RotationTermRow]{
			{Key: "starts_on", Column: "rotation_terms.starts_on", Kind: "time", Value: func(r *RotationTermRow) any { return r.StartsOn.UTC() }},
			{Key: "unit_name", Column: "units.name", Kind: "text", Value: func(r *RotationTermRow) any { return r.UnitName }},
		},
		Default:  "starts_on",
		IDColumn: "rotation_terms.id",
		ID:       func(r *RotationTermRow) int64 { return r.ID },
	}
}

// RotationTermSortKeys lists the keys ListRotationTerms sorts by.
func RotationTermSortKeys() []string { return sortKeys(rotationSort()) }

func (db *DB) rotationRows(ctx context.Context) *gorm.DB {
	return db.conn(ctx).Table("rotation_terms").
		Select("rotation_terms.*, alliances.name AS alliance_name, units.name AS unit_name").
		Joins("JOIN alliances ON alliances.id = rotation_terms.alliance_id").
		Joins("JOIN units ON units.id = rotation_terms.unit_id")
}

func (db *DB) rotationQuery(ctx context.Context, f RotationTermFilter) *gorm.DB {
	q := applyScope(db.rotationRows(ctx), f.Scope, ScopeColumns{District: "rotation_terms.district_id", Alliance: "rotation_terms.alliance_id"})
	if f.AllianceID != 0 {
		q = q.Where("rotation_terms.alliance_id = ?", f.AllianceID)
	}
	if f.UnitID != 0 {
		q = q.Where("rotation_terms.unit_id = ?", f.UnitID)
	}
	if f.Year != 0 {
		q = q.Where("rotation_terms.starts_on <= ? AND rotation_terms.ends_on >= ?",
			time.Date(f.Year, 12, 31, 0, 0, 0, 0, time.UTC), time.Date(f.Year, 1, 1, 0, 0, 0, 0, time.UTC))
	}
	today := f.Today.UTC()
	switch f.Status {
	case model.RotationHandedOver:
		q = q.Where("rotation_terms.status = ?", model.RotationHandedOver)
	case model.RotationPlanned:
		q = q.Where("rotation_terms.status <> ? AND rotation_terms.starts_on > ?", model.RotationHandedOver, today)
	case model.RotationActive:
		q = q.Where("rotation_terms.status <> ? AND rotation_terms.starts_on <= ? AND rotation_terms.ends_on >= ?", model.RotationHandedOver, today, today)
	case model.RotationEnded:
		q = q.Where("rotation_terms.status <> ? AND rotation_terms.ends_on < ?", model.RotationHandedOver, today)
	}
	return q
}

// ListRotationTerms pages through the terms matching f, by start day.
func (db *DB) ListRotationTerms(ctx context.Context, f RotationTermFilter, req model.PageRequest) (model.List[RotationTermRow], error) {
	return page(db.rotationQuery(ctx, f), rotationSort(), req)
}

// EachRotationTerm calls fn for every term matching f (exports).
func (db *DB) EachRotationTerm(ctx context.Context, f RotationTermFilter, req model.PageRequest, batch int, fn func(*RotationTermRow) error) error {
	return eachKeyset(db.rotationQuery(ctx, f), rotationSort(), req, batch, fn)
}

// RotationTermsOf lists all terms of an alliance by start day (the plan page
// and the annual meeting show them; an alliance has a few dozen).
func (db *DB) RotationTermsOf(ctx context.Context, allianceID int64, from, to *time.Time) ([]RotationTermRow, error) {
	q := db.rotationRows(ctx).Where("rotation_terms.alliance_id = ?", allianceID)
	if from != nil {
		q = q.Where("rotation_terms.ends_on >= ?", from.UTC())
	}
	if to != nil {
		q = q.Where("rotation_terms.starts_on <= ?", to.UTC())
	}
	var out []RotationTermRow
	err := q.Order("rotation_terms.starts_on, rotation_terms.id").Find(&out).Error
	return out, err
}

// RotationTermByID loads a term.
func (db *DB) RotationTermByID(ctx context.Context, id int64) (*model.RotationTerm, error) {
	var t model.RotationTerm
	if err := db.conn(ctx).Take(&t, id).Error; err != nil {
		return nil, notFound(err, "rotation_term", id)
	}
	return &t, nil
}

// RotationTermRowByID loads a term with its names.
func (db *DB) RotationTermRowByID(ctx context.Context, id int64) (*RotationTermRow, error) {
	var t RotationTermRow
	if err := db.rotationRows(ctx).Where("rotation_terms.id = ?", id).Take(&t).Error; err != nil {
		return nil, notFound(err, "rotation_term", id)
	}
	return &t, nil
}

// LockAllianceForRotation serialises the rotation writes of one alliance
// for the transaction of ctx: on Postgres it locks the alliance row FOR
// UPDATE; SQLite's immediate transaction already holds the write lock.
func (db *DB) LockAllianceForRotation(ctx context.Context, allianceID int64) (*model.Alliance, error) {
	q := db.conn(ctx)
	if db.dialect == Postgres {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	var a model.Alliance
	if err := q.Take(&a, allianceID).Error; err != nil {
		return nil, notFound(err, "alliance", allianceID)
	}
	return &a, nil
}

// RotationOverlap returns a term of the alliance that shares a day with
// [startsOn, endsOn] (terms in except left out), or nil.
func (db *DB) RotationOverlap(ctx context.Context, allianceID int64, startsOn, endsOn time.Time, except ...int64) (*RotationTermRow, error) {
	q := db.rotationRows(ctx).Where("rotation_terms.alliance_id = ? AND rotation_terms.starts_on <= ? AND rotation_terms.ends_on >= ?",
		allianceID, endsOn.UTC(), startsOn.UTC())
	if len(except) > 0 {
		q = q.Where("rotation_terms.id NOT IN (?)", except)
	}
	var out []RotationTermRow
	if err := q.Order("rotation_terms.starts_on").Limit(1).Find(&out).Error; err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, nil
	}
	return &out[0], nil
}

// ChairTermOn returns the alliance's term that holds day, or nil.
func (db *DB) ChairTermOn(ctx context.Context, allianceID int64, day time.Time) (*RotationTermRow, error) {
	return db.RotationOverlap(ctx, allianceID, day, day)
}

// CreateRotationTerm inserts a term at version 1 with its duties.
func (db *DB) CreateRotationTerm(ctx context.Context, t *model.RotationTerm, duties []model.RotationDuty) error {
	now := db.Now()
	t.CreatedAt, t.UpdatedAt, t.Version = now, now, 1
	if err := db.conn(ctx).Create(t).Error; err != nil {
		return err
	}
	return db.addDuties(ctx, t.ID, duties)
}

func (db *DB) addDuties(ctx context.Context, termID int64, duties []model.RotationDuty) error {
	if len(duties) == 0 {
		return nil
	}
	now := db.Now()
	for i := range duties {
		duties[i].ID, duties[i].TermID, duties[i].CreatedAt, duties[i].UpdatedAt = 0, termID, now, now
	}
	return db.conn(ctx).Create(&duties).Error
}

// UpdateRotationTerm writes fields of a term if the stored version is
// version, bumping it; a mismatch is a stale conflict.
func (db *DB) UpdateRotationTerm(ctx context.Context, id int64, version int, fields map[string]any) error {
	fields["version"], fields["updated_at"] = gorm.Expr("version + 1"), db.Now()
	res := db.conn(ctx).Model(&model.RotationTerm{}).Where("id = ? AND version = ?", id, version).Updates(fields)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		if _, err := db.RotationTermByID(ctx, id); err != nil {
			return err
		}
		return model.Conflict(model.MsgStale)
	}
	return nil
}

// DeleteRotationTerm removes a term that has not started, with its duties
// and the chair roles derived from it (they never granted anything).
func (db *DB) DeleteRotationTerm(ctx context.Context, id int64) error {
	for _, q := range []string{
		"DELETE FROM role_assignments WHERE rotation_term_id = ?",
		"DELETE FROM rotation_duties WHERE term_id = ?",
		"DELETE FROM rotation_terms WHERE id = ?",
	} {
		if err := db.conn(ctx).Exec(q, id).Error; err != nil {
			return err
		}
	}
	return nil
}

// SetTermsAnnounced records the meeting at which terms were announced
// (nil clears it for the terms of that meeting not in ids).
func (db *DB) SetTermsAnnounced(ctx context.Context, meetingID int64, allianceID int64, ids []int64) error {
	now := db.Now()
	q := db.conn(ctx).Model(&model.RotationTerm{}).Where("announced_meeting_id = ?", meetingID)
	if len(ids) > 0 {
		q = q.Where("id NOT IN (?)", ids)
	}
	if err := q.Updates(map[string]any{"announced_meeting_id": nil, "updated_at": now}).Error; err != nil {
		return err
	}
	if len(ids) == 0 {
		return nil
	}
	return db.conn(ctx).Model(&model.RotationTerm{}).Where("alliance_id = ? AND id IN (?)", allianceID, ids).
		Updates(map[string]any{"announced_meeting_id": meetingID, "updated_at": now}).Error
}

// AdvanceRotationStatuses writes the date-driven status (planned, active,
// ended) of every term that is not handed over and whose stored status is
// behind today; it returns how many changed.
func (db *DB) AdvanceRotationStatuses(ctx context.Context, today time.Time) (int64, error) {
	today = today.UTC()
	now := db.Now()
	var n int64
	for _, u := range []struct {
		status, where string
	}{
		{model.RotationEnded, "ends_on < ?"},
		{model.RotationActive, "starts_on <= ? AND ends_on >= ?"},
		{model.RotationPlanned, "starts_on > ?"},
	} {
		args := []any{today}
		if u.status == model.RotationActive {
			args = append(args, today)
		}
		res := db.conn(ctx).Model(&model.RotationTerm{}).Where("status NOT IN (?, ?)", model.RotationHandedOver, u.status).
			Where(u.where, args...).Updates(map[string]any{"status": u.status, "updated_at": now})
		if res.Error != nil {
			return n, res.Error
		}
		n += res.RowsAffected
	}
	return n, nil
}

// ---- duties ----

// DutyRow is a duty with its term, alliance and unit.
type DutyRow struct {
	model.RotationDuty
	AllianceID   int64
	AllianceName string
	UnitID       int64
	UnitName     string
	StartsOn     time.Time
	EndsOn       time.Time
}

func (db *DB) dutyRows(ctx context.Context) *gorm.DB {
	return db.conn(ctx).Table("rotation_duties").
		Select("rotation_duties.*, rotation_terms.alliance_id, alliances.name AS alliance_name, rotation_terms.unit_id, " +
			"units.name AS unit_name, rotation_terms.starts_on, rotation_terms.ends_on").
		Joins("JOIN rotation_terms ON rotation_terms.id = rotation_duties.term_id").
		Joins("JOIN alliances ON alliances.id = rotation_terms.alliance_id").
		Joins("JOIN units ON units.id = rotation_terms.unit_id")
}

// DutiesOfTerms lists the duties of the terms, by term and due day.
func (db *DB) DutiesOfTerms(ctx context.Context, termIDs []int64) ([]DutyRow, error) {
	if len(termIDs) == 0 {
		return nil, nil
	}
	var out []DutyRow
	err := db.dutyRows(ctx).Where("rotation_duties.term_id IN (?)", termIDs).
		Order("rotation_duties.term_id, rotation_duties.due_on, rotation_duties.id").Find(&out).Error
	return out, err
}

// DutyByID loads a duty with its term.
func (db *DB) DutyByID(ctx context.Context, id int64) (*DutyRow, error) {
	var d DutyRow
	if err := db.dutyRows(ctx).Where("rotation_duties.id = ?", id).Take(&d).Error; err != nil {
		return nil, notFound(err, "rotation_duty", id)
	}
	return &d, nil
}

// UpdateDuty records a duty's done day, meeting and document.
func (db *DB) UpdateDuty(ctx context.Context, id int64, version int, doneOn *time.Time, meetingID *int64, document string) error {
	res := db.conn(ctx).Model(&model.RotationDuty{}).Where("id = ? AND version = ?", id, version).Updates(map[string]any{
		"done_on": doneOn, "meeting_id": meetingID, "document": document, "version": gorm.Expr("version + 1"), "updated_at": db.Now()})
	return db.versioned(ctx, res, "rotation_duties", "rotation_duty", id)
}

// ReplaceOpenDuties re-makes the undone duties of a term whose dates changed
// (done ones stay as they were).
func (db *DB) ReplaceOpenDuties(ctx context.Context, termID int64, duties []model.RotationDuty) error {
	var done []string
	if err := db.conn(ctx).Model(&model.RotationDuty{}).Where("term_id = ? AND done_on IS NOT NULL", termID).Pluck("kind", &done).Error; err != nil {
		return err
	}
	if err := db.conn(ctx).Exec("DELETE FROM rotation_duties WHERE term_id = ? AND done_on IS NULL", termID).Error; err != nil {
		return err
	}
	keep := duties[:0:0]
	for _, d := range duties {
		isDone := false
		for _, k := range done {
			isDone = isDone || k == d.Kind
		}
		if !isDone {
			keep = append(keep, d)
		}
	}
	return db.addDuties(ctx, termID, keep)
}

// OpenDuties lists the undone duties of the alliances (all when all is
// true) due on or before until, by due day, at most limit (the home page).
func (db *DB) OpenDuties(ctx context.Context, allianceIDs []int64, all bool, until time.Time, limit int) ([]DutyRow, error) {
	if !all && len(allianceIDs) == 0 {
		return nil, nil
	}
	q := db.dutyRows(ctx).Where("rotation_duties.done_on IS NULL AND rotation_duties.due_on <= ? AND rotation_terms.status <> ?",
		until.UTC(), model.RotationHandedOver)
	if !all {
		q = q.Where("rotation_terms.alliance_id IN (?)", allianceIDs)
	}
	var out []DutyRow
	err := q.Order("rotation_duties.due_on, rotation_duties.id").Limit(limit).Find(&out).Error
	return out, err
}

// DutiesToNotice lists the undone duties whose notice of stage is due by
// today and not sent: stage "warn" a week before the due day, "due" on it.
func (db *DB) DutiesToNotice(ctx context.Context, stage string, today time.Time, limit int) ([]DutyRow, error) {
	// warn: due within the coming week, after today (on the day only the
	// "due" notice goes); due: due today (or in the last week, when the job
	// did not run on the day).
	col, upTo, from := "rotation_duties.warned_at", today.UTC().AddDate(0, 0, model.DutyWarnDays), today.UTC().AddDate(0, 0, 1)
	if stage == "due" {
		col, upTo, from = "rotation_duties.due_noticed_at", today.UTC(), today.UTC().AddDate(0, 0, -model.DutyWarnDays)
	}
	var out []DutyRow
	err := db.dutyRows(ctx).Where("rotation_duties.done_on IS NULL AND "+col+" IS NULL AND rotation_duties.due_on <= ? AND rotation_duties.due_on >= ?",
		upTo, from).
		Where("rotation_terms.status <> ?", model.RotationHandedOver).
		Order("rotation_duties.due_on, rotation_duties.id").Limit(limit).Find(&out).Error
	return out, err
}

// ClaimDutyNotice marks the notice of stage sent for a duty and reports
// whether this call did it (a second call, on any instance, gets false).
func (db *DB) ClaimDutyNotice(ctx context.Context, id int64, stage string) (bool, error) {
	col := "warned_at"
	if stage == "due" {
		col = "due_noticed_at"
	}
	now := db.Now()
	res := db.conn(ctx).Model(&model.RotationDuty{}).Where("id = ? AND "+col+" IS NULL", id).
		Updates(map[string]any{col: now, "updated_at": now})
	return res.RowsAffected == 1, res.Error
}

// ---- chair roles ----

// chairRole is a role_assignments row with the term it derives from.
type chairRole struct {
	ID             int64
	UserID         int64
	Role           string
	Domain         string
	ValidFrom      time.Time
	ValidUntil     *time.Time
	Source         string
	RotationTermID *int64
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

func (chairRole) TableName() string { return "role_assignments" }

// ChairRolesOfTerm lists the role assignments derived from a term.
func (db *DB) ChairRolesOfTerm(ctx context.Context, termID int64) ([]model.RoleAssignment, error) {
	var out []model.RoleAssignment
	err := db.conn(ctx).Table("role_assignments").Where("rotation_term_id = ?", termID).Order("id").Find(&out).Error
	return out, err
}

// AddChairRole inserts an alliance_chair assignment derived from a term.
func (db *DB) AddChairRole(ctx context.Context, userID, allianceID, termID int64, from, until time.Time) error {
	now := db.Now()
	tid := termID
	until = until.UTC()
	return db.conn(ctx).Create(&chairRole{UserID: userID, Role: model.RoleAllianceChair,
		Domain: model.DomainOf(model.DomainAlliance, allianceID), ValidFrom: from.UTC(), ValidUntil: &until,
		Source: model.SourceRotation, RotationTermID: &tid, CreatedAt: now, UpdatedAt: now}).Error
}

// SetRoleWindow changes the validity window of an assignment.
func (db *DB) SetRoleWindow(ctx context.Context, id int64, from, until time.Time) error {
	return db.conn(ctx).Model(&chairRole{}).Where("id = ?", id).
		Updates(map[string]any{"valid_from": from.UTC(), "valid_until": until.UTC(), "updated_at": db.Now()}).Error
}

// DeleteRoleAssignment removes an assignment that never granted anything
// (its window has not opened); the caller checks that.
func (db *DB) DeleteRoleAssignment(ctx context.Context, id int64) error {
	return db.conn(ctx).Exec("DELETE FROM role_assignments WHERE id = ?", id).Error
}

// UnitContactUsers lists the active users who hold unit_contact on the unit
// now or later (valid_until unset or after now), in id order.
func (db *DB) UnitContactUsers(ctx context.Context, unitID int64, now time.Time) ([]int64, error) {
	var ids []int64
	err := db.conn(ctx).Table("role_assignments ra").
		Joins("JOIN users u ON u.id = ra.user_id AND u.status = ?", model.UserActive).
		Where("ra.role = ? AND ra.domain = ? AND (ra.valid_until IS NULL OR ra.valid_until > ?)",
			model.RoleUnitContact, model.DomainOf(model.DomainUnit, unitID), now.UTC()).
		Distinct().Order("ra.user_id").Pluck("ra.user_id", &ids).Error
	return ids, err
}

// TermsToReconcile lists the terms whose chair window is open or still to
// come at today (ends_on ≥ today − 1), for the periodic re-derivation.
func (db *DB) TermsToReconcile(ctx context.Context, today time.Time, afterID int64, limit int) ([]model.RotationTerm, error) {
	var out []model.RotationTerm
	err := db.conn(ctx).Where("ends_on >= ? AND id > ?", today.UTC().AddDate(0, 0, -1), afterID).Order("id").Limit(limit).Find(&out).Error
	return out, err
}

// ChairAlliancesOfUser lists the alliances in which the user holds a chair
// role valid at now.
func (db *DB) ChairAlliancesOfUser(ctx context.Context, userID int64, now time.Time) ([]int64, error) {
	var ids []int64
	err := db.conn(ctx).Table("role_assignments").Joins("JOIN rotation_terms rt ON rt.id = role_assignments.rotation_term_id").
		Where("role_assignments.user_id = ? AND role_assignments.valid_from <= ? AND role_assignments.valid_until > ?", userID, now.UTC(), now.UTC()).
		Distinct().Pluck("rt.alliance_id", &ids).Error
	return ids, err
}

// MeetingIs reports whether the duty is fulfilled by meeting id.
func (d DutyRow) MeetingIs(id int64) bool { return d.MeetingID != nil && *d.MeetingID == id }

// AnnouncedAt reports a term announced at meeting id.
func (t RotationTermRow) AnnouncedAt(id int64) bool {
	return t.AnnouncedMeetingID != nil && *t.AnnouncedMeetingID == id
}
