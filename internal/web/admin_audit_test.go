package web_test

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/xuri/excelize/v2"

	"tongxin/internal/model"
	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

// seedAudit writes an audit row at a given instant with plain SQL (the
// store's AppendAudit stamps the current time).
func seedAudit(t *testing.T, db *store.DB, at time.Time, e model.AuditEntry) {
	t.Helper()
	ph := func(i int) string {
		if db.Dialect() == store.Postgres {
			return fmt.Sprintf("$%d", i)
		}
		return "?"
	}
	var params []string
	for i := 1; i <= 11; i++ {
		params = append(params, ph(i))
	}
	q := "INSERT INTO audit_log (user_id, username, ip, request_id, action, object_kind, object_id, domain, changes, created_at, updated_at) VALUES (" +
		strings.Join(params, ", ") + ")"
	var uid any
	if e.UserID != nil {
		uid = *e.UserID
	}
	if _, err := db.SQL().ExecContext(t.Context(), q, uid, e.Username, e.IP, e.RequestID, e.Action, e.ObjectKind, e.ObjectID,
		e.Domain, e.Changes, at.UTC(), at.UTC()); err != nil {
		t.Fatal(err)
	}
}

// rowTexts returns the trimmed text of each cell of the audit table's rows.
func rowTexts(doc *goquery.Document) [][]string {
	var out [][]string
	doc.Find("#audit-log tbody tr[data-id]").Each(func(_ int, tr *goquery.Selection) {
		var cells []string
		tr.Find("td").Each(func(_ int, td *goquery.Selection) {
			// Text of every node, space-separated (a <div> or <span> per line).
			var parts []string
			var walk func(*goquery.Selection)
			walk = func(s *goquery.Selection) {
				s.Contents().Each(func(_ int, n *goquery.Selection) {
					if goquery.NodeName(n) == "#text" {
						parts = append(parts, n.Text())
					} else {
						walk(n)
					}
				})
			}
			walk(td)
			cells = append(cells, strings.Join(strings.Fields(strings.Join(parts, " ")), " "))
		})
		out = append(out, cells)
	})
	return out
}

type apiAuditBody struct {
	Items []struct {
		ID         int64           `json:"id"`
		CreatedAt  string          `json:"created_at"`
		UserID     *int64          `json:"user_id"`
		Username   string          `json:"username"`
		IP         string          `json:"ip"`
		RequestID  string          `json:"request_id"`
		Action     string          `json:"action"`
		ObjectKind string          `json:"object_kind"`
		ObjectID   string          `json:"object_id"`
		Domain     string          `json:"domain"`
		Changes    json.RawMessage `json:"changes"`
	} `json:"items"`
	Next        string `json:"next"`
	Total       int64  `json:"total"`
	TotalCapped bool   `json:"total_capped"`
}

func TestAuditLogPages(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			srv := testenv.NewServer(t, d)
			srv.CreateUser(t, "aud", model.RoleAuditor, "sys")
			srv.CreateUser(t, "root", model.RoleSysadmin, "sys")
			srv.CreateUser(t, "sec", model.RoleSecadmin, "sys")

			cst := time.FixedZone("CST", 8*3600)
			uid := int64(5)
			seedAudit(t, srv.DB, time.Date(2026, 3, 1, 9, 0, 0, 0, cst), model.AuditEntry{UserID: &uid, Username: "li.ming", IP: "10.0.0.1", RequestID: "req-1",
				Action: "user.create", ObjectKind: "user", ObjectID: "8", Domain: "sys", Changes: `{"display_name":[null,"王小明"],"phone":[null,"13800000000"]}`})
			seedAudit(t, srv.DB, time.Date(2026, 3, 5, 10, 0, 0, 0, cst), model.AuditEntry{Username: "wang", IP: "10.0.0.2",
				Action: "login.failure", ObjectKind: "user", Changes: `{"reason":"bad_password"}`})
			seedAudit(t, srv.DB, time.Date(2026, 3, 5, 23, 30, 0, 0, cst), model.AuditEntry{Username: "zhang.san", IP: "10.0.0.3", RequestID: "req-3",
				Action: "role_assignment.create", ObjectKind: "role_assignment", ObjectID: "3", Domain: "district:310104",
				Changes: `{"role":[null,"district_reviewer"],"valid_from":[null,"2026-03-05T15:30:00Z"]}`})
			// 00:10 on 6 March in Shanghai is still 5 March in UTC: the day filter must use Shanghai days.
			seedAudit(t, srv.DB, time.Date(2026, 3, 6, 0, 10, 0, 0, cst), model.AuditEntry{Username: "zhao", Action: "custom.thing", Changes: "not json"})
			for i := 0; i < 25; i++ {
				seedAudit(t, srv.DB, time.Date(2026, 2, 1, 8, i, 0, 0, cst), model.AuditEntry{Username: "bulk", Action: "bulk.event", ObjectKind: "user", ObjectID: fmt.Sprint(i)})
			}

			t.Run("anonymous visitors are sent to log in", func(t *testing.T) {
				c := srv.Client(t)
				for _, p := range []string{"/admin/audit-log", "/admin/audit-log/export?format=csv"} {
					if res := c.Get(p); res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Location(), "/login") {
						t.Errorf("GET %s = %d %q, want 303 to /login", p, res.Status, res.Location())
					}
				}
				if res := c.Get("/api/v1/audit-log"); res.Status != http.StatusUnauthorized {
					t.Errorf("API = %d, want 401", res.Status)
				}
			})

			t.Run("the system and security admins may not read it (三员分立)", func(t *testing.T) {
				for _, name := range []string{"root", "sec"} {
					c := srv.Client(t)
					c.Login(name, testenv.Password)
					for _, p := range []string{"/admin/audit-log", "/admin/audit-log/export?format=csv", "/admin/audit-log/export?format=xlsx", "/api/v1/audit-log"} {
						if res := c.Get(p); res.Status != http.StatusForbidden {
							t.Errorf("%s GET %s = %d, want 403", name, p, res.Status)
						}
					}
					if res := c.Get("/"); strings.Contains(res.Body, `href="/admin/audit-log"`) {
						t.Errorf("%s sees 操作日志 in the menu", name)
					}
				}
			})

			aud := srv.Client(t)
			aud.Login("aud", testenv.Password)

			t.Run("the auditor reads and filters the log", func(t *testing.T) {
				res := aud.Get("/")
				if !strings.Contains(res.Body, `href="/admin/audit-log"`) {
					t.Errorf("the auditor's menu has no 操作日志")
				}
				res = aud.Get("/admin/audit-log")
				if res.Status != http.StatusOK {
					t.Fatalf("GET /admin/audit-log = %d", res.Status)
				}
				doc := res.Doc(t)
				if s, _ := doc.Find(`#audit-log th[aria-sort]`).First().Attr("aria-sort"); s != "descending" {
					t.Errorf("时间 header aria-sort %q, want descending", s)
				}
				// By default the business operations: no sign-ins.
				rows := rowTexts(doc)
				if len(rows) != 20 || rows[0][3] != "custom.thing" {
					t.Errorf("unfiltered first row %v (of %d), want the newest business operation", rows[0], len(rows))
				}
				for _, r := range rows {
					if strings.Contains(r[3], "登录") {
						t.Errorf("a sign-in among the business operations: %q", r)
					}
				}
				if cur := doc.Find(`.tabs a[aria-current="page"]`).Text(); cur != "业务操作" {
					t.Errorf("current tab %q", cur)
				}
				// Sign-ins and security events are a choice of their own.
				rows = rowTexts(aud.Get("/admin/audit-log?action=g:security").Doc(t))
				if len(rows) == 0 || rows[0][3] != "登录成功" || !strings.Contains(rows[0][1], "aud") {
					t.Errorf("security events first row %v, want the auditor's own login, newest first", rows)
				}
				if got := doc.Find(".pager-total").Text(); !strings.Contains(got, "共") {
					t.Errorf("pager total %q", got)
				}

				// One Shanghai day.
				doc = aud.Get("/admin/audit-log?from=2026-03-05&to=2026-03-05&action=all").Doc(t)
				rows = rowTexts(doc)
				// Actions, states, domains and reasons by their Chinese
				// labels; the object by its name (role assignment 3 is sec's).
				want := [][]string{
					{"2026-03-05 23:30:00", "zhang.san", "10.0.0.3", "授予角色", "sec 角色授权", "徐汇区", "req-3",
						"角色: （空） → 区级审核员 生效时间: （空） → 2026-03-05 23:30:00"},
					{"2026-03-05 10:00:00", "wang", "10.0.0.2", "登录失败", "用户", "", "", "原因: 密码错误"},
				}
				if fmt.Sprintf("%q", rows) != fmt.Sprintf("%q", want) {
					t.Errorf("5 March:\n got  %q\n want %q", rows, want)
				}
				if v, _ := doc.Find("#f-from").Attr("value"); v != "2026-03-05" {
					t.Errorf("the from filter is not kept: %q", v)
				}
				rows = rowTexts(aud.Get("/admin/audit-log?from=2026-03-06&to=2026-03-06").Doc(t))
				if len(rows) != 1 || rows[0][3] != "custom.thing" || rows[0][7] != "not json" || rows[0][0] != "2026-03-06 00:10:00" {
					t.Errorf("6 March: %q (an unknown code and unparsable changes are shown raw)", rows)
				}

				for _, tt := range []struct {
					query string
					users []string
				}{
					{"username=LI.M", []string{"li.ming ID 5"}},
					{"action=user.", []string{"li.ming ID 5"}},
					{"action=login.&to=2026-03-31", []string{"wang"}},
					{"action=g:security&to=2026-03-31", []string{"wang"}},
					{"action=g:account", []string{"zhang.san", "li.ming ID 5"}},
					{"action=create", nil},
					{"object_kind=role_assignment&object_id=3", []string{"zhang.san"}},
					{"object_kind=user&object_id=8&from=2026-03-01&to=2026-03-01", []string{"li.ming ID 5"}},
				} {
					doc := aud.Get("/admin/audit-log?" + tt.query).Doc(t)
					var got []string
					for _, r := range rowTexts(doc) {
						got = append(got, r[1])
					}
					if fmt.Sprint(got) != fmt.Sprint(tt.users) {
						t.Errorf("%s: %q, want %q", tt.query, got, tt.users)
					}
					if len(tt.users) == 0 && !strings.Contains(doc.Find(".empty-title").Text(), "没有符合条件") {
						t.Errorf("%s: no empty state", tt.query)
					}
				}
				doc = aud.Get("/admin/audit-log?object_kind=user&action=user.create").Doc(t)
				if _, open := doc.Find("details.more-filters").Attr("open"); !open {
					t.Errorf("更多筛选 is closed although one of its filters is set")
				}
				if cells := rowTexts(doc); len(cells) != 1 || cells[0][7] != "姓名: （空） → 王小明 联系电话: （空） → 138****0000" {
					t.Errorf("changes rendered as %q", cells)
				}

				// Keyset paging keeps the filter.
				doc = aud.Get("/admin/audit-log?action=bulk.").Doc(t)
				if n := len(rowTexts(doc)); n != 20 {
					t.Errorf("first page: %d rows", n)
				}
				if got := doc.Find(".pager-total").Text(); !strings.Contains(got, "25") {
					t.Errorf("pager total %q, want 25", got)
				}
				next, ok := doc.Find(`.pager a[rel="next"]`).Attr("href")
				if !ok || !strings.Contains(next, "action=bulk.") {
					t.Fatalf("next link %q", next)
				}
				rows = rowTexts(aud.Get(next).Doc(t))
				if len(rows) != 5 || rows[4][0] != "2026-02-01 08:00:00" {
					t.Errorf("second page: %q", rows)
				}
			})

			t.Run("a bad filter is shown next to the form, not run", func(t *testing.T) {
				res := aud.Get("/admin/audit-log?from=2026-13-01&username=wang")
				if res.Status != http.StatusBadRequest {
					t.Fatalf("bad date: %d", res.Status)
				}
				doc := res.Doc(t)
				if !strings.Contains(doc.Find(".error-summary").Text(), "日期格式应为") {
					t.Errorf("no message about the date: %q", doc.Find(".error-summary").Text())
				}
				if v, _ := doc.Find("#f-from").Attr("value"); v != "2026-13-01" {
					t.Errorf("typed date not kept: %q", v)
				}
				if v, _ := doc.Find("#f-from").Attr("aria-invalid"); v != "true" {
					t.Errorf("the date field is not marked invalid")
				}
				if len(rowTexts(doc)) != 0 {
					t.Errorf("rows shown for a bad filter")
				}
				res = aud.Get("/admin/audit-log?from=2026-03-06&to=2026-03-05")
				if res.Status != http.StatusBadRequest || !strings.Contains(res.Body, "结束日期不能早于开始日期") {
					t.Errorf("reversed range: %d", res.Status)
				}
				if res := aud.Get("/admin/audit-log?username=" + url.QueryEscape(strings.Repeat("长", 65))); res.Status != http.StatusBadRequest {
					t.Errorf("too long a username: %d", res.Status)
				}
			})

			t.Run("exports parse back and are audited", func(t *testing.T) {
				header := []string{"时间", "操作人", "IP", "操作", "操作代码", "对象类型", "对象编号", "对象", "范围", "请求编号", "变更"}
				want := [][]string{header,
					{"2026-03-01 09:00:00", "li.ming", "10.0.0.1", "新建用户", "user.create", "用户", "8", "#8", "全系统", "req-1", "姓名: （空） → 王小明; 联系电话: （空） → 138****0000"},
				}
				res := aud.Get("/admin/audit-log/export?format=csv&action=user.")
				if res.Status != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") ||
					!strings.Contains(res.Header.Get("Content-Disposition"), "attachment") {
					t.Fatalf("csv: %d %v", res.Status, res.Header)
				}
				recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(res.Body, "\uFEFF"))).ReadAll()
				if err != nil {
					t.Fatal(err)
				}
				if fmt.Sprintf("%q", recs) != fmt.Sprintf("%q", want) {
					t.Errorf("csv:\n got  %q\n want %q", recs, want)
				}

				res = aud.Get("/admin/audit-log/export?format=xlsx&action=user.")
				if res.Status != http.StatusOK || !strings.Contains(res.Header.Get("Content-Type"), "spreadsheetml") {
					t.Fatalf("xlsx: %d %v", res.Status, res.Header)
				}
				f, err := excelize.OpenReader(strings.NewReader(res.Body))
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				xrows, err := f.GetRows(f.GetSheetList()[0])
				if err != nil {
					t.Fatal(err)
				}
				if fmt.Sprintf("%q", xrows) != fmt.Sprintf("%q", want) {
					t.Errorf("xlsx:\n got  %q\n want %q", xrows, want)
				}

				// All 25 bulk rows in one export, newest first.
				res = aud.Get("/admin/audit-log/export?format=csv&action=bulk.")
				recs, _ = csv.NewReader(strings.NewReader(strings.TrimPrefix(res.Body, "\uFEFF"))).ReadAll()
				if len(recs) != 26 || recs[1][6] != "24" || recs[25][6] != "0" {
					t.Errorf("bulk export: %d lines", len(recs))
				}
				if res := aud.Get("/admin/audit-log/export?format=pdf"); res.Status != http.StatusBadRequest {
					t.Errorf("format=pdf: %d", res.Status)
				}
				if res := aud.Get("/admin/audit-log/export?format=csv&from=yesterday"); res.Status != http.StatusBadRequest {
					t.Errorf("bad filter on export: %d", res.Status)
				}

				// Each export that ran left a row saying who took what out.
				var body apiAuditBody
				res = aud.Get("/api/v1/audit-log?action=audit.export")
				if err := json.Unmarshal([]byte(res.Body), &body); err != nil {
					t.Fatalf("%v: %s", err, res.Body)
				}
				if len(body.Items) != 3 {
					t.Fatalf("%d audit.export rows, want 3: %s", len(body.Items), res.Body)
				}
				var ch struct {
					Format string            `json:"format"`
					Filter map[string]string `json:"filter"`
				}
				e := body.Items[1] // newest first: bulk csv, user. xlsx, user. csv
				if err := json.Unmarshal(e.Changes, &ch); err != nil || ch.Format != "xlsx" || ch.Filter["action"] != "user." || e.Username != "aud" || e.RequestID == "" {
					t.Errorf("export audit row %+v (changes %s)", e, e.Changes)
				}
				// The page shows it readably.
				rows := rowTexts(aud.Get("/admin/audit-log?action=audit.export").Doc(t))
				if len(rows) != 3 || rows[1][3] != "导出操作日志" || rows[1][7] != "筛选条件: 操作=user. 格式: xlsx" || rows[1][4] != "操作日志" {
					t.Errorf("export rows on the page: %q", rows)
				}
			})

			t.Run("the JSON API lists with the same filters", func(t *testing.T) {
				get := func(q string) (apiAuditBody, *testenv.Response) {
					t.Helper()
					res := aud.Get("/api/v1/audit-log?" + q)
					var body apiAuditBody
					if res.Status == http.StatusOK {
						if err := json.Unmarshal([]byte(res.Body), &body); err != nil {
							t.Fatalf("%v: %s", err, res.Body)
						}
					}
					return body, res
				}
				body, res := get("from=2026-03-05&to=2026-03-05")
				if res.Status != http.StatusOK || body.Total != 2 || len(body.Items) != 2 {
					t.Fatalf("5 March: %d %s", res.Status, res.Body)
				}
				it := body.Items[0]
				if it.CreatedAt != "2026-03-05T15:30:00Z" || it.Action != "role_assignment.create" || it.Domain != "district:310104" ||
					it.ObjectKind != "role_assignment" || it.ObjectID != "3" || it.UserID != nil || it.IP != "10.0.0.3" {
					t.Errorf("item %+v", it)
				}
				var changes map[string][]any
				if err := json.Unmarshal(it.Changes, &changes); err != nil || changes["role"][1] != "district_reviewer" {
					t.Errorf("changes %s (%v)", it.Changes, err)
				}
				body, _ = get("username=li.ming")
				if len(body.Items) != 1 || body.Items[0].UserID == nil || *body.Items[0].UserID != 5 {
					t.Errorf("username filter: %+v", body.Items)
				}
				body, _ = get("from=2026-03-06&to=2026-03-06")
				if len(body.Items) != 1 || string(body.Items[0].Changes) != `"not json"` {
					t.Errorf("unparsable changes: %+v", body.Items)
				}
				body, _ = get("from=" + url.QueryEscape("2026-03-05T02:00:00Z") + "&to=" + url.QueryEscape("2026-03-05T15:30:00Z"))
				if len(body.Items) != 1 || body.Items[0].Action != "login.failure" {
					t.Errorf("RFC 3339 bounds (to exclusive): %+v", body.Items)
				}

				// Keyset paging over the 25 bulk rows.
				seen := map[int64]bool{}
				after := ""
				for n := 0; n < 10; n++ {
					body, res := get("action=bulk.&limit=10&after=" + after)
					if res.Status != http.StatusOK || body.Total != 25 {
						t.Fatalf("page %d: %d %s", n, res.Status, res.Body)
					}
					for _, it := range body.Items {
						if seen[it.ID] {
							t.Errorf("row %d twice", it.ID)
						}
						seen[it.ID] = true
					}
					if body.Next == "" {
						break
					}
					after = body.Next
				}
				if len(seen) != 25 {
					t.Errorf("paged through %d rows, want 25", len(seen))
				}

				for _, q := range []string{"limit=500", "from=2026-3-5", "to=tomorrow", "after=garbage", "sort=username",
					"from=2026-03-06&to=2026-03-05", "username=%FF", "object_id=%00", "action=" + strings.Repeat("x", 65)} {
					if _, res := get(q); res.Status != http.StatusBadRequest || !strings.Contains(res.Body, `"error"`) {
						t.Errorf("%s: %d %s", q, res.Status, res.Body)
					}
				}
			})
		})
	}
}

// TestAuditLogNames: the log names what it records (the project's title, the
// alliance, the lead unit), states and grades by their labels, money in 元,
// a digest shortened and labelled; it links an object only for a viewer who
// may open it; and it names a page of rows in as many statements whatever
// the objects they refer to. Both databases.
func TestAuditLogNames(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			srv := testenv.NewGuardedServer(t, d)
			ctx := t.Context()
			a := allianceFixture(t, srv, 310104, "凌云路街道区域化党建联盟", "")
			lead := allianceFixtureMember(t, srv, a.ID, 310104).UnitID
			leadUnit, err := srv.DB.UnitByID(ctx, lead)
			if err != nil {
				t.Fatal(err)
			}
			p := projectFixture(t, srv, a.ID, 310104, lead, model.ProjectEvaluated)
			evaluate := func(p *model.Project, lead int64) {
				t.Helper()
				if err := srv.DB.AppendAudit(ctx, &model.AuditEntry{Username: "rev", Action: "project.evaluate", ObjectKind: "project",
					ObjectID: fmt.Sprint(p.ID), Domain: model.DomainOf(model.DomainAlliance, p.AllianceID),
					Changes: fmt.Sprintf(`{"status":["completed","evaluated"],"grade":[null,"excellent"],"funds_spent_fen":[0,200000],"lead_unit_id":[null,%d]}`, lead)}); err != nil {
					t.Fatal(err)
				}
			}
			evaluate(p, lead)
			if err := srv.DB.AppendAudit(ctx, &model.AuditEntry{Username: "sec", Action: "project.create", ObjectKind: "project",
				ObjectID: fmt.Sprint(p.ID), Domain: model.DomainOf(model.DomainAlliance, a.ID),
				Changes: fmt.Sprintf(`{"category":"care","units":"%d:lead","funding":"district_fund:50000000","budget_fen":80000000}`, lead)}); err != nil {
				t.Fatal(err)
			}
			digest := strings.Repeat("ab12", 16)
			if err := srv.DB.AppendAudit(ctx, &model.AuditEntry{Username: "sec", Action: "attachment.create", ObjectKind: "attachment",
				ObjectID: "77", Domain: model.DomainOf(model.DomainAlliance, a.ID), Changes: `{"sha256":"` + digest + `","file_name":"验收报告.pdf"}`}); err != nil {
				t.Fatal(err)
			}
			srv.CreateUser(t, "aud", model.RoleAuditor, model.DomainSys)
			aud := srv.Client(t)
			aud.Login("aud", testenv.Password)
			for _, dom := range []string{model.DomainOf(model.DomainAlliance, a.ID), model.DomainSys} {
				if err := srv.DB.AppendAudit(ctx, &model.AuditEntry{Username: "grantor", Action: "role_assignment.create", ObjectKind: "role_assignment",
					ObjectID: "999", Domain: dom, Changes: `{"domain":[null,"` + dom + `"],"role":[null,"alliance_secretary"]}`}); err != nil {
					t.Fatal(err)
				}
			}
			grants := rowTexts(aud.Get("/admin/audit-log?action=role_assignment.create").Doc(t))
			if len(grants) != 2 || grants[0][7] != "范围: （空） → 全系统 角色: （空） → 联盟秘书" || grants[1][7] != "范围: （空） → "+a.Name+" 角色: （空） → 联盟秘书" ||
				grants[1][5] != a.Name {
				t.Errorf("grants: %q", grants)
			}

			doc := aud.Get("/admin/audit-log?action=all").Doc(t)
			row := doc.Find(`#audit-log tr:has(td:contains("项目评估"))`)
			if row.Length() != 1 {
				t.Fatalf("no row names the project %q: %s", p.Title, doc.Find("#audit-log").Text())
			}
			text := strings.Join(strings.Fields(row.Text()), " ")
			for _, want := range []string{"项目评估", a.Name, "状态: 已结项 → 已评估", "评估等级: （空） → 优", "已用经费: 0.00 元 → 2,000.00 元",
				"牵头单位: （空） → " + leadUnit.Name} {
				if !strings.Contains(text, want) {
					t.Errorf("the evaluation row lacks %q: %s", want, text)
				}
			}
			for _, code := range []string{"project.evaluate", "completed", "excellent", "funds_spent_fen", "alliance:", "#" + fmt.Sprint(p.ID)} {
				if strings.Contains(text, code) {
					t.Errorf("the evaluation row shows the code %q: %s", code, text)
				}
			}
			created := strings.Join(strings.Fields(doc.Find(`#audit-log tr:has(td:contains("新增项目"))`).Text()), " ")
			for _, want := range []string{"类别: 关爱帮扶", "参与单位: " + leadUnit.Name + "（牵头单位）", "经费来源: 区级财政 500,000.00 元", "项目预算: 800,000.00 元"} {
				if !strings.Contains(created, want) {
					t.Errorf("the creation row lacks %q: %s", want, created)
				}
			}
			if row.Find("a[href]").Length() != 0 {
				t.Errorf("the auditor, who may not open projects, gets a link")
			}
			if att := strings.Join(strings.Fields(doc.Find(`#audit-log tr:has(td:contains("验收报告.pdf"))`).Text()), " "); !strings.Contains(att, "SHA-256 摘要: ab12ab12ab12…") || strings.Contains(att, digest) {
				t.Errorf("the digest is not shortened and labelled: %s", att)
			}

			// A viewer who may read projects everywhere gets the link.
			u := testenv.CreateUser(t, srv.DB, "aud2", model.RoleAuditor, model.DomainSys)
			if err := srv.DB.CreateRoleAssignment(ctx, &model.RoleAssignment{UserID: u.ID, Role: model.RoleCityReviewer, Domain: model.DomainSys,
				ValidFrom: time.Now().Add(-time.Hour)}); err != nil {
				t.Fatal(err)
			}
			if err := srv.App.Authz.Reload(ctx); err != nil {
				t.Fatal(err)
			}
			aud2 := srv.Client(t)
			aud2.Login("aud2", testenv.Password)
			link := aud2.Get("/admin/audit-log?action=project.evaluate").Doc(t).Find(fmt.Sprintf(`#audit-log a[href="/projects/%d"]`, p.ID))
			if link.Length() != 1 || link.Text() != p.Title {
				t.Errorf("link to the project for a city reviewer: %d %q", link.Length(), link.Text())
			}
			if res := aud2.Get(fmt.Sprintf("/projects/%d", p.ID)); res.Status != http.StatusOK {
				t.Errorf("the linked project answers %d", res.Status)
			}

			// No statement per row: rows about 30 other projects of other
			// alliances led by other units.
			testenv.SameStatements(t, aud, "/admin/audit-log?limit=100&action=g:project", func() {
				for range 3 {
					a := allianceFixture(t, srv, 310104, "", "")
					for range 10 {
						lead := allianceFixtureMember(t, srv, a.ID, 310104).UnitID
						evaluate(projectFixture(t, srv, a.ID, 310104, lead, model.ProjectEvaluated), lead)
					}
				}
			})
		})
	}
}
