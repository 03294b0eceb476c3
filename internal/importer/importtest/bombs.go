package importtest

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/flate"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"strings"
	"testing"

	"tongxin/internal/importer"
)

// Hostile workbooks for the tests of the reader's limits: each is a valid
// zip an attacker could post, built by streaming so that the test itself
// holds little of what the file expands to.

// Part is one part of a generated workbook. Write produces its content;
// Declared, when non-zero, is the uncompressed size the zip's directory
// claims (a lie when it differs from what Write produces).
type Part struct {
	Name     string
	Write    func(w io.Writer) error
	Declared uint64
}

const contentTypes = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>`

const packageRels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`

const workbookXML = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="成员单位" sheetId="1" r:id="rId1"/></sheets></workbook>`

const workbookRels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>`

func text(s string) func(io.Writer) error {
	return func(w io.Writer) error { _, err := io.WriteString(w, s); return err }
}

// Workbook returns the parts of a one-sheet workbook around sheet (the
// sheet's XML inside <sheetData>) and sst (the shared strings' <si>
// elements; nil: no shared-string part).
func Workbook(sheetData func(w io.Writer) error, sst func(w io.Writer) error) []Part {
	parts := []Part{
		{Name: "[Content_Types].xml", Write: text(contentTypes)},
		{Name: "_rels/.rels", Write: text(packageRels)},
		{Name: "xl/workbook.xml", Write: text(workbookXML)},
		{Name: "xl/_rels/workbook.xml.rels", Write: text(workbookRels)},
		{Name: "xl/worksheets/sheet1.xml", Write: func(w io.Writer) error {
			if _, err := io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`); err != nil {
				return err
			}
			if err := sheetData(w); err != nil {
				return err
			}
			_, err := io.WriteString(w, `</sheetData></worksheet>`)
			return err
		}},
	}
	if sst != nil {
		parts = append(parts, Part{Name: "xl/sharedStrings.xml", Write: func(w io.Writer) error {
			if _, err := io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`); err != nil {
				return err
			}
			if err := sst(w); err != nil {
				return err
			}
			_, err := io.WriteString(w, `</sst>`)
			return err
		}})
	}
	return parts
}

// WriteZip writes parts as a zip at path (best compression). A part with a
// Declared size is written raw, its directory entry claiming that size.
func WriteZip(t testing.TB, path string, parts []Part) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := BuildZip(f, parts); err != nil {
		t.Fatal(err)
	}
}

// BuildZip writes parts as a zip to w (see WriteZip).
func BuildZip(out io.Writer, parts []Part) error {
	zw := zip.NewWriter(out)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, flate.BestCompression)
	})
	for _, p := range parts {
		if p.Declared == 0 {
			w, err := zw.Create(p.Name)
			if err != nil {
				return err
			}
			bw := bufio.NewWriterSize(w, 64<<10)
			if err := p.Write(bw); err != nil {
				return err
			}
			if err := bw.Flush(); err != nil {
				return err
			}
			continue
		}
		var comp bytes.Buffer
		crc := crc32.NewIEEE()
		fw, _ := flate.NewWriter(&comp, flate.BestCompression)
		bw := bufio.NewWriterSize(io.MultiWriter(fw, crc), 64<<10)
		if err := p.Write(bw); err != nil {
			return err
		}
		if err := bw.Flush(); err != nil {
			return err
		}
		if err := fw.Close(); err != nil {
			return err
		}
		w, err := zw.CreateRaw(&zip.FileHeader{Name: p.Name, Method: zip.Deflate, CRC32: crc.Sum32(),
			CompressedSize64: uint64(comp.Len()), UncompressedSize64: p.Declared})
		if err != nil {
			return err
		}
		if _, err := w.Write(comp.Bytes()); err != nil {
			return err
		}
	}
	return zw.Close()
}

// headerRow writes the units template's header as inline strings.
func headerRow(w io.Writer) error {
	var b strings.Builder
	b.WriteString(`<row r="1">`)
	for i, h := range importer.Units.Headers() {
		fmt.Fprintf(&b, `<c r="%c1" t="inlineStr"><is><t>%s</t></is></c>`, 'A'+i, h)
	}
	b.WriteString(`</row>`)
	_, err := io.WriteString(w, b.String())
	return err
}

// repeat writes chunk until n bytes are written.
func repeat(w io.Writer, chunk string, n int64) error {
	big := strings.Repeat(chunk, max(1, (64<<10)/len(chunk)))
	for n > 0 {
		s := big
		if int64(len(s)) > n {
			s = s[:n-n%int64(len(chunk))]
			if s == "" {
				return nil
			}
		}
		if _, err := io.WriteString(w, s); err != nil {
			return err
		}
		n -= int64(len(s))
	}
	return nil
}

// SharedStringsBomb: a header whose first cell is the last of a table of
// small shared strings expanding to about expand bytes (the file:
// 599 KiB expanding to 600 MB). honest=false declares small sizes.
func SharedStringsBomb(expand int64) []Part {
	si := `<si><t>` + strings.Repeat("A", 1000) + `</t></si>`
	last := expand / int64(len(si))
	return Workbook(func(w io.Writer) error {
		_, err := fmt.Fprintf(w, `<row r="1"><c r="A1" t="s"><v>%d</v></c></row>`, last)
		return err
	}, func(w io.Writer) error { return repeat(w, si, expand) })
}

// BlankRowsBomb: the header and then blank rows expanding to about expand
// bytes.
func BlankRowsBomb(expand int64) []Part {
	return Workbook(func(w io.Writer) error {
		if err := headerRow(w); err != nil {
			return err
		}
		return repeat(w, `<row><c t="inlineStr"><is><t> </t></is></c></row>`, expand)
	}, nil)
}

// GiantCell: the header and a row whose first cell holds size bytes.
func GiantCell(size int64) []Part {
	return Workbook(func(w io.Writer) error {
		if err := headerRow(w); err != nil {
			return err
		}
		if _, err := io.WriteString(w, `<row r="2"><c r="A2" t="inlineStr"><is><t>`); err != nil {
			return err
		}
		if err := repeat(w, "同心", size); err != nil {
			return err
		}
		_, err := io.WriteString(w, `</t></is></c></row>`)
		return err
	}, nil)
}

// ManyRows: the header and n data rows (a name and a kind each).
func ManyRows(n int) []Part {
	return Workbook(func(w io.Writer) error {
		if err := headerRow(w); err != nil {
			return err
		}
		for i := 0; i < n; i++ {
			if _, err := fmt.Fprintf(w, `<row r="%d"><c r="A%d" t="inlineStr"><is><t>单位%d</t></is></c><c r="C%d" t="inlineStr"><is><t>非公企业</t></is></c></row>`, i+2, i+2, i, i+2); err != nil {
				return err
			}
		}
		return nil
	}, nil)
}

// WideRow: the header and a row with a cell in column col (from 1).
func WideRow(col int) []Part {
	return Workbook(func(w io.Writer) error {
		if err := headerRow(w); err != nil {
			return err
		}
		name := ""
		for c := col; c > 0; c = (c - 1) / 26 {
			name = string(rune('A'+(c-1)%26)) + name
		}
		_, err := fmt.Fprintf(w, `<row r="2"><c r="%s2" t="inlineStr"><is><t>x</t></is></c></row>`, name)
		return err
	}, nil)
}

// Lying sets the declared size of the named part.
func Lying(parts []Part, name string, declared uint64) []Part {
	out := make([]Part, len(parts))
	copy(out, parts)
	for i := range out {
		if out[i].Name == name {
			out[i].Declared = declared
		}
	}
	return out
}
