package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"tongxin/internal/testenv"
)

// Search everywhere: grouped by kind, only what the user may read, Chinese
// words of two characters (LIKE) and of more (trigram index) alike.
func TestSearchEverywhere(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			_, w, c := reportWorld(t, d)
			find := func(q string) map[string][]string {
				t.Helper()
				res := c.Get("/search?q=" + url.QueryEscape(q))
				if res.Status != http.StatusOK {
					t.Fatalf("search %q: %d", q, res.Status)
				}
				out := map[string][]string{}
				res.Doc(t).Find("section.search-group").Each(func(_ int, s *goquery.Selection) {
					kind, _ := s.Attr("data-kind")
					s.Find("li.match-item > a").Each(func(_ int, a *goquery.Selection) { out[kind] = append(out[kind], a.Text()) })
				})
				return out
			}
			got := find("报表")
			for _, kind := range []string{"units", "alliances", "needs", "resources", "projects", "meetings"} {
				if len(got[kind]) == 0 {
					t.Errorf("no %s found for 报表: %v", kind, got)
				}
			}
			all := strings.Join(append(append(append(got["units"], got["alliances"]...), got["needs"]...), got["projects"]...), "|")
			for _, foreign := range []string{w.F.Name, "报表外区"} {
				if strings.Contains(all, foreign) {
					t.Errorf("a foreign row in the results: %s", all)
				}
			}
			// Two characters (LIKE) and four (trigram) find the same need.
			for _, q := range []string{"需求", "报表需求", "需求 报表"} {
				needs := find(q)["needs"]
				if len(needs) != 3 { // N1–N3; N4 is a draft of another owner
					t.Errorf("%q: needs %v", q, needs)
				}
			}
			// Nothing, and a too-long query.
			if res := c.Get("/search?q=" + url.QueryEscape("没有这个词")); !strings.Contains(res.Body, "没有找到") {
				t.Error("no empty state")
			}
			if res := c.Get("/search?q=" + strings.Repeat("长", 51)); res.Status != http.StatusBadRequest {
				t.Errorf("long query: %d", res.Status)
			}
			// The box is in the top bar of every page.
			if doc := c.Get("/").Doc(t); doc.Find(`form.topbar-search input[name=q]`).Length() != 1 {
				t.Error("no search box in the top bar")
			}
		})
	}
}
