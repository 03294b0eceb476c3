package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"tongxin/internal/service"
	"tongxin/internal/testenv"
	"tongxin/internal/web"
)

// formKeys loads page and returns the CSRF token and the one-time
// submission key of its form that posts to action.
func formKeys(t *testing.T, c *testenv.Client, page, action string) (csrf, key string) {
	t.Helper()
	res := c.Get(page)
	if res.Status != http.StatusOK {
		t.Fatalf("GET %s: %d", page, res.Status)
	}
	form := res.Doc(t).Find(fmt.Sprintf(`form[action="%s"]`, action)).First()
	csrf, _ = form.Find(`input[name="csrf_token"]`).Attr("value")
	key, _ = form.Find(`input[name="` + web.SubmitKeyField + `"]`).Attr("value")
	if csrf == "" || key == "" {
		t.Fatalf("GET %s: the form to %s lacks csrf_token or %s", page, action, web.SubmitKeyField)
	}
	return csrf, key
}

func idemJSON(c *testenv.Client, path, key, body string) *testenv.Response {
	req, _ := http.NewRequest("POST", c.URL(path), strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", c.CSRFCookie())
	if key != "" {
		req.Header.Set(web.IdempotencyHeader, key)
	}
	return c.Do(req)
}

// TestDoubleSubmitRunsOnce: a need and a claim posted twice through their
// forms (same CSRF token, same submission key) and through the API (same
// Idempotency-Key) are created once each; the second form post goes where
// the first went, the second API call gets the first answer again with
// Idempotent-Replayed: true; the key with another body answers 422.
func TestDoubleSubmitRunsOnce(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			s := newClaimScene(t, d)
			wanted := service.AllianceToday(s.srv.DB.Now()).AddDate(0, 2, 0).Format(time.DateOnly)

			// A need through the form, posted twice.
			csrf, key := formKeys(t, s.ownerC, "/needs/new", "/needs")
			form := url.Values{"csrf_token": {csrf}, web.SubmitKeyField: {key}, "alliance_id": {fmt.Sprint(s.alliance)},
				"submitter_unit_id": {fmt.Sprint(s.owner)}, "title": {"双击的需求"}, "category": {"housing_renewal"}, "quantity": {"6"},
				"measure": {"sessions"}, "beneficiaries": {"12"}, "wanted_by": {wanted}, "visibility": {"alliance"}}
			first := s.ownerC.PostForm("/needs", form)
			if first.Status != http.StatusSeeOther || !strings.HasPrefix(first.Location(), "/needs/") {
				t.Fatalf("need form: %d %s %.300s", first.Status, first.Location(), first.Body)
			}
			second := s.ownerC.PostForm("/needs", form)
			if second.Status != http.StatusSeeOther || second.Location() != first.Location() || second.Header.Get("Idempotent-Replayed") != "true" {
				t.Fatalf("need form again: %d %s, want 303 to %s, replayed", second.Status, second.Location(), first.Location())
			}
			if n := countWhere(t, s.srv.DB, "needs", "title = ?", "双击的需求"); n != 1 {
				t.Fatalf("needs after two posts of one form: %d", n)
			}
			// The page it lands on says the second post was not processed again.
			if res := s.ownerC.Get(second.Location()); !strings.Contains(res.Body, "该表单已提交过") {
				t.Errorf("no notice after the second post")
			}

			// A claim through the form, posted twice.
			claimPage := fmt.Sprintf("/needs/%d/claim", s.need.ID)
			csrf, key = formKeys(t, s.claimC, claimPage, claimPage)
			form = url.Values{"csrf_token": {csrf}, web.SubmitKeyField: {key}, "claimant_unit_id": {fmt.Sprint(s.claimant)},
				"quantity": {"1"}, "note": {"双击的认领"}}
			first = s.claimC.PostForm(claimPage, form)
			second = s.claimC.PostForm(claimPage, form)
			if first.Status != http.StatusSeeOther || second.Status != http.StatusSeeOther || second.Location() != first.Location() {
				t.Fatalf("claim form twice: %d %s / %d %s", first.Status, first.Location(), second.Status, second.Location())
			}
			if n := countWhere(t, s.srv.DB, "claims", "note = ?", "双击的认领"); n != 1 {
				t.Fatalf("claims after two posts of one form: %d", n)
			}
			// A form sent back with its mistakes did nothing: the same key may post again.
			csrf, key = formKeys(t, s.claimC, claimPage, claimPage)
			form = url.Values{"csrf_token": {csrf}, web.SubmitKeyField: {key}, "claimant_unit_id": {fmt.Sprint(s.claimant)},
				"quantity": {"999"}, "note": {"改正后的认领"}}
			if res := s.claimC.PostForm(claimPage, form); res.Status != http.StatusUnprocessableEntity {
				t.Fatalf("too much: %d", res.Status)
			}
			form.Set("quantity", "1")
			if res := s.claimC.PostForm(claimPage, form); res.Status != http.StatusSeeOther {
				t.Fatalf("corrected claim with the same key: %d", res.Status)
			}

			// A need through the API, retried.
			body := fmt.Sprintf(`{"alliance_id":%d,"submitter_unit_id":%d,"title":"重试的需求","category":"housing_renewal","quantity":5,"measure":"sessions","visibility":"alliance"}`,
				s.alliance, s.owner)
			a := idemJSON(s.ownerC, "/api/v1/needs", "need-retry-1", body)
			b := idemJSON(s.ownerC, "/api/v1/needs", "need-retry-1", body)
			if a.Status != http.StatusCreated || b.Status != http.StatusCreated || b.Body != a.Body ||
				b.Header.Get("Idempotent-Replayed") != "true" || b.Header.Get("Location") != a.Header.Get("Location") || a.Header.Get("Idempotent-Replayed") != "" {
				t.Fatalf("API retry: %d %q / %d %q replayed=%q", a.Status, a.Header.Get("Location"), b.Status, b.Header.Get("Location"), b.Header.Get("Idempotent-Replayed"))
			}
			if n := countWhere(t, s.srv.DB, "needs", "title = ?", "重试的需求"); n != 1 {
				t.Fatalf("needs after a retried API call: %d", n)
			}
			other := strings.Replace(body, "重试的需求", "另一个需求", 1)
			if res := idemJSON(s.ownerC, "/api/v1/needs", "need-retry-1", other); res.Status != http.StatusUnprocessableEntity ||
				!strings.Contains(res.Body, "idempotency_key_reused") {
				t.Fatalf("the key with another body: %d %s", res.Status, res.Body)
			}
			// Without a key, a retry is a new request.
			idemJSON(s.ownerC, "/api/v1/needs", "", body)
			if n := countWhere(t, s.srv.DB, "needs", "title = ?", "重试的需求"); n != 2 {
				t.Fatalf("needs after a call without a key: %d", n)
			}

			// A claim through the API, retried.
			cbody := fmt.Sprintf(`{"target":"need","need_id":%d,"claimant_unit_id":%d,"quantity":1,"note":"重试的认领"}`, s.need.ID, s.claimant)
			a = idemJSON(s.claimC, "/api/v1/claims", "claim-retry-1", cbody)
			b = idemJSON(s.claimC, "/api/v1/claims", "claim-retry-1", cbody)
			if a.Status != http.StatusCreated || b.Status != http.StatusCreated || b.Body != a.Body || b.Header.Get("Idempotent-Replayed") != "true" {
				t.Fatalf("claim API retry: %d / %d %s", a.Status, b.Status, b.Body)
			}
			if n := countWhere(t, s.srv.DB, "claims", "note = ?", "重试的认领"); n != 1 {
				t.Fatalf("claims after a retried API call: %d", n)
			}
			// A key is the caller's own: another user's same key is a new request.
			if res := idemJSON(s.ownerC, "/api/v1/needs", "claim-retry-1", body); res.Status != http.StatusCreated || res.Header.Get("Idempotent-Replayed") != "" {
				t.Fatalf("another user's key: %d", res.Status)
			}
		})
	}
}

// TestIdempotencyConcurrentDuplicate: the same API call with the same key
// sent eight times at once creates one need; each answer is the creation
// (201, first or replayed) or 409 while the first still runs.
func TestIdempotencyConcurrentDuplicate(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			s := newClaimScene(t, d)
			body := fmt.Sprintf(`{"alliance_id":%d,"submitter_unit_id":%d,"title":"并发的需求","category":"housing_renewal","quantity":5,"measure":"sessions","visibility":"alliance"}`,
				s.alliance, s.owner)
			s.ownerC.CSRFCookie()
			statuses := make([]int, 8)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range statuses {
				wg.Go(func() {
					<-start
					statuses[i] = idemJSON(s.ownerC, "/api/v1/needs", "concurrent-key", body).Status
				})
			}
			close(start)
			wg.Wait()
			created := 0
			for _, st := range statuses {
				switch st {
				case http.StatusCreated:
					created++
				case http.StatusConflict:
				default:
					t.Fatalf("statuses %v: want 201 or 409", statuses)
				}
			}
			if created == 0 {
				t.Fatalf("statuses %v: none created", statuses)
			}
			if n := countWhere(t, s.srv.DB, "needs", "title = ?", "并发的需求"); n != 1 {
				t.Fatalf("needs after 8 concurrent calls with one key: %d (statuses %v)", n, statuses)
			}
		})
	}
}
