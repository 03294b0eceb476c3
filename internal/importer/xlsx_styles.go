package importer

// The number formats of a workbook's styles: which cells hold dates.

import (
	"encoding/xml"
	"strconv"
	"strings"
)

// readStyles finds the cell styles whose number format is a date.
func (x *xlsxFile) readStyles(name string) error {
	custom := map[int]bool{} // numFmtId → is a date
	var xfs []int
	inXfs := false
	err := x.eachStart(name, func(se xml.StartElement) {
		switch se.Name.Local {
		case "numFmt":
			id, err := strconv.Atoi(attr(se, "numFmtId"))
			if err == nil {
				custom[id] = isDateFormat(attr(se, "formatCode"))
			}
		case "cellXfs":
			inXfs = true
		case "cellStyleXfs", "dxfs":
			inXfs = false
		case "xf":
			if inXfs && len(xfs) < 65536 {
				id, _ := strconv.Atoi(attr(se, "numFmtId"))
				xfs = append(xfs, id)
			}
		}
	})
	for i, id := range xfs {
		date, ok := custom[id]
		if !ok {
			date = (id >= 14 && id <= 22) || (id >= 27 && id <= 36) || (id >= 45 && id <= 47) || (id >= 50 && id <= 58)
		}
		if date {
			x.dateStyles[i] = true
		}
	}
	return err
}

// isDateFormat reports a number format code that shows a date or a time:
// one with y, m, d, h or s outside quotes, brackets and escapes.
func isDateFormat(code string) bool {
	if i := strings.IndexByte(code, ';'); i >= 0 {
		code = code[:i]
	}
	quoted, bracket := false, false
	for i := 0; i < len(code); i++ {
		c := code[i]
		switch {
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '[':
			bracket = true
		case c == ']':
			bracket = false
		case bracket:
		case c == '\\' || c == '_' || c == '*':
			i++
		default:
			switch c | 0x20 {
			case 'y', 'm', 'd', 'h', 's':
				return true
			}
		}
	}
	return false
}
