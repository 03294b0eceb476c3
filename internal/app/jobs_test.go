package app_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"tongxin/internal/app"
	"tongxin/internal/model"
	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

// TestServeRunsTheListsExpiryJob: the server registers lists.expire, and a
// run of it turns a need past its wanted-by day expired (and only that one).
func TestServeRunsTheListsExpiryJob(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		// Build starts the import worker on ctx: stop it with the test.
		ctx, cancel := context.WithCancel(context.Background())
		t.Cleanup(cancel)
		db.SetClock(func() time.Time { return time.Date(2026, 6, 1, 4, 0, 0, 0, time.UTC) })
		a, err := app.Build(ctx, testenv.Config(t), slog.New(slog.DiscardHandler), db)
		if err != nil {
			t.Fatal(err)
		}
		al := &model.Alliance{Name: "过期测试联盟", Kind: "regional", Level: model.LevelDistrict, DistrictID: 310104}
		if err := db.CreateAlliance(ctx, al); err != nil {
			t.Fatal(err)
		}
		u := &model.Unit{Name: "过期测试单位", Kind: "gov", DistrictID: 310104}
		if err := db.CreateUnit(ctx, u); err != nil {
			t.Fatal(err)
		}
		day := func(d int) *time.Time { v := time.Date(2026, 6, d, 0, 0, 0, 0, time.UTC); return &v }
		past := &model.Need{AllianceID: al.ID, DistrictID: 310104, SubmitterUnitID: u.ID, Title: "已过期限", Category: "care",
			Quantity: 1, Measure: "items", Status: model.NeedPublished, WantedBy: day(0)} // 31 May
		today := &model.Need{AllianceID: al.ID, DistrictID: 310104, SubmitterUnitID: u.ID, Title: "今天到期", Category: "care",
			Quantity: 1, Measure: "items", Status: model.NeedPublished, WantedBy: day(1)}
		for _, n := range []*model.Need{past, today} {
			if err := db.CreateNeed(ctx, n); err != nil {
				t.Fatal(err)
			}
		}
		ran, err := a.Jobs.RunDue(ctx, "lists.expire")
		if err != nil || !ran {
			t.Fatalf("run: %v %v", ran, err)
		}
		for n, want := range map[*model.Need]string{past: model.NeedExpired, today: model.NeedPublished} {
			got, err := db.NeedByID(ctx, n.ID)
			if err != nil || got.Status != want {
				t.Errorf("%s: %v %v, want %s", n.Title, got.Status, err, want)
			}
		}
	})
}
