package importer_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"tongxin/internal/importer"
	"tongxin/internal/importer/importtest"
)

// readAll reads a file the way the import job does (Sniff, then every row)
// and returns what stopped it, the bytes allocated meanwhile and the time.
func readAll(t *testing.T, path string, l importer.Limits) (error, uint64, time.Duration) {
	t.Helper()
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	err := func() error {
		format, err := importer.Sniff(path, filepath.Base(path), l)
		if err != nil {
			return err
		}
		r, err := importer.Open(path, format, importer.Units, l)
		if err != nil {
			return err
		}
		defer r.Close()
		for r.Next() {
		}
		return r.Err()
	}()
	took := time.Since(start)
	runtime.ReadMemStats(&after)
	return err, after.TotalAlloc - before.TotalAlloc, took
}

func bomb(t *testing.T, name string, parts []importtest.Part) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	importtest.WriteZip(t, p, parts)
	return p
}

const mib = 1 << 20

// TestHostileSpreadsheets: each hostile file is refused naming the limit it
// broke, and reading it allocates a bounded number of bytes (a count, not a
// time: runtime.MemStats.TotalAlloc, every byte allocated, freed or not).
func TestHostileSpreadsheets(t *testing.T) {
	if testing.Short() {
		t.Skip("builds files expanding to hundreds of MB")
	}
	// Past the directory's checks, to reach the guards that work while streaming.
	streaming := importer.Limits{MaxRatio: 1 << 30}
	tests := []struct {
		name     string
		parts    func() []importtest.Part
		csv      string // a csv file's content instead
		same     string // cases with the same value read the same file
		limits   importer.Limits
		want     string
		maxAlloc uint64
	}{
		// The file: 599 KiB of shared strings expanding to 600 MB.
		{name: "shared strings bomb", same: "SharedStringsBomb600", parts: func() []importtest.Part { return importtest.SharedStringsBomb(600 * mib) },
			want: importer.MsgPartTooLarge, maxAlloc: 4 * mib},
		{name: "shared strings bomb under the part limit", same: "SharedStringsBomb140", parts: func() []importtest.Part { return importtest.SharedStringsBomb(140 * mib) },
			want: importer.MsgRatioTooHigh, maxAlloc: 4 * mib},
		{name: "shared strings bomb read as far as the bytes limit", same: "SharedStringsBomb140", parts: func() []importtest.Part { return importtest.SharedStringsBomb(140 * mib) },
			limits: importer.Limits{MaxRatio: 1 << 30, MaxSharedBytes: 16 * mib}, want: importer.MsgStringsTooLarge, maxAlloc: 120 * mib},
		{name: "shared strings count", parts: func() []importtest.Part { return importtest.SharedStringsBomb(500 << 10) },
			limits: importer.Limits{MaxSharedStrings: 100}, want: importer.MsgTooManyStrings, maxAlloc: 4 * mib},
		{name: "shared strings bomb behind a lying directory", parts: func() []importtest.Part {
			return importtest.Lying(importtest.SharedStringsBomb(200*mib), "xl/sharedStrings.xml", 64<<10)
		}, want: importer.MsgNotXLSX, maxAlloc: 4 * mib},
		{name: "blank rows bomb", same: "BlankRowsBomb600", parts: func() []importtest.Part { return importtest.BlankRowsBomb(600 * mib) },
			want: importer.MsgPartTooLarge, maxAlloc: 4 * mib},
		{name: "blank rows bomb under the part limit", same: "BlankRowsBomb100", parts: func() []importtest.Part { return importtest.BlankRowsBomb(100 * mib) },
			want: importer.MsgRatioTooHigh, maxAlloc: 4 * mib},
		{name: "blank rows read as far as the rows limit", same: "BlankRowsBomb100", parts: func() []importtest.Part { return importtest.BlankRowsBomb(100 * mib) },
			limits: streaming, want: importer.MsgTooManySheetRows, maxAlloc: 256 * mib},
		{name: "blank rows behind a lying directory", parts: func() []importtest.Part {
			return importtest.Lying(importtest.BlankRowsBomb(100*mib), "xl/worksheets/sheet1.xml", 1*mib)
		}, limits: importer.Limits{MaxSheetRows: 1 << 30}, want: importer.MsgNotXLSX, maxAlloc: 16 * mib},
		{name: "blank rows past the reading time", same: "BlankRowsBomb100", parts: func() []importtest.Part { return importtest.BlankRowsBomb(100 * mib) },
			limits: importer.Limits{MaxRatio: 1 << 30, MaxSheetRows: 1 << 30, ParseTime: time.Millisecond}, want: importer.MsgParseTimeout, maxAlloc: 64 * mib},
		{name: "blank rows past the unzipped total", same: "BlankRowsBomb100", parts: func() []importtest.Part { return importtest.BlankRowsBomb(100 * mib) },
			limits: importer.Limits{MaxRatio: 1 << 30, MaxUnzipped: 50 * mib}, want: importer.MsgUnzippedTooLarge, maxAlloc: 4 * mib},
		{name: "giant cell", same: "GiantCell100", parts: func() []importtest.Part { return importtest.GiantCell(100 * mib) },
			limits: streaming, want: importer.MsgCellTooLong, maxAlloc: 4 * mib},
		{name: "giant cell by the directory", same: "GiantCell100", parts: func() []importtest.Part { return importtest.GiantCell(100 * mib) },
			want: importer.MsgRatioTooHigh, maxAlloc: 4 * mib},
		{name: "too many rows", parts: func() []importtest.Part { return importtest.ManyRows(60) },
			limits: importer.Limits{MaxRows: 50}, want: importer.MsgTooManyRows, maxAlloc: 4 * mib},
		{name: "too many columns", parts: func() []importtest.Part { return importtest.WideRow(300) },
			want: importer.MsgTooManyColumns, maxAlloc: 4 * mib},
		{name: "the last column of all", parts: func() []importtest.Part { return importtest.WideRow(16384 * 27) },
			want: importer.MsgTooManyColumns, maxAlloc: 4 * mib},
		{name: "csv giant cell", csv: strings.Join(importer.Units.Headers(), ",") + "\n" + strings.Repeat("同", 40000) + "\n",
			want: importer.MsgCellTooLong, maxAlloc: 4 * mib},
		{name: "csv too many columns", csv: strings.Join(importer.Units.Headers(), ",") + "\n" + strings.Repeat("x,", 300) + "\n",
			want: importer.MsgTooManyColumns, maxAlloc: 4 * mib},
		{name: "csv blank rows", csv: strings.Join(importer.Units.Headers(), ",") + "\n" + strings.Repeat(",,,\n", 300000),
			want: importer.MsgTooManySheetRows, maxAlloc: 64 * mib},
		{name: "csv too many rows", csv: strings.Join(importer.Units.Headers(), ",") + "\n" + strings.Repeat("单位,,非公企业\n", 60),
			limits: importer.Limits{MaxRows: 50}, want: importer.MsgTooManyRows, maxAlloc: 4 * mib},
	}
	// Files expanding alike are built once (the big ones take seconds).
	built := map[string]string{}
	dir := t.TempDir()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var path string
			switch {
			case tt.csv != "":
				path = writeFile(t, "hostile.csv", []byte(tt.csv))
			case tt.same != "" && built[tt.same] != "":
				path = built[tt.same]
			default:
				path = filepath.Join(dir, fmt.Sprintf("hostile-%d.xlsx", len(built)))
				importtest.WriteZip(t, path, tt.parts())
				if tt.same != "" {
					built[tt.same] = path
				}
			}
			st, _ := os.Stat(path)
			err, alloc, took := readAll(t, path, tt.limits)
			key, args := refusalOf(t, err)
			if key != tt.want {
				t.Fatalf("refusal %q %v, want %q", key, args, tt.want)
			}
			if alloc > tt.maxAlloc {
				t.Errorf("reading allocated %d MiB, want at most %d MiB", alloc/mib, tt.maxAlloc/mib)
			}
			t.Logf("file %d KiB: %s %v after %v, %.1f MiB allocated", st.Size()>>10, key, args, took.Round(time.Millisecond), float64(alloc)/mib)
		})
	}
}

// TestReadingStopsWithItsContext: a cancelled job stops reading.
func TestReadingStopsWithItsContext(t *testing.T) {
	path := bomb(t, "rows.xlsx", importtest.ManyRows(5000))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r, err := importer.OpenContext(ctx, path, importer.XLSX, importer.Units, importer.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	n := 0
	for r.Next() {
		if n++; n == 10 {
			cancel()
		}
	}
	if !errors.Is(r.Err(), context.Canceled) || n >= 5000 {
		t.Fatalf("read %d rows, stopped by %v", n, r.Err())
	}
}

// TestEstimate: the rows a file claims, for progress, capped at the limit;
// 0 when it claims nothing.
func TestEstimate(t *testing.T) {
	rows, _ := importtest.UnitRows(3, 1, false)
	tests := []struct {
		name   string
		path   string
		format importer.Format
		limits importer.Limits
		want   int
	}{
		{"xlsx claiming A1 (excelize's stream writer)", xlsxOf(t, rows), importer.XLSX, importer.Limits{}, 0},
		{"xlsx claiming A1:I6", bomb(t, "dim.xlsx", withDimension("A1:I6", importtest.ManyRows(5))), importer.XLSX, importer.Limits{}, 5},
		{"csv", csvOf(t, rows), importer.CSV, importer.Limits{}, 3},
		{"capped", csvOf(t, rows), importer.CSV, importer.Limits{MaxRows: 2}, 2},
		{"no dimension", bomb(t, "rows.xlsx", importtest.ManyRows(5)), importer.XLSX, importer.Limits{}, 0},
	}
	for _, tt := range tests {
		r, err := importer.Open(tt.path, tt.format, importer.Units, tt.limits)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.Estimate(); got != tt.want {
			t.Errorf("%s: estimate %d, want %d", tt.name, got, tt.want)
		}
		r.Close()
	}
}

// withDimension puts a <dimension> before the rows of a generated sheet.
func withDimension(ref string, parts []importtest.Part) []importtest.Part {
	out := slices.Clone(parts)
	for i, p := range out {
		if p.Name == "xl/worksheets/sheet1.xml" {
			write := p.Write
			out[i].Write = func(w io.Writer) error {
				var buf bytes.Buffer
				if err := write(&buf); err != nil {
					return err
				}
				_, err := io.WriteString(w, strings.Replace(buf.String(), "<sheetData>", `<dimension ref="`+ref+`"/><sheetData>`, 1))
				return err
			}
		}
	}
	return out
}

// TestXLSXCellValues: cells as Excel shows them, from a file written by
// excelize's ordinary writer (shared strings, styles): dates in a date
// format as 2006-01-02, numbers without float noise, booleans, text with
// leading zeros.
func TestXLSXCellValues(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	sheet := "Sheet1"
	for i, h := range importer.Units.Headers() {
		cell, _ := excelize.CoordinatesToCellName(i+1, 1)
		if err := f.SetCellStr(sheet, cell, h); err != nil {
			t.Fatal(err)
		}
	}
	builtinDate, _ := f.NewStyle(&excelize.Style{NumFmt: 14})
	customDate := "yyyy\"年\"m\"月\"d\"日\""
	custom, _ := f.NewStyle(&excelize.Style{CustomNumFmt: &customDate})
	money, _ := f.NewStyle(&excelize.Style{NumFmt: 4}) // #,##0.00
	set := func(cell string, v any, style int) {
		if err := f.SetCellValue(sheet, cell, v); err != nil {
			t.Fatal(err)
		}
		if style != 0 {
			if err := f.SetCellStyle(sheet, cell, cell, style); err != nil {
				t.Fatal(err)
			}
		}
	}
	set("A2", "上海同心", 0)
	set("B2", "0012", 0)
	set("C2", 46022, builtinDate) // 2025-12-31
	set("D2", 46023.5, custom)    // 2026-01-01 12:00
	set("E2", 0.1+0.2, 0)
	set("F2", 860000, money)
	set("G2", true, 0)
	set("H2", 13812345678, 0)
	p := filepath.Join(t.TempDir(), "values.xlsx")
	if err := f.SaveAs(p); err != nil {
		t.Fatal(err)
	}
	r, err := importer.Open(p, importer.XLSX, importer.Units, importer.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if !r.Next() {
		t.Fatalf("no row: %v", r.Err())
	}
	want := []string{"上海同心", "0012", "2025-12-31", "2026-01-01 12:00:00", "0.3", "860000", "TRUE", "13812345678", ""}
	if got := r.Row().Cells; !slices.Equal(got, want) || r.Row().Line != 2 {
		t.Errorf("row %d %q, want %q", r.Row().Line, got, want)
	}
}
