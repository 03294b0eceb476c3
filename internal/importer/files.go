package importer

import (
	"errors"
	"io"
	"os"
	"path/filepath"

	"github.com/xuri/excelize/v2"

	"tongxin/internal/report"
)

// ErrorFile collects the rows that failed, with their reasons, into an xlsx
// file: the template's columns plus 错误原因. Nothing is created until the
// first row is added; the file appears under its name only when Close
// succeeds (it is written to a temporary name first).
type ErrorFile struct {
	path string
	spec Spec
	tmp  *os.File
	w    report.Writer
	rows int
	vals []any
}

// NewErrorFile prepares an error file at path.
func NewErrorFile(path string, spec Spec) *ErrorFile {
	return &ErrorFile{path: path, spec: spec}
}

// Add writes a failed row and its reason.
func (e *ErrorFile) Add(row Row, reason string) error {
	if e.w == nil {
		if err := os.MkdirAll(filepath.Dir(e.path), 0o750); err != nil {
			return err
		}
		tmp, err := os.CreateTemp(filepath.Dir(e.path), ".errors-*.xlsx")
		if err != nil {
			return err
		}
		cols := make([]report.Column, 0, len(e.spec.Columns)+1)
		for _, c := range e.spec.Columns {
			cols = append(cols, report.Column{Header: c.Header, Width: c.Width})
		}
		cols = append(cols, report.Column{Header: ErrorColumn, Width: 60})
		w, err := report.NewWriter(tmp, report.XLSX, e.spec.Title, cols)
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
			return err
		}
		e.tmp, e.w = tmp, w
		e.vals = make([]any, len(cols))
	}
	for i := range e.spec.Columns {
		e.vals[i] = ""
		if i < len(row.Cells) {
			e.vals[i] = row.Cells[i]
		}
	}
	e.vals[len(e.spec.Columns)] = reason
	e.rows++
	return e.w.WriteRow(e.vals...)
}

// Rows returns how many rows were added.
func (e *ErrorFile) Rows() int { return e.rows }

// Close finishes the file and returns its path, or "" when no row was added.
func (e *ErrorFile) Close() (string, error) {
	if e.w == nil {
		return "", nil
	}
	err := e.w.Close()
	if err == nil {
		err = e.tmp.Sync()
	}
	if cerr := e.tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(e.tmp.Name(), e.path)
	}
	if err != nil {
		os.Remove(e.tmp.Name())
		return "", err
	}
	e.w = nil
	return e.path, nil
}

// Abort drops the file.
func (e *ErrorFile) Abort() {
	if e.w == nil {
		return
	}
	_ = report.Abort(e.w)
	e.tmp.Close()
	os.Remove(e.tmp.Name())
	e.w = nil
}

// Guide is the second sheet of a template: what each column means, in the
// reader's language (the catalog's text for each Column.HelpKey).
type Guide struct {
	Title   string   // sheet name, e.g. 填写说明
	Headers []string // e.g. 列名, 是否必填, 说明
	Lines   [][]string
}

// WriteTemplate writes the kind's template: the header row in Chinese, one
// example row, every column formatted as text (so that Excel keeps leading
// zeros of phone numbers and does not turn credit codes into numbers), and a
// guide sheet when one is given.
func WriteTemplate(w io.Writer, spec Spec, guide *Guide) (err error) {
	f := excelize.NewFile()
	defer func() { err = errors.Join(err, f.Close()) }()
	sheet := spec.Title
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	text, err := f.NewStyle(&excelize.Style{NumFmt: 49}) // "@": text
	if err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, NumFmt: 49,
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"F2F3F5"}}})
	if err != nil {
		return err
	}
	for i, c := range spec.Columns {
		col, err := excelize.ColumnNumberToName(i + 1)
		if err != nil {
			return err
		}
		if err := f.SetColWidth(sheet, col, col, max(c.Width, 10)); err != nil {
			return err
		}
		if err := f.SetColStyle(sheet, col, text); err != nil {
			return err
		}
		if err := f.SetCellStr(sheet, col+"1", c.Header); err != nil {
			return err
		}
		if err := f.SetCellStyle(sheet, col+"1", col+"1", bold); err != nil {
			return err
		}
		if err := f.SetCellStr(sheet, col+"2", c.Example); err != nil {
			return err
		}
	}
	if err := f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	if guide != nil {
		if _, err := f.NewSheet(guide.Title); err != nil {
			return err
		}
		if err := f.SetSheetRow(guide.Title, "A1", &guide.Headers); err != nil {
			return err
		}
		if err := f.SetCellStyle(guide.Title, "A1", "C1", bold); err != nil {
			return err
		}
		for i, line := range guide.Lines {
			cell, _ := excelize.CoordinatesToCellName(1, i+2)
			if err := f.SetSheetRow(guide.Title, cell, &line); err != nil {
				return err
			}
		}
		_ = f.SetColWidth(guide.Title, "A", "A", 18)
		_ = f.SetColWidth(guide.Title, "B", "B", 10)
		_ = f.SetColWidth(guide.Title, "C", "C", 80)
	}
	f.SetActiveSheet(0)
	return f.Write(w)
}
