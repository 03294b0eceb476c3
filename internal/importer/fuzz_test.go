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
	for _, seed := range xlsxSeeds() {
		f.Add(seed[0], seed[1])
	}
	header := fuzzHeader()
	f.Fuzz(func(t *testing.T, sheet, sst []byte) {
		readFuzz(t, "fuzz.xlsx", zipBytes(t, workbookOf(header, sheet, sst)))
	})
}

func workbookOf(header string, sheet, sst []byte) []importtest.Part {
	return importtest.Workbook(func(w io.Writer) error {
		if _, err := io.WriteString(w, header); err != nil {
			return err
		}
		_, err := w.Write(sheet)
		return err
	}, func(w io.Writer) error { _, err := w.Write(sst); return err })
}

// xlsxSeeds are FuzzXLSX's seeds: sheet rows and shared strings.
func xlsxSeeds() [][2][]byte {
	var out [][2][]byte
	add := func(sheet, sst []byte) { out = append(out, [2][]byte{sheet, sst}) }
	add([]byte(`<row r="2"><c r="A2" t="s"><v>1</v></c><c r="C2" t="inlineStr"><is><t>非公企业</t></is></c><c r="G2"><v>12</v></c></row>`),
		[]byte(`<si><t>单位名称</t></si><si><r><t>同心</t></r><rPh><t>x</t></rPh></si>`))
	add([]byte(`<row><c r="XFD2"><v>1</v></c></row>`), []byte(`<si><t>单位名称</t></si>`))
	add([]byte(`<row r="2"><c t="s"><v>99999</v></c></row>`), []byte(`<si><t>单位名称</t></si>`))
	add([]byte(`<row r="2"><c t="b"><v>1</v></c><c t="e"><v>#N/A</v></c><c s="1"><v>45000.5</v></c><c><v>1e400</v></c></row>`),
		[]byte(`<si><t>单位名称</t></si><si><t>&amp;&#x4E2D;&bogus;</t></si>`))
	add([]byte(`<row><c t="inlineStr"><is><t>`+strings.Repeat("同", 2000)+`</t></is></c></row>`), []byte(`<si><t>单位名称</t></si>`))
	add([]byte(strings.Repeat(`<row/>`, 2000)), []byte(`<si><t>单位名称</t></si>`))
	add([]byte(`<row r="2"><c r="A2" t="s"><v>1</v></c></row>`), []byte(`<si><t>单位名称</t></si><si><t><![CDATA[<x>]]></t></si>`))
	// A small bomb of strings: the first cell reaches for the last of a
	// thousand (the count limit), a row of empty cells up to the column limit.
	add([]byte(`<row r="2"><c r="A2" t="s"><v>1000</v></c>`+strings.Repeat(`<c/>`, 60)+`</row>`),
		[]byte(`<si><t>单位名称</t></si>`+strings.Repeat(`<si><t>A</t></si>`, 1000)))
	return out
}

// FuzzXLSXZip fuzzes the whole file: the zip's directory, its parts and
// their compressed bytes (bombs among the seeds).
func FuzzXLSXZip(f *testing.F) {
	for _, seed := range zipSeeds(f) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, content []byte) {
		readFuzz(t, "fuzz.xlsx", content)
	})
}

// zipSeeds are FuzzXLSXZip's seeds: a good file and small bombs.
func zipSeeds(t testing.TB) [][]byte {
	var out [][]byte
	for _, parts := range [][]importtest.Part{
		importtest.ManyRows(3),
		importtest.BlankRowsBomb(8 << 20),
		importtest.SharedStringsBomb(8 << 20),
		importtest.Lying(importtest.BlankRowsBomb(3<<20), "xl/worksheets/sheet1.xml", 1<<10),
		importtest.GiantCell(1 << 20),
		importtest.WideRow(300),
	} {
		out = append(out, zipBytes(t, parts))
	}
	return out
}

// FuzzCSV fuzzes a csv file.
func FuzzCSV(f *testing.F) {
	for _, seed := range csvSeeds() {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, content []byte) {
		readFuzz(t, "fuzz.csv", content)
	})
}

// csvSeeds are FuzzCSV's seeds, a bomb of blank rows among them.
func csvSeeds() [][]byte {
	header := strings.Join(importer.Units.Headers(), ",")
	var out [][]byte
	add := func(b []byte) { out = append(out, b) }
	add([]byte("\ufeff" + header + "\n上海同心,91310104MA1FL0000X,非公企业\n"))
	add([]byte(header + "\n\"a,b\n"))
	add([]byte(header + "\n" + strings.Repeat(",,,\n", 2000)))
	add([]byte(header + "\n" + strings.Repeat("同", 2000) + "\n"))
	add([]byte(header + "\n" + strings.Repeat("x,", 100) + "\n"))
	add([]byte("a\x00b\n"))
	add([]byte(header + ",错误原因\r\n单位,,非公企业,,,,,,,第 2 行\r\n"))
	return out
}

// TestWriteFuzzCorpus writes the seeds as the checked-in corpus
// (testdata/fuzz/FuzzX/seed-N) when TONGXIN_WRITE_FUZZ_CORPUS=1.
func TestWriteFuzzCorpus(t *testing.T) {
	if os.Getenv("TONGXIN_WRITE_FUZZ_CORPUS") != "1" {
		t.Skip("set TONGXIN_WRITE_FUZZ_CORPUS=1 to rewrite testdata/fuzz")
	}
	write := func(target string, i int, args ...[]byte) {
		var b strings.Builder
		b.WriteString("go test fuzz v1\n")
		for _, a := range args {
			fmt.Fprintf(&b, "[]byte(%q)\n", a)
		}
		dir := filepath.Join("testdata", "fuzz", target)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("seed-%d", i)), []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for i, s := range xlsxSeeds() {
		write("FuzzXLSX", i, s[0], s[1])
	}
	for i, s := range zipSeeds(t) {
		write("FuzzXLSXZip", i, s)
	}
	for i, s := range csvSeeds() {
		write("FuzzCSV", i, s)
	}
}
