package app_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"tongxin/internal/app"
	"tongxin/internal/model"
	"tongxin/internal/service"
	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

// TestSeedDemoGovernance: the demo alliance gets a monthly rotation over last
// year and this year in the order of its council units, with no gap and no
// overlap; a joint meeting each quarter hosted by the chair of its day; this
// year's annual meeting with attendance, letters, three signed projects,
// published lists and announced terms; the demo unit contact holds the chair
// role exactly in its months; once: a second seed changes nothing.
func TestSeedDemoGovernance(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 8, 20, 4, 0, 0, 0, time.UTC) // in the third quarter
		db.SetClock(func() time.Time { return now })
		auth, err := service.NewAuth(db, service.AuthOptions{})
		if err != nil {
			t.Fatal(err)
		}
		count := func(q string) int {
			t.Helper()
			var n int
			if err := db.SQL().QueryRowContext(ctx, q).Scan(&n); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			return n
		}
		tables := []string{"rotation_terms", "rotation_duties", "meetings", "meeting_attendance", "meeting_publications", "role_assignments"}
		var first map[string]int
		for run := 0; run < 2; run++ {
			if _, err := app.SeedDemo(ctx, db, auth, testenv.Password); err != nil {
				t.Fatalf("seed %d: %v", run, err)
			}
			got := map[string]int{}
			for _, tb := range tables {
				got[tb] = count("SELECT count(*) FROM " + tb)
			}
			if run == 0 {
				first = got
			} else if fmt.Sprint(got) != fmt.Sprint(first) {
				t.Errorf("second seed changed the rows: %v, then %v", first, got)
			}
		}
		var allianceID int64
		if err := db.SQL().QueryRowContext(ctx, "SELECT id FROM alliances WHERE name = '凌云路街道区域化党建联盟'").Scan(&allianceID); err != nil {
			t.Fatal(err)
		}
		terms, err := db.RotationTermsOf(ctx, allianceID, nil, nil)
		if err != nil || len(terms) != 24 {
			t.Fatalf("terms: %d %v", len(terms), err)
		}
		council := []string{"徐汇区凌云路街道办事处", "上海市第八人民医院", "华东理工大学", "上海华谊（集团）公司", "上海徐汇滨江开发投资建设有限公司"}
		for i, tm := range terms {
			if want := time.Date(2025, time.Month(1+i), 1, 0, 0, 0, 0, time.UTC); !tm.StartsOn.Equal(want) {
				t.Errorf("term %d starts %s, want %s", i, tm.StartsOn, want)
			}
			if i > 0 && !tm.StartsOn.Equal(terms[i-1].EndsOn.AddDate(0, 0, 1)) {
				t.Errorf("term %d: gap or overlap after %s", i, terms[i-1].EndsOn)
			}
			if tm.UnitName != council[i%len(council)] {
				t.Errorf("term %d: %s, want %s", i, tm.UnitName, council[i%len(council)])
			}
		}
		if n := count("SELECT count(*) FROM meetings WHERE kind = 'joint'"); n != 8 {
			t.Errorf("joint meetings: %d, want 8 (each quarter of two years)", n)
		}
		if n := count("SELECT count(*) FROM meetings WHERE kind = 'joint' AND status = 'held'"); n != 7 {
			t.Errorf("held joint meetings: %d, want 7 by 20 August", n)
		}
		if n := count("SELECT count(*) FROM meetings m JOIN rotation_terms t ON t.alliance_id = m.alliance_id AND t.unit_id = m.host_unit_id " +
			"AND t.starts_on <= m.held_on AND t.ends_on >= m.held_on WHERE m.kind = 'joint'"); n != 8 {
			t.Errorf("joint meetings hosted by the chair of their day: %d, want 8", n)
		}
		annual, err := db.AnnualMeetingOf(ctx, allianceID, 2026)
		if err != nil || annual == nil || annual.Status != model.MeetingHeld || annual.ReviewFigures == "" {
			t.Fatalf("annual meeting: %+v %v", annual, err)
		}
		signed, err := db.ProjectsSignedAt(ctx, annual.ID)
		if err != nil || len(signed) != 3 {
			t.Errorf("projects signed at the annual meeting: %d %v", len(signed), err)
		}
		for q, want := range map[string]int{
			fmt.Sprintf("SELECT count(*) FROM memberships WHERE letter_meeting_id = %d", annual.ID):                          3,
			fmt.Sprintf("SELECT count(*) FROM rotation_terms WHERE announced_meeting_id = %d", annual.ID):                    12,
			fmt.Sprintf("SELECT count(*) FROM meeting_publications WHERE meeting_id = %d AND item_kind = 'need'", annual.ID): 3,
			fmt.Sprintf("SELECT count(*) FROM meeting_attendance WHERE meeting_id = %d", annual.ID):                          20,
		} {
			if n := count(q); n != want {
				t.Errorf("%s: %d, want %d", q, n, want)
			}
		}
		// This year's figures (the next annual meeting's review) count the
		// demo projects and the people their updates served, together.
		fig, err := db.AllianceProjectFigures(ctx, allianceID, 2026)
		if err != nil || fig.Projects != 7 || fig.Cancelled != 1 || fig.Approved < 4 || fig.BudgetFen == 0 || fig.Beneficiaries == 0 {
			t.Errorf("figures of 2026: %+v %v", fig, err)
		}
		// Duties: everything before today done but last month's brief; the
		// current term's duties open.
		if n := count("SELECT count(*) FROM rotation_duties WHERE done_on IS NULL AND due_on < '2026-08-20'"); n != 1 {
			t.Errorf("overdue duties: %d, want 1 (July's brief)", n)
		}
		open, err := db.OpenDuties(ctx, []int64{allianceID}, false, time.Date(2026, 8, 31, 0, 0, 0, 0, time.UTC), 10)
		if err != nil || len(open) != 3 {
			t.Errorf("open duties by the end of August: %d %v", len(open), err)
		}
		// The demo contact (第八人民医院, the second council unit) chairs every
		// fifth month from February 2025: in October 2026, not in August or
		// November (roles are derived for the current and future terms).
		unit, err := db.UserByUsername(ctx, "unit")
		if err != nil {
			t.Fatal(err)
		}
		for _, at := range []struct {
			day  time.Time
			want int
		}{{time.Date(2026, 10, 15, 4, 0, 0, 0, time.UTC), 1}, {time.Date(2026, 8, 15, 4, 0, 0, 0, time.UTC), 0}, {time.Date(2026, 11, 15, 4, 0, 0, 0, time.UTC), 0}} {
			ids, err := db.ChairAlliancesOfUser(ctx, unit.ID, at.day)
			if err != nil || len(ids) != at.want {
				t.Errorf("%s: the demo contact chairs %v (%v), want %d", at.day, ids, err, at.want)
			}
		}
	})
}
