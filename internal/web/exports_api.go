package web

import (
	"net/http"
	"sort"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"

	"tongxin/internal/authz"
)

// Exports through the API. Every list page's export (GET /<things>/export,
// GET /admin/<things>/export) is served under /api/v1 as well, by the same
// handler with the same permission: /api/v1/<things>/export?format=xlsx|csv
// and the list's own filters. The page and the API cannot drift apart: the
// router notes each page export as it is declared (noteExport) and
// exportAPIRoutes mirrors them all, so a new page export has its API
// operation without a line of its own. The rows are streamed and scoped
// exactly as on the page (the service's list scope, in SQL); under /api/ an
// error answers JSON (errors.go) and a bearer token authenticates (bearer.go).

// pageExport is a page's export route as declared.
type pageExport struct {
	path string
	h    echo.HandlerFunc
	perm authz.Perm
}

// exportPages maps each mirrored API export path to its page's path (the
// OpenAPI document names the page; it is the same for every server).
var exportPages sync.Map

// noteExport records a page's export route (router.add calls it for every route).
func (r *router) noteExport(method, path string, h echo.HandlerFunc, p authz.Perm) {
	if method == http.MethodGet && strings.HasSuffix(path, "/export") && !strings.HasPrefix(path, "/api/") {
		r.exports = append(r.exports, pageExport{path: path, h: h, perm: p})
	}
}

// apiExportPath is the API path of a page's export: /admin/users/export →
// /api/v1/users/export, /projects/export → /api/v1/projects/export.
func apiExportPath(page string) string {
	return "/api/v1" + strings.TrimPrefix(page, "/admin")
}

// exportAPIRoutes registers the API export of every page export declared so
// far (call it after the pages' routes).
func (s *Server) exportAPIRoutes(r *router) {
	for _, e := range r.exports {
		api := apiExportPath(e.path)
		exportPages.Store(api, e.path)
		r.add(http.MethodGet, api, e.h, e.perm)
	}
	r.exports = nil
}

// ExportMirrors answers the API export paths with their page paths (tests).
func ExportMirrors() map[string]string {
	out := map[string]string{}
	exportPages.Range(func(k, v any) bool {
		out[k.(string)] = v.(string)
		return true
	})
	return out
}

// exportDoc documents a mirrored export in the OpenAPI document.
func exportDoc(key string) (apiDoc, bool) {
	method, path, _ := strings.Cut(key, " ")
	page, ok := exportPages.Load(path)
	if !ok || method != http.MethodGet {
		return apiDoc{}, false
	}
	things := strings.TrimSuffix(strings.TrimPrefix(path, "/api/v1/"), "/export")
	return apiDoc{Tag: "exports", ResponseType: exportMediaTypes,
		Summary: "Export the " + things + " list as on its page (" + page.(string) + "): the same rows, scope and columns, streamed; " +
			"takes the list's filters and sort as query parameters",
		Query: map[string]string{"format": "xlsx | csv (required; anything else answers 400)",
			"…": "the list's filters, as on its page and its GET list operation"}}, true
}

// Media types of file answers: a workbook, and an export's (xlsx or csv).
const (
	xlsxMediaType    = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	exportMediaTypes = xlsxMediaType + ",text/csv"
)

// binaryContent is the OpenAPI content of a file answer of the media types.
func binaryContent(types string) schema {
	out := schema{}
	list := strings.Split(types, ",")
	sort.Strings(list)
	for _, t := range list {
		out[t] = schema{"schema": schema{"type": "string", "format": "binary"}}
	}
	return out
}

func init() {
	for _, kind := range []string{"units", "needs", "resources", "projects"} {
		apiDocs["GET /api/v1/imports/template/"+kind+".xlsx"] = apiDoc{Tag: "imports", ResponseType: xlsxMediaType,
			Summary: "The " + kind + " import template (the columns POST /api/v1/imports reads), as on the import page (" + kind[:len(kind)-1] + ":import)"}
	}
	apiDocs["GET /api/v1/reports/pack.xlsx"] = apiDoc{Tag: "exports", ResponseType: xlsxMediaType,
		Summary: "The annual report pack (年度报表包) of a scope's year as on the report page: a sheet per breakdown and the glossary (report:export on the scope)",
		Query: map[string]string{"year": "the year (default this year)", "scope": "city | district | street | alliance | committee",
			"district_id": "district code", "street_id": "street id", "alliance_id": "alliance id", "committee_id": "committee id"}}
}
