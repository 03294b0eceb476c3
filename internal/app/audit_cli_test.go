package app_test

import (
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"tongxin/internal/model"
	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

func auditRows(t *testing.T, db *store.DB) []model.AuditEntry {
	t.Helper()
	var out []model.AuditEntry
	err := db.EachAudit(context.Background(), store.AuditFilter{}, store.AuditByID, 100, func(e *model.AuditEntry) error {
		out = append(out, *e)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestAuditArchiveCommand runs `tongxin audit archive` as an operator would,
// on both databases: the old rows land in the file first, then leave the
// database; nothing younger than 180 days can be archived; an existing file
// is never overwritten.
func TestAuditArchiveCommand(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			dir := t.TempDir()
			t.Chdir(dir)
			db := testenv.NewDB(t, d)
			ctx := context.Background()
			url := db.DSN()
			if d == store.SQLite {
				url = "sqlite:" + url
			}
			env := map[string]string{"TONGXIN_DATABASE_URL": url, "TONGXIN_LOG_LEVEL": "warn"}

			now := time.Now().UTC()
			uid := int64(7)
			add := func(daysAgo int, e model.AuditEntry) {
				db.SetClock(func() time.Time { return now.AddDate(0, 0, -daysAgo) })
				defer db.SetClock(time.Now)
				if err := db.AppendAudit(ctx, &e); err != nil {
					t.Fatal(err)
				}
			}
			add(400, model.AuditEntry{UserID: &uid, Username: "li.ming", IP: "10.1.2.3", RequestID: "r-1", Action: "user.create",
				ObjectKind: "user", ObjectID: "8", Domain: "sys", Changes: `{"display_name":[null,"王小明, \"小王\""]}`})
			add(10, model.AuditEntry{Username: "wang", Action: "user.update", ObjectKind: "user", ObjectID: "8"})
			add(200, model.AuditEntry{Username: "=HYPERLINK(\"x\")", IP: "10.9.9.9", Action: "login.failure", ObjectKind: "user", Changes: `{"reason":"unknown_user"}`})
			add(179, model.AuditEntry{Username: "zhao", Action: "user.unlock", ObjectKind: "user", ObjectID: "8"})
			before := auditRows(t, db)
			oldRows := []model.AuditEntry{before[0], before[2]}

			// Refusals change nothing and create no file.
			out := filepath.Join(dir, "archive.csv")
			for _, args := range [][]string{
				{"--older-than", "30d", "--out", out},
				{"--older-than", "179d", "--out", out},
				{"--older-than", "4319h", "--out", out},
				{"--older-than", "soon", "--out", out},
				{"--older-than", "-200d", "--out", out},
				{"--out", out},
				{"--older-than", "180d"},
			} {
				code, stdout, stderr := run(t, ctx, env, append([]string{"audit", "archive"}, args...)...)
				if code != 2 {
					t.Errorf("%v: exit %d, want 2 (stdout %q, stderr %q)", args, code, stdout, stderr)
				}
				if args[1] == "30d" && !strings.Contains(stderr, "180 days") {
					t.Errorf("%v: the refusal does not name the minimum: %q", args, stderr)
				}
				if _, err := os.Stat(out); !os.IsNotExist(err) {
					t.Fatalf("%v: the file was created", args)
				}
			}
			if n := len(auditRows(t, db)); n != len(before) {
				t.Fatalf("refused runs left %d rows, want %d", n, len(before))
			}

			// An existing file is never overwritten, and nothing is deleted.
			taken := filepath.Join(dir, "taken.csv")
			if err := os.WriteFile(taken, []byte("earlier archive"), 0o600); err != nil {
				t.Fatal(err)
			}
			code, _, stderr := run(t, ctx, env, "audit", "archive", "--older-than", "180d", "--out", taken)
			if code == 0 || !strings.Contains(stderr, "exists") {
				t.Errorf("existing file: exit %d, stderr %q", code, stderr)
			}
			if b, _ := os.ReadFile(taken); string(b) != "earlier archive" {
				t.Errorf("the existing file was changed: %q", b)
			}
			if n := len(auditRows(t, db)); n != len(before) {
				t.Fatalf("the refused run left %d rows, want %d", n, len(before))
			}

			// The archive.
			code, stdout, stderr := run(t, ctx, env, "audit", "archive", "--older-than", "180d", "--out", "archive.csv")
			if code != 0 {
				t.Fatalf("archive: exit %d: %s", code, stderr)
			}
			if want := fmt.Sprintf("archived 2 rows to %s\n", out); !strings.HasPrefix(stdout, want) {
				t.Errorf("stdout %q, want %q first", stdout, want)
			}
			if st, err := os.Stat(out); err != nil || st.Mode().Perm() != 0o600 {
				t.Errorf("archive file mode: %v %v, want 0600", st, err)
			}
			raw, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(raw), "\uFEFF"))).ReadAll()
			if err != nil {
				t.Fatalf("the archive does not parse as CSV: %v", err)
			}
			if got := strings.Join(recs[0], ","); got != "id,created_at,user_id,username,ip,request_id,action,object_kind,object_id,domain,changes,updated_at" {
				t.Errorf("header %q", got)
			}
			if len(recs) != 3 {
				t.Fatalf("%d data rows in the archive, want 2: %q", len(recs)-1, recs)
			}
			for i, e := range oldRows {
				r := recs[i+1]
				created, err := time.Parse(time.RFC3339Nano, r[1])
				if err != nil || !created.Equal(e.CreatedAt) {
					t.Errorf("row %d created_at %q (%v), want %v", i, r[1], err, e.CreatedAt)
				}
				uid := ""
				if e.UserID != nil {
					uid = strconv.FormatInt(*e.UserID, 10)
				}
				want := []string{strconv.FormatInt(e.ID, 10), uid, e.Username, e.IP, e.RequestID, e.Action, e.ObjectKind, e.ObjectID, e.Domain, e.Changes}
				got := append([]string{r[0]}, r[2:11]...)
				if e.Username[0] == '=' {
					want[2] = "'" + e.Username // the formula guard
				}
				if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", want) {
					t.Errorf("row %d:\n got  %q\n want %q", i, got, want)
				}
			}

			// What is left: the rows younger than 180 days, and the record of the archive.
			left := auditRows(t, db)
			if len(left) != 3 || left[0].ID != before[1].ID || left[1].ID != before[3].ID {
				t.Fatalf("left in the log: %+v", left)
			}
			rec := left[2]
			var ch map[string]any
			if err := json.Unmarshal([]byte(rec.Changes), &ch); err != nil {
				t.Fatal(err)
			}
			if rec.Action != "audit.archive" || rec.Username != "cli" || ch["rows"] != float64(2) || ch["file"] != out {
				t.Errorf("archive audit row: %+v", rec)
			}
			// The database's record holds the file's SHA-256 (what sha256sum
			// prints), and the chain over the records verifies.
			sum := sha256.Sum256(raw)
			as, err := db.AuditArchives(ctx)
			if err != nil || len(as) != 1 || as[0].Checksum != hex.EncodeToString(sum[:]) || as[0].RowCount != 2 || ch["checksum"] != as[0].Checksum {
				t.Errorf("archive record %+v %v, want the file's sha256 %x", as, err, sum)
			}
			if !strings.Contains(stdout, "sha256 "+hex.EncodeToString(sum[:])) {
				t.Errorf("stdout does not give the checksum: %q", stdout)
			}
			if err := db.VerifyAuditArchives(ctx); err != nil {
				t.Errorf("verify: %v", err)
			}
			code, stdout, stderr = run(t, ctx, env, "audit", "verify", "--file", out)
			if code != 0 || !strings.Contains(stdout, "1 archive records; chain and ranges verified") || !strings.Contains(stdout, "is archive record") {
				t.Errorf("audit verify: exit %d, %q %q", code, stdout, stderr)
			}
			// A changed file matches no record.
			tampered := filepath.Join(filepath.Dir(out), "tampered.csv")
			if err := os.WriteFile(tampered, append(raw, []byte("999,forged\n")...), 0o600); err != nil {
				t.Fatal(err)
			}
			if code, _, stderr = run(t, ctx, env, "audit", "verify", "--file", tampered); code == 0 || !strings.Contains(stderr, "matches no archive record") {
				t.Errorf("audit verify of a changed file: exit %d, %q", code, stderr)
			}

			// A Go duration works too; nothing old is left, so the new file holds the header only.
			code, stdout, stderr = run(t, ctx, env, "audit", "archive", "--older-than", "4320h", "--out", "again.csv")
			if code != 0 || !strings.HasPrefix(stdout, "archived 0 rows to ") {
				t.Errorf("second archive: exit %d, %q %q", code, stdout, stderr)
			}
		})
	}
}

func TestAuditCommandHelp(t *testing.T) {
	code, _, stderr := run(t, context.Background(), nil, "audit", "--help")
	if code != 0 || !strings.Contains(stderr, "Usage: tongxin audit archive") {
		t.Errorf("audit --help: %d %q", code, stderr)
	}
	code, _, stderr = run(t, context.Background(), nil, "audit", "archive", "--help")
	if code != 0 || !strings.Contains(stderr, "--older-than") {
		t.Errorf("audit archive --help: %d %q", code, stderr)
	}
	if code, _, _ := run(t, context.Background(), nil, "audit", "purge"); code != 2 {
		t.Errorf("audit purge: exit %d, want 2", code)
	}
}
