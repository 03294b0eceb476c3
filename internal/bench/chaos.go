package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"tongxin/internal/model"
	"tongxin/internal/store"
)

// The crash suite (`make chaos`): on each database, `tongxin serve` runs as
// a child process while many clients write through the JSON API — needs,
// projects created and submitted (each submission takes the next code of
// its district and year), claims on capacity-limited resources and their
// acceptance — and the harness kills the server with SIGKILL at random
// moments, restarts it, and goes on. At the end every acknowledged write
// (2xx with its id) must be in the database with its audit rows, and the
// invariants must hold (CheckChaos).

// ChaosOptions configure a crash run.
type ChaosOptions struct {
	Binary      string
	Dialects    []string
	PostgresURL string
	// Kills is the number of SIGKILLs (at least 10 for the figure).
	Kills int
	// Clients is the number of concurrent writers.
	Clients int
	// MinGap and MaxGap bound the random time between a restart and the next kill.
	MinGap, MaxGap time.Duration
	Scale          float64
	Log            io.Writer
}

// ChaosResult is one database's run.
type ChaosResult struct {
	Date      string         `json:"date"`
	Dialect   string         `json:"dialect"`
	DBVersion string         `json:"db_version,omitempty"`
	Machine   Machine        `json:"machine"`
	Kills     int            `json:"kills"`
	Clients   int            `json:"clients"`
	Acked     int            `json:"writes_acknowledged"`
	ByAction  map[string]int `json:"by_action"`
	Failed    int            `json:"requests_failed"` // refused or cut by a kill: not acknowledged, not counted
	Seconds   float64        `json:"seconds"`
	Verdict   Verdict        `json:"verdict"`
}

// Figure is the one-line figure of a run.
func (r *ChaosResult) Figure() string {
	return fmt.Sprintf("%s: lost = %d (writes acknowledged %d, kills %d, missing audit rows %d, invariant violations %d)",
		r.Dialect, r.Verdict.Lost, r.Acked, r.Kills, r.Verdict.MissingAudit, r.Verdict.Violations)
}

// RunChaos runs the crash suite on each dialect.
func RunChaos(ctx context.Context, o ChaosOptions) ([]*ChaosResult, error) {
	var out []*ChaosResult
	for _, d := range o.Dialects {
		r, err := runChaos(ctx, o, d)
		if err != nil {
			if errors.Is(err, errSkip) {
				fmt.Fprintf(o.Log, "chaos: %s: skipped: %v\n", d, err)
				continue
			}
			return out, fmt.Errorf("%s: %w", d, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// chaos is the state of one dialect's run.
type chaos struct {
	*run
	suite    string // for the log: chaos or soak
	o        ChaosOptions
	base     atomic.Value // string: the server's address changes at each restart
	http     *http.Client
	sec, con http.Header // bearer tokens of the secretary and the contact
	alliance int64
	members  []int64 // the alliance's current member units (leads, needs, providers)
	claimant int64   // the contact's unit
	category string
	measure  string
	kind     string // a resource kind
	year     int

	mu        sync.Mutex
	acks      []Ack
	failed    int
	pending   []pendingClaim
	resources []int64 // available resources to claim
	made      int     // resources created
}

type pendingClaim struct {
	id      int64
	version int
}

func runChaos(ctx context.Context, o ChaosOptions, dialect string) (*ChaosResult, error) {
	bo := Options{Binary: o.Binary, Dialects: []string{dialect}, Scale: o.Scale, PostgresURL: o.PostgresURL, Log: o.Log}
	rn := &run{o: bo, dialect: dialect, users: map[string]*user{}}
	rn.r = &Result{Machine: ReadMachine(), Timings: map[string]float64{}}
	var err error
	if rn.tmp, err = os.MkdirTemp("", "tongxin-chaos-"); err != nil {
		return nil, err
	}
	defer rn.cleanup()
	c := &chaos{run: rn, suite: "chaos", o: o, http: &http.Client{Timeout: 20 * time.Second}}
	res := &ChaosResult{Date: time.Now().UTC().Format("2006-01-02"), Dialect: dialect, Machine: rn.r.Machine, Clients: o.Clients,
		ByAction: map[string]int{}}
	start := time.Now()
	for _, step := range []struct {
		name string
		fn   func(context.Context) error
	}{{"database", rn.createDatabase}, {"seed", rn.seed}, {"accounts", c.accounts}, {"serve", c.serve}, {"setup", c.setup}} {
		c.logf("%s…", step.name)
		if err := step.fn(ctx); err != nil {
			return nil, fmt.Errorf("%s: %w", step.name, err)
		}
	}
	res.DBVersion = rn.r.DBVersion

	// The writers run until stop; the killer kills and restarts.
	wctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for i := range o.Clients {
		wg.Add(1)
		go func() { defer wg.Done(); c.writer(wctx, i) }()
	}
	r := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 15))
	var kerr error
	for k := range o.Kills {
		gap := o.MinGap + time.Duration(r.Int64N(int64(o.MaxGap-o.MinGap)+1))
		select {
		case <-ctx.Done():
			kerr = ctx.Err()
		case <-time.After(gap):
		}
		if kerr != nil {
			break
		}
		c.mu.Lock()
		acked := len(c.acks)
		c.mu.Unlock()
		if err := rn.server.Process.Kill(); err != nil {
			kerr = err
			break
		}
		_ = rn.server.Wait()
		rn.server = nil
		res.Kills++
		c.logf("kill %d of %d after %v (%d writes acknowledged so far)", k+1, o.Kills, gap.Round(time.Millisecond), acked)
		if err := c.serve(ctx); err != nil {
			kerr = fmt.Errorf("restart after kill %d: %w", k+1, err)
			break
		}
	}
	// A last stretch after the last restart, then the writers stop.
	if kerr == nil {
		time.Sleep(o.MinGap)
	}
	stop()
	wg.Wait()
	if kerr != nil {
		return nil, kerr
	}
	rn.stopServer()

	db, err := store.Open(ctx, store.Options{Dialect: dialect, DSN: strings.TrimPrefix(rn.dbURL, "sqlite:")})
	if err != nil {
		return nil, err
	}
	defer db.Close()
	obs, err := Observe(ctx, db.SQL())
	if err != nil {
		return nil, err
	}
	res.Verdict = CheckChaos(c.acks, obs)
	res.Acked, res.Failed = len(c.acks), c.failed
	for _, a := range c.acks {
		res.ByAction[a.Kind+"."+a.Action]++
	}
	res.Seconds = round(time.Since(start).Seconds(), 1)
	return res, nil
}

func (c *chaos) logf(format string, args ...any) {
	if c.o.Log != nil {
		fmt.Fprintf(c.o.Log, "%s: %s: "+format+"\n", append([]any{c.suite, c.dialect}, args...)...)
	}
}

// serve starts the server (bench's serve) and publishes its address.
func (c *chaos) serve(ctx context.Context) error {
	if err := c.run.serve(ctx); err != nil {
		return err
	}
	c.base.Store(c.run.base)
	return nil
}

// accounts picks the generated secretary, the contact of another member
// unit of its alliance, and the data the writes need, from the database,
// and gives both a personal API token.
func (c *chaos) accounts(ctx context.Context) error {
	sec := c.users[model.RoleAllianceSecretary]
	if sec == nil {
		return fmt.Errorf("the generator printed no secretary")
	}
	_, alliance, err := model.ParseDomain(sec.Domain)
	if err != nil {
		return err
	}
	c.alliance = alliance
	db, err := store.Open(ctx, store.Options{Dialect: c.dialect, DSN: strings.TrimPrefix(c.dbURL, "sqlite:")})
	if err != nil {
		return err
	}
	defer db.Close()
	q := db.SQL()
	rows, err := q.QueryContext(ctx, bind(c.dialect, "SELECT unit_id FROM memberships WHERE alliance_id = ? AND left_on IS NULL ORDER BY unit_id"), alliance)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		c.members = append(c.members, id)
	}
	rows.Close()
	if len(c.members) < 2 {
		return fmt.Errorf("alliance %d has %d members; the run needs two", alliance, len(c.members))
	}
	// The contact: of the last member unit (the providers are the others).
	var contact string
	err = q.QueryRowContext(ctx, bind(c.dialect, `SELECT u.username, ra.domain FROM role_assignments ra JOIN users u ON u.id = ra.user_id
		WHERE ra.role = ? AND ra.domain = ? AND ra.valid_until IS NULL AND u.status = 'active' ORDER BY u.id LIMIT 1`),
		model.RoleUnitContact, model.DomainOf(model.DomainUnit, c.members[len(c.members)-1])).Scan(&contact, new(string))
	if err != nil {
		return fmt.Errorf("no contact of unit %d: %w", c.members[len(c.members)-1], err)
	}
	c.claimant = c.members[len(c.members)-1]
	c.members = c.members[:len(c.members)-1]
	if err := q.QueryRowContext(ctx, "SELECT category, measure FROM needs ORDER BY id LIMIT 1").Scan(&c.category, &c.measure); err != nil {
		return fmt.Errorf("a need's category: %w", err)
	}
	if err := q.QueryRowContext(ctx, "SELECT kind FROM resources WHERE kind <> 'venue' ORDER BY id LIMIT 1").Scan(&c.kind); err != nil {
		return fmt.Errorf("a resource kind: %w", err)
	}
	c.year = db.Now().Year()
	for _, who := range []struct {
		name string
		h    *http.Header
	}{{sec.Username, &c.sec}, {contact, &c.con}} {
		out, err := c.child(ctx, "token", "create", "--user", who.name, "--name", "chaos", "--expires", "1d")
		if err != nil {
			return err
		}
		*who.h = http.Header{"Authorization": {"Bearer " + strings.TrimSpace(out)}, "Content-Type": {"application/json"},
			"Accept": {"application/json"}}
	}
	c.logf("secretary %s (alliance %d, %d member units), contact %s (unit %d)", sec.Username, alliance, len(c.members), contact, c.claimant)
	return nil
}

// obj is what a write answers.
type obj struct {
	ID      int64   `json:"id"`
	Version int     `json:"version"`
	Code    *string `json:"code"`
	Status  string  `json:"status"`
}

// call sends one JSON request to the current server.
func (c *chaos) call(ctx context.Context, h http.Header, method, path string, body any) (int, obj, []byte, error) {
	js, err := json.Marshal(body)
	if err != nil {
		return 0, obj{}, nil, err
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base.Load().(string)+path, bytes.NewReader(js))
	if err != nil {
		return 0, obj{}, nil, err
	}
	req.Header = h.Clone()
	res, err := c.http.Do(req)
	if err != nil {
		return 0, obj{}, nil, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return res.StatusCode, obj{}, raw, err // cut mid-answer: not acknowledged
	}
	var o obj
	if res.StatusCode/100 == 2 {
		if err := json.Unmarshal(raw, &o); err != nil || o.ID == 0 {
			return res.StatusCode, o, raw, fmt.Errorf("a 2xx without an id: %.200s", raw)
		}
	}
	return res.StatusCode, o, raw, nil
}

// must is a setup write: it has to succeed.
func (c *chaos) must(ctx context.Context, h http.Header, method, path string, body any) (obj, error) {
	code, o, raw, err := c.call(ctx, h, method, path, body)
	if err != nil || code/100 != 2 {
		return o, fmt.Errorf("%s %s answered %d (%v): %.300s", method, path, code, err, raw)
	}
	return o, nil
}

func (c *chaos) ack(a Ack) {
	c.mu.Lock()
	c.acks = append(c.acks, a)
	c.mu.Unlock()
}

// setup checks each kind of write once (a clear error, not a run of
// failures) and makes the first resources.
func (c *chaos) setup(ctx context.Context) error {
	for range 3 {
		if err := c.newResource(ctx); err != nil {
			return err
		}
	}
	for _, op := range []func(context.Context) error{c.createNeed, c.createProject, c.createClaim, c.acceptClaim, c.createTerm} {
		if err := op(ctx); err != nil {
			return err
		}
	}
	return nil
}

// resourceCapacity is each resource's capacity; claims ask for 1–3, so the
// accepted sum comes close to it and parallel accepts race for the rest.
const resourceCapacity = 25

func (c *chaos) newResource(ctx context.Context) error {
	c.mu.Lock()
	c.made++
	n := c.made
	c.mu.Unlock()
	provider := c.members[n%len(c.members)]
	r, err := c.must(ctx, c.sec, http.MethodPost, "/api/v1/resources", map[string]any{"alliance_id": c.alliance, "provider_unit_id": provider,
		"title": fmt.Sprintf("崩溃测试资源 %d", n), "kind": c.kind, "capacity": resourceCapacity, "measure": c.measure, "visibility": "alliance"})
	if err != nil {
		return err
	}
	c.ack(Ack{Kind: "resource", ID: r.ID, Action: "create"})
	p, err := c.must(ctx, c.sec, http.MethodPost, fmt.Sprintf("/api/v1/resources/%d/publish", r.ID), map[string]any{"version": r.Version})
	if err != nil {
		return err
	}
	c.ack(Ack{Kind: "resource", ID: p.ID, Action: "publish"})
	c.mu.Lock()
	c.resources = append(c.resources, r.ID)
	c.mu.Unlock()
	return nil
}

func (c *chaos) createNeed(ctx context.Context) error {
	n, err := c.must(ctx, c.sec, http.MethodPost, "/api/v1/needs", map[string]any{"alliance_id": c.alliance,
		"submitter_unit_id": c.members[rand.IntN(len(c.members))], "title": "崩溃测试需求", "category": c.category,
		"quantity": 5, "measure": c.measure, "visibility": "alliance"})
	if err != nil {
		return err
	}
	c.ack(Ack{Kind: "need", ID: n.ID, Action: "create"})
	return nil
}

func (c *chaos) createProject(ctx context.Context) error {
	today := time.Now().UTC()
	p, err := c.must(ctx, c.sec, http.MethodPost, "/api/v1/projects", map[string]any{"alliance_id": c.alliance,
		"lead_unit_id": c.members[rand.IntN(len(c.members))], "title": "崩溃测试项目", "summary": "在写入时被强行终止的服务器",
		"category": c.category, "year": c.year, "starts_on": today.AddDate(0, 0, 10).Format(time.DateOnly),
		"ends_on": today.AddDate(0, 0, 100).Format(time.DateOnly), "budget_fen": 1000000, "target_beneficiaries": 20})
	if err != nil {
		return err
	}
	c.ack(Ack{Kind: "project", ID: p.ID, Action: "create"})
	s, err := c.must(ctx, c.sec, http.MethodPost, fmt.Sprintf("/api/v1/projects/%d/submit", p.ID), map[string]any{"version": p.Version})
	if err != nil {
		return err
	}
	if s.Code == nil || *s.Code == "" {
		return fmt.Errorf("project %d submitted without a code", p.ID)
	}
	c.ack(Ack{Kind: "project", ID: s.ID, Action: "submit", Code: *s.Code})
	return nil
}

// errExhausted: the resource has no capacity left (a new one is made).
var errExhausted = errors.New("exhausted")

func (c *chaos) createClaim(ctx context.Context) error {
	c.mu.Lock()
	if len(c.resources) == 0 {
		c.mu.Unlock()
		return errExhausted
	}
	res := c.resources[rand.IntN(len(c.resources))]
	c.mu.Unlock()
	code, cl, raw, err := c.call(ctx, c.con, http.MethodPost, "/api/v1/claims", map[string]any{"target": "resource", "resource_id": res,
		"claimant_unit_id": c.claimant, "quantity": 1 + rand.IntN(3), "note": "崩溃测试"})
	if err == nil && (code == http.StatusConflict || code == http.StatusUnprocessableEntity) {
		// Not enough left: drop the resource and make a new one.
		c.mu.Lock()
		for i, id := range c.resources {
			if id == res {
				c.resources = append(c.resources[:i], c.resources[i+1:]...)
				break
			}
		}
		c.mu.Unlock()
		return errExhausted
	}
	if err != nil || code/100 != 2 {
		return fmt.Errorf("POST /api/v1/claims answered %d (%v): %.300s", code, err, raw)
	}
	c.ack(Ack{Kind: "claim", ID: cl.ID, Action: "create"})
	c.mu.Lock()
	c.pending = append(c.pending, pendingClaim{cl.ID, cl.Version})
	c.mu.Unlock()
	return nil
}

func (c *chaos) acceptClaim(ctx context.Context) error {
	c.mu.Lock()
	if len(c.pending) == 0 {
		c.mu.Unlock()
		return nil
	}
	p := c.pending[0]
	c.pending = c.pending[1:]
	c.mu.Unlock()
	code, a, raw, err := c.call(ctx, c.sec, http.MethodPost, fmt.Sprintf("/api/v1/claims/%d/accept", p.id), map[string]any{"version": p.version})
	if err == nil && code == http.StatusConflict {
		return nil // over capacity: refused, as it must be
	}
	if err != nil || code/100 != 2 {
		return fmt.Errorf("accept claim %d answered %d (%v): %.300s", p.id, code, err, raw)
	}
	if a.Status != model.ClaimAccepted {
		return fmt.Errorf("accept claim %d answered status %q", p.id, a.Status)
	}
	c.ack(Ack{Kind: "claim", ID: a.ID, Action: "accept", Status: model.ClaimAccepted})
	return nil
}

// createTerm asks for a rotation term (轮值) of a member unit in a random
// slot of the coming years: terms of 7–20 days starting on random days, so
// that concurrent requests often overlap and the server must refuse all
// but one (409). Only a 201 is acknowledged.
func (c *chaos) createTerm(ctx context.Context) error {
	start := time.Now().UTC().AddDate(0, 0, 60+rand.IntN(700))
	end := start.AddDate(0, 0, 6+rand.IntN(14))
	code, t, raw, err := c.call(ctx, c.sec, http.MethodPost, "/api/v1/rotation-terms", map[string]any{"alliance_id": c.alliance,
		"unit_id": c.members[rand.IntN(len(c.members))], "starts_on": start.Format(time.DateOnly), "ends_on": end.Format(time.DateOnly)})
	if err == nil && code == http.StatusConflict {
		return nil // overlaps a term: refused, as it must be
	}
	if err != nil || code/100 != 2 {
		return fmt.Errorf("POST /api/v1/rotation-terms answered %d (%v): %.300s", code, err, raw)
	}
	c.ack(Ack{Kind: "rotation_term", ID: t.ID, Action: "create"})
	return nil
}

// writer sends writes until ctx ends: 20 % needs, 15 % projects (create and
// submit), 30 % claims, 20 % accepts, 15 % rotation terms. A failed request (the server killed,
// restarting) is counted and the writer goes on after a short pause.
func (c *chaos) writer(ctx context.Context, i int) {
	r := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), uint64(i)))
	for ctx.Err() == nil {
		var err error
		switch n := r.IntN(100); {
		case n < 20:
			err = c.createNeed(ctx)
		case n < 35:
			err = c.createProject(ctx)
		case n < 50:
			err = c.createTerm(ctx)
		case n < 80:
			if err = c.createClaim(ctx); errors.Is(err, errExhausted) {
				err = c.newResource(ctx)
			}
		default:
			err = c.acceptClaim(ctx)
		}
		if err != nil && ctx.Err() == nil {
			c.mu.Lock()
			c.failed++
			c.mu.Unlock()
			time.Sleep(time.Duration(20+r.IntN(80)) * time.Millisecond)
		}
	}
}

// bind numbers the ? placeholders $1, $2 … on Postgres.
func bind(dialect, q string) string {
	if dialect != store.Postgres {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
