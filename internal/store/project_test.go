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

type projTestWorld struct {
	db                *store.DB
	xh, hp            *model.Alliance
	xhUnit, xhPartner int64
	hpUnit            int64
}

func projTestSetup(t *testing.T, db *store.DB) *projTestWorld {
	t.Helper()
	ctx := context.Background()
	w := &projTestWorld{db: db}
	mk := func(d int64, name string) *model.Alliance {
		a := &model.Alliance{Name: name, Kind: "regional", Level: model.LevelDistrict, DistrictID: d}
		if err := db.CreateAlliance(ctx, a); err != nil {
			t.Fatal(err)
		}
		return a
	}
	unit := func(d int64, name string) int64 {
		u := &model.Unit{Name: name, Kind: "gov", DistrictID: d}
		if err := db.CreateUnit(ctx, u); err != nil {
			t.Fatal(err)
		}
		return u.ID
	}
	w.xh, w.hp = mk(310104, "徐汇联盟"), mk(310101, "黄浦联盟")
	w.xhUnit, w.xhPartner, w.hpUnit = unit(310104, "徐汇牵头单位"), unit(310104, "徐汇参与单位"), unit(310101, "黄浦牵头单位")
	return w
}

func projTestDay(y int, m time.Month, d int) *time.Time {
	t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return &t
}

func (w *projTestWorld) project(t *testing.T, a *model.Alliance, lead int64, title string, budget int64, status string, ends *time.Time, partners ...int64) *model.Project {
	t.Helper()
	p := &model.Project{AllianceID: a.ID, DistrictID: a.DistrictID, LeadUnitID: lead, Title: title, Category: "care", Year: 2026,
		BudgetFen: budget, Status: status, StartsOn: projTestDay(2026, 1, 1), EndsOn: ends}
	units := []model.ProjectUnit{{UnitID: lead, Role: model.ProjectUnitLead}}
	for _, u := range partners {
		units = append(units, model.ProjectUnit{UnitID: u, Role: model.ProjectUnitPartner})
	}
	if err := w.db.CreateProject(context.Background(), p, units, []model.ProjectFunding{{Source: "district_fund", AmountFen: budget}}, nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestProjectList(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := projTestSetup(t, db)
		db.SetClock(func() time.Time { return time.Date(2026, 7, 1, 4, 0, 0, 0, time.UTC) })
		today := *projTestDay(2026, 7, 1)
		late := w.project(t, w.xh, w.xhUnit, "加装电梯 100%_x", 500, model.ProjectInProgress, projTestDay(2026, 6, 30), w.xhPartner)
		w.project(t, w.xh, w.xhUnit, "为老服务", 300, model.ProjectApproved, projTestDay(2026, 12, 31))
		w.project(t, w.xh, w.xhPartner, "社区花园", 100, model.ProjectDraft, nil)
		w.project(t, w.hp, w.hpUnit, "外滩志愿", 900, model.ProjectSubmitted, projTestDay(2026, 3, 1))
		ids := func(f store.ProjectFilter, req model.PageRequest) []string {
			t.Helper()
			l, err := db.ListProjects(ctx, f, req)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, p := range l.Items {
				out = append(out, p.Title)
			}
			return out
		}
		all := model.Scope{All: true}
		for name, tc := range map[string]struct {
			f    store.ProjectFilter
			want string
		}{
			"district scope":        {store.ProjectFilter{Scope: model.Scope{Districts: []int64{310104}}}, "[为老服务 加装电梯 100%_x 社区花园]"},
			"alliance scope":        {store.ProjectFilter{Scope: model.Scope{Alliances: []int64{w.hp.ID}}}, "[外滩志愿]"},
			"unit scope (partner)":  {store.ProjectFilter{Scope: model.Scope{Units: []int64{w.xhPartner}}}, "[加装电梯 100%_x 社区花园]"},
			"empty scope":           {store.ProjectFilter{}, "[]"},
			"q escapes LIKE":        {store.ProjectFilter{Scope: all, Q: "100%_"}, "[加装电梯 100%_x]"},
			"q does not match _":    {store.ProjectFilter{Scope: all, Q: "0_x"}, "[]"},
			"status":                {store.ProjectFilter{Scope: all, Status: model.ProjectApproved}, "[为老服务]"},
			"budget range":          {store.ProjectFilter{Scope: all, BudgetMin: ptr(int64(200)), BudgetMax: ptr(int64(500))}, "[为老服务 加装电梯 100%_x]"},
			"overdue":               {store.ProjectFilter{Scope: all, Overdue: true, Today: today}, "[加装电梯 100%_x]"},
			"runs after August":     {store.ProjectFilter{Scope: all, From: projTestDay(2026, 8, 1)}, "[为老服务 社区花园]"},
			"lead unit":             {store.ProjectFilter{Scope: all, LeadUnitID: w.xhPartner}, "[社区花园]"},
			"district and year":     {store.ProjectFilter{Scope: all, DistrictID: 310101, Year: 2026}, "[外滩志愿]"},
			"another year is empty": {store.ProjectFilter{Scope: all, Year: 2025}, "[]"},
		} {
			if got := fmt.Sprint(ids(tc.f, model.PageRequest{Sort: "title"})); got != tc.want {
				t.Errorf("%s: %s, want %s", name, got, tc.want)
			}
		}
		// Keyset paging by budget, two at a time, both ways.
		f := store.ProjectFilter{Scope: all}
		p1, err := db.ListProjects(ctx, f, model.PageRequest{Sort: "budget", Limit: 2})
		if err != nil || p1.Total != 4 || p1.Next == "" || p1.Items[0].BudgetFen != 100 {
			t.Fatalf("page 1: %+v %v", p1, err)
		}
		p2, err := db.ListProjects(ctx, f, model.PageRequest{Sort: "budget", Limit: 2, After: p1.Next})
		if err != nil || len(p2.Items) != 2 || p2.Items[0].BudgetFen != 500 || p2.Items[1].BudgetFen != 900 || p2.Next != "" {
			t.Fatalf("page 2: %+v %v", p2.Items, err)
		}
		for _, sort := range store.ProjectSortKeys() {
			for _, desc := range []bool{false, true} {
				seen := map[int64]bool{}
				req := model.PageRequest{Sort: sort, Desc: desc, Limit: 1}
				for range 10 {
					l, err := db.ListProjects(ctx, f, req)
					if err != nil {
						t.Fatalf("%s: %v", sort, err)
					}
					for _, p := range l.Items {
						seen[p.ID] = true
					}
					if l.Next == "" {
						break
					}
					req.After = l.Next
				}
				if len(seen) != 4 {
					t.Errorf("sort %s desc %v: paged through %d projects", sort, desc, len(seen))
				}
			}
		}
		tot, err := db.ProjectListTotals(ctx, store.ProjectFilter{Scope: model.Scope{Districts: []int64{310104}}})
		if err != nil || tot.Count != 3 || tot.BudgetFen != 900 {
			t.Errorf("totals: %+v %v", tot, err)
		}
		var n int
		if err := db.EachProject(ctx, f, model.PageRequest{}, 1, func(*store.ProjectRow) error { n++; return nil }); err != nil || n != 4 {
			t.Errorf("each: %d %v", n, err)
		}
		row, err := db.ProjectRowByID(ctx, late.ID)
		if err != nil || row.AllianceName != "徐汇联盟" || row.LeadUnitName != "徐汇牵头单位" || row.DistrictName == "" {
			t.Errorf("row: %+v %v", row, err)
		}
		if _, err := db.ProjectByID(ctx, 999999); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("missing: %v", err)
		}
		if err := db.UpdateProject(ctx, late.ID, late.Version+5, map[string]any{"title": "x"}); !errors.Is(err, model.ErrConflict) {
			t.Errorf("stale update: %v", err)
		}
	})
}

func ptr[T any](v T) *T { return &v }

// TestProjectCodeCounter: codes count per district and year, only inside a
// transaction, and a rolled-back transaction gives its number back.
func TestProjectCodeCounter(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if _, err := db.TakeProjectCode(ctx, 310104, 2026); err == nil {
			t.Fatal("a code outside a transaction")
		}
		take := func(d int64, y int) string {
			var code string
			if err := db.WithTx(ctx, func(ctx context.Context) error {
				var err error
				code, err = db.TakeProjectCode(ctx, d, y)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return code
		}
		if c := take(310104, 2026); c != "2026-310104-0001" {
			t.Errorf("first: %s", c)
		}
		boom := errors.New("boom")
		err := db.WithTx(ctx, func(ctx context.Context) error {
			if _, err := db.TakeProjectCode(ctx, 310104, 2026); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		if c := take(310104, 2026); c != "2026-310104-0002" {
			t.Errorf("after a rollback: %s", c)
		}
		if c := take(310101, 2026); c != "2026-310101-0001" {
			t.Errorf("other district: %s", c)
		}
		if c := take(310104, 2027); c != "2027-310104-0001" {
			t.Errorf("other year: %s", c)
		}
	})
}

// TestProjectAttachmentsAndCases: a project's files include its updates',
// moving and marking keep to the project, and the case library shows the
// selected cases to all and nominations only in scope.
func TestProjectAttachmentsAndCases(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := projTestSetup(t, db)
		p := w.project(t, w.xh, w.xhUnit, "加装电梯", 100, model.ProjectEvaluated, nil)
		other := w.project(t, w.hp, w.hpUnit, "外滩志愿", 100, model.ProjectEvaluated, nil)
		file := func(projectID int64) int64 {
			a := &model.Attachment{OwnerKind: model.AttachOwnerProject, OwnerID: projectID, FileName: "a.png", ContentType: "image/png", SizeBytes: 1, Sha256: "s", StoredPath: "p"}
			if err := db.CreateAttachment(ctx, a); err != nil {
				t.Fatal(err)
			}
			return a.ID
		}
		a1, a2, foreign := file(p.ID), file(p.ID), file(other.ID)
		u := &model.ProjectUpdate{ProjectID: p.ID, Percent: 50, Text: "进展", HappenedOn: *projTestDay(2026, 5, 1)}
		if err := db.CreateProjectUpdate(ctx, u); err != nil {
			t.Fatal(err)
		}
		if n, err := db.MoveAttachments(ctx, p.ID, []int64{a2, foreign}, model.AttachOwnerUpdate, u.ID, ""); err != nil || n != 1 {
			t.Fatalf("move: %d %v", n, err)
		}
		got, err := db.ProjectAttachments(ctx, p.ID)
		if err != nil || len(got) != 2 || got[1].OwnerKind != model.AttachOwnerUpdate {
			t.Fatalf("attachments: %+v %v", got, err)
		}
		if pid, err := db.AttachmentProject(ctx, &got[1]); err != nil || pid != p.ID {
			t.Errorf("owner project: %d %v", pid, err)
		}
		if n, err := db.MarkAttachments(ctx, p.ID, []int64{a1, a2, foreign}, model.AttachEvidence); err != nil || n != 2 {
			t.Errorf("mark: %d %v", n, err)
		}
		mk := func(pr *model.Project, status string) int64 {
			c := &model.Case{ProjectID: pr.ID, AllianceID: pr.AllianceID, DistrictID: pr.DistrictID, Year: 2026, Theme: "care", Status: status, NominatedAt: db.Now()}
			if err := db.CreateCase(ctx, c); err != nil {
				t.Fatal(err)
			}
			return c.ID
		}
		mk(p, model.CaseSelected)
		nom := mk(other, model.CaseNominated)
		count := func(f store.CaseFilter) int64 {
			l, err := db.ListCases(ctx, f, model.PageRequest{})
			if err != nil {
				t.Fatal(err)
			}
			return l.Total
		}
		if n := count(store.CaseFilter{}); n != 1 {
			t.Errorf("everyone: %d", n)
		}
		if n := count(store.CaseFilter{Nominations: model.Scope{Districts: []int64{310101}}}); n != 2 {
			t.Errorf("黄浦 reviewer: %d", n)
		}
		if n := count(store.CaseFilter{Nominations: model.Scope{Alliances: []int64{w.xh.ID}}}); n != 1 {
			t.Errorf("徐汇 secretary: %d", n)
		}
		if n := count(store.CaseFilter{Nominations: model.Scope{All: true}, Status: model.CaseNominated}); n != 1 {
			t.Errorf("status filter: %d", n)
		}
		if err := db.UpdateCase(ctx, nom, 7, map[string]any{"status": model.CaseSelected}); !errors.Is(err, model.ErrConflict) {
			t.Errorf("stale case: %v", err)
		}
		if id, err := db.CaseOfProject(ctx, other.ID); err != nil || id != nom {
			t.Errorf("case of project: %d %v", id, err)
		}
	})
}
