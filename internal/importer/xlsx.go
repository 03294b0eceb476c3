package importer

import (
	"archive/zip"
	"bufio"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"math"
	"os"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The xlsx reader streams the first sheet of a workbook with encoding/xml,
// under Limits: every byte inflated is counted (per part, in total, and
// against the part's compressed size), a text or tag run longer than a cell
// may be is refused before encoding/xml buffers it, and the shared strings
// are read lazily, as far as the cells ask for them, bounded in count and
// bytes. Nothing of the sheet is held beyond the current row.

// xlsxFile is an open workbook: its zip, its first sheet's rows, its shared
// strings (read lazily) and the number formats of its styles.
type xlsxFile struct {
	f      *os.File
	zr     *zip.Reader
	b      *budget
	size   int64
	sheet  *xmlPart
	sst    *xmlPart // nil: no shared strings, or all read
	shared []string
	sBytes int64
	// dateStyles marks the cell styles (s="…") whose number format is a
	// date; date1904 is the workbook's date system.
	dateStyles map[int]bool
	date1904   bool
	physRows   int
	// lastRow is the last row the sheet's <dimension> claims (0: none);
	// an estimate for progress, never trusted as a limit.
	lastRow int
}

// xmlPart is a part being decoded.
type xmlPart struct {
	pr  *partReader
	dec *xml.Decoder
}

func (p *xmlPart) close() {
	if p != nil {
		p.pr.Close()
	}
}

func (x *xlsxFile) find(name string) *zip.File {
	name = strings.TrimPrefix(name, "/")
	for _, zf := range x.zr.File {
		if zf.Name == name {
			return zf
		}
	}
	for _, zf := range x.zr.File { // some writers differ in case
		if strings.EqualFold(zf.Name, name) {
			return zf
		}
	}
	return nil
}

func (x *xlsxFile) openPart(zf *zip.File) (*xmlPart, error) {
	rc, err := zf.Open()
	if err != nil {
		return nil, refuse(MsgNotXLSX)
	}
	pr := &partReader{name: zf.Name, r: rc, b: x.b, compressed: int64(min(zf.CompressedSize64, uint64(x.size)))}
	g := &runGuard{b: x.b, r: pr, maxRun: 8*x.b.limits.MaxCell + 1024}
	dec := xml.NewDecoder(bufio.NewReaderSize(g, 32<<10))
	dec.Strict = false
	return &xmlPart{pr: pr, dec: dec}, nil
}

// token reads the next token of a part, turning a decoder's complaint into
// a damaged-file refusal (a refusal of the guards comes through as is).
func (p *xmlPart) token() (xml.Token, error) {
	t, err := p.dec.RawToken()
	if err != nil && p.pr.b.err != nil {
		return nil, p.pr.b.err
	}
	if err != nil {
		var r *Refusal
		if errors.As(err, &r) || errors.Is(err, io.EOF) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			if errors.As(err, &r) {
				return nil, r
			}
			return nil, err
		}
		return nil, refuse(MsgNotXLSX)
	}
	return t, nil
}

func attr(se xml.StartElement, name string) string {
	for _, a := range se.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// eachStart calls fn for every start element of a small part.
func (x *xlsxFile) eachStart(name string, fn func(xml.StartElement)) error {
	zf := x.find(name)
	if zf == nil {
		return nil
	}
	if zf.UncompressedSize64 > smallPart {
		return refuse(MsgPartTooLarge, zf.Name, HumanSize(smallPart))
	}
	p, err := x.openPart(zf)
	if err != nil {
		return err
	}
	defer p.close()
	for {
		t, err := p.token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if se, ok := t.(xml.StartElement); ok {
			fn(se)
		}
	}
}

// openXLSX opens the first sheet of the workbook at path, positioned before
// its first row.
func openXLSX(ctx context.Context, path string, l Limits) (*xlsxFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	x := &xlsxFile{f: f, size: st.Size(), b: &budget{ctx: ctx, limits: l}, dateStyles: map[int]bool{}}
	x.b.start()
	defer x.b.stop()
	if err := x.open(); err != nil {
		x.close()
		return nil, err
	}
	return x, nil
}

func (x *xlsxFile) open() error {
	zr, err := zip.NewReader(x.f, x.size)
	if err != nil {
		return refuse(MsgNotXLSX)
	}
	if err := checkZipDirectory(zr, x.size, x.b.limits); err != nil {
		return err
	}
	x.zr = zr
	// The workbook: its first sheet's relationship and the date system.
	var sheetRel string
	sheets, isBook := 0, false
	err = x.eachStart("xl/workbook.xml", func(se xml.StartElement) {
		switch se.Name.Local {
		case "workbook":
			isBook = true
		case "sheet":
			if sheets == 0 {
				sheetRel = attr(se, "id")
			}
			sheets++
		case "workbookPr":
			v := attr(se, "date1904")
			x.date1904 = v == "1" || v == "true"
		}
	})
	if err != nil {
		return err
	}
	if !isBook {
		return refuse(MsgNotXLSX)
	}
	if sheets == 0 {
		return refuse(MsgNoSheet)
	}
	sheetPath, sstPath, stylesPath := "", "xl/sharedStrings.xml", "xl/styles.xml"
	err = x.eachStart("xl/_rels/workbook.xml.rels", func(se xml.StartElement) {
		if se.Name.Local != "Relationship" {
			return
		}
		target := attr(se, "Target")
		if strings.HasPrefix(target, "/") {
			target = strings.TrimPrefix(target, "/")
		} else {
			target = path.Join("xl", target)
		}
		typ := attr(se, "Type")
		switch {
		case attr(se, "Id") == sheetRel:
			sheetPath = target
		case strings.HasSuffix(typ, "/sharedStrings"):
			sstPath = target
		case strings.HasSuffix(typ, "/styles"):
			stylesPath = target
		}
	})
	if err != nil {
		return err
	}
	if sheetPath == "" {
		sheetPath = "xl/worksheets/sheet1.xml"
	}
	if err := x.readStyles(stylesPath); err != nil {
		return err
	}
	zf := x.find(sheetPath)
	if zf == nil {
		return refuse(MsgNotXLSX)
	}
	if x.sheet, err = x.openPart(zf); err != nil {
		return err
	}
	if zf := x.find(sstPath); zf != nil {
		if x.sst, err = x.openPart(zf); err != nil {
			return err
		}
	}
	return nil
}

// sharedString returns the i-th shared string, reading the table as far as
// needed.
func (x *xlsxFile) sharedString(i int) (string, error) {
	if i < 0 {
		return "", refuse(MsgNotXLSX)
	}
	if i >= x.b.limits.MaxSharedStrings {
		return "", refuse(MsgTooManyStrings, x.b.limits.MaxSharedStrings)
	}
	for i >= len(x.shared) {
		if x.sst == nil {
			return "", refuse(MsgNotXLSX)
		}
		s, ok, err := x.nextShared()
		if err != nil {
			return "", err
		}
		if !ok {
			x.sst.close()
			x.sst = nil
			continue
		}
		if len(x.shared) >= x.b.limits.MaxSharedStrings {
			return "", refuse(MsgTooManyStrings, x.b.limits.MaxSharedStrings)
		}
		x.sBytes += int64(len(s))
		if x.sBytes > x.b.limits.MaxSharedBytes {
			return "", refuse(MsgStringsTooLarge, HumanSize(x.b.limits.MaxSharedBytes))
		}
		x.shared = append(x.shared, s)
	}
	return x.shared[i], nil
}

// nextShared reads the next <si> of the shared strings: the text of its
// <t> elements, the phonetic runs (<rPh>) left out.
func (x *xlsxFile) nextShared() (string, bool, error) {
	p := x.sst
	var sb strings.Builder
	in, depthRPh, inT := false, 0, false
	for {
		t, err := p.token()
		if errors.Is(err, io.EOF) {
			return "", false, nil
		}
		if err != nil {
			return "", false, err
		}
		switch t := t.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "si":
				in, sb = true, strings.Builder{}
			case "rPh":
				depthRPh++
			case "t":
				inT = in && depthRPh == 0
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "si":
				if in {
					return sb.String(), true, nil
				}
			case "rPh":
				depthRPh--
			case "t":
				inT = false
			}
		case xml.CharData:
			if inT {
				if sb.Len()+len(t) > 4*x.b.limits.MaxCell {
					return "", false, refuse(MsgCellTooLong, 0, x.b.limits.MaxCell)
				}
				sb.Write(t)
			}
		}
	}
}

// cell is a cell of the row being read.
type xcell struct {
	typ, style string
	col        int
	v, is      strings.Builder
	hasV       bool
}

// nextRow reads the next <row> of the sheet into its cells (index: column
// from 0), returning its row number; ok is false at the end of the sheet.
func (x *xlsxFile) nextRow(dst []string) (out []string, line int, ok bool, err error) {
	x.b.start()
	defer x.b.stop()
	p := x.sheet
	l := x.b.limits
	inRow, inCell, inV, inIs, inT, depthRPh := false, false, false, false, false, 0
	var c xcell
	lastCol := 0
	out = dst[:0]
	tokens := 0
	for {
		t, err := p.token()
		if r, ok := err.(*Refusal); ok && r.Key == MsgCellTooLong {
			return nil, 0, false, refuse(MsgCellTooLong, max(line, x.physRows), l.MaxCell)
		}
		if errors.Is(err, io.EOF) {
			if inRow {
				return nil, 0, false, refuse(MsgNotXLSX)
			}
			return nil, 0, false, nil
		}
		if err != nil {
			return nil, 0, false, err
		}
		tokens++
		if tokens%4096 == 0 {
			if err := x.b.check(); err != nil {
				return nil, 0, false, err
			}
		}
		switch t := t.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "dimension":
				ref := attr(t, "ref")
				ref = ref[strings.LastIndexByte(ref, ':')+1:]
				if i := strings.IndexFunc(ref, func(r rune) bool { return r >= '0' && r <= '9' }); i >= 0 {
					x.lastRow, _ = strconv.Atoi(ref[i:])
				}
			case "row":
				x.physRows++
				if x.physRows > l.MaxSheetRows {
					return nil, 0, false, refuse(MsgTooManySheetRows, l.MaxSheetRows)
				}
				inRow, lastCol = true, 0
				line = x.physRows
				if r, err := strconv.Atoi(attr(t, "r")); err == nil && r > 0 {
					line = r
				}
			case "c":
				if !inRow {
					continue
				}
				inCell = true
				c = xcell{typ: attr(t, "t"), style: attr(t, "s"), col: lastCol + 1}
				if ref := attr(t, "r"); ref != "" {
					if col := columnOf(ref); col > 0 {
						c.col = col
					}
				}
				if c.col > l.MaxColumns {
					return nil, 0, false, refuse(MsgTooManyColumns, line, l.MaxColumns)
				}
				lastCol = c.col
			case "v":
				inV = inCell
				c.hasV = c.hasV || inCell
			case "is":
				inIs = inCell
			case "rPh":
				depthRPh++
			case "t":
				inT = inIs && depthRPh == 0
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "row":
				if inRow {
					return out, line, true, nil
				}
			case "c":
				if !inCell {
					continue
				}
				inCell = false
				v, err := x.cellValue(&c, line)
				if err != nil {
					return nil, 0, false, err
				}
				if v != "" {
					for len(out) < c.col {
						out = append(out, "")
					}
					out[c.col-1] = v
				}
			case "v":
				inV = false
			case "is":
				inIs = false
			case "rPh":
				depthRPh--
			case "t":
				inT = false
			}
		case xml.CharData:
			switch {
			case inV:
				if c.v.Len()+len(t) > 4*l.MaxCell {
					return nil, 0, false, refuse(MsgCellTooLong, line, l.MaxCell)
				}
				c.v.Write(t)
			case inT:
				if c.is.Len()+len(t) > 4*l.MaxCell {
					return nil, 0, false, refuse(MsgCellTooLong, line, l.MaxCell)
				}
				c.is.Write(t)
			}
		}
	}
}

// cellValue turns a cell into its text as Excel shows it, near enough for
// an import: shared and inline strings as they are, booleans TRUE/FALSE,
// dates (a number in a date format) as 2006-01-02, other numbers rounded to
// Excel's 15 significant digits.
func (x *xlsxFile) cellValue(c *xcell, line int) (string, error) {
	v := c.v.String()
	var s string
	switch c.typ {
	case "s":
		i, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return "", refuse(MsgNotXLSX)
		}
		if s, err = x.sharedString(i); err != nil {
			if r, ok := err.(*Refusal); ok && r.Key == MsgCellTooLong {
				return "", refuse(MsgCellTooLong, line, x.b.limits.MaxCell)
			}
			return "", err
		}
	case "inlineStr":
		s = c.is.String()
		if !c.hasV || s != "" {
			break
		}
		s = v
	case "b":
		s = "FALSE"
		if strings.TrimSpace(v) == "1" {
			s = "TRUE"
		}
	case "str", "e":
		s = v
	default: // a number
		s = x.number(v, c.style)
	}
	if len(s) > x.b.limits.MaxCell && utf8.RuneCountInString(s) > x.b.limits.MaxCell {
		return "", refuse(MsgCellTooLong, line, x.b.limits.MaxCell)
	}
	return s, nil
}

func (x *xlsxFile) number(v, style string) string {
	v = strings.TrimSpace(v)
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return v
	}
	if st, err := strconv.Atoi(style); err == nil && x.dateStyles[st] && f >= 0 && f < 2958466 {
		base := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
		if x.date1904 {
			base = time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC)
		}
		days := math.Floor(f)
		secs := math.Round((f - days) * 86400)
		t := base.AddDate(0, 0, int(days)).Add(time.Duration(secs) * time.Second)
		if secs == 0 {
			return t.Format("2006-01-02")
		}
		return t.Format("2006-01-02 15:04:05")
	}
	g, err := strconv.ParseFloat(strconv.FormatFloat(f, 'g', 15, 64), 64)
	if err != nil {
		return v
	}
	return strconv.FormatFloat(g, 'f', -1, 64)
}

// columnOf returns the column (from 1) of a cell reference such as "AB12",
// 0 when it has no letters; past 16384 it answers 16385.
func columnOf(ref string) int {
	col := 0
	for i := 0; i < len(ref); i++ {
		c := ref[i] | 0x20
		if c < 'a' || c > 'z' {
			break
		}
		col = col*26 + int(c-'a'+1)
		if col > 16384 {
			return 16385
		}
	}
	return col
}

func (x *xlsxFile) close() error {
	x.sheet.close()
	x.sst.close()
	x.sheet, x.sst, x.shared = nil, nil, nil
	return x.f.Close()
}
