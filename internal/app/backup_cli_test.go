package app_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"tongxin/internal/app"
	"tongxin/internal/model"
	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

// TestBackupUnderWritesRestoresTheSnapshot backs the demo database up with
// `tongxin backup` while a writer adds a user and its audit row in one
// transaction after another, restores the copy into a fresh database with
// `tongxin backup restore`, and checks that the copy is the source as of one
// moment: every table has the source's rows up to the copy's last id, row for
// row (a checksum of each table), each written user has its audit row and no
// audit row lacks its user, the writer went on during the backup, and the
// restored database still refuses changes to the audit log and hands out new
// ids after the restored ones.
func TestBackupUnderWritesRestoresTheSnapshot(t *testing.T) {
	for _, dialect := range testenv.Dialects {
		t.Run(dialect, func(t *testing.T) {
			if dialect == store.Postgres {
				for _, tool := range []string{"pg_dump", "pg_restore"} {
					if _, err := exec.LookPath(tool); err != nil {
						t.Skipf("%s is not on PATH", tool)
					}
				}
			}
			ctx := context.Background()
			srv := testenv.NewServer(t, dialect)
			db := srv.DB
			if _, err := app.SeedDemo(ctx, db, srv.App.Auth, testenv.Password); err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			t.Chdir(dir)
			env := map[string]string{"TONGXIN_DATABASE_URL": sourceURL(db), "TONGXIN_LOG_LEVEL": "warn"}

			var wrote atomic.Int64
			stop := make(chan struct{})
			var wg sync.WaitGroup
			var werr error
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					if werr = writeUserWithAudit(ctx, db, i); werr != nil {
						return
					}
					wrote.Add(1)
				}
			}()
			waitUntil(t, func() bool { return wrote.Load() >= 20 })
			out := filepath.Join(dir, "tongxin.backup")
			code, stdout, stderr := run(t, ctx, env, "backup", "--out", out)
			if code != 0 {
				t.Fatalf("backup: %d %s", code, stderr)
			}
			atBackup := wrote.Load()
			waitUntil(t, func() bool { return wrote.Load() >= atBackup+20 })
			close(stop)
			wg.Wait()
			if werr != nil {
				t.Fatalf("the writer failed: %v", werr)
			}
			if !strings.Contains(stdout, "backup: "+out) {
				t.Errorf("backup output: %q", stdout)
			}
			if code, _, _ := run(t, ctx, env, "backup", "--out", out); code == 0 {
				t.Error("a backup over an existing file must be refused")
			}

			restoredURL := freshDatabaseURL(t, dialect, dir)
			renv := map[string]string{"TONGXIN_DATABASE_URL": restoredURL, "TONGXIN_LOG_LEVEL": "warn"}
			if code, _, stderr := run(t, ctx, renv, "backup", "restore", "--from", out); code != 0 {
				t.Fatalf("restore: %d %s", code, stderr)
			}
			if code, _, _ := run(t, ctx, renv, "backup", "restore", "--from", out); code == 0 {
				t.Error("a restore over a database that holds data must be refused")
			}
			restored := openURL(t, restoredURL)

			tables, err := db.Tables(ctx)
			if err != nil {
				t.Fatal(err)
			}
			rtables, err := restored.Tables(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(tables, ",") != strings.Join(rtables, ",") {
				t.Fatalf("tables differ:\nsource   %v\nrestored %v", tables, rtables)
			}
			total := 0
			for _, table := range tables {
				n, sum := tableChecksum(t, restored, table, 0)
				upTo := int64(0)
				if hasID(t, restored, table) {
					if upTo, err = restored.MaxID(ctx, table); err != nil {
						t.Fatal(err)
					}
					if upTo == 0 {
						upTo = -1 // an empty table: no source row is "up to" it
					}
				}
				sn, ssum := tableChecksum(t, db, table, upTo)
				if n != sn || sum != ssum {
					t.Errorf("%s: restored %d rows (%s…), source %d rows up to id %d (%s…)", table, n, sum[:12], sn, upTo, ssum[:12])
				}
				total += n
			}
			// The snapshot is one moment: each written user has its audit
			// row and the reverse; the writer went on during and after.
			users := queryInt(t, restored, "SELECT count(*) FROM users WHERE username LIKE 'backup.writer.%'")
			audits := queryInt(t, restored, "SELECT count(*) FROM audit_log WHERE action = 'backup.test'")
			if users != audits {
				t.Errorf("a torn copy: %d written users, %d audit rows", users, audits)
			}
			if users < 20 || users > wrote.Load() || users == wrote.Load() {
				t.Errorf("the copy holds %d written users of %d (20 before the backup, 20 after): not a copy under writes", users, wrote.Load())
			}
			// The audit log's guard came with the copy; new ids follow.
			if _, err := restored.SQL().ExecContext(ctx, "UPDATE audit_log SET action = 'tampered' WHERE id = (SELECT min(id) FROM audit_log)"); err == nil {
				t.Error("the restored audit log accepts an UPDATE: its guard was lost")
			}
			if err := writeUserWithAudit(ctx, restored, 1_000_000); err != nil {
				t.Errorf("a write into the restored database: %v", err)
			}
			t.Logf("%s: %d tables, %d rows restored; %d writes during the run, %d in the copy", dialect, len(tables), total, wrote.Load(), users)
		})
	}
}

// writeUserWithAudit creates a user and its audit row in one transaction.
func writeUserWithAudit(ctx context.Context, db *store.DB, i int) error {
	return db.WithTx(ctx, func(ctx context.Context) error {
		u := &model.User{Username: fmt.Sprintf("backup.writer.%d", i), DisplayName: "备份写入", Status: model.UserActive, PasswordHash: "x"}
		if err := db.CreateUser(ctx, u); err != nil {
			return err
		}
		return db.AppendAudit(ctx, &model.AuditEntry{Username: "backup.writer", Action: "backup.test", ObjectKind: "user",
			ObjectID: fmt.Sprint(u.ID), Changes: "{}"})
	})
}

func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func sourceURL(db *store.DB) string {
	if db.Dialect() == store.SQLite {
		return "sqlite:" + db.DSN()
	}
	return db.DSN()
}

// freshDatabaseURL is a database that does not exist yet (SQLite) or is
// empty (Postgres, UTF-8 for pg_trgm), dropped at the end.
func freshDatabaseURL(t *testing.T, dialect, dir string) string {
	t.Helper()
	if dialect == store.SQLite {
		return "sqlite:" + filepath.Join(dir, "restored", "tongxin.db")
	}
	admin, err := sql.Open("pgx", testenv.PostgresAdminURL())
	if err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("tongxin_restore_%d", time.Now().UnixNano())
	if _, err := admin.Exec("CREATE DATABASE " + name + " TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
		admin.Close()
	})
	u, _ := url.Parse(testenv.PostgresAdminURL())
	u.Path = "/" + name
	return u.String()
}

func openURL(t *testing.T, raw string) *store.DB {
	t.Helper()
	o := store.Options{Dialect: store.Postgres, DSN: raw}
	if p, ok := strings.CutPrefix(raw, "sqlite:"); ok {
		o = store.Options{Dialect: store.SQLite, DSN: p}
	}
	db, err := store.Open(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func hasID(t *testing.T, db *store.DB, table string) bool {
	t.Helper()
	rows, err := db.SQL().Query("SELECT * FROM " + table + " WHERE 1 = 0")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	return len(cols) > 0 && cols[0] == "id"
}

// tableChecksum hashes a table's rows in a stable order: by id up to upTo
// (upTo > 0), none (upTo < 0), or all rows ordered by every column (0).
func tableChecksum(t *testing.T, db *store.DB, table string, upTo int64) (int, string) {
	t.Helper()
	probe, err := db.SQL().Query("SELECT * FROM " + table + " WHERE 1 = 0")
	if err != nil {
		t.Fatal(err)
	}
	cols, _ := probe.Columns()
	probe.Close()
	order := make([]string, len(cols))
	for i := range cols {
		order[i] = fmt.Sprint(i + 1)
	}
	q := "SELECT * FROM " + table + " ORDER BY " + strings.Join(order, ", ")
	switch {
	case upTo > 0:
		q = fmt.Sprintf("SELECT * FROM %s WHERE id <= %d ORDER BY id", table, upTo)
	case upTo < 0:
		q = "SELECT * FROM " + table + " WHERE 1 = 0"
	}
	rows, err := db.SQL().Query(q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	h := sha256.New()
	n := 0
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for _, v := range vals {
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			if tm, ok := v.(time.Time); ok {
				v = tm.UTC().Format(time.RFC3339Nano)
			}
			fmt.Fprintf(h, "%v\x1f", v)
		}
		h.Write([]byte{'\n'})
		n++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return n, hex.EncodeToString(h.Sum(nil))
}

// TestBackupWithoutPgDumpPrintsTheCommand: on Postgres without pg_dump on
// PATH the command says what to run instead, password hidden.
func TestBackupWithoutPgDumpPrintsTheCommand(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv("PATH", dir)
	env := map[string]string{"TONGXIN_DATABASE_URL": "postgres://tongxin:secret@db.example:5432/tongxin?sslmode=disable", "TONGXIN_LOG_LEVEL": "warn"}
	code, _, stderr := run(t, context.Background(), env, "backup", "--out", "x.dump")
	if code != 1 || !strings.Contains(stderr, "pg_dump --format=custom") || !strings.Contains(stderr, "--file=x.dump") ||
		strings.Contains(stderr, "secret") {
		t.Fatalf("%d %s", code, stderr)
	}
	if code, _, _ := run(t, context.Background(), env, "backup"); code != 2 {
		t.Errorf("backup without --out: %d, want 2", code)
	}
}
