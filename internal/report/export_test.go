package report

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

const bom = "\uFEFF"

var testCols = []Column{
	{Header: "用户名", Width: 16},
	{Header: "年龄", Width: 6},
	{Header: "余额", Width: 10},
	{Header: "启用"},
	{Header: "创建时间", Width: 18},
	{Header: "最后登录", Width: 18},
	{Header: "备注", Width: 30},
}

// 2026-11-27 02:30 UTC is 10:30 in Shanghai.
var testTime = time.Date(2026, 11, 27, 2, 30, 45, 0, time.UTC)

type status int

func (s status) String() string { return [...]string{"停用", "启用"}[s] }

func testRows() [][]any {
	login := testTime.Add(90 * time.Minute)
	var nilTime *time.Time
	return [][]any{
		{"张三", 30, 1234.5, true, testTime, &login, "普通备注，含逗号"},
		{"李四", int64(-7), -0.25, false, testTime, nilTime, nil},
		{"=HYPERLINK(\"http://x\",\"点我\")", 0, 0.0, true, time.Time{}, nil, "+cmd|' /C calc'!A0"},
		{"@SUM(1,2)", 1, 1e6, false, testTime, nil, "-2+3"},
		{"\tTAB", 2, 3.0, true, testTime, nil, "\r回车"},
		{"-12.50", 3, 4.0, false, testTime, nil, status(1)},
		{"多行\n文本 \"引号\"", 4, 5.5, true, testTime, nil, "-"},
	}
}

func writeAll(t *testing.T, f Format, title string, cols []Column, rows [][]any) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewWriter(&buf, f, title, cols)
	if err != nil {
		t.Fatalf("NewWriter: %v", err)
	}
	for i, r := range rows {
		if err := w.WriteRow(r...); err != nil {
			t.Fatalf("WriteRow %d: %v", i, err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	return buf.Bytes()
}

func TestParseFormat(t *testing.T) {
	for in, want := range map[string]Format{"xlsx": XLSX, "csv": CSV, " XLSX ": XLSX, "Csv": CSV} {
		got, err := ParseFormat(in)
		if err != nil || got != want {
			t.Errorf("ParseFormat(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "xls", "pdf", "json"} {
		if _, err := ParseFormat(in); !errors.Is(err, ErrUnknownFormat) {
			t.Errorf("ParseFormat(%q) err = %v; want ErrUnknownFormat", in, err)
		}
	}
	if got := XLSX.ContentType(); got != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
		t.Errorf("XLSX.ContentType() = %q", got)
	}
	if got := CSV.ContentType(); got != "text/csv; charset=utf-8" {
		t.Errorf("CSV.ContentType() = %q", got)
	}
	if _, err := NewWriter(io.Discard, Format("pdf"), "x", testCols); !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("NewWriter(pdf) err = %v", err)
	}
	if _, err := NewWriter(io.Discard, CSV, "x", nil); err == nil {
		t.Error("NewWriter without columns: want error")
	}
}

func TestCSVRoundTrip(t *testing.T) {
	out := writeAll(t, CSV, "用户", testCols, testRows())
	if !bytes.HasPrefix(out, []byte(bom)) {
		t.Fatalf("csv does not start with a UTF-8 BOM: %q", out[:min(len(out), 8)])
	}
	recs, err := csv.NewReader(bytes.NewReader(out[len(bom):])).ReadAll()
	if err != nil {
		t.Fatalf("read csv: %v", err)
	}
	want := [][]string{
		{"用户名", "年龄", "余额", "启用", "创建时间", "最后登录", "备注"},
		{"张三", "30", "1234.5", "TRUE", "2026-11-27 10:30", "2026-11-27 12:00", "普通备注，含逗号"},
		{"李四", "-7", "-0.25", "FALSE", "2026-11-27 10:30", "", ""},
		{"'=HYPERLINK(\"http://x\",\"点我\")", "0", "0", "TRUE", "", "", "'+cmd|' /C calc'!A0"},
		{"'@SUM(1,2)", "1", "1000000", "FALSE", "2026-11-27 10:30", "", "'-2+3"},
		{"'\tTAB", "2", "3", "TRUE", "2026-11-27 10:30", "", "'\r回车"},
		{"-12.50", "3", "4", "FALSE", "2026-11-27 10:30", "", "启用"},
		{"多行\n文本 \"引号\"", "4", "5.5", "TRUE", "2026-11-27 10:30", "", "'-"},
	}
	if len(recs) != len(want) {
		t.Fatalf("got %d records, want %d: %q", len(recs), len(want), recs)
	}
	for i := range want {
		if fmt.Sprint(recs[i]) != fmt.Sprint(want[i]) {
			t.Errorf("record %d:\n got %q\nwant %q", i, recs[i], want[i])
		}
	}
}

func TestCSVFlushesWhileStreaming(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewWriter(&buf, CSV, "", []Column{{Header: "n"}})
	if err != nil {
		t.Fatal(err)
	}
	for i := range csvFlushEvery {
		if err := w.WriteRow(i); err != nil {
			t.Fatal(err)
		}
	}
	if n := strings.Count(buf.String(), "\n"); n != csvFlushEvery+1 {
		t.Errorf("before Close: %d lines reached w, want %d", n, csvFlushEvery+1)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestXLSXRoundTrip(t *testing.T) {
	out := writeAll(t, XLSX, "用户列表", testCols, testRows())
	f, err := excelize.OpenReader(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("OpenReader: %v", err)
	}
	defer func() { _ = f.Close() }()

	if got := f.GetSheetList(); len(got) != 1 || got[0] != "用户列表" {
		t.Fatalf("sheets = %q, want [用户列表]", got)
	}
	const sh = "用户列表"

	// Formatted values, as a person sees them in Excel.
	rows, err := f.GetRows(sh)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"用户名", "年龄", "余额", "启用", "创建时间", "最后登录", "备注"},
		{"张三", "30", "1234.5", "TRUE", "2026-11-27 10:30", "2026-11-27 12:00", "普通备注，含逗号"},
		{"李四", "-7", "-0.25", "FALSE", "2026-11-27 10:30"},
		// xlsx: no "'" prefix, the strings are text cells (see guardFormula).
		{"=HYPERLINK(\"http://x\",\"点我\")", "0", "0", "TRUE", "", "", "+cmd|' /C calc'!A0"},
		{"@SUM(1,2)", "1", "1000000", "FALSE", "2026-11-27 10:30", "", "-2+3"},
		{"\tTAB", "2", "3", "TRUE", "2026-11-27 10:30", "", "\r回车"},
		{"-12.50", "3", "4", "FALSE", "2026-11-27 10:30", "", "启用"},
		{"多行\n文本 \"引号\"", "4", "5.5", "TRUE", "2026-11-27 10:30", "", "-"},
	}
	if len(rows) != len(want) {
		t.Fatalf("got %d rows, want %d: %q", len(rows), len(want), rows)
	}
	for i := range want {
		if fmt.Sprint(rows[i]) != fmt.Sprint(want[i]) {
			t.Errorf("row %d:\n got %q\nwant %q", i+1, rows[i], want[i])
		}
	}

	// Cell types: numbers are numbers, bools bools, times date-time numbers,
	// injection-looking strings plain text without a formula.
	types := map[string]excelize.CellType{
		"A2": excelize.CellTypeInlineString,
		"B2": excelize.CellTypeUnset, // numbers carry no t attribute
		"C2": excelize.CellTypeUnset,
		"D2": excelize.CellTypeBool,
		"E2": excelize.CellTypeUnset,
		"A4": excelize.CellTypeInlineString,
		"G4": excelize.CellTypeInlineString,
	}
	for cell, wantType := range types {
		got, err := f.GetCellType(sh, cell)
		if err != nil || got != wantType {
			t.Errorf("GetCellType(%s) = %v, %v; want %v", cell, got, err, wantType)
		}
	}
	for _, cell := range []string{"A4", "G4", "A5", "G5"} {
		if fm, err := f.GetCellFormula(sh, cell); err != nil || fm != "" {
			t.Errorf("GetCellFormula(%s) = %q, %v; want no formula", cell, fm, err)
		}
	}
	raw, err := f.GetCellValue(sh, "E2", excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	serial, err := strconv.ParseFloat(raw, 64)
	if err != nil {
		t.Fatalf("E2 raw %q is not an Excel date serial: %v", raw, err)
	}
	gotTime, err := excelize.ExcelDateToTime(serial, false)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 11, 27, 10, 30, 45, 0, time.UTC); gotTime.Sub(want).Abs() > time.Second {
		t.Errorf("E2 = %v, want Shanghai wall clock %v", gotTime, want)
	}
	for _, cell := range []string{"F3", "G3", "E4", "F4"} {
		if v, err := f.GetCellValue(sh, cell); err != nil || v != "" {
			t.Errorf("%s = %q, %v; want empty", cell, v, err)
		}
	}

	// Header: bold, frozen; widths applied.
	styleID, err := f.GetCellStyle(sh, "A1")
	if err != nil {
		t.Fatal(err)
	}
	st, err := f.GetStyle(styleID)
	if err != nil {
		t.Fatal(err)
	}
	if st.Font == nil || !st.Font.Bold {
		t.Errorf("header style font = %+v, want bold", st.Font)
	}
	panes, err := f.GetPanes(sh)
	if err != nil {
		t.Fatal(err)
	}
	if !panes.Freeze || panes.YSplit != 1 || panes.TopLeftCell != "A2" {
		t.Errorf("panes = %+v, want header row frozen", panes)
	}
	if w, err := f.GetColWidth(sh, "A"); err != nil || w != 16 {
		t.Errorf("width of A = %v, %v; want 16", w, err)
	}
	if w, err := f.GetColWidth(sh, "G"); err != nil || w != 30 {
		t.Errorf("width of G = %v, %v; want 30", w, err)
	}
}

func TestXLSXManyRows(t *testing.T) {
	const n = 5000
	var buf bytes.Buffer
	w, err := NewWriter(&buf, XLSX, "", []Column{{Header: "序号"}, {Header: "名称"}})
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if err := w.WriteRow(i, "名称"+strconv.Itoa(i)); err != nil {
			t.Fatal(err)
		}
	}
	if buf.Len() != 0 {
		t.Errorf("xlsx wrote %d bytes before Close", buf.Len())
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	rows, err := f.GetRows("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != n+1 {
		t.Fatalf("got %d rows, want %d", len(rows), n+1)
	}
	if got := rows[n]; got[0] != strconv.Itoa(n-1) || got[1] != "名称"+strconv.Itoa(n-1) {
		t.Errorf("last row = %q", got)
	}
}

func TestSheetName(t *testing.T) {
	long := strings.Repeat("用", 40)
	tests := map[string]string{
		"":                             "Sheet1",
		"   ":                          "Sheet1",
		"用户列表":                         "用户列表",
		"订单 2026/11?[草稿]*":             "订单 2026_11__草稿__",
		"'引号'":                         "引号",
		long:                           strings.Repeat("用", 31),
		strings.Repeat("😀", 20):        strings.Repeat("😀", 15),
		"a\x00b\nc":                    "abc",
		strings.Repeat("x", 30) + "'y": strings.Repeat("x", 30),
	}
	for in, want := range tests {
		if got := sheetName(in); got != want {
			t.Errorf("sheetName(%q) = %q, want %q", in, got, want)
		}
		// Every result must be accepted by excelize.
		var buf bytes.Buffer
		w, err := NewWriter(&buf, XLSX, in, []Column{{Header: "a"}})
		if err != nil {
			t.Errorf("NewWriter(xlsx, %q): %v", in, err)
			continue
		}
		if err := w.Close(); err != nil {
			t.Errorf("Close(%q): %v", in, err)
		}
	}
}

func TestWriteRowErrors(t *testing.T) {
	for _, f := range []Format{CSV, XLSX} {
		t.Run(string(f), func(t *testing.T) {
			w, err := NewWriter(io.Discard, f, "t", []Column{{Header: "a"}, {Header: "b"}})
			if err != nil {
				t.Fatal(err)
			}
			if err := w.WriteRow("only one"); err == nil {
				t.Error("short row: want error")
			}
			if err := w.WriteRow(1, 2, 3); err == nil {
				t.Error("long row: want error")
			}
			if err := w.WriteRow(1, struct{}{}); err == nil || !strings.Contains(err.Error(), "unsupported cell type") {
				t.Errorf("struct cell: err = %v", err)
			}
			if err := w.WriteRow(uint8(1), float32(0.5)); err != nil {
				t.Errorf("uint8/float32: %v", err)
			}
			if err := w.WriteRow(math.NaN(), math.Inf(1)); err != nil {
				t.Errorf("NaN/Inf: %v", err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if err := w.Close(); err != nil {
				t.Errorf("second Close: %v", err)
			}
			if err := w.WriteRow(1, 2); err == nil {
				t.Error("WriteRow after Close: want error")
			}
		})
	}
}

func TestAbort(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewWriter(&buf, XLSX, "t", []Column{{Header: "a"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WriteRow("x"); err != nil {
		t.Fatal(err)
	}
	if err := Abort(w); err != nil {
		t.Fatalf("Abort: %v", err)
	}
	if buf.Len() != 0 {
		t.Errorf("aborted xlsx wrote %d bytes", buf.Len())
	}
	if err := w.Close(); err != nil || buf.Len() != 0 {
		t.Errorf("Close after Abort = %v, %d bytes; want no-op", err, buf.Len())
	}
	if err := w.WriteRow("y"); err == nil {
		t.Error("WriteRow after Abort: want error")
	}

	buf.Reset()
	w, err = NewWriter(&buf, CSV, "t", []Column{{Header: "a"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WriteRow("x"); err != nil {
		t.Fatal(err)
	}
	if err := Abort(w); err != nil {
		t.Fatalf("Abort: %v", err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "x") {
		t.Errorf("aborted csv flushed its pending rows: %q", buf.String())
	}
}

func TestGuardFormula(t *testing.T) {
	tests := map[string]string{
		"":          "",
		"普通":        "普通",
		"=1+1":      "'=1+1",
		"+1+1":      "'+1+1",
		"-1+1":      "'-1+1",
		"@A1":       "'@A1",
		"\tx":       "'\tx",
		"\rx":       "'\rx",
		"-":         "'-",
		"-12":       "-12",
		"-12.50":    "-12.50",
		"+86":       "+86",
		"-1,234.56": "-1,234.56",
		"-1.":       "'-1.",
		"-1.2.3":    "'-1.2.3",
		"-1e5":      "'-1e5",
		"a=b":       "a=b",
		" =1":       " =1",
		"-Inf":      "'-Inf",
		"+1.5E+3":   "'+1.5E+3",
		"-.5":       "'-.5",
		"'already":  "'already",
		// Separators before a formula, full-width forms (issue 15).
		";=1+1":    "';=1+1",
		";;=1":     "';;=1",
		",=1":      "',=1",
		"；=1":      "'；=1",
		"\n=1":     "'\n=1",
		";+1":      "';+1",
		";-1":      "';-1",
		";@A1":     "';@A1",
		";\t=1":    "';\t=1",
		"＝1+1":     "'＝1+1",
		"＋1":       "'＋1",
		"－1":       "'－1",
		"＠SUM(A1)": "'＠SUM(A1)",
		";＝1":      "';＝1",
		"\t＝1":     "'\t＝1",
		"\r\n=1":   "'\r\n=1",
		";":        ";",
		";a=1":     ";a=1",
		"a;=1":     "a;=1",
		"１２":       "１２",
	}
	for in, want := range tests {
		if got := guardFormula(in); got != want {
			t.Errorf("guardFormula(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFilename(t *testing.T) {
	tests := []struct {
		base string
		f    Format
		want string
	}{
		{"用户列表", XLSX, "用户列表-20261127-1030.xlsx"},
		{"users", CSV, "users-20261127-1030.csv"},
		{"", CSV, "export-20261127-1030.csv"},
		{"a/b\\c:\"d\"\n", XLSX, "a_b_c__d_-20261127-1030.xlsx"},
	}
	for _, tt := range tests {
		if got := Filename(tt.base, tt.f, testTime); got != tt.want {
			t.Errorf("Filename(%q, %s) = %q, want %q", tt.base, tt.f, got, tt.want)
		}
	}
	// The clock's zone does not matter: the name is in Shanghai time.
	ny := testTime.In(time.FixedZone("EST", -5*3600))
	if got := Filename("x", CSV, ny); got != "x-20261127-1030.csv" {
		t.Errorf("Filename with EST time = %q", got)
	}
}

func TestContentDisposition(t *testing.T) {
	tests := []struct {
		name, fallback string
	}{
		{"用户列表-20261127-1030.xlsx", "20261127-1030.xlsx"},
		{"users-20261127-1030.csv", "users-20261127-1030.csv"},
		{"2026年11月 订单.csv", "2026_11_ _.csv"},
		{"用户.xlsx", "export.xlsx"},
		{`a"b\c%d;e.csv`, "a_b_c_d;e.csv"},
	}
	for _, tt := range tests {
		got := ContentDisposition(tt.name)
		if strings.ContainsFunc(got, func(r rune) bool { return r > 0x7e || r < 0x20 }) {
			t.Errorf("ContentDisposition(%q) = %q is not plain ASCII", tt.name, got)
		}
		wantFallback := `attachment; filename="` + tt.fallback + `"; filename*=UTF-8''`
		if !strings.HasPrefix(got, wantFallback) {
			t.Errorf("ContentDisposition(%q) = %q, want prefix %q", tt.name, got, wantFallback)
		}
		// mime decodes filename* (RFC 2231/8187) and prefers it.
		disp, params, err := mime.ParseMediaType(got)
		if err != nil {
			t.Errorf("ParseMediaType(%q): %v", got, err)
			continue
		}
		if disp != "attachment" || params["filename"] != tt.name {
			t.Errorf("ParseMediaType(%q) = %q, %q; want filename %q", got, disp, params, tt.name)
		}
	}
	got := ContentDisposition("用户列表-20261127-1030.xlsx")
	const want = `attachment; filename="20261127-1030.xlsx"; ` +
		`filename*=UTF-8''%E7%94%A8%E6%88%B7%E5%88%97%E8%A1%A8-20261127-1030.xlsx`
	if got != want {
		t.Errorf("ContentDisposition = %q\nwant %q", got, want)
	}
}

// benchRows prepares n rows of 10 mixed columns: Chinese text, ints and times.
func benchRows(n int) ([]Column, [][]any) {
	cols := []Column{
		{Header: "编号", Width: 10}, {Header: "用户名", Width: 16}, {Header: "姓名", Width: 10},
		{Header: "部门", Width: 16}, {Header: "手机号", Width: 14}, {Header: "订单数", Width: 8},
		{Header: "金额（元）", Width: 12}, {Header: "创建时间", Width: 18}, {Header: "最后登录", Width: 18},
		{Header: "备注", Width: 30},
	}
	depts := []string{"研发中心", "市场部", "华东大区销售部", "财务部", "人力资源部"}
	names := []string{"张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏"}
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, shanghai)
	rows := make([][]any, n)
	for i := range rows {
		created := base.Add(time.Duration(i) * time.Minute)
		var login *time.Time
		if i%3 != 0 {
			l := created.Add(36 * time.Hour)
			login = &l
		}
		rows[i] = []any{
			i + 1,
			"user" + strconv.Itoa(i),
			names[i%len(names)],
			depts[i%len(depts)],
			"138" + strconv.Itoa(10000000+i),
			int64(i % 97),
			float64(i%100000) / 100,
			created,
			login,
			"客户备注：第" + strconv.Itoa(i) + "条，需要跟进",
		}
	}
	return cols, rows
}

func benchExport(b *testing.B, f Format) {
	cols, rows := benchRows(100_000)
	b.ReportAllocs()
	for b.Loop() {
		w, err := NewWriter(io.Discard, f, "基准测试", cols)
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range rows {
			if err := w.WriteRow(r...); err != nil {
				b.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkExportXLSX100k(b *testing.B) { benchExport(b, XLSX) }

func BenchmarkExportCSV100k(b *testing.B) { benchExport(b, CSV) }
