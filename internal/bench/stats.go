// Package bench is the city-scale benchmark behind `make bench` (`tongxin
// bench`): it generates a city in a fresh database, starts `tongxin serve`
// on it as a child process, measures pages with vegeta against 127.0.0.1
// (latency, throughput, mixed load), times the same SQL statements run bare
// through the same driver (the floor), checks the query plans on Postgres,
// and writes a JSON file and a Markdown table with each target of DESIGN.md
// ("Scale and quality targets") marked met or not.
//
// The package never imports web or app: the composition root (app) hands it
// an in-process instance of the server (Probe) for the statement capture and
// the casbin counts.
package bench

import (
	"math"
	"slices"
	"time"
)

// Summary is what one measured series of requests (or of bare statement
// runs) gave.
type Summary struct {
	// Rate is the rate asked for (requests/s); 0 when the series ran as
	// fast as it could (the floor).
	Rate float64 `json:"rate"`
	// Achieved is the rate of answered requests over the whole series.
	Achieved float64 `json:"achieved"`
	Requests int     `json:"requests"`
	Errors   int     `json:"errors"`
	// FirstError says what the first failed request answered.
	FirstError string  `json:"first_error,omitempty"`
	P50        float64 `json:"p50_ms"`
	P95        float64 `json:"p95_ms"`
	P99        float64 `json:"p99_ms"`
	Max        float64 `json:"max_ms"`
	Mean       float64 `json:"mean_ms"`
	Seconds    float64 `json:"seconds"`
}

// Percentile returns the nearest-rank percentile p (0 < p ≤ 100) of
// latencies sorted in increasing order; 0 for an empty slice. The
// nearest rank is the smallest value at or below which p % of the values
// fall, so it is always one of the measured values.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	if p <= 0 {
		return sorted[0]
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}

// Summarize turns the latencies of the successful requests, the count of
// failed ones and the wall time of the series into a Summary.
func Summarize(latencies []time.Duration, errors int, firstError string, rate float64, elapsed time.Duration) Summary {
	l := slices.Clone(latencies)
	slices.Sort(l)
	s := Summary{Rate: rate, Requests: len(l) + errors, Errors: errors, FirstError: firstError, Seconds: round(elapsed.Seconds(), 2)}
	if elapsed > 0 {
		s.Achieved = round(float64(len(l))/elapsed.Seconds(), 1)
	}
	if len(l) == 0 {
		return s
	}
	var sum time.Duration
	for _, d := range l {
		sum += d
	}
	s.P50, s.P95, s.P99 = ms(Percentile(l, 50)), ms(Percentile(l, 95)), ms(Percentile(l, 99))
	s.Max, s.Mean = ms(l[len(l)-1]), ms(sum/time.Duration(len(l)))
	return s
}

// ms is a duration in milliseconds with three decimals (microseconds).
func ms(d time.Duration) float64 { return round(float64(d)/float64(time.Millisecond), 3) }

func round(v float64, places int) float64 {
	p := math.Pow(10, float64(places))
	return math.Round(v*p) / p
}

// Ratio is a ÷ b rounded to two decimals; 0 when b is 0.
func Ratio(a, b float64) float64 {
	if b <= 0 {
		return 0
	}
	return round(a/b, 2)
}
