package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"tongxin/internal/config"
	"tongxin/internal/model"
	"tongxin/internal/service"
	"tongxin/internal/testenv"
)

type annualResp struct {
	Meeting struct {
		ID      int64 `json:"id"`
		Version int   `json:"version"`
	} `json:"meeting"`
	Review struct {
		Year      int             `json:"year"`
		Figures   map[string]any  `json:"figures"`
		Confirmed *map[string]any `json:"confirmed"`
	} `json:"review"`
	Projects []struct {
		ID     int64 `json:"id"`
		Signed bool  `json:"signed"`
	} `json:"projects"`
	Sections map[string][]int64 `json:"sections"`
}

type packResp struct {
	Confirmed      bool                     `json:"confirmed"`
	SignedProjects []struct{ ID int64 }     `json:"signed_projects"`
	AnnouncedTerms []struct{ ID int64 }     `json:"announced_terms"`
	Letters        []struct{ UnitID int64 } `json:"letters"`
	Resolutions    []string                 `json:"resolutions"`
}

// TestAPIAnnualMeeting: the annual meeting's review, sections and pack
// through the API, with a token and with a session, as the meeting page
// sets them: the version is required (400) and checked (409), each save is
// audited, readers read, others are refused.
func TestAPIAnnualMeeting(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			srv := testenv.NewServer(t, d, func(c *config.Config) { c.Security.LoginRatePerIP = 1000 })
			ctx := context.Background()
			a := allianceFixture(t, srv, 310104, "年会接口联盟", "")
			lead := allianceFixtureMember(t, srv, a.ID, 310104).UnitID
			other := allianceFixture(t, srv, 310104, "另一个联盟", "")
			m := govMeeting(t, srv, a.ID, 310104)
			term := govTerm(t, srv, a.ID, 310104) // after the meeting: announced at it
			p := projectFixture(t, srv, a.ID, 310104, lead, model.ProjectApproved)
			draft := projectFixture(t, srv, a.ID, 310104, lead, model.ProjectDraft) // a candidate never signed
			// Projects of the meeting's year are candidates to sign.
			if _, err := srv.DB.SQL().ExecContext(ctx, fmt.Sprintf("UPDATE projects SET year = %d WHERE id IN (%d, %d)", m.Year, p.ID, draft.ID)); err != nil {
				t.Fatal(err)
			}
			foreignP := projectFixture(t, srv, other.ID, 310104, allianceFixtureMember(t, srv, other.ID, 310104).UnitID, model.ProjectApproved)
			srv.CreateUser(t, "n_sec", model.RoleAllianceSecretary, model.DomainOf(model.DomainAlliance, a.ID))
			srv.CreateUser(t, "n_rev", model.RoleDistrictReviewer, "district:310104")
			srv.CreateUser(t, "n_other", model.RoleAllianceSecretary, model.DomainOf(model.DomainAlliance, other.ID))
			secSession, sec := apiUser(t, srv, "n_sec")
			_, rev := apiUser(t, srv, "n_rev")
			_, oth := apiUser(t, srv, "n_other")
			base := fmt.Sprintf("/api/v1/meetings/%d", m.ID)

			res := sec.Get(base + "/annual")
			if res.Status != http.StatusOK {
				t.Fatalf("annual: %d %.300s", res.Status, res.Body)
			}
			an := decode[annualResp](t, res)
			if an.Review.Year != m.Year-1 || an.Review.Confirmed != nil || an.Review.Figures == nil {
				t.Errorf("review before confirming: %+v", an.Review)
			}
			if len(an.Sections[service.SectionSigned]) != 0 || an.Sections[service.SectionTerms] == nil {
				t.Errorf("sections before saving: %v", an.Sections)
			}
			if !slices.ContainsFunc(an.Projects, func(x struct {
				ID     int64 `json:"id"`
				Signed bool  `json:"signed"`
			}) bool {
				return x.ID == p.ID
			}) {
				t.Errorf("the secretary's candidates lack the alliance's project %d: %+v", p.ID, an.Projects)
			}
			if len(an.Projects) != 2 {
				t.Errorf("the secretary's candidates: %+v, want the two projects of the year", an.Projects)
			}
			v := an.Meeting.Version

			t.Run("the review: version required, checked, then confirmed and audited", func(t *testing.T) {
				res := sendJSON(sec, http.MethodPost, base+"/review", `{}`)
				if res.Status != http.StatusBadRequest || decode[apiErr](t, res).Error.Fields["version"] == "" {
					t.Fatalf("no version: %d %.300s", res.Status, res.Body)
				}
				if res := sendJSON(sec, http.MethodPost, base+"/review", fmt.Sprintf(`{"version":%d}`, v+7)); res.Status != http.StatusConflict {
					t.Fatalf("stale version: %d %.300s", res.Status, res.Body)
				}
				if n := countRows(t, srv, "SELECT count(*) FROM audit_log WHERE action = 'meeting.review_confirm'"); n != 0 {
					t.Fatalf("refused calls audited %d rows", n)
				}
				res = sendJSON(sec, http.MethodPost, base+"/review", fmt.Sprintf(`{"version":%d}`, v))
				if res.Status != http.StatusOK {
					t.Fatalf("confirm: %d %.300s", res.Status, res.Body)
				}
				got := decode[annualResp](t, res)
				if got.Review.Confirmed == nil || got.Meeting.Version != v+1 {
					t.Errorf("after confirming: confirmed %v, version %d (was %d)", got.Review.Confirmed, got.Meeting.Version, v)
				}
				v = got.Meeting.Version
				if n := countRows(t, srv, "SELECT count(*) FROM audit_log WHERE action = 'meeting.review_confirm'"); n != 1 {
					t.Errorf("%d audit rows, want 1", n)
				}
			})

			t.Run("sections: signed projects and announced terms, with a token and with a session", func(t *testing.T) {
				res := sendJSON(sec, http.MethodPost, base+"/annual/signed", fmt.Sprintf(`{"version":%d,"ids":[%d]}`, v, p.ID))
				if res.Status != http.StatusOK {
					t.Fatalf("signed: %d %.300s", res.Status, res.Body)
				}
				got := decode[annualResp](t, res)
				if !slices.Equal(got.Sections[service.SectionSigned], []int64{p.ID}) || got.Meeting.Version != v+1 {
					t.Errorf("signed section %v, version %d", got.Sections, got.Meeting.Version)
				}
				// The same version again is stale now: the meeting changed.
				if res := sendJSON(sec, http.MethodPost, base+"/annual/signed", fmt.Sprintf(`{"version":%d,"ids":[]}`, v)); res.Status != http.StatusConflict {
					t.Errorf("stale section save: %d", res.Status)
				}
				v = got.Meeting.Version
				pj := decode[struct {
					SignedMeetingID *int64 `json:"signed_meeting_id"`
				}](t, sec.Get(fmt.Sprintf("/api/v1/projects/%d", p.ID)))
				if pj.SignedMeetingID == nil || *pj.SignedMeetingID != m.ID {
					t.Errorf("the project's signed_meeting_id %v, want %d", pj.SignedMeetingID, m.ID)
				}
				res = sessionJSON(secSession, http.MethodPost, base+"/annual/terms", fmt.Sprintf(`{"version":%d,"ids":[%d]}`, v, term.ID))
				if res.Status != http.StatusOK {
					t.Fatalf("terms with a session: %d %.300s", res.Status, res.Body)
				}
				got = decode[annualResp](t, res)
				if !slices.Equal(got.Sections[service.SectionTerms], []int64{term.ID}) {
					t.Errorf("terms section %v", got.Sections)
				}
				v = got.Meeting.Version
				if n := countRows(t, srv, "SELECT count(*) FROM audit_log WHERE action IN ('meeting.projects_signed', 'meeting.terms_announced')"); n != 2 {
					t.Errorf("%d audit rows of sections, want 2", n)
				}
			})

			t.Run("a section refuses what is not the alliance's, an unknown section and a missing list", func(t *testing.T) {
				res := sendJSON(sec, http.MethodPost, base+"/annual/signed", fmt.Sprintf(`{"version":%d,"ids":[%d]}`, v, foreignP.ID))
				if res.Status != http.StatusBadRequest || decode[apiErr](t, res).Error.Fields["ids"] == "" {
					t.Errorf("another alliance's project: %d %.300s", res.Status, res.Body)
				}
				res = sendJSON(sec, http.MethodPost, base+"/annual/nonsense", fmt.Sprintf(`{"version":%d,"ids":[]}`, v))
				if res.Status != http.StatusBadRequest || decode[apiErr](t, res).Error.Fields["section"] == "" {
					t.Errorf("unknown section: %d %.300s", res.Status, res.Body)
				}
				res = sendJSON(sec, http.MethodPost, base+"/annual/signed", fmt.Sprintf(`{"version":%d}`, v))
				if res.Status != http.StatusBadRequest || decode[apiErr](t, res).Error.Fields["ids"] == "" {
					t.Errorf("no ids: %d %.300s", res.Status, res.Body)
				}
			})

			t.Run("the pack, as JSON and as the workbook", func(t *testing.T) {
				res := sec.Get(base + "/pack")
				if res.Status != http.StatusOK {
					t.Fatalf("pack: %d %.300s", res.Status, res.Body)
				}
				pk := decode[packResp](t, res)
				if !pk.Confirmed || len(pk.SignedProjects) != 1 || pk.SignedProjects[0].ID != p.ID || len(pk.AnnouncedTerms) != 1 ||
					pk.AnnouncedTerms[0].ID != term.ID || pk.Resolutions == nil || pk.Letters == nil {
					t.Errorf("pack: %+v", pk)
				}
				x := sec.Get(base + "/pack.xlsx")
				if x.Status != http.StatusOK || !strings.HasPrefix(x.Body, "PK") || !strings.Contains(x.Header.Get("Content-Type"), "spreadsheetml") {
					t.Errorf("pack.xlsx: %d %q", x.Status, x.Header.Get("Content-Type"))
				}
			})

			t.Run("a reader reads what the meeting recorded; others are refused", func(t *testing.T) {
				res := rev.Get(base + "/annual")
				if res.Status != http.StatusOK {
					t.Fatalf("reviewer reads: %d", res.Status)
				}
				got := decode[annualResp](t, res)
				if len(got.Projects) != 1 || got.Projects[0].ID != p.ID || !got.Projects[0].Signed {
					t.Errorf("the reader sees %+v, want only the signed project %d (not the draft %d)", got.Projects, p.ID, draft.ID)
				}
				if res := sendJSON(rev, http.MethodPost, base+"/review", fmt.Sprintf(`{"version":%d}`, v)); res.Status != http.StatusForbidden {
					t.Errorf("reviewer confirms: %d", res.Status)
				}
				for _, path := range []string{base + "/annual", base + "/pack"} {
					if res := oth.Get(path); res.Status != http.StatusNotFound {
						t.Errorf("another alliance's secretary GET %s: %d", path, res.Status)
					}
				}
				if res := sendJSON(oth, http.MethodPost, base+"/annual/signed", fmt.Sprintf(`{"version":%d,"ids":[]}`, v)); res.Status != http.StatusNotFound {
					t.Errorf("another alliance's secretary saves a section: %d", res.Status)
				}
				joint := &model.Meeting{AllianceID: a.ID, DistrictID: 310104, Kind: model.MeetingJoint, Title: "联席会议", HeldOn: m.HeldOn, Year: m.Year, DurationMinutes: 60}
				if err := srv.DB.CreateMeeting(ctx, joint); err != nil {
					t.Fatal(err)
				}
				if res := sec.Get(fmt.Sprintf("/api/v1/meetings/%d/annual", joint.ID)); res.Status != http.StatusNotFound {
					t.Errorf("a joint meeting's annual view: %d", res.Status)
				}
			})
		})
	}
}

// TestAPIRotationDuty: a duty is marked done (and undone) through the API as
// on the rotation page: the fields sent change, a day in the future is
// refused, the duty must be the term's, each change is audited.
func TestAPIRotationDuty(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			srv := testenv.NewServer(t, d, func(c *config.Config) { c.Security.LoginRatePerIP = 1000 })
			srv.FixClock(testenv.Now(t, testenv.Midyear))
			ctx := context.Background()
			a := allianceFixture(t, srv, 310104, "轮值接口联盟", "")
			term := govTerm(t, srv, a.ID, 310104)
			other := govTerm(t, srv, a.ID, 310104)
			duties, err := srv.DB.DutiesOfTerms(ctx, []int64{term.ID, other.ID})
			if err != nil {
				t.Fatal(err)
			}
			var brief, foreignDuty int64
			for _, du := range duties {
				if du.TermID == term.ID && du.Kind == model.DutyBrief {
					brief = du.ID
				}
				if du.TermID == other.ID {
					foreignDuty = du.ID
				}
			}
			if brief == 0 || foreignDuty == 0 {
				t.Fatalf("duties: %+v", duties)
			}
			srv.CreateUser(t, "d_sec", model.RoleAllianceSecretary, model.DomainOf(model.DomainAlliance, a.ID))
			srv.CreateUser(t, "d_rev", model.RoleDistrictReviewer, "district:310104")
			secSession, sec := apiUser(t, srv, "d_sec")
			_, rev := apiUser(t, srv, "d_rev")
			path := fmt.Sprintf("/api/v1/rotation-terms/%d/duties/%d", term.ID, brief)
			today := service.AllianceToday(srv.DB.Now())

			type dutyResp struct {
				ID       int64   `json:"id"`
				DoneOn   *string `json:"done_on"`
				Document string  `json:"document"`
				Version  int     `json:"version"`
			}
			dv := countRows(t, srv, fmt.Sprintf("SELECT version FROM rotation_duties WHERE id = %d", brief))
			res := sendJSON(sec, http.MethodPatch, path, fmt.Sprintf(`{"version":%d,"done_on":%q,"document":"简报第3期"}`, dv, today.Format(time.DateOnly)))
			if res.Status != http.StatusOK {
				t.Fatalf("done: %d %.300s", res.Status, res.Body)
			}
			got := decode[dutyResp](t, res)
			if got.DoneOn == nil || *got.DoneOn != today.Format(time.DateOnly) || got.Document != "简报第3期" {
				t.Errorf("after done: %+v", got)
			}
			if got.Version != dv+1 {
				t.Errorf("the duty's version %d, want %d", got.Version, dv+1)
			}
			if res := sendJSON(sec, http.MethodPatch, path, fmt.Sprintf(`{"version":%d,"document":"旧"}`, dv)); res.Status != http.StatusConflict {
				t.Errorf("a stale version: %d %.300s", res.Status, res.Body)
			}
			dv = got.Version
			res = sendJSON(sec, http.MethodPatch, path, fmt.Sprintf(`{"version":%d,"done_on":%q}`, dv, today.AddDate(0, 0, 1).Format(time.DateOnly)))
			if res.Status != http.StatusBadRequest || decode[apiErr](t, res).Error.Fields["done_on"] == "" {
				t.Errorf("a day in the future: %d %.300s", res.Status, res.Body)
			}
			res = sessionJSON(secSession, http.MethodPatch, path, fmt.Sprintf(`{"version":%d,"done_on":null}`, dv))
			if res.Status != http.StatusOK {
				t.Fatalf("undo with a session: %d %.300s", res.Status, res.Body)
			}
			if got := decode[dutyResp](t, res); got.DoneOn != nil || got.Document != "简报第3期" {
				t.Errorf("after undo (the document stays): %+v", got)
			}
			if res := sendJSON(sec, http.MethodPatch, fmt.Sprintf("/api/v1/rotation-terms/%d/duties/%d", term.ID, foreignDuty), `{"document":"x"}`); res.Status != http.StatusNotFound {
				t.Errorf("another term's duty: %d", res.Status)
			}
			if res := sendJSON(rev, http.MethodPatch, path, `{"document":"x"}`); res.Status != http.StatusForbidden {
				t.Errorf("a reviewer: %d", res.Status)
			}
			if n := countRows(t, srv, fmt.Sprintf("SELECT count(*) FROM audit_log WHERE action = 'rotation_duty.update' AND object_id = '%d'", brief)); n != 2 {
				t.Errorf("%d audit rows, want 2", n)
			}
		})
	}
}

// TestAPICalendarToken: the /calendar page's new feed address, through the API.
func TestAPICalendarToken(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			srv := testenv.NewServer(t, d)
			srv.CreateUser(t, "cal_api", "", "")
			_, tok := apiUser(t, srv, "cal_api")
			res := sendJSON(tok, http.MethodPost, "/api/v1/calendar/token", `{}`)
			if res.Status != http.StatusCreated {
				t.Fatalf("token: %d %.300s", res.Status, res.Body)
			}
			feed := decode[struct {
				URL    string `json:"url"`
				Prefix string `json:"prefix"`
			}](t, res)
			u, err := url.Parse(feed.URL)
			if err != nil || !strings.HasSuffix(u.Path, "/meetings.ics") || feed.Prefix == "" {
				t.Fatalf("feed: %+v", feed)
			}
			if res := srv.Client(t).Get(u.Path); res.Status != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/calendar") {
				t.Errorf("the feed: %d", res.Status)
			}
		})
	}
}
