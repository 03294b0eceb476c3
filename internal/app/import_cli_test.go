package app_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tongxin/internal/importer/importtest"
	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

// TestImportCommand: `tongxin import units FILE` runs the same import as the
// web's jobs, as the operator: progress on stderr, the summary on stdout,
// exit code 1 when rows failed; the same file again adds nothing.
func TestImportCommand(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			t.Chdir(t.TempDir())
			db := testenv.NewDB(t, d)
			dbURL := db.DSN()
			if d == store.SQLite {
				dbURL = "sqlite:" + dbURL
			}
			env := map[string]string{"TONGXIN_DATABASE_URL": dbURL, "TONGXIN_UPLOAD_DIR": t.TempDir()}
			ctx := context.Background()
			importtest.Streets(t, db)
			dir := t.TempDir()
			rows, bad := importtest.UnitRows(600, 3, true)
			file := filepath.Join(dir, "成员单位.xlsx")
			importtest.WriteXLSX(t, file, rows)

			// The file may come before or after the flags.
			code, stdout, stderr := run(t, ctx, env, "import", "units", file, "--district", "310104")
			errFile := filepath.Join(dir, "成员单位-errors.xlsx")
			want := fmt.Sprintf("导入完成：新增 590 条，未变 0 条，错误 10 条（错误文件：%s）\n", errFile)
			if code != 1 || stdout != want {
				t.Fatalf("exit %d, stdout %q, want 1 and %q; stderr %s", code, stdout, want, stderr)
			}
			if !strings.Contains(stderr, "已处理 500 / 600 行") || !strings.Contains(stderr, "有 10 行未导入") {
				t.Errorf("stderr %q: want progress lines and the failed rows", stderr)
			}
			if n := importtest.CountUnits(t, db, 310104); n != 590 {
				t.Errorf("units: %d", n)
			}
			got := importtest.ReadXLSX(t, errFile)
			if len(got) != 11 || !strings.Contains(got[1][len(got[1])-1], fmt.Sprintf("第 %d 行", bad[0].Line)) {
				t.Errorf("error file: %d rows, first %v", len(got)-1, got[1])
			}
			var audited int
			if err := db.SQL().QueryRow("SELECT count(*) FROM audit_log WHERE action = 'unit.import' AND username = 'cli' AND object_id = 'cli'").Scan(&audited); err != nil || audited != 2 {
				t.Errorf("audit rows of the CLI's batches: %d %v", audited, err)
			}

			// Again: nothing new. A dry run of a clean file: exit 0, no unit.
			code, stdout, _ = run(t, ctx, env, "import", "units", "--district", "310104", file)
			if code != 1 || !strings.HasPrefix(stdout, "导入完成：新增 0 条，未变 590 条，错误 10 条") {
				t.Errorf("again: %d %q", code, stdout)
			}
			clean, _ := importtest.UnitRows(20, 4, false)
			cleanFile := filepath.Join(dir, "clean.csv")
			importtest.WriteCSV(t, cleanFile, clean)
			code, stdout, stderr = run(t, ctx, env, "import", "units", cleanFile, "--district", "310104", "--dry-run")
			if code != 0 || stdout != "试导入完成（未写入任何数据）：可新增 20 条，未变 0 条，错误 0 条\n" {
				t.Errorf("dry run: %d %q %s", code, stdout, stderr)
			}
			if n := importtest.CountUnits(t, db, 310104); n != 590 {
				t.Errorf("a dry run wrote units: %d", n)
			}
			if _, err := os.Stat(filepath.Join(dir, "clean-errors.xlsx")); !os.IsNotExist(err) {
				t.Errorf("a clean run wrote an error file")
			}

			// Refusals: one line on stderr, nothing on stdout.
			notXLSX := filepath.Join(dir, "fake.xlsx")
			if err := os.WriteFile(notXLSX, []byte("hello"), 0o600); err != nil {
				t.Fatal(err)
			}
			for _, tt := range []struct {
				args []string
				code int
				say  string
			}{
				{[]string{"import", "units", notXLSX, "--district", "310104"}, 1, "不是有效的 Excel"},
				{[]string{"import", "units", file}, 2, "--district"},
				{[]string{"import", "units", file, "--district", "999999"}, 1, "区或联盟不存在"},
				{[]string{"import", "units", filepath.Join(dir, "missing.xlsx"), "--district", "310104"}, 2, "cannot read"},
				{[]string{"import", "needs", file}, 2, "units"},
				{[]string{"import"}, 2, "units"},
			} {
				code, stdout, stderr := run(t, ctx, env, tt.args...)
				if code != tt.code || stdout != "" || !strings.Contains(stderr, tt.say) {
					t.Errorf("%v: exit %d stdout %q stderr %q, want %d and %q", tt.args, code, stdout, stderr, tt.code, tt.say)
				}
			}
		})
	}
}
