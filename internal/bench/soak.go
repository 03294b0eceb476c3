package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"tongxin/internal/model"
)

// The soak suite (`make soak`, never in CI): a long mixed load — 80 % reads
// of the list and dashboard pages, 20 % writes through the JSON API — at
// half the measured capacity, with the server's memory, goroutines and p95
// sampled each minute. The figure: errors 0, and memory, goroutines and p95
// flat (the last third of the samples against the first, with a tolerance).

// SoakOptions configure a soak run.
type SoakOptions struct {
	Binary      string
	Dialect     string
	PostgresURL string
	Scale       float64
	Duration    time.Duration
	// Sample is the length of one sample (a minute).
	Sample time.Duration
	// Rate is the load's rate; 0 measures the capacity first and takes half.
	Rate int
	// CapacityRates is the rising series that measures the capacity.
	CapacityRates []int
	CapacityStep  time.Duration
	Log           io.Writer
}

// SoakSample is one sample: the load's summary over it and the server's
// state at its end.
type SoakSample struct {
	Minute     int     `json:"minute"`
	Requests   int     `json:"requests"`
	Errors     int     `json:"errors"`
	FirstError string  `json:"first_error,omitempty"`
	P95        float64 `json:"p95_ms"`
	Achieved   float64 `json:"achieved"`
	RSSMB      float64 `json:"rss_mb"`
	Goroutines float64 `json:"goroutines"`
}

// SoakResult is a soak run.
type SoakResult struct {
	Date      string       `json:"date"`
	Dialect   string       `json:"dialect"`
	DBVersion string       `json:"db_version,omitempty"`
	Machine   Machine      `json:"machine"`
	Scale     float64      `json:"scale"`
	Duration  string       `json:"duration"`
	Capacity  float64      `json:"capacity"` // 0 when the rate was given
	Rate      int          `json:"rate"`
	Samples   []SoakSample `json:"samples"`
	Errors    int          `json:"errors"`
	Requests  int          `json:"requests"`
	Flat      Flatness     `json:"flat"`
}

// Flatness compares the last third of the samples with the first.
type Flatness struct {
	RSS, Goroutines, P95 Trend
	OK                   bool
}

// Trend is one measure's first-third and last-third means and whether the
// rise stays within the tolerance.
type Trend struct {
	First, Last float64
	Flat        bool
}

// The tolerances of "flat": the last third's mean may exceed the first
// third's by this factor plus this amount (caches filling, a few pooled
// connections, the planner's noise).
const (
	soakRSSFactor, soakRSSPlusMB = 1.25, 16
	soakGoFactor, soakGoPlus     = 1.25, 10
	soakP95Factor, soakP95PlusMS = 1.5, 5
)

// JudgeFlat compares the last third of the samples with the first third.
func JudgeFlat(s []SoakSample) Flatness {
	n := len(s) / 3
	if n == 0 {
		n = 1
	}
	if len(s) == 0 {
		return Flatness{}
	}
	mean := func(part []SoakSample, f func(SoakSample) float64) float64 {
		t := 0.0
		for _, x := range part {
			t += f(x)
		}
		return round(t/float64(len(part)), 1)
	}
	trend := func(f func(SoakSample) float64, factor, plus float64) Trend {
		t := Trend{First: mean(s[:n], f), Last: mean(s[len(s)-n:], f)}
		t.Flat = t.Last <= t.First*factor+plus
		return t
	}
	fl := Flatness{
		RSS:        trend(func(x SoakSample) float64 { return x.RSSMB }, soakRSSFactor, soakRSSPlusMB),
		Goroutines: trend(func(x SoakSample) float64 { return x.Goroutines }, soakGoFactor, soakGoPlus),
		P95:        trend(func(x SoakSample) float64 { return x.P95 }, soakP95Factor, soakP95PlusMS),
	}
	fl.OK = fl.RSS.Flat && fl.Goroutines.Flat && fl.P95.Flat
	return fl
}

// OK: no error and flat.
func (r *SoakResult) OK() bool { return r.Errors == 0 && r.Flat.OK && len(r.Samples) > 0 }

// RunSoak runs the soak on one database.
func RunSoak(ctx context.Context, o SoakOptions) (*SoakResult, error) {
	bo := Options{Binary: o.Binary, Dialects: []string{o.Dialect}, Scale: o.Scale, PostgresURL: o.PostgresURL, Log: o.Log}
	rn := &run{o: bo, dialect: o.Dialect, users: map[string]*user{}}
	rn.r = &Result{Machine: ReadMachine(), Timings: map[string]float64{}}
	var err error
	if rn.tmp, err = os.MkdirTemp("", "tongxin-soak-"); err != nil {
		return nil, err
	}
	defer rn.cleanup()
	c := &chaos{run: rn, suite: "soak", o: ChaosOptions{Log: o.Log}, http: &http.Client{Timeout: 30 * time.Second}}
	res := &SoakResult{Date: time.Now().UTC().Format("2006-01-02"), Dialect: o.Dialect, Machine: rn.r.Machine, Scale: o.Scale,
		Duration: o.Duration.String()}
	for _, step := range []struct {
		name string
		fn   func(context.Context) error
	}{{"database", rn.createDatabase}, {"seed", rn.seed}, {"accounts", c.accounts}, {"serve", c.serve}, {"sign in", c.signInSecretary}} {
		c.logf("%s…", step.name)
		if err := step.fn(ctx); err != nil {
			return nil, fmt.Errorf("%s: %w", step.name, err)
		}
	}
	res.DBVersion = rn.r.DBVersion
	tr, err := c.soakTargets(ctx)
	if err != nil {
		return nil, err
	}
	res.Rate = o.Rate
	if res.Rate == 0 {
		best := Rising(ctx, o.CapacityRates, MixedP95MS, func(rate int) Summary {
			s := Attack(ctx, tr.next, rate, o.CapacityStep, nil, tr.onResult)
			c.logf("capacity: %d req/s: achieved %.0f, p95 %.1f ms, %d errors", rate, s.Achieved, s.P95, s.Errors)
			rest(ctx)
			return s
		})
		if best.Best == 0 {
			return nil, fmt.Errorf("no rate of %v passed (p95 ≤ %.0f ms, no error): %+v", o.CapacityRates, MixedP95MS, best.Steps)
		}
		res.Capacity = best.Best
		res.Rate = max(1, int(best.Best/2))
	}
	c.logf("soak at %d req/s for %v (samples of %v)", res.Rate, o.Duration, o.Sample)
	pid := rn.server.Process.Pid
	for i := 1; time.Duration(i-1)*o.Sample < o.Duration && ctx.Err() == nil; i++ {
		s := Attack(ctx, tr.next, res.Rate, o.Sample, nil, tr.onResult)
		sm := SoakSample{Minute: i, Requests: s.Requests, Errors: s.Errors, FirstError: s.FirstError, P95: s.P95, Achieved: s.Achieved}
		m, err := c.metrics(ctx)
		if err != nil {
			return nil, err
		}
		sm.Goroutines = m["go_goroutines"]
		sm.RSSMB = round(m["process_resident_memory_bytes"]/(1<<20), 1)
		if sm.RSSMB == 0 {
			sm.RSSMB, _ = RSS(pid)
		}
		res.Samples = append(res.Samples, sm)
		res.Errors += s.Errors
		res.Requests += s.Requests
		c.logf("sample %d: %d requests, %d errors, p95 %.1f ms, RSS %.1f MB, %.0f goroutines", i, sm.Requests, sm.Errors, sm.P95, sm.RSSMB, sm.Goroutines)
	}
	res.Flat = JudgeFlat(res.Samples)
	return res, ctx.Err()
}

// signInSecretary gives the secretary a session for the page reads.
func (c *chaos) signInSecretary(ctx context.Context) error {
	return c.signIn(ctx, c.users[model.RoleAllianceSecretary])
}

// soakTargeter is the load: 16 reads, 2 needs created, 1 claim made and 1
// withdrawn in every 20 requests (the resource's capacity is never used
// up: a withdrawn claim gives nothing back because it was never accepted).
type soakTargeter struct {
	mu              sync.Mutex
	n               int
	reads           []vegeta.Target
	need, claim     func(i int) vegeta.Target
	withdraw        func(c pendingClaim) vegeta.Target
	created         []pendingClaim
	needsW, claimsW int
}

func (t *soakTargeter) next(tg *vegeta.Target) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch slot := t.n % 20; {
	case slot < 16:
		*tg = t.reads[t.n%len(t.reads)]
	case slot < 18:
		*tg = t.need(t.needsW)
		t.needsW++
	case slot == 18 || len(t.created) == 0:
		*tg = t.claim(t.claimsW)
		t.claimsW++
	default:
		*tg = t.withdraw(t.created[0])
		t.created = t.created[1:]
	}
	t.n++
	return nil
}

func (t *soakTargeter) onResult(res *vegeta.Result) {
	if res.Method != http.MethodPost || res.Code != http.StatusCreated || !strings.HasSuffix(res.URL, "/api/v1/claims") {
		return
	}
	var o obj
	if json.Unmarshal(res.Body, &o) == nil && o.ID > 0 {
		t.mu.Lock()
		t.created = append(t.created, pendingClaim{o.ID, o.Version})
		t.mu.Unlock()
	}
}

// soakTargets builds the load over a resource of its own.
func (c *chaos) soakTargets(ctx context.Context) (*soakTargeter, error) {
	sec := c.users[model.RoleAllianceSecretary]
	base := c.base.Load().(string)
	t := &soakTargeter{}
	for _, p := range []string{"/", "/needs", "/resources", "/projects", "/claims", fmt.Sprintf("/alliances/%d", c.alliance)} {
		t.reads = append(t.reads, vegeta.Target{Method: http.MethodGet, URL: base + p, Header: sec.header})
	}
	for _, r := range t.reads {
		code, body, err := c.get(ctx, http.DefaultClient, r.Header, strings.TrimPrefix(r.URL, base))
		if err != nil || code != http.StatusOK {
			return nil, fmt.Errorf("GET %s answered %d (%v): %.200s", r.URL, code, err, body)
		}
	}
	r, err := c.must(ctx, c.sec, http.MethodPost, "/api/v1/resources", map[string]any{"alliance_id": c.alliance, "provider_unit_id": c.members[0],
		"title": "长稳测试资源", "kind": c.kind, "capacity": 1_000_000, "measure": c.measure, "visibility": "alliance"})
	if err != nil {
		return nil, err
	}
	if _, err := c.must(ctx, c.sec, http.MethodPost, fmt.Sprintf("/api/v1/resources/%d/publish", r.ID), map[string]any{"version": r.Version}); err != nil {
		return nil, err
	}
	t.need = func(i int) vegeta.Target {
		body, _ := json.Marshal(map[string]any{"alliance_id": c.alliance, "submitter_unit_id": c.members[i%len(c.members)],
			"title": "长稳测试需求 " + strconv.Itoa(i), "category": c.category, "quantity": 5, "measure": c.measure, "visibility": "alliance"})
		return vegeta.Target{Method: http.MethodPost, URL: base + "/api/v1/needs", Body: body, Header: c.sec}
	}
	t.claim = func(i int) vegeta.Target {
		body, _ := json.Marshal(map[string]any{"target": "resource", "resource_id": r.ID, "claimant_unit_id": c.claimant, "quantity": 1,
			"note": "长稳测试 " + strconv.Itoa(i)})
		return vegeta.Target{Method: http.MethodPost, URL: base + "/api/v1/claims", Body: body, Header: c.con}
	}
	t.withdraw = func(p pendingClaim) vegeta.Target {
		return vegeta.Target{Method: http.MethodPost, URL: fmt.Sprintf("%s/api/v1/claims/%d/withdraw", base, p.id),
			Body: []byte(fmt.Sprintf(`{"version": %d}`, p.version)), Header: c.con}
	}
	return t, nil
}

// metrics reads the gauges of /metrics.
func (c *chaos) metrics(ctx context.Context) (map[string]float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base.Load().(string)+"/metrics", nil)
	if err != nil {
		return nil, err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /metrics answered %d", res.StatusCode)
	}
	return ParseGauges(res.Body, "go_goroutines", "process_resident_memory_bytes")
}

// ParseGauges reads the named unlabelled samples of a Prometheus text page.
func ParseGauges(r io.Reader, names ...string) (map[string]float64, error) {
	out := map[string]float64{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 || strings.HasPrefix(f[0], "#") {
			continue
		}
		for _, n := range names {
			if f[0] == n {
				v, err := strconv.ParseFloat(f[1], 64)
				if err != nil {
					return nil, fmt.Errorf("%s: %w", n, err)
				}
				out[n] = v
			}
		}
	}
	return out, sc.Err()
}

// SoakMarkdown is the soak's figure for docs/reliability.md.
func SoakMarkdown(r *SoakResult, note string) string {
	var b strings.Builder
	db := r.Dialect
	if r.DBVersion != "" {
		db += " " + r.DBVersion
	}
	fmt.Fprintf(&b, "Latest run %s on %s, %s, scale %g, %s", r.Date, MachineLine(r.Machine), db, r.Scale, r.Duration)
	if r.Capacity > 0 {
		fmt.Fprintf(&b, " at %d req/s (half the measured capacity of %.0f req/s)", r.Rate, r.Capacity)
	} else {
		fmt.Fprintf(&b, " at %d req/s (SOAK_RATE)", r.Rate)
	}
	b.WriteString(".")
	if note != "" {
		b.WriteString(" " + note)
	}
	verdict := func(t Trend, unit string) string {
		s := "flat"
		if !t.Flat {
			s = "**not flat**"
		}
		return fmt.Sprintf("%s (first third %.1f%s, last third %.1f%s)", s, t.First, unit, t.Last, unit)
	}
	fmt.Fprintf(&b, "\n\n**Errors = %d** of %d requests. Memory %s; goroutines %s; p95 %s.\n\n", r.Errors, r.Requests,
		verdict(r.Flat.RSS, " MB"), verdict(r.Flat.Goroutines, ""), verdict(r.Flat.P95, " ms"))
	b.WriteString("| Sample | Requests | Errors | p95 ms | Achieved req/s | RSS MB | Goroutines |\n|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, s := range r.Samples {
		fmt.Fprintf(&b, "| %d | %d | %d | %.1f | %.1f | %.1f | %.0f |\n", s.Minute, s.Requests, s.Errors, s.P95, s.Achieved, s.RSSMB, s.Goroutines)
	}
	return b.String()
}
