package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"tongxin/internal/model"
	"tongxin/internal/testenv"
)

// TestFormSummaryNamesFields: the validation summary of the new-need form
// names the field of every message ("标题：此项为必填项"), once per field, in
// the form's order, on both databases.
func TestFormSummaryNamesFields(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			srv := testenv.NewServer(t, d)
			w := newListsWebWorld(t, srv)
			// Everything left out: each required field has the same message.
			res := w.contact.Submit("/needs/new", "/needs", url.Values{"visibility": {"alliance"}})
			if res.Status != http.StatusUnprocessableEntity {
				t.Fatalf("empty form: %d", res.Status)
			}
			doc := res.Doc(t)
			// The form's fields in their order, with their labels.
			order := map[string]int{}
			labels := map[string]string{}
			doc.Find("form label[for]").Each(func(i int, l *goquery.Selection) {
				id, _ := l.Attr("for")
				if _, ok := order[id]; !ok {
					order[id], labels[id] = i, strings.TrimSpace(l.Text())
				}
			})
			items := doc.Find(".error-summary li a")
			if items.Length() < 3 {
				t.Fatalf("summary: %d items, want the missing fields", items.Length())
			}
			seen, last := map[string]bool{}, -1
			items.Each(func(_ int, a *goquery.Selection) {
				href, _ := a.Attr("href")
				id := strings.TrimPrefix(href, "#")
				text := strings.TrimSpace(a.Text())
				if seen[id] {
					t.Errorf("field %s twice in the summary", id)
				}
				seen[id] = true
				label, ok := labels[id]
				if !ok {
					t.Errorf("summary item %q (%s) has no field in the form", text, id)
					return
				}
				if !strings.HasPrefix(text, label+"：") {
					t.Errorf("summary item %q does not name its field %q", text, label)
				}
				// The same message as next to the field.
				if inline := strings.TrimSpace(doc.Find("#" + id + "-error").Text()); inline != "" && !strings.HasSuffix(text, inline) {
					t.Errorf("summary %q, next to the field %q", text, inline)
				}
				if order[id] < last {
					t.Errorf("summary item %q out of the form's order", text)
				}
				last = order[id]
			})
			if !seen["title"] || !seen["alliance_id"] {
				t.Errorf("summary lacks 标题 or 所属联盟: %v", seen)
			}
		})
	}
}

// asciiCode finds a code (submit, in_progress) in a message meant for people.
var asciiCode = regexp.MustCompile(`[a-z]{3,}(_[a-z]+)*`)

// TestRuleMessagesNameLabels: a 422 names the allowed actions by their
// labels (当前可执行：提交审核、取消项目), never by their codes, on both
// databases, through the API and the page.
func TestRuleMessagesNameLabels(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			srv := testenv.NewServer(t, d)
			a := allianceFixture(t, srv, 310104, "", "")
			lead := allianceFixtureMember(t, srv, a.ID, 310104).UnitID
			p := projectFixture(t, srv, a.ID, 310104, lead, model.ProjectDraft)
			srv.CreateUser(t, "rsec", model.RoleAllianceSecretary, model.DomainOf(model.DomainAlliance, a.ID))
			c := srv.Client(t)
			c.Login("rsec", testenv.Password)
			res := sessionJSON(c, "POST", fmt.Sprintf("/api/v1/projects/%d/start", p.ID), "{}")
			var body struct {
				Error struct{ Code, Message string }
			}
			if err := json.Unmarshal([]byte(res.Body), &body); err != nil || res.Status != http.StatusUnprocessableEntity {
				t.Fatalf("start a draft: %d %s", res.Status, res.Body)
			}
			msg := body.Error.Message
			if !strings.Contains(msg, "当前可执行：提交审核、取消项目") || asciiCode.MatchString(msg) {
				t.Errorf("422 message %q: want the allowed actions by their labels", msg)
			}
		})
	}
}
