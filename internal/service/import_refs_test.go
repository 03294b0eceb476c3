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

// TestImportReferencesThatDoNotResolve: in every kind of import, a cell
// that names something (a unit, a street, a site, a dictionary item, a
// visibility) which does not exist where the row goes is a row error naming
// the column and the value; the row is not imported with the cell left
// blank. A row whose names all resolve is imported, as a control.
func TestImportReferencesThatDoNotResolve(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newListsWorld(t, db)
		dir := t.TempDir()
		svc := service.NewImports(w.deps(), service.ImportOptions{UploadDir: dir,
			T: func(key string, args ...any) string { return key + fmt.Sprint(args...) }, Log: slog.New(slog.DiscardHandler)})
		ua, err := db.UnitByID(ctx, w.unitA)
		if err != nil {
			t.Fatal(err)
		}
		unitA := ua.Name
		domain := model.DomainOf(model.DomainAlliance, w.alliance.ID)

		// bad is one row with one reference cell that does not resolve;
		// names is the column its reason names when not that one (a venue's
		// site named for another kind of resource: the 党群服务阵地 cell is
		// what is refused).
		type bad struct {
			header, value, names string
		}
		cases := []struct {
			kind    string
			spec    importer.Spec
			good    []string
			bad     []bad
			created func() int
		}{
			{kind: importer.KindNeeds, spec: importer.Needs,
				good: []string{"引用齐全的需求", unitA, "楼院更新", "6", "场", "专业服务", "凌云路街道", "180", "", "本区", ""},
				bad: []bad{{header: "提出单位", value: "火星单位"}, {header: "需求类别", value: "火星类别"}, {header: "计量单位", value: "火星单位数"}, {header: "所需资源类型", value: "火星资源"},
					{header: "所属街镇", value: "火星街道"}, {header: "所属街镇", value: "外滩街道"}, {header: "可见范围", value: "火星"}}},
			{kind: importer.KindResources, spec: importer.Resources,
				good: []string{"引用齐全的资源", unitA, "场地", "24", "场", "党群阵地建设", "阵地0", "凌云路街道", "", "", "本区", ""},
				bad: []bad{{header: "提供单位", value: "火星单位"}, {header: "资源类型", value: "火星资源"}, {header: "计量单位", value: "火星单位数"}, {header: "适用需求类别", value: "火星类别"},
					{header: "党群服务阵地", value: "火星阵地"}, {header: "党群服务阵地", value: "阵地1"}, {header: "资源类型", value: "志愿者", names: "党群服务阵地"}, {header: "所属街镇", value: "火星街道"}, {header: "所属街镇", value: "外滩街道"}, {header: "可见范围", value: "火星"}}},
			{kind: importer.KindProjects, spec: importer.Projects,
				good: []string{"引用齐全的项目", unitA, "楼院更新", "2026", "2026-03-01", "2026-12-31", "1000", "10", "", ""},
				bad:  []bad{{header: "牵头单位", value: "火星单位"}, {header: "项目类别", value: "火星类别"}}},
			{kind: importer.KindUnits, spec: importer.Units,
				good: []string{"引用齐全的单位", "", "非公企业", "凌云路", "", "", "", "", ""},
				bad:  []bad{{header: "单位类型", value: "火星类型"}, {header: "所属街镇", value: "火星街道"}, {header: "所属街镇", value: "外滩街道"}}},
		}
		for _, c := range cases {
			t.Run(c.kind, func(t *testing.T) {
				rows := [][]string{c.spec.Headers(), c.good}
				for i, b := range c.bad {
					row := append([]string(nil), c.good...)
					row[0] = fmt.Sprintf("%s-%d", c.good[0], i)
					col := slicesIndex(c.spec.Headers(), b.header)
					if col < 0 {
						t.Fatalf("no column %s", b.header)
					}
					row[col] = b.value
					rows = append(rows, row)
				}
				path := filepath.Join(dir, c.kind+".csv")
				importtest.WriteCSV(t, path, rows)
				res, err := svc.RunFile(ctx, w.secretary, service.ImportFile{Kind: c.kind, Domain: domain, Path: path, ErrorFile: path + ".errors.xlsx"})
				if err != nil {
					t.Fatalf("import: %v", err)
				}
				if res.Created != 1 || res.Errors != len(c.bad) {
					t.Errorf("%s: created %d, errors %d; want 1 and %d", c.kind, res.Created, res.Errors, len(c.bad))
				}
				if res.ErrorFile == "" {
					t.Fatal("no error file")
				}
				lines := importtest.ReadXLSX(t, res.ErrorFile)
				reasons := map[string]string{}
				for _, l := range lines[1:] {
					reasons[l[0]] = l[len(l)-1]
				}
				for i, b := range c.bad {
					title := fmt.Sprintf("%s-%d", c.good[0], i)
					r, ok := reasons[title]
					if !ok {
						t.Errorf("%s = %s: the row was imported", b.header, b.value)
						continue
					}
					col := b.header
					if b.names != "" {
						col = b.names
					}
					if !strings.Contains(r, col) || !strings.Contains(r, b.value) {
						t.Errorf("%s = %s: the reason %q does not name the column and the value", b.header, b.value, r)
					}
				}
			})
		}
	})
}

func slicesIndex(s []string, v string) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}
