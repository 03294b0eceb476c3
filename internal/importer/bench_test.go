package importer_test

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"tongxin/internal/authz"
	"tongxin/internal/importer"
	"tongxin/internal/importer/importtest"
	"tongxin/internal/model"
	"tongxin/internal/service"
	"tongxin/internal/testenv"
)

// TestMain drops the Postgres databases of the benchmark.
func TestMain(m *testing.M) { testenv.Main(m) }

// BenchmarkImportUnits imports 10,000 new member units from an xlsx file the
// way a job does: the upload's checks (sniff, header, row count), then the
// worker's run (validation of every row, look-ups by natural key, inserts in
// batches of 500 with their audit rows, progress updates). Each iteration
// starts from a fresh database. It reports rows/s; the target is ≥ 2,000.
// Postgres runs when it answers (TONGXIN_TEST_POSTGRES or the local default).
func BenchmarkImportUnits(b *testing.B) {
	const n = 10000
	rows, _ := importtest.UnitRows(n, 7, false)
	path := filepath.Join(b.TempDir(), "units.xlsx")
	importtest.WriteXLSX(b, path, rows)
	for _, dialect := range testenv.Dialects {
		b.Run(dialect, func(b *testing.B) {
			ctx := context.Background()
			var busy time.Duration
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				db := testenv.NewDB(b, dialect)
				importtest.Streets(b, db)
				u := testenv.CreateUser(b, db, "bench", model.RoleDistrictAdmin, "district:310104")
				az, err := authz.New(ctx, db, slog.New(slog.DiscardHandler))
				if err != nil {
					b.Fatal(err)
				}
				svc := service.NewImports(service.Deps{DB: db, Authz: az}, service.ImportOptions{UploadDir: b.TempDir(), Log: slog.New(slog.DiscardHandler)})
				actor := model.Actor{UserID: u.ID, Username: u.Username}
				f, err := os.Open(path)
				if err != nil {
					b.Fatal(err)
				}
				start := time.Now()
				b.StartTimer()

				job, err := svc.Create(ctx, actor, service.NewImport{Kind: importer.KindUnits, FileName: "units.xlsx", File: f})
				if err != nil {
					b.Fatal(err)
				}
				id, err := svc.ClaimNext(ctx)
				if err != nil || id != job.ID {
					b.Fatal(id, err)
				}
				svc.RunJob(ctx, id)

				b.StopTimer()
				busy += time.Since(start)
				f.Close()
				j, err := db.ImportJobByID(ctx, id)
				if err != nil || j.Status != model.ImportDone || j.CreatedRows != n {
					b.Fatalf("job %+v %v", j, err)
				}
				b.StartTimer()
			}
			b.ReportMetric(float64(n*b.N)/busy.Seconds(), "rows/s")
		})
	}
}
