package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"tongxin/internal/model"
	"tongxin/internal/testenv"
)

func init() {
	// The suggestions are read as the need or resource is (listsRules of needs_test.go).
	for _, obj := range []string{"need", "resource"} {
		for _, tgt := range []string{"own", "foreign"} {
			one := "/" + obj + "s/{lists_" + obj + "_" + tgt + "}/matches"
			for _, path := range []string{one, "/api/v1" + one} {
				listsRules["GET "+path] = listsRule{obj, "read", tgt}
				matrix = append(matrix, matrixRow{"GET", path, nil, false})
			}
		}
	}
}

// TestMatchesPages: a need's page loads the resources that fit as a
// fragment, each with its reasons in one line; opened directly it is a page;
// the API answers the same; another district's unit gets 404.
func TestMatchesPages(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			srv := testenv.NewServer(t, d)
			w := newListsWebWorld(t, srv)
			ctx := context.Background()
			n := &model.Need{AllianceID: w.alliance.ID, DistrictID: 310104, SubmitterUnitID: w.unitA.ID, Title: "老年助餐志愿服务",
				Category: "care", ResourceKind: "volunteers", StreetID: &w.street.ID, Quantity: 20, Measure: "person_times",
				Status: model.NeedPublished, Visibility: model.VisibleAlliance}
			if err := srv.DB.CreateNeed(ctx, n); err != nil {
				t.Fatal(err)
			}
			r := listsFixtureResource(t, srv, w.alliance.ID, 310104, w.unitB.ID, "青年志愿者服务队", model.VisibleAlliance)
			r.StreetID = &w.street.ID
			if err := srv.DB.UpdateResource(ctx, r, r.Version, r.Status); err != nil {
				t.Fatal(err)
			}

			req, err := http.NewRequest(http.MethodGet, w.secretary.URL(fmt.Sprintf("/needs/%d/matches", n.ID)), nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("HX-Request", "true")
			frag := w.secretary.Do(req)
			if frag.Status != http.StatusOK || strings.Contains(frag.Body, "<html") {
				t.Fatalf("fragment: %d %.300s", frag.Status, frag.Body)
			}
			items := frag.Doc(t).Find(".match-item")
			if items.Length() != 1 || !strings.Contains(items.Text(), "青年志愿者服务队") {
				t.Fatalf("suggestions: %q", items.Text())
			}
			reasons := items.Find(".match-reasons").Text()
			for _, want := range []string{"资源类型相符（志愿者）", "同一街镇（凌云路街道）", "剩余 10 人次"} {
				if !strings.Contains(reasons, want) {
					t.Errorf("reasons %q lack %q", reasons, want)
				}
			}
			if page := w.secretary.Get(fmt.Sprintf("/needs/%d/matches", n.ID)); page.Status != http.StatusOK || !strings.Contains(page.Body, "<html") {
				t.Errorf("page: %d", page.Status)
			}
			back := w.secretary.Get(fmt.Sprintf("/resources/%d/matches", r.ID))
			if !strings.Contains(back.Doc(t).Find(".match-item").Text(), "老年助餐志愿服务") {
				t.Errorf("needs for the resource: %q", back.Doc(t).Find(".match-item").Text())
			}

			api := w.contact.Get(fmt.Sprintf("/api/v1/needs/%d/matches", n.ID))
			var body struct {
				Items []struct {
					ID       int64  `json:"id"`
					KindFits bool   `json:"kind_fits"`
					Reasons  string `json:"reasons"`
				} `json:"items"`
			}
			if err := json.Unmarshal([]byte(api.Body), &body); err != nil || api.Status != http.StatusOK {
				t.Fatalf("api: %d %v %.200s", api.Status, err, api.Body)
			}
			if len(body.Items) != 1 || body.Items[0].ID != r.ID || !body.Items[0].KindFits || body.Items[0].Reasons == "" {
				t.Errorf("api items: %+v", body.Items)
			}
			if res := w.foreign.Get(fmt.Sprintf("/needs/%d/matches", n.ID)); res.Status != http.StatusNotFound {
				t.Errorf("foreign unit: %d", res.Status)
			}
		})
	}
}
