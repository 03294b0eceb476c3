package store

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"time"

	"gorm.io/gorm"
)

// Aggregates of the counter glossary (internal/report/counters.go): one SQL
// per counter, GROUP BY on indexed columns, never rows loaded into Go to be
// counted. The keys are the glossary's; a test fails on a glossary counter
// without a query here. Scope and breakdown columns are named per counter,
// so every counter answers for a city, a district, a street (its street-level
// alliances), an alliance or a committee, totals and groups alike.

// Report scope kinds (the glossary's).
const (
	ReportCity      = "city"
	ReportDistrict  = "district"
	ReportStreet    = "street"
	ReportAlliance  = "alliance"
	ReportCommittee = "committee"
)

// ReportQuery asks for one counter's figures.
type ReportQuery struct {
	ScopeKind string
	ScopeID   int64
	// From and To are the period's calendar days (00:00 UTC, both included);
	// Start and End the instants [Start, End) of those days in Asia/Shanghai.
	From, To   time.Time
	Start, End time.Time
	// Today is today's calendar day (now counters).
	Today time.Time
	// GroupBy is "", district, alliance, category, status or month.
	GroupBy string
}

// ReportGroup is one group's value.
type ReportGroup struct {
	Key   string
	Value int64
}

// counterSQL is how one counter is computed. from names the rows (alias t
// for the main table); the column fields are SQL expressions over them; an
// empty column means the counter cannot be scoped or split that way.
type counterSQL struct {
	from                        string
	district, alliance, commitW string
	category, status            string
	// date is the event's column and whether it is a timestamp (read in
	// Asia/Shanghai) or a calendar day; "" for year, overlap and now counters.
	date      string
	timestamp bool
	// where adds the counter's own conditions.
	where func(q ReportQuery) (string, []any)
	// value is the aggregate.
	value string
	// minTime: value is MIN(value) over a timestamp, turned into the days
	// from that day to Today (the oldest wait).
	minTime bool
}

func none(ReportQuery) (string, []any) { return "", nil }

func projectSpec(date, cond string, value string) counterSQL {
	return counterSQL{from: "projects t", district: "t.district_id", alliance: "t.alliance_id", commitW: "t.committee_id",
		category: "t.category", status: "t.status", date: date, timestamp: true,
		where: func(ReportQuery) (string, []any) { return cond, nil }, value: value}
}

// yearWhere is the one year rule of "this year's projects": the project's
// 年度 (projects.year) is a year the period touches (the project list's
// year filter for a period within one year).
func yearWhere(q ReportQuery) (string, []any) {
	return "t.year >= ? AND t.year <= ?", []any{q.From.Year(), q.To.Year()}
}

var reportCounters = map[string]counterSQL{
	"projects_submitted": projectSpec("t.submitted_at", "", "COUNT(*)"),
	"projects_approved":  projectSpec("t.approved_at", "", "COUNT(*)"),
	"projects_completed": projectSpec("t.completed_at", "", "COUNT(*)"),
	"projects_evaluated": projectSpec("t.evaluated_at", "", "COUNT(*)"),
	"projects_cancelled": projectSpec("t.cancelled_at", "", "COUNT(*)"),
	"budget_approved":    projectSpec("t.approved_at", "", "COALESCE(SUM(t.budget_fen), 0)"),
	"projects_of_year": {from: "projects t", district: "t.district_id", alliance: "t.alliance_id", commitW: "t.committee_id",
		category: "t.category", status: "t.status", value: "COUNT(*)", where: yearWhere},
	"beneficiaries":   updateSpec("COALESCE(SUM(pu.beneficiaries), 0)"),
	"volunteer_hours": updateSpec("COALESCE(SUM(pu.volunteer_hours), 0)"),
	"funds_spent":     updateSpec("COALESCE(SUM(pu.funds_spent_fen), 0)"),
	"units_involved": {
		from: "(SELECT p.id, p.district_id, p.alliance_id, p.committee_id, p.status, p.year, p.lead_unit_id AS unit_id FROM projects p" +
			" UNION ALL SELECT p.id, p.district_id, p.alliance_id, p.committee_id, p.status, p.year, pu.unit_id" +
			" FROM projects p JOIN project_units pu ON pu.project_id = p.id) t",
		district: "t.district_id", alliance: "t.alliance_id", commitW: "t.committee_id", value: "COUNT(DISTINCT t.unit_id)",
		where: func(q ReportQuery) (string, []any) {
			w, a := yearWhere(q)
			return "t.status IN ('approved', 'in_progress', 'completed', 'evaluated') AND " + w, a
		}},
	"review_queue": {from: "projects t", district: "t.district_id", alliance: "t.alliance_id", commitW: "t.committee_id",
		category: "t.category", value: "COUNT(*)", where: func(ReportQuery) (string, []any) { return "t.status = 'submitted'", nil }},
	"review_oldest_days": {from: "projects t", district: "t.district_id", alliance: "t.alliance_id", commitW: "t.committee_id",
		value: "MIN(t.submitted_at)", minTime: true,
		where: func(ReportQuery) (string, []any) { return "t.status = 'submitted' AND t.submitted_at IS NOT NULL", nil }},
	"review_overdue": {from: "projects t", district: "t.district_id", alliance: "t.alliance_id", commitW: "t.committee_id",
		value: "COUNT(*)", where: func(q ReportQuery) (string, []any) {
			return "t.status = 'submitted' AND t.review_due_on < ?", []any{q.Today}
		}},
	"projects_overdue": {from: "projects t", district: "t.district_id", alliance: "t.alliance_id", commitW: "t.committee_id",
		category: "t.category", value: "COUNT(*)", where: func(q ReportQuery) (string, []any) {
			return "t.status IN ('approved', 'in_progress') AND t.ends_on < ?", []any{q.Today}
		}},
	"needs_published": {from: "needs t", district: "t.district_id", alliance: "t.alliance_id", category: "t.category", status: "t.status",
		date: "t.published_at", timestamp: true, value: "COUNT(*)", where: func(ReportQuery) (string, []any) { return "t.status <> 'draft'", nil }},
	"needs_open": {from: "needs t", district: "t.district_id", alliance: "t.alliance_id", category: "t.category",
		value: "COUNT(*)", where: func(ReportQuery) (string, []any) { return "t.status = 'published'", nil }},
	"needs_partly": {from: "needs t", district: "t.district_id", alliance: "t.alliance_id", category: "t.category",
		value: "COUNT(*)", where: func(ReportQuery) (string, []any) { return "t.status = 'partly_claimed'", nil }},
	"needs_met": {from: "needs t", district: "t.district_id", alliance: "t.alliance_id", category: "t.category",
		value: "COUNT(*)", where: func(ReportQuery) (string, []any) { return "t.accepted_quantity >= t.quantity", nil }},
	"resources_published": {from: "resources t", district: "t.district_id", alliance: "t.alliance_id", status: "t.status",
		date: "t.published_at", timestamp: true, value: "COUNT(*)", where: func(ReportQuery) (string, []any) { return "t.status <> 'draft'", nil }},
	"claims_made": {from: "claims t", district: "t.district_id", alliance: "t.alliance_id", status: "t.status",
		date: "t.created_at", timestamp: true, value: "COUNT(*)", where: func(ReportQuery) (string, []any) { return "t.status <> 'withdrawn'", nil }},
	"claims_accepted": {from: "claims t", district: "t.district_id", alliance: "t.alliance_id",
		date: "t.decided_at", timestamp: true, value: "COUNT(*)", where: func(ReportQuery) (string, []any) { return "t.status = 'accepted'", nil }},
	"meetings_held": {from: "meetings t", district: "t.district_id", alliance: "t.alliance_id", commitW: "t.committee_id",
		date: "t.held_on", value: "COUNT(*)", where: func(ReportQuery) (string, []any) { return "t.status = 'held'", nil }},
	"meeting_attendance": {from: "meeting_attendance ma JOIN meetings t ON t.id = ma.meeting_id", district: "t.district_id",
		alliance: "t.alliance_id", commitW: "t.committee_id", date: "t.held_on", value: "COUNT(*)",
		where: func(ReportQuery) (string, []any) { return "t.status = 'held' AND ma.attended", nil }},
	"member_units": {from: "memberships t JOIN alliances a ON a.id = t.alliance_id", district: "a.district_id", alliance: "t.alliance_id",
		value: "COUNT(DISTINCT t.unit_id)", where: func(q ReportQuery) (string, []any) {
			return "t.joined_on <= ? AND (t.left_on IS NULL OR t.left_on >= ?)", []any{q.To, q.From}
		}},
}

func updateSpec(value string) counterSQL {
	return counterSQL{from: "project_updates pu JOIN projects t ON t.id = pu.project_id", district: "t.district_id",
		alliance: "t.alliance_id", commitW: "t.committee_id", category: "t.category", date: "pu.happened_on", value: value, where: none}
}

// ReportCounterKeys lists the counters this file computes (tests compare it
// with the glossary).
func ReportCounterKeys() []string {
	out := make([]string, 0, len(reportCounters))
	for k := range reportCounters {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// ReportCounterSplits reports whether a counter can be scoped by kind and
// split by groupBy here (the glossary must not promise more).
func ReportCounterSplits(key, scopeKind, groupBy string) bool {
	c, ok := reportCounters[key]
	if !ok {
		return false
	}
	if scopeKind == ReportCommittee && c.commitW == "" {
		return false
	}
	if groupBy == "" {
		return true
	}
	return c.groupExpr("sqlite", groupBy) != ""
}

// groupExpr is the expression of a breakdown, "" when the counter has none.
func (c counterSQL) groupExpr(dialect, by string) string {
	switch by {
	case "district":
		return c.district
	case "alliance":
		return c.alliance
	case "category":
		return c.category
	case "status":
		return c.status
	case "month":
		if c.date == "" {
			return ""
		}
		return monthExpr(dialect, c.date, c.timestamp)
	}
	return ""
}

// monthExpr is the month (2026-03) of a date or, in Asia/Shanghai, of a timestamp.
func monthExpr(dialect, col string, timestamp bool) string {
	if dialect == Postgres {
		if timestamp {
			return "to_char(" + col + " AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM')"
		}
		return "to_char(" + col + ", 'YYYY-MM')"
	}
	if timestamp {
		return "strftime('%Y-%m', " + col + ", '+8 hours')"
	}
	return "substr(" + col + ", 1, 7)"
}

// ReportCounter computes one counter: the total (GroupBy "") or the value per
// group, largest key order left to the caller. A counter that cannot be
// scoped or split as asked answers ok=false and no error.
func (db *DB) ReportCounter(ctx context.Context, key string, q ReportQuery) (groups []ReportGroup, ok bool, err error) {
	c, found := reportCounters[key]
	if !found {
		return nil, false, fmt.Errorf("store: no report counter %q", key)
	}
	if !ReportCounterSplits(key, q.ScopeKind, q.GroupBy) {
		return nil, false, nil
	}
	tx := db.conn(ctx).Table(c.from)
	switch q.ScopeKind {
	case ReportCity:
	case ReportDistrict:
		tx = tx.Where(c.district+" = ?", q.ScopeID)
	case ReportAlliance:
		tx = tx.Where(c.alliance+" = ?", q.ScopeID)
	case ReportStreet:
		tx = tx.Where(c.alliance+" IN (SELECT s.id FROM alliances s WHERE s.street_id = ?)", q.ScopeID)
	case ReportCommittee:
		tx = tx.Where(c.commitW+" = ?", q.ScopeID)
	default:
		return nil, false, fmt.Errorf("store: report scope %q", q.ScopeKind)
	}
	if w, args := c.where(q); w != "" {
		tx = tx.Where(w, args...)
	}
	if c.date != "" {
		if c.timestamp {
			tx = tx.Where(c.date+" >= ? AND "+c.date+" < ?", q.Start, q.End)
		} else {
			tx = tx.Where(c.date+" >= ? AND "+c.date+" <= ?", q.From, q.To)
		}
	}
	if q.GroupBy == "" {
		if c.minTime {
			var t nullTime
			if err := tx.Select(c.value).Row().Scan(&t); err != nil {
				return nil, true, err
			}
			return []ReportGroup{{Value: daysSince(t, q.Today)}}, true, nil
		}
		var v int64
		if err := tx.Select(c.value).Row().Scan(&v); err != nil {
			return nil, true, err
		}
		return []ReportGroup{{Value: v}}, true, nil
	}
	g := c.groupExpr(db.dialect, q.GroupBy)
	rows, err := tx.Select(g + " AS g, " + c.value + " AS v").Group(g).Rows()
	if err != nil {
		return nil, true, err
	}
	defer rows.Close()
	for rows.Next() {
		var key any
		var out ReportGroup
		if c.minTime {
			var t nullTime
			if err := rows.Scan(&key, &t); err != nil {
				return nil, true, err
			}
			out.Value = daysSince(t, q.Today)
		} else if err := rows.Scan(&key, &out.Value); err != nil {
			return nil, true, err
		}
		out.Key = groupKey(key)
		groups = append(groups, out)
	}
	return groups, true, rows.Err()
}

// daysSince is the calendar days (Asia/Shanghai) from t to today; 0 for none.
func daysSince(t nullTime, today time.Time) int64 {
	if !t.Valid {
		return 0
	}
	s := t.Time.Add(8 * time.Hour)
	d := time.Date(s.Year(), s.Month(), s.Day(), 0, 0, 0, 0, time.UTC)
	n := int64(today.Sub(d).Hours() / 24)
	if n < 0 {
		return 0
	}
	return n
}

func groupKey(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case []byte:
		return string(x)
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case int32:
		return strconv.FormatInt(int64(x), 10)
	case int:
		return strconv.Itoa(x)
	case time.Time:
		return x.Format("2006-01")
	}
	return fmt.Sprint(v)
}

// ReportNames maps ids of districts or alliances to their names.
func (db *DB) ReportNames(ctx context.Context, kind string, ids []int64) (map[int64]string, error) {
	out := map[int64]string{}
	if len(ids) == 0 {
		return out, nil
	}
	table := map[string]string{"district": "districts", "alliance": "alliances", "street": "streets", "committee": "committees", "unit": "units"}[kind]
	if table == "" {
		return nil, fmt.Errorf("store: report names of %q", kind)
	}
	var rows []struct {
		ID   int64
		Name string
	}
	if err := db.conn(ctx).Table(table).Select("id, name").Where("id IN (?)", ids).Scan(&rows).Error; err != nil {
		return nil, err
	}
	for _, r := range rows {
		out[r.ID] = r.Name
	}
	return out, nil
}

// ReportPlace is where a scope lies: its name and district (and, for a
// committee, its alliance).
type ReportPlace struct {
	Name       string
	DistrictID int64
	AllianceID int64
}

// ReportPlaceOf finds a street, alliance or committee (or district) for a
// report's scope; a missing one is not found.
func (db *DB) ReportPlaceOf(ctx context.Context, kind string, id int64) (ReportPlace, error) {
	var p ReportPlace
	var q *gorm.DB
	switch kind {
	case ReportDistrict:
		q = db.conn(ctx).Table("districts").Select("name, id AS district_id, 0 AS alliance_id").Where("id = ?", id)
	case ReportStreet:
		q = db.conn(ctx).Table("streets").Select("name, district_id, 0 AS alliance_id").Where("id = ?", id)
	case ReportAlliance:
		q = db.conn(ctx).Table("alliances").Select("name, district_id, id AS alliance_id").Where("id = ?", id)
	case ReportCommittee:
		q = db.conn(ctx).Table("committees c").Select("c.name, a.district_id, c.alliance_id").
			Joins("JOIN alliances a ON a.id = c.alliance_id").Where("c.id = ?", id)
	default:
		return p, fmt.Errorf("store: report place of %q", kind)
	}
	res := q.Limit(1).Scan(&p)
	if res.Error != nil {
		return p, res.Error
	}
	if res.RowsAffected == 0 {
		return p, notFound(gorm.ErrRecordNotFound, kind, id)
	}
	return p, nil
}

// ReportDistricts lists the districts (id, name) in code order: the city
// view's columns and the scope picker.
func (db *DB) ReportDistricts(ctx context.Context) ([]ReportOption, error) {
	var out []ReportOption
	err := db.conn(ctx).Table("districts").Select("id, name").Order("id").Scan(&out).Error
	return out, err
}

// ReportOption is an id and a name for a scope picker.
type ReportOption struct {
	ID   int64
	Name string
}

// ReportOptions lists the streets, alliances or committees of the given
// districts (all for nil with all set), by name, at most limit.
func (db *DB) ReportOptions(ctx context.Context, kind string, districts []int64, alliances []int64, all bool, limit int) ([]ReportOption, error) {
	var q *gorm.DB
	switch kind {
	case ReportStreet:
		q = db.conn(ctx).Table("streets t").Select("t.id, t.name")
		if !all {
			q = q.Where("t.district_id IN (?)", append([]int64{0}, districts...))
		}
	case ReportAlliance:
		q = db.conn(ctx).Table("alliances t").Select("t.id, t.name")
		if !all {
			q = q.Where("(t.district_id IN (?) OR t.id IN (?))", append([]int64{0}, districts...), append([]int64{0}, alliances...))
		}
	case ReportCommittee:
		q = db.conn(ctx).Table("committees t").Select("t.id, a.name || ' · ' || t.name AS name").Joins("JOIN alliances a ON a.id = t.alliance_id")
		if !all {
			q = q.Where("(a.district_id IN (?) OR t.alliance_id IN (?))", append([]int64{0}, districts...), append([]int64{0}, alliances...))
		}
	default:
		return nil, fmt.Errorf("store: report options of %q", kind)
	}
	var out []ReportOption
	err := q.Order("name, t.id").Limit(limit).Scan(&out).Error
	return out, err
}
