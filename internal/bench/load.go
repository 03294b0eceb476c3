package bench

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Conns is the number of connections (and vegeta workers) of every attack:
// DESIGN.md's targets are "with 2 connections on 2 cores".
const Conns = 2

// Attack sends requests from tr at rate per second for d with Conns
// connections to 127.0.0.1 and summarises the answers. ok tells a good
// answer (nil: any 2xx); onResult, when set, sees every result (to pick
// the id of a created row, say). It stops early when ctx ends.
func Attack(ctx context.Context, tr vegeta.Targeter, rate int, d time.Duration, ok func(*vegeta.Result) bool,
	onResult func(*vegeta.Result)) Summary {
	if ok == nil {
		ok = func(r *vegeta.Result) bool { return r.Error == "" && r.Code >= 200 && r.Code < 300 }
	}
	atk := vegeta.NewAttacker(
		vegeta.Workers(Conns), vegeta.MaxWorkers(Conns),
		vegeta.Connections(Conns), vegeta.MaxConnections(Conns),
		vegeta.KeepAlive(true), vegeta.Redirects(vegeta.NoFollow),
		vegeta.Timeout(30*time.Second), vegeta.MaxBody(1<<16),
	)
	stop := context.AfterFunc(ctx, func() { atk.Stop() })
	defer stop()
	var lat []time.Duration
	errs, first := 0, ""
	start := time.Now()
	for res := range atk.Attack(tr, vegeta.Rate{Freq: rate, Per: time.Second}, d, "bench") {
		if onResult != nil {
			onResult(res)
		}
		if ok(res) {
			lat = append(lat, res.Latency)
			continue
		}
		errs++
		if first == "" {
			first = describe(res)
		}
	}
	return Summarize(lat, errs, first, float64(rate), time.Since(start))
}

// describe is one line about a failed result.
func describe(r *vegeta.Result) string {
	if r.Error != "" {
		return fmt.Sprintf("%s %s: %s", r.Method, r.URL, r.Error)
	}
	body := strings.Join(strings.Fields(string(r.Body)), " ")
	if len(body) > 160 {
		body = body[:160] + "…"
	}
	return fmt.Sprintf("%s %s: %d %s", r.Method, r.URL, r.Code, body)
}

// Static is a targeter that sends GET path (with the header) over and over.
func Static(base, path string, h http.Header) vegeta.Targeter {
	return vegeta.NewStaticTargeter(vegeta.Target{Method: http.MethodGet, URL: base + path, Header: h})
}

// Step is one rate of a rising series.
type Step struct {
	Summary
	// Pass: no error, the rate achieved within 5 % of the rate asked, and
	// p95 within the bound.
	Pass bool `json:"pass"`
}

// RisingResult is the outcome of a rising series of rates.
type RisingResult struct {
	BoundMS float64 `json:"p95_bound_ms"`
	Steps   []Step  `json:"steps"`
	// Best is the highest rate that passed (0: none did).
	Best float64 `json:"best_rate"`
	// BestSummary is the summary at Best.
	BestSummary *Summary `json:"best,omitempty"`
}

// Passes tells whether a step met the bound: zero errors, p95 ≤ bound,
// and the rate achieved at least 95 % of the rate asked (with 2
// connections, a server too slow to keep up shows as a lower rate, not as
// longer latencies).
func Passes(s Summary, boundMS float64) bool {
	return s.Requests > 0 && s.Errors == 0 && s.P95 <= boundMS && s.Achieved >= 0.95*s.Rate
}

// Rising runs attack at each rate in turn and stops after the first rate
// that fails (or when ctx ends).
func Rising(ctx context.Context, rates []int, boundMS float64, attack func(rate int) Summary) RisingResult {
	out := RisingResult{BoundMS: boundMS}
	for _, r := range rates {
		if ctx.Err() != nil {
			break
		}
		s := attack(r)
		st := Step{Summary: s, Pass: Passes(s, boundMS)}
		out.Steps = append(out.Steps, st)
		if !st.Pass {
			break
		}
		out.Best = s.Rate
		sum := s
		out.BestSummary = &sum
	}
	return out
}
