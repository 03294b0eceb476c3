package web_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"tongxin/internal/config"
	"tongxin/internal/model"
	"tongxin/internal/service"
	"tongxin/internal/testenv"
)

// TestAPISearchProfileDraft: search, the unit profile and the 立项草稿 through
// the API (bearer token and session), scoped as their pages; the progress
// report answers its author's name.
func TestAPISearchProfileDraft(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			srv := testenv.NewServer(t, d, func(c *config.Config) { c.Security.LoginRatePerIP = 1000 })
			srv.FixClock(testenv.Now(t, testenv.Midyear))
			ctx := context.Background()
			a := allianceFixture(t, srv, 310104, "搜索接口联盟", "")
			raiser := allianceFixtureMember(t, srv, a.ID, 310104).UnitID
			helper := allianceFixtureMember(t, srv, a.ID, 310104).UnitID
			foreign := allianceFixture(t, srv, 310101, "搜索接口外区联盟", "")
			foreignUnit := allianceFixtureMember(t, srv, foreign.ID, 310101).UnitID
			srv.CreateUser(t, "s_sec", model.RoleAllianceSecretary, model.DomainOf(model.DomainAlliance, a.ID))
			srv.CreateUser(t, "s_unit", model.RoleUnitContact, model.DomainOf(model.DomainUnit, helper))
			srv.CreateUser(t, "s_rev", model.RoleDistrictReviewer, "district:310104")
			secSession, sec := apiUser(t, srv, "s_sec")
			_, unit := apiUser(t, srv, "s_unit")
			_, rev := apiUser(t, srv, "s_rev")

			t.Run("search finds what the caller may read, grouped by kind", func(t *testing.T) {
				type searchResp struct {
					Q      string `json:"q"`
					Groups []struct {
						Kind  string `json:"kind"`
						Total int64  `json:"total"`
						Hits  []struct {
							ID    int64  `json:"id"`
							Title string `json:"title"`
							URL   string `json:"url"`
						} `json:"hits"`
					} `json:"groups"`
				}
				res := rev.Get("/api/v1/search?q=" + "搜索接口")
				if res.Status != http.StatusOK {
					t.Fatalf("search: %d %.300s", res.Status, res.Body)
				}
				got := decode[searchResp](t, res)
				var titles []string
				for _, g := range got.Groups {
					if g.Kind == service.SearchAlliances && g.Total != 1 {
						t.Errorf("alliances found: %d, want 1 (the other is of another district)", g.Total)
					}
					for _, h := range g.Hits {
						titles = append(titles, h.Title)
						if g.Kind == service.SearchAlliances && h.URL != fmt.Sprintf("/api/v1/alliances/%d", a.ID) {
							t.Errorf("hit url %q", h.URL)
						}
					}
				}
				if !slices.Contains(titles, a.Name) || slices.Contains(titles, foreign.Name) {
					t.Errorf("hits %v: want %q and not %q", titles, a.Name, foreign.Name)
				}
				if got := decode[searchResp](t, rev.Get("/api/v1/search?q=")); len(got.Groups) != 0 {
					t.Errorf("an empty query found %v", got.Groups)
				}
				res = rev.Get("/api/v1/search?q=" + strings.Repeat("长", 51))
				if res.Status != http.StatusBadRequest || decode[apiErr](t, res).Error.Fields["q"] == "" {
					t.Errorf("too long: %d %.200s", res.Status, res.Body)
				}
				if res := srv.Client(t).Get("/api/v1/search?q=x"); res.Status != http.StatusUnauthorized {
					t.Errorf("anonymous: %d", res.Status)
				}
			})

			t.Run("the unit profile: to who may read it, 404 to others", func(t *testing.T) {
				type profileResp struct {
					UnitID      int64             `json:"unit_id"`
					Year        int               `json:"year"`
					Values      map[string]int64  `json:"values"`
					Units       map[string]string `json:"units"`
					Memberships []struct {
						AllianceID int64 `json:"alliance_id"`
					} `json:"memberships"`
				}
				res := rev.Get(fmt.Sprintf("/api/v1/units/%d/profile?year=2026", helper))
				if res.Status != http.StatusOK {
					t.Fatalf("profile: %d %.300s", res.Status, res.Body)
				}
				got := decode[profileResp](t, res)
				if got.UnitID != helper || got.Year != 2026 || len(got.Values) == 0 || len(got.Units) != len(got.Values) ||
					len(got.Memberships) != 1 || got.Memberships[0].AllianceID != a.ID {
					t.Errorf("profile: %+v", got)
				}
				if res := unit.Get(fmt.Sprintf("/api/v1/units/%d/profile", helper)); res.Status != http.StatusOK {
					t.Errorf("its own contact: %d", res.Status)
				}
				if res := rev.Get(fmt.Sprintf("/api/v1/units/%d/profile", foreignUnit)); res.Status != http.StatusNotFound {
					t.Errorf("another district's unit: %d", res.Status)
				}
				if res := rev.Get(fmt.Sprintf("/api/v1/units/%d/profile?year=abc", helper)); res.Status != http.StatusBadRequest {
					t.Errorf("a bad year: %d", res.Status)
				}
			})

			t.Run("立项草稿 from a need with an accepted claim; refused and said why otherwise", func(t *testing.T) {
				need := listsFixtureNeed(t, srv, a.ID, 310104, raiser, "搜索接口需求", model.VisibleAlliance)
				bare := listsFixtureNeed(t, srv, a.ID, 310104, raiser, "无人认领的需求", model.VisibleAlliance)
				nid := need.ID
				cl := &model.Claim{Target: model.TargetNeed, NeedID: &nid, AllianceID: a.ID, DistrictID: 310104, ClaimantUnitID: helper,
					Quantity: 4, Status: model.ClaimAccepted}
				if err := srv.DB.CreateClaim(ctx, cl); err != nil {
					t.Fatal(err)
				}
				res := sendJSON(sec, http.MethodPost, fmt.Sprintf("/api/v1/needs/%d/project-draft", bare.ID), ``)
				if res.Status != http.StatusUnprocessableEntity || decode[apiErr](t, res).Error.Code == "" {
					t.Errorf("a need without an accepted claim: %d %.300s", res.Status, res.Body)
				}
				if res := sendJSON(unit, http.MethodPost, fmt.Sprintf("/api/v1/needs/%d/project-draft", need.ID), ``); res.Status != http.StatusForbidden {
					t.Errorf("a unit contact drafts: %d", res.Status)
				}
				res = sessionJSON(secSession, http.MethodPost, fmt.Sprintf("/api/v1/needs/%d/project-draft", need.ID), ``)
				if res.Status != http.StatusCreated {
					t.Fatalf("draft: %d %.300s", res.Status, res.Body)
				}
				p := decode[struct {
					ID         int64   `json:"id"`
					Status     string  `json:"status"`
					Title      string  `json:"title"`
					LeadUnitID int64   `json:"lead_unit_id"`
					NeedIDs    []int64 `json:"need_ids"`
				}](t, res)
				if p.Status != model.ProjectDraft || p.Title != need.Title || p.LeadUnitID != helper || !slices.Equal(p.NeedIDs, []int64{need.ID}) {
					t.Errorf("draft: %+v", p)
				}
				if loc := res.Header.Get("Location"); loc != fmt.Sprintf("/api/v1/projects/%d", p.ID) {
					t.Errorf("Location %q", loc)
				}
				if n := countRows(t, srv, fmt.Sprintf("SELECT count(*) FROM audit_log WHERE action = 'project.draft_from_need' AND object_id = '%d'", p.ID)); n != 1 {
					t.Errorf("%d audit rows", n)
				}
				res = sendJSON(sec, http.MethodPost, fmt.Sprintf("/api/v1/needs/%d/project-draft", need.ID), ``)
				if res.Status != http.StatusUnprocessableEntity {
					t.Errorf("a second draft of the need: %d %.300s", res.Status, res.Body)
				}
			})

			t.Run("a progress report answers its author's name", func(t *testing.T) {
				today := service.AllianceToday(srv.DB.Now())
				start, end := today.AddDate(0, 0, -30), today.AddDate(0, 0, 30)
				p := &model.Project{AllianceID: a.ID, DistrictID: 310104, LeadUnitID: helper, Title: "进展作者项目", Category: "care",
					Year: today.Year(), BudgetFen: 100_000, Status: model.ProjectInProgress, StartsOn: &start, EndsOn: &end}
				if err := srv.DB.CreateProject(ctx, p, []model.ProjectUnit{{UnitID: helper, Role: model.ProjectUnitLead}}, nil, nil, nil, nil); err != nil {
					t.Fatal(err)
				}
				res := sendJSON(sec, http.MethodPost, fmt.Sprintf("/api/v1/projects/%d/updates", p.ID),
					fmt.Sprintf(`{"percent":20,"text":"第一批志愿者到位","happened_on":%q}`, today.Format(time.DateOnly)))
				if res.Status != http.StatusCreated {
					t.Fatalf("update: %d %.300s", res.Status, res.Body)
				}
				got := decode[struct {
					AuthorName string `json:"author_name"`
				}](t, res)
				if got.AuthorName != "s_sec" {
					t.Errorf("author_name %q, want s_sec", got.AuthorName)
				}
				list := decode[struct {
					Items []struct {
						AuthorName string `json:"author_name"`
					} `json:"items"`
				}](t, sec.Get(fmt.Sprintf("/api/v1/projects/%d/updates", p.ID)))
				if len(list.Items) != 1 || list.Items[0].AuthorName != got.AuthorName {
					t.Errorf("the list's author %+v", list.Items)
				}
			})
		})
	}
}
