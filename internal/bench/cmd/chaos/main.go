// Command chaos is the crash suite behind `make chaos`: on SQLite and on a
// fresh Postgres database it runs `tongxin serve` under write load, kills it
// with SIGKILL at random moments (CHAOS_KILLS, at least 10), restarts it,
// and checks that every acknowledged write is there with its audit rows
// and that the invariants hold. It prints "lost = N" per database, writes
// the figure into docs/reliability.md and exits 1 on any loss or violation.
//
//	CHAOS_DB=sqlite,postgres CHAOS_KILLS=10 CHAOS_CLIENTS=8 CHAOS_POSTGRES_URL=… CHAOS_DOC=docs/reliability.md
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"tongxin/internal/bench"
)

func main() {
	os.Exit(run())
}

func get(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func num(k string, def int) int {
	n, err := strconv.Atoi(get(k, strconv.Itoa(def)))
	if err != nil || n < 1 {
		fmt.Fprintf(os.Stderr, "chaos: %s must be a positive number\n", k)
		os.Exit(2)
	}
	return n
}

func run() int {
	binary := flag.String("binary", "bin/tongxin", "the tongxin binary to run")
	flag.Parse()
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	o := bench.ChaosOptions{
		Binary:      *binary,
		Dialects:    strings.Split(get("CHAOS_DB", "sqlite,postgres"), ","),
		PostgresURL: get("CHAOS_POSTGRES_URL", get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable")),
		Kills:       num("CHAOS_KILLS", 10),
		Clients:     num("CHAOS_CLIENTS", 8),
		MinGap:      time.Duration(num("CHAOS_MIN_GAP_MS", 1000)) * time.Millisecond,
		MaxGap:      time.Duration(num("CHAOS_MAX_GAP_MS", 4000)) * time.Millisecond,
		Scale:       0.01,
		Log:         os.Stderr,
	}
	if o.MaxGap < o.MinGap {
		o.MaxGap = o.MinGap
	}
	rs, err := bench.RunChaos(ctx, o)
	for _, r := range rs {
		fmt.Println("chaos " + r.Figure())
		for _, p := range r.Verdict.Problems {
			fmt.Println("  " + p)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "chaos:", err)
		return 1
	}
	if len(rs) == 0 {
		fmt.Fprintln(os.Stderr, "chaos: no database ran")
		return 1
	}
	if doc := get("CHAOS_DOC", "docs/reliability.md"); doc != "-" {
		if err := bench.WriteFigure(doc, "chaos", bench.ChaosMarkdown(rs)); err != nil {
			fmt.Fprintln(os.Stderr, "chaos:", err)
			return 1
		}
		fmt.Fprintln(os.Stderr, "chaos: wrote the figure into "+doc)
	}
	for _, r := range rs {
		if !r.Verdict.OK() {
			return 1
		}
	}
	return 0
}
