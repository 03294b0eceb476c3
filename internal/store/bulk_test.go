package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"tongxin/internal/model"
	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

// TestBulkLoad writes rows with explicit ids, NULLs, times and booleans in
// one transaction on each database, reports progress, and leaves the id
// sequences ready for the application's next insert.
func TestBulkLoad(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		at := time.Date(2026, 3, 5, 1, 2, 3, 0, time.UTC)
		const n = 1234 // more than one SQLite batch, and a partial last one
		var progress []int
		err := db.BulkLoad(ctx, func(w *store.BulkWriter) error {
			w.Progress = func(table string, rows int) { progress = append(progress, rows) }
			return w.Copy(ctx, "users", []string{"id", "username", "display_name", "password_hash", "must_change_password",
				"password_changed_at", "created_at", "updated_at"}, n, func(i int, v []any) {
				var changed any
				if i%2 == 0 {
					changed = at
				}
				v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7] = int64(100+i), fmt.Sprintf("bulk%04d", i), "批量用户", "x", i%3 == 0, changed, at, at
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(progress) == 0 || progress[len(progress)-1] != n {
			t.Fatalf("progress %v, want it to end at %d", progress, n)
		}
		if c, err := db.CountRows(ctx, "users"); err != nil || c != n {
			t.Fatalf("%d users (%v), want %d", c, err, n)
		}
		if m, err := db.MaxID(ctx, "users"); err != nil || m != int64(100+n-1) {
			t.Fatalf("max id %d (%v)", m, err)
		}
		u, err := db.UserByUsername(ctx, "bulk0003")
		if err != nil {
			t.Fatal(err)
		}
		if u.ID != 103 || u.DisplayName != "批量用户" || !u.MustChangePassword || u.PasswordChangedAt != nil || !u.CreatedAt.Equal(at) {
			t.Fatalf("row 3 read back as %+v", u)
		}
		if u, _ := db.UserByUsername(ctx, "bulk0004"); u == nil || u.PasswordChangedAt == nil || !u.PasswordChangedAt.Equal(at) {
			t.Fatalf("row 4's time: %+v", u)
		}
		if err := db.ResetSequences(ctx, "users"); err != nil {
			t.Fatal(err)
		}
		next := &model.User{Username: "after", DisplayName: "after", Status: model.UserActive, PasswordHash: "x"}
		if err := db.CreateUser(ctx, next); err != nil {
			t.Fatalf("insert after the bulk load: %v", err)
		}
		if next.ID != int64(100+n) {
			t.Fatalf("the next id is %d, want %d", next.ID, 100+n)
		}
		if err := db.AnalyzeTables(ctx, "users"); err != nil {
			t.Fatal(err)
		}
	})
}

// TestBulkLoadRollsBack: an error anywhere leaves nothing written; bad
// identifiers are refused before any SQL.
func TestBulkLoadRollsBack(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		boom := errors.New("boom")
		cols := []string{"id", "district_id", "code", "name"}
		err := db.BulkLoad(ctx, func(w *store.BulkWriter) error {
			if err := w.Copy(ctx, "streets", cols, 250, func(i int, v []any) {
				v[0], v[1], v[2], v[3] = int64(i+1), int64(310104), fmt.Sprintf("c%d", i), "街道"
			}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("err %v, want boom", err)
		}
		// A row the database refuses (a unique code twice) rolls back the rows before it.
		err = db.BulkLoad(ctx, func(w *store.BulkWriter) error {
			return w.Copy(ctx, "streets", cols, 250, func(i int, v []any) {
				v[0], v[1], v[2], v[3] = int64(i+1), int64(310104), fmt.Sprintf("c%d", min(i, 200)), "街道"
			})
		})
		if err == nil {
			t.Fatal("a duplicate code was accepted")
		}
		if c, _ := db.CountRows(ctx, "streets"); c != 0 {
			t.Fatalf("%d streets after failed loads, want 0", c)
		}
		for _, bad := range []string{"streets; DROP TABLE users", "Streets", ""} {
			err := db.BulkLoad(ctx, func(w *store.BulkWriter) error {
				return w.Copy(ctx, bad, cols, 1, func(int, []any) {})
			})
			if err == nil {
				t.Errorf("table name %q accepted", bad)
			}
		}
		if _, err := db.MaxID(ctx, "x y"); err == nil {
			t.Error("MaxID took a bad name")
		}
	})
}
