package store

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"tongxin/internal/model"
)

// Meetings (会议) of alliances and committees, their attendance, what an
// annual meeting published and signed, and the personal calendar feed.

// MeetingFilter selects meetings for the list. Zero fields do not filter;
// Scope always does.
type MeetingFilter struct {
	AllianceID  int64
	CommitteeID int64
	Kind        string
	Status      string
	Year        int
	// Title matches a part of the title.
	Title string
	// From and To bound held_on (inclusive); zero does not bound.
	From, To time.Time
	Scope    model.Scope
}

// MeetingRow is a meeting with the names and counts its list and page show.
type MeetingRow struct {
	model.Meeting
	AllianceName  string
	CommitteeName string
	HostUnitName  string
	SiteName      string
	// Attended and Recorded count the attendance rows (attended ones, all).
	Attended int
	Recorded int
}

// Rate is the attendance rate in percent.
func (m *MeetingRow) Rate() float64 { return model.AttendanceRate(m.Attended, m.Recorded) }

func meetingSort() sortSpec[MeetingRow] {
	return sortSpec[MeetingRow]{
		Columns: []sortColumn[MeetingRow]{
			{Key: "held_on", Column: "meetings.held_on", Kind: "time", Value: func(m *MeetingRow) any { return m.HeldOn.UTC() }},
			{Key: "title", Column: "meetings.title", Kind: "text", Value: func(m *MeetingRow) any { return m.Title }},
		},
		Default:     "held_on",
		DefaultDesc: true,
		IDColumn:    "meetings.id",
		ID:          func(m *MeetingRow) int64 { return m.ID },
	}
}

// MeetingSortKeys lists the keys ListMeetings sorts by.
func MeetingSortKeys() []string { return sortKeys(meetingSort()) }

func (db *DB) meetingRows(ctx context.Context) *gorm.DB {
	return db.conn(ctx).Table("meetings").
		Select("meetings.*, alliances.name AS alliance_name, COALESCE(committees.name, '') AS committee_name, " +
			"COALESCE(hu.name, '') AS host_unit_name, COALESCE(service_sites.name, '') AS site_name, " +
			"(SELECT count(*) FROM meeting_attendance ma WHERE ma.meeting_id = meetings.id AND ma.attended) AS attended, " +
			"(SELECT count(*) FROM meeting_attendance ma WHERE ma.meeting_id = meetings.id) AS recorded").
		Joins("JOIN alliances ON alliances.id = meetings.alliance_id").
		Joins("LEFT JOIN committees ON committees.id = meetings.committee_id").
		Joins("LEFT JOIN units hu ON hu.id = meetings.host_unit_id").
		Joins("LEFT JOIN service_sites ON service_sites.id = meetings.site_id")
}

func (db *DB) meetingQuery(ctx context.Context, f MeetingFilter) *gorm.DB {
	q := applyScope(db.meetingRows(ctx), f.Scope, ScopeColumns{District: "meetings.district_id", Alliance: "meetings.alliance_id"})
	if f.AllianceID != 0 {
		q = q.Where("meetings.alliance_id = ?", f.AllianceID)
	}
	if f.CommitteeID != 0 {
		q = q.Where("meetings.committee_id = ?", f.CommitteeID)
	}
	if f.Kind != "" {
		q = q.Where("meetings.kind = ?", f.Kind)
	}
	if f.Status != "" {
		q = q.Where("meetings.status = ?", f.Status)
	}
	if f.Year != 0 {
		q = q.Where("meetings.year = ?", f.Year)
	}
	if f.Title != "" {
		q = q.Where("meetings.title LIKE ? ESCAPE '\\'", likePattern(f.Title))
	}
	if !f.From.IsZero() {
		q = q.Where("meetings.held_on >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		q = q.Where("meetings.held_on <= ?", f.To.UTC())
	}
	return q
}

// ListMeetings pages through the meetings matching f, newest first by default.
func (db *DB) ListMeetings(ctx context.Context, f MeetingFilter, req model.PageRequest) (model.List[MeetingRow], error) {
	return page(db.meetingQuery(ctx, f), meetingSort(), req)
}

// EachMeeting calls fn for every meeting matching f (exports, the calendar feed).
func (db *DB) EachMeeting(ctx context.Context, f MeetingFilter, req model.PageRequest, batch int, fn func(*MeetingRow) error) error {
	return eachKeyset(db.meetingQuery(ctx, f), meetingSort(), req, batch, fn)
}

// MeetingByID loads a meeting.
func (db *DB) MeetingByID(ctx context.Context, id int64) (*model.Meeting, error) {
	var m model.Meeting
	if err := db.conn(ctx).Take(&m, id).Error; err != nil {
		return nil, notFound(err, "meeting", id)
	}
	return &m, nil
}

// MeetingForUpdate loads a meeting and, on Postgres, locks its row for the
// transaction of ctx.
func (db *DB) MeetingForUpdate(ctx context.Context, id int64) (*model.Meeting, error) {
	q := db.conn(ctx)
	if db.dialect == Postgres {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	var m model.Meeting
	if err := q.Take(&m, id).Error; err != nil {
		return nil, notFound(err, "meeting", id)
	}
	return &m, nil
}

// MeetingRowByID loads a meeting with its names and counts.
func (db *DB) MeetingRowByID(ctx context.Context, id int64) (*MeetingRow, error) {
	var m MeetingRow
	if err := db.meetingRows(ctx).Where("meetings.id = ?", id).Take(&m).Error; err != nil {
		return nil, notFound(err, "meeting", id)
	}
	return &m, nil
}

// AnnualMeetingOf returns the alliance's annual meeting of year that is not
// cancelled, or nil.
func (db *DB) AnnualMeetingOf(ctx context.Context, allianceID int64, year int) (*model.Meeting, error) {
	var out []model.Meeting
	err := db.conn(ctx).Where("alliance_id = ? AND year = ? AND kind = ? AND status <> ?", allianceID, year, model.MeetingAnnual, model.MeetingCancelled).
		Limit(1).Find(&out).Error
	if err != nil || len(out) == 0 {
		return nil, err
	}
	return &out[0], nil
}

// CreateMeeting inserts a meeting at version 1. A second annual meeting of
// the same alliance and year is a ValidationError on held_on.
func (db *DB) CreateMeeting(ctx context.Context, m *model.Meeting) error {
	now := db.Now()
	m.CreatedAt, m.UpdatedAt, m.Version = now, now, 1
	if m.Status == "" {
		m.Status = model.MeetingPlanned
	}
	err := db.conn(ctx).Create(m).Error
	if isDuplicate(err) {
		return (&model.ValidationError{}).Add("held_on", "meeting.annual_taken")
	}
	return err
}

func isDuplicate(err error) bool { return err != nil && errorsIs(err, gorm.ErrDuplicatedKey) }

// UpdateMeeting writes fields of a meeting if the stored version is
// version, bumping it; a mismatch is a stale conflict.
func (db *DB) UpdateMeeting(ctx context.Context, id int64, version int, fields map[string]any) error {
	fields["version"], fields["updated_at"] = gorm.Expr("version + 1"), db.Now()
	res := db.conn(ctx).Model(&model.Meeting{}).Where("id = ? AND version = ?", id, version).Updates(fields)
	if isDuplicate(res.Error) {
		return (&model.ValidationError{}).Add("held_on", "meeting.annual_taken")
	}
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		if _, err := db.MeetingByID(ctx, id); err != nil {
			return err
		}
		return model.Conflict(model.MsgStale)
	}
	return nil
}

// ---- attendance ----

// AttendanceRow is a unit of the meeting's alliance (current members, and
// any unit with an attendance row) with its attendance.
type AttendanceRow struct {
	UnitID         int64
	UnitName       string
	Rank           string // "" for a unit that is no longer a member
	Recorded       bool
	Attended       bool
	Representative string
}

// MeetingAttendanceRows lists the alliance's current member units, council
// first, then by name, with their attendance of the meeting, followed by
// units that have attendance but are no longer members.
func (db *DB) MeetingAttendanceRows(ctx context.Context, m *model.Meeting) ([]AttendanceRow, error) {
	var out []AttendanceRow
	err := db.conn(ctx).Raw(`SELECT u.id AS unit_id, u.name AS unit_name, COALESCE(ms.rank, '') AS rank,
	    (ma.id IS NOT NULL) AS recorded, COALESCE(ma.attended, FALSE) AS attended, COALESCE(ma.representative, '') AS representative
	  FROM units u
	  LEFT JOIN memberships ms ON ms.unit_id = u.id AND ms.alliance_id = ? AND ms.left_on IS NULL
	  LEFT JOIN meeting_attendance ma ON ma.unit_id = u.id AND ma.meeting_id = ?
	  WHERE ms.id IS NOT NULL OR ma.id IS NOT NULL
	  ORDER BY CASE WHEN ms.id IS NULL THEN 1 ELSE 0 END, COALESCE(ms.rank, ''), u.name, u.id`, m.AllianceID, m.ID).Scan(&out).Error
	return out, err
}

// SaveAttendance writes the attendance rows of a meeting (insert or update by unit).
func (db *DB) SaveAttendance(ctx context.Context, meetingID int64, rows []model.MeetingAttendance) error {
	if len(rows) == 0 {
		return nil
	}
	now := db.Now()
	for i := range rows {
		rows[i].ID, rows[i].MeetingID, rows[i].CreatedAt, rows[i].UpdatedAt = 0, meetingID, now, now
	}
	return db.conn(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "meeting_id"}, {Name: "unit_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"attended", "representative", "updated_at"}),
	}).Create(&rows).Error
}

// ---- annual meeting links ----

// MeetingPublicationIDs returns the ids of the items of kind published at the meeting.
func (db *DB) MeetingPublicationIDs(ctx context.Context, meetingID int64, kind string) ([]int64, error) {
	var ids []int64
	err := db.conn(ctx).Model(&model.MeetingPublication{}).Where("meeting_id = ? AND item_kind = ?", meetingID, kind).
		Order("item_id").Pluck("item_id", &ids).Error
	return ids, err
}

// SetMeetingPublications makes ids the items of kind published at the meeting.
func (db *DB) SetMeetingPublications(ctx context.Context, meetingID int64, kind string, ids []int64) error {
	if err := db.conn(ctx).Exec("DELETE FROM meeting_publications WHERE meeting_id = ? AND item_kind = ?", meetingID, kind).Error; err != nil {
		return err
	}
	if len(ids) == 0 {
		return nil
	}
	now := db.Now()
	rows := make([]model.MeetingPublication, 0, len(ids))
	for _, id := range ids {
		rows = append(rows, model.MeetingPublication{MeetingID: meetingID, ItemKind: kind, ItemID: id, CreatedAt: now, UpdatedAt: now})
	}
	return db.conn(ctx).Create(&rows).Error
}

// LetterRow is a current membership as the annual meeting's letter list shows it.
type LetterRow struct {
	MembershipID    int64
	UnitID          int64
	UnitName        string
	Rank            string
	JoinedOn        time.Time
	LetterSignedOn  *time.Time
	LetterMeetingID *int64
}

// LetterRows lists the current memberships of the alliance with their
// letter (共建责任书), council first, then by unit name.
func (db *DB) LetterRows(ctx context.Context, allianceID int64) ([]LetterRow, error) {
	var out []LetterRow
	err := db.conn(ctx).Table("memberships").
		Select("memberships.id AS membership_id, memberships.unit_id, units.name AS unit_name, memberships.rank, memberships.joined_on, "+
			"memberships.letter_signed_on, memberships.letter_meeting_id").
		Joins("JOIN units ON units.id = memberships.unit_id").
		Where("memberships.alliance_id = ? AND memberships.left_on IS NULL", allianceID).
		Order("memberships.rank, units.name, memberships.id").Scan(&out).Error
	return out, err
}

// SetLettersSigned records that the memberships in ids (current ones of the
// alliance) signed their letter at the meeting on day; memberships recorded
// at that meeting but not in ids lose the record.
func (db *DB) SetLettersSigned(ctx context.Context, allianceID, meetingID int64, day time.Time, ids []int64) error {
	now := db.Now()
	q := db.conn(ctx).Model(&model.Membership{}).Where("letter_meeting_id = ?", meetingID)
	if len(ids) > 0 {
		q = q.Where("id NOT IN (?)", ids)
	}
	// The letter date is a field of the membership's form: a change moves its version.
	if err := q.Updates(map[string]any{"letter_meeting_id": nil, "letter_signed_on": nil, "version": gorm.Expr("version + 1"), "updated_at": now}).Error; err != nil {
		return err
	}
	if len(ids) == 0 {
		return nil
	}
	return db.conn(ctx).Model(&model.Membership{}).Where("alliance_id = ? AND left_on IS NULL AND id IN (?)", allianceID, ids).
		Updates(map[string]any{"letter_meeting_id": meetingID, "letter_signed_on": day.UTC(), "version": gorm.Expr("version + 1"), "updated_at": now}).Error
}

// MeetingProjectRow is a project as the annual meeting lists it.
type MeetingProjectRow struct {
	ID              int64
	Code            *string
	Title           string
	Year            int
	Status          string
	BudgetFen       int64
	LeadUnitName    string
	SignedMeetingID *int64
	CommitteeID     *int64
}

func (db *DB) meetingProjects(ctx context.Context) *gorm.DB {
	return db.conn(ctx).Table("projects").
		Select("projects.id, projects.code, projects.title, projects.year, projects.status, projects.budget_fen, " +
			"units.name AS lead_unit_name, projects.signed_meeting_id, projects.committee_id").
		Joins("JOIN units ON units.id = projects.lead_unit_id")
}

// ProjectCandidates lists the alliance's projects that an annual meeting of
// year may sign or publish: not cancelled, of year − 1 or later, by year
// and title (at most limit).
func (db *DB) ProjectCandidates(ctx context.Context, allianceID int64, year, limit int) ([]MeetingProjectRow, error) {
	var out []MeetingProjectRow
	err := db.meetingProjects(ctx).Where("projects.alliance_id = ? AND projects.status <> ? AND projects.year >= ?",
		allianceID, model.ProjectCancelled, year-1).Order("projects.year DESC, projects.title, projects.id").Limit(limit).Scan(&out).Error
	return out, err
}

// ProjectsSignedAt lists the projects whose signed meeting is meetingID.
func (db *DB) ProjectsSignedAt(ctx context.Context, meetingID int64) ([]MeetingProjectRow, error) {
	var out []MeetingProjectRow
	err := db.meetingProjects(ctx).Where("projects.signed_meeting_id = ?", meetingID).Order("projects.title, projects.id").Scan(&out).Error
	return out, err
}

// ProjectsByIDs lists the given projects of the alliance.
func (db *DB) ProjectsByIDs(ctx context.Context, allianceID int64, ids []int64) ([]MeetingProjectRow, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var out []MeetingProjectRow
	err := db.meetingProjects(ctx).Where("projects.alliance_id = ? AND projects.id IN (?)", allianceID, ids).Order("projects.title, projects.id").Scan(&out).Error
	return out, err
}

// ProjectsOfCommittee lists the projects under a committee, newest year first (at most limit).
func (db *DB) ProjectsOfCommittee(ctx context.Context, committeeID int64, limit int) ([]MeetingProjectRow, error) {
	var out []MeetingProjectRow
	err := db.meetingProjects(ctx).Where("projects.committee_id = ?", committeeID).
		Order("projects.year DESC, projects.title, projects.id").Limit(limit).Scan(&out).Error
	return out, err
}

// SetProjectsSigned makes ids (projects of the alliance) the projects signed
// at the meeting; projects signed there but not in ids lose the link.
func (db *DB) SetProjectsSigned(ctx context.Context, allianceID, meetingID int64, ids []int64) error {
	now := db.Now()
	q := db.conn(ctx).Table("projects").Where("signed_meeting_id = ?", meetingID)
	if len(ids) > 0 {
		q = q.Where("id NOT IN (?)", ids)
	}
	if err := q.Updates(map[string]any{"signed_meeting_id": nil, "updated_at": now}).Error; err != nil {
		return err
	}
	if len(ids) == 0 {
		return nil
	}
	return db.conn(ctx).Table("projects").Where("alliance_id = ? AND id IN (?)", allianceID, ids).
		Updates(map[string]any{"signed_meeting_id": meetingID, "updated_at": now}).Error
}

// ListItemRow is a need or resource as the annual meeting lists it.
type ListItemRow struct {
	ID       int64
	Title    string
	Status   string
	UnitName string
}

// ListItemCandidates lists the alliance's needs (kind need) or resources
// that are published or later (not drafts), newest first, at most limit.
func (db *DB) ListItemCandidates(ctx context.Context, kind string, allianceID int64, limit int) ([]ListItemRow, error) {
	q := db.listItems(ctx, kind).Where(kindTable(kind)+".alliance_id = ? AND "+kindTable(kind)+".status <> 'draft'", allianceID)
	var out []ListItemRow
	err := q.Order(kindTable(kind) + ".id DESC").Limit(limit).Scan(&out).Error
	return out, err
}

// ListItemsByIDs lists the given needs or resources of the alliance.
func (db *DB) ListItemsByIDs(ctx context.Context, kind string, allianceID int64, ids []int64) ([]ListItemRow, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var out []ListItemRow
	err := db.listItems(ctx, kind).Where(kindTable(kind)+".alliance_id = ? AND "+kindTable(kind)+".id IN (?)", allianceID, ids).
		Order(kindTable(kind) + ".id").Scan(&out).Error
	return out, err
}

func kindTable(kind string) string {
	if kind == model.PublishResource {
		return "resources"
	}
	return "needs"
}

func (db *DB) listItems(ctx context.Context, kind string) *gorm.DB {
	t, unit := "needs", "submitter_unit_id"
	if kind == model.PublishResource {
		t, unit = "resources", "provider_unit_id"
	}
	return db.conn(ctx).Table(t).Select(t + ".id, " + t + ".title, " + t + ".status, units.name AS unit_name").
		Joins("JOIN units ON units.id = " + t + "." + unit)
}

// ProjectFigures are an alliance's project figures of a year: the one
// definition the annual meeting's review and its pack use. A project counts
// in year when projects.year is that year; cancelled ones are counted apart.
type ProjectFigures struct {
	Year           int   `json:"year"`
	Projects       int64 `json:"projects"`        // not cancelled
	Approved       int64 `json:"approved"`        // approved (立项) or later
	Completed      int64 `json:"completed"`       // completed or evaluated (结项)
	Evaluated      int64 `json:"evaluated"`       // evaluated (评估)
	Cancelled      int64 `json:"cancelled"`       // cancelled
	BudgetFen      int64 `json:"budget_fen"`      // budget of the projects not cancelled
	Beneficiaries  int64 `json:"beneficiaries"`   // served, from progress updates
	VolunteerHours int64 `json:"volunteer_hours"` // from progress updates
	FundsSpentFen  int64 `json:"funds_spent_fen"` // from progress updates
}

// AllianceProjectFigures computes the figures of the alliance's projects of year.
func (db *DB) AllianceProjectFigures(ctx context.Context, allianceID int64, year int) (ProjectFigures, error) {
	f := ProjectFigures{Year: year}
	err := db.conn(ctx).Raw(`SELECT
	    COALESCE(SUM(CASE WHEN status <> 'cancelled' THEN 1 ELSE 0 END), 0) AS projects,
	    COALESCE(SUM(CASE WHEN status IN ('approved', 'in_progress', 'completed', 'evaluated') THEN 1 ELSE 0 END), 0) AS approved,
	    COALESCE(SUM(CASE WHEN status IN ('completed', 'evaluated') THEN 1 ELSE 0 END), 0) AS completed,
	    COALESCE(SUM(CASE WHEN status = 'evaluated' THEN 1 ELSE 0 END), 0) AS evaluated,
	    COALESCE(SUM(CASE WHEN status = 'cancelled' THEN 1 ELSE 0 END), 0) AS cancelled,
	    COALESCE(SUM(CASE WHEN status <> 'cancelled' THEN budget_fen ELSE 0 END), 0) AS budget_fen
	  FROM projects WHERE alliance_id = ? AND year = ?`, allianceID, year).Scan(&f).Error
	if err != nil {
		return f, err
	}
	// A second Scan into f would zero what the first one read: scan apart.
	var served struct {
		Beneficiaries, VolunteerHours, FundsSpentFen int64
	}
	err = db.conn(ctx).Raw(`SELECT COALESCE(SUM(pu.beneficiaries), 0) AS beneficiaries, COALESCE(SUM(pu.volunteer_hours), 0) AS volunteer_hours,
	    COALESCE(SUM(pu.funds_spent_fen), 0) AS funds_spent_fen
	  FROM project_updates pu JOIN projects p ON p.id = pu.project_id
	  WHERE p.alliance_id = ? AND p.year = ? AND p.status <> 'cancelled'`, allianceID, year).Scan(&served).Error
	f.Year, f.Beneficiaries, f.VolunteerHours, f.FundsSpentFen = year, served.Beneficiaries, served.VolunteerHours, served.FundsSpentFen
	return f, err
}

// MeetingsOfCommittee lists a committee's meetings, newest first (at most limit).
func (db *DB) MeetingsOfCommittee(ctx context.Context, committeeID int64, limit int) ([]MeetingRow, error) {
	var out []MeetingRow
	err := db.meetingRows(ctx).Where("meetings.committee_id = ?", committeeID).
		Order("meetings.held_on DESC, meetings.id DESC").Limit(limit).Find(&out).Error
	return out, err
}

// MeetingAttachments lists the files attached to a meeting.
func (db *DB) MeetingAttachments(ctx context.Context, meetingID int64) ([]model.Attachment, error) {
	var out []model.Attachment
	err := db.conn(ctx).Where("owner_kind = ? AND owner_id = ?", "meeting", meetingID).Order("id").Find(&out).Error
	return out, err
}

// ---- calendar feed ----

// CalendarFeedOfUser loads the user's feed, or nil.
func (db *DB) CalendarFeedOfUser(ctx context.Context, userID int64) (*model.CalendarFeed, error) {
	var out []model.CalendarFeed
	if err := db.conn(ctx).Where("user_id = ?", userID).Limit(1).Find(&out).Error; err != nil || len(out) == 0 {
		return nil, err
	}
	return &out[0], nil
}

// SetCalendarFeed stores the user's feed token hash, replacing an older one.
func (db *DB) SetCalendarFeed(ctx context.Context, userID int64, hash, prefix string) error {
	now := db.Now()
	f := model.CalendarFeed{UserID: userID, TokenHash: hash, Prefix: prefix, CreatedAt: now, UpdatedAt: now}
	return db.conn(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "user_id"}},
		DoUpdates: clause.Assignments(map[string]any{"token_hash": hash, "prefix": prefix, "last_used_at": nil, "created_at": now, "updated_at": now}),
	}).Create(&f).Error
}

// DeleteCalendarFeed removes the user's feed (its URL stops working).
func (db *DB) DeleteCalendarFeed(ctx context.Context, userID int64) error {
	return db.conn(ctx).Exec("DELETE FROM calendar_feeds WHERE user_id = ?", userID).Error
}

// CalendarFeedByHash finds the feed of a token hash and its user, who must be active.
func (db *DB) CalendarFeedByHash(ctx context.Context, hash string) (*model.CalendarFeed, error) {
	var f model.CalendarFeed
	err := db.conn(ctx).Table("calendar_feeds").Select("calendar_feeds.*").
		Joins("JOIN users ON users.id = calendar_feeds.user_id AND users.status = ?", model.UserActive).
		Where("calendar_feeds.token_hash = ?", hash).Take(&f).Error
	if err != nil {
		return nil, notFound(err, "calendar_feed", 0)
	}
	return &f, nil
}

// TouchCalendarFeed records a use, at most once a minute.
func (db *DB) TouchCalendarFeed(ctx context.Context, id int64) error {
	now := db.Now()
	return db.conn(ctx).Model(&model.CalendarFeed{}).Where("id = ? AND (last_used_at IS NULL OR last_used_at < ?)", id, now.Add(-time.Minute)).
		Updates(map[string]any{"last_used_at": now}).Error
}

func errorsIs(err, target error) bool { return errors.Is(err, target) }

// SiteOption is a service site as the meeting form offers it.
type SiteOption struct {
	ID         int64
	Name       string
	DistrictID int64
	Address    string
}

// MeetingSiteOptions lists the active service sites of a district by name,
// at most limit.
func (db *DB) MeetingSiteOptions(ctx context.Context, districtID int64, limit int) ([]SiteOption, error) {
	var out []SiteOption
	err := db.conn(ctx).Table("service_sites").Select("id, name, district_id, address").
		Where("district_id = ? AND status = ?", districtID, model.StatusActive).Order("name, id").Limit(limit).Scan(&out).Error
	return out, err
}

// MeetingSite loads a site's district and name.
func (db *DB) MeetingSite(ctx context.Context, id int64) (*SiteOption, error) {
	var s SiteOption
	if err := db.conn(ctx).Table("service_sites").Select("id, name, district_id, address").Where("id = ?", id).Take(&s).Error; err != nil {
		return nil, notFound(err, "service_site", id)
	}
	return &s, nil
}

// SignedAt reports a letter signed at meeting id.
func (l LetterRow) SignedAt(id int64) bool {
	return l.LetterMeetingID != nil && *l.LetterMeetingID == id
}

// SignedAt reports a project signed at meeting id.
func (p MeetingProjectRow) SignedAt(id int64) bool {
	return p.SignedMeetingID != nil && *p.SignedMeetingID == id
}
