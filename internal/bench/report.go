package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
)

// Result is one run of the benchmark on one database.
type Result struct {
	Date      string  `json:"date"`
	Dialect   string  `json:"database"`
	DBVersion string  `json:"database_version,omitempty"`
	Scale     float64 `json:"scale"`
	Version   string  `json:"version"`
	Machine   Machine `json:"machine"`
	// Duration is the length of each fixed-rate series (BENCH_DURATION),
	// Step that of each step of a rising series (BENCH_STEP).
	Duration string `json:"duration"`
	Step     string `json:"step"`
	// PageRate is the fixed rate of the page series (requests/s).
	PageRate int `json:"page_rate"`
	// Note is said above the tables (e.g. "taken under load").
	Note string `json:"note,omitempty"`

	Seed       SeedResult         `json:"seed"`
	Pages      []PageResult       `json:"pages"`
	Throughput *RisingResult      `json:"throughput,omitempty"`
	Mixed      *RisingResult      `json:"mixed,omitempty"`
	MixedMix   string             `json:"mixed_mix,omitempty"`
	Exports    []ExportResult     `json:"exports,omitempty"`
	Import     *ImportResult      `json:"import,omitempty"`
	Casbin     *CasbinResult      `json:"casbin,omitempty"`
	Plans      []PagePlans        `json:"plans,omitempty"`
	Targets    []TargetRow        `json:"targets"`
	Problems   []string           `json:"problems,omitempty"`
	Timings    map[string]float64 `json:"phase_seconds,omitempty"`
}

// Machine is where the run happened.
type Machine struct {
	CPU    string  `json:"cpu"`
	Cores  int     `json:"cores"`
	MemGiB float64 `json:"mem_gib"`
	Go     string  `json:"go"`
	OS     string  `json:"os"`
}

// SeedResult is the generation of the city.
type SeedResult struct {
	Seconds float64 `json:"seconds"`
	Logins  []Login `json:"logins"`
}

// Login is an account the run used.
type Login struct {
	Username string `json:"username"`
	Role     string `json:"role"`
	Domain   string `json:"domain"`
}

// PageResult is one page measured at a fixed rate beside its floor.
type PageResult struct {
	Name string `json:"name"`
	Path string `json:"path"`
	// Via is "html" (the page) or "api" (the JSON API, where the page is
	// not built yet).
	Via  string `json:"via"`
	User string `json:"user"`
	// NotBuilt: the page does not exist yet; nothing was measured.
	NotBuilt bool     `json:"not_built,omitempty"`
	Page     Summary  `json:"page"`
	Floor    *Summary `json:"floor,omitempty"`
	// Ratio is page p50 ÷ floor p50.
	Ratio float64 `json:"ratio,omitempty"`
	// Statements is the number of SQL statements one request ran;
	// Checks the casbin checks it made.
	Statements int   `json:"statements"`
	Checks     int64 `json:"casbin_checks"`
	// RowsBefore is, for a deep page, the rows before it.
	RowsBefore int `json:"rows_before,omitempty"`
	// Slowest are the page's slowest statements run bare.
	Slowest []StatementTime `json:"slowest_statements,omitempty"`
	// Group is "" for a list or detail page (DESIGN.md's 50 ms), else
	// GroupDashboard or GroupReport, which have targets of their own.
	Group string `json:"group,omitempty"`
	// Aux pages serve another row (the deep page's) and stay out of the
	// page targets and the mixed load.
	Aux   bool   `json:"aux,omitempty"`
	Error string `json:"error,omitempty"`
}

// ExportResult is one export of the project list.
type ExportResult struct {
	Format  string  `json:"format"`
	Rows    int64   `json:"rows"`
	Bytes   int64   `json:"bytes"`
	Seconds float64 `json:"seconds"`
	// PeakMB is the server's peak resident memory during the export
	// (VmHWM, reset before it); BaseMB its resident memory before.
	PeakMB float64 `json:"peak_rss_mb"`
	BaseMB float64 `json:"base_rss_mb"`
	Error  string  `json:"error,omitempty"`
}

// ImportResult is an import run through the server's import jobs.
type ImportResult struct {
	Kind       string  `json:"kind"`
	Rows       int64   `json:"rows"`
	Seconds    float64 `json:"seconds"`
	RowsPerSec float64 `json:"rows_per_s"`
	Error      string  `json:"error,omitempty"`
}

// CasbinResult is the cost of authorization.
type CasbinResult struct {
	// MaxChecks is the most checks one measured request made (and Page
	// which one).
	MaxChecks int64  `json:"max_checks_per_request"`
	Page      string `json:"page"`
	// CheckUS is the time of one uncached Enforce, in microseconds.
	CheckUS float64 `json:"check_us"`
	Rules   int     `json:"assignments"`
}

// PagePlans are the plans of the statements of one page variant.
type PagePlans struct {
	Page    string `json:"page"`
	Variant string `json:"variant"`
	Path    string `json:"path"`
	Plans   []Plan `json:"plans"`
}

// SeqScans lists the big tables the variant's statements scan.
func (p PagePlans) SeqScans() []string {
	var out []string
	for _, pl := range p.Plans {
		for _, t := range pl.SeqScans {
			if !contains(out, t) {
				out = append(out, t)
			}
		}
	}
	return out
}

// Indexes lists the indexes the variant's statements use.
func (p PagePlans) Indexes() []string {
	var out []string
	for _, pl := range p.Plans {
		for _, t := range pl.Indexes {
			if !contains(out, t) {
				out = append(out, t)
			}
		}
	}
	return out
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// Statuses of a target row.
const (
	Met         = "met"
	NotMet      = "not met"
	NotBuilt    = "not built yet"
	NotMeasured = "not measured"
	NoTarget    = "—"
)

// TargetRow is one target of DESIGN.md with the figure measured.
type TargetRow struct {
	Target   string `json:"target"`
	Measured string `json:"measured"`
	Status   string `json:"status"`
}

// AtMost marks a target "value ≤ limit".
func AtMost(value, limit float64) string {
	if value <= limit {
		return Met
	}
	return NotMet
}

// AtLeast marks a target "value ≥ limit".
func AtLeast(value, limit float64) string {
	if value >= limit {
		return Met
	}
	return NotMet
}

// All is Met when every status is Met, NotMet when one is NotMet, else
// the first other status (NotMeasured, NotBuilt).
func All(statuses ...string) string {
	out := Met
	for _, s := range statuses {
		switch {
		case s == NotMet:
			return NotMet
		case s != Met && out == Met:
			out = s
		}
	}
	if len(statuses) == 0 {
		return NotMeasured
	}
	return out
}

// Markdown writes the run as Markdown tables.
func (r *Result) Markdown(w io.Writer) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	p("## %s, scale %v, %s\n\n", dialectName(r.Dialect, r.DBVersion), r.Scale, r.Date)
	p("Machine: %s, %d cores, %.0f GiB; %s. Version %s. Each page: %s at %d req/s with %d connections; each step of a rising series: %s.\n\n",
		r.Machine.CPU, r.Machine.Cores, r.Machine.MemGiB, r.Machine.Go, r.Version, r.Duration, r.PageRate, Conns, r.Step)
	if r.Note != "" {
		p("> %s\n\n", r.Note)
	}
	p("| target (DESIGN.md) | measured | status |\n|---|---|---|\n")
	for _, t := range r.Targets {
		p("| %s | %s | %s |\n", t.Target, t.Measured, t.Status)
	}
	p("\n| page | via | user | p50 ms | p95 ms | p99 ms | req/s | errors | floor p50 ms | page ÷ floor | SQL | casbin |\n")
	p("|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, pg := range r.Pages {
		if pg.NotBuilt {
			p("| %s | — | — | not built yet | | | | | | | | |\n", pg.Name)
			continue
		}
		if pg.Error != "" {
			p("| %s | %s | %s | failed: %s | | | | | | | | |\n", pg.Name, pg.Via, pg.User, mdCell(pg.Error))
			continue
		}
		floor, ratio := "—", "—"
		if pg.Floor != nil {
			floor, ratio = fmt.Sprintf("%.2f", pg.Floor.P50), fmt.Sprintf("%.1f", pg.Ratio)
		}
		name := pg.Name
		if pg.RowsBefore > 0 {
			name += fmt.Sprintf(" (after %d rows)", pg.RowsBefore)
		}
		if pg.Aux {
			name += " †"
		}
		p("| %s | %s | %s | %.1f | %.1f | %.1f | %.0f | %d | %s | %s | %d | %d |\n", name, pg.Via, pg.User,
			pg.Page.P50, pg.Page.P95, pg.Page.P99, pg.Page.Achieved, pg.Page.Errors, floor, ratio, pg.Statements, pg.Checks)
	}
	for _, pg := range r.Pages {
		if pg.Aux {
			p("\n† Measured for the deep-page row only; not counted in the page targets nor read in the mixed load.\n")
			break
		}
	}
	slow := false
	for _, pg := range r.Pages {
		if len(pg.Slowest) > 0 && pg.Slowest[0].MS >= 1 {
			if !slow {
				p("\nWhere the floor goes: each page's slowest statement run bare (mean of 5 runs; all in the JSON):\n\n| page | ms | statement |\n|---|---|---|\n")
				slow = true
			}
			name := pg.Name
			if pg.RowsBefore > 0 {
				name += " (deep)"
			}
			q := pg.Slowest[0].SQL
			if len(q) > 160 {
				q = q[:160] + "…"
			}
			p("| %s | %.2f | `%s` |\n", name, pg.Slowest[0].MS, strings.ReplaceAll(mdCell(q), "`", "'"))
		}
	}
	for _, rs := range []struct {
		name string
		r    *RisingResult
	}{{"50-row list, rising rate", r.Throughput}, {"mixed load " + r.MixedMix, r.Mixed}} {
		if rs.r == nil {
			continue
		}
		p("\n%s (pass: no error, p95 ≤ %.0f ms, ≥ 95 %% of the rate achieved):\n\n", strings.ToUpper(rs.name[:1])+rs.name[1:], rs.r.BoundMS)
		p("| rate asked | achieved | p50 ms | p95 ms | p99 ms | errors | pass |\n|---|---|---|---|---|---|---|\n")
		for _, s := range rs.r.Steps {
			pass := "yes"
			if !s.Pass {
				pass = "no"
				if s.FirstError != "" {
					pass += ": " + mdCell(s.FirstError)
				}
			}
			p("| %.0f | %.0f | %.1f | %.1f | %.1f | %d | %s |\n", s.Rate, s.Achieved, s.P50, s.P95, s.P99, s.Errors, pass)
		}
	}
	if len(r.Exports) > 0 || r.Import != nil {
		p("\n| export / import | rows | time s | rows/s | size MB | server RSS before → peak MB |\n|---|---|---|---|---|---|\n")
		for _, e := range r.Exports {
			if e.Error != "" {
				p("| export %s | failed: %s | | | | |\n", e.Format, mdCell(e.Error))
				continue
			}
			p("| export %s | %d | %.2f | %.0f | %.1f | %.0f → %.0f |\n", e.Format, e.Rows, e.Seconds, float64(e.Rows)/max(e.Seconds, 1e-9),
				float64(e.Bytes)/1e6, e.BaseMB, e.PeakMB)
		}
		if im := r.Import; im != nil {
			if im.Error != "" {
				p("| import %s | failed: %s | | | | |\n", im.Kind, mdCell(im.Error))
			} else {
				p("| import %s | %d | %.2f | %.0f | | |\n", im.Kind, im.Rows, im.Seconds, im.RowsPerSec)
			}
		}
	}
	if len(r.Plans) > 0 {
		p("\nQuery plans (EXPLAIN, Postgres): big tables read with a sequential scan, and the indexes used:\n\n")
		p("| page | filter | seq scans on big tables | indexes |\n|---|---|---|---|\n")
		for _, pp := range r.Plans {
			seq := strings.Join(pp.SeqScans(), ", ")
			if seq == "" {
				seq = "none"
			} else {
				seq = "**" + seq + "**"
			}
			p("| %s | %s | %s | %s |\n", pp.Page, pp.Variant, seq, strings.Join(pp.Indexes(), ", "))
		}
	}
	if len(r.Problems) > 0 {
		p("\nProblems met during the run:\n\n")
		for _, pr := range r.Problems {
			p("- %s\n", pr)
		}
	}
	p("\n")
}

func dialectName(d, version string) string {
	name := map[string]string{"sqlite": "SQLite", "postgres": "PostgreSQL"}[d]
	if name == "" {
		name = d
	}
	if version != "" {
		name += " " + version
	}
	return name
}

// mdCell keeps a table cell on one line and free of pipes.
func mdCell(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	s = strings.ReplaceAll(s, "|", "\\|")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// Render reads a result file (<date>-<db>.json), marks the targets again
// (as this version of the harness marks them), rewrites the file and its
// .md beside it, and prints the Markdown to w.
func Render(path string, w io.Writer) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var r Result
	if err := json.Unmarshal(b, &r); err != nil {
		return fmt.Errorf("bench: %s: %w", path, err)
	}
	r.Mark()
	js, err := json.MarshalIndent(&r, "", "  ")
	if err != nil {
		return err
	}
	var md bytes.Buffer
	r.Markdown(&md)
	base := strings.TrimSuffix(path, ".json")
	if err := os.WriteFile(base+".json", append(js, '\n'), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(base+".md", md.Bytes(), 0o644); err != nil {
		return err
	}
	_, err = w.Write(md.Bytes())
	return err
}
