package service_test

import (
	"context"
	"log/slog"
	"os"
	"strings"
	"testing"

	"tongxin/internal/authz"
	"tongxin/internal/model"
	"tongxin/internal/report"
	"tongxin/internal/service"
	"tongxin/internal/store"
)

// benchReports opens the database of TONGXIN_BENCH_DATABASE_URL (a city made
// by `tongxin seed --scale N`; sqlite:PATH or postgres://…) and finds a
// district reviewer there. Without the variable the benchmark is skipped.
func benchReports(b *testing.B) (*service.Reports, model.Actor) {
	return benchReportsAs(b, "district_reviewer")
}

// benchReportsAs is benchReports for a holder of role.
func benchReportsAs(b *testing.B, role string) (*service.Reports, model.Actor) {
	b.Helper()
	url := os.Getenv("TONGXIN_BENCH_DATABASE_URL")
	if url == "" {
		b.Skip("TONGXIN_BENCH_DATABASE_URL is not set (a database seeded with tongxin seed --scale 1)")
	}
	o := store.Options{Dialect: store.Postgres, DSN: url, MaxOpenConns: 4, Logger: slog.New(slog.DiscardHandler)}
	if p, ok := strings.CutPrefix(url, "sqlite:"); ok {
		o.Dialect, o.DSN = store.SQLite, p
	}
	ctx := context.Background()
	db, err := store.Open(ctx, o)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	az, err := authz.New(ctx, db, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	var uid int64
	if err := db.SQL().QueryRow("SELECT user_id FROM role_assignments WHERE role = '" + role + "' ORDER BY id LIMIT 1").Scan(&uid); err != nil {
		b.Skipf("no %s in the database: %v", role, err)
	}
	return service.NewReports(service.Deps{DB: db, Authz: az}), model.Actor{UserID: uid}
}

// BenchmarkDistrictDashboard is the reviewer's home page dashboard: every
// figure of the district this year and last, today's state, projects by
// status and the alliances' ranking (docs/benchmarks.md).
func BenchmarkDistrictDashboard(b *testing.B) {
	svc, a := benchReports(b)
	ctx := context.Background()
	for b.Loop() {
		d, err := svc.Dashboard(ctx, a)
		if err != nil || d.Kind != service.DashboardDistrict {
			b.Fatalf("%v %v", err, d)
		}
	}
}

// BenchmarkDistrictReportByAlliance is the report page of a district's year
// with every counter split by alliance.
func BenchmarkDistrictReportByAlliance(b *testing.B) {
	svc, a := benchReports(b)
	ctx := context.Background()
	kind, id, _ := svc.DefaultScope(a)
	p := report.YearPeriod(svc.Today().Year())
	for b.Loop() {
		if _, err := svc.Run(ctx, a, service.ReportInput{ScopeKind: kind, ScopeID: id, Period: p, GroupBy: report.ByAlliance}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCityDashboard is the city reviewer's home page: every district
// side by side (grant one with an INSERT into role_assignments, role
// city_reviewer, domain sys; the generator makes none).
func BenchmarkCityDashboard(b *testing.B) {
	svc, a := benchReportsAs(b, "city_reviewer")
	ctx := context.Background()
	for b.Loop() {
		d, err := svc.Dashboard(ctx, a)
		if err != nil || d.Kind != service.DashboardCity {
			b.Fatalf("%v %v", err, d)
		}
	}
}
