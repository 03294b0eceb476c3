package web_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"tongxin/internal/store"
	"tongxin/internal/testenv"
	"tongxin/internal/web"
)

// TestOpenAPICoversEveryRoute: every registered /api/v1 route is documented
// and appears in the served document with its method.
func TestOpenAPICoversEveryRoute(t *testing.T) {
	srv := testenv.NewServer(t, store.SQLite)
	res := srv.Client(t).Get("/api/v1/openapi.json")
	if res.Status != http.StatusOK {
		t.Fatalf("openapi.json: %d", res.Status)
	}
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal([]byte(res.Body), &doc); err != nil || !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("not an OpenAPI 3 document: %v", err)
	}
	n := 0
	for key := range srv.App.Web.Perms() {
		method, path, _ := strings.Cut(key, " ")
		if !strings.HasPrefix(path, "/api/v1/") {
			continue
		}
		n++
		if !web.APIDocumented(key) {
			t.Errorf("%s has no entry in apiDocs (internal/web/openapi.go)", key)
		}
		oa := path
		for _, seg := range strings.Split(path, "/") {
			if strings.HasPrefix(seg, ":") {
				oa = strings.Replace(oa, seg, "{"+seg[1:]+"}", 1)
			}
		}
		if _, ok := doc.Paths[oa][strings.ToLower(method)]; !ok {
			t.Errorf("%s %s is missing from /api/v1/openapi.json", method, oa)
		}
	}
	if n < 5 {
		t.Fatalf("only %d API routes found", n)
	}
}
