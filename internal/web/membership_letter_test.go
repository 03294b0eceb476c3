package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"tongxin/internal/model"
	"tongxin/internal/service"
	"tongxin/internal/testenv"
)

// TestMembershipLetterDateFollowsItsMeeting, on both databases through the
// real router: a 共建责任书 recorded at an annual meeting cannot be re-dated
// on the membership form (or the API) before that meeting was held, nor
// after today; the meeting's day itself is accepted.
func TestMembershipLetterDateFollowsItsMeeting(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			srv := testenv.NewServer(t, d)
			srv.FixClock(testenv.Now(t, testenv.Midyear))
			ctx := context.Background()
			a := allianceFixture(t, srv, 310104, "责任书日期联盟", "")
			m := allianceFixtureMember(t, srv, a.ID, 310104)
			srv.CreateUser(t, "letter_admin", model.RoleDistrictAdmin, "district:310104")
			today := service.AllianceToday(srv.DB.Now())
			held := today.AddDate(0, 0, -10)
			meeting := &model.Meeting{AllianceID: a.ID, DistrictID: 310104, Kind: model.MeetingAnnual, Title: "年度工作会议",
				HeldOn: held, Year: held.Year(), DurationMinutes: 120, Status: model.MeetingHeld}
			if err := srv.DB.CreateMeeting(ctx, meeting); err != nil {
				t.Fatal(err)
			}
			if err := srv.DB.SetLettersSigned(ctx, a.ID, meeting.ID, held, []int64{m.ID}); err != nil {
				t.Fatal(err)
			}
			c := srv.Client(t)
			c.Login("letter_admin", testenv.Password)
			edit := fmt.Sprintf("/alliances/%d/members/%d", a.ID, m.ID)
			day := func(t time.Time) string { return t.Format(time.DateOnly) }
			post := func(on string) *testenv.Response {
				return c.Submit(edit+"/edit", edit, url.Values{"rank": {"member"}, "letter_signed_on": {on}, "version": {versionOf(t, srv, "memberships", m.ID)}})
			}
			fieldError := func(res *testenv.Response) string {
				return strings.TrimSpace(res.Doc(t).Find("#letter_signed_on-error").Text())
			}

			res := post(day(held.AddDate(0, 0, -1)))
			want := "共建责任书在年度会议“年度工作会议”上签订，签订日期不能早于会议召开日期 " + day(held)
			if res.Status != http.StatusUnprocessableEntity || fieldError(res) != want {
				t.Fatalf("a letter dated the day before its meeting: %d %q, want 422 %q", res.Status, fieldError(res), want)
			}
			res = post(day(today.AddDate(0, 0, 1)))
			if res.Status != http.StatusUnprocessableEntity || !strings.Contains(fieldError(res), "不能晚于今天") {
				t.Fatalf("a letter dated tomorrow: %d %q", res.Status, fieldError(res))
			}
			if got, _ := srv.DB.MembershipByID(ctx, m.ID); got.LetterSignedOn == nil || !got.LetterSignedOn.Equal(held) {
				t.Fatalf("a refused date was stored: %v", got.LetterSignedOn)
			}
			api := fmt.Sprintf("/api/v1/alliances/%d/members/%d", a.ID, m.ID)
			res = sessionJSON(c, http.MethodPatch, api, fmt.Sprintf(`{"rank":"member","letter_signed_on":%q,"version":%s}`,
				day(held.AddDate(0, 0, -1)), versionOf(t, srv, "memberships", m.ID)))
			if res.Status != http.StatusUnprocessableEntity && res.Status != http.StatusBadRequest || !strings.Contains(res.Body, "签订日期不能早于会议召开日期") {
				t.Fatalf("API, a letter dated before its meeting: %d %s", res.Status, res.Body)
			}
			// The meeting's day and a later day are accepted.
			for _, on := range []time.Time{held, held.AddDate(0, 0, 2)} {
				if res := post(day(on)); res.Status != http.StatusSeeOther {
					t.Fatalf("a letter dated %s: %d %q", day(on), res.Status, fieldError(res))
				}
				if got, _ := srv.DB.MembershipByID(ctx, m.ID); got.LetterSignedOn == nil || !got.LetterSignedOn.Equal(on) {
					t.Fatalf("stored %v, want %s", got.LetterSignedOn, day(on))
				}
			}
		})
	}
}
