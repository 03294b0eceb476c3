package bench

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"tongxin/internal/store"
)

// The crash suite's checking: what the clients were told (acknowledged
// writes) against what the database holds after the kills, and the
// invariants the design promises whatever happened.

// Ack is one acknowledged write: the server answered 2xx with the object's
// id. Action is what was done to it (create, publish, submit, accept);
// Code is the project code a submission answered; Status the status the
// object must at least have reached (accept: accepted).
type Ack struct {
	Kind   string `json:"kind"` // need | resource | project | claim | rotation_term (the audit log's object_kind)
	ID     int64  `json:"id"`
	Action string `json:"action"`
	Code   string `json:"code,omitempty"`
	Status string `json:"status,omitempty"`
}

// Row is what the database holds of one object.
type Row struct {
	Status string
	Code   string
}

// Capacity is a capacity-limited target (a resource or a need) and what
// its accepted claims add up to.
type Capacity struct {
	Kind      string
	ID        int64
	Capacity  int64
	Counter   int64 // accepted_quantity, the denormalised counter
	Accepted  int64 // the sum of its accepted claims
	ClaimRows int
}

// Term is a rotation term (轮值主席单位): the alliance's chair from Starts
// to Ends (days, YYYY-MM-DD), or to the day before HandedOver.
type Term struct {
	ID         int64
	Alliance   int64
	Starts     string
	Ends       string
	HandedOver string
}

// CodeCounter is a project code counter: the codes of (District, Year)
// handed out so far are 1 … Next-1.
type CodeCounter struct {
	District, Year, Next int64
}

// Observed is the database after the run.
type Observed struct {
	Rows     map[string]map[int64]Row // kind → id → row
	Audits   map[string]int           // "kind/id" → audit rows
	Capacity []Capacity
	Terms    []Term
	Counters []CodeCounter
	Codes    []string // every project code
}

// Verdict is the outcome of the check.
type Verdict struct {
	// Lost counts acknowledged writes whose effect is absent.
	Lost int `json:"lost"`
	// MissingAudit counts acknowledged writes without their audit row.
	MissingAudit int `json:"missing_audit"`
	// Violations counts broken invariants (capacity, chairs, codes).
	Violations int      `json:"violations"`
	Problems   []string `json:"problems,omitempty"`
	// Checked says what the invariants were checked over.
	Checked Checked `json:"checked"`
}

// Checked counts what the invariants covered (so that a figure shows they
// were not checked over nothing).
type Checked struct {
	Capacity  int `json:"capacity_targets"` // needs and resources
	Claims    int `json:"accepted_claims"`
	Terms     int `json:"rotation_terms"`
	Alliances int `json:"alliances_with_terms"`
	Counters  int `json:"code_counters"`
	Codes     int `json:"codes"`
}

// OK is true when nothing was lost and every invariant held.
func (v Verdict) OK() bool { return v.Lost == 0 && v.MissingAudit == 0 && v.Violations == 0 }

func (v *Verdict) problem(format string, args ...any) {
	if len(v.Problems) < 50 {
		v.Problems = append(v.Problems, fmt.Sprintf(format, args...))
	}
}

// reached lists the statuses that satisfy an acknowledged status (an
// acknowledged accept stays accepted: nothing in the run undoes it).
var reached = map[string][]string{"accepted": {"accepted"}}

// CheckChaos compares the acknowledged writes with the database and checks
// the invariants.
func CheckChaos(acks []Ack, o Observed) Verdict {
	var v Verdict
	writes := map[string]int{}
	for _, a := range acks {
		key := fmt.Sprintf("%s/%d", a.Kind, a.ID)
		writes[key]++
		row, ok := o.Rows[a.Kind][a.ID]
		switch {
		case !ok:
			v.Lost++
			v.problem("lost: %s %d was acknowledged (%s) but is not in the database", a.Kind, a.ID, a.Action)
		case a.Code != "" && row.Code != a.Code:
			v.Lost++
			v.problem("lost: %s %d was acknowledged with code %s (%s) but holds code %q", a.Kind, a.ID, a.Code, a.Action, row.Code)
		case a.Status != "" && !slices.Contains(reached[a.Status], row.Status):
			v.Lost++
			v.problem("lost: %s %d was acknowledged %s but is %s", a.Kind, a.ID, a.Status, row.Status)
		}
	}
	keys := make([]string, 0, len(writes))
	for k := range writes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if got := o.Audits[k]; got < writes[k] {
			v.MissingAudit += writes[k] - got
			v.problem("audit: %s had %d acknowledged writes but %d audit rows", k, writes[k], got)
		}
	}
	for _, c := range o.Capacity {
		if c.Accepted > c.Capacity {
			v.Violations++
			v.problem("capacity: %s %d accepted %d over its capacity %d (%d claims)", c.Kind, c.ID, c.Accepted, c.Capacity, c.ClaimRows)
		}
		if c.Counter != c.Accepted {
			v.Violations++
			v.problem("capacity: %s %d counts %d accepted but its accepted claims add up to %d", c.Kind, c.ID, c.Counter, c.Accepted)
		}
	}
	v.checkChairs(o.Terms)
	v.checkCodes(o.Counters, o.Codes)
	v.Checked = Checked{Capacity: len(o.Capacity), Terms: len(o.Terms), Counters: len(o.Counters), Codes: len(o.Codes)}
	alliances := map[int64]bool{}
	for _, t := range o.Terms {
		alliances[t.Alliance] = true
	}
	v.Checked.Alliances = len(alliances)
	for _, c := range o.Capacity {
		v.Checked.Claims += c.ClaimRows
	}
	return v
}

// checkChairs: at most one chair per alliance on any day — the terms of an
// alliance do not overlap (a handed-over term ends the day before its
// hand-over).
func (v *Verdict) checkChairs(terms []Term) {
	by := map[int64][]Term{}
	for _, t := range terms {
		if t.HandedOver != "" && t.HandedOver <= t.Ends {
			t.Ends = dayBefore(t.HandedOver)
		}
		by[t.Alliance] = append(by[t.Alliance], t)
	}
	for a, ts := range by {
		sort.Slice(ts, func(i, j int) bool { return ts[i].Starts < ts[j].Starts })
		var last *Term
		for i := range ts {
			t := &ts[i]
			if t.Ends < t.Starts {
				continue // handed over on its first day: never chair
			}
			if last != nil && t.Starts <= last.Ends {
				v.Violations++
				v.problem("chair: alliance %d has two chairs on %s (terms %d and %d)", a, t.Starts, last.ID, t.ID)
			}
			if last == nil || t.Ends > last.Ends {
				last = t
			}
		}
	}
}

func dayBefore(day string) string {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return day
	}
	return t.AddDate(0, 0, -1).Format(time.DateOnly)
}

// checkCodes: the codes of each district and year are 1 … next-1, each once
// (store.TakeProjectCode: the counter row is locked until commit and a
// rollback gives the number back, so there are no gaps).
func (v *Verdict) checkCodes(counters []CodeCounter, codes []string) {
	seqs := map[[2]int64][]int64{}
	for _, c := range codes {
		d, y, s, ok := store.ParseProjectCode(c)
		if !ok {
			v.Violations++
			v.problem("code: %q is not year-district-sequence", c)
			continue
		}
		seqs[[2]int64{d, y}] = append(seqs[[2]int64{d, y}], s)
	}
	seen := map[[2]int64]bool{}
	for _, c := range counters {
		k := [2]int64{c.District, c.Year}
		seen[k] = true
		got := seqs[k]
		slices.Sort(got)
		for i, s := range got {
			if s != int64(i+1) {
				v.Violations++
				v.problem("code: district %d, year %d: the codes are not 1…%d without gaps or repeats (at position %d: %d)", c.District, c.Year, len(got), i+1, s)
				break
			}
		}
		if int64(len(got)) != c.Next-1 {
			v.Violations++
			v.problem("code: district %d, year %d: %d codes but the counter has handed out %d", c.District, c.Year, len(got), c.Next-1)
		}
	}
	for k := range seqs {
		if !seen[k] {
			v.Violations++
			v.problem("code: district %d, year %d has codes but no counter", k[0], k[1])
		}
	}
}

// Observe reads what CheckChaos needs from the database.
func Observe(ctx context.Context, db *sql.DB) (Observed, error) {
	o := Observed{Rows: map[string]map[int64]Row{}, Audits: map[string]int{}}
	for kind, q := range map[string]string{
		"need":          "SELECT id, status, '' FROM needs",
		"resource":      "SELECT id, status, '' FROM resources",
		"claim":         "SELECT id, status, '' FROM claims",
		"project":       "SELECT id, status, COALESCE(code, '') FROM projects",
		"rotation_term": "SELECT id, status, '' FROM rotation_terms",
	} {
		rows, err := db.QueryContext(ctx, q)
		if err != nil {
			return o, fmt.Errorf("%s: %w", q, err)
		}
		m := map[int64]Row{}
		for rows.Next() {
			var id int64
			var r Row
			if err := rows.Scan(&id, &r.Status, &r.Code); err != nil {
				rows.Close()
				return o, err
			}
			m[id] = r
		}
		rows.Close()
		o.Rows[kind] = m
	}
	rows, err := db.QueryContext(ctx, "SELECT object_kind, object_id, count(*) FROM audit_log GROUP BY object_kind, object_id")
	if err != nil {
		return o, err
	}
	for rows.Next() {
		var kind, id string
		var n int
		if err := rows.Scan(&kind, &id, &n); err != nil {
			rows.Close()
			return o, err
		}
		o.Audits[kind+"/"+id] += n
	}
	rows.Close()
	for kind, table := range map[string]string{"resource": "resources", "need": "needs"} {
		capCol := "capacity"
		if table == "needs" {
			capCol = "quantity"
		}
		q := fmt.Sprintf(`SELECT t.id, t.%s, t.accepted_quantity,
			COALESCE((SELECT SUM(c.quantity) FROM claims c WHERE c.%s_id = t.id AND c.target = '%s' AND c.status = 'accepted'), 0),
			(SELECT count(*) FROM claims c WHERE c.%s_id = t.id AND c.target = '%s' AND c.status = 'accepted') FROM %s t`, capCol, kind, kind, kind, kind, table)
		rows, err := db.QueryContext(ctx, q)
		if err != nil {
			return o, fmt.Errorf("%s: %w", q, err)
		}
		for rows.Next() {
			c := Capacity{Kind: kind}
			if err := rows.Scan(&c.ID, &c.Capacity, &c.Counter, &c.Accepted, &c.ClaimRows); err != nil {
				rows.Close()
				return o, err
			}
			o.Capacity = append(o.Capacity, c)
		}
		rows.Close()
	}
	rows, err = db.QueryContext(ctx, "SELECT id, alliance_id, starts_on, ends_on, handed_over_on FROM rotation_terms")
	if err != nil {
		return o, err
	}
	for rows.Next() {
		var t Term
		var s, e, h any
		if err := rows.Scan(&t.ID, &t.Alliance, &s, &e, &h); err != nil {
			rows.Close()
			return o, err
		}
		t.Starts, t.Ends, t.HandedOver = dayOf(s), dayOf(e), dayOf(h)
		o.Terms = append(o.Terms, t)
	}
	rows.Close()
	rows, err = db.QueryContext(ctx, "SELECT district_id, year, next_seq FROM project_code_counters")
	if err != nil {
		return o, err
	}
	for rows.Next() {
		var c CodeCounter
		if err := rows.Scan(&c.District, &c.Year, &c.Next); err != nil {
			rows.Close()
			return o, err
		}
		o.Counters = append(o.Counters, c)
	}
	rows.Close()
	for _, m := range []map[int64]Row{o.Rows["project"]} {
		for _, r := range m {
			if r.Code != "" {
				o.Codes = append(o.Codes, r.Code)
			}
		}
	}
	return o, nil
}

// dayOf turns a DATE as the drivers scan it (time.Time, text) into
// YYYY-MM-DD; "" for NULL.
func dayOf(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case time.Time:
		return x.UTC().Format(time.DateOnly)
	case []byte:
		return firstN(string(x), 10)
	case string:
		return firstN(x, 10)
	}
	return firstN(strings.TrimSpace(fmt.Sprint(v)), 10)
}

func firstN(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
