package bench

import (
	"strings"
	"testing"
)

// chaosFixture is a run where everything acknowledged is there and every
// invariant holds.
func chaosFixture() ([]Ack, Observed) {
	acks := []Ack{
		{Kind: "need", ID: 1, Action: "create"},
		{Kind: "project", ID: 7, Action: "create"},
		{Kind: "project", ID: 7, Action: "submit", Code: "2026-310104-0002"},
		{Kind: "claim", ID: 3, Action: "create"},
		{Kind: "claim", ID: 3, Action: "accept", Status: "accepted"},
	}
	o := Observed{
		Rows: map[string]map[int64]Row{
			"need":    {1: {Status: "draft"}},
			"project": {6: {Status: "submitted", Code: "2026-310104-0001"}, 7: {Status: "submitted", Code: "2026-310104-0002"}},
			"claim":   {3: {Status: "accepted"}, 4: {Status: "pending"}},
		},
		Audits:   map[string]int{"need/1": 1, "project/7": 2, "claim/3": 2},
		Capacity: []Capacity{{Kind: "resource", ID: 9, Capacity: 10, Counter: 9, Accepted: 9, ClaimRows: 3}},
		Terms: []Term{
			{ID: 1, Alliance: 2, Starts: "2026-01-01", Ends: "2026-06-30", HandedOver: "2026-03-01"},
			{ID: 2, Alliance: 2, Starts: "2026-03-01", Ends: "2026-12-31"},
			{ID: 3, Alliance: 5, Starts: "2026-01-01", Ends: "2026-12-31"},
		},
		Counters: []CodeCounter{{District: 310104, Year: 2026, Next: 3}},
		Codes:    []string{"2026-310104-0001", "2026-310104-0002"},
	}
	return acks, o
}

// TestCheckChaosPassesACleanRun: the fixture passes, so each broken copy
// below fails for its own reason.
func TestCheckChaosPassesACleanRun(t *testing.T) {
	acks, o := chaosFixture()
	if v := CheckChaos(acks, o); !v.OK() {
		t.Fatalf("a clean run fails: %+v", v)
	}
}

// TestCheckChaosFindsEachFault breaks the fixture one way at a time and
// expects the checker to count it.
func TestCheckChaosFindsEachFault(t *testing.T) {
	for _, tc := range []struct {
		name                    string
		break_                  func(acks *[]Ack, o *Observed)
		lost, audit, violations int
		says                    string
	}{
		{"a missing write", func(_ *[]Ack, o *Observed) { delete(o.Rows["need"], 1) }, 1, 0, 0, "lost: need 1"},
		{"an acknowledged write of a table never read", func(a *[]Ack, _ *Observed) {
			*a = append(*a, Ack{Kind: "resource", ID: 4, Action: "create"})
		}, 1, 1, 0, "lost: resource 4"},
		{"a submission whose code changed", func(_ *[]Ack, o *Observed) {
			o.Rows["project"][7] = Row{Status: "draft"}
		}, 1, 0, 0, "acknowledged with code"},
		{"an accept rolled back", func(_ *[]Ack, o *Observed) { o.Rows["claim"][3] = Row{Status: "pending"} }, 1, 0, 0, "acknowledged accepted"},
		{"a missing audit row", func(_ *[]Ack, o *Observed) { o.Audits["project/7"] = 1 }, 0, 1, 0, "audit: project/7"},
		{"over capacity", func(_ *[]Ack, o *Observed) { o.Capacity[0].Accepted, o.Capacity[0].Counter = 11, 11 }, 0, 0, 1, "over its capacity"},
		{"a counter out of step", func(_ *[]Ack, o *Observed) { o.Capacity[0].Counter = 6 }, 0, 0, 1, "add up to"},
		{"two chairs", func(_ *[]Ack, o *Observed) { o.Terms[0].HandedOver = "" }, 0, 0, 1, "two chairs"},
		{"a gap in the codes", func(_ *[]Ack, o *Observed) { o.Counters[0].Next = 4 }, 0, 0, 1, "handed out 3"},
		{"a code twice", func(_ *[]Ack, o *Observed) { o.Codes = append(o.Codes, "2026-310104-0002") }, 0, 0, 2, "without gaps or repeats"},
		{"codes without a counter", func(_ *[]Ack, o *Observed) { o.Codes = append(o.Codes, "2025-310104-0001") }, 0, 0, 1, "no counter"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			acks, o := chaosFixture()
			tc.break_(&acks, &o)
			v := CheckChaos(acks, o)
			if v.OK() || v.Lost != tc.lost || v.MissingAudit != tc.audit || v.Violations != tc.violations {
				t.Fatalf("got lost %d, missing audit %d, violations %d, want %d, %d, %d: %v", v.Lost, v.MissingAudit, v.Violations,
					tc.lost, tc.audit, tc.violations, v.Problems)
			}
			if !strings.Contains(strings.Join(v.Problems, "\n"), tc.says) {
				t.Errorf("the problems do not say %q: %v", tc.says, v.Problems)
			}
		})
	}
}

// TestJudgeFlat: a steady run is flat; memory, goroutines or p95 that keep
// climbing are not.
func TestJudgeFlat(t *testing.T) {
	steady := []SoakSample{}
	for i := range 9 {
		steady = append(steady, SoakSample{Minute: i + 1, RSSMB: 80 + float64(i%2), Goroutines: 30 + float64(i%3), P95: 20 + float64(i%2)})
	}
	if f := JudgeFlat(steady); !f.OK {
		t.Fatalf("a steady run is judged not flat: %+v", f)
	}
	for name, grow := range map[string]func(s *SoakSample, i int){
		"memory":     func(s *SoakSample, i int) { s.RSSMB += float64(i) * 15 },
		"goroutines": func(s *SoakSample, i int) { s.Goroutines += float64(i) * 10 },
		"p95":        func(s *SoakSample, i int) { s.P95 += float64(i) * 8 },
	} {
		leak := append([]SoakSample(nil), steady...)
		for i := range leak {
			grow(&leak[i], i)
		}
		f := JudgeFlat(leak)
		if f.OK {
			t.Errorf("%s growing over the run is judged flat: %+v", name, f)
		}
	}
}

// TestParseGauges reads the two gauges the soak samples from a /metrics page.
func TestParseGauges(t *testing.T) {
	page := "# HELP go_goroutines Number of goroutines.\n# TYPE go_goroutines gauge\ngo_goroutines 42\n" +
		"go_goroutines_other 1\nprocess_resident_memory_bytes 8.388608e+07\nhttp_requests_total{code=\"200\"} 5\n"
	m, err := ParseGauges(strings.NewReader(page), "go_goroutines", "process_resident_memory_bytes")
	if err != nil || m["go_goroutines"] != 42 || m["process_resident_memory_bytes"] != 83886080 {
		t.Fatalf("%v %v", m, err)
	}
}
