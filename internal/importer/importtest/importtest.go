// Package importtest makes spreadsheets and reference data for the tests and
// benchmarks of imports (importer, service, web, the CLI).
package importtest

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"tongxin/internal/importer"
	"tongxin/internal/model"
	"tongxin/internal/store"
)

// District is where the generated units belong (徐汇区); Foreign is another
// district (黄浦区) whose street a bad row names.
const (
	District = 310104
	Foreign  = 310101
)

// Street names made by Streets.
const (
	Street        = "湖南路街道"
	StreetShort   = "湖南路" // the same street without 街道
	ForeignStreet = "南京东路街道"
)

// Streets makes 湖南路街道 in District and 南京东路街道 in Foreign (idempotent).
func Streets(t testing.TB, db *store.DB) {
	t.Helper()
	for _, q := range []string{
		fmt.Sprintf("INSERT INTO streets (district_id, code, name) SELECT %d, '310104002', '%s' WHERE NOT EXISTS (SELECT 1 FROM streets WHERE code = '310104002')", District, Street),
		fmt.Sprintf("INSERT INTO streets (district_id, code, name) SELECT %d, '310101002', '%s' WHERE NOT EXISTS (SELECT 1 FROM streets WHERE code = '310101002')", Foreign, ForeignStreet),
	} {
		if _, err := db.SQL().ExecContext(context.Background(), q); err != nil {
			t.Fatalf("importtest: streets: %v", err)
		}
	}
}

// CreditCode returns the i-th valid credit code of a generated set (seed
// separates sets).
func CreditCode(seed, i int) string {
	first17 := fmt.Sprintf("91310104M%01d%07d", seed%10, i)
	return first17 + string(model.CreditCodeCheckChar(first17))
}

// Bad is a bad row of a generated file: its row number and a fragment its
// reason must hold.
type Bad struct {
	Line   int
	Reason string
}

// UnitRows returns the header and n data rows of valid, distinct units,
// except that when withBad is set ten of them (spread through the file) are
// wrong in ten different ways; bad lists those rows. seed varies the codes
// and names so that several sets do not collide.
func UnitRows(n, seed int, withBad bool) (rows [][]string, bad []Bad) {
	rows = append(rows, importer.Units.Headers())
	kinds := []string{"非公企业", "国有企业", "school", "社会组织"}
	streets := []string{Street, StreetShort, "", "310104002"}
	for i := 0; i < n; i++ {
		rows = append(rows, []string{
			fmt.Sprintf("生成单位%d-%05d有限公司", seed, i),
			CreditCode(seed, i),
			kinds[i%len(kinds)],
			streets[i%len(streets)],
			fmt.Sprintf("上海市徐汇区测试路 %d 号", i+1),
			fmt.Sprintf("生成单位%d-%05d党支部", seed, i),
			fmt.Sprint(i % 50),
			"联络员",
			fmt.Sprintf("138%08d", i),
		})
	}
	if !withBad || n < 100 {
		return rows, nil
	}
	// Row r of the sheet is rows[r-1]; spread the bad ones.
	set := func(k int, col string, val, reason string) {
		line := 2 + k*(n/10) + 3
		r := rows[line-1]
		r[importer.Units.Index(col)] = val
		bad = append(bad, Bad{Line: line, Reason: reason})
	}
	code := rows[2+3-1][importer.Units.Index("credit_code")] // the code of row 5, the first bad one
	set(0, "credit_code", code[:17]+string(otherCheck(code[17])), "校验位")
	set(1, "credit_code", "91310104MA1FL0A0", "18 位")
	set(2, "name", "", "单位名称")
	set(3, "kind", "外星单位", "外星单位")
	set(4, "contact_phone", "12345", "联系电话")
	set(5, "street_id", ForeignStreet, ForeignStreet)
	// A copy of an earlier valid row's code.
	set(6, "credit_code", rows[2][1], "重复")
	set(7, "party_members", "-3", "党员人数")
	set(8, "name", strings.Repeat("长", 101), "100")
	set(9, "street_id", "不存在街道", "不存在街道")
	return rows, bad
}

func otherCheck(c byte) byte {
	if c == '0' {
		return '1'
	}
	return '0'
}

// WriteXLSX writes rows (the first is the header) to an xlsx file with the
// streaming writer, as Excel would save them (every cell a string).
func WriteXLSX(t testing.TB, path string, rows [][]string) {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	vals := make([]any, 0, 16)
	for i, r := range rows {
		vals = vals[:0]
		for _, c := range r {
			vals = append(vals, c)
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := sw.SetRow(cell, vals); err != nil {
			t.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
}

// WriteCSV writes rows to a csv file, with a UTF-8 BOM as Excel saves it.
func WriteCSV(t testing.TB, path string, rows [][]string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString("\ufeff"); err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(f)
	if err := w.WriteAll(rows); err != nil {
		t.Fatal(err)
	}
}

// ReadXLSX reads every row of the first sheet of an xlsx file.
func ReadXLSX(t testing.TB, path string) [][]string {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(f.GetSheetList()[0])
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// CountUnits counts the units of a district.
func CountUnits(t testing.TB, db *store.DB, district int64) int {
	t.Helper()
	var n int
	if err := db.SQL().QueryRowContext(context.Background(), fmt.Sprintf("SELECT count(*) FROM units WHERE district_id = %d", district)).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
