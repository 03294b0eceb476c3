package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"tongxin/internal/model"
	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

func (w listWorld) resource(t *testing.T, db *store.DB, unit int64, title, desc, status, visibility string, from, until *time.Time) *model.Resource {
	t.Helper()
	r := &model.Resource{AllianceID: w.alliance.ID, DistrictID: 310104, ProviderUnitID: unit, Title: title, Description: desc,
		Kind: "volunteers", Capacity: 10, Measure: "person_times", Status: status, Visibility: visibility, AvailableFrom: from, AvailableUntil: until}
	if err := db.CreateResource(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	return r
}

func resourceTitles(l model.List[store.ResourceRow]) []string {
	var out []string
	for _, r := range l.Items {
		out = append(out, r.Title)
	}
	slices.Sort(out)
	return out
}

// TestResourceSearchFiltersExpiry: Chinese search of 2 and 4 characters,
// the date-overlap filter, visibility, a stale edit and expiry, on both
// databases.
func TestResourceSearchFiltersExpiry(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newListWorld(t, db)
		day := func(m time.Month, d int) *time.Time { x := time.Date(2026, m, d, 0, 0, 0, 0, time.UTC); return &x }
		room := w.resource(t, db, w.unitA, "多功能会议室", "可容纳八十人的会议室", model.ResourceAvailable, model.VisibleCity, day(1, 1), day(3, 31))
		w.resource(t, db, w.unitA, "法律咨询", "律师事务所提供公益法律咨询", model.ResourceAvailable, model.VisibleAlliance, day(4, 1), nil)
		w.resource(t, db, w.unitB, "专项资金", "党建专项资金", model.ResourceDraft, model.VisibleCity, nil, nil)
		all := store.ListViewer{Own: model.Scope{All: true}}
		list := func(v store.ListViewer, f store.ResourceFilter) []string {
			t.Helper()
			f.Viewer = v
			l, err := db.ListResources(ctx, f, model.PageRequest{})
			if err != nil {
				t.Fatal(err)
			}
			return resourceTitles(l)
		}
		for q, want := range map[string][]string{
			"会议":    {"多功能会议室"},
			"公益法律":  {"法律咨询"},
			"专项资金":  {"专项资金"},
			"八十人":   {"多功能会议室"},
			"咨询 律师": {"法律咨询"},
		} {
			if got := list(all, store.ResourceFilter{Query: q}); !slices.Equal(got, want) {
				t.Errorf("search %q = %v, want %v", q, got, want)
			}
		}
		if got := list(all, store.ResourceFilter{AvailableFrom: day(3, 15), AvailableTo: day(4, 15)}); len(got) != 3 {
			t.Errorf("overlap March 15 – April 15: %v", got)
		}
		if got := list(all, store.ResourceFilter{AvailableFrom: day(5, 1)}); !slices.Equal(got, []string{"专项资金", "法律咨询"}) {
			t.Errorf("from May: %v", got)
		}
		foreign := store.ListViewer{Units: []int64{w.foreignUnit}}
		if err := db.ViewerUnits(ctx, &foreign); err != nil {
			t.Fatal(err)
		}
		if got := list(foreign, store.ResourceFilter{}); !slices.Equal(got, []string{"多功能会议室"}) {
			t.Errorf("foreign unit sees %v", got)
		}
		if got := list(store.ListViewer{Own: model.Scope{Units: []int64{w.unitB}}}, store.ResourceFilter{Mine: true}); !slices.Equal(got, []string{"专项资金"}) {
			t.Errorf("mine: %v", got)
		}
		// A stale edit.
		room.Capacity = 20
		if err := db.UpdateResource(ctx, room, 1, model.ResourceAvailable); err != nil {
			t.Fatal(err)
		}
		if err := db.UpdateResource(ctx, room, 1, model.ResourceAvailable); !errors.Is(err, model.ErrConflict) {
			t.Errorf("stale edit: %v", err)
		}
		// Expiry: the room ended on March 31.
		var ended []int64
		n, err := db.ExpireResources(ctx, *day(4, 1), func(ids []int64) error { ended = append(ended, ids...); return nil })
		if err != nil || n != 1 || !slices.Equal(ended, []int64{room.ID}) {
			t.Fatalf("expire: %d %v %v", n, ended, err)
		}
		if r, _ := db.ResourceByID(ctx, room.ID); r.Status != model.ResourceExpired || r.Version != 3 {
			t.Errorf("after expiry: %s v%d", r.Status, r.Version)
		}
	})
}
