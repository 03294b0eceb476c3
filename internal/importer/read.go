package importer

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"
)

var (
	zipMagic = []byte("PK\x03\x04")
	oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1} // .xls (and old .doc)
	utf8BOM  = []byte{0xEF, 0xBB, 0xBF}
)

// Sniff decides the format of the file at path from its name and its
// content, and refuses anything else: an .xlsx must be a zip holding
// [Content_Types].xml and a workbook; a .csv must be UTF-8 text. It reads no
// row.
func Sniff(path, name string, limits Limits) (Format, error) {
	limits = limits.WithDefaults()
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", err
	}
	size := st.Size()
	switch {
	case size == 0:
		return "", refuse(MsgEmpty)
	case size > limits.MaxBytes:
		return "", refuse(MsgTooLarge, HumanSize(size), HumanSize(limits.MaxBytes))
	}
	head := make([]byte, 8)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	ext := strings.ToLower(filepath.Ext(name))
	switch ext {
	case ".xlsx":
		if bytes.HasPrefix(head, oleMagic) {
			return "", refuse(MsgOldXLS)
		}
		if !bytes.HasPrefix(head, zipMagic) {
			return "", refuse(MsgNotXLSX)
		}
		if err := checkXLSXZip(f, size, limits); err != nil {
			return "", err
		}
		return XLSX, nil
	case ".csv":
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return "", err
		}
		if !isUTF8Text(f) {
			return "", refuse(MsgNotUTF8)
		}
		return CSV, nil
	case ".xls":
		return "", refuse(MsgOldXLS)
	}
	return "", refuse(MsgBadExtension)
}

// checkXLSXZip checks a zip's central directory: the parts every xlsx has,
// and the sizes it declares against the limits (nothing is inflated).
func checkXLSXZip(r io.ReaderAt, size int64, limits Limits) error {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return refuse(MsgNotXLSX)
	}
	var types, workbook bool
	for _, zf := range zr.File {
		switch zf.Name {
		case "[Content_Types].xml":
			types = true
		case "xl/workbook.xml":
			workbook = true
		}
	}
	if !types || !workbook {
		return refuse(MsgNotXLSX)
	}
	return checkZipDirectory(zr, size, limits)
}

// isUTF8Text reads r through and reports valid UTF-8 without NUL bytes
// (GBK/GB18030 text, the usual export of older Excel versions, fails here).
func isUTF8Text(r io.Reader) bool {
	br := bufio.NewReaderSize(r, 64<<10)
	for {
		c, size, err := br.ReadRune()
		if err == io.EOF {
			return true
		}
		if err != nil || (c == utf8.RuneError && size == 1) || c == 0 {
			return false
		}
	}
}

// Row is one data row: Line is its row number in the sheet (the header is
// row 1), Cells its values trimmed, one per template column (cells beyond
// the template's columns are dropped).
type Row struct {
	Line  int
	Cells []string
}

// Reader streams the data rows of a checked file under its Limits. Blank
// rows are skipped.
type Reader struct {
	spec   Spec
	width  int
	limits Limits

	xlsx *xlsxFile
	// csv
	file *os.File
	cr   *csv.Reader
	cb   *budget

	estimate int
	line     int
	physRows int
	dataRows int
	buf      []string
	cells    []string
	err      error
}

// Open opens a sniffed file and checks its header row against spec (see
// OpenContext).
func Open(path string, format Format, spec Spec, limits Limits) (*Reader, error) {
	return OpenContext(context.Background(), path, format, spec, limits)
}

// OpenContext opens a sniffed file and checks its header row against spec:
// every template column in the template's order, nothing else (a trailing
// 错误原因 column, as the error file has, is accepted). It returns a Reader
// positioned after the header. Reading stops when ctx ends.
func OpenContext(ctx context.Context, path string, format Format, spec Spec, limits Limits) (*Reader, error) {
	limits = limits.WithDefaults()
	r := &Reader{spec: spec, width: len(spec.Columns), limits: limits}
	switch format {
	case XLSX:
		x, err := openXLSX(ctx, path, limits)
		if err != nil {
			return nil, err
		}
		r.xlsx = x
	case CSV:
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		br := bufio.NewReaderSize(f, 64<<10)
		if b, _ := br.Peek(3); bytes.Equal(b, utf8BOM) {
			_, _ = br.Discard(3)
		}
		if lines, err := countLines(path); err == nil {
			r.estimate = lines - 1
		}
		cr := csv.NewReader(br)
		cr.FieldsPerRecord = -1
		cr.ReuseRecord = true
		cr.LazyQuotes = false
		r.file, r.cr = f, cr
		r.cb = &budget{ctx: ctx, limits: limits}
	default:
		return nil, refuse(MsgBadExtension)
	}
	header, ok := r.next()
	if !ok {
		err := r.err
		r.Close()
		if err != nil {
			return nil, err
		}
		return nil, refuse(MsgEmpty)
	}
	if err := checkHeader(header, spec); err != nil {
		r.Close()
		return nil, err
	}
	if r.xlsx != nil && r.xlsx.lastRow > 0 {
		r.estimate = r.xlsx.lastRow - r.line
	}
	return r, nil
}

// Estimate is about how many data rows the file holds, for progress only:
// the sheet's own claim (<dimension>) or the csv's line count, at most the
// row limit; 0 when unknown. The rows are counted for real as they are read.
func (r *Reader) Estimate() int {
	return max(0, min(r.estimate, r.limits.MaxRows))
}

// countLines counts the line feeds of a (size-checked) file, and a last
// line without one.
func countLines(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	buf := make([]byte, 64<<10)
	n, last := 0, byte('\n')
	for {
		k, err := f.Read(buf)
		n += bytes.Count(buf[:k], []byte{'\n'})
		if k > 0 {
			last = buf[k-1]
		}
		if err == io.EOF {
			if last != '\n' {
				n++
			}
			return n, nil
		}
		if err != nil {
			return 0, err
		}
	}
}

// checkHeader compares a header row with the template's: it names the first
// missing column, then the first unexpected one, then the first out of order.
func checkHeader(got []string, spec Spec) error {
	for len(got) > 0 && got[len(got)-1] == "" {
		got = got[:len(got)-1]
	}
	if len(got) == len(spec.Columns)+1 && got[len(got)-1] == ErrorColumn {
		got = got[:len(got)-1]
	}
	if len(got) == 0 {
		return refuse(MsgEmpty)
	}
	have := make(map[string]bool, len(got))
	for _, h := range got {
		have[h] = true
	}
	want := make(map[string]bool, len(spec.Columns))
	for _, c := range spec.Columns {
		want[c.Header] = true
		if !have[c.Header] {
			return refuse(MsgHeaderMissing, c.Header)
		}
	}
	for i, h := range got {
		if !want[h] {
			if h == "" {
				h = "（空）"
			}
			return refuse(MsgHeaderUnexpected, h, i+1)
		}
	}
	for i, c := range spec.Columns {
		if got[i] != c.Header {
			return refuse(MsgHeaderOrder, i+1, c.Header, got[i])
		}
	}
	return nil
}

// next reads the following row of the sheet, blank or not, trimmed.
func (r *Reader) next() ([]string, bool) {
	if r.err != nil {
		return nil, false
	}
	var raw []string
	switch {
	case r.xlsx != nil:
		cols, line, ok, err := r.xlsx.nextRow(r.buf)
		if err != nil {
			r.err = err
			return nil, false
		}
		if !ok {
			return nil, false
		}
		r.buf = cols
		raw = cols
		r.line = line
	case r.cr != nil:
		r.cb.start()
		rec, err := r.cr.Read()
		r.cb.stop()
		if err == io.EOF {
			return nil, false
		}
		if err != nil {
			var pe *csv.ParseError
			line := r.line + 1
			if errors.As(err, &pe) {
				line = pe.StartLine
			}
			r.err = refuse(MsgBadCSV, line)
			return nil, false
		}
		r.line++
		r.physRows++
		if r.physRows > r.limits.MaxSheetRows {
			r.err = refuse(MsgTooManySheetRows, r.limits.MaxSheetRows)
			return nil, false
		}
		if len(rec) > r.limits.MaxColumns {
			r.err = refuse(MsgTooManyColumns, r.line, r.limits.MaxColumns)
			return nil, false
		}
		for _, c := range rec {
			if len(c) > r.limits.MaxCell && utf8.RuneCountInString(c) > r.limits.MaxCell {
				r.err = refuse(MsgCellTooLong, r.line, r.limits.MaxCell)
				return nil, false
			}
		}
		if r.physRows%1024 == 0 {
			if err := r.cb.check(); err != nil {
				r.err = err
				return nil, false
			}
		}
		raw = rec
	default:
		return nil, false
	}
	out := make([]string, len(raw))
	for i, c := range raw {
		out[i] = cleanCell(c)
	}
	return out, true
}

// Next advances to the next non-blank data row; past limits.MaxRows data
// rows it stops with a refusal.
func (r *Reader) Next() bool {
	for {
		cells, ok := r.next()
		if !ok {
			return false
		}
		blank := true
		for _, c := range cells {
			if c != "" {
				blank = false
				break
			}
		}
		if blank {
			continue
		}
		r.dataRows++
		if r.dataRows > r.limits.MaxRows {
			r.err = refuse(MsgTooManyRows, r.limits.MaxRows)
			return false
		}
		row := make([]string, r.width)
		copy(row, cells)
		r.cells = row
		return true
	}
}

// Row returns the current row.
func (r *Reader) Row() Row { return Row{Line: r.line, Cells: r.cells} }

// Err returns what stopped the reading early (a *Refusal for a damaged
// file or a limit, the context's error when it ended), or nil at the end of
// the sheet.
func (r *Reader) Err() error { return r.err }

// Close releases the file.
func (r *Reader) Close() error {
	var errs []error
	if r.xlsx != nil {
		errs = append(errs, r.xlsx.close())
		r.xlsx = nil
	}
	if r.file != nil {
		errs = append(errs, r.file.Close())
		r.file = nil
	}
	return errors.Join(errs...)
}

// CheckHeader is what an upload goes through before its job is made, and
// all it costs: Sniff (size, format, the zip's declared sizes) and the
// header row, read under the limits. The rows are read once, by the job.
func CheckHeader(ctx context.Context, path, name string, spec Spec, limits Limits) (Format, error) {
	limits = limits.WithDefaults()
	format, err := Sniff(path, name, limits)
	if err != nil {
		return "", err
	}
	r, err := OpenContext(ctx, path, format, spec, limits)
	if err != nil {
		return "", err
	}
	return format, r.Close()
}

// Check is what an upload goes through before a job is made: Sniff, Open
// (the header) and a count of the data rows, refused above limits.MaxRows or
// when there is none.
func Check(path, name string, spec Spec, limits Limits) (Format, int, error) {
	limits = limits.WithDefaults()
	format, err := Sniff(path, name, limits)
	if err != nil {
		return "", 0, err
	}
	r, err := Open(path, format, spec, limits)
	if err != nil {
		return "", 0, err
	}
	defer r.Close()
	n := 0
	for r.Next() {
		n++
	}
	if err := r.Err(); err != nil {
		return "", 0, err
	}
	if n == 0 {
		return "", 0, refuse(MsgNoRows)
	}
	return format, n, nil
}

// FormatOf returns the format of a file name the way Sniff sees it (the
// extension), for reopening a file already checked.
func FormatOf(name string) Format {
	if strings.EqualFold(filepath.Ext(name), ".csv") {
		return CSV
	}
	return XLSX
}
