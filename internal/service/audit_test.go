package service_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"tongxin/internal/authz"
	"tongxin/internal/model"
	"tongxin/internal/service"
	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

// memSink is an ArchiveSink in memory that can be told to fail.
type memSink struct {
	rows      []int64
	failWrite int // fail on this write (1-based); 0: never
	failCommit,
	committed bool
	onCommit func() // runs inside Commit (another archive sneaking in)
}

func (m *memSink) Write(e *model.AuditEntry) error {
	if m.failWrite > 0 && len(m.rows)+1 == m.failWrite {
		return errors.New("disk full")
	}
	m.rows = append(m.rows, e.ID)
	return nil
}

// Checksum is a stand-in for the file's SHA-256: one per set of rows.
func (m *memSink) Checksum() string { return fmt.Sprintf("%064x", len(m.rows)) }

func (m *memSink) Commit() error {
	if m.failCommit {
		return errors.New("fsync failed")
	}
	if m.onCommit != nil {
		m.onCommit()
	}
	m.committed = true
	return nil
}

func auditIDs(t *testing.T, db *store.DB) []int64 {
	t.Helper()
	var ids []int64
	err := db.EachAudit(context.Background(), store.AuditFilter{}, store.AuditByID, 100, func(e *model.AuditEntry) error {
		ids = append(ids, e.ID)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func lastAudit(t *testing.T, db *store.DB) model.AuditEntry {
	t.Helper()
	l, err := db.ListAudit(context.Background(), store.AuditFilter{}, model.PageRequest{Limit: 1, Sort: "id", Desc: true})
	if err != nil || len(l.Items) != 1 {
		t.Fatalf("last audit row: %v %v", l.Items, err)
	}
	return l.Items[0]
}

// TestAuditArchive: rows leave the database only after the sink has them
// durably, exactly those rows, never younger than the legal minimum.
func TestAuditArchive(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Now().UTC()
		at := func(ts time.Time, action string) int64 {
			db.SetClock(func() time.Time { return ts })
			defer db.SetClock(time.Now)
			e := &model.AuditEntry{Username: "li", Action: action, ObjectKind: "user", ObjectID: "1"}
			if err := db.AppendAudit(ctx, e); err != nil {
				t.Fatal(err)
			}
			return e.ID
		}
		old1 := at(now.AddDate(0, 0, -400), "user.create")
		young := at(now.AddDate(0, 0, -10), "user.update")
		old2 := at(now.AddDate(0, 0, -200), "user.disable") // older than 180 days, but a later id
		edge := at(now.AddDate(0, 0, -179), "user.enable")
		svc := service.NewAudit(service.Deps{DB: db}, service.AuditOptions{})
		cli := model.Actor{Username: "cli", IP: "local"}
		req := service.ArchiveRequest{OlderThan: service.AuditMinRetention, File: "/var/archive/a.csv", OSUser: "ops", Host: "db1"}

		// Too young: refused before anything is read.
		for _, d := range []time.Duration{0, 30 * 24 * time.Hour, service.AuditMinRetention - time.Second} {
			sink := &memSink{}
			r := req
			r.OlderThan = d
			if _, err := svc.Archive(ctx, cli, r, sink); !errors.Is(err, model.ErrRule) {
				t.Errorf("older than %v: err %v, want a RuleError", d, err)
			}
			if len(sink.rows) > 0 {
				t.Errorf("older than %v: %d rows written", d, len(sink.rows))
			}
		}
		// A configured minimum below the legal one is raised to it.
		if got := service.NewAudit(service.Deps{DB: db}, service.AuditOptions{MinArchiveAge: time.Hour}).MinArchiveAge(); got != service.AuditMinRetention {
			t.Errorf("min archive age %v, want %v", got, service.AuditMinRetention)
		}
		longer := service.NewAudit(service.Deps{DB: db}, service.AuditOptions{MinArchiveAge: 365 * 24 * time.Hour})
		if _, err := longer.Archive(ctx, cli, req, &memSink{}); !errors.Is(err, model.ErrRule) {
			t.Errorf("180 days under a 365-day minimum: err %v, want a RuleError", err)
		}

		// The sink fails (while writing, or making the file durable): nothing is deleted.
		for _, sink := range []*memSink{{failWrite: 2}, {failCommit: true}} {
			if _, err := svc.Archive(ctx, cli, req, sink); err == nil {
				t.Errorf("sink %+v: no error", sink)
			}
			if got := auditIDs(t, db); fmt.Sprint(got) != fmt.Sprint([]int64{old1, young, old2, edge}) {
				t.Fatalf("after a failed sink the log holds %v: something was deleted", got)
			}
		}

		// The real thing.
		sink := &memSink{}
		res, err := svc.Archive(ctx, cli, req, sink)
		if err != nil {
			t.Fatal(err)
		}
		if !sink.committed || fmt.Sprint(sink.rows) != fmt.Sprint([]int64{old1, old2}) {
			t.Errorf("sink got %v (committed %v), want [%d %d]", sink.rows, sink.committed, old1, old2)
		}
		if res.Rows != 2 || res.LastID != old2 {
			t.Errorf("result %+v", res)
		}
		got := auditIDs(t, db)
		if len(got) != 3 || got[0] != young || got[1] != edge {
			t.Fatalf("left in the log: %v, want [%d %d <archive row>]", got, young, edge)
		}
		row := lastAudit(t, db)
		if row.Action != service.ActionAuditArchive || row.Username != "cli" {
			t.Errorf("archive audit row: %+v", row)
		}
		var ch map[string]any
		if err := json.Unmarshal([]byte(row.Changes), &ch); err != nil {
			t.Fatal(err)
		}
		if ch["rows"] != float64(2) || ch["file"] != "/var/archive/a.csv" || ch["os_user"] != "ops" || ch["host"] != "db1" ||
			ch["checksum"] != sink.Checksum() || res.Record == nil || ch["chain"] != res.Record.Chain {
			t.Errorf("archive audit changes: %v", ch)
		}
		// The database's own record of it, and the chain over the records.
		if as, err := db.AuditArchives(ctx); err != nil || len(as) != 1 || as[0].RowCount != 2 || as[0].FromID != old1 || as[0].ToID != old2 ||
			as[0].Checksum != sink.Checksum() || as[0].ArchivedBy != "ops@db1" || as[0].File != "/var/archive/a.csv" {
			t.Errorf("archive records: %+v %v", as, err)
		}
		if err := db.VerifyAuditArchives(ctx); err != nil {
			t.Errorf("verify: %v", err)
		}

		// Nothing left to archive: an empty archive, still recorded.
		sink = &memSink{}
		res, err = svc.Archive(ctx, cli, req, sink)
		if err != nil || res.Rows != 0 || len(sink.rows) != 0 || !sink.committed {
			t.Errorf("second archive: %+v %v %v", res, sink, err)
		}
		if n := len(auditIDs(t, db)); n != 4 {
			t.Errorf("%d rows after the empty archive, want 4", n)
		}

		// Another archive deletes some of the rows between our read and our
		// delete: the counts differ, ours rolls back and deletes nothing.
		old3 := at(now.AddDate(0, 0, -300), "user.create")
		old4 := at(now.AddDate(0, 0, -250), "user.create")
		before := auditIDs(t, db)
		sink = &memSink{onCommit: func() {
			err := db.WithTx(ctx, func(ctx context.Context) error {
				_, err := db.ArchiveAudit(ctx, store.ArchiveRequest{Before: now.AddDate(0, 0, -180), Retention: service.AuditMinRetention,
					ToID: old3, Rows: 1, Checksum: "other"})
				return err
			})
			if err != nil {
				t.Errorf("the other archive: %v", err)
			}
		}}
		if _, err := svc.Archive(ctx, cli, req, sink); !errors.Is(err, model.ErrConflict) {
			t.Errorf("archive racing another: err %v, want a conflict", err)
		}
		if fmt.Sprint(sink.rows) != fmt.Sprint([]int64{old3, old4}) {
			t.Errorf("racing sink got %v", sink.rows)
		}
		after := auditIDs(t, db)
		if len(after) != len(before)-1 || after[len(after)-1] != old4 {
			t.Errorf("after the racing archive: %v (before %v): only the other archive's row may be gone", after, before)
		}
		// Two records now, chained; the verification holds.
		as, err := db.AuditArchives(ctx)
		if err != nil || len(as) != 2 || as[1].Chain != store.ArchiveChain(as[0].Chain, "other") {
			t.Errorf("archive records after the racing one: %+v %v", as, err)
		}
		if err := db.VerifyAuditArchives(ctx); err != nil {
			t.Errorf("verify: %v", err)
		}
	})
}

// TestAuditReadAndExport: only the audit admin reads and exports the log
// (三员分立), and an export is itself recorded with its filter.
func TestAuditReadAndExport(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		aud := testenv.CreateUser(t, db, "aud", model.RoleAuditor, model.DomainSys)
		sys := testenv.CreateUser(t, db, "sys", model.RoleSysadmin, model.DomainSys)
		sec := testenv.CreateUser(t, db, "sec", model.RoleSecadmin, model.DomainSys)
		nobody := testenv.CreateUser(t, db, "nobody", "", "")
		az, err := authz.New(ctx, db, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		svc := service.NewAudit(service.Deps{DB: db, Authz: az}, service.AuditOptions{})
		as := func(u *model.User) model.Actor {
			return model.Actor{UserID: u.ID, Username: u.Username, IP: "10.0.0.9", RequestID: "req-1"}
		}
		for _, a := range []string{"login.success", "user.create", "user.update"} {
			if err := db.AppendAudit(ctx, &model.AuditEntry{Username: "li", Action: a}); err != nil {
				t.Fatal(err)
			}
		}
		for _, u := range []*model.User{sys, sec, nobody} {
			if _, err := svc.List(ctx, as(u), store.AuditFilter{}, model.PageRequest{}); err == nil {
				t.Errorf("%s read the audit log", u.Username)
			}
			if err := svc.Export(ctx, as(u), store.AuditFilter{}, "csv", func(*model.AuditEntry) error { return nil }); err == nil {
				t.Errorf("%s exported the audit log", u.Username)
			}
		}
		if n := len(auditIDs(t, db)); n != 3 {
			t.Fatalf("refused exports wrote audit rows: %d rows, want 3", n)
		}
		l, err := svc.List(ctx, as(aud), store.AuditFilter{Action: "user."}, model.PageRequest{})
		if err != nil || l.Total != 2 {
			t.Fatalf("auditor list: total %d, err %v", l.Total, err)
		}
		from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		var exported []string
		f := store.AuditFilter{Action: "user.", From: from}
		err = svc.Export(ctx, as(aud), f, "xlsx", func(e *model.AuditEntry) error {
			exported = append(exported, e.Action)
			return nil
		})
		if err != nil || fmt.Sprint(exported) != "[user.update user.create]" {
			t.Errorf("export: %v, err %v", exported, err)
		}
		row := lastAudit(t, db)
		if row.Action != service.ActionAuditExport || row.Username != "aud" || row.IP != "10.0.0.9" || row.RequestID != "req-1" {
			t.Errorf("export audit row: %+v", row)
		}
		var ch struct {
			Format string            `json:"format"`
			Filter map[string]string `json:"filter"`
		}
		if err := json.Unmarshal([]byte(row.Changes), &ch); err != nil {
			t.Fatal(err)
		}
		if ch.Format != "xlsx" || ch.Filter["action"] != "user." || ch.Filter["from"] != "2026-01-01T00:00:00Z" || len(ch.Filter) != 2 {
			t.Errorf("export audit changes: %s", row.Changes)
		}
	})
}
