// Package report holds aggregations and exports (xlsx, csv), streamed.
package report

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
)

// shanghai is the product's display time zone (China has no DST, so a fixed
// zone is exact and needs no tzdata on the host).
var shanghai = time.FixedZone("CST", 8*3600)

// Column of an export: a header (already translated, e.g. "用户名") and a
// width hint in characters for xlsx (0 leaves Excel's default width).
type Column struct {
	Header string
	Width  float64
}

// Format is "xlsx" or "csv".
type Format string

// The supported export formats.
const (
	XLSX Format = "xlsx"
	CSV  Format = "csv"
)

// ErrUnknownFormat is returned (wrapped) by ParseFormat and NewWriter for a
// format other than xlsx or csv.
var ErrUnknownFormat = errors.New("report: unknown export format")

// errClosed is returned by WriteRow after Close.
var errClosed = errors.New("report: writer is closed")

// ParseFormat parses a format name such as a "?format=" query value. It is
// case-insensitive and ignores surrounding spaces; anything but xlsx or csv is
// an error wrapping ErrUnknownFormat.
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(strings.TrimSpace(s))); f {
	case XLSX, CSV:
		return f, nil
	}
	return "", fmt.Errorf("%w: %q", ErrUnknownFormat, s)
}

// ContentType returns the MIME type for the Content-Type header.
func (f Format) ContentType() string {
	switch f {
	case XLSX:
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	case CSV:
		return "text/csv; charset=utf-8"
	}
	return "application/octet-stream"
}

// Writer streams rows; create with NewWriter, then WriteRow for each row,
// then Close.
//
// Close (or Abort) must always be called, also when the caller gives up
// half-way: it releases the xlsx temp files. A Writer is not safe for
// concurrent use.
type Writer interface {
	// WriteRow writes one row; it must have exactly one cell per column.
	// Cells may be string, int, int8..int64, uint..uint64, float32,
	// float64, bool, time.Time, *time.Time, fmt.Stringer or nil.
	// Integers above 15 digits lose precision in Excel: pass long IDs as
	// strings. Times are shown in Asia/Shanghai: as "2006-01-02 15:04"
	// text in csv, as a date-time cell (yyyy-mm-dd hh:mm) in xlsx. A nil
	// cell, a nil *time.Time and a zero time.Time are written as empty
	// cells.
	WriteRow(cells ...any) error
	// Close flushes everything to w (for xlsx the whole file is written to
	// w only here) and releases resources. Calling it again is a no-op.
	Close() error
}

// Abort ends w without finishing the file: an xlsx export writes nothing at
// all to its io.Writer (nothing reaches it before Close), so a handler whose
// row source failed can still answer with an error page; a csv export stops
// where it is (rows flushed so far have already been sent). It releases the
// same resources as Close and is a no-op on a closed Writer.
func Abort(w Writer) error {
	if a, ok := w.(interface{ abort() error }); ok {
		return a.abort()
	}
	return w.Close()
}

// NewWriter starts an export of cols to w. For xlsx it writes one bold,
// frozen header row on a sheet named after sheetTitle (sanitized to Excel's
// rules and cut to 31 characters); for csv it writes a UTF-8 BOM and a
// header line.
func NewWriter(w io.Writer, f Format, sheetTitle string, cols []Column) (Writer, error) {
	if len(cols) == 0 {
		return nil, errors.New("report: no columns")
	}
	switch f {
	case XLSX:
		x, err := newXLSXWriter(w, sheetTitle, cols)
		if err != nil {
			return nil, err // a nil interface, not a typed nil pointer
		}
		return x, nil
	case CSV:
		c, err := newCSVWriter(w, cols)
		if err != nil {
			return nil, err
		}
		return c, nil
	}
	return nil, fmt.Errorf("%w: %q", ErrUnknownFormat, string(f))
}

// guardFormula defends csv cells against CSV/formula injection (OWASP): a
// string starting with '=', '+', '-', '@', tab or CR, or with their
// full-width forms (＝ ＋ － ＠, which Excel and WPS on Chinese systems take
// for the ASCII ones), gets a leading "'" so that Excel/WPS shows it as text
// instead of evaluating it. Field separators and line feeds before such a
// character count as nothing: ";=cmd" becomes a formula in a spreadsheet
// that splits the line at ';' (the list separator of many locales). Plain
// numbers such as "-12.50" or "+86" are left alone: they cannot carry a
// formula, and callers pass formatted amounts as strings. A leading space is
// not skipped: Excel and WPS read " =1" as text.
//
// xlsx cells are NOT prefixed: excelize writes every string as an inline
// string cell (t="inlineStr"), which Excel never evaluates as a formula, so
// the guard is unnecessary there and the apostrophe would only show up as
// stray data in the sheet.
func guardFormula(s string) string {
	if s == "" || isPlainNumber(s) {
		return s
	}
	for _, r := range s {
		switch r {
		case '=', '+', '-', '@', '\t', '\r', '＝', '＋', '－', '＠':
			return "'" + s
		case ';', ',', '\n', '；', '，':
			continue // a separator: what follows may start a cell
		}
		return s
	}
	return s
}

// isPlainNumber reports whether s is an optionally signed decimal number with
// optional thousands commas and fraction, e.g. "-1,234.50".
func isPlainNumber(s string) bool {
	if s[0] == '+' || s[0] == '-' {
		s = s[1:]
	}
	if s == "" || s[0] < '0' || s[0] > '9' {
		return false
	}
	dot := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
		case c == ',' && !dot:
		case c == '.' && !dot:
			dot = true
		default:
			return false
		}
	}
	last := s[len(s)-1]
	return last >= '0' && last <= '9'
}

// ---- csv ----

const csvFlushEvery = 1000

type csvWriter struct {
	w      *csv.Writer
	ncols  int
	rows   int
	rec    []string
	closed bool
}

func newCSVWriter(w io.Writer, cols []Column) (*csvWriter, error) {
	// A larger buffer than csv's default 4 KiB; flushed every csvFlushEvery rows.
	bw := bufio.NewWriterSize(w, 64<<10)
	// UTF-8 BOM: Excel on Chinese Windows otherwise reads the file as GBK.
	if _, err := bw.WriteString("\uFEFF"); err != nil {
		return nil, err
	}
	cw := &csvWriter{w: csv.NewWriter(bw), ncols: len(cols), rec: make([]string, len(cols))}
	// Lines end in "\n" (Excel reads that fine). UseCRLF is left off on
	// purpose: with it, encoding/csv drops a lone '\r' inside a field.
	for i, c := range cols {
		cw.rec[i] = guardFormula(c.Header)
	}
	if err := cw.w.Write(cw.rec); err != nil {
		return nil, err
	}
	return cw, nil
}

func (c *csvWriter) WriteRow(cells ...any) error {
	if c.closed {
		return errClosed
	}
	if len(cells) != c.ncols {
		return fmt.Errorf("report: row has %d cells, want %d", len(cells), c.ncols)
	}
	for i, v := range cells {
		s, err := csvCell(v)
		if err != nil {
			return fmt.Errorf("report: column %d: %w", i+1, err)
		}
		c.rec[i] = s
	}
	if err := c.w.Write(c.rec); err != nil {
		return err
	}
	c.rows++
	if c.rows%csvFlushEvery == 0 {
		c.w.Flush()
		return c.w.Error()
	}
	return nil
}

func (c *csvWriter) abort() error {
	c.closed = true
	return nil
}

func (c *csvWriter) Close() error {
	if c.closed {
		return nil
	}
	c.closed = true
	c.w.Flush()
	return c.w.Error()
}

func csvCell(v any) (string, error) {
	switch v := v.(type) {
	case nil:
		return "", nil
	case string:
		return guardFormula(v), nil
	case int:
		return strconv.Itoa(v), nil
	case int64:
		return strconv.FormatInt(v, 10), nil
	case int32:
		return strconv.FormatInt(int64(v), 10), nil
	case int16:
		return strconv.FormatInt(int64(v), 10), nil
	case int8:
		return strconv.FormatInt(int64(v), 10), nil
	case uint:
		return strconv.FormatUint(uint64(v), 10), nil
	case uint64:
		return strconv.FormatUint(v, 10), nil
	case uint32:
		return strconv.FormatUint(uint64(v), 10), nil
	case uint16:
		return strconv.FormatUint(uint64(v), 10), nil
	case uint8:
		return strconv.FormatUint(uint64(v), 10), nil
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), nil
	case float32:
		return strconv.FormatFloat(float64(v), 'f', -1, 32), nil
	case bool:
		if v {
			return "TRUE", nil
		}
		return "FALSE", nil
	case time.Time:
		return csvTime(v), nil
	case *time.Time:
		if v == nil {
			return "", nil
		}
		return csvTime(*v), nil
	case fmt.Stringer:
		return guardFormula(v.String()), nil
	}
	return "", fmt.Errorf("unsupported cell type %T", v)
}

func csvTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(shanghai).Format("2006-01-02 15:04")
}

// ---- xlsx ----

type xlsxWriter struct {
	out     io.Writer
	f       *excelize.File
	sw      *excelize.StreamWriter
	ncols   int
	row     int // last row written (1-based; the header is row 1)
	dtStyle int
	vals    []any
	closed  bool
}

func newXLSXWriter(w io.Writer, sheetTitle string, cols []Column) (_ *xlsxWriter, err error) {
	f := excelize.NewFile()
	defer func() {
		if err != nil {
			_ = f.Close()
		}
	}()
	sheet := sheetName(sheetTitle)
	if sheet != "Sheet1" {
		if err = f.SetSheetName("Sheet1", sheet); err != nil {
			return nil, err
		}
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return nil, err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return nil, err
	}
	dtFmt := "yyyy-mm-dd hh:mm"
	dtStyle, err := f.NewStyle(&excelize.Style{CustomNumFmt: &dtFmt})
	if err != nil {
		return nil, err
	}
	// Column widths and panes must be set before the first SetRow.
	for i, c := range cols {
		if c.Width > 0 {
			if err = sw.SetColWidth(i+1, i+1, c.Width); err != nil {
				return nil, err
			}
		}
	}
	if err = sw.SetPanes(&excelize.Panes{
		Freeze:      true,
		YSplit:      1,
		TopLeftCell: "A2",
		ActivePane:  "bottomLeft",
	}); err != nil {
		return nil, err
	}
	header := make([]any, len(cols))
	for i, c := range cols {
		header[i] = excelize.Cell{StyleID: bold, Value: c.Header}
	}
	if err = sw.SetRow("A1", header); err != nil {
		return nil, err
	}
	return &xlsxWriter{
		out:     w,
		f:       f,
		sw:      sw,
		ncols:   len(cols),
		row:     1,
		dtStyle: dtStyle,
		vals:    make([]any, len(cols)),
	}, nil
}

func (x *xlsxWriter) WriteRow(cells ...any) error {
	if x.closed {
		return errClosed
	}
	if len(cells) != x.ncols {
		return fmt.Errorf("report: row has %d cells, want %d", len(cells), x.ncols)
	}
	for i, v := range cells {
		c, err := x.cell(v)
		if err != nil {
			return fmt.Errorf("report: column %d: %w", i+1, err)
		}
		x.vals[i] = c
	}
	x.row++
	err := x.sw.SetRow("A"+strconv.Itoa(x.row), x.vals)
	clear(x.vals)
	return err
}

// cell maps a row value to what excelize's StreamWriter.SetRow accepts.
// Strings are written verbatim (see guardFormula for why xlsx needs no prefix).
func (x *xlsxWriter) cell(v any) (any, error) {
	switch v := v.(type) {
	case nil:
		return nil, nil
	case string, int, int64, int32, int16, int8,
		uint, uint64, uint32, uint16, uint8, float64, float32, bool:
		return v, nil
	case time.Time:
		return x.timeCell(v), nil
	case *time.Time:
		if v == nil {
			return nil, nil
		}
		return x.timeCell(*v), nil
	case fmt.Stringer:
		return v.String(), nil
	}
	return nil, fmt.Errorf("unsupported cell type %T", v)
}

func (x *xlsxWriter) timeCell(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	// Excel has no time zones: excelize stores the wall clock of t's zone,
	// so convert to Shanghai first. Passing our own style also keeps
	// excelize from looking up a default date style for every cell.
	return excelize.Cell{StyleID: x.dtStyle, Value: t.In(shanghai)}
}

func (x *xlsxWriter) abort() error {
	if x.closed {
		return nil
	}
	x.closed = true
	return x.f.Close()
}

func (x *xlsxWriter) Close() error {
	if x.closed {
		return nil
	}
	x.closed = true
	err := x.sw.Flush()
	if err == nil {
		err = x.f.Write(x.out)
	}
	if cerr := x.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// sheetName makes title a valid Excel sheet name: no :\/?*[] characters, no
// leading or trailing apostrophe, at most 31 UTF-16 units; "Sheet1" if empty.
func sheetName(title string) string {
	title = strings.Map(func(r rune) rune {
		switch {
		case strings.ContainsRune(`:\/?*[]`, r):
			return '_'
		case r < 0x20 || r == 0x7f:
			return -1
		}
		return r
	}, title)
	title = strings.TrimSpace(strings.Trim(title, "'"))
	n := 0
	for i, r := range title {
		w := 1
		if r > 0xFFFF {
			w = 2
		}
		if n+w > 31 {
			title = strings.TrimRight(title[:i], "' ")
			break
		}
		n += w
	}
	if title == "" {
		return "Sheet1"
	}
	return title
}

// ---- download names ----

// Filename returns "<base>-20261127-1030.<ext>" with now in Asia/Shanghai
// time, for the Content-Disposition header; base may be Chinese. Characters
// that are unsafe in file names (/\:*?"<>| and control characters) are
// replaced by '_'; an empty base becomes "export".
func Filename(base string, f Format, now time.Time) string {
	base = strings.Map(func(r rune) rune {
		switch {
		case r < 0x20 || r == 0x7f || strings.ContainsRune(`/\:*?"<>|`, r):
			return '_'
		}
		return r
	}, strings.TrimSpace(base))
	if base == "" {
		base = "export"
	}
	return base + "-" + now.In(shanghai).Format("20060102-1504") + "." + string(f)
}

// ContentDisposition returns an RFC 6266 "attachment" header value with an
// ASCII fallback filename (non-ASCII runs become '_') for old clients and a
// filename* parameter (RFC 8187: UTF-8, percent-encoded) carrying the real,
// possibly Chinese, name, e.g.
//
//	attachment; filename="20261127-1030.xlsx"; filename*=UTF-8''%E7%94%A8%E6%88%B7-20261127-1030.xlsx
func ContentDisposition(filename string) string {
	var b strings.Builder
	b.WriteString(`attachment; filename="`)
	b.WriteString(asciiFallback(filename))
	b.WriteString(`"; filename*=UTF-8''`)
	for i := 0; i < len(filename); i++ {
		c := filename[i]
		if isAttrChar(c) {
			b.WriteByte(c)
			continue
		}
		const hex = "0123456789ABCDEF"
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&0xF])
	}
	return b.String()
}

// asciiFallback keeps printable ASCII except '"', '\\' and '%' (which some
// browsers decode), and turns every run of other characters into one '_'.
// Leading '_' and '-' left by a Chinese prefix are trimmed, so
// "用户-20261127-1030.xlsx" falls back to "20261127-1030.xlsx".
func asciiFallback(name string) string {
	var b strings.Builder
	under := false
	for _, r := range name {
		if r >= 0x20 && r < 0x7f && r != '"' && r != '\\' && r != '%' {
			b.WriteRune(r)
			under = false
			continue
		}
		if !under {
			b.WriteByte('_')
			under = true
		}
	}
	s := strings.TrimLeft(b.String(), "_- ")
	if s == "" || s[0] == '.' {
		s = "export" + s
	}
	return s
}

// isAttrChar reports whether c is an RFC 8187 attr-char, which needs no
// percent-encoding in filename*.
func isAttrChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$&+-.^_`|~", c) >= 0
}
