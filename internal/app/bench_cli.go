package app

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"tongxin/internal/bench"
	"tongxin/internal/importer"
	"tongxin/internal/importer/importtest"
	"tongxin/internal/store"
)

const benchUsage = "tongxin bench [--db sqlite,postgres] [--scale N] [--duration 10s] [--step 5s] [--rate 50] [--out bench/results] [--note TEXT] | --render FILE.json…"

// runBench is `tongxin bench` (`make bench`): the city-scale benchmark.
// Every flag has a BENCH_* variable (the flag wins): BENCH_DB, BENCH_SCALE,
// BENCH_DURATION, BENCH_STEP, BENCH_RATE, BENCH_OUT, BENCH_NOTE,
// BENCH_POSTGRES_URL. Traffic goes to 127.0.0.1 only; every series is
// bounded in time.
func runBench(ctx context.Context, cl *cli, args []string) error {
	get := func(name, def string) string {
		if v, ok := cl.env(name); ok && v != "" {
			return v
		}
		return def
	}
	fs := cl.flags("bench", benchUsage)
	dbs := fs.String("db", get("BENCH_DB", "sqlite,postgres"), "databases to run on, in order (BENCH_DB); Postgres is skipped when it does not answer")
	scale := fs.Float64("scale", 1, "the generated city's scale (BENCH_SCALE; 10 takes about 2 minutes to generate on Postgres)")
	duration := fs.Duration("duration", 10*time.Second, "each page's fixed-rate series (BENCH_DURATION)")
	step := fs.Duration("step", 5*time.Second, "each step of the rising series (BENCH_STEP)")
	rate := fs.Int("rate", 50, "the fixed rate of the page series, requests/s (BENCH_RATE)")
	out := fs.String("out", get("BENCH_OUT", "bench/results"), "where <date>-<db>.json and .md go (BENCH_OUT; empty: write nothing)")
	note := fs.String("note", get("BENCH_NOTE", ""), "a note printed above the tables, e.g. that the machine was busy (BENCH_NOTE)")
	pg := fs.String("postgres", get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"),
		"a Postgres URL of a user who may create databases (BENCH_POSTGRES_URL)")
	keep := fs.Bool("keep", false, "keep the generated database and print where it is")
	render := fs.Bool("render", false, "measure nothing: mark the targets of the result files named (bench/results/*.json) again and rewrite their .md")
	// Variables first, so that flags override them.
	for name, set := range map[string]func(string) error{
		"BENCH_SCALE":    func(v string) error { return fs.Set("scale", v) },
		"BENCH_DURATION": func(v string) error { return fs.Set("duration", v) },
		"BENCH_STEP":     func(v string) error { return fs.Set("step", v) },
		"BENCH_RATE":     func(v string) error { return fs.Set("rate", v) },
	} {
		if v, ok := cl.env(name); ok && v != "" {
			if err := set(v); err != nil {
				return &exitError{code: 2, msg: fmt.Sprintf("%s=%q: %v", name, v, err)}
			}
		}
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *render {
		if fs.NArg() == 0 {
			return &exitError{code: 2, msg: "--render: name the result files (bench/results/*.json)"}
		}
		for _, path := range fs.Args() {
			if err := bench.Render(path, cl.stdout); err != nil {
				return err
			}
		}
		return nil
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return &exitError{code: 2, msg: fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	var dialects []string
	for _, d := range strings.Split(*dbs, ",") {
		switch d = strings.TrimSpace(d); d {
		case store.SQLite, store.Postgres:
			dialects = append(dialects, d)
		case "":
		default:
			return &exitError{code: 2, msg: fmt.Sprintf("--db: unknown database %q (say sqlite, postgres or both)", d)}
		}
	}
	if *scale <= 0 || *duration < time.Second || *step < time.Second || *rate < 1 || len(dialects) == 0 {
		fs.Usage()
		return &exitError{code: 2, msg: "give a scale above 0, durations of a second or more, a rate of 1 or more and a database"}
	}
	bin, err := os.Executable()
	if err != nil {
		return err
	}
	if _, err := cl.config(); err != nil {
		return err
	}
	o := bench.Options{
		Binary: bin, Dialects: dialects, Scale: *scale, Duration: *duration, Step: *step, PageRate: *rate,
		Rates:       []int{50, 100, 200, 400, 700, 1000, 1400, 2000},
		MixedRates:  []int{25, 50, 100, 200, 400, 700, 1000, 1400},
		PostgresURL: *pg, OutDir: *out, Note: *note, Version: Version + " (" + Commit + ")", KeepDB: *keep,
		Stdout: cl.stdout, Log: cl.stderr,
		NewProbe: func(ctx context.Context, databaseURL string) (*bench.Probe, error) {
			return benchProbe(ctx, cl, databaseURL)
		},
		ImportFile: benchImportFile,
	}
	start := time.Now()
	res, err := bench.Run(ctx, o)
	fmt.Fprintf(cl.stderr, "bench: %d run(s) in %s\n", len(res), time.Since(start).Round(time.Second))
	return err
}

// benchProbe builds an in-process instance of the server over the
// benchmark's database, with the statement tap installed before anything
// runs on it.
func benchProbe(ctx context.Context, cl *cli, databaseURL string) (*bench.Probe, error) {
	cfg, err := cl.config()
	if err != nil {
		return nil, err
	}
	cfg.Database.URL = databaseURL
	cfg.Database.MigrateOnStart = false
	log := slog.New(slog.DiscardHandler)
	db, err := OpenDB(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	tap, err := bench.NewTap(db)
	if err != nil {
		db.Close()
		return nil, err
	}
	pctx, cancel := context.WithCancel(ctx)
	a, err := Build(pctx, cfg, log, db)
	if err != nil {
		cancel()
		db.Close()
		return nil, err
	}
	return &bench.Probe{Handler: a.Web.Handler(), Tap: tap, Authz: a.Authz, DB: db, Close: func() {
		cancel()
		select {
		case <-a.importsDone:
		case <-time.After(5 * time.Second):
		}
		db.Close()
	}}, nil
}

// benchImportRows is the size of the benchmark's import (DESIGN.md:
// "Import ≥ 2,000 rows/s", measured on 10,000 rows).
const benchImportRows = 10000

// benchImportFile writes 10,000 new member units of 徐汇区 (the generated
// city's district 310104) to an xlsx file, for `tongxin import units`.
// Projects would be the better measure once their import kind takes a
// file from the command line; the command imports units only so far.
func benchImportFile(dir string) (bench.ImportJob, error) {
	rows, _ := importtest.UnitRows(benchImportRows, 77, false)
	// The street is optional; the test files' street names are not the
	// generated city's.
	street := importer.Units.Index("street_id")
	for _, r := range rows[1:] {
		r[street] = ""
	}
	path := filepath.Join(dir, "units.xlsx")
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		return bench.ImportJob{}, err
	}
	for i, r := range rows {
		vals := make([]any, len(r))
		for j, c := range r {
			vals[j] = c
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := sw.SetRow(cell, vals); err != nil {
			return bench.ImportJob{}, err
		}
	}
	if err := sw.Flush(); err != nil {
		return bench.ImportJob{}, err
	}
	if err := f.SaveAs(path); err != nil {
		return bench.ImportJob{}, err
	}
	return bench.ImportJob{Kind: importer.KindUnits, Table: "units", Rows: benchImportRows,
		Args: []string{"import", importer.KindUnits, path, "--district", strconv.Itoa(importtest.District), "--errors", filepath.Join(dir, "units-errors.xlsx")}}, nil
}
