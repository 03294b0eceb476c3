package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"tongxin/internal/model"
)

// mixMix says what the mixed load sends.
const mixMix = "(80 % reads of the list and detail pages above; 20 % writes through the JSON API: 10 % progress updates, 5 % claims created, 5 % claims withdrawn)"

// mixed raises the rate of a load of 80 % reads and 20 % writes until a
// step fails (an error, p95 over 100 ms, or the rate not achieved).
func (rn *run) mixed(ctx context.Context) error {
	sec, con := rn.users[model.RoleAllianceSecretary], rn.users[model.RoleUnitContact]
	var reads []vegeta.Target
	for _, p := range rn.r.Pages {
		if p.NotBuilt || p.Error != "" || p.Aux || p.Group != "" {
			continue
		}
		for _, u := range rn.users {
			if u.Username == p.User {
				reads = append(reads, vegeta.Target{Method: http.MethodGet, URL: rn.base + p.Path, Header: rn.headers(u, p.Via)})
			}
		}
	}
	if len(reads) == 0 {
		return fmt.Errorf("no page to read")
	}
	// Progress updates: the secretary's alliance's projects under way.
	_, alliance, err := model.ParseDomain(sec.Domain)
	if err != nil {
		return err
	}
	var projects []int64
	for _, st := range []string{model.ProjectInProgress, model.ProjectApproved} {
		p, err := rn.apiList(ctx, sec, fmt.Sprintf("/api/v1/projects?alliance_id=%d&status=%s&limit=50", alliance, st))
		if err != nil {
			return err
		}
		projects = append(projects, p.IDs()...)
	}
	if len(projects) == 0 {
		return fmt.Errorf("the secretary %s has no project under way to update", sec.Username)
	}
	update := func(i int) vegeta.Target {
		body := fmt.Sprintf(`{"percent": %d, "text": "基准测试进展 %d"}`, 10+i%90, i)
		return vegeta.Target{Method: http.MethodPost, URL: fmt.Sprintf("%s/api/v1/projects/%d/updates", rn.base, projects[i%len(projects)]),
			Body: []byte(body), Header: sec.bearer}
	}
	// Claims: the contact's unit claims published needs of other units.
	_, unit, err := model.ParseDomain(con.Domain)
	if err != nil {
		return err
	}
	np, err := rn.apiList(ctx, con, "/api/v1/needs?status="+model.NeedPublished+"&limit=100")
	if err != nil {
		return err
	}
	var needs []int64
	for _, raw := range np.Items {
		var n struct {
			ID     int64 `json:"id"`
			UnitID int64 `json:"submitter_unit_id"`
		}
		if json.Unmarshal(raw, &n) == nil && n.UnitID != unit {
			needs = append(needs, n.ID)
		}
	}
	if len(needs) == 0 {
		return fmt.Errorf("the contact %s sees no need of another unit to claim", con.Username)
	}
	create := func(i int) vegeta.Target {
		body := fmt.Sprintf(`{"target": "need", "need_id": %d, "claimant_unit_id": %d, "quantity": 1, "note": "基准测试"}`, needs[i%len(needs)], unit)
		return vegeta.Target{Method: http.MethodPost, URL: rn.base + "/api/v1/claims", Body: []byte(body), Header: con.bearer}
	}
	withdraw := func(id int64) vegeta.Target {
		return vegeta.Target{Method: http.MethodPost, URL: fmt.Sprintf("%s/api/v1/claims/%d/withdraw", rn.base, id), Body: []byte(`{}`),
			Header: con.bearer}
	}
	// Check that each kind of write is accepted before loading.
	for _, t := range []vegeta.Target{update(0), create(0)} {
		code, body, err := rn.send(ctx, t)
		if err != nil || code/100 != 2 {
			return fmt.Errorf("%s %s answered %d (%v): %.200s", t.Method, t.URL, code, err, body)
		}
		if strings.HasSuffix(t.URL, "/claims") {
			var c struct {
				ID int64 `json:"id"`
			}
			_ = json.Unmarshal(body, &c)
			w := withdraw(c.ID)
			if code, body, err := rn.send(ctx, w); err != nil || code != http.StatusOK {
				return fmt.Errorf("%s %s answered %d (%v): %.200s", w.Method, w.URL, code, err, body)
			}
		}
	}
	rn.r.MixedMix = mixMix

	res := Rising(ctx, rn.o.MixedRates, MixedP95MS, func(rate int) Summary {
		rn.o.logf("%s: mixed load at %d req/s", rn.dialect, rate)
		var mu sync.Mutex
		var n, r, w int
		var created []int64
		tr := func(t *vegeta.Target) error {
			mu.Lock()
			defer mu.Unlock()
			var next vegeta.Target
			switch slot := n % 20; {
			case slot < 16:
				next = reads[r%len(reads)]
				r++
			case slot < 18:
				next = update(w)
				w++
			case slot == 18 || len(created) == 0:
				next = create(w)
				w++
			default:
				next = withdraw(created[0])
				created = created[1:]
			}
			n++
			*t = next
			return nil
		}
		onResult := func(res *vegeta.Result) {
			if res.Method != http.MethodPost || res.Code != http.StatusCreated || !strings.HasSuffix(res.URL, "/api/v1/claims") {
				return
			}
			var c struct {
				ID int64 `json:"id"`
			}
			if json.Unmarshal(res.Body, &c) == nil && c.ID > 0 {
				mu.Lock()
				created = append(created, c.ID)
				mu.Unlock()
			}
		}
		s := Attack(ctx, tr, rate, rn.o.Step, nil, onResult)
		rest(ctx)
		return s
	})
	rn.r.Mixed = &res
	return nil
}

// send makes one request of a target.
func (rn *run) send(ctx context.Context, t vegeta.Target) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, t.Method, t.URL, bytes.NewReader(t.Body))
	if err != nil {
		return 0, nil, err
	}
	req.Header = t.Header.Clone()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	return res.StatusCode, body, err
}
