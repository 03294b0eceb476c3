package importer_test

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"tongxin/internal/importer"
	"tongxin/internal/importer/importtest"
	"tongxin/internal/model"
)

func writeFile(t *testing.T, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func zipOf(t *testing.T, names ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, n := range names {
		w, err := zw.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprint(w, "<x/>")
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func xlsxOf(t *testing.T, rows [][]string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "units.xlsx")
	importtest.WriteXLSX(t, p, rows)
	return p
}

func csvOf(t *testing.T, rows [][]string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "units.csv")
	importtest.WriteCSV(t, p, rows)
	return p
}

// refusalOf returns the catalog key and arguments of a refusal ("" for nil).
func refusalOf(t *testing.T, err error) (string, []any) {
	t.Helper()
	if err == nil {
		return "", nil
	}
	var r *importer.Refusal
	if !errors.As(err, &r) {
		t.Fatalf("want a refusal, got %v", err)
	}
	return r.Key, r.Args
}

func TestCheckRefusesBadFiles(t *testing.T) {
	header := importer.Units.Headers()
	good, _ := importtest.UnitRows(3, 1, false)
	swapped := slices.Clone(header)
	swapped[2], swapped[3] = swapped[3], swapped[2]
	limits := importer.Limits{MaxBytes: 1 << 20, MaxRows: 5}

	tests := []struct {
		name    string
		path    func(t *testing.T) string
		file    string // name as uploaded; "" keeps the path's own
		limits  importer.Limits
		want    string
		wantArg any
		rows    int
	}{
		{name: "xlsx", path: func(t *testing.T) string { return xlsxOf(t, good) }, rows: 3},
		{name: "csv with BOM", path: func(t *testing.T) string { return csvOf(t, good) }, rows: 3},
		{name: "upper-case extension", path: func(t *testing.T) string { return xlsxOf(t, good) }, file: "单位.XLSX", rows: 3},
		{name: "error file with 错误原因 again", path: func(t *testing.T) string {
			rows := [][]string{append(slices.Clone(header), importer.ErrorColumn), append(slices.Clone(good[1]), "第 2 行：…")}
			return xlsxOf(t, rows)
		}, rows: 1},
		{name: "blank rows skipped", path: func(t *testing.T) string {
			return csvOf(t, [][]string{header, good[1], {"", " ", "\u3000"}, {}, good[2]})
		}, rows: 2},
		{name: "text named .xlsx", path: func(t *testing.T) string {
			return writeFile(t, "a.xlsx", []byte("单位名称,统一社会信用代码\n"))
		}, want: importer.MsgNotXLSX},
		{name: "zip that is not a workbook", path: func(t *testing.T) string { return writeFile(t, "a.xlsx", zipOf(t, "readme.txt")) }, want: importer.MsgNotXLSX},
		{name: "a docx renamed", path: func(t *testing.T) string {
			return writeFile(t, "a.xlsx", zipOf(t, "[Content_Types].xml", "word/document.xml"))
		}, want: importer.MsgNotXLSX},
		{name: "zip with workbook parts but broken", path: func(t *testing.T) string {
			return writeFile(t, "a.xlsx", zipOf(t, "[Content_Types].xml", "xl/workbook.xml"))
		}, want: importer.MsgNotXLSX},
		{name: "old xls", path: func(t *testing.T) string {
			return writeFile(t, "a.xls", []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0})
		}, want: importer.MsgOldXLS},
		{name: "old xls renamed .xlsx", path: func(t *testing.T) string {
			return writeFile(t, "a.xlsx", []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0})
		}, want: importer.MsgOldXLS},
		{name: "empty", path: func(t *testing.T) string { return writeFile(t, "a.xlsx", nil) }, want: importer.MsgEmpty},
		{name: "empty csv", path: func(t *testing.T) string { return writeFile(t, "a.csv", nil) }, want: importer.MsgEmpty},
		{name: "only a BOM", path: func(t *testing.T) string { return writeFile(t, "a.csv", []byte("\ufeff")) }, want: importer.MsgEmpty},
		{name: "GBK csv", path: func(t *testing.T) string {
			return writeFile(t, "a.csv", []byte("\xb5\xa5\xce\xbb\xc3\xfb\xb3\xc6\n")) // 单位名称 in GBK
		}, want: importer.MsgNotUTF8},
		{name: "binary csv", path: func(t *testing.T) string { return writeFile(t, "a.csv", []byte("a,b\x00c\n")) }, want: importer.MsgNotUTF8},
		{name: "wrong extension", path: func(t *testing.T) string { return writeFile(t, "a.txt", []byte("x")) }, want: importer.MsgBadExtension},
		{name: "too large", path: func(t *testing.T) string { return writeFile(t, "a.csv", bytes.Repeat([]byte("x"), 2048)) },
			limits: importer.Limits{MaxBytes: 1024}, want: importer.MsgTooLarge},
		{name: "missing column", path: func(t *testing.T) string { return csvOf(t, [][]string{header[:8], good[1][:8]}) },
			want: importer.MsgHeaderMissing, wantArg: "联系电话"},
		{name: "unexpected column", path: func(t *testing.T) string {
			return csvOf(t, [][]string{append(slices.Clone(header), "备注"), append(slices.Clone(good[1]), "x")})
		}, want: importer.MsgHeaderUnexpected, wantArg: "备注"},
		{name: "renamed column", path: func(t *testing.T) string {
			h := slices.Clone(header)
			h[0] = "单位名"
			return xlsxOf(t, [][]string{h, good[1]})
		}, want: importer.MsgHeaderMissing, wantArg: "单位名称"},
		{name: "columns out of order", path: func(t *testing.T) string { return csvOf(t, [][]string{swapped, good[1]}) },
			want: importer.MsgHeaderOrder, wantArg: 3},
		{name: "header only", path: func(t *testing.T) string { return xlsxOf(t, [][]string{header}) }, want: importer.MsgNoRows},
		{name: "too many rows", path: func(t *testing.T) string {
			rows, _ := importtest.UnitRows(6, 1, false)
			return xlsxOf(t, rows)
		}, want: importer.MsgTooManyRows, wantArg: 5},
		{name: "unbalanced quotes", path: func(t *testing.T) string {
			return writeFile(t, "a.csv", []byte(strings.Join(header, ",")+"\n\"abc,def\n"))
		}, want: importer.MsgBadCSV},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := tt.path(t)
			name := tt.file
			if name == "" {
				name = filepath.Base(path)
			}
			l := limits
			if tt.limits != (importer.Limits{}) {
				l = tt.limits
			}
			_, rows, err := importer.Check(path, name, importer.Units, l)
			key, args := refusalOf(t, err)
			if key != tt.want {
				t.Fatalf("refusal %q %v, want %q", key, args, tt.want)
			}
			if tt.wantArg != nil && (len(args) == 0 || !slices.Contains(args, tt.wantArg)) {
				t.Errorf("refusal %q args %v, want %v among them", key, args, tt.wantArg)
			}
			if tt.want == "" && rows != tt.rows {
				t.Errorf("rows %d, want %d", rows, tt.rows)
			}
		})
	}
}

func TestTemplate(t *testing.T) {
	var buf bytes.Buffer
	guide := &importer.Guide{Title: "填写说明", Headers: []string{"列名", "必填", "填写要求"}, Lines: [][]string{{"单位名称", "是", "全称"}}}
	if err := importer.WriteTemplate(&buf, importer.Units, guide); err != nil {
		t.Fatal(err)
	}
	p := writeFile(t, "template.xlsx", buf.Bytes())
	format, n, err := importer.Check(p, "成员单位导入模板.xlsx", importer.Units, importer.Limits{})
	if err != nil || format != importer.XLSX || n != 1 {
		t.Fatalf("the template itself: %v %s %d", err, format, n)
	}
	f, err := excelize.OpenFile(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); !slices.Equal(got, []string{"成员单位", "填写说明"}) {
		t.Errorf("sheets %v", got)
	}
	rows, _ := f.GetRows("成员单位")
	if !slices.Equal(rows[0], importer.Units.Headers()) {
		t.Errorf("header %v", rows[0])
	}
	code := rows[1][importer.Units.Index("credit_code")]
	if msg := model.CheckCreditCode(code); msg != "" {
		t.Errorf("the example's credit code %s: %s", code, msg)
	}
}

// fakeHandler accepts rows whose first cell is not "bad" and writes batches
// into created.
type fakeHandler struct {
	pending []importer.Row
	batches []int
	created int
}

func (h *fakeHandler) Check(_ context.Context, r importer.Row) (string, error) {
	if r.Cells[0] == "bad" {
		return fmt.Sprintf("第 %d 行：坏", r.Line), nil
	}
	h.pending = append(h.pending, r)
	return "", nil
}
func (h *fakeHandler) Pending() int { return len(h.pending) }
func (h *fakeHandler) Flush(context.Context) (importer.Flushed, error) {
	h.batches = append(h.batches, len(h.pending))
	n := len(h.pending)
	h.pending = nil
	h.created += n
	// The write refuses one row per batch.
	return importer.Flushed{Created: n - 1, Unchanged: 0, Failed: []importer.Failure{{Row: importer.Row{Line: 0, Cells: []string{"late"}}, Reason: "写入时被拒"}}}, nil
}

func TestRunBatchesProgressAndErrorFile(t *testing.T) {
	rows, _ := importtest.UnitRows(25, 2, false)
	rows[4][0], rows[10][0] = "bad", "bad"
	rows = append(rows[:7], append([][]string{make([]string, len(rows[0]))}, rows[7:]...)...) // a blank row
	p := xlsxOf(t, rows)
	r, err := importer.Open(p, importer.XLSX, importer.Units, importer.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	h := &fakeHandler{}
	var seen []importer.Progress
	errPath := filepath.Join(t.TempDir(), "errors", "1.xlsx")
	res, err := importer.Run(context.Background(), r, h, importer.Options{BatchSize: 10, ErrorFile: errPath,
		Progress: func(_ context.Context, p importer.Progress) error { seen = append(seen, p); return nil }})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(h.batches, []int{10, 10, 3}) {
		t.Errorf("batches %v, want 10, 10, 3", h.batches)
	}
	if res.Processed != 25 || res.Created != 20 || res.Errors != 2+3 {
		t.Errorf("result %+v", res.Progress)
	}
	if len(seen) < 3 || seen[len(seen)-1] != res.Progress {
		t.Errorf("progress %v", seen)
	}
	if res.ErrorFile != errPath {
		t.Fatalf("error file %q", res.ErrorFile)
	}
	got := importtest.ReadXLSX(t, errPath)
	if len(got) != 1+5 || got[0][len(got[0])-1] != importer.ErrorColumn {
		t.Fatalf("error file rows %v", got)
	}
	// Rows 5 and 12 of the sheet (the blank row 8 moved the second one down).
	if got[1][0] != "bad" || !strings.HasPrefix(got[1][len(got[1])-1], "第 5 行") || !strings.HasPrefix(got[2][len(got[2])-1], "第 12 行") {
		t.Errorf("error rows %v / %v", got[1], got[2])
	}
}

func TestRunWithoutErrorsWritesNoFile(t *testing.T) {
	rows, _ := importtest.UnitRows(5, 3, false)
	r, err := importer.Open(csvOf(t, rows), importer.CSV, importer.Units, importer.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	errPath := filepath.Join(t.TempDir(), "e.xlsx")
	res, err := importer.Run(context.Background(), r, &okHandler{}, importer.Options{ErrorFile: errPath})
	if err != nil || res.ErrorFile != "" || res.Processed != 5 || res.Created != 5 {
		t.Fatalf("%+v %v", res, err)
	}
	if _, err := os.Stat(errPath); !os.IsNotExist(err) {
		t.Errorf("an error file exists: %v", err)
	}
}

type okHandler struct{ n int }

func (h *okHandler) Check(context.Context, importer.Row) (string, error) { h.n++; return "", nil }
func (h *okHandler) Pending() int                                        { return h.n }
func (h *okHandler) Flush(context.Context) (importer.Flushed, error) {
	n := h.n
	h.n = 0
	return importer.Flushed{Created: n}, nil
}

func TestCellsAreTrimmed(t *testing.T) {
	rows, _ := importtest.UnitRows(1, 4, false)
	rows[1][0] = "\u3000 上海某单位 \t"
	r, err := importer.Open(csvOf(t, rows), importer.CSV, importer.Units, importer.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if !r.Next() || r.Row().Cells[0] != "上海某单位" || r.Row().Line != 2 || len(r.Row().Cells) != len(importer.Units.Columns) {
		t.Fatalf("row %+v", r.Row())
	}
}
