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

	"github.com/PuerkitoBio/goquery"

	"tongxin/internal/model"
	"tongxin/internal/service"
	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

// govAccessEnv is an alliance of 徐汇区 with its secretary and four member
// units with a contact each: an ordinary member, the convenor of a
// committee, the chair now and the next chair; and a unit of the district
// that is no member.
type govAccessEnv struct {
	srv                              *testenv.Server
	alliance                         *model.Alliance
	committee                        *model.Committee
	sec                              *model.User
	member, conv, chair, next, other *model.User
	units                            map[string]int64 // member, conv, chair, next, other
	current, following               *model.RotationTerm
}

func newGovAccessEnv(t *testing.T, d string) *govAccessEnv {
	t.Helper()
	srv := testenv.NewServer(t, d)
	srv.FixClock(testenv.Now(t, testenv.Midyear))
	ctx := context.Background()
	e := &govAccessEnv{srv: srv, units: map[string]int64{}}
	e.alliance = allianceFixture(t, srv, 310104, "治理权限测试联盟", "")
	for _, name := range []string{"member", "conv", "chair", "next"} {
		e.units[name] = allianceFixtureMember(t, srv, e.alliance.ID, 310104).UnitID
	}
	e.units["other"] = allianceFixtureUnit(t, srv, 310104, "").ID
	conv := e.units["conv"]
	e.committee = &model.Committee{AllianceID: e.alliance.ID, Name: "志愿服务专委会", Theme: "志愿服务", ConvenorUnitID: &conv}
	if err := srv.DB.CreateCommittee(ctx, e.committee); err != nil {
		t.Fatal(err)
	}
	for _, u := range []int64{conv, e.units["member"]} {
		if _, err := srv.DB.AddCommitteeMember(ctx, e.committee.ID, u); err != nil {
			t.Fatal(err)
		}
	}
	e.sec = srv.CreateUser(t, "ga_sec", model.RoleAllianceSecretary, model.DomainOf(model.DomainAlliance, e.alliance.ID))
	contact := func(name string) *model.User {
		return srv.CreateUser(t, "ga_"+name, model.RoleUnitContact, model.DomainOf(model.DomainUnit, e.units[name]))
	}
	e.member, e.conv, e.chair, e.next, e.other = contact("member"), contact("conv"), contact("chair"), contact("next"), contact("other")
	// The chair's term runs this month; the next starts after it.
	today := service.AllianceToday(srv.DB.Now())
	rot := service.NewRotation(service.Deps{DB: srv.DB, Authz: srv.App.Authz, Auth: srv.App.Auth})
	sec := model.Actor{UserID: e.sec.ID, Username: e.sec.Username}
	start, end := today.AddDate(0, 0, -3), today.AddDate(0, 0, 20)
	var err error
	if e.current, err = rot.Create(ctx, sec, service.RotationTermInput{AllianceID: e.alliance.ID, UnitID: e.units["chair"], StartsOn: &start, EndsOn: &end}); err != nil {
		t.Fatal(err)
	}
	nStart, nEnd := end.AddDate(0, 0, 1), end.AddDate(0, 1, 0)
	if e.following, err = rot.Create(ctx, sec, service.RotationTermInput{AllianceID: e.alliance.ID, UnitID: e.units["next"], StartsOn: &nStart, EndsOn: &nEnd}); err != nil {
		t.Fatal(err)
	}
	return e
}

// notices lists the kinds and links of a user's notifications.
func govNotices(t *testing.T, srv *testenv.Server, u *model.User) []string {
	t.Helper()
	l, err := srv.DB.ListNotifications(context.Background(), store.NotificationFilter{UserID: u.ID}, model.PageRequest{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, n := range l.Items {
		out = append(out, n.Kind+" "+n.Link)
	}
	return out
}

func govCount(list []string, prefix string) int {
	n := 0
	for _, s := range list {
		if strings.HasPrefix(s, prefix) {
			n++
		}
	}
	return n
}

// TestMembersReadTheirAllianceAndConvenorsRunTheirCommittee: an ordinary
// member unit's contact reads the alliance, its rotation schedule and its
// committees, and no other unit's does; the convenor's contact reads its
// committee, calls its meetings (and no meeting of the whole alliance) and
// runs them; the units concerned are told of each meeting called.
func TestMembersReadTheirAllianceAndConvenorsRunTheirCommittee(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			e := newGovAccessEnv(t, d)
			srv := e.srv
			a, cm := e.alliance.ID, e.committee.ID
			pages := []string{"/alliances/%d", "/rotation-terms/%d", "/committees/%d"}
			ids := []int64{a, e.current.ID, cm}

			member := srv.Client(t)
			member.Login(e.member.Username, testenv.Password)
			for i, p := range pages {
				if res := member.Get(fmt.Sprintf(p, ids[i])); res.Status != http.StatusOK {
					t.Errorf("member: %s answers %d", fmt.Sprintf(p, ids[i]), res.Status)
				}
			}
			for _, list := range []string{"/rotation-terms", "/committees", "/alliances"} {
				res := member.Get(list)
				if res.Status != http.StatusOK || !strings.Contains(res.Body, e.alliance.Name) && !strings.Contains(res.Body, e.committee.Name) {
					t.Errorf("member: %s answers %d without the alliance", list, res.Status)
				}
			}
			// An ordinary member calls no meeting.
			if res := member.Get(fmt.Sprintf("/meetings/new?alliance_id=%d", a)); res.Status != http.StatusForbidden {
				t.Errorf("member: the meeting form answers %d", res.Status)
			}

			outsider := srv.Client(t)
			outsider.Login(e.other.Username, testenv.Password)
			for i, p := range pages {
				if res := outsider.Get(fmt.Sprintf(p, ids[i])); res.Status != http.StatusNotFound && res.Status != http.StatusForbidden {
					t.Errorf("a unit that is no member: %s answers %d", fmt.Sprintf(p, ids[i]), res.Status)
				}
			}

			// The convenor opens the form from its committee, which offers
			// its committee only, and calls a meeting of it.
			conv := srv.Client(t)
			conv.Login(e.conv.Username, testenv.Password)
			page := conv.Get(fmt.Sprintf("/committees/%d", cm))
			if page.Status != http.StatusOK {
				t.Fatalf("convenor: its committee answers %d", page.Status)
			}
			newURL := fmt.Sprintf("/meetings/new?alliance_id=%d&kind=committee&committee_id=%d", a, cm)
			if !strings.Contains(page.Body, strings.ReplaceAll(newURL, "&", "&amp;")) {
				t.Errorf("convenor: the committee page offers no new meeting")
			}
			form := conv.Get(newURL)
			if form.Status != http.StatusOK {
				t.Fatalf("convenor: the meeting form answers %d", form.Status)
			}
			opts := form.Doc(t).Find("#committee_id option")
			if opts.Length() != 1 || opts.AttrOr("value", "") != fmt.Sprint(cm) {
				t.Errorf("convenor: the committee choice offers %d options (%q)", opts.Length(), opts.Text())
			}
			day := service.AllianceToday(srv.DB.Now()).Format(time.DateOnly)
			fields := url.Values{"alliance_id": {fmt.Sprint(a)}, "kind": {"committee"}, "committee_id": {fmt.Sprint(cm)},
				"title": {"专委会季度例会"}, "held_on": {day}, "start_time": {"14:30"}, "duration_minutes": {"90"}}
			res := conv.Submit(newURL, "/meetings", fields)
			if res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Location(), "/meetings/") {
				t.Fatalf("convenor: calling the committee's meeting answers %d %s", res.Status, res.Location())
			}
			meeting := res.Location()
			// It runs it: edits and holds it.
			if res := conv.Get(meeting + "/edit"); res.Status != http.StatusOK {
				t.Errorf("convenor: editing its meeting answers %d", res.Status)
			}
			var m struct{ Version int }
			if err := srv.DB.SQL().QueryRow("SELECT version FROM meetings WHERE id = " + strings.TrimPrefix(meeting, "/meetings/")).Scan(&m.Version); err != nil {
				t.Fatal(err)
			}
			if res := conv.Submit(meeting, meeting+"/hold", url.Values{"version": {fmt.Sprint(m.Version)}}); res.Status != http.StatusSeeOther {
				t.Errorf("convenor: holding its meeting answers %d", res.Status)
			}
			// A meeting of the whole alliance is not the convenor's to call.
			fields.Del("committee_id")
			fields.Set("kind", "joint")
			if res := conv.Submit(newURL, "/meetings", fields); res.Status != http.StatusForbidden {
				t.Errorf("convenor: calling a joint meeting answers %d", res.Status)
			}
			// The committee's member is told; the chair, not on the committee, is not.
			if n := govCount(govNotices(t, srv, e.member), service.NotifyMeetingCalled+" "+meeting); n != 1 {
				t.Errorf("the committee member got %d notices of the meeting", n)
			}
			if n := govCount(govNotices(t, srv, e.chair), service.NotifyMeetingCalled); n != 0 {
				t.Errorf("a unit not on the committee got %d notices", n)
			}
			if n := govCount(govNotices(t, srv, e.conv), service.NotifyMeetingCalled); n != 0 {
				t.Errorf("the convenor was told of its own meeting (%d)", n)
			}

			// The secretary calls a joint meeting: every member unit is told.
			sec := srv.Client(t)
			sec.Login(e.sec.Username, testenv.Password)
			fields.Set("title", "联席会议")
			res = sec.Submit(fmt.Sprintf("/meetings/new?alliance_id=%d", a), "/meetings", fields)
			if res.Status != http.StatusSeeOther {
				t.Fatalf("secretary: calling a joint meeting answers %d", res.Status)
			}
			for _, u := range []*model.User{e.member, e.conv, e.chair, e.next} {
				if n := govCount(govNotices(t, srv, u), service.NotifyMeetingCalled+" "+res.Location()); n != 1 {
					t.Errorf("%s got %d notices of the joint meeting", u.Username, n)
				}
			}
			if n := govCount(govNotices(t, srv, e.other), service.NotifyMeetingCalled); n != 0 {
				t.Errorf("a unit that is no member was told (%d)", n)
			}

			// The member unit leaves: its contact reads the alliance no more, at once.
			mship := allianceMembership(t, srv, a, e.units["member"], store.MembershipsCurrent)
			apage := fmt.Sprintf("/alliances/%d", a)
			edit := fmt.Sprintf("%s/members/%d", apage, mship.ID)
			if res := sec.Submit(apage, edit+"/leave", url.Values{"left_on": {allianceToday(srv)}, "version": {versionOf(t, srv, "memberships", mship.ID)}}); res.Status != http.StatusSeeOther {
				t.Fatalf("leave: %d", res.Status)
			}
			for i, p := range pages {
				if res := member.Get(fmt.Sprintf(p, ids[i])); res.Status != http.StatusNotFound && res.Status != http.StatusForbidden {
					t.Errorf("a former member: %s answers %d", fmt.Sprintf(p, ids[i]), res.Status)
				}
			}
		})
	}
}

// TestJointMeetingDutyNeedsItsMeetingHeld: the chair cannot record 主持联席会议
// done with a meeting that is still planned (422, in Chinese); once the
// meeting is held it can.
func TestJointMeetingDutyNeedsItsMeetingHeld(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			e := newGovAccessEnv(t, d)
			srv := e.srv
			ctx := context.Background()
			duties, err := srv.DB.DutiesOfTerms(ctx, []int64{e.current.ID})
			if err != nil {
				t.Fatal(err)
			}
			var duty int64
			for _, du := range duties {
				if du.Kind == model.DutyJointMeeting {
					duty = du.ID
				}
			}
			if duty == 0 {
				t.Fatal("the term has no joint meeting duty")
			}
			today := service.AllianceToday(srv.DB.Now())
			m := &model.Meeting{AllianceID: e.alliance.ID, DistrictID: 310104, Kind: model.MeetingJoint, Title: "本月联席会议",
				HeldOn: today, Year: today.Year(), DurationMinutes: 120, Status: model.MeetingPlanned}
			if err := srv.DB.CreateMeeting(ctx, m); err != nil {
				t.Fatal(err)
			}
			chair := srv.Client(t)
			chair.Login(e.chair.Username, testenv.Password)
			term := fmt.Sprintf("/rotation-terms/%d", e.current.ID)
			done := url.Values{"done_on": {today.Format(time.DateOnly)}, "meeting_id": {fmt.Sprint(m.ID)}}
			done.Set("version", versionOf(t, srv, "rotation_duties", duty))
			res := chair.Submit(term, fmt.Sprintf("%s/duties/%d", term, duty), done)
			if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "尚未召开") {
				t.Fatalf("a planned meeting: %d, want 422 saying it has not been held", res.Status)
			}
			if got, _ := srv.DB.DutyByID(ctx, duty); got.DoneOn != nil {
				t.Fatal("the duty was recorded done")
			}
			if _, err := service.NewMeetings(service.Deps{DB: srv.DB, Authz: srv.App.Authz, Auth: srv.App.Auth}).Act(ctx, model.Actor{UserID: e.chair.ID}, m.ID, model.MeetingActionHold, "", m.Version); err != nil {
				t.Fatal(err)
			}
			done.Set("version", versionOf(t, srv, "rotation_duties", duty))
			res = chair.Submit(term, fmt.Sprintf("%s/duties/%d", term, duty), done)
			if res.Status != http.StatusSeeOther {
				t.Fatalf("a held meeting: %d", res.Status)
			}
			if got, _ := srv.DB.DutyByID(ctx, duty); got.DoneOn == nil || got.MeetingID == nil || *got.MeetingID != m.ID {
				t.Fatalf("the duty is not done with its meeting: %+v", got)
			}
		})
	}
}

// TestChairUnitsAreToldOfHandOversAndTermStarts: a hand-over that moves the
// next term tells the next chair unit; the reconciliation tells a chair
// unit when its term starts, once, however many instances run it.
func TestChairUnitsAreToldOfHandOversAndTermStarts(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			e := newGovAccessEnv(t, d)
			srv := e.srv
			ctx := context.Background()
			// The current term started three days ago: its start is told by the job.
			other := testenv.OpenSameDB(t, srv.DB) // a second instance
			other.SetClock(srv.DB.Now)             // on the same (fixed) clock
			for _, db := range []*store.DB{srv.DB, other, srv.DB} {
				if _, err := service.ReconcileChairRoles(ctx, db, nil); err != nil {
					t.Fatal(err)
				}
			}
			if n := govCount(govNotices(t, srv, e.chair), service.NotifyChairTermStarted); n != 1 {
				t.Errorf("the chair unit got %d notices of its term's start, want 1", n)
			}
			if n := govCount(govNotices(t, srv, e.next), service.NotifyChairTermStarted); n != 0 {
				t.Errorf("the next chair was told of a start to come (%d)", n)
			}

			sec := srv.Client(t)
			sec.Login(e.sec.Username, testenv.Password)
			term := fmt.Sprintf("/rotation-terms/%d", e.current.ID)
			res := sec.Submit(term, term+"/hand-over", url.Values{"handover_note": {"主席单位调整"}, "version": {fmt.Sprint(e.current.Version)}})
			if res.Status != http.StatusSeeOther {
				t.Fatalf("hand-over: %d", res.Status)
			}
			notes := govNotices(t, srv, e.next)
			if n := govCount(notes, fmt.Sprintf("%s /rotation-terms/%d", service.NotifyChairTermMoved, e.following.ID)); n != 1 {
				t.Errorf("the next chair unit got %v, want one notice that its term moved", notes)
			}
			// The inbox words it in Chinese.
			nc := srv.Client(t)
			nc.Login(e.next.Username, testenv.Password)
			inbox := nc.Get("/inbox")
			if !strings.Contains(inbox.Body, "轮值主席任期改为") || strings.Contains(inbox.Body, "系统消息") {
				t.Errorf("the inbox (%d) does not word the notice", inbox.Status)
			}
			// The moved term starts tomorrow; the day after, the job tells it.
			srv.FixClock(srv.DB.Now().Add(36 * time.Hour)) // the other instance reads it too
			for _, db := range []*store.DB{other, srv.DB} {
				if _, err := service.ReconcileChairRoles(ctx, db, nil); err != nil {
					t.Fatal(err)
				}
			}
			if n := govCount(govNotices(t, srv, e.next), service.NotifyChairTermStarted); n != 1 {
				t.Errorf("the next chair unit got %d notices of its term's start, want 1", n)
			}
		})
	}
}

// TestPagesDrawOnlyWhatTheViewerOpens: on the alliance page a member's
// contact sees its own unit linked and the other members' names without a
// link (their pages would refuse it); the secretary sees every member
// linked, and every link it is drawn opens.
func TestPagesDrawOnlyWhatTheViewerOpens(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			e := newGovAccessEnv(t, d)
			srv := e.srv
			page := fmt.Sprintf("/alliances/%d", e.alliance.ID)
			for _, who := range []struct {
				u    *model.User
				want []string // unit links drawn among the members
			}{
				{e.member, []string{fmt.Sprintf("/units/%d", e.units["member"])}},
				{e.sec, []string{"member", "conv", "chair", "next"}},
			} {
				c := srv.Client(t)
				c.Login(who.u.Username, testenv.Password)
				res := c.Get(page)
				if res.Status != http.StatusOK {
					t.Fatalf("%s: %s answers %d", who.u.Username, page, res.Status)
				}
				var drawn []string
				res.Doc(t).Find("#members a[href^='/units/']").Each(func(_ int, a *goquery.Selection) {
					drawn = append(drawn, a.AttrOr("href", ""))
				})
				want := who.want
				if who.u == e.sec {
					want = nil
					for _, n := range who.want {
						want = append(want, fmt.Sprintf("/units/%d", e.units[n]))
					}
				}
				slices.Sort(drawn)
				slices.Sort(want)
				if !slices.Equal(drawn, want) {
					t.Errorf("%s: unit links %v, want %v", who.u.Username, drawn, want)
				}
				for _, href := range drawn {
					if r := c.Get(href); r.Status != http.StatusOK {
						t.Errorf("%s: %s drawn on %s answers %d", who.u.Username, href, page, r.Status)
					}
				}
			}
		})
	}
}
