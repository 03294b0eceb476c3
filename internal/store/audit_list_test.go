package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"tongxin/internal/model"
	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

// appendAuditAt writes an audit row as if at t.
func appendAuditAt(t *testing.T, db *store.DB, at time.Time, e model.AuditEntry) *model.AuditEntry {
	t.Helper()
	db.SetClock(func() time.Time { return at })
	defer db.SetClock(time.Now)
	if err := db.AppendAudit(context.Background(), &e); err != nil {
		t.Fatal(err)
	}
	return &e
}

func countAudit(t *testing.T, db *store.DB) int {
	t.Helper()
	var n int
	if err := db.SQL().QueryRowContext(context.Background(), "SELECT count(*) FROM audit_log").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestAuditLogIsAppendOnly: the database itself refuses to change or delete
// audit rows, whatever the code path, except inside the archiving
// transaction; and that transaction closes the door behind it.
func TestAuditLogIsAppendOnly(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		old := time.Now().UTC().AddDate(-1, 0, 0)
		a := appendAuditAt(t, db, old, model.AuditEntry{Username: "li", Action: "user.create", ObjectKind: "user", ObjectID: "7"})
		appendAuditAt(t, db, time.Now().UTC(), model.AuditEntry{Username: "li", Action: "user.update", ObjectKind: "user", ObjectID: "7"})

		refused := func(name, query string) {
			t.Helper()
			if _, err := db.SQL().ExecContext(ctx, query); err == nil {
				t.Errorf("%s: the database accepted %q", name, query)
			} else if !strings.Contains(err.Error(), "append-only") {
				t.Errorf("%s: refused, but not by the guard: %v", name, err)
			}
		}
		refused("update one", fmt.Sprintf("UPDATE audit_log SET action = 'forged' WHERE id = %d", a.ID))
		refused("update all", "UPDATE audit_log SET username = 'nobody'")
		refused("delete one", fmt.Sprintf("DELETE FROM audit_log WHERE id = %d", a.ID))
		refused("delete all", "DELETE FROM audit_log")
		if db.Dialect() == store.Postgres {
			refused("truncate", "TRUNCATE audit_log")
		}
		// Inside an ordinary transaction: still refused.
		tx, err := db.SQL().BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM audit_log"); err == nil {
			t.Errorf("a DELETE inside an ordinary transaction was accepted")
		}
		_ = tx.Rollback()
		if n := countAudit(t, db); n != 2 {
			t.Fatalf("%d rows after the refused statements, want 2", n)
		}

		// The old back door: a session-local setting (Postgres) or the
		// archive lock row (SQLite) opens nothing any more.
		tx, err = db.SQL().BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if db.Dialect() == store.Postgres {
			if _, err := tx.ExecContext(ctx, "SET LOCAL tongxin.audit_archive = 'on'"); err != nil {
				t.Fatal(err)
			}
		} else if _, err := tx.ExecContext(ctx, "UPDATE audit_archive_lock SET active = 1 WHERE id = 1"); err != nil {
			t.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("DELETE FROM audit_log WHERE id = %d", a.ID)); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("a DELETE after the old switch: %v, want the guard's refusal", err)
		}
		_ = tx.Rollback()

		// A hand-made archive record for young rows, or under the minimum
		// retention, is refused by the database itself.
		for name, q := range map[string]string{
			"young rows": fmt.Sprintf(`INSERT INTO audit_archives (from_id, to_id, before_at, retention_seconds, row_count, checksum, chain)
				VALUES (1, 1000000, '%s', %d, 2, 'x', 'y')`, time.Now().UTC().Add(-time.Hour).Format(time.RFC3339), 180*86400),
			"short retention": fmt.Sprintf(`INSERT INTO audit_archives (from_id, to_id, before_at, retention_seconds, row_count, checksum, chain)
				VALUES (1, 1000000, '%s', %d, 2, 'x', 'y')`, time.Now().UTC().AddDate(0, 0, -100).Format(time.RFC3339), 30*86400),
		} {
			if _, err := db.SQL().ExecContext(ctx, q); err == nil {
				t.Errorf("%s: the database accepted an archive record", name)
			}
		}
		if n := countAudit(t, db); n != 2 {
			t.Fatalf("%d rows after the refused statements, want 2", n)
		}

		// The archive path, outside a transaction: refused by the code.
		req := store.ArchiveRequest{Before: time.Now().UTC().AddDate(0, 0, -180), Retention: 180 * 24 * time.Hour,
			ToID: 1 << 40, Rows: 1, Checksum: strings.Repeat("ab", 32), By: "ops@db1", File: "/a.csv"}
		if _, err := db.ArchiveAudit(ctx, req); err == nil {
			t.Errorf("ArchiveAudit ran outside a transaction")
		}
		// Young rows: refused by the database (the record's own check),
		// nothing deleted.
		young := req
		young.Before, young.Rows = time.Now().UTC().Add(time.Minute), 2
		err = db.WithTx(ctx, func(ctx context.Context) error {
			_, err := db.ArchiveAudit(ctx, young)
			return err
		})
		if !errors.Is(err, model.ErrRule) {
			t.Errorf("archiving young rows: %v, want a RuleError", err)
		}
		short := req
		short.Retention = 10 * 24 * time.Hour
		short.Before = time.Now().UTC().AddDate(0, 0, -10)
		err = db.WithTx(ctx, func(ctx context.Context) error {
			_, err := db.ArchiveAudit(ctx, short)
			return err
		})
		if !errors.Is(err, model.ErrRule) {
			t.Errorf("archiving under a 10-day retention: %v, want a RuleError", err)
		}
		// A count that differs from the rows announced: nothing deleted.
		wrong := req
		wrong.Rows = 5
		err = db.WithTx(ctx, func(ctx context.Context) error {
			_, err := db.ArchiveAudit(ctx, wrong)
			return err
		})
		if !errors.Is(err, store.ErrArchiveChanged) {
			t.Errorf("archiving with a wrong count: %v, want ErrArchiveChanged", err)
		}
		if n := countAudit(t, db); n != 2 {
			t.Fatalf("%d rows after the refused archives, want 2", n)
		}
		if as, err := db.AuditArchives(ctx); err != nil || len(as) != 0 {
			t.Fatalf("archive records after refusals: %v %v", as, err)
		}

		// Inside one: deletes the old row only (the new row is newer than the
		// cutoff), and leaves its record.
		var rec *store.AuditArchive
		err = db.WithTx(ctx, func(ctx context.Context) error {
			var err error
			rec, err = db.ArchiveAudit(ctx, req)
			return err
		})
		if err != nil {
			t.Fatalf("archive: %v", err)
		}
		if n := countAudit(t, db); n != 1 {
			t.Fatalf("%d rows after archiving, want 1", n)
		}
		as, err := db.AuditArchives(ctx)
		if err != nil || len(as) != 1 || as[0].ID != rec.ID || as[0].FromID != a.ID || as[0].RowCount != 1 ||
			as[0].Checksum != req.Checksum || as[0].Chain != store.ArchiveChain("", req.Checksum) || as[0].ArchivedBy != "ops@db1" {
			t.Fatalf("archive records: %+v %v", as, err)
		}
		if err := db.VerifyAuditArchives(ctx); err != nil {
			t.Errorf("verify after archiving: %v", err)
		}
		// The door is shut again afterwards, for every connection.
		refused("delete after an archive", "DELETE FROM audit_log")
		refused("update after an archive", "UPDATE audit_log SET action = 'forged'")
		// The record cannot be changed or removed.
		for _, q := range []string{"UPDATE audit_archives SET row_count = 0", "DELETE FROM audit_archives"} {
			if _, err := db.SQL().ExecContext(ctx, q); err == nil {
				t.Errorf("the database accepted %q", q)
			}
		}
		// A failed archive transaction leaves no record and deletes nothing.
		_ = db.WithTx(ctx, func(ctx context.Context) error {
			if _, err := db.ArchiveAudit(ctx, store.ArchiveRequest{Before: req.Before, Retention: req.Retention, ToID: 1 << 40, Checksum: "c"}); err != nil {
				return err
			}
			return errors.New("changed my mind")
		})
		if as, _ := db.AuditArchives(ctx); len(as) != 1 {
			t.Errorf("%d records after a rolled-back archive, want 1", len(as))
		}
		refused("delete after a rolled-back archive", "DELETE FROM audit_log")
	})
}

// TestListAudit checks the filters, the newest-first order and keyset paging.
func TestListAudit(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		base := time.Date(2026, 3, 5, 2, 0, 0, 0, time.UTC) // 10:00 in Shanghai
		uid := int64(42)
		rows := []model.AuditEntry{
			{UserID: &uid, Username: "Li.Ming", Action: "login.success", ObjectKind: "user", ObjectID: "42"},
			{Username: "wang", Action: "login.failure", ObjectKind: "user", Changes: `{"reason":"bad_password"}`},
			{Username: "zhang_san", Action: "user.create", ObjectKind: "user", ObjectID: "43"},
			{Username: "zhangxsan", Action: "user.create_x", ObjectKind: "user", ObjectID: "44"},
			{Username: "li.ming", Action: "role_assignment.create", ObjectKind: "role_assignment", ObjectID: "9", Domain: "sys"},
		}
		var ids []int64
		for i, r := range rows {
			e := appendAuditAt(t, db, base.Add(time.Duration(i)*time.Hour), r)
			ids = append(ids, e.ID)
		}
		list := func(f store.AuditFilter) []int64 {
			t.Helper()
			l, err := db.ListAudit(ctx, f, model.PageRequest{Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			var out []int64
			for _, e := range l.Items {
				out = append(out, e.ID)
			}
			return out
		}
		for _, tt := range []struct {
			name string
			f    store.AuditFilter
			want []int64
		}{
			{"all, newest first", store.AuditFilter{}, []int64{ids[4], ids[3], ids[2], ids[1], ids[0]}},
			{"from", store.AuditFilter{From: base.Add(3 * time.Hour)}, []int64{ids[4], ids[3]}},
			{"to is exclusive", store.AuditFilter{To: base.Add(2 * time.Hour)}, []int64{ids[1], ids[0]}},
			{"range", store.AuditFilter{From: base.Add(time.Hour), To: base.Add(3 * time.Hour)}, []int64{ids[2], ids[1]}},
			{"username, any case", store.AuditFilter{Username: "LI.M"}, []int64{ids[4], ids[0]}},
			{"username _ is no wildcard", store.AuditFilter{Username: "g_s"}, []int64{ids[2]}},
			{"action prefix", store.AuditFilter{Action: "login."}, []int64{ids[1], ids[0]}},
			{"action prefix, not substring", store.AuditFilter{Action: "create"}, nil},
			{"action code as prefix", store.AuditFilter{Action: "user.create"}, []int64{ids[3], ids[2]}},
			{"action % is no wildcard", store.AuditFilter{Action: "%create"}, nil},
			{"object kind", store.AuditFilter{ObjectKind: "role_assignment"}, []int64{ids[4]}},
			{"object id", store.AuditFilter{ObjectKind: "user", ObjectID: "43"}, []int64{ids[2]}},
			{"max id", store.AuditFilter{MaxID: ids[1]}, []int64{ids[1], ids[0]}},
		} {
			if got := list(tt.f); fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
			}
		}

		// Keyset paging, two at a time, newest first, then back.
		var seen []int64
		req := model.PageRequest{Limit: 2}
		var pages []model.List[model.AuditEntry]
		for {
			l, err := db.ListAudit(ctx, store.AuditFilter{}, req)
			if err != nil {
				t.Fatal(err)
			}
			if l.Total != 5 {
				t.Errorf("total %d, want 5", l.Total)
			}
			pages = append(pages, l)
			for _, e := range l.Items {
				seen = append(seen, e.ID)
			}
			if l.Next == "" {
				break
			}
			req.After = l.Next
		}
		if want := []int64{ids[4], ids[3], ids[2], ids[1], ids[0]}; fmt.Sprint(seen) != fmt.Sprint(want) {
			t.Errorf("paged: %v, want %v", seen, want)
		}
		back, err := db.ListAudit(ctx, store.AuditFilter{}, model.PageRequest{Limit: 2, Before: pages[2].Prev})
		if err != nil || len(back.Items) != 2 || back.Items[0].ID != ids[2] {
			t.Errorf("previous page: %+v, err %v", back.Items, err)
		}

		// EachAudit walks the same rows in batches, in both orders.
		for _, tt := range []struct {
			order store.AuditOrder
			want  []int64
		}{
			{store.AuditNewestFirst, []int64{ids[4], ids[3], ids[2], ids[1], ids[0]}},
			{store.AuditByID, ids},
		} {
			var got []int64
			err := db.EachAudit(ctx, store.AuditFilter{}, tt.order, 2, func(e *model.AuditEntry) error {
				got = append(got, e.ID)
				return nil
			})
			if err != nil || fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("EachAudit order %d: %v (err %v), want %v", tt.order, got, err, tt.want)
			}
		}
		var got []int64
		_ = db.EachAudit(ctx, store.AuditFilter{Action: "user."}, store.AuditNewestFirst, 1, func(e *model.AuditEntry) error {
			got = append(got, e.ID)
			return nil
		})
		if want := []int64{ids[3], ids[2]}; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("EachAudit filtered: %v, want %v", got, want)
		}
	})
}
