package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/chromedp/chromedp"

	"tongxin/internal/config"
	"tongxin/internal/importer"
	"tongxin/internal/importer/importtest"
	"tongxin/internal/model"
	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

// importRouteRule says who may call one of the imports' routes: "user" any
// logged-in user, "import" the roles holding unit:import (sysadmin,
// district_admin, alliance_secretary), "sys" the system admin alone (another
// person's job), "reviewer" the system admin and the job's owner (a job of
// the matrix reviewer).
var importRouteRules = map[string]string{}

var importSeq atomic.Int64

// importFixtureJob makes a finished job with an error file, owned by owner.
func importFixtureJob(t *testing.T, srv *testenv.Server, owner int64, status string) int64 {
	t.Helper()
	n := importSeq.Add(1)
	rel := fmt.Sprintf("imports/errors/matrix-%d.xlsx", n)
	p := filepath.Join(srv.App.Config.UploadDir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
		t.Fatal(err)
	}
	importtest.WriteXLSX(t, p, [][]string{append(importer.Units.Headers(), importer.ErrorColumn)})
	j := &model.ImportJob{Kind: importer.KindUnits, FileName: fmt.Sprintf("matrix-%d.xlsx", n), FilePath: "imports/none.xlsx",
		Status: status, TotalRows: 10, ProcessedRows: 4, ErrorRows: 1, ErrorFilePath: rel, Domain: "district:310104", CreatedBy: owner}
	if err := srv.DB.CreateImportJob(t.Context(), j); err != nil {
		t.Fatal(err)
	}
	return j.ID
}

func init() {
	// {import}: a job of another person (a victim in a foreign district).
	matrixFixtures["{import}"] = func(t *testing.T, srv *testenv.Server, env map[string]string) string {
		return fmt.Sprint(importFixtureJob(t, srv, matrixVictim(t, srv).ID, model.ImportDone))
	}
	// {import_reviewer}: a job of the matrix reviewer (its owner may open it).
	matrixFixtures["{import_reviewer}"] = func(t *testing.T, srv *testenv.Server, env map[string]string) string {
		u, err := srv.DB.UserByUsername(t.Context(), "m_"+reviewer)
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(importFixtureJob(t, srv, u.ID, model.ImportDone))
	}
	add := func(method, path, rule string) {
		importRouteRules[method+" "+path] = rule
		matrix = append(matrix, matrixRow{method, path, nil, false}) // allow filled by the setup below
	}
	add("GET", "/imports", "user")
	add("GET", "/imports/export", "user")
	add("GET", "/imports/new", "import")
	add("POST", "/imports", "import")
	add("GET", "/imports/template/units.xlsx", "import")
	add("GET", "/api/v1/imports", "user")
	add("POST", "/api/v1/imports", "import")
	for ph, rule := range map[string]string{"{import}": "sys", "{import_reviewer}": "reviewer"} {
		add("GET", "/imports/"+ph, rule)
		add("GET", "/imports/"+ph+"/progress", rule)
		add("GET", "/imports/"+ph+"/errors.xlsx", rule)
		add("GET", "/api/v1/imports/"+ph, rule)
		add("GET", "/api/v1/imports/"+ph+"/errors.xlsx", rule)
	}
	matrixSetups = append(matrixSetups, func(t *testing.T, srv *testenv.Server, env map[string]string) {
		// The allow lists follow configs/policy.csv for the roles of every area.
		importers := []string{model.RoleSysadmin, model.RoleDistrictAdmin, model.RoleAllianceSecretary}
		for i, row := range matrix {
			rule, ok := importRouteRules[row.method+" "+row.path]
			if !ok {
				continue
			}
			var allow []string
			for _, mr := range matrixRoles {
				if mr.name == anon {
					continue
				}
				in := false
				switch rule {
				case "user":
					in = true
				case "import":
					in = slices.Contains(importers, mr.role)
				case "sys":
					in = mr.role == model.RoleSysadmin
				case "reviewer":
					in = mr.role == model.RoleSysadmin || mr.name == reviewer
				}
				if in {
					allow = append(allow, mr.name)
				}
			}
			matrix[i].allow = allow
		}
	})
}

// multipartBody builds an upload form.
func multipartBody(t *testing.T, fields map[string]string, fileName string, file []byte) (string, *bytes.Buffer) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range fields {
		if err := w.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	if fileName != "" {
		fw, err := w.CreateFormFile("file", fileName)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fw.Write(file); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return w.FormDataContentType(), &buf
}

// uploadPage posts the upload form as a browser would: the CSRF token from
// the form page, multipart/form-data.
func uploadPage(t *testing.T, c *testenv.Client, fileName string, file []byte, dryRun bool) *testenv.Response {
	t.Helper()
	fields := map[string]string{"csrf_token": c.FormToken("/imports/new?kind=units"), "kind": "units"}
	if dryRun {
		fields["dry_run"] = "1"
	}
	ct, body := multipartBody(t, fields, fileName, file)
	return c.Send(http.MethodPost, "/imports", ct, body)
}

func readFile(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func xlsxBytes(t *testing.T, rows [][]string) []byte {
	t.Helper()
	p := filepath.Join(t.TempDir(), "f.xlsx")
	importtest.WriteXLSX(t, p, rows)
	return readFile(t, p)
}

var jobPath = regexp.MustCompile(`^/imports/(\d+)$`)

// waitProgress polls the progress fragment as the page's htmx does until
// the job has finished, and returns the last fragment.
func waitProgress(t *testing.T, c *testenv.Client, id string) *testenv.Response {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		req, _ := http.NewRequest(http.MethodGet, c.URL("/imports/"+id+"/progress"), nil)
		req.Header.Set("HX-Request", "true")
		res := c.Do(req)
		if res.Status != http.StatusOK {
			t.Fatalf("progress: %d %s", res.Status, res.Body)
		}
		if !strings.Contains(res.Body, `hx-trigger="every 1s"`) {
			return res
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s did not finish: %s", id, res.Body)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestImportPages(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			srv := testenv.NewServer(t, d, func(c *config.Config) { c.Import.MaxBytes = 256 << 10 })
			importtest.Streets(t, srv.DB)
			srv.CreateUser(t, "imp_admin", model.RoleDistrictAdmin, "district:310104")
			srv.CreateUser(t, "imp_other", model.RoleDistrictAdmin, "district:310104")
			c := srv.Client(t)
			c.Login("imp_admin", testenv.Password)

			// The list, empty, says what to do; the menu has 导入任务.
			res := c.Get("/imports")
			if res.Status != http.StatusOK || !strings.Contains(res.Body, "暂无导入任务") || !strings.Contains(res.Body, `href="/imports/new?kind=units"`) {
				t.Fatalf("empty list: %d %.500s", res.Status, res.Body)
			}
			if doc := res.Doc(t); doc.Find(`.sidebar a[href="/imports"]`).Length() != 1 {
				t.Errorf("no 导入任务 in the menu")
			}
			// The form: multipart, the template link, the column guide.
			res = c.Get("/imports/new?kind=units")
			doc := res.Doc(t)
			if res.Status != http.StatusOK || doc.Find(`form[enctype="multipart/form-data"] input[type="file"][name="file"]`).Length() != 1 ||
				doc.Find(`a[href="/imports/template/units.xlsx"]`).Length() == 0 || !strings.Contains(res.Body, "统一社会信用代码") ||
				doc.Find(`input[name="dry_run"][type="checkbox"]`).Length() != 1 {
				t.Fatalf("upload form: %d %.800s", res.Status, res.Body)
			}
			if res := c.Get("/imports/new?kind=nope"); res.Status != http.StatusNotFound {
				t.Errorf("unknown kind: %d", res.Status)
			}
			// The template is an xlsx whose own rows pass the checks.
			res = c.Get("/imports/template/units.xlsx")
			if res.Status != http.StatusOK || !strings.Contains(res.Header.Get("Content-Type"), "spreadsheetml") ||
				!strings.Contains(res.Header.Get("Content-Disposition"), "filename*=UTF-8''") {
				t.Fatalf("template: %d %v", res.Status, res.Header)
			}
			tpl := filepath.Join(t.TempDir(), "template.xlsx")
			if err := os.WriteFile(tpl, []byte(res.Body), 0o600); err != nil {
				t.Fatal(err)
			}
			if _, n, err := importer.Check(tpl, "template.xlsx", importer.Units, importer.Limits{}); err != nil || n != 1 {
				t.Errorf("the template does not pass its own checks: %d %v", n, err)
			}

			// Refused files: the form again (422) with the reason in Chinese by the file field, nothing written.
			rows, bad := importtest.UnitRows(200, 6, true)
			wrongHeader := slices.Clone(rows)
			wrongHeader[0] = append(slices.Clone(rows[0][:2]), rows[0][3:]...)
			for _, tt := range []struct {
				name string
				body []byte
				want string
			}{
				{"fake.xlsx", []byte("not a spreadsheet"), "不是有效的 Excel"},
				{"empty.xlsx", nil, "文件是空的"},
				{"header.xlsx", xlsxBytes(t, wrongHeader), "表头缺少“单位类型”列"},
				{"units.csv", []byte("\xb5\xa5\xce\xbb\n"), "UTF-8"},
				{"big.csv", bytes.Repeat([]byte("a"), 300<<10), "超过上限 256 KB"},
			} {
				res := uploadPage(t, c, tt.name, tt.body, false)
				if res.Status != http.StatusUnprocessableEntity {
					t.Errorf("%s: %d, want 422", tt.name, res.Status)
					continue
				}
				if msg := res.Doc(t).Find("#file-error").Text(); !strings.Contains(msg, tt.want) {
					t.Errorf("%s: message %q, want %q", tt.name, msg, tt.want)
				}
			}
			if res := uploadPage(t, c, "", nil, false); res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "请选择要上传的文件") {
				t.Errorf("no file: %d", res.Status)
			}
			// A body far over the limit is cut off with 413.
			if res := uploadPage(t, c, "huge.csv", bytes.Repeat([]byte("a"), 2<<20), false); res.Status != http.StatusRequestEntityTooLarge {
				t.Errorf("huge body: %d, want 413", res.Status)
			}
			var jobs int
			if err := srv.DB.SQL().QueryRow("SELECT count(*) FROM import_jobs").Scan(&jobs); err != nil || jobs != 0 {
				t.Fatalf("refused files made jobs: %d %v", jobs, err)
			}

			// A good upload: 303 to the job, which the worker runs; the page polls the fragment until done.
			res = uploadPage(t, c, "成员单位.xlsx", xlsxBytes(t, rows), false)
			m := jobPath.FindStringSubmatch(res.Location())
			if res.Status != http.StatusSeeOther || m == nil {
				t.Fatalf("upload: %d %s %.300s", res.Status, res.Location(), res.Body)
			}
			id := m[1]
			frag := waitProgress(t, c, id)
			if strings.Contains(frag.Body, "<html") || !strings.Contains(frag.Body, `id="import-progress"`) || strings.Contains(frag.Body, "hx-get") {
				t.Errorf("finished fragment: %.500s", frag.Body)
			}
			show := c.Get("/imports/" + id)
			sdoc := show.Doc(t)
			stats := sdoc.Find(".stat-value").Map(func(_ int, s *goquery.Selection) string { return strings.TrimSpace(s.Text()) })
			if show.Status != http.StatusOK || !slices.Equal(stats, []string{"200", "190", "0", "10"}) || !strings.Contains(show.Body, "已完成") {
				t.Errorf("job page: %d stats %v", show.Status, stats)
			}
			if sdoc.Find(`#import-progress[hx-trigger]`).Length() != 0 {
				t.Errorf("a finished job still polls")
			}
			if n := importtest.CountUnits(t, srv.DB, 310104); n != 190 {
				t.Errorf("units written: %d", n)
			}
			// The error file: exactly the 10 bad rows with their reasons.
			res = c.Get("/imports/" + id + "/errors.xlsx")
			if res.Status != http.StatusOK || !strings.Contains(res.Header.Get("Content-Disposition"), "attachment") {
				t.Fatalf("error file: %d", res.Status)
			}
			ef := filepath.Join(t.TempDir(), "errors.xlsx")
			if err := os.WriteFile(ef, []byte(res.Body), 0o600); err != nil {
				t.Fatal(err)
			}
			got := importtest.ReadXLSX(t, ef)
			if len(got) != 11 {
				t.Fatalf("error file rows: %d", len(got)-1)
			}
			for i, b := range bad {
				if reason := got[i+1][len(got[i+1])-1]; !strings.Contains(reason, fmt.Sprintf("第 %d 行", b.Line)) || !strings.Contains(reason, b.Reason) {
					t.Errorf("error row %d: %q", i+1, reason)
				}
			}
			// The list shows the job with its counts.
			res = c.Get("/imports")
			if !strings.Contains(res.Body, "成员单位.xlsx") || !strings.Contains(res.Body, `href="/imports/`+id+`/errors.xlsx"`) {
				t.Errorf("list: %.800s", res.Body)
			}
			if res := c.Get("/imports/export?format=csv"); res.Status != http.StatusOK || !strings.Contains(res.Body, "成员单位.xlsx") {
				t.Errorf("export: %d", res.Status)
			}

			// A dry run writes no unit.
			more, _ := importtest.UnitRows(30, 8, false)
			res = uploadPage(t, c, "试导入.csv", func() []byte {
				p := filepath.Join(t.TempDir(), "d.csv")
				importtest.WriteCSV(t, p, more)
				return readFile(t, p)
			}(), true)
			m = jobPath.FindStringSubmatch(res.Location())
			if m == nil {
				t.Fatalf("dry run upload: %d", res.Status)
			}
			waitProgress(t, c, m[1])
			if n := importtest.CountUnits(t, srv.DB, 310104); n != 190 {
				t.Errorf("a dry run wrote units: %d", n)
			}
			if show := c.Get("/imports/" + m[1]); !strings.Contains(show.Body, "可新增") || !strings.Contains(show.Body, "没有写入任何数据") {
				t.Errorf("dry-run page: %.500s", show.Body)
			}

			// Another person's job is not found, in every form.
			o := srv.Client(t)
			o.Login("imp_other", testenv.Password)
			for _, p := range []string{"/imports/" + id, "/imports/" + id + "/progress", "/imports/" + id + "/errors.xlsx", "/api/v1/imports/" + id} {
				if res := o.Get(p); res.Status != http.StatusNotFound {
					t.Errorf("%s as another user: %d", p, res.Status)
				}
			}
			if res := o.Get("/imports"); strings.Contains(res.Body, "成员单位.xlsx") {
				t.Errorf("another user's list shows the job")
			}

			// A job in progress polls every second.
			running := importFixtureJob(t, srv, mustUser(t, srv, "imp_admin").ID, model.ImportRunning)
			res = c.Get(fmt.Sprintf("/imports/%d", running))
			if d := res.Doc(t); d.Find(`#import-progress[hx-get="/imports/`+fmt.Sprint(running)+`/progress"][hx-trigger="every 1s"]`).Length() != 1 {
				t.Errorf("a running job does not poll: %.600s", res.Body)
			}
			if !strings.Contains(res.Body, `value="40"`) {
				t.Errorf("progress bar of a job at 4/10 rows")
			}
		})
	}
}

func mustUser(t *testing.T, srv *testenv.Server, name string) *model.User {
	t.Helper()
	u, err := srv.DB.UserByUsername(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestImportAPI(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			srv := testenv.NewServer(t, d)
			importtest.Streets(t, srv.DB)
			srv.CreateUser(t, "api_admin", model.RoleDistrictAdmin, "district:310104")
			c := srv.Client(t)
			c.Login("api_admin", testenv.Password)
			token := c.CSRFCookie()
			post := func(fields map[string]string, name string, file []byte) *testenv.Response {
				ct, body := multipartBody(t, fields, name, file)
				req, _ := http.NewRequest(http.MethodPost, c.URL("/api/v1/imports"), body)
				req.Header.Set("Content-Type", ct)
				req.Header.Set("X-CSRF-Token", token)
				return c.Do(req)
			}
			rows, _ := importtest.UnitRows(50, 9, false)
			res := post(map[string]string{"kind": "units", "domain": "district:310104"}, "u.xlsx", xlsxBytes(t, rows))
			if res.Status != http.StatusCreated || !strings.HasPrefix(res.Header.Get("Location"), "/api/v1/imports/") {
				t.Fatalf("create: %d %s", res.Status, res.Body)
			}
			var job struct {
				ID           int64   `json:"id"`
				Status       string  `json:"status"`
				TotalRows    int     `json:"total_rows"`
				CreatedRows  int     `json:"created_rows"`
				Domain       string  `json:"domain"`
				ErrorFileURL *string `json:"error_file_url"`
				FilePath     *string `json:"file_path"`
			}
			// The request reads no row (the job counts them): no total yet.
			if err := json.Unmarshal([]byte(res.Body), &job); err != nil || job.TotalRows != 0 || job.Domain != "district:310104" || job.FilePath != nil {
				t.Fatalf("created job: %s %v", res.Body, err)
			}
			loc := res.Header.Get("Location")
			deadline := time.Now().Add(20 * time.Second)
			for job.Status != model.ImportDone {
				if time.Now().After(deadline) {
					t.Fatalf("job still %s", job.Status)
				}
				time.Sleep(100 * time.Millisecond)
				res = c.Get(loc)
				if res.Status != http.StatusOK {
					t.Fatalf("get: %d", res.Status)
				}
				if err := json.Unmarshal([]byte(res.Body), &job); err != nil {
					t.Fatal(err)
				}
			}
			if job.CreatedRows != 50 || job.TotalRows != 50 || job.ErrorFileURL != nil {
				t.Errorf("done job %+v", job)
			}
			res = c.Get("/api/v1/imports?status=done")
			var list struct {
				Items []struct{ ID int64 } `json:"items"`
				Total int64                `json:"total"`
			}
			if err := json.Unmarshal([]byte(res.Body), &list); err != nil || list.Total != 1 || list.Items[0].ID != job.ID {
				t.Errorf("list %s", res.Body)
			}
			if res := c.Get("/api/v1/imports?status=bogus"); res.Status != http.StatusBadRequest {
				t.Errorf("bad filter: %d", res.Status)
			}
			// A refused file: 400 with the reason on file; a JSON body is no upload.
			res = post(map[string]string{"kind": "units"}, "u.xlsx", []byte("nope"))
			var apiErr struct {
				Error struct {
					Code   string            `json:"code"`
					Fields map[string]string `json:"fields"`
				} `json:"error"`
			}
			if err := json.Unmarshal([]byte(res.Body), &apiErr); res.Status != http.StatusBadRequest || err != nil || !strings.Contains(apiErr.Error.Fields["file"], "Excel") {
				t.Errorf("refused: %d %s", res.Status, res.Body)
			}
			// The bomb (shared strings expanding to 600 MB), as a dry
			// run: refused at once from the zip's directory, naming the limit.
			var bomb bytes.Buffer
			if err := importtest.BuildZip(&bomb, importtest.SharedStringsBomb(600<<20)); err != nil {
				t.Fatal(err)
			}
			res = post(map[string]string{"kind": "units", "domain": "district:310104", "dry_run": "true"}, "bomb.xlsx", bomb.Bytes())
			apiErr.Error.Fields = nil
			if err := json.Unmarshal([]byte(res.Body), &apiErr); res.Status != http.StatusBadRequest || err != nil || !strings.Contains(apiErr.Error.Fields["file"], "150 MB 上限") {
				t.Errorf("bomb: %d %s", res.Status, res.Body)
			}
			req, _ := http.NewRequest(http.MethodPost, c.URL("/api/v1/imports"), io.NopCloser(strings.NewReader(`{"kind":"units"}`)))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-CSRF-Token", token)
			if res := c.Do(req); res.Status != http.StatusBadRequest {
				t.Errorf("JSON body: %d %s", res.Status, res.Body)
			}
		})
	}
}

// TestImportBrowser: in headless Chromium a district admin uploads a file of
// units and watches the job page's progress block refresh itself (htmx
// polling, no reload) until the import is done; no asset fails, no CSP
// violation.
func TestImportBrowser(t *testing.T) {
	srv := testenv.NewServer(t, store.SQLite)
	importtest.Streets(t, srv.DB)
	srv.CreateUser(t, "imp_browser", model.RoleDistrictAdmin, "district:310104")
	rows, _ := importtest.UnitRows(3000, 5, true)
	file := filepath.Join(t.TempDir(), "成员单位.xlsx")
	importtest.WriteXLSX(t, file, rows)

	b := testenv.NewBrowser(t)
	b.Navigate(srv.URL + "/login")
	b.WaitVisible(`input[name="username"]`)
	b.SendKeys(`input[name="username"]`, "imp_browser")
	b.SendKeys(`input[name="password"]`, testenv.Password)
	b.Submit(`form[action="/login"]`)
	b.WaitVisible(`.sidebar`) // the shell: logged in
	b.Navigate(srv.URL + "/imports/new?kind=units")
	b.WaitVisible(`input[type="file"]`)
	b.Screenshot(testenv.ArtifactPath(t, "imports-new.png"))
	b.Run(chromedp.SetUploadFiles(chromedp.CSS(`input[type="file"]`), []string{file}))
	b.Submit(`form[action="/imports"]`)
	b.WaitVisible(`#import-progress`)
	if !jobPath.MatchString(strings.TrimPrefix(b.Location(), srv.URL)) {
		t.Fatalf("after the upload at %s", b.Location())
	}
	first := b.Text(`#import-progress .tag`)
	testenv.RunValue(b, chromedp.Poll[bool](`document.querySelector('#import-progress .tag').textContent.trim() === '已完成'`,
		chromedp.WithPollingTimeout(30*time.Second)))
	b.Screenshot(testenv.ArtifactPath(t, "imports-done.png"))
	t.Logf("status when the page opened: %s", first)
	text := b.Text(`#import-progress`)
	for _, want := range []string{"2,990", "10", "下载错误文件"} {
		if !strings.Contains(text, want) {
			t.Errorf("progress block lacks %q: %s", want, text)
		}
	}
	b.Navigate(srv.URL + "/imports")
	b.WaitVisible(`.table`)
	b.Screenshot(testenv.ArtifactPath(t, "imports-list.png"))
	if errs := b.NetworkErrors(); len(errs) > 0 {
		t.Errorf("network or script errors:\n%s", strings.Join(errs, "\n"))
	}
}
