package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"tongxin/internal/model"
)

// pageSpec is one page the benchmark measures.
type pageSpec struct {
	name string
	role string // whose session
	path string // "" with notBuilt
	via  string
	// notBuilt: the page does not exist yet. When it is built, give its
	// path (and drop notBuilt): that is the whole change.
	notBuilt bool
	// rowsBefore is set for a deep page.
	rowsBefore int
	aux        bool   // see PageResult.Aux
	group      string // see PageResult.Group
}

// cityPage is the whole-city list and its deep page, read by the city
// reader (a reviewer of every district: see cityReader). They exist for
// the deep-page comparison and stay out of the page targets and the mixed
// load, as no real account reads the whole city.
const cityPage = "project list, whole city (reader of 16 districts)"

// notBuiltPages are the pages of the targets that do not exist yet, as
// {name: "…", notBuilt: true}: they show as "not built yet". To measure
// one, move it to the list in pageSpecs with a path.
var notBuiltPages []pageSpec

// pageSpecs finds, in the generated city, the filters and ids the pages
// are measured with.
func (rn *run) pageSpecs(ctx context.Context) ([]pageSpec, error) {
	rev, city := rn.users[model.RoleDistrictReviewer], rn.users[roleCity]
	// The reviewer's projects: the year with the most rows among the first
	// page's, so that the filtered list has a full page of 50.
	first, err := rn.apiList(ctx, rev, "/api/v1/projects?limit=100")
	if err != nil {
		return nil, err
	}
	ids := first.IDs()
	if len(ids) == 0 {
		return nil, fmt.Errorf("the reviewer %s sees no project", rev.Username)
	}
	year := mostCommon(first.Items, "year")
	projectList := "/projects?limit=50"
	if year != "" {
		projectList = "/projects?year=" + year + "&limit=50"
	}
	// The project pages; their JSON API where a page does not answer.
	projectVia, detail, whole := rn.htmlOrAPI(ctx, rev, projectList), fmt.Sprintf("/projects/%d", ids[0]), "/projects?limit=50"
	if projectVia == "api" {
		projectList, detail, whole = apiPath(projectList), apiPath(detail), apiPath(whole)
	}
	needList := "/needs?status=" + model.NeedPublished + "&limit=50"
	claims := "/claims?view=decide&limit=50"
	specs := []pageSpec{
		{name: "project list (filtered)", role: model.RoleDistrictReviewer, path: projectList, via: projectVia},
		{name: "project detail", role: model.RoleDistrictReviewer, path: detail, via: projectVia},
		{name: "needs list (filtered)", role: model.RoleAllianceSecretary, path: needList, via: "html"},
		{name: "claims 待我确认", role: model.RoleUnitContact, path: claims, via: "html"},
		{name: "claims 待我确认 (secretary)", role: model.RoleAllianceSecretary, path: claims, via: "html"},
		{name: "dashboard (home page)", role: model.RoleDistrictReviewer, path: "/", via: "html", group: GroupDashboard},
		{name: "report (district by alliance)", role: model.RoleDistrictReviewer, path: "/reports?group_by=alliance", via: "html", group: GroupReport},
		{name: cityPage, role: roleCity, path: whole, via: projectVia, aux: true},
	}
	// The deep page: follow the API's cursors of the whole list down to
	// about 5,000 rows (scale 1: 18,000 projects), then ask the page there.
	walk, err := WalkCursor(func(after string) (ListPage, error) {
		p := "/api/v1/projects?limit=50"
		if after != "" {
			p += "&after=" + url.QueryEscape(after)
		}
		return rn.apiList(ctx, city, p)
	}, 101)
	if err != nil {
		rn.problem("deep page: %v", err)
	} else if walk.Cursor != "" {
		specs = append(specs, pageSpec{name: cityPage, role: roleCity, path: whole + "&after=" + url.QueryEscape(walk.Cursor), via: projectVia,
			rowsBefore: walk.Skipped, aux: true})
	}
	return append(specs, notBuiltPages...), nil
}

// htmlOrAPI tells whether the page answers (the project pages came late);
// the API measures the list until it does.
func (rn *run) htmlOrAPI(ctx context.Context, u *user, path string) string {
	code, _, err := rn.get(ctx, u.client, nil, path)
	if err == nil && code == http.StatusOK {
		return "html"
	}
	rn.problem("GET %s answered %d (%v): measuring the API instead", path, code, err)
	return "api"
}

func apiPath(p string) string {
	if strings.HasPrefix(p, "/api/") {
		return p
	}
	return "/api/v1" + p
}

// mostCommon returns the most frequent value of a numeric or string field
// among JSON items ("" when none has it).
func mostCommon(items []json.RawMessage, field string) string {
	count := map[string]int{}
	best := ""
	for _, raw := range items {
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			continue
		}
		v, ok := m[field]
		if !ok || v == nil {
			continue
		}
		s := fmt.Sprint(v)
		if f, ok := v.(float64); ok {
			s = strconv.FormatFloat(f, 'f', -1, 64)
		}
		count[s]++
		if best == "" || count[s] > count[best] {
			best = s
		}
	}
	return best
}

// pages measures each page: warm-up, one in-process run (statements and
// casbin checks), the fixed-rate series and the floor.
func (rn *run) pages(ctx context.Context) error {
	specs, err := rn.pageSpecs(ctx)
	if err != nil {
		return err
	}
	for _, sp := range specs {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		pr := PageResult{Name: sp.name, Path: sp.path, Via: sp.via, NotBuilt: sp.notBuilt, RowsBefore: sp.rowsBefore, Aux: sp.aux,
			Group: sp.group}
		if !sp.notBuilt {
			u := rn.users[sp.role]
			pr.User = u.Username
			rn.o.logf("%s: page %s %s", rn.dialect, sp.name, sp.path)
			if err := rn.measurePage(ctx, u, &pr); err != nil {
				pr.Error = err.Error()
				rn.problem("page %s (%s): %v", sp.name, sp.path, err)
			}
		}
		rn.r.Pages = append(rn.r.Pages, pr)
	}
	return nil
}

func (rn *run) headers(u *user, via string) http.Header {
	h := u.header.Clone()
	if via == "api" {
		h.Set("Accept", "application/json")
	}
	return h
}

func (rn *run) measurePage(ctx context.Context, u *user, pr *PageResult) error {
	h := rn.headers(u, pr.Via)
	for range 10 {
		code, body, err := rn.get(ctx, u.client, h, pr.Path)
		if err != nil {
			return err
		}
		if code != http.StatusOK {
			return fmt.Errorf("answered %d: %.200s", code, body)
		}
	}
	stmts, checks, err := rn.inProcess(ctx, pr.Path, h)
	if err != nil {
		return err
	}
	pr.Statements, pr.Checks = len(stmts), checks
	pr.Page = Attack(ctx, Static(rn.base, pr.Path, h), rn.o.PageRate, rn.o.Duration, nil, nil)
	floor, err := Floor(ctx, rn.probe.DB.SQL(), stmts, rn.o.Duration/2, 20, 20000)
	if err != nil {
		return err
	}
	pr.Floor = &floor
	pr.Ratio = Ratio(pr.Page.P50, floor.P50)
	if pr.Slowest, err = Slowest(ctx, rn.probe.DB.SQL(), stmts, 5, 3); err != nil {
		return err
	}
	if pr.Page.Errors > 0 {
		return fmt.Errorf("%d of %d requests failed: %s", pr.Page.Errors, pr.Page.Requests, pr.Page.FirstError)
	}
	return nil
}

// throughput raises the rate on the 50-row filtered project list until a
// step fails (an error, p95 over 50 ms, or the rate not achieved).
func (rn *run) throughput(ctx context.Context) error {
	var list *PageResult
	for i := range rn.r.Pages {
		if p := &rn.r.Pages[i]; !p.NotBuilt && p.Error == "" && p.RowsBefore == 0 && strings.Contains(p.Path, "projects?") {
			list = p
			break
		}
	}
	if list == nil {
		return fmt.Errorf("no project list to load")
	}
	u := rn.users[model.RoleDistrictReviewer]
	h := rn.headers(u, list.Via)
	res := Rising(ctx, rn.o.Rates, PageP95MS, func(rate int) Summary {
		rn.o.logf("%s: 50-row list at %d req/s", rn.dialect, rate)
		s := Attack(ctx, Static(rn.base, list.Path, h), rate, rn.o.Step, nil, nil)
		rest(ctx)
		return s
	})
	rn.r.Throughput = &res
	return nil
}

// rest lets the server settle between steps (connections, GC).
func rest(ctx context.Context) {
	select {
	case <-ctx.Done():
	case <-time.After(500 * time.Millisecond):
	}
}
