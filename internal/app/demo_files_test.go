package app_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"tongxin/internal/app"
	"tongxin/internal/testenv"
)

// TestSeedDemoFiles: the demo's submitted and returned projects get their
// 申报材料 in the server's upload directory; the reviewer sees the submitted
// project's file in the review queue and opens it; the secretary sees the
// written consent on the returned project; a second run attaches nothing.
func TestSeedDemoFiles(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			srv := testenv.NewServer(t, d)
			ctx := context.Background()
			if _, err := app.SeedDemo(ctx, srv.DB, srv.App.Auth, testenv.Password); err != nil {
				t.Fatal(err)
			}
			for run, want := range []int{2, 0} {
				n, err := app.SeedDemoFiles(ctx, srv.DB, srv.App.Log, srv.App.Config.UploadDir)
				if err != nil || n != want {
					t.Fatalf("run %d: %d files attached, %v; want %d", run, n, err, want)
				}
			}
			if err := srv.App.Authz.Reload(ctx); err != nil { // the demo's roles
				t.Fatal(err)
			}
			var apps int
			if err := srv.DB.SQL().QueryRow(`SELECT count(*) FROM attachments a JOIN projects p ON p.id = a.owner_id AND a.owner_kind = 'project'
				WHERE a.purpose = 'application' AND p.status IN ('submitted', 'returned')`).Scan(&apps); err != nil || apps != 2 {
				t.Fatalf("application files: %d %v", apps, err)
			}

			reviewer := srv.Client(t)
			reviewer.Login("reviewer", testenv.Password)
			queue := reviewer.Get("/reviews")
			if queue.Status != 200 {
				t.Fatalf("/reviews: %d", queue.Status)
			}
			href := ""
			queue.Doc(t).Find(`.review-files a[href*="/attachments/"]`).Each(func(_ int, a *goquery.Selection) {
				if strings.Contains(a.Text(), "法律咨询服务实施方案.pdf") {
					href, _ = a.Attr("href")
				}
			})
			if href == "" {
				t.Fatalf("the queue lists no 申报材料 of the submitted project:\n%.2000s", queue.Doc(t).Find("main").Text())
			}
			file := reviewer.Get(href)
			if file.Status != 200 || !strings.HasPrefix(file.Body, "%PDF-") {
				t.Fatalf("%s for the reviewer: %d %q", href, file.Status, file.Header.Get("Content-Type"))
			}

			secretary := srv.Client(t)
			secretary.Login("secretary", testenv.Password)
			var returned int64
			if err := srv.DB.SQL().QueryRow(`SELECT id FROM projects WHERE status = 'returned'`).Scan(&returned); err != nil {
				t.Fatal(err)
			}
			page := secretary.Get(fmt.Sprint("/projects/", returned))
			if page.Status != 200 || !strings.Contains(page.Doc(t).Find("#files").Text(), "商业广场书面同意.pdf") {
				t.Errorf("the returned project's files lack the written consent: %d", page.Status)
			}
		})
	}
}
