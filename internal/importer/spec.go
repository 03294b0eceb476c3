// Package importer is the spreadsheet half of an import (导入任务): it sniffs
// an upload (xlsx or UTF-8 csv), checks its header row against the kind's
// template, streams its rows, runs them through a kind-specific Handler in
// batches with progress, and writes the error file (the failed rows with a
// 错误原因 column) and the downloadable templates.
//
// It knows nothing of the database: the service layer supplies the Handler
// that validates rows and writes them (internal/service/imports.go).
package importer

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Column is one column of an import template.
type Column struct {
	// Header is the Chinese header exactly as the template has it; an
	// uploaded file's header row must match it.
	Header string
	// Field is the input field the column fills (name, credit_code, …); a
	// validation message on that field is reported under this header.
	Field string
	// Required marks a column that must not be empty (shown on the upload
	// page; the kind's validation enforces it).
	Required bool
	// Width is the template's column width in characters.
	Width float64
	// Example is the template's example value.
	Example string
	// HelpKey is the catalog key that explains the column on the upload page.
	HelpKey string
}

// Spec describes one kind of import: its columns in template order.
type Spec struct {
	Kind string // the kind's code: "units"
	// Title names the template's data sheet (成员单位).
	Title   string
	Columns []Column
}

// ErrorColumn is the column the error file adds after the original ones. A
// corrected error file can be uploaded again: a trailing 错误原因 column is
// accepted and ignored.
const ErrorColumn = "错误原因"

// Headers returns the template's header row.
func (s Spec) Headers() []string {
	out := make([]string, len(s.Columns))
	for i, c := range s.Columns {
		out[i] = c.Header
	}
	return out
}

// HeaderOf returns the header of the column that fills field, or "" when no
// column does.
func (s Spec) HeaderOf(field string) string {
	for _, c := range s.Columns {
		if c.Field == field {
			return c.Header
		}
	}
	return ""
}

// Index returns the position of the column that fills field, or -1.
func (s Spec) Index(field string) int {
	for i, c := range s.Columns {
		if c.Field == field {
			return i
		}
	}
	return -1
}

// Limits bound what a file may hold and what reading it may cost; a file
// beyond them is refused with a Refusal naming the limit. Every limit is
// checked while the file streams, before what it bounds is held in memory.
type Limits struct {
	MaxBytes int64 // the largest file accepted
	MaxRows  int   // the most data rows (header excluded, blank rows not counted)

	// MaxUnzipped bounds the bytes inflated from an xlsx, all parts together.
	MaxUnzipped int64
	// MaxPart bounds the bytes inflated from one part of an xlsx.
	MaxPart int64
	// MaxRatio bounds how much one part may expand (inflated / compressed),
	// checked past the first MiB of a part.
	MaxRatio int64
	// MaxCell bounds the characters of one cell (Excel's own limit is 32,767).
	MaxCell int
	// MaxColumns bounds the columns of a row.
	MaxColumns int
	// MaxSheetRows bounds the rows of the sheet, blank ones included.
	MaxSheetRows int
	// MaxSharedStrings and MaxSharedBytes bound the shared-string table
	// of an xlsx: how many strings and their bytes in all.
	MaxSharedStrings int
	MaxSharedBytes   int64
	// ParseTime bounds the time spent reading the file (not the time
	// spent writing its rows).
	ParseTime time.Duration
}

// Default limits (config import.*).
const (
	DefaultMaxBytes         = 10 << 20
	DefaultMaxRows          = 50000
	DefaultMaxUnzipped      = 200 << 20
	DefaultMaxPart          = 150 << 20
	DefaultMaxRatio         = 200
	DefaultMaxCell          = 32767
	DefaultMaxColumns       = 200
	DefaultMaxSheetRows     = 200000
	DefaultMaxSharedStrings = 1000000
	DefaultMaxSharedBytes   = 64 << 20
	DefaultParseTime        = 10 * time.Second
)

// WithDefaults fills unset limits with the defaults.
func (l Limits) WithDefaults() Limits {
	def := func(v *int64, d int64) {
		if *v <= 0 {
			*v = d
		}
	}
	defInt := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&l.MaxBytes, DefaultMaxBytes)
	defInt(&l.MaxRows, DefaultMaxRows)
	def(&l.MaxUnzipped, DefaultMaxUnzipped)
	def(&l.MaxPart, DefaultMaxPart)
	def(&l.MaxRatio, DefaultMaxRatio)
	defInt(&l.MaxCell, DefaultMaxCell)
	defInt(&l.MaxColumns, DefaultMaxColumns)
	defInt(&l.MaxSheetRows, max(DefaultMaxSheetRows, 2*l.MaxRows))
	defInt(&l.MaxSharedStrings, DefaultMaxSharedStrings)
	def(&l.MaxSharedBytes, DefaultMaxSharedBytes)
	if l.ParseTime <= 0 {
		l.ParseTime = DefaultParseTime
	}
	return l
}

// Format is the format of an uploaded file.
type Format string

// The formats an import reads.
const (
	XLSX Format = "xlsx"
	CSV  Format = "csv"
)

// Refusal is a file refused as a whole before any row is imported: Key is a
// catalog key (import.refused_*), Args its format arguments.
type Refusal struct {
	Key  string
	Args []any
}

func (r *Refusal) Error() string {
	if len(r.Args) == 0 {
		return "import refused: " + r.Key
	}
	return fmt.Sprintf("import refused: %s %v", r.Key, r.Args)
}

func refuse(key string, args ...any) *Refusal { return &Refusal{Key: key, Args: args} }

// Catalog keys of refusals.
const (
	MsgEmpty            = "import.refused_empty"
	MsgTooLarge         = "import.refused_too_large"
	MsgTooManyRows      = "import.refused_too_many_rows"
	MsgNoRows           = "import.refused_no_rows"
	MsgBadExtension     = "import.refused_bad_extension"
	MsgNotXLSX          = "import.refused_not_xlsx"
	MsgOldXLS           = "import.refused_old_xls"
	MsgNotUTF8          = "import.refused_not_utf8"
	MsgBadCSV           = "import.refused_bad_csv"
	MsgNoSheet          = "import.refused_no_sheet"
	MsgHeaderMissing    = "import.refused_header_missing"
	MsgHeaderUnexpected = "import.refused_header_unexpected"
	MsgHeaderOrder      = "import.refused_header_order"

	// The limits on what reading a file may cost (Limits).
	MsgUnzippedTooLarge = "import.refused_unzipped_too_large"  // args: limit
	MsgPartTooLarge     = "import.refused_part_too_large"      // args: part, limit
	MsgRatioTooHigh     = "import.refused_ratio_too_high"      // args: part, limit
	MsgCellTooLong      = "import.refused_cell_too_long"       // args: row, limit
	MsgTooManyColumns   = "import.refused_too_many_columns"    // args: row, limit
	MsgTooManySheetRows = "import.refused_too_many_sheet_rows" // args: limit
	MsgTooManyStrings   = "import.refused_too_many_strings"    // args: limit
	MsgStringsTooLarge  = "import.refused_strings_too_large"   // args: limit
	MsgParseTimeout     = "import.refused_parse_timeout"       // args: seconds
)

// HumanSize writes a byte count as people read it: 10 MB, 512 KB, 900 字节.
func HumanSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}

// cleanCell trims a cell as people type it: spaces (also the full-width one)
// and stray line breaks at either end.
func cleanCell(s string) string {
	return strings.TrimFunc(s, func(r rune) bool {
		return r == ' ' || r == '\t' || r == '\r' || r == '\n' || r == '\u3000' || r == '\u00a0' || r == '\ufeff'
	})
}

// kindOrder is the order in which pages offer the import kinds.
var kindOrder = []string{KindUnits, KindNeeds, KindResources, KindProjects}

// Kinds lists the registered import kinds in the order pages offer them.
func Kinds() []string {
	out := make([]string, 0, len(Specs))
	for _, k := range kindOrder {
		if _, ok := Specs[k]; ok {
			out = append(out, k)
		}
	}
	var rest []string
	for k := range Specs {
		if !slices.Contains(kindOrder, k) {
			rest = append(rest, k)
		}
	}
	slices.Sort(rest)
	return append(out, rest...)
}
