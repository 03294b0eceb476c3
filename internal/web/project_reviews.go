package web

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"tongxin/internal/model"
	"tongxin/internal/service"
	"tongxin/internal/store"
)

// The reviewer queue (审核队列): the submitted projects of the districts
// where the user approves, oldest submission first, with the list's filters,
// a warning as the review's due day nears or passes, and bulk approve of
// the rows ticked (each one checked and audited as one approve).

// reviewItem is a row of the queue.
type reviewItem struct {
	service.QueueRow
	CategoryLabel string
}

// reviewsPage is the Data of reviews/list.
type reviewsPage struct {
	Filter    projectQuery
	Items     []reviewItem
	List      *ListView
	Dicts     *projectDicts
	Alliances []store.ListAllianceOption
	Years     []int
	Max       int
}

func (s *Server) reviewsList(c echo.Context) error {
	req, err := pageRequest(c, store.ProjectSortKeys())
	if err != nil {
		return err
	}
	q, f := readProjectQuery(c)
	q.Status, f.Status = "", "" // the queue holds submitted projects only
	ctx, loc, svc, a := c.Request().Context(), Locale(c), s.projectService(), actor(c)
	l, err := svc.Queue(ctx, a, f, req)
	var bad *model.ValidationError
	if errors.As(err, &bad) {
		req.After, req.Before = "", ""
		l, err = svc.Queue(ctx, a, f, req)
	}
	if err != nil {
		return err
	}
	dicts, err := s.projectDicts(ctx, loc)
	if err != nil {
		return err
	}
	scope := s.authz.Scope(a.UserID, "project", "approve")
	page := reviewsPage{Filter: q, List: newListView(c, req, l, ""), Dicts: dicts, Max: service.BulkApproveMax}
	for y := s.projectToday().Year() + 1; y >= s.projectToday().Year()-2; y-- {
		page.Years = append(page.Years, y)
	}
	if page.Alliances, err = s.db.ProjectAllianceOptions(ctx, model.Scope{All: scope.All, Districts: scope.Districts}, projectAllianceLimit); err != nil {
		return err
	}
	page.Items = make([]reviewItem, 0, len(l.Items))
	for _, r := range l.Items {
		page.Items = append(page.Items, reviewItem{QueueRow: r, CategoryLabel: dicts.Category(r.Category)})
	}
	title := s.cat.T(loc, "menu.review_queue")
	v := s.view(c, title, Crumb{Label: s.cat.T(loc, "menu.group.projects")}, Crumb{Label: title})
	v.Data = page
	return s.page(c, http.StatusOK, "reviews/list", v)
}

// reviewsApprove approves the ticked projects and reports how many were
// approved and, for each refused, its title and why.
func (s *Server) reviewsApprove(c echo.Context) error {
	ids := projectFormIDs(c, "ids")
	back := localPath(c.FormValue("back"), "/reviews") // redirect.go: same-site paths only
	if len(ids) == 0 {
		s.flash(c, "error", "review.none_ticked")
		return c.Redirect(http.StatusSeeOther, back)
	}
	if len(ids) > service.BulkApproveMax {
		s.flash(c, "error", "review.too_many", service.BulkApproveMax)
		return c.Redirect(http.StatusSeeOther, back)
	}
	ctx, loc, svc, a := c.Request().Context(), Locale(c), s.projectService(), actor(c)
	res, err := svc.BulkApprove(ctx, a, ids, c.FormValue("comment"))
	if err != nil {
		return err
	}
	ok := 0
	for _, r := range res {
		if r.Err == nil {
			ok++
			continue
		}
		status, code := classify(r.Err)
		if status >= 500 {
			return r.Err
		}
		name := "#" + strconv.FormatInt(r.ID, 10)
		if p, err := svc.Get(ctx, a, r.ID); err == nil {
			name = p.Title
		}
		s.flash(c, "error", "review.refused", name, s.projectErrorMessage(loc, r.Err, code))
	}
	if ok > 0 {
		s.flash(c, "success", "review.approved", ok)
	}
	return c.Redirect(http.StatusSeeOther, back)
}
