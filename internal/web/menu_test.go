package web_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"image/png"
	"net/http"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"tongxin/internal/app"
	"tongxin/internal/testenv"
)

// TestMenuLightsOnePageAndTheFavicon: the left menu lights exactly one entry
// (the page's own; a project under review lights 审核队列, the page the
// reviewer came from, not 项目清单; 计数口径 does not light 报表 too), every
// page declares its icon, and /favicon.ico answers with an icon.
func TestMenuLightsOnePageAndTheFavicon(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			srv := testenv.NewServer(t, d)
			srv.FixClock(testenv.Now(t, testenv.Midyear))
			ctx := context.Background()
			if _, err := app.SeedDemo(ctx, srv.DB, srv.App.Auth, testenv.Password); err != nil {
				t.Fatal(err)
			}
			if err := srv.App.Authz.Reload(ctx); err != nil {
				t.Fatal(err)
			}
			lit := func(doc *goquery.Document) []string {
				var out []string
				doc.Find(`nav.sidebar a[aria-current="page"]`).Each(func(_ int, a *goquery.Selection) {
					out = append(out, a.AttrOr("href", ""))
				})
				return out
			}
			c := srv.Client(t)
			c.Login("reviewer", testenv.Password)
			queue := c.Get("/reviews")
			if queue.Status != http.StatusOK {
				t.Fatalf("/reviews: %d", queue.Status)
			}
			qdoc := queue.Doc(t)
			if got := lit(qdoc); len(got) != 1 || got[0] != "/reviews" {
				t.Errorf("/reviews lights %v", got)
			}
			href, ok := qdoc.Find(`table tbody a[href^="/projects/"]`).First().Attr("href")
			if !ok {
				t.Fatal("the demo's review queue is empty")
			}
			href, _, _ = strings.Cut(href, "#")
			page := c.Get(href)
			if page.Status != http.StatusOK {
				t.Fatalf("%s: %d", href, page.Status)
			}
			doc := page.Doc(t)
			if got := lit(doc); len(got) != 1 || got[0] != "/reviews" {
				t.Errorf("the project under review %s lights %v, want [/reviews]", href, got)
			}
			if crumb := doc.Find(`nav.breadcrumbs a`).First().AttrOr("href", ""); crumb != "/reviews" {
				t.Errorf("the project under review's crumb leads to %q", crumb)
			}
			// An approved project is read from the project list.
			list := c.Get("/projects?status=approved").Doc(t)
			if ap, ok := list.Find(`table tbody a[href^="/projects/"]`).First().Attr("href"); ok {
				if got := lit(c.Get(ap).Doc(t)); len(got) != 1 || got[0] != "/projects" {
					t.Errorf("the approved project %s lights %v, want [/projects]", ap, got)
				}
			} else {
				t.Error("no approved project in the demo")
			}
			counters := c.Get("/reports/counters").Doc(t)
			if got := lit(counters); len(got) != 1 || got[0] != "/reports/counters" {
				t.Errorf("/reports/counters lights %v", got)
			}
			if icons := doc.Find(`head link[rel="icon"]`).Length(); icons == 0 {
				t.Error("the page declares no icon")
			}

			fav := srv.Client(t).Get("/favicon.ico")
			if fav.Status != http.StatusOK || fav.Header.Get("Content-Type") != "image/x-icon" {
				t.Fatalf("/favicon.ico: %d %s", fav.Status, fav.Header.Get("Content-Type"))
			}
			body := []byte(fav.Body)
			if len(body) < 22 || binary.LittleEndian.Uint16(body[2:]) != 1 || binary.LittleEndian.Uint16(body[4:]) != 1 {
				t.Fatalf("/favicon.ico is not an icon file: % x", body[:min(len(body), 22)])
			}
			img, err := png.Decode(bytes.NewReader(body[binary.LittleEndian.Uint32(body[18:]):]))
			if err != nil {
				t.Fatalf("the icon's image: %v", err)
			}
			if b := img.Bounds(); b.Dx() != 32 || b.Dy() != 32 {
				t.Errorf("icon %v, want 32×32", b)
			}
			if r, _, _, a := img.At(16, 4).RGBA(); a == 0 || r < 0x8000 {
				t.Errorf("the icon's field is not the red mark: %v", img.At(16, 4))
			}
		})
	}
}

// The favicon is public, like the static files.
func init() { matrix = append(matrix, matrixRow{"GET", "/favicon.ico", nil, true}) }
