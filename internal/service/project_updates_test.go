package service_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"tongxin/internal/model"
	"tongxin/internal/service"
	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

// TestProjectUpdateRules: a progress report is dated within the project's
// life (not before its approval, not after today by the injected clock, not
// after its end day), and a percentage lower than the report before it needs
// a reason, which is stored; on both databases.
func TestProjectUpdateRules(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clock := time.Date(2026, 5, 10, 2, 0, 0, 0, time.UTC) // 10:00 in Shanghai
		db.SetClock(func() time.Time { return clock })
		w := projectSetup(t, db)
		p := w.draft(t)
		var err error
		if p, err = w.svc.Fire(ctx, as(w.secretary), p.ID, model.ProjectActionSubmit, service.ActionInput{Version: p.Version}); err != nil {
			t.Fatal(err)
		}
		if p, err = w.svc.Fire(ctx, as(w.reviewer), p.ID, model.ProjectActionApprove, service.ActionInput{Version: p.Version}); err != nil {
			t.Fatal(err)
		}
		clock = time.Date(2026, 6, 15, 2, 0, 0, 0, time.UTC)
		report := func(on *time.Time, percent int, reason string) (*service.UpdateView, error) {
			return w.svc.AddUpdate(ctx, as(w.leadC), p.ID, service.UpdateInput{Percent: percent, Text: "进展", HappenedOn: on, Reason: reason})
		}
		field := func(err error, name, msg string) bool {
			var ve *model.ValidationError
			return errors.As(err, &ve) && ve.Fields[name] == msg
		}
		if _, err := report(day(2026, 5, 9), 10, ""); !field(err, "happened_on", "project.update_before_start") {
			t.Errorf("before approval: %v", err)
		}
		if _, err := report(day(2026, 6, 16), 10, ""); !field(err, "happened_on", "project.update_future") {
			t.Errorf("tomorrow: %v", err)
		}
		if u, err := report(day(2026, 5, 10), 30, ""); err != nil || u.Percent != 30 {
			t.Fatalf("approval day: %+v %v", u, err)
		}
		// Today by default; lower than 30 without a reason: refused on reason.
		if _, err := report(nil, 20, " "); !field(err, "reason", "project.percent_lower_reason") {
			t.Errorf("lower without reason: %v", err)
		}
		u, err := report(nil, 20, "施工方案调整，部分工作重做")
		if err != nil || u.Reason != "施工方案调整，部分工作重做" || !u.HappenedOn.Equal(*day(2026, 6, 15)) {
			t.Fatalf("lower with reason: %+v %v", u, err)
		}
		l, err := w.svc.Updates(ctx, as(w.secretary), p.ID, model.PageRequest{}.Normalize())
		if err != nil || len(l.Items) != 2 || l.Items[0].Reason != "施工方案调整，部分工作重做" {
			t.Fatalf("stored: %+v %v", l.Items, err)
		}
		// A report dated between the two compares with the one before it
		// (30 on 05-10): 10 needs a reason, 40 does not, and the project's
		// progress stays that of the latest day (20).
		if _, err := report(day(2026, 5, 20), 10, ""); !field(err, "reason", "project.percent_lower_reason") {
			t.Errorf("backdated lower: %v", err)
		}
		if _, err := report(day(2026, 5, 20), 40, ""); err != nil {
			t.Errorf("backdated higher: %v", err)
		}
		if cur, _ := db.ProjectByID(ctx, p.ID); cur.ProgressPercent != 20 {
			t.Errorf("progress %d, want the latest day's 20", cur.ProgressPercent)
		}
		// Not after the end day.
		cur, _ := db.ProjectByID(ctx, p.ID)
		if err := db.UpdateProject(ctx, p.ID, cur.Version, map[string]any{"ends_on": *day(2026, 6, 10)}); err != nil {
			t.Fatal(err)
		}
		if _, err := report(day(2026, 6, 12), 50, ""); !field(err, "happened_on", "project.update_after_end") {
			t.Errorf("after the end: %v", err)
		}
		if _, err := report(day(2026, 6, 10), 50, ""); err != nil {
			t.Errorf("on the end day: %v", err)
		}
	})
}
