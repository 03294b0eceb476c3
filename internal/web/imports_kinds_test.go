package web_test

import (
	"net/http"
	"strings"
	"testing"

	"tongxin/internal/model"
	"tongxin/internal/testenv"
)

// TestImportKindsFollowTheirRight: the new-import page of a kind opens for
// whoever holds that kind's import right, and offers the targets of that
// right: a district reviewer imports projects into the district's alliances
// and no units.
func TestImportKindsFollowTheirRight(t *testing.T) {
	srv := testenv.NewServer(t, testenv.Dialects[0])
	al := allianceFixture(t, srv, 310104, "导入目标联盟", "")
	srv.CreateUser(t, "rev", model.RoleDistrictReviewer, "district:310104")
	c := srv.Client(t)
	c.Login("rev", testenv.Password)
	if res := c.Get("/imports/new?kind=units"); res.Status != http.StatusForbidden {
		t.Errorf("units: %d", res.Status)
	}
	res := c.Get("/imports/new?kind=projects")
	if res.Status != http.StatusOK {
		t.Fatalf("projects: %d", res.Status)
	}
	// One target: shown read-only by name.
	if v, _ := res.Doc(t).Find(`#domain`).Attr("value"); !strings.Contains(v, al.Name) {
		t.Errorf("target: %q", v)
	}
	list := c.Get("/imports").Doc(t)
	if href, _ := list.Find(".page-actions a").Attr("href"); href != "/imports/new?kind=projects" {
		t.Errorf("new-import button: %q", href)
	}
}

// TestImportHelpSaysWhatARowIs: each kind's upload page says what one row
// of that kind is (每行一条需求, not 每行一家单位 for needs), on both databases.
func TestImportHelpSaysWhatARowIs(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			srv := testenv.NewServer(t, d)
			al := allianceFixture(t, srv, 310104, "导入说明联盟", "")
			srv.CreateUser(t, "imp_sec", model.RoleAllianceSecretary, model.DomainOf(model.DomainAlliance, al.ID))
			c := srv.Client(t)
			c.Login("imp_sec", testenv.Password)
			for kind, row := range map[string]string{"units": "每行一家单位", "needs": "每行一条需求", "resources": "每行一项资源", "projects": "每行一个项目"} {
				res := c.Get("/imports/new?kind=" + kind)
				if res.Status != http.StatusOK {
					t.Errorf("%s: %d", kind, res.Status)
					continue
				}
				body := res.Doc(t).Find("#main").Text()
				if !strings.Contains(body, row) {
					t.Errorf("the %s import's help does not say %s", kind, row)
				}
				for other, w := range map[string]string{"units": "每行一家单位", "needs": "每行一条需求", "resources": "每行一项资源", "projects": "每行一个项目"} {
					if other != kind && strings.Contains(body, w) {
						t.Errorf("the %s import's help says %s", kind, w)
					}
				}
			}
		})
	}
}
