package web

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"tongxin/internal/service"
)

// 待我处理 (the inbox's "awaiting me") and the daily digest page (每日摘要).
// Each group links to the list behind it, whose count is the group's.

// awaitingView is the 待我处理 section.
type awaitingView struct {
	Total  int64
	Groups []awaitingGroupView
}

type awaitingGroupView struct {
	Kind  string
	Label string
	Count string
	URL   string
	Items []awaitingItemView
}

type awaitingItemView struct {
	Title   string
	Sub     string
	URL     string
	Due     string
	Overdue bool
}

// awaitingLinks are the lists behind each kind.
var awaitingLinks = map[string]string{
	service.AwaitReviews:  "/reviews",
	service.AwaitClaims:   "/claims?view=decide",
	service.AwaitDuties:   "/rotation-terms",
	service.AwaitReturned: "/projects?status=returned",
}

func (s *Server) awaitingView(c echo.Context, a *service.AwaitingList) *awaitingView {
	loc := Locale(c)
	v := &awaitingView{Total: a.Total}
	for _, g := range a.Groups {
		gv := awaitingGroupView{Kind: g.Kind, Label: s.cat.T(loc, "awaiting.kind."+g.Kind), URL: awaitingLinks[g.Kind], Count: fmtInt(g.Total)}
		if g.Capped {
			gv.Count += "+"
		}
		for _, it := range g.Items {
			iv := awaitingItemView{Title: it.Title, Sub: it.Sub, Overdue: it.Overdue}
			if it.Due != nil {
				iv.Due = fmtDate(*it.Due)
			}
			id := strconv.FormatInt(it.ID, 10)
			switch g.Kind {
			case service.AwaitReviews, service.AwaitReturned:
				iv.URL = "/projects/" + id
			case service.AwaitClaims:
				iv.URL = "/claims/" + id
			case service.AwaitDuties:
				iv.URL = "/rotation-terms/" + id + "#duties"
				iv.Title = s.cat.T(loc, "rotation.duty."+it.Title)
			}
			gv.Items = append(gv.Items, iv)
		}
		v.Groups = append(v.Groups, gv)
	}
	return v
}

// awaiting computes the section for the inbox; nil on an error (logged: the
// inbox must not fail for it).
func (s *Server) awaiting(c echo.Context) *awaitingView {
	a, err := service.NewAwaits(s.deps()).For(c.Request().Context(), actor(c))
	if err != nil {
		s.log.Error("awaiting", "err", err, "request_id", RequestID(c))
		return nil
	}
	return s.awaitingView(c, a)
}

// digestPage is the Data of digest.
type digestPage struct {
	Date     string
	Awaiting *awaitingView
	Unread   int
	Recent   []inboxItem
}

func (s *Server) digest(c echo.Context) error {
	ctx, loc := c.Request().Context(), Locale(c)
	d, err := service.NewAwaits(s.deps()).Digest(ctx, actor(c))
	if err != nil {
		return err
	}
	measures := s.claimMeasures(ctx, loc)
	p := digestPage{Date: fmtDate(s.db.Now()), Awaiting: s.awaitingView(c, d.Awaiting), Unread: d.Unread}
	for i := range d.Recent {
		n := &d.Recent[i]
		p.Recent = append(p.Recent, inboxItem{Notification: *n, Message: s.notificationMessage(loc, n, measures), Unread: n.ReadAt == nil})
	}
	title := s.cat.T(loc, "digest.title")
	v := s.view(c, title, Crumb{Label: s.cat.T(loc, "shell.notifications"), URL: "/inbox"}, Crumb{Label: title})
	v.Data = p
	return s.page(c, http.StatusOK, "digest", v)
}
