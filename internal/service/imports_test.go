package service_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"tongxin/internal/authz"
	"tongxin/internal/importer"
	"tongxin/internal/importer/importtest"
	"tongxin/internal/model"
	"tongxin/internal/service"
	"tongxin/internal/store"
	"tongxin/internal/testenv"
	"tongxin/internal/web"
	webfiles "tongxin/web"
)

// importEnv is a database with streets, an authorizer and the import service.
type importEnv struct {
	db  *store.DB
	az  *authz.Authorizer
	svc *service.Imports
	dir string
}

func newImportEnv(t *testing.T, db *store.DB) *importEnv {
	t.Helper()
	importtest.Streets(t, db)
	cat, err := web.LoadCatalog(webfiles.Locales)
	if err != nil {
		t.Fatal(err)
	}
	az, err := authz.New(context.Background(), db, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	up := t.TempDir()
	svc := service.NewImports(service.Deps{DB: db, Authz: az}, service.ImportOptions{
		UploadDir: up, Limits: importer.Limits{MaxBytes: 4 << 20, MaxRows: 5000, MaxPart: 8 << 20},
		T:   func(key string, args ...any) string { return cat.T(web.LocaleZH, key, args...) },
		Log: slog.New(slog.DiscardHandler)})
	return &importEnv{db: db, az: az, svc: svc, dir: up}
}

func (e *importEnv) user(t *testing.T, name, role, domain string) model.Actor {
	t.Helper()
	u := testenv.CreateUser(t, e.db, name, role, domain)
	if err := e.az.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	return model.Actor{UserID: u.ID, Username: u.Username}
}

// upload queues a file as actor.
func (e *importEnv) upload(t *testing.T, actor model.Actor, path, domain string, dryRun bool) (*model.ImportJob, error) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return e.svc.Create(context.Background(), actor, service.NewImport{Kind: importer.KindUnits, Domain: domain,
		FileName: filepath.Base(path), File: f, DryRun: dryRun})
}

// run claims the next job and runs it to its end, as the worker does.
func (e *importEnv) run(t *testing.T, want int64) *store.ImportJobRow {
	t.Helper()
	ctx := context.Background()
	id, err := e.svc.ClaimNext(ctx)
	if err != nil || id != want {
		t.Fatalf("claim: %d %v, want job %d", id, err, want)
	}
	e.svc.RunJob(ctx, id)
	j, err := e.db.ImportJobByID(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func countRows(t *testing.T, db *store.DB, q string) int {
	t.Helper()
	var n int
	if err := db.SQL().QueryRowContext(context.Background(), q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// uploadedFiles lists the files under the upload directory's imports/ (not errors).
func uploadedFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	_ = filepath.WalkDir(filepath.Join(dir, "imports"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !strings.Contains(p, string(filepath.Separator)+"errors"+string(filepath.Separator)) {
			out = append(out, p)
		}
		return nil
	})
	return out
}

// TestImportUnits is the test: 1,000 units with 10 bad rows → 990
// written and an error file of exactly those 10 rows with their reasons;
// the same file again → nothing new; a dry run writes no unit.
func TestImportUnits(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newImportEnv(t, db)
		admin := e.user(t, "xh_admin", model.RoleDistrictAdmin, "district:310104")
		rows, bad := importtest.UnitRows(1000, 1, true)
		if len(bad) != 10 {
			t.Fatalf("generated %d bad rows", len(bad))
		}
		path := filepath.Join(t.TempDir(), "成员单位.xlsx")
		importtest.WriteXLSX(t, path, rows)

		job, err := e.upload(t, admin, path, "", false)
		if err != nil {
			t.Fatal(err)
		}
		// The request reads no row: the job counts them.
		if job.Status != model.ImportQueued || job.TotalRows != 0 || job.Domain != "district:310104" || job.FileName != "成员单位.xlsx" {
			t.Fatalf("queued job %+v", job)
		}
		if n := importtest.CountUnits(t, db, 310104); n != 0 {
			t.Fatalf("units before the worker ran: %d", n)
		}
		j := e.run(t, job.ID)
		if j.Status != model.ImportDone || j.TotalRows != 1000 || j.ProcessedRows != 1000 || j.CreatedRows != 990 || j.UnchangedRows != 0 || j.ErrorRows != 10 {
			t.Fatalf("finished job %+v", j.ImportJob)
		}
		if n := importtest.CountUnits(t, db, 310104); n != 990 {
			t.Errorf("units written: %d, want 990", n)
		}
		// Fields as typed, normalised as the form does.
		var name, kind, phone string
		var street, members int64
		if err := db.SQL().QueryRowContext(ctx, fmt.Sprintf("SELECT name, kind, COALESCE(street_id, 0), party_members, contact_phone FROM units WHERE credit_code = '%s'",
			importtest.CreditCode(1, 1))).Scan(&name, &kind, &street, &members, &phone); err != nil {
			t.Fatal(err)
		}
		if name != rows[2][0] || kind != "soe" || street == 0 || members != 1 || phone != rows[2][8] {
			t.Errorf("unit of row 3: %s %s %d %d %s", name, kind, street, members, phone)
		}

		// The error file: the template's columns plus 错误原因, exactly the 10 bad rows, in order.
		_, errPath, err := e.svc.ErrorFile(ctx, admin, job.ID)
		if err != nil {
			t.Fatal(err)
		}
		got := importtest.ReadXLSX(t, errPath)
		if want := append(importer.Units.Headers(), importer.ErrorColumn); !slices.Equal(got[0], want) {
			t.Errorf("error file header %v", got[0])
		}
		if len(got) != 11 {
			t.Fatalf("error file has %d rows, want 10 and the header", len(got)-1)
		}
		for i, b := range bad {
			r := got[i+1]
			reason := r[len(r)-1]
			if !strings.HasPrefix(reason, fmt.Sprintf("第 %d 行：", b.Line)) || !strings.Contains(reason, b.Reason) {
				t.Errorf("error row %d: reason %q, want row %d and %q", i+1, reason, b.Line, b.Reason)
			}
			orig := rows[b.Line-1]
			for c := range orig {
				cell := ""
				if c < len(r)-1 {
					cell = r[c]
				}
				if cell != strings.TrimSpace(orig[c]) {
					t.Errorf("error row %d column %d: %q, want the original %q", i+1, c+1, cell, orig[c])
				}
			}
		}
		if !strings.Contains(got[7][len(got[7])-1], "与第 3 行的统一社会信用代码重复") {
			t.Errorf("duplicate reason %q", got[7][len(got[7])-1])
		}

		// Audited: the job, and one row per written batch (500 + 490).
		if n := countRows(t, db, "SELECT count(*) FROM audit_log WHERE action = 'import.create'"); n != 1 {
			t.Errorf("import.create rows: %d", n)
		}
		var total int
		rs, err := db.SQL().QueryContext(ctx, "SELECT changes, object_id, domain FROM audit_log WHERE action = 'unit.import' ORDER BY id")
		if err != nil {
			t.Fatal(err)
		}
		batches := 0
		for rs.Next() {
			var changes, obj, dom string
			if err := rs.Scan(&changes, &obj, &dom); err != nil {
				t.Fatal(err)
			}
			var c struct {
				JobID int64 `json:"job_id"`
				Count int   `json:"count"`
			}
			if err := json.Unmarshal([]byte(changes), &c); err != nil || c.JobID != job.ID || obj != fmt.Sprint(job.ID) || dom != "district:310104" {
				t.Errorf("audit row %s %s %s", changes, obj, dom)
			}
			total += c.Count
			batches++
		}
		rs.Close()
		if batches != 2 || total != 990 {
			t.Errorf("unit.import audit: %d rows counting %d, want 2 rows counting 990", batches, total)
		}

		// The same file again changes nothing.
		again, err := e.upload(t, admin, path, "district:310104", false)
		if err != nil {
			t.Fatal(err)
		}
		j2 := e.run(t, again.ID)
		if j2.Status != model.ImportDone || j2.CreatedRows != 0 || j2.UnchangedRows != 990 || j2.ErrorRows != 10 {
			t.Errorf("re-import %+v", j2.ImportJob)
		}
		if n := importtest.CountUnits(t, db, 310104); n != 990 {
			t.Errorf("units after the re-import: %d", n)
		}
		if n := countRows(t, db, "SELECT count(*) FROM audit_log WHERE action = 'unit.import'"); n != 2 {
			t.Errorf("a re-import wrote %d more audit rows", n-2)
		}

		// A dry run counts and writes nothing but the job.
		fresh, _ := importtest.UnitRows(40, 2, false)
		fresh = append(fresh, rows[3]) // one that exists
		dry := filepath.Join(t.TempDir(), "dry.csv")
		importtest.WriteCSV(t, dry, fresh)
		dj, err := e.upload(t, admin, dry, "", true)
		if err != nil {
			t.Fatal(err)
		}
		j3 := e.run(t, dj.ID)
		if j3.Status != model.ImportDone || j3.CreatedRows != 40 || j3.UnchangedRows != 1 || j3.ErrorRows != 0 || j3.ErrorFilePath != "" {
			t.Errorf("dry run %+v", j3.ImportJob)
		}
		if n := importtest.CountUnits(t, db, 310104); n != 990 {
			t.Errorf("a dry run wrote units: %d", n)
		}

		// Jobs are their creator's; the system admin sees all.
		other := e.user(t, "other_admin", model.RoleDistrictAdmin, "district:310104")
		sys := e.user(t, "sys", model.RoleSysadmin, "sys")
		if _, err := e.svc.Get(ctx, other, job.ID); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("another user's job: %v", err)
		}
		if _, _, err := e.svc.ErrorFile(ctx, other, job.ID); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("another user's error file: %v", err)
		}
		if _, err := e.svc.Get(ctx, sys, job.ID); err != nil {
			t.Errorf("system admin: %v", err)
		}
		if l, err := e.svc.List(ctx, other, store.ImportJobFilter{}, model.PageRequest{}); err != nil || l.Total != 0 {
			t.Errorf("other's list: %d %v", l.Total, err)
		}
		if l, err := e.svc.List(ctx, admin, store.ImportJobFilter{}, model.PageRequest{}); err != nil || l.Total != 3 || l.Items[0].ID != dj.ID {
			t.Errorf("own list, newest first: %+v %v", l.Items, err)
		}
		if l, err := e.svc.List(ctx, sys, store.ImportJobFilter{Status: model.ImportDone}, model.PageRequest{}); err != nil || l.Total != 3 {
			t.Errorf("system admin's list: %d %v", l.Total, err)
		}
		// Another district is not the admin's to import into.
		if _, err := e.upload(t, admin, dry, "district:310101", false); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("importing into another district: %v", err)
		}
	})
}

// TestImportRefusals: a file refused for its form is answered with the
// reason on "file", and leaves no job, no unit and no file behind.
func TestImportRefusals(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		e := newImportEnv(t, db)
		admin := e.user(t, "xh_admin", model.RoleDistrictAdmin, "district:310104")
		dir := t.TempDir()
		write := func(name string, b []byte) string {
			p := filepath.Join(dir, name)
			if err := os.WriteFile(p, b, 0o600); err != nil {
				t.Fatal(err)
			}
			return p
		}
		header := importer.Units.Headers()
		wrongHeader := filepath.Join(dir, "wrong-header.xlsx")
		rows, _ := importtest.UnitRows(3, 5, false)
		rows[0] = append(slices.Clone(header[:2]), header[3:]...) // no 单位类型
		importtest.WriteXLSX(t, wrongHeader, rows)
		tests := []struct {
			path, want string
		}{
			{write("not-really.xlsx", []byte("这不是 Excel 文件")), importer.MsgNotXLSX},
			{write("empty.xlsx", nil), importer.MsgEmpty},
			{wrongHeader, importer.MsgHeaderMissing},
			{write("gbk.csv", []byte("\xb5\xa5\xce\xbb\n")), importer.MsgNotUTF8},
			{write("big.csv", make([]byte, 4<<20+1)), importer.MsgTooLarge},
		}
		for _, tt := range tests {
			_, err := e.upload(t, admin, tt.path, "", false)
			var ve *model.ValidationError
			if !errors.As(err, &ve) || ve.Fields["file"] != tt.want {
				t.Errorf("%s: %v, want %s on file", filepath.Base(tt.path), err, tt.want)
			}
		}
		var ve *model.ValidationError
		if _, err := e.upload(t, admin, wrongHeader, "", false); errors.As(err, &ve) {
			if args := ve.Args["file"]; len(args) != 1 || args[0] != "单位类型" {
				t.Errorf("the missing column is named: %v", args)
			}
		}
		if _, err := e.svc.Create(context.Background(), admin, service.NewImport{Kind: importer.KindUnits}); !errors.As(err, &ve) || ve.Fields["file"] != service.MsgImportNoFile {
			t.Errorf("no file: %v", err)
		}
		if n := countRows(t, db, "SELECT count(*) FROM import_jobs"); n != 0 {
			t.Errorf("refused files made %d jobs", n)
		}
		if n := countRows(t, db, "SELECT count(*) FROM audit_log"); n != 0 {
			t.Errorf("refused files wrote %d audit rows", n)
		}
		if files := uploadedFiles(t, e.dir); len(files) != 0 {
			t.Errorf("refused files left behind: %v", files)
		}
	})
}

// TestImportIntoAlliance: a secretary's import creates the units in the
// alliance's district and makes them members; targets are what the role holds.
func TestImportIntoAlliance(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newImportEnv(t, db)
		if _, err := db.SQL().ExecContext(ctx, "INSERT INTO alliances (name, kind, level, district_id) VALUES ('凌云路街道区域化党建联盟', 'regional', 'street', 310104)"); err != nil {
			t.Fatal(err)
		}
		aid := int64(countRows(t, db, "SELECT max(id) FROM alliances"))
		sec := e.user(t, "sec", model.RoleAllianceSecretary, model.DomainOf(model.DomainAlliance, aid))
		targets, err := e.svc.Targets(ctx, sec, importer.KindUnits)
		if err != nil || len(targets) != 1 || targets[0].AllianceID != aid || targets[0].DistrictID != 310104 || targets[0].Label != "凌云路街道区域化党建联盟" {
			t.Fatalf("targets %+v %v", targets, err)
		}
		// A district reviewer imports projects into the district's alliances, and no units anywhere.
		rev := e.user(t, "rev", model.RoleDistrictReviewer, "district:310104")
		if pt, err := e.svc.Targets(ctx, rev, importer.KindProjects); err != nil || len(pt) != 1 || pt[0].AllianceID != aid {
			t.Errorf("reviewer's project targets %+v %v", pt, err)
		}
		if ut, err := e.svc.Targets(ctx, rev, importer.KindUnits); err != nil || len(ut) != 0 {
			t.Errorf("reviewer's unit targets %+v %v", ut, err)
		}
		rows, _ := importtest.UnitRows(20, 3, false)
		p := filepath.Join(t.TempDir(), "u.xlsx")
		importtest.WriteXLSX(t, p, rows)
		job, err := e.upload(t, sec, p, "", false)
		if err != nil {
			t.Fatal(err)
		}
		if job.Domain != model.DomainOf(model.DomainAlliance, aid) {
			t.Errorf("job domain %s", job.Domain)
		}
		j := e.run(t, job.ID)
		if j.CreatedRows != 20 || j.ErrorRows != 0 {
			t.Fatalf("job %+v", j.ImportJob)
		}
		if n := countRows(t, db, fmt.Sprintf("SELECT count(*) FROM memberships WHERE alliance_id = %d AND rank = 'member' AND left_on IS NULL", aid)); n != 20 {
			t.Errorf("memberships: %d", n)
		}
		if n := importtest.CountUnits(t, db, 310104); n != 20 {
			t.Errorf("units in the alliance's district: %d", n)
		}
		// A reviewer has nowhere to import units.
		if ts, err := e.svc.Targets(ctx, rev, importer.KindUnits); err != nil || len(ts) != 0 {
			t.Errorf("reviewer's targets %v %v", ts, err)
		}
		if _, err := e.upload(t, rev, p, "", false); !errors.Is(err, model.ErrForbidden) {
			t.Errorf("reviewer uploading: %v", err)
		}
		// A creator who lost the right by the time the job runs: the job fails, nothing is written.
		job2, err := e.upload(t, sec, p, "", false)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.SQL().ExecContext(ctx, fmt.Sprintf("DELETE FROM role_assignments WHERE user_id = %d", sec.UserID)); err != nil {
			t.Fatal(err)
		}
		if err := e.az.Reload(ctx); err != nil {
			t.Fatal(err)
		}
		if j := e.run(t, job2.ID); j.Status != model.ImportFailed || !strings.Contains(j.Message, "权限") {
			t.Errorf("job of a creator without the right: %s %q", j.Status, j.Message)
		}
	})
}

// TestImportClaimOnce: workers racing for queued jobs run each exactly once.
func TestImportClaimOnce(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newImportEnv(t, db)
		u := testenv.CreateUser(t, db, "owner", "", "")
		const jobs = 30
		for i := 0; i < jobs; i++ {
			if err := db.CreateImportJob(ctx, &model.ImportJob{Kind: importer.KindUnits, FileName: "x.xlsx", FilePath: "imports/x.xlsx",
				Domain: "district:310104", CreatedBy: u.ID}); err != nil {
				t.Fatal(err)
			}
		}
		// Two claimers on the same job, released together, again and again.
		for i := 0; i < 10; i++ {
			id, err := db.NextQueuedImportJob(ctx)
			if err != nil || id == 0 {
				t.Fatal(id, err)
			}
			var wg sync.WaitGroup
			var mu sync.Mutex
			won := 0
			start := make(chan struct{})
			for w := 0; w < 2; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					ok, err := db.ClaimImportJob(ctx, id)
					if err != nil {
						t.Error(err)
					}
					if ok {
						mu.Lock()
						won++
						mu.Unlock()
					}
				}()
			}
			close(start)
			wg.Wait()
			if won != 1 {
				t.Fatalf("job %d claimed %d times", id, won)
			}
		}
		// Four workers drain the rest: every job once.
		var mu sync.Mutex
		claimed := map[int64]int{}
		var wg sync.WaitGroup
		for w := 0; w < 4; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					id, err := e.svc.ClaimNext(ctx)
					if err != nil {
						t.Error(err)
						return
					}
					if id == 0 {
						return
					}
					mu.Lock()
					claimed[id]++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if len(claimed) != jobs-10 {
			t.Errorf("claimed %d jobs, want %d", len(claimed), jobs-10)
		}
		for id, n := range claimed {
			if n != 1 {
				t.Errorf("job %d claimed %d times", id, n)
			}
		}
		if n := countRows(t, db, "SELECT count(*) FROM import_jobs WHERE status = 'running'"); n != jobs {
			t.Errorf("running jobs %d", n)
		}
		// A running job without a heartbeat goes back to the queue.
		later := db.Now().Add(time.Hour)
		if n, err := db.RequeueStaleImportJobs(ctx, later, "stale"); err != nil || n != jobs {
			t.Errorf("requeued %d %v", n, err)
		}
	})
}

// TestImportWorker runs the background worker: a queued job is picked up
// and finished without anyone calling RunJob.
func TestImportWorker(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		e := newImportEnv(t, db)
		admin := e.user(t, "xh_admin", model.RoleDistrictAdmin, "district:310104")
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { e.svc.Work(ctx, service.WorkerOptions{Poll: 20 * time.Millisecond}); close(done) }()
		defer func() { cancel(); <-done }()
		rows, _ := importtest.UnitRows(30, 4, false)
		p := filepath.Join(t.TempDir(), "u.csv")
		importtest.WriteCSV(t, p, rows)
		job, err := e.upload(t, admin, p, "", false)
		if err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for {
			j, err := db.ImportJobByID(context.Background(), job.ID)
			if err != nil {
				t.Fatal(err)
			}
			if j.Status == model.ImportDone {
				if j.CreatedRows != 30 || j.StartedAt == nil || j.FinishedAt == nil {
					t.Errorf("job %+v", j.ImportJob)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("job still %s", j.Status)
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}
