package store

import (
	"context"
	"fmt"
	"sort"
	"time"
)

// The unit contribution profile (成员单位贡献档案): the glossary's unit_*
// counters, one aggregate each over the unit's rows across all its
// alliances.

// unitCounters are the SQL of the unit_* counters: a statement taking the
// unit id and the period (from, to as days; start, end as instants).
var unitCounters = map[string]func(unitID int64, from, to, start, end time.Time) (string, []any){
	"unit_resources_offered": func(u int64, from, to, start, end time.Time) (string, []any) {
		return "SELECT COUNT(*) FROM resources WHERE provider_unit_id = ? AND status <> 'draft' AND published_at >= ? AND published_at < ?", []any{u, start, end}
	},
	"unit_claims_made": func(u int64, from, to, start, end time.Time) (string, []any) {
		return "SELECT COUNT(*) FROM claims WHERE claimant_unit_id = ? AND status <> 'withdrawn' AND created_at >= ? AND created_at < ?", []any{u, start, end}
	},
	"unit_claims_accepted": func(u int64, from, to, start, end time.Time) (string, []any) {
		return "SELECT COUNT(*) FROM claims WHERE claimant_unit_id = ? AND status = 'accepted' AND decided_at >= ? AND decided_at < ?", []any{u, start, end}
	},
	"unit_projects_led": func(u int64, from, to, start, end time.Time) (string, []any) {
		return "SELECT COUNT(*) FROM projects WHERE lead_unit_id = ? AND status IN ('approved', 'in_progress', 'completed', 'evaluated')" +
			" AND year >= ? AND year <= ?", []any{u, from.Year(), to.Year()}
	},
	"unit_projects_partnered": func(u int64, from, to, start, end time.Time) (string, []any) {
		return "SELECT COUNT(*) FROM projects p JOIN project_units pu ON pu.project_id = p.id AND pu.unit_id = ?" +
			" WHERE p.lead_unit_id <> ? AND p.status IN ('approved', 'in_progress', 'completed', 'evaluated')" +
			" AND p.year >= ? AND p.year <= ?", []any{u, u, from.Year(), to.Year()}
	},
	"unit_beneficiaries":   unitUpdates("beneficiaries"),
	"unit_volunteer_hours": unitUpdates("volunteer_hours"),
	"unit_funds_spent":     unitUpdates("funds_spent_fen"),
	"unit_meetings_attended": func(u int64, from, to, start, end time.Time) (string, []any) {
		return "SELECT COUNT(*) FROM meeting_attendance ma JOIN meetings m ON m.id = ma.meeting_id" +
			" WHERE ma.unit_id = ? AND ma.attended AND m.status = 'held' AND m.held_on >= ? AND m.held_on <= ?", []any{u, from, to}
	},
	"unit_chair_terms": func(u int64, from, to, start, end time.Time) (string, []any) {
		return "SELECT COUNT(*) FROM rotation_terms WHERE unit_id = ? AND status IN ('active', 'ended', 'handed_over')" +
			" AND ends_on >= ? AND starts_on <= ?", []any{u, from, to}
	},
	"unit_duties_done": func(u int64, from, to, start, end time.Time) (string, []any) {
		return "SELECT COUNT(*) FROM rotation_duties d JOIN rotation_terms t ON t.id = d.term_id" +
			" WHERE t.unit_id = ? AND d.done_on >= ? AND d.done_on <= ?", []any{u, from, to}
	},
}

func unitUpdates(col string) func(int64, time.Time, time.Time, time.Time, time.Time) (string, []any) {
	return func(u int64, from, to, start, end time.Time) (string, []any) {
		return "SELECT COALESCE(SUM(pu." + col + "), 0) FROM project_updates pu JOIN projects p ON p.id = pu.project_id" +
			" WHERE p.lead_unit_id = ? AND pu.happened_on >= ? AND pu.happened_on <= ?", []any{u, from, to}
	}
}

// UnitCounterKeys lists the unit_* counters computed here.
func UnitCounterKeys() []string {
	out := make([]string, 0, len(unitCounters))
	for k := range unitCounters {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// UnitCounter computes one unit_* counter for a unit and a period.
func (db *DB) UnitCounter(ctx context.Context, key string, unitID int64, q ReportQuery) (int64, error) {
	f, ok := unitCounters[key]
	if !ok {
		return 0, fmt.Errorf("store: no unit counter %q", key)
	}
	sql, args := f(unitID, q.From, q.To, q.Start, q.End)
	var v int64
	err := db.conn(ctx).Raw(sql, args...).Row().Scan(&v)
	return v, err
}
