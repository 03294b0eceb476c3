package web_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/xuri/excelize/v2"

	"tongxin/internal/model"
	"tongxin/internal/service"
	"tongxin/internal/testenv"
)

// TestAnnualPackRecordsWhatWasSigned: the meeting pack lists the letters
// with the day they were signed (the meeting's, not the day the unit
// joined), every table has column headers, self-numbered resolutions are
// not numbered again, and its workbook shows money in 元 (never 分). A
// letter cannot be recorded at a meeting not yet held, and a closed need
// cannot be published at it: both refused next to their field.
func TestAnnualPackRecordsWhatWasSigned(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			srv := testenv.NewServer(t, d)
			srv.FixClock(testenv.Now(t, testenv.Midyear))
			ctx := context.Background()
			a, units, c := govAlliance(t, srv, 3, "packsec")
			today := service.AllianceToday(srv.DB.Now())
			held := time.Date(today.Year(), 1, 1, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
			joined := time.Date(today.Year()-1, 3, 3, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
			if _, err := srv.DB.SQL().ExecContext(ctx, fmt.Sprintf("UPDATE memberships SET joined_on = '%s' WHERE alliance_id = %d", joined, a.ID)); err != nil {
				t.Fatal(err)
			}
			meeting := func(year int, day string) string {
				t.Helper()
				res := c.Submit("/meetings/new", "/meetings", url.Values{"alliance_id": {fmt.Sprint(a.ID)}, "kind": {model.MeetingAnnual},
					"title": {fmt.Sprintf("%d 年年会", year)}, "held_on": {day}, "start_time": {"09:30"}, "duration_minutes": {"120"},
					"location": {"党群服务中心"}, "resolutions": {"一、通过年度工作报告。\n二、同意新成员单位加入。"}})
				if res.Status != http.StatusSeeOther {
					t.Fatalf("create the annual meeting: %d %.300s", res.Status, res.Body)
				}
				return res.Location()
			}
			page := meeting(today.Year(), held)
			letters, _ := srv.DB.LetterRows(ctx, a.ID)
			if res := c.Submit(page, page+"/annual/letters", meetingVersioned(t, srv, page, url.Values{"ids": {fmt.Sprint(letters[0].MembershipID)}})); res.Status != http.StatusSeeOther {
				t.Fatalf("letters: %d %.300s", res.Status, res.Body)
			}
			p := projectFixture(t, srv, a.ID, 310104, units[0], model.ProjectApproved)
			if _, err := srv.DB.SQL().ExecContext(ctx, fmt.Sprintf("UPDATE projects SET budget_fen = 86000000 WHERE id = %d", p.ID)); err != nil {
				t.Fatal(err)
			}
			if res := c.Submit(page, page+"/annual/signed", meetingVersioned(t, srv, page, url.Values{"ids": {fmt.Sprint(p.ID)}})); res.Status != http.StatusSeeOther {
				t.Fatalf("signed: %d", res.Status)
			}
			// A closed need is neither offered nor published; an open one is.
			open := claimFixNeed(t, srv, a.ID, 310104, units[1], 5, model.VisibleAlliance)
			closed := claimFixNeed(t, srv, a.ID, 310104, units[1], 5, model.VisibleAlliance)
			if _, err := srv.DB.SQL().ExecContext(ctx, fmt.Sprintf("UPDATE needs SET status = 'closed' WHERE id = %d", closed.ID)); err != nil {
				t.Fatal(err)
			}
			if doc := c.Get(page).Doc(t); doc.Find(fmt.Sprintf(`#needs input[value="%d"]`, closed.ID)).Length() != 0 ||
				doc.Find(fmt.Sprintf(`#needs input[value="%d"]`, open.ID)).Length() != 1 {
				t.Errorf("the needs offered: the closed one is there or the open one is not")
			}
			res := c.Submit(page, page+"/annual/needs", meetingVersioned(t, srv, page, url.Values{"ids": {fmt.Sprint(open.ID), fmt.Sprint(closed.ID)}}))
			if res.Status < 400 || !strings.Contains(res.Doc(t).Find("#needs-error").Text(), closed.Title) {
				t.Errorf("a closed need published: %d %q", res.Status, res.Doc(t).Find("#needs-error").Text())
			}
			if ids, _ := srv.DB.MeetingPublicationIDs(ctx, mustID(t, page), model.PublishNeed); len(ids) != 0 {
				t.Errorf("published after the refusal: %v", ids)
			}
			if res := c.Submit(page, page+"/annual/needs", meetingVersioned(t, srv, page, url.Values{"ids": {fmt.Sprint(open.ID)}})); res.Status != http.StatusSeeOther {
				t.Errorf("the open need: %d", res.Status)
			}

			// The pack page.
			doc := c.Get(page + "/pack").Doc(t)
			row := doc.Find("#pack-letters tbody tr").First().Text()
			if !strings.Contains(row, letters[0].UnitName) || !strings.Contains(row, held) || strings.Contains(row, joined) {
				t.Errorf("pack letter row %q: want the signing day %s, not the joining day %s", strings.Join(strings.Fields(row), " "), held, joined)
			}
			doc.Find("main table").Each(func(_ int, tb *goquery.Selection) {
				if tb.Find("thead th").Length() < 2 {
					html, _ := goquery.OuterHtml(tb)
					t.Errorf("a pack table without column headers: %.200s", html)
				}
			})
			if r := doc.Find("#pack-resolutions"); r.Find("ol").Length() != 0 || !strings.Contains(r.Text(), "一、通过年度工作报告") {
				t.Errorf("resolutions numbered twice or lost: %q", r.Text())
			}
			if s := doc.Find("#pack-signed tbody").Text(); !strings.Contains(s, "¥860,000.00") {
				t.Errorf("signed budget: %q", s)
			}
			// The workbook: 元, no 分; resolutions keep their own numbers only.
			x := c.Get(page + "/pack.xlsx")
			f, err := excelize.OpenReader(bytes.NewReader([]byte(x.Body)))
			if err != nil {
				t.Fatal(err)
			}
			rows, _ := f.GetRows(f.GetSheetList()[0])
			var money, signedOn bool
			for _, r := range rows {
				line := strings.Join(r, "|")
				if strings.Contains(line, "（分）") || strings.Contains(line, "86000000") {
					t.Errorf("the workbook shows fen: %s", line)
				}
				if strings.Contains(line, p.Title) && strings.Contains(line, "¥860,000.00") {
					money = true
				}
				if strings.Contains(line, letters[0].UnitName) && strings.Contains(line, held) {
					signedOn = true
				}
				if len(r) > 2 && strings.HasPrefix(r[2], "一、") && r[1] != "" {
					t.Errorf("a resolution numbered twice: %s", line)
				}
			}
			if !money || !signedOn {
				t.Errorf("workbook: budget in 元 %v, letter with its signing day %v", money, signedOn)
			}

			// Next year's meeting is not held yet: no letter may be recorded at it.
			next := meeting(today.Year()+1, time.Date(today.Year()+1, 6, 1, 0, 0, 0, 0, time.UTC).Format(time.DateOnly))
			res = c.Submit(next, next+"/annual/letters", meetingVersioned(t, srv, next, url.Values{"ids": {fmt.Sprint(letters[1].MembershipID)}}))
			if res.Status < 400 || res.Doc(t).Find("#letters-error").Text() == "" {
				t.Errorf("a letter at a meeting not yet held: %d %q", res.Status, res.Doc(t).Find("#letters-error").Text())
			}
			if rows, _ := srv.DB.LetterRows(ctx, a.ID); rows[1].LetterSignedOn != nil {
				t.Errorf("letter recorded: %v", rows[1].LetterSignedOn)
			}
		})
	}
}

func mustID(t *testing.T, page string) int64 {
	t.Helper()
	var id int64
	if _, err := fmt.Sscanf(page, "/meetings/%d", &id); err != nil {
		t.Fatal(err)
	}
	return id
}

// meetingVersioned adds the meeting's stored version (the page's hidden
// field) to a form posted to one of its annual sections.
func meetingVersioned(t *testing.T, srv *testenv.Server, page string, form url.Values) url.Values {
	t.Helper()
	var id int64
	if _, err := fmt.Sscanf(page, "/meetings/%d", &id); err != nil {
		t.Fatalf("meeting page %q: %v", page, err)
	}
	form.Set("version", versionOf(t, srv, "meetings", id))
	return form
}
