// Command soak is the soak suite behind `make soak` (never in CI): a mixed
// load (80 % page reads, 20 % API writes) at half the measured capacity on
// Postgres for SOAK_DURATION (30m), sampling the server's memory,
// goroutines and p95 each minute. It prints and writes into
// docs/reliability.md whether they stayed flat and the errors (0), and exits
// 1 otherwise.
//
//	SOAK_DURATION=30m SOAK_RATE=(measured/2) SOAK_DB=postgres SOAK_SCALE=0.1 SOAK_SAMPLE=1m SOAK_NOTE=… SOAK_DOC=docs/reliability.md
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"tongxin/internal/bench"
)

func get(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func dur(k, def string) time.Duration {
	d, err := time.ParseDuration(get(k, def))
	if err != nil || d <= 0 {
		fmt.Fprintf(os.Stderr, "soak: %s must be a duration such as 30m\n", k)
		os.Exit(2)
	}
	return d
}

func main() {
	binary := flag.String("binary", "bin/tongxin", "the tongxin binary to run")
	flag.Parse()
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	rate, err := strconv.Atoi(get("SOAK_RATE", "0"))
	if err != nil || rate < 0 {
		fmt.Fprintln(os.Stderr, "soak: SOAK_RATE must be a number of requests per second")
		os.Exit(2)
	}
	scale, err := strconv.ParseFloat(get("SOAK_SCALE", "0.1"), 64)
	if err != nil || scale <= 0 {
		fmt.Fprintln(os.Stderr, "soak: SOAK_SCALE must be a positive number")
		os.Exit(2)
	}
	o := bench.SoakOptions{
		Binary:        *binary,
		Dialect:       get("SOAK_DB", "postgres"),
		PostgresURL:   get("SOAK_POSTGRES_URL", get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable")),
		Scale:         scale,
		Duration:      dur("SOAK_DURATION", "30m"),
		Sample:        dur("SOAK_SAMPLE", "1m"),
		Rate:          rate,
		CapacityRates: []int{25, 50, 100, 150, 200, 300, 400, 600, 800, 1000},
		CapacityStep:  dur("SOAK_STEP", "5s"),
		Log:           os.Stderr,
	}
	r, err := bench.RunSoak(ctx, o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		os.Exit(1)
	}
	md := bench.SoakMarkdown(r, get("SOAK_NOTE", ""))
	fmt.Println(md)
	if js, err := json.MarshalIndent(r, "", "  "); err == nil {
		fmt.Fprintln(os.Stderr, string(js))
	}
	if doc := get("SOAK_DOC", "docs/reliability.md"); doc != "-" {
		if err := bench.WriteFigure(doc, "soak", md); err != nil {
			fmt.Fprintln(os.Stderr, "soak:", err)
			os.Exit(1)
		}
		fmt.Fprintln(os.Stderr, "soak: wrote the figure into "+doc)
	}
	if !r.OK() {
		os.Exit(1)
	}
}
