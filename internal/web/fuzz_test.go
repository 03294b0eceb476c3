package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"tongxin/internal/model"
	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

// fuzzScene is a server with an alliance, two member units, a published
// need and a logged-in alliance secretary, whose requests the fuzz targets
// send straight to the handler (no network). Built with the *testing.F, it
// lives for the whole fuzzing run of a worker.
type fuzzScene struct {
	srv     *testenv.Server
	cookie  string
	csrf    string
	need    int64
	alliOne int64
	unit    int64
}

func newFuzzScene(f *testing.F) *fuzzScene {
	f.Helper()
	srv := testenv.NewServer(f, store.SQLite)
	ctx := context.Background()
	a := &model.Alliance{Name: "模糊测试联盟", Kind: "regional", Level: model.LevelDistrict, DistrictID: 310104, Status: model.StatusActive}
	if err := srv.DB.CreateAlliance(ctx, a); err != nil {
		f.Fatal(err)
	}
	var units []int64
	for _, name := range []string{"模糊测试单位甲", "模糊测试单位乙"} {
		u := &model.Unit{Name: name, Kind: "gov", DistrictID: 310104, Status: model.StatusActive}
		if err := srv.DB.CreateUnit(ctx, u); err != nil {
			f.Fatal(err)
		}
		m := &model.Membership{AllianceID: a.ID, UnitID: u.ID, Rank: model.RankMember, JoinedOn: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
		if err := srv.DB.CreateMembership(ctx, m); err != nil {
			f.Fatal(err)
		}
		units = append(units, u.ID)
	}
	n := &model.Need{AllianceID: a.ID, DistrictID: 310104, SubmitterUnitID: units[0], Title: "模糊测试需求", Category: "environment",
		Quantity: 1000000, Measure: "person_times", Visibility: model.VisibleAlliance, Status: model.NeedPublished}
	if err := srv.DB.CreateNeed(ctx, n); err != nil {
		f.Fatal(err)
	}
	srv.CreateUser(f, "fuzzsec", model.RoleAllianceSecretary, model.DomainOf(model.DomainAlliance, a.ID))
	c := srv.Client(f)
	c.Login("fuzzsec", testenv.Password)
	csrf := c.CSRFCookie()
	return &fuzzScene{srv: srv, cookie: "tongxin_session=" + c.Cookie("tongxin_session") + "; tongxin_csrf=" + csrf,
		csrf: csrf, need: n.ID, alliOne: a.ID, unit: units[1]}
}

// do sends one request through the router and fails on any 5xx.
func (s *fuzzScene) do(t *testing.T, method, target, contentType, body string) int {
	req := httptest.NewRequest(method, "http://tongxin.test/", strings.NewReader(body))
	// The target as sent on the wire, whatever bytes it holds.
	req.URL = &url.URL{Path: target}
	if p, q, ok := strings.Cut(target, "?"); ok {
		req.URL = &url.URL{Path: p, RawQuery: q}
	}
	req.RequestURI = ""
	req.Header.Set("Cookie", s.cookie)
	req.Header.Set("X-CSRF-Token", s.csrf)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	s.srv.App.Web.Handler().ServeHTTP(rec, req)
	if rec.Code >= 500 {
		t.Fatalf("%s %q with %q: %d %.400s", method, target, body, rec.Code, rec.Body.String())
	}
	return rec.Code
}

// FuzzFormDecoding posts arbitrary bodies to the need, claim and project
// forms: the forms' decoding and validation never panic and never answer
// a 5xx.
func FuzzFormDecoding(f *testing.F) {
	s := newFuzzScene(f)
	f.Add(uint8(0), fmt.Sprintf("alliance_id=%d&submitter_unit_id=%d&title=%%E5%%8A%%A0%%E8%%A3%%85&category=housing_renewal&quantity=6&measure=sessions&beneficiaries=12&wanted_by=2030-01-01&visibility=alliance", s.alliOne, s.unit))
	f.Add(uint8(1), fmt.Sprintf("claimant_unit_id=%d&quantity=1&note=x", s.unit))
	f.Add(uint8(2), fmt.Sprintf("alliance_id=%d&lead_unit_id=%d&title=t&category=housing_renewal&year=2026&budget=1%%2C000.50&target_beneficiaries=2%%2C147%%2C483%%2C647&unit_id=%d&unit_role=partner&funding_source=district_fund&funding_amount=12.3", s.alliOne, s.unit, s.unit))
	f.Add(uint8(0), "quantity=-1&beneficiaries=99999999999999999999&wanted_by=2026-02-30")
	f.Add(uint8(2), "year=1e3&budget=%E4%B8%87&target_beneficiaries=%EF%BC%91&funding_amount=1&funding_amount=2")
	f.Add(uint8(1), "claimant_unit_id=0x10&quantity=9223372036854775808")
	f.Fuzz(func(t *testing.T, which uint8, body string) {
		paths := []string{"/needs", fmt.Sprintf("/needs/%d/claim", s.need), "/projects"}
		s.do(t, http.MethodPost, paths[int(which)%len(paths)], "application/x-www-form-urlencoded", body+"&csrf_token="+url.QueryEscape(s.csrf))
	})
}

// FuzzJSONDecoding posts arbitrary bodies to the API's need, claim and
// project creation: never a panic, never a 5xx.
func FuzzJSONDecoding(f *testing.F) {
	s := newFuzzScene(f)
	f.Add(uint8(0), fmt.Sprintf(`{"alliance_id":%d,"submitter_unit_id":%d,"title":"x","category":"housing_renewal","quantity":5,"measure":"sessions","visibility":"alliance"}`, s.alliOne, s.unit))
	f.Add(uint8(1), fmt.Sprintf(`{"target":"need","need_id":%d,"claimant_unit_id":%d,"quantity":1}`, s.need, s.unit))
	f.Add(uint8(2), fmt.Sprintf(`{"alliance_id":%d,"lead_unit_id":%d,"title":"t","category":"housing_renewal","year":2026,"budget_fen":100,"funding":[{"source":"district_fund","amount_fen":50}],"target_beneficiaries":2147483647}`, s.alliOne, s.unit))
	f.Add(uint8(2), `{"target_beneficiaries":2147483648,"units":[{"unit_id":-1}],"funding":null}`)
	f.Add(uint8(0), `{"title":"\u0000","quantity":1e309}`)
	f.Add(uint8(1), `[1,2,3]`)
	f.Add(uint8(1), `{"quantity":9223372036854775808}`)
	f.Add(uint8(0), `{"a":`)
	f.Fuzz(func(t *testing.T, which uint8, body string) {
		paths := []string{"/api/v1/needs", "/api/v1/claims", "/api/v1/projects"}
		s.do(t, http.MethodPost, paths[int(which)%len(paths)], "application/json", body)
	})
}

// FuzzSearchQuery sends arbitrary search queries to the search page and
// the API, and to a list's q filter: never a 5xx.
func FuzzSearchQuery(f *testing.F) {
	s := newFuzzScene(f)
	for _, q := range []string{"电梯", "x\x00y", `"`, `"unterminated`, "a OR b", "NEAR(a b)", "*", "-", "'; DROP TABLE needs; --", "%", "_", `\`, "模糊 测试", strings.Repeat("长", 300)} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, q string) {
		e := url.QueryEscape(q)
		s.do(t, http.MethodGet, "/search?q="+e, "", "")
		s.do(t, http.MethodGet, "/api/v1/search?q="+e, "", "")
		s.do(t, http.MethodGet, "/api/v1/needs?q="+e, "", "")
	})
}

// FuzzListCursor sends arbitrary keyset cursors (after=) and sorts to lists
// sorted by text, time and number: a bad cursor is a 400, never a 5xx.
func FuzzListCursor(f *testing.F) {
	s := newFuzzScene(f)
	for _, c := range []string{"", "eyJrIjoiY3JlYXRlZF9hdCIsInYiOiIyMDI2LTAxLTAxVDAwOjAwOjAwWiIsImkiOjF9", "eyJrIjoidGl0bGUiLCJ2IjoieCIsImkiOjF9",
		"eyJrIjoiaWQiLCJ2IjoxZTMwMCwiaSI6MX0", "!!!", "eyJ9", "eyJrIjoiY3JlYXRlZF9hdCIsInYiOjEsImkiOi0xfQ"} {
		f.Add(c, "created_at")
	}
	f.Add("eyJrIjoidGl0bGUiLCJ2IjoxMjMsImkiOjF9", "title")
	f.Fuzz(func(t *testing.T, after, sort string) {
		q := "?after=" + url.QueryEscape(after) + "&sort=" + url.QueryEscape(sort)
		for _, p := range []string{"/api/v1/needs", "/api/v1/claims", "/api/v1/projects", "/needs"} {
			s.do(t, http.MethodGet, p+q, "", "")
		}
	})
}
