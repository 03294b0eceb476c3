package importer_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tongxin/internal/importer"
	"tongxin/internal/importer/importtest"
)

// fuzzLimits keep each input cheap: a bomb is refused within a few MiB.
var fuzzLimits = importer.Limits{MaxBytes: 1 << 20, MaxRows: 500, MaxUnzipped: 4 << 20, MaxPart: 2 << 20, MaxRatio: 200,
	MaxCell: 1000, MaxColumns: 50, MaxSheetRows: 1000, MaxSharedStrings: 1000, MaxSharedBytes: 256 << 10, ParseTime: 5 * time.Second}

// readFuzz reads a file as the import job does and checks the outcome: rows
// of the template's width, or a refusal (never another error, never a
// panic).
func readFuzz(t *testing.T, name string, content []byte) {
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, content, 0o600); err != nil {
		t.Fatal(err)
	}
	err := func() error {
		format, err := importer.Sniff(p, name, fuzzLimits)
		if err != nil {
			return err
		}
		r, err := importer.Open(p, format, importer.Units, fuzzLimits)
		if err != nil {
			return err
		}
		defer r.Close()
		n := 0
		for r.Next() {
			row := r.Row()
			if len(row.Cells) != len(importer.Units.Columns) || row.Line < 2 {
				t.Fatalf("row %+v", row)
			}
			for _, c := range row.Cells {
				if len([]rune(c)) > fuzzLimits.MaxCell {
					t.Fatalf("a cell of %d characters passed", len([]rune(c)))
				}
			}
			n++
		}
		if n > fuzzLimits.MaxRows {
			t.Fatalf("%d rows passed", n)
		}
		return r.Err()
	}()
	var ref *importer.Refusal
	if err != nil && !errors.As(err, &ref) {
		t.Fatalf("not a refusal: %T %v", err, err)
	}
}

func zipBytes(t testing.TB, parts []importtest.Part) []byte {
	var buf bytes.Buffer
	if err := importtest.BuildZip(&buf, parts); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// fuzzHeader is the units template's header row: its first cell a shared
// string (0), the others inline.
func fuzzHeader() string {
	var b strings.Builder
	b.WriteString(`<row r="1">`)
	for i, h := range importer.Units.Headers() {
		if i == 0 {
			b.WriteString(`<c r="A1" t="s"><v>0</v></c>`)
			continue
		}
		fmt.Fprintf(&b, `<c r="%c1" t="inlineStr"><is><t>%s</t></is></c>`, 'A'+i, h)
	}
	b.WriteString(`</row>`)
	return b.String()
}

// FuzzXLSX fuzzes the sheet's rows and the shared strings inside a valid
// workbook whose header is right: the parser's own input.
func FuzzXLSX(f *testing.F) {
	f.Add([]byte(`<row r="2"><c r="A2" t="s"><v>1</v></c><c r="C2" t="inlineStr"><is><t>非公企业</t></is></c><c r="G2"><v>12</v></c></row>`),
		[]byte(`<si><t>单位名称</t></si><si><r><t>同心</t></r><rPh><t>x</t></rPh></si>`))
	f.Add([]byte(`<row><c r="XFD2"><v>1</v></c></row>`), []byte(`<si><t>单位名称</t></si>`))
	f.Add([]byte(`<row r="2"><c t="s"><v>99999</v></c></row>`), []byte(`<si><t>单位名称</t></si>`))
	f.Add([]byte(`<row r="2"><c t="b"><v>1</v></c><c t="e"><v>#N/A</v></c><c s="1"><v>45000.5</v></c><c><v>1e400</v></c></row>`),
		[]byte(`<si><t>单位名称</t></si><si><t>&amp;&#x4E2D;&bogus;</t></si>`))
	f.Add([]byte(`<row><c t="inlineStr"><is><t>`+strings.Repeat("同", 2000)+`</t></is></c></row>`), []byte(`<si><t>单位名称</t></si>`))
	f.Add([]byte(strings.Repeat(`<row/>`, 2000)), []byte(`<si><t>单位名称</t></si>`))
	f.Add([]byte(`<row r="2"><c r="A2" t="s"><v>1</v></c></row>`), []byte(`<si><t>单位名称</t></si><si><t><![CDATA[<x>]]></t></si>`))
	header := fuzzHeader()
	f.Fuzz(func(t *testing.T, sheet, sst []byte) {
		parts := importtest.Workbook(func(w io.Writer) error {
			if _, err := io.WriteString(w, header); err != nil {
				return err
			}
			_, err := w.Write(sheet)
			return err
		}, func(w io.Writer) error { _, err := w.Write(sst); return err })
		readFuzz(t, "fuzz.xlsx", zipBytes(t, parts))
	})
}

// FuzzXLSXZip fuzzes the whole file: the zip's directory, its parts and
// their compressed bytes (bombs among the seeds).
func FuzzXLSXZip(f *testing.F) {
	for _, parts := range [][]importtest.Part{
		importtest.ManyRows(3),
		importtest.BlankRowsBomb(8 << 20),
		importtest.SharedStringsBomb(8 << 20),
		importtest.Lying(importtest.BlankRowsBomb(3<<20), "xl/worksheets/sheet1.xml", 1<<10),
		importtest.GiantCell(1 << 20),
		importtest.WideRow(300),
	} {
		f.Add(zipBytes(f, parts))
	}
	f.Fuzz(func(t *testing.T, content []byte) {
		readFuzz(t, "fuzz.xlsx", content)
	})
}

// FuzzCSV fuzzes a csv file.
func FuzzCSV(f *testing.F) {
	header := strings.Join(importer.Units.Headers(), ",")
	f.Add([]byte("\ufeff" + header + "\n上海同心,91310104MA1FL0000X,非公企业\n"))
	f.Add([]byte(header + "\n\"a,b\n"))
	f.Add([]byte(header + "\n" + strings.Repeat(",,,\n", 2000)))
	f.Add([]byte(header + "\n" + strings.Repeat("同", 2000) + "\n"))
	f.Add([]byte(header + "\n" + strings.Repeat("x,", 100) + "\n"))
	f.Add([]byte("a\x00b\n"))
	f.Add([]byte(header + ",错误原因\r\n单位,,非公企业,,,,,,,第 2 行\r\n"))
	f.Fuzz(func(t *testing.T, content []byte) {
		readFuzz(t, "fuzz.csv", content)
	})
}
