package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"tongxin/internal/model"
	"tongxin/internal/testenv"
)

// 待我处理 in the inbox and on the digest page: each group's count is the
// count of the list it links to.
func TestInboxAwaitingAndDigest(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			srv, w, rev := reportWorld(t, d)
			inbox := rev.Get("/inbox")
			if inbox.Status != http.StatusOK {
				t.Fatalf("inbox: %d", inbox.Status)
			}
			g := inbox.Doc(t).Find(`[data-awaiting="reviews"]`)
			if g.Length() != 1 || strings.TrimSpace(g.Find("h3 .muted").Text()) != "1" || g.Find("h3 a").AttrOr("href", "") != "/reviews" {
				t.Errorf("reviews awaiting: %q", g.Text())
			}
			// The secretary of A decides the pending claim on N1.
			name := fmt.Sprintf("rp_dsec_%d", allianceSeq.Add(1))
			srv.CreateUser(t, name, model.RoleAllianceSecretary, fmt.Sprintf("alliance:%d", w.A.ID))
			sec := srv.Client(t)
			sec.Login(name, testenv.Password)
			doc := sec.Get("/digest").Doc(t)
			cg := doc.Find(`[data-awaiting="claims"]`)
			href := cg.Find("h3 a").AttrOr("href", "")
			count := strings.TrimSpace(cg.Find("h3 .muted").Text())
			if href != "/claims?view=decide" || count != "1" {
				t.Fatalf("claims awaiting: %q %q", href, count)
			}
			list := sec.Get(href).Doc(t).Find(".pager-total").Text()
			if !strings.Contains(list, " "+count+" ") {
				t.Errorf("claims list %q, awaiting %s", list, count)
			}
			if !strings.Contains(doc.Text(), "未读消息") {
				t.Error("digest without the unread section")
			}
		})
	}
}
