package service_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"tongxin/internal/importer"
	"tongxin/internal/importer/importtest"
	"tongxin/internal/model"
	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

// TestImportHostileFiles: a bomb is refused by the request from the zip's
// directory alone (no job, nothing kept); a file whose rows break a limit
// passes the request's cheap check and its job ends failed, naming the limit.
func TestImportHostileFiles(t *testing.T) {
	// A bomb twice the part limit of newImportEnv (8 MB): the service's part
	// is that a refused file leaves no job and no file. The 600 MB
	// bomb is read by the importer's own tests and posted to the API in web's.
	bomb := filepath.Join(t.TempDir(), "bomb.xlsx")
	importtest.WriteZip(t, bomb, importtest.SharedStringsBomb(16<<20))
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		e := newImportEnv(t, db)
		admin := e.user(t, "xh_admin", model.RoleDistrictAdmin, "district:310104")
		dir := t.TempDir()
		_, err := e.upload(t, admin, bomb, "", true)
		var ve *model.ValidationError
		if !errors.As(err, &ve) || ve.Fields["file"] != importer.MsgPartTooLarge {
			t.Fatalf("shared strings bomb: %v, want %s on file", err, importer.MsgPartTooLarge)
		}
		if n := countRows(t, db, "SELECT count(*) FROM import_jobs"); n != 0 {
			t.Errorf("a refused bomb made %d jobs", n)
		}
		if files := uploadedFiles(t, e.dir); len(files) != 0 {
			t.Errorf("a refused bomb was kept: %v", files)
		}

		// 5,001 rows against a limit of 5,000 (newImportEnv): queued, then refused by the job.
		rows, _ := importtest.UnitRows(5001, 7, false)
		many := filepath.Join(dir, "many.csv")
		importtest.WriteCSV(t, many, rows)
		job, err := e.upload(t, admin, many, "", true)
		if err != nil {
			t.Fatal(err)
		}
		j := e.run(t, job.ID)
		if j.Status != model.ImportFailed || !strings.Contains(j.Message, "5000 行") {
			t.Errorf("job %s %q, want failed naming the 5000-row limit", j.Status, j.Message)
		}

		// A cell past Excel's 32,767 characters: refused by the job, naming the row and the limit.
		long := filepath.Join(dir, "long.csv")
		importtest.WriteCSV(t, long, [][]string{rows[0], {strings.Repeat("同", 40000)}})
		job, err = e.upload(t, admin, long, "", true)
		if err != nil {
			t.Fatal(err)
		}
		if j := e.run(t, job.ID); j.Status != model.ImportFailed || j.Message != "第 2 行有单元格超过 32767 个字符的上限" {
			t.Errorf("long cell: job %s %q", j.Status, j.Message)
		}

		// A header and nothing else: the job says so.
		only := filepath.Join(dir, "header.xlsx")
		importtest.WriteXLSX(t, only, rows[:1])
		job, err = e.upload(t, admin, only, "", true)
		if err != nil {
			t.Fatal(err)
		}
		if j := e.run(t, job.ID); j.Status != model.ImportFailed || !strings.Contains(j.Message, "只有表头") {
			t.Errorf("header only: job %s %q", j.Status, j.Message)
		}
	})
}

// TestImportHeartbeat: a running job whose worker stopped beating is taken
// up again once its heartbeat is older than the staleness window; a job
// whose worker beats is left alone. Time is the database's (injected) clock.
func TestImportHeartbeat(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newImportEnv(t, db)
		admin := e.user(t, "xh_admin", model.RoleDistrictAdmin, "district:310104")
		var now atomic.Pointer[time.Time]
		set := func(at time.Time) { now.Store(&at) }
		start := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
		set(start)
		db.SetClock(func() time.Time { return *now.Load() })

		rows, _ := importtest.UnitRows(3, 8, false)
		p := filepath.Join(t.TempDir(), "u.csv")
		importtest.WriteCSV(t, p, rows)
		job, err := e.upload(t, admin, p, "", true)
		if err != nil {
			t.Fatal(err)
		}
		// The worker claims it and is killed: the job stays running.
		if id, err := e.svc.ClaimNext(ctx); err != nil || id != job.ID {
			t.Fatalf("claim %d %v", id, err)
		}
		status := func() string {
			j, err := db.ImportJobByID(ctx, job.ID)
			if err != nil {
				t.Fatal(err)
			}
			return j.Status
		}
		const stale = 30 * time.Second
		set(start.Add(20 * time.Second))
		if n, err := e.svc.RequeueStale(ctx, stale); err != nil || n != 0 || status() != model.ImportRunning {
			t.Fatalf("20 s after the claim: requeued %d (%v), status %s", n, err, status())
		}
		// A beat at 20 s keeps it running at 45 s.
		if err := db.ImportHeartbeat(ctx, job.ID); err != nil {
			t.Fatal(err)
		}
		set(start.Add(45 * time.Second))
		if n, err := e.svc.RequeueStale(ctx, stale); err != nil || n != 0 || status() != model.ImportRunning {
			t.Fatalf("25 s after a beat: requeued %d (%v), status %s", n, err, status())
		}
		// No beat since: 31 s later it is queued again, and runs to its end.
		set(start.Add(51 * time.Second))
		if n, err := e.svc.RequeueStale(ctx, stale); err != nil || n != 1 || status() != model.ImportQueued {
			t.Fatalf("31 s without a beat: requeued %d (%v), status %s", n, err, status())
		}
		if j := e.run(t, job.ID); j.Status != model.ImportDone || j.TotalRows != 3 {
			t.Errorf("rerun: %s, %d rows", j.Status, j.TotalRows)
		}
	})
}
