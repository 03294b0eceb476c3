package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"tongxin/internal/model"
	"tongxin/internal/service"
	"tongxin/internal/testenv"
)

// govAlliance makes an alliance of 徐汇区 with n member units, its secretary
// (logged in) and returns the units.
func govAlliance(t *testing.T, srv *testenv.Server, n int, secretary string) (*model.Alliance, []int64, *testenv.Client) {
	t.Helper()
	a := allianceFixture(t, srv, 310104, "", "")
	var units []int64
	for i := 0; i < n; i++ {
		units = append(units, allianceFixtureMember(t, srv, a.ID, 310104).UnitID)
	}
	srv.CreateUser(t, secretary, model.RoleAllianceSecretary, model.DomainOf(model.DomainAlliance, a.ID))
	c := srv.Client(t)
	c.Login(secretary, testenv.Password)
	return a, units, c
}

// TestRotationPlanSaveHandOverPages: the secretary previews a yearly plan
// (a refused form keeps what was typed and says why next to the field),
// saves it, then hands the current term over early: the next term starts
// the day after; a hand-over without a note is refused, a stale one is 409.
func TestRotationPlanSaveHandOverPages(t *testing.T) {
	srv := testenv.NewServer(t, testenv.Dialects[0])
	srv.FixClock(testenv.Now(t, testenv.Midyear))
	a, units, c := govAlliance(t, srv, 3, "plansec")
	today := service.AllianceToday(srv.DB.Now())
	start := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, time.UTC)
	planPage := fmt.Sprintf("/rotation-terms/plan?alliance_id=%d", a.ID)
	form := url.Values{"alliance_id": {fmt.Sprint(a.ID)}, "starts_on": {start.Format(time.DateOnly)}, "period": {model.PeriodYear},
		"until": {""}}
	for i, u := range units {
		form.Add("unit", fmt.Sprint(u))
		form.Set(fmt.Sprintf("order_%d", u), fmt.Sprint(len(units)-i)) // reversed order
	}
	// Refused: no horizon. The page keeps the start and the order.
	res := c.Submit(planPage, "/rotation-terms/plan", form)
	if res.Status != http.StatusUnprocessableEntity {
		t.Fatalf("plan without until: %d", res.Status)
	}
	doc := res.Doc(t)
	if msg := doc.Find("#until-error").Text(); msg == "" {
		t.Errorf("no message next to until")
	}
	if v, _ := doc.Find("#starts_on").Attr("value"); v != start.Format(time.DateOnly) {
		t.Errorf("start not kept: %q", v)
	}
	if v, _ := doc.Find(fmt.Sprintf("#order_%d", units[0])).Attr("value"); v != "3" {
		t.Errorf("order not kept: %q", v)
	}
	// Preview: three yearly terms in the typed order, nothing written.
	form.Set("until", start.AddDate(2, 0, 0).Format(time.DateOnly))
	res = c.Submit(planPage, "/rotation-terms/plan", form)
	if res.Status != http.StatusOK {
		t.Fatalf("preview: %d %.300s", res.Status, res.Body)
	}
	rows := res.Doc(t).Find("#preview tbody tr")
	if rows.Length() != 3 {
		t.Fatalf("preview rows: %d", rows.Length())
	}
	if terms, _ := srv.DB.RotationTermsOf(context.Background(), a.ID, nil, nil); len(terms) != 0 {
		t.Fatalf("the preview wrote %d terms", len(terms))
	}
	// Save.
	form.Set("save", "1")
	res = c.Submit(planPage, "/rotation-terms/plan", form)
	if res.Status != http.StatusSeeOther {
		t.Fatalf("save: %d %.300s", res.Status, res.Body)
	}
	terms, err := srv.DB.RotationTermsOf(context.Background(), a.ID, nil, nil)
	if err != nil || len(terms) != 3 || terms[0].UnitID != units[2] || terms[2].UnitID != units[0] {
		t.Fatalf("saved terms: %+v %v", terms, err)
	}
	if !terms[0].StartsOn.Equal(start) || !terms[1].StartsOn.Equal(terms[0].EndsOn.AddDate(0, 0, 1)) {
		t.Errorf("terms do not follow each other: %s–%s, %s", terms[0].StartsOn, terms[0].EndsOn, terms[1].StartsOn)
	}
	first := fmt.Sprintf("/rotation-terms/%d", terms[0].ID)
	// 提前交接 in the header opens its form: closed by default, open at
	// ?action=hand-over (without JavaScript) and after a refusal.
	hdr := c.Get(first).Doc(t)
	if href, _ := hdr.Find(`.page-actions a#open-hand-over`).Attr("href"); href != first+"?action=hand-over#act-hand-over" {
		t.Errorf("hand-over button: %q", href)
	}
	if n := hdr.Find(`details#act-hand-over:not([open]) form[action="` + first + `/hand-over"]`).Length(); n != 1 {
		t.Errorf("hand-over form closed by default: %d", n)
	}
	if n := c.Get(first + "?action=hand-over").Doc(t).Find(`details#act-hand-over[open] #handover_note`).Length(); n != 1 {
		t.Errorf("?action=hand-over: form open %d", n)
	}
	// Hand-over without a note: refused, the date kept, the message by the field.
	res = c.Submit(first, first+"/hand-over", url.Values{"on": {today.Format(time.DateOnly)}, "handover_note": {""},
		"version": {fmt.Sprint(terms[0].Version)}})
	if res.Status != http.StatusBadRequest && res.Status != http.StatusUnprocessableEntity {
		t.Fatalf("hand-over without note: %d", res.Status)
	}
	if res.Doc(t).Find("details#act-hand-over[open] #handover_note-error").Text() == "" {
		t.Errorf("no message next to the note")
	}
	// Stale version.
	res = c.Submit(first, first+"/hand-over", url.Values{"on": {today.Format(time.DateOnly)}, "handover_note": {"工作调整"},
		"version": {fmt.Sprint(terms[0].Version + 5)}})
	if res.Status != http.StatusConflict {
		t.Errorf("stale hand-over: %d", res.Status)
	}
	res = c.Submit(first, first+"/hand-over", url.Values{"on": {today.Format(time.DateOnly)}, "handover_note": {"因工作调整提前交接"},
		"version": {fmt.Sprint(terms[0].Version)}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("hand-over: %d %.300s", res.Status, res.Body)
	}
	after, _ := srv.DB.RotationTermsOf(context.Background(), a.ID, nil, nil)
	if after[0].Status != model.RotationHandedOver || !after[0].EndsOn.Equal(today) || !after[1].StartsOn.Equal(today.AddDate(0, 0, 1)) {
		t.Errorf("after hand-over: %s %s, next starts %s", after[0].Status, after[0].EndsOn, after[1].StartsOn)
	}
	if text := c.Get(first).Doc(t).Find("main").Text(); !strings.Contains(text, "因工作调整提前交接") {
		t.Errorf("the term page lacks the hand-over note")
	}
}

// TestAnnualMeetingSections: the secretary creates the annual meeting (a
// second one the same year is refused next to the date), records attendance
// (the rate shows), signed letters, signed projects and announced terms; the
// pack lists them and its xlsx downloads. A member unit's contact reads the
// meeting and its pack, without the candidates (a draft project of another
// unit); a contact of a unit outside the alliance gets 404. The committee
// page shows the committee's meetings and projects.
func TestAnnualMeetingSections(t *testing.T) {
	srv := testenv.NewServer(t, testenv.Dialects[0])
	srv.FixClock(testenv.Now(t, testenv.Midyear))
	ctx := context.Background()
	a, units, c := govAlliance(t, srv, 4, "annualsec")
	cm, _ := allianceFixtureCommittee(t, srv, a.ID, 310104)
	year := service.AllianceToday(srv.DB.Now()).Year()
	held := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC).Format(time.DateOnly) // held by today, whatever the day: letters are recorded once it is
	create := url.Values{"alliance_id": {fmt.Sprint(a.ID)}, "kind": {model.MeetingAnnual}, "title": {fmt.Sprintf("%d 年年会", year)},
		"held_on": {held}, "start_time": {"09:30"}, "duration_minutes": {"180"}, "location": {"社区党群服务中心"}}
	res := c.Submit("/meetings/new", "/meetings", create)
	if res.Status != http.StatusSeeOther {
		t.Fatalf("create: %d %.400s", res.Status, res.Body)
	}
	page := res.Location()
	var id int64
	fmt.Sscanf(page, "/meetings/%d", &id)
	create.Set("title", "重复的年会")
	res = c.Submit("/meetings/new", "/meetings", create)
	if res.Status == http.StatusSeeOther {
		t.Fatalf("a second annual meeting of %d was created", year)
	}
	if d := res.Doc(t); d.Find("#held_on-error").Text() == "" || d.Find("#title").AttrOr("value", "") != "重复的年会" {
		t.Errorf("second annual meeting: %d, message %q, title kept %q", res.Status, d.Find("#held_on-error").Text(), d.Find("#title").AttrOr("value", ""))
	}
	// Attendance: three of four attended.
	att := url.Values{}
	for i, u := range units {
		att.Add("unit", fmt.Sprint(u))
		if i < 3 {
			att.Set(fmt.Sprintf("attended_%d", u), "1")
			att.Set(fmt.Sprintf("rep_%d", u), "代表"+fmt.Sprint(i))
		}
	}
	att.Set("version", versionOf(t, srv, "meetings", id))
	if res := c.Submit(page, page+"/attendance", att); res.Status != http.StatusSeeOther {
		t.Fatalf("attendance: %d", res.Status)
	}
	if rate := c.Get(page).Doc(t).Find("#rate").Text(); !strings.Contains(rate, "75.0%") {
		t.Errorf("rate: %q", rate)
	}
	// Letters of two members, three signed projects, one term announced.
	letters, _ := srv.DB.LetterRows(ctx, a.ID)
	lf := url.Values{"ids": {fmt.Sprint(letters[0].MembershipID), fmt.Sprint(letters[1].MembershipID)}}
	lf.Set("version", versionOf(t, srv, "meetings", id))
	if res := c.Submit(page, page+"/annual/letters", lf); res.Status != http.StatusSeeOther {
		t.Fatalf("letters: %d %.300s", res.Status, res.Body)
	}
	var signed []string
	var titles []string
	for i := 0; i < 3; i++ {
		p := projectFixture(t, srv, a.ID, 310104, units[i], model.ProjectApproved)
		signed = append(signed, fmt.Sprint(p.ID))
		titles = append(titles, p.Title)
		if _, err := srv.DB.SQL().ExecContext(ctx, fmt.Sprintf("UPDATE projects SET committee_id = %d WHERE id = %d", cm.ID, p.ID)); err != nil {
			t.Fatal(err)
		}
	}
	draft := projectFixture(t, srv, a.ID, 310104, units[3], model.ProjectDraft)
	if res := c.Submit(page, page+"/annual/signed", url.Values{"ids": signed, "version": {versionOf(t, srv, "meetings", id)}}); res.Status != http.StatusSeeOther {
		t.Fatalf("signed: %d %.300s", res.Status, res.Body)
	}
	term := &model.RotationTerm{AllianceID: a.ID, DistrictID: 310104, UnitID: units[0], Status: model.RotationPlanned,
		StartsOn: time.Date(year, 2, 1, 0, 0, 0, 0, time.UTC), EndsOn: time.Date(year, 2, 28, 0, 0, 0, 0, time.UTC)}
	if err := srv.DB.CreateRotationTerm(ctx, term, nil); err != nil {
		t.Fatal(err)
	}
	if res := c.Submit(page, page+"/annual/terms", url.Values{"ids": {fmt.Sprint(term.ID)}, "version": {versionOf(t, srv, "meetings", id)}}); res.Status != http.StatusSeeOther {
		t.Fatalf("terms: %d", res.Status)
	}
	// A project of another alliance is refused, and nothing changes.
	other := allianceFixture(t, srv, 310104, "", "")
	stranger := projectFixture(t, srv, other.ID, 310104, allianceFixtureMember(t, srv, other.ID, 310104).UnitID, model.ProjectApproved)
	if res := c.Submit(page, page+"/annual/signed", url.Values{"ids": {fmt.Sprint(stranger.ID)}, "version": {versionOf(t, srv, "meetings", id)}}); res.Status == http.StatusSeeOther {
		t.Errorf("a foreign project was signed")
	}
	if got, _ := srv.DB.ProjectsSignedAt(ctx, id); len(got) != 3 {
		t.Errorf("signed after the refused save: %d", len(got))
	}
	pack := c.Get(page + "/pack")
	if pack.Status != http.StatusOK {
		t.Fatalf("pack: %d", pack.Status)
	}
	text := pack.Doc(t).Find("main").Text()
	for _, want := range append(titles, letters[0].UnitName, letters[1].UnitName, "代表0", "75.0%") {
		if !strings.Contains(text, want) {
			t.Errorf("pack lacks %q", want)
		}
	}
	if x := c.Get(page + "/pack.xlsx"); x.Status != http.StatusOK || !strings.Contains(x.Header.Get("Content-Type"), "spreadsheetml") {
		t.Errorf("pack.xlsx: %d %s", x.Status, x.Header.Get("Content-Type"))
	}
	// A member unit's contact reads it, without the candidates.
	srv.CreateUser(t, "membercontact", model.RoleUnitContact, model.DomainOf(model.DomainUnit, units[3]))
	mc := srv.Client(t)
	mc.Login("membercontact", testenv.Password)
	res = mc.Get(page)
	if res.Status != http.StatusOK {
		t.Fatalf("member contact: %d", res.Status)
	}
	if text := res.Doc(t).Find("main").Text(); strings.Contains(text, draft.Title) || !strings.Contains(text, titles[0]) {
		t.Errorf("member contact sees the candidates or not the signed projects")
	}
	if res.Doc(t).Find("#save-attendance").Length() != 0 {
		t.Errorf("member contact may save attendance")
	}
	if l := mc.Get("/api/v1/meetings"); l.Status != http.StatusOK || !strings.Contains(l.Body, fmt.Sprintf(`"id":%d`, id)) {
		t.Errorf("member contact's meeting list: %d %.200s", l.Status, l.Body)
	}
	if res := mc.Get(page + "/pack"); res.Status != http.StatusOK {
		t.Errorf("member contact's pack: %d", res.Status)
	}
	if res := mc.Submit(page, page+"/attendance", att); res.Status != http.StatusForbidden && res.Status != http.StatusNotFound {
		t.Errorf("member contact saved attendance: %d", res.Status)
	}
	// A contact of a unit outside the alliance: 404.
	srv.CreateUser(t, "outsider", model.RoleUnitContact, model.DomainOf(model.DomainUnit, allianceFixtureUnit(t, srv, 310104, "").ID))
	oc := srv.Client(t)
	oc.Login("outsider", testenv.Password)
	if res := oc.Get(page); res.Status != http.StatusNotFound {
		t.Errorf("outsider: %d", res.Status)
	}
	// The committee page lists its meeting and its projects.
	cmt := &model.Meeting{AllianceID: a.ID, DistrictID: 310104, CommitteeID: &cm.ID, Kind: model.MeetingCommittee, Title: "专委会季度例会",
		HeldOn: time.Date(year, 3, 3, 0, 0, 0, 0, time.UTC), Year: year, DurationMinutes: 60}
	if err := srv.DB.CreateMeeting(ctx, cmt); err != nil {
		t.Fatal(err)
	}
	cp := c.Get(fmt.Sprintf("/committees/%d", cm.ID)).Doc(t)
	if got := cp.Find("#meetings").Text(); !strings.Contains(got, "专委会季度例会") {
		t.Errorf("committee page meetings: %q", got)
	}
	if got := cp.Find("#projects").Text(); !strings.Contains(got, titles[0]) || strings.Contains(got, draft.Title) {
		t.Errorf("committee page projects: %q", got)
	}
}

// TestMeetingAttachments: the secretary uploads minutes and photos from the
// meeting page and through the API; the files list and download for who
// reads the meeting; a file whose content is not what its name says is
// refused with a message; a contact outside the alliance gets 404, a member
// unit's contact may read but not upload (403).
func TestMeetingAttachments(t *testing.T) {
	srv := testenv.NewServer(t, testenv.Dialects[0])
	a, units, c := govAlliance(t, srv, 2, "filesec")
	m := govMeeting(t, srv, a.ID, 310104)
	page := fmt.Sprintf("/meetings/%d", m.ID)
	// Page upload of two files, one of them refused.
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	mw.WriteField("csrf_token", c.FormToken(page))
	for name, body := range map[string][]byte{"现场照片.png": projectPNG(t), "会议纪要.png": []byte("%PDF-1.4\n%%EOF\n")} {
		fw, _ := mw.CreateFormFile("files", name)
		fw.Write(body)
	}
	mw.Close()
	res := c.Send(http.MethodPost, page+"/attachments", mw.FormDataContentType(), &b)
	if res.Status != http.StatusSeeOther {
		t.Fatalf("page upload: %d %.300s", res.Status, res.Body)
	}
	doc := c.Get(page).Doc(t)
	if n := doc.Find("#files tbody tr a").Length(); n != 1 {
		t.Errorf("files listed: %d, want 1", n)
	}
	if text := doc.Find("body").Text(); !strings.Contains(text, "会议纪要.png") || !strings.Contains(text, "文件内容与扩展名不符") {
		t.Errorf("no message for the refused file")
	}
	// API upload and list.
	if res := projectUpload(t, c, fmt.Sprintf("/api/v1/meetings/%d/attachments", m.ID), "签到表.pdf", []byte("%PDF-1.4\n%%EOF\n")); res.Status != http.StatusCreated {
		t.Fatalf("api upload: %d %s", res.Status, res.Body)
	}
	var list struct {
		Items []struct {
			FileName string `json:"file_name"`
			URL      string `json:"url"`
		} `json:"items"`
	}
	res = c.Get(fmt.Sprintf("/api/v1/meetings/%d/attachments", m.ID))
	if err := json.Unmarshal([]byte(res.Body), &list); err != nil || len(list.Items) != 2 {
		t.Fatalf("api list: %d %s", res.Status, res.Body)
	}
	dl := c.Get(list.Items[0].URL)
	if dl.Status != http.StatusOK || dl.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.HasPrefix(dl.Header.Get("Content-Disposition"), "attachment") {
		t.Errorf("download: %d %v", dl.Status, dl.Header)
	}
	// A file of another meeting is not found under this one.
	other := govMeeting(t, srv, a.ID, 310104)
	if res := c.Get(strings.Replace(list.Items[0].URL, fmt.Sprintf("/meetings/%d/", m.ID), fmt.Sprintf("/meetings/%d/", other.ID), 1)); res.Status != http.StatusNotFound {
		t.Errorf("file under another meeting: %d", res.Status)
	}
	srv.CreateUser(t, "filemember", model.RoleUnitContact, model.DomainOf(model.DomainUnit, units[1]))
	mc := srv.Client(t)
	mc.Login("filemember", testenv.Password)
	if res := mc.Get(list.Items[0].URL); res.Status != http.StatusOK {
		t.Errorf("member contact download: %d", res.Status)
	}
	if res := projectUpload(t, mc, fmt.Sprintf("/api/v1/meetings/%d/attachments", m.ID), "x.png", projectPNG(t)); res.Status != http.StatusForbidden {
		t.Errorf("member contact upload: %d", res.Status)
	}
	srv.CreateUser(t, "fileoutsider", model.RoleUnitContact, model.DomainOf(model.DomainUnit, allianceFixtureUnit(t, srv, 310104, "").ID))
	oc := srv.Client(t)
	oc.Login("fileoutsider", testenv.Password)
	if res := oc.Get(list.Items[0].URL); res.Status != http.StatusNotFound {
		t.Errorf("outsider download: %d", res.Status)
	}
}

// TestHomeShowsDuties: the secretary's and the chair's home pages list the
// overdue and due-soon duties of their alliance; a unit contact who is not
// the chair sees none.
func TestHomeShowsDuties(t *testing.T) {
	srv := testenv.NewServer(t, testenv.Dialects[0])
	srv.FixClock(testenv.Now(t, testenv.Midyear))
	ctx := context.Background()
	a, units, c := govAlliance(t, srv, 2, "homesec")
	today := service.AllianceToday(srv.DB.Now())
	past := &model.RotationTerm{AllianceID: a.ID, DistrictID: 310104, UnitID: units[1], Status: model.RotationEnded,
		StartsOn: today.AddDate(0, 0, -40), EndsOn: today.AddDate(0, 0, -11)}
	cur := &model.RotationTerm{AllianceID: a.ID, DistrictID: 310104, UnitID: units[0], Status: model.RotationActive,
		StartsOn: today.AddDate(0, 0, -10), EndsOn: today.AddDate(0, 0, 3)}
	for _, tm := range []*model.RotationTerm{past, cur} {
		if err := srv.DB.CreateRotationTerm(ctx, tm, []model.RotationDuty{{Kind: model.DutyBrief, DueOn: tm.EndsOn}}); err != nil {
			t.Fatal(err)
		}
	}
	// The chair's role, as the rotation derives it.
	chair := srv.CreateUser(t, "homechair", model.RoleUnitContact, model.DomainOf(model.DomainUnit, units[0]))
	from, until := service.ChairWindow(cur.StartsOn, cur.EndsOn)
	if err := srv.DB.AddChairRole(ctx, chair.ID, a.ID, cur.ID, from, until); err != nil {
		t.Fatal(err)
	}
	srv.CreateUser(t, "homeother", model.RoleUnitContact, model.DomainOf(model.DomainUnit, units[1]))
	if err := srv.App.Authz.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	sec := c.Get("/").Doc(t).Find("#duties-due").Text()
	if !strings.Contains(sec, "已逾期") || !strings.Contains(sec, "即将到期") || !strings.Contains(sec, "工作简报") {
		t.Errorf("secretary's home duties: %q", sec)
	}
	cc := srv.Client(t)
	cc.Login("homechair", testenv.Password)
	if got := cc.Get("/").Doc(t).Find("#duties-due").Text(); !strings.Contains(got, "即将到期") {
		t.Errorf("chair's home duties: %q", got)
	}
	oc := srv.Client(t)
	oc.Login("homeother", testenv.Password)
	if n := oc.Get("/").Doc(t).Find("#duties-due").Length(); n != 0 {
		t.Errorf("a contact who is not the chair sees duties")
	}
}

// TestMeetingCancelButton: 取消会议 in the header of a planned meeting opens
// its form: closed by default, open at ?action=cancel (without JavaScript)
// and again after a refusal; then the meeting is cancelled.
func TestMeetingCancelButton(t *testing.T) {
	srv := testenv.NewServer(t, testenv.Dialects[0])
	a, _, c := govAlliance(t, srv, 2, "cancelsec")
	m := govMeeting(t, srv, a.ID, 310104)
	page := fmt.Sprintf("/meetings/%d", m.ID)
	doc := c.Get(page).Doc(t)
	if href, _ := doc.Find(`.page-actions a#open-cancel`).Attr("href"); href != page+"?action=cancel#act-cancel" {
		t.Errorf("cancel button: %q", href)
	}
	if n := doc.Find(`details#act-cancel:not([open]) form[action="` + page + `/cancel"]`).Length(); n != 1 {
		t.Errorf("cancel form closed by default: %d", n)
	}
	if n := c.Get(page + "?action=cancel").Doc(t).Find(`details#act-cancel[open] #reason`).Length(); n != 1 {
		t.Errorf("?action=cancel: form open %d", n)
	}
	res := c.Submit(page, page+"/cancel", url.Values{"reason": {" "}, "version": {fmt.Sprint(m.Version)}})
	if res.Status == http.StatusSeeOther || res.Doc(t).Find(`details#act-cancel[open]`).Length() != 1 {
		t.Errorf("cancel without reason: %d, form open %d", res.Status, res.Doc(t).Find(`details#act-cancel[open]`).Length())
	}
	if res := c.Submit(page, page+"/cancel", url.Values{"reason": {"场地临时占用"}, "version": {fmt.Sprint(m.Version)}}); res.Status != http.StatusSeeOther {
		t.Fatalf("cancel: %d %.300s", res.Status, res.Body)
	}
	if n := c.Get(page).Doc(t).Find(`#open-cancel, #act-cancel`).Length(); n != 0 {
		t.Errorf("a cancelled meeting still offers 取消会议: %d", n)
	}
}
