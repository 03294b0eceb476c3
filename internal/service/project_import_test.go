package service_test

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"tongxin/internal/importer"
	"tongxin/internal/importer/importtest"
	"tongxin/internal/model"
	"tongxin/internal/service"
	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

// TestProjectImport: rows of a projects file enter as drafts through the
// form's rules (lead among the members, category from the dictionary, money
// in 元 read exactly), refused rows go to the error file with their reason,
// a re-import changes nothing; 按已立项导入 is refused for the secretary and
// taken from the district reviewer (approved, with a code and a review row).
func TestProjectImport(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := projectSetup(t, db)
		dir := t.TempDir()
		svc := service.NewImports(service.Deps{DB: db, Authz: w.az}, service.ImportOptions{UploadDir: dir,
			T: func(key string, args ...any) string { return key + fmt.Sprint(args...) }, Log: slog.New(slog.DiscardHandler)})
		lead, err := db.UnitByID(ctx, w.lead)
		if err != nil {
			t.Fatal(err)
		}
		domain := model.DomainOf(model.DomainAlliance, w.alliance.ID)
		rows := [][]string{
			importer.Projects.Headers(),
			{"化工一村 148 号楼加装电梯", lead.Name, "楼院更新", "2026", "2026-03-01", "2026/12/31", "860,000.10", "36", "加装电梯", ""},
			{"老年助餐", lead.Name, "care", "2026", "", "", "", "", "", "否"},
			{"外区单位的项目", "外滩街道办事处", "关爱帮扶", "2026", "", "", "", "", "", ""},
			{"错误类别", lead.Name, "没有这个类别", "2026", "", "", "", "", "", ""},
			{"三位小数", lead.Name, "关爱帮扶", "2026", "", "", "1.234", "", "", ""},
			{"去年的项目", lead.Name, "关爱帮扶", "2025", "2025-03-01", "2025-12-31", "20000", "", "", "是"},
		}
		path := filepath.Join(dir, "projects.csv")
		importtest.WriteCSV(t, path, rows)
		run := func(u *model.User, path string) importer.Result {
			t.Helper()
			res, err := svc.RunFile(ctx, as(u), service.ImportFile{Kind: importer.KindProjects, Domain: domain, Path: path, ErrorFile: path + ".errors.xlsx"})
			if err != nil {
				t.Fatalf("import: %v", err)
			}
			return res
		}
		res := run(w.secretary, path)
		if res.Created != 2 || res.Errors != 4 {
			t.Fatalf("secretary's import: %+v", res.Progress)
		}
		var errs []string
		for _, r := range importtest.ReadXLSX(t, res.ErrorFile) {
			errs = append(errs, strings.Join(r, "|"))
		}
		all := strings.Join(errs, "\n")
		for _, want := range []string{service.MsgImportBadUnitRow, service.MsgImportBadCodeRow, "project.bad_money", service.MsgImportHistoricalReviewer} {
			if !strings.Contains(all, want) {
				t.Errorf("error file lacks %s:\n%s", want, all)
			}
		}
		l, err := w.svc.List(ctx, as(w.secretary), store.ProjectFilter{Q: "加装电梯"}, model.PageRequest{}.Normalize())
		if err != nil || len(l.Items) != 1 {
			t.Fatalf("imported: %+v %v", l.Items, err)
		}
		p := l.Items[0]
		if p.Status != model.ProjectDraft || p.Code != nil || p.BudgetFen != 86_000_010 || p.Category != "housing_renewal" || p.LeadUnitID != w.lead {
			t.Errorf("imported project %+v", p.Project)
		}
		if again := run(w.secretary, path); again.Created != 0 || again.Unchanged != 2 {
			t.Errorf("second run: %+v", again.Progress)
		}

		// The reviewer brings last year's project in as approved.
		hist := [][]string{importer.Projects.Headers(), {"去年的项目", lead.Name, "关爱帮扶", "2025", "2025-03-01", "2025-12-31", "20000", "", "", "是"},
			{"没有日期的历史项目", lead.Name, "关爱帮扶", "2025", "", "", "", "", "", "是"}}
		hpath := filepath.Join(dir, "history.csv")
		importtest.WriteCSV(t, hpath, hist)
		if res := run(w.reviewer, hpath); res.Created != 1 || res.Errors != 1 {
			t.Fatalf("reviewer's import: %+v", res.Progress)
		}
		l, err = w.svc.List(ctx, as(w.reviewer), store.ProjectFilter{Q: "去年的项目"}, model.PageRequest{}.Normalize())
		if err != nil || len(l.Items) != 1 {
			t.Fatalf("historical: %+v %v", l.Items, err)
		}
		h := l.Items[0]
		if h.Status != model.ProjectApproved || h.Code == nil || !strings.HasPrefix(*h.Code, "2025-310104-") || h.ApprovedAt == nil {
			t.Errorf("historical project %+v", h.Project)
		}
		if revs, _, err := w.svc.Reviews(ctx, as(w.reviewer), h.ID); err != nil || len(revs) != 1 || revs[0].Action != model.ProjectActionApprove {
			t.Errorf("historical review trail %+v %v", revs, err)
		}
		// A unit contact may not import at all.
		if _, err := svc.RunFile(ctx, as(w.leadC), service.ImportFile{Kind: importer.KindProjects, Domain: domain, Path: path}); err == nil {
			t.Errorf("a unit contact imported projects")
		}
	})
}
