package web_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"tongxin/internal/model"
	"tongxin/internal/service"
	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

// Governance routes in the authorization matrix: rotation terms, meetings,
// the annual meeting and the calendar feed. The chair role (alliance_chair,
// derived from rotation terms) is a matrix role in the home alliance.

const matrixChair = "chair"

var govSeq atomic.Int64

type govRule struct{ obj, act, target string }

var govRules = map[string]govRule{}

// govTerm makes a planned term (next year) of a fresh member of the alliance.
func govTerm(t *testing.T, srv *testenv.Server, allianceID, district int64) *model.RotationTerm {
	t.Helper()
	m := allianceFixtureMember(t, srv, allianceID, district)
	y := 2100 + int(govSeq.Add(1))
	term := &model.RotationTerm{AllianceID: allianceID, DistrictID: district, UnitID: m.UnitID, Status: model.RotationPlanned,
		StartsOn: time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC), EndsOn: time.Date(y, 1, 31, 0, 0, 0, 0, time.UTC)}
	if err := srv.DB.CreateRotationTerm(context.Background(), term, model.TermDuties(term.StartsOn, term.EndsOn)); err != nil {
		t.Fatal(err)
	}
	return term
}

// govMeeting makes a planned annual meeting (a year of its own).
func govMeeting(t *testing.T, srv *testenv.Server, allianceID, district int64) *model.Meeting {
	t.Helper()
	y := 2100 + int(govSeq.Add(1))
	m := &model.Meeting{AllianceID: allianceID, DistrictID: district, Kind: model.MeetingAnnual, Title: fmt.Sprintf("%d 年会", y),
		HeldOn: time.Date(y, 3, 1, 0, 0, 0, 0, time.UTC), Year: y, DurationMinutes: 120}
	if err := srv.DB.CreateMeeting(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	return m
}

// govMeetingFile stores a file of the meeting (row and bytes).
func govMeetingFile(t *testing.T, srv *testenv.Server, meetingID int64) int64 {
	t.Helper()
	rel := fmt.Sprintf("attachments/fx/meeting-%d.png", meetingID)
	abs := filepath.Join(srv.App.Config.UploadDir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(abs), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(abs, projectPNG(t), 0o640); err != nil {
		t.Fatal(err)
	}
	a := &model.Attachment{OwnerKind: model.AttachOwnerMeeting, OwnerID: meetingID, FileName: "会议照片.png", ContentType: "image/png",
		SizeBytes: 10, Sha256: "fx", StoredPath: rel}
	if err := srv.DB.CreateAttachment(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	return a.ID
}

func init() {
	matrixRoles = append(matrixRoles, matrixRole{matrixChair, model.RoleAllianceChair, "alliance:{home_alliance}"})
	districtOf := map[string]int64{"own": 310104, "foreign": 310101}
	alliance := func(target string, t *testing.T, srv *testenv.Server, env map[string]string) (int64, int64) {
		if target == "home" {
			var id int64
			fmt.Sscan(env["home_alliance"], &id)
			return id, 310104
		}
		return allianceFixture(t, srv, districtOf[target], "", "").ID, districtOf[target]
	}
	for _, target := range []string{"own", "foreign", "home"} {
		target := target
		matrixFixtures["{rterm_"+target+"}"] = func(t *testing.T, srv *testenv.Server, env map[string]string) string {
			id, d := alliance(target, t, srv, env)
			term := govTerm(t, srv, id, d)
			duties, err := srv.DB.DutiesOfTerms(context.Background(), []int64{term.ID})
			if err != nil || len(duties) == 0 {
				t.Fatalf("duties: %v", err)
			}
			env["_duty"] = fmt.Sprint(duties[0].ID)
			return fmt.Sprint(term.ID)
		}
		matrixFixtures["{meeting_"+target+"}"] = func(t *testing.T, srv *testenv.Server, env map[string]string) string {
			id, d := alliance(target, t, srv, env)
			m := govMeeting(t, srv, id, d)
			env["_meeting_att"] = fmt.Sprint(govMeetingFile(t, srv, m.ID))
			return fmt.Sprint(m.ID)
		}
	}
	matrixFixtures["{meeting_att}"] = func(_ *testing.T, _ *testenv.Server, env map[string]string) string { return env["_meeting_att"] }
	matrixParams["{meeting_att}"] = ":aid"
	matrixFixtures["{duty}"] = func(_ *testing.T, _ *testenv.Server, env map[string]string) string { return env["_duty"] }
	matrixFixtures["{feed_token}"] = func(t *testing.T, srv *testenv.Server, env map[string]string) string {
		u := matrixVictim(t, srv)
		tok := fmt.Sprintf("%smatrix%d", service.FeedTokenPrefix, u.ID)
		if err := srv.DB.SetCalendarFeed(context.Background(), u.ID, model.HashToken(tok), tok[:8]); err != nil {
			t.Fatal(err)
		}
		return tok
	}
	matrixFixtures["{section}"] = func(*testing.T, *testenv.Server, map[string]string) string { return service.SectionTerms }
	matrixParams["{section}"] = ":section"
	matrixParams["{duty}"] = ":did"
	matrixParams["{feed_token}"] = ":token"

	add := func(method, path string, r govRule) {
		govRules[method+" "+path] = r
		matrix = append(matrix, matrixRow{method, path, nil, false})
	}
	rule := func(obj, act string) govRule { return govRule{obj, act, ""} }
	add("GET", "/rotation-terms", rule("rotation_term", "read"))
	add("GET", "/rotation-terms/export", rule("rotation_term", "read"))
	add("GET", "/rotation-terms/new", rule("rotation_term", "manage"))
	add("POST", "/rotation-terms", rule("rotation_term", "manage"))
	add("GET", "/rotation-terms/plan", rule("rotation_term", "manage"))
	add("POST", "/rotation-terms/plan", rule("rotation_term", "manage"))
	add("GET", "/meetings", rule("meeting", "read"))
	add("GET", "/meetings/export", rule("meeting", "read"))
	add("GET", "/meetings/new", rule("meeting", "create"))
	add("POST", "/meetings", rule("meeting", "create"))
	add("GET", "/api/v1/rotation-terms", rule("rotation_term", "read"))
	add("POST", "/api/v1/rotation-terms", rule("rotation_term", "manage"))
	add("POST", "/api/v1/rotation-terms/plan", rule("rotation_term", "manage"))
	add("POST", "/api/v1/rotation-terms/plan/save", rule("rotation_term", "manage"))
	add("GET", "/api/v1/meetings", rule("meeting", "read"))
	add("POST", "/api/v1/meetings", rule("meeting", "create"))
	matrix = append(matrix,
		matrixRow{"GET", "/calendar", anyUser, false},
		matrixRow{"POST", "/calendar/token", anyUser, false},
		matrixRow{"GET", "/calendar/{feed_token}/meetings.ics", nil, true})
	for _, tgt := range []string{"own", "foreign", "home"} {
		r := func(obj, act string) govRule { return govRule{obj, act, tgt} }
		rt, m := "{rterm_"+tgt+"}", "{meeting_"+tgt+"}"
		add("GET", "/rotation-terms/"+rt, r("rotation_term", "read"))
		add("POST", "/rotation-terms/"+rt+"/hand-over", r("rotation_term", "manage"))
		add("POST", "/rotation-terms/"+rt+"/duties/{duty}", r("rotation_duty", "update"))
		add("GET", "/api/v1/rotation-terms/"+rt, r("rotation_term", "read"))
		add("POST", "/api/v1/rotation-terms/"+rt+"/hand-over", r("rotation_term", "manage"))
		add("GET", "/meetings/"+m, r("meeting", "read"))
		add("GET", "/meetings/"+m+"/edit", r("meeting", "update"))
		add("POST", "/meetings/"+m, r("meeting", "update"))
		add("POST", "/meetings/"+m+"/hold", r("meeting", "update"))
		add("POST", "/meetings/"+m+"/cancel", r("meeting", "update"))
		add("POST", "/meetings/"+m+"/attendance", r("meeting", "update"))
		add("POST", "/meetings/"+m+"/review", r("meeting", "update"))
		add("POST", "/meetings/"+m+"/annual/{section}", r("meeting", "update"))
		add("GET", "/meetings/"+m+"/pack", r("meeting", "read"))
		add("GET", "/meetings/"+m+"/pack.xlsx", r("meeting", "read"))
		add("GET", "/api/v1/meetings/"+m, r("meeting", "read"))
		add("PATCH", "/api/v1/meetings/"+m, r("meeting", "update"))
		add("POST", "/api/v1/meetings/"+m+"/hold", r("meeting", "update"))
		add("POST", "/api/v1/meetings/"+m+"/cancel", r("meeting", "update"))
		add("GET", "/api/v1/meetings/"+m+"/attendance", r("meeting", "read"))
		add("POST", "/api/v1/meetings/"+m+"/attendance", r("meeting", "update"))
		add("POST", "/meetings/"+m+"/attachments", r("meeting", "update"))
		add("GET", "/meetings/"+m+"/attachments/{meeting_att}", r("meeting", "read"))
		add("GET", "/api/v1/meetings/"+m+"/attachments", r("meeting", "read"))
		add("POST", "/api/v1/meetings/"+m+"/attachments", r("meeting", "update"))
		add("GET", "/api/v1/meetings/"+m+"/attachments/{meeting_att}", r("meeting", "read"))
	}
	matrixParams["{meeting_own}"], matrixParams["{meeting_foreign}"], matrixParams["{meeting_home}"] = ":id", ":id", ":id"
	matrixSetups = append(matrixSetups, func(t *testing.T, srv *testenv.Server, env map[string]string) {
		if env["home_alliance"] == "" {
			env["home_alliance"] = fmt.Sprint(allianceFixture(t, srv, 310104, "矩阵秘书的联盟", "").ID)
		}
		if env["home_unit"] == "" {
			env["home_unit"] = fmt.Sprint(allianceFixtureUnit(t, srv, 310104, "矩阵联络员单位").ID)
		}
		// A unit contact reads the meetings of its unit's alliances.
		var unit int64
		fmt.Sscan(env["home_unit"], &unit)
		als, err := srv.DB.UnitAllianceIDs(context.Background(), unit)
		if err != nil {
			t.Fatal(err)
		}
		env["_gov_unit_alliances"] = fmt.Sprint(als)
		for i, row := range matrix {
			r, ok := govRules[row.method+" "+row.path]
			if !ok {
				continue
			}
			var allow []string
			for _, mr := range matrixRoles {
				if mr.name != anon && govMatrixAllows(mr, r, env) {
					allow = append(allow, mr.name)
				}
			}
			matrix[i].allow = allow
		}
		// The chair reads its own alliance (policy: alliance_chair alliance read):
		// the alliance area's rows that alliance:read opens let it in.
		for i, row := range matrix {
			if r, ok := allianceRules[row.method+" "+row.path]; ok && r.obj == "alliance" && r.act == "read" && (r.target == "" || r.target == "home") &&
				!slices.Contains(matrix[i].allow, matrixChair) {
				matrix[i].allow = append(matrix[i].allow, matrixChair)
			}
		}
	})
}

// govMatrixAllows restates the Governance section of configs/policy.csv.
func govMatrixAllows(mr matrixRole, r govRule, env map[string]string) bool {
	dom := placeholder.ReplaceAllStringFunc(mr.domain, func(ph string) string { return env[strings.Trim(ph, "{}")] })
	district := map[string]string{"own": "district:310104", "foreign": "district:310101", "home": "district:310104"}[r.target]
	home := r.target == "" || (r.target == "home" && dom == "alliance:"+env["home_alliance"])
	switch mr.role {
	case model.RoleDistrictAdmin:
		return r.target == "" || dom == district
	case model.RoleDistrictReviewer:
		return r.act == "read" && (r.target == "" || dom == district)
	case model.RoleAllianceSecretary:
		return home
	case model.RoleAllianceChair:
		return home && (r.obj == "meeting" || r.obj == "rotation_duty" || (r.obj == "rotation_term" && r.act == "read"))
	case model.RoleUnitContact:
		// meeting:read on unit:ID opens the lists; one meeting reads when the
		// unit is a current member of its alliance (only the home alliance can be).
		member := r.target == "home" && strings.Contains(" "+strings.Trim(env["_gov_unit_alliances"], "[]")+" ", " "+env["home_alliance"]+" ")
		return r.obj == "meeting" && r.act == "read" && (r.target == "" || member) && dom == "unit:"+env["home_unit"]
	}
	return false
}

// TestICalendarFeed: the feed is valid RFC 5545 text: CRLF line ends, no
// line over 75 octets, escaped text, all-day and timed events; a wrong
// token is 404.
func TestICalendarFeed(t *testing.T) {
	srv := testenv.NewServer(t, store.SQLite)
	ctx := context.Background()
	a := allianceFixture(t, srv, 310104, "日历测试联盟", "")
	srv.CreateUser(t, "cal", model.RoleAllianceSecretary, model.DomainOf(model.DomainAlliance, a.ID))
	long := strings.Repeat("区域化党建联盟联席会议,议题;", 8)
	for _, m := range []*model.Meeting{
		{AllianceID: a.ID, DistrictID: 310104, Kind: model.MeetingJoint, Title: long, HeldOn: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), Year: 2026, StartTime: "14:30", DurationMinutes: 90, Agenda: "一、总结\n二、计划"},
		{AllianceID: a.ID, DistrictID: 310104, Kind: model.MeetingLiaison, Title: "联络员会议", HeldOn: time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC), Year: 2026, DurationMinutes: 60},
	} {
		if err := srv.DB.CreateMeeting(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	c := srv.Client(t)
	c.Login("cal", testenv.Password)
	page := c.PostForm("/calendar/token", map[string][]string{"csrf_token": {c.CSRFCookie()}})
	if page.Status != http.StatusOK {
		t.Fatalf("token: %d", page.Status)
	}
	u := page.Doc(t).Find("#feed-url").Text()
	i := strings.Index(u, "/calendar/")
	if i < 0 {
		t.Fatalf("no feed url in %q", u)
	}
	anon := srv.Client(t)
	res := anon.Get(u[i:])
	if res.Status != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/calendar") {
		t.Fatalf("feed: %d %s", res.Status, res.Header.Get("Content-Type"))
	}
	body := string(res.Body)
	if !strings.HasPrefix(body, "BEGIN:VCALENDAR\r\n") || !strings.HasSuffix(body, "END:VCALENDAR\r\n") {
		t.Fatalf("not a calendar: %.200q", body)
	}
	for _, line := range strings.Split(strings.TrimSuffix(body, "\r\n"), "\r\n") {
		if len(line) > 75 {
			t.Errorf("line over 75 octets: %q", line)
		}
		if strings.Contains(line, "\n") {
			t.Errorf("bare LF in %q", line)
		}
	}
	unfolded := strings.ReplaceAll(body, "\r\n ", "")
	for _, want := range []string{"DTSTART:20261201T063000Z", "DTEND:20261201T080000Z", "DTSTART;VALUE=DATE:20261202",
		"DTEND;VALUE=DATE:20261203", `议题\;区域化`, `一、总结\n二、计划`, "SUMMARY:[联络员会议] 联络员会议"} {
		if !strings.Contains(unfolded, want) {
			t.Errorf("feed lacks %q", want)
		}
	}
	if strings.Count(unfolded, "BEGIN:VEVENT") != 2 {
		t.Errorf("events: %d", strings.Count(unfolded, "BEGIN:VEVENT"))
	}
	if res := anon.Get("/calendar/txc_wrong/meetings.ics"); res.Status != http.StatusNotFound {
		t.Errorf("wrong token: %d", res.Status)
	}
}

// TestInboxRendersDutyNotices: the duty notices read in the inbox with the
// duty's label in the reader's language, the due day, the alliance and the
// chair unit, on the page and in the API.
func TestInboxRendersDutyNotices(t *testing.T) {
	srv := testenv.NewServer(t, testenv.Dialects[0])
	u := srv.CreateUser(t, "dutyreader", model.RoleAllianceSecretary, "alliance:1")
	ns := []model.Notification{
		{UserID: u.ID, Kind: model.NotifyDutyDueSoon, SubjectKind: "rotation_term", SubjectID: 3, Link: "/rotation-terms/3",
			Params: `{"duty":"half_year_summary","due_on":"2026-06-30","alliance":"凌云路街道区域化党建联盟","unit":"上海市第八人民医院"}`},
		{UserID: u.ID, Kind: model.NotifyDutyDue, SubjectKind: "rotation_term", SubjectID: 3, Link: "/rotation-terms/3",
			Params: `{"duty":"joint_meeting","due_on":"2026-06-30","alliance":"凌云路街道区域化党建联盟","unit":"上海市第八人民医院"}`},
	}
	if err := srv.DB.CreateNotifications(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
	c := srv.Client(t)
	c.Login("dutyreader", testenv.Password)
	text := c.Get("/inbox").Doc(t).Find("main").Text()
	for _, want := range []string{"凌云路街道区域化党建联盟：半年总结 将于 2026-06-30 到期（轮值主席单位：上海市第八人民医院）",
		"凌云路街道区域化党建联盟：主持召开联席会议 今天（2026-06-30）到期"} {
		if !strings.Contains(text, want) {
			t.Errorf("inbox lacks %q", want)
		}
	}
	if strings.Contains(text, "系统消息") {
		t.Errorf("a duty notice fell back to the unknown message")
	}
	res := c.Get("/api/v1/notifications")
	if res.Status != http.StatusOK || !strings.Contains(string(res.Body), "半年总结 将于 2026-06-30 到期") {
		t.Errorf("api: %d %s", res.Status, res.Body)
	}
}
