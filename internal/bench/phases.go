package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"tongxin/internal/model"
	"tongxin/internal/store"
)

// exports downloads the whole project list as the city reader (see cityReader), in
// csv and xlsx, through the export route of the running server, and reads
// the server's peak memory around each (VmHWM, reset before).
func (rn *run) exports(ctx context.Context) error {
	city := rn.users[roleCity]
	total, err := rn.apiList(ctx, city, "/api/v1/projects?limit=1")
	if err != nil {
		return err
	}
	pid := rn.server.Process.Pid
	// The API's total stops counting at its cap (10,000): the csv's lines
	// give the exact count, which the xlsx (same list) shares.
	rows := total.Total
	for _, format := range []string{"csv", "xlsx"} {
		e := ExportResult{Format: format, Rows: rows}
		time.Sleep(time.Second) // let the server settle after the previous phase
		if err := ResetPeak(pid); err != nil {
			rn.problem("reset the server's peak memory: %v", err)
		}
		e.BaseMB, _ = RSS(pid)
		t := time.Now()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, rn.base+"/projects/export?format="+format, nil)
		res, err := city.client.Do(req)
		if err != nil {
			e.Error = err.Error()
			rn.r.Exports = append(rn.r.Exports, e)
			continue
		}
		cw := &lineCounter{}
		n, err := io.Copy(cw, res.Body)
		res.Body.Close()
		e.Seconds = round(time.Since(t).Seconds(), 3)
		_, e.PeakMB = RSS(pid)
		e.Bytes = n
		switch {
		case err != nil:
			e.Error = err.Error()
		case res.StatusCode != http.StatusOK:
			e.Error = fmt.Sprintf("answered %d", res.StatusCode)
		case format == "csv":
			e.Rows = cw.lines - 1 // the header
			rows = e.Rows
		}
		rn.r.Exports = append(rn.r.Exports, e)
	}
	return nil
}

type lineCounter struct{ lines int64 }

func (c *lineCounter) Write(p []byte) (int, error) {
	c.lines += int64(bytes.Count(p, []byte{'\n'}))
	return len(p), nil
}

// importRows times an import of the rows ImportFile wrote, by the tongxin
// command (a process of its own beside the running server, on the same
// database), and counts the rows it added.
func (rn *run) importRows(ctx context.Context) error {
	if rn.o.ImportFile == nil {
		return nil
	}
	job, err := rn.o.ImportFile(rn.tmp)
	if err != nil {
		return err
	}
	im := &ImportResult{Kind: job.Kind}
	rn.r.Import = im
	before, err := rn.probe.DB.CountRows(ctx, job.Table)
	if err != nil {
		return err
	}
	t := time.Now()
	out, err := rn.child(ctx, job.Args...)
	im.Seconds = round(time.Since(t).Seconds(), 2)
	after, cerr := rn.probe.DB.CountRows(ctx, job.Table)
	im.Rows = after - before
	im.RowsPerSec = round(float64(im.Rows)/max(im.Seconds, 1e-9), 0)
	switch {
	case err != nil:
		im.Error = err.Error()
	case cerr != nil:
		im.Error = cerr.Error()
	case im.Rows != int64(job.Rows):
		im.Error = fmt.Sprintf("%d of %d rows imported: %s", im.Rows, job.Rows, strings.TrimSpace(out))
	}
	return nil
}

// casbin reads the most checks a measured request made, and times one
// uncached check on the in-process authorizer (the city's assignments).
func (rn *run) casbin(ctx context.Context) error {
	c := &CasbinResult{}
	for _, p := range rn.r.Pages {
		if !p.NotBuilt && p.Error == "" && p.Checks >= c.MaxChecks {
			c.MaxChecks, c.Page = p.Checks, p.Name
		}
	}
	n, err := rn.probe.DB.CountRows(ctx, "role_assignments")
	if err != nil {
		return err
	}
	c.Rules = int(n)
	rev := rn.users[model.RoleDistrictReviewer]
	c.CheckUS = CheckTime(rn.probe.Authz, rev.id, rev.Domain, "project", "read")
	rn.r.Casbin = c
	return nil
}

// planVariant is one filter of a page whose statements get EXPLAINed.
type planVariant struct {
	page, variant, role, path string
}

// plans runs EXPLAIN (FORMAT JSON) on every read statement of each page's
// common filters (Postgres only), through the in-process probe.
func (rn *run) plans(ctx context.Context) error {
	if rn.dialect != store.Postgres {
		return nil
	}
	rev, sec, city := rn.users[model.RoleDistrictReviewer], rn.users[model.RoleAllianceSecretary], rn.users[roleCity]
	var variants []planVariant
	for _, p := range rn.r.Pages {
		if p.NotBuilt || p.Error != "" {
			continue
		}
		role := ""
		for r, u := range rn.users {
			if u.Username == p.User {
				role = r
			}
		}
		v := "as measured"
		if p.RowsBefore > 0 {
			v = fmt.Sprintf("deep page (after %d rows)", p.RowsBefore)
		}
		variants = append(variants, planVariant{p.Name, v, role, p.Path})
	}
	// More of the lists' common filters.
	_, district, _ := model.ParseDomain(rev.Domain)
	projects, err := rn.apiList(ctx, city, "/api/v1/projects?limit=20")
	if err != nil {
		return err
	}
	word := firstWord(projects.Items, "title")
	needs, err := rn.apiList(ctx, sec, "/api/v1/needs?limit=20")
	if err != nil {
		return err
	}
	needWord, category := firstWord(needs.Items, "title"), mostCommon(needs.Items, "category")
	more := []planVariant{
		{"project list", "status in progress", model.RoleDistrictReviewer, "/projects?status=" + model.ProjectInProgress + "&limit=50"},
		{"project list", "district filter (city reader)", roleCity, fmt.Sprintf("/projects?district_id=%d&limit=50", district)},
		{"project list", "submitted, oldest due first", model.RoleDistrictReviewer, "/projects?status=" + model.ProjectSubmitted + "&limit=50"},
		{"needs list", "all statuses", model.RoleAllianceSecretary, "/needs?limit=50"},
		{"needs list", "category", model.RoleAllianceSecretary, "/needs?category=" + url.QueryEscape(category) + "&limit=50"},
		{"claims", "我的认领", model.RoleUnitContact, "/claims?view=mine&limit=50"},
	}
	if word != "" {
		more = append(more, planVariant{"project list", "text " + word, roleCity, "/projects?q=" + url.QueryEscape(word) + "&limit=50"})
	}
	if needWord != "" {
		more = append(more, planVariant{"needs list", "text " + needWord, model.RoleAllianceSecretary, "/needs?q=" + url.QueryEscape(needWord) + "&limit=50"})
	}
	for _, v := range more {
		if rn.r.Pages[0].Via == "api" && v.page == "project list" {
			v.path = apiPath(v.path)
		}
		variants = append(variants, v)
	}
	for _, v := range variants {
		u := rn.users[v.role]
		h := u.header
		if len(v.path) > 5 && v.path[:5] == "/api/" {
			h = rn.headers(u, "api")
		}
		stmts, _, err := rn.inProcess(ctx, v.path, h)
		if err != nil {
			rn.problem("plans of %s %s: %v", v.page, v.variant, err)
			continue
		}
		pp := PagePlans{Page: v.page, Variant: v.variant, Path: v.path}
		for _, st := range stmts {
			if Explainable(st) {
				pp.Plans = append(pp.Plans, Explain(ctx, rn.probe.DB.SQL(), st))
			}
		}
		rn.r.Plans = append(rn.r.Plans, pp)
	}
	return nil
}

// firstWord returns the first three characters of a text field of the
// first item that has them (a trigram index serves three and more).
func firstWord(items []json.RawMessage, field string) string {
	for _, raw := range items {
		var m map[string]any
		if json.Unmarshal(raw, &m) != nil {
			continue
		}
		s, _ := m[field].(string)
		if utf8.RuneCountInString(s) >= 3 {
			return string([]rune(s)[:3])
		}
	}
	return ""
}
