package app_test

import (
	"context"
	"strings"
	"testing"
)

// TestBenchRefusesBadSettings: `tongxin bench` checks its flags and BENCH_*
// variables before it creates a database or starts a child (exit code 2,
// one line naming what is wrong); --help prints the usage.
func TestBenchRefusesBadSettings(t *testing.T) {
	t.Chdir(t.TempDir())
	if code, _, errs := run(t, context.Background(), nil, "bench", "--help"); code != 0 || !strings.Contains(errs, "Usage: tongxin bench") ||
		!strings.Contains(errs, "BENCH_DURATION") {
		t.Errorf("bench --help: %d %q", code, errs)
	}
	for _, c := range []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"unknown database", nil, []string{"--db", "sqlite,mysql"}, `unknown database "mysql"`},
		{"bad duration variable", map[string]string{"BENCH_DURATION": "ten"}, nil, "BENCH_DURATION"},
		{"too short a step", nil, []string{"--step", "10ms"}, "durations of a second or more"},
		{"no scale", map[string]string{"BENCH_SCALE": "0"}, nil, "scale above 0"},
		{"stray argument", nil, []string{"now"}, `unexpected argument "now"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, _, errs := run(t, context.Background(), c.env, append([]string{"bench"}, c.args...)...)
			if code != 2 || !strings.Contains(errs, c.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, errs, c.want)
			}
		})
	}
}
