package report

import (
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/xuri/excelize/v2"
)

// A formatted report workbook (报表): each sheet opens with a title row,
// the period and the scope, then a bold header and the figures; money in
// 万元 with two decimals. Reports hold a few hundred rows at most, so the
// workbook is built in memory (the streamed exports are in export.go).

// Sheet is one sheet of a report workbook.
type Sheet struct {
	Name   string      // tab name (cut to 31 characters)
	Title  string      // first row, bold
	Meta   [][2]string // label, value rows under the title (期间, 范围, 生成时间)
	Header []string
	// Rows hold string, int64 or Money cells.
	Rows   [][]any
	Widths []float64 // column widths, optional
}

// Money is a fen amount shown as 万元 with two decimals.
type Money int64

// WriteWorkbook writes sheets as one xlsx to w.
func WriteWorkbook(w io.Writer, sheets []Sheet) (err error) {
	f := excelize.NewFile()
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	title, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}})
	if err != nil {
		return err
	}
	head, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Color: []string{"F2F2F2"}, Pattern: 1},
		Border: []excelize.Border{{Type: "bottom", Color: "999999", Style: 1}}})
	if err != nil {
		return err
	}
	wan := "#,##0.00"
	money, err := f.NewStyle(&excelize.Style{CustomNumFmt: &wan})
	if err != nil {
		return err
	}
	intFmt := "#,##0"
	num, err := f.NewStyle(&excelize.Style{CustomNumFmt: &intFmt})
	if err != nil {
		return err
	}
	wrap, err := f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	if err != nil {
		return err
	}
	used := map[string]bool{}
	for i, sh := range sheets {
		name := sheetName(sh.Name)
		for n := 2; used[name]; n++ {
			name = sheetName(fmt.Sprintf("%s %d", sh.Name, n))
		}
		used[name] = true
		if i == 0 {
			if err := f.SetSheetName("Sheet1", name); err != nil {
				return err
			}
		} else if _, err := f.NewSheet(name); err != nil {
			return err
		}
		row := 1
		set := func(col, r int, v any, style int) error {
			cell, err := excelize.CoordinatesToCellName(col, r)
			if err != nil {
				return err
			}
			switch x := v.(type) {
			case Money:
				v = float64(x) / 1_000_000
				if style == 0 {
					style = money
				}
			case int64, int:
				if style == 0 {
					style = num
				}
			case string:
				v = guardFormula(x)
			}
			if err := f.SetCellValue(name, cell, v); err != nil {
				return err
			}
			if style != 0 {
				return f.SetCellStyle(name, cell, cell, style)
			}
			return nil
		}
		if sh.Title != "" {
			if err := set(1, row, sh.Title, title); err != nil {
				return err
			}
			row++
		}
		for _, m := range sh.Meta {
			if err := set(1, row, m[0], bold); err != nil {
				return err
			}
			if err := set(2, row, m[1], 0); err != nil {
				return err
			}
			row++
		}
		if sh.Title != "" || len(sh.Meta) > 0 {
			row++
		}
		for j, h := range sh.Header {
			if err := set(j+1, row, h, head); err != nil {
				return err
			}
		}
		if len(sh.Header) > 0 {
			row++
		}
		for _, r := range sh.Rows {
			for j, v := range r {
				style := 0
				if s, ok := v.(string); ok && len(s) > 60 {
					style = wrap
				}
				if err := set(j+1, row, v, style); err != nil {
					return err
				}
			}
			row++
		}
		for j, wd := range sh.Widths {
			col, err := excelize.ColumnNumberToName(j + 1)
			if err != nil {
				return err
			}
			if err := f.SetColWidth(name, col, col, wd); err != nil {
				return err
			}
		}
	}
	return f.Write(w)
}

// GlossarySheet is the 计数口径 sheet every report workbook carries: each
// counter's name, unit, basis, rule and list (ListText), in lang.
func GlossarySheet(lang string, counters []Counter, labels map[string]string) Sheet {
	l := func(k string) string {
		if v, ok := labels[k]; ok {
			return v
		}
		return k
	}
	s := Sheet{Name: l("glossary"), Title: l("glossary_title"),
		Header: []string{l("col_key"), l("col_name"), l("col_unit"), l("col_basis"), l("col_rule"), l("col_list")},
		Widths: []float64{24, 28, 12, 12, 90, 36}}
	for _, c := range counters {
		list := l("list.none")
		if c.List != "" {
			list = l("list."+strings.TrimPrefix(c.List, "/")) + " " + c.ListText()
		}
		s.Rows = append(s.Rows, []any{c.Key, c.Name(lang), l("unit." + c.Unit), l("basis." + c.Basis), c.Rule(lang), list})
	}
	return s
}

// ListText is the list link of a counter with its fixed filter, the year
// written YYYY for a year counter ("" for an aggregate).
func (c Counter) ListText() string {
	if c.List == "" {
		return ""
	}
	q := url.Values{}
	for k, v := range c.ListFilter {
		q.Set(k, v)
	}
	if c.Basis == BasisYear {
		q.Set("year", "YYYY")
	}
	if e := q.Encode(); e != "" {
		return c.List + "?" + e
	}
	return c.List
}
