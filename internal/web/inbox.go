package web

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"tongxin/internal/model"
	"tongxin/internal/service"
	"tongxin/internal/store"
)

// The inbox (消息通知): the page, the bell's unread count in the top bar, and
// /api/v1/notifications. Everyone reads and marks only their own.
//
// The bell is fed by view(): one COUNT over notifications_unread_idx per full
// page (never for an htmx fragment, which has no top bar). It is not polled:
// a request every minute would keep an idle session alive for ever, against
// the idle timeout (等保); the count is right at every page load.

func (s *Server) inboxService() *service.Notifications { return service.NewNotifications(s.deps()) }

// unreadCount is the bell's number for the view of c; 0 on an error, which
// is logged (the page itself must not fail for its bell).
func (s *Server) unreadCount(c echo.Context) int {
	n, err := s.inboxService().Unread(c.Request().Context(), actor(c))
	if err != nil {
		s.log.Error("unread count", "err", err, "request_id", RequestID(c))
		return 0
	}
	return n
}

// notificationMessage writes a notification in loc: the catalog's
// notification.<kind> with the arguments its subject kind stores.
func (s *Server) notificationMessage(loc string, n *model.Notification, measures map[string]string) string {
	key := "notification." + n.Kind
	if !s.cat.Has(key) {
		return s.cat.T(loc, "notification.unknown")
	}
	if p, ok := service.ParseClaimNotice(n); ok {
		args := []any{p.Claimant, s.cat.T(loc, "claim.target."+p.Target), p.TargetTitle, fmtInt(p.Quantity), claimLabel(measures, p.Measure)}
		if n.Kind == model.NotifyClaimRejected {
			args = append(args, p.Reason)
		}
		return s.cat.T(loc, key, args...)
	}
	if p, ok := service.ParseProjectNotice(n); ok {
		code := p.Code
		if code == "" {
			code = "#" + strconv.FormatInt(p.ProjectID, 10)
		}
		return s.cat.T(loc, key, code, p.Title, p.Comment)
	}
	if p, ok := service.ParseCaseNotice(n); ok { // the project's code and title, the level in the reader's language
		code := p.Code
		if code == "" {
			code = "#" + strconv.FormatInt(p.ProjectID, 10)
		}
		level := ""
		if p.Level != "" {
			level = s.cat.T(loc, "case.level."+p.Level)
		}
		return s.cat.T(loc, key, code, p.Title, level)
	}
	if p, ok := service.ParseDutyNotice(n); ok { // governance: the duty's label in the reader's language
		return s.cat.T(loc, key, s.cat.T(loc, "rotation.duty."+p.Duty), p.DueOn, p.Alliance, p.Unit)
	}
	if args, ok := service.ParseNoticeArgs(n); ok {
		return s.cat.T(loc, key, args...)
	}
	return s.cat.T(loc, "notification.unknown")
}

// inboxItem is a notification as the inbox shows it.
type inboxItem struct {
	model.Notification
	Message string
	Unread  bool
}

// inboxPage is the Data of inbox.
type inboxPage struct {
	Items      []inboxItem
	List       *ListView
	UnreadOnly bool
	Sort       string
	Unread     int // of all, for the tab
	Here       string
	TabURLs    map[string]string
	SortURLs   map[string]string
	// Awaiting is 待我处理 (digest.go), nil when it could not be computed.
	Awaiting *awaitingView
}

func (s *Server) inbox(c echo.Context) error {
	req, err := pageRequest(c, store.NotificationSortKeys())
	if err != nil {
		return err
	}
	unreadOnly := c.QueryParam("state") == "unread"
	if req.Sort == "" {
		req.Sort, req.Desc = "unread", true
	}
	if c.QueryParam("dir") == "" {
		req.Desc = true // both orders read newest first
	}
	ctx, loc, svc, a := c.Request().Context(), Locale(c), s.inboxService(), actor(c)
	l, err := svc.List(ctx, a, unreadOnly, req)
	if err != nil {
		return err
	}
	measures := s.claimMeasures(ctx, loc)
	title := s.cat.T(loc, "shell.notifications")
	v := s.view(c, title, Crumb{Label: title})
	p := inboxPage{List: newListView(c, req, l, ""), UnreadOnly: unreadOnly, Sort: req.Sort, Unread: v.UnreadCount,
		Here:    c.Request().URL.RequestURI(),
		TabURLs: map[string]string{"all": inboxURL("", req.Sort), "unread": inboxURL("unread", req.Sort)},
		SortURLs: map[string]string{"unread": inboxURL(c.QueryParam("state"), "unread"),
			"newest": inboxURL(c.QueryParam("state"), "newest")}}
	p.Awaiting = s.awaiting(c)
	for i := range l.Items {
		n := &l.Items[i]
		p.Items = append(p.Items, inboxItem{Notification: *n, Message: s.notificationMessage(loc, n, measures), Unread: n.ReadAt == nil})
	}
	v.Data = p
	return s.page(c, http.StatusOK, "inbox", v)
}

func inboxURL(state, sort string) string {
	var q []string
	if state == "unread" {
		q = append(q, "state=unread")
	}
	if sort == "newest" {
		q = append(q, "sort=newest")
	}
	if len(q) == 0 {
		return "/inbox"
	}
	return "/inbox?" + strings.Join(q, "&")
}

// inboxOpen marks a notification read and goes to its subject.
func (s *Server) inboxOpen(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	n, err := s.inboxService().MarkRead(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, claimNext(n.Link, "/inbox"))
}

func (s *Server) inboxMarkRead(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if _, err := s.inboxService().MarkRead(c.Request().Context(), actor(c), id); err != nil {
		return err
	}
	s.flash(c, "success", "inbox.marked")
	return c.Redirect(http.StatusSeeOther, inboxNext(c.FormValue("next")))
}

func (s *Server) inboxMarkAllRead(c echo.Context) error {
	n, err := s.inboxService().MarkAllRead(c.Request().Context(), actor(c))
	if err != nil {
		return err
	}
	s.flash(c, "success", "inbox.marked_all", n)
	return c.Redirect(http.StatusSeeOther, inboxNext(c.FormValue("next")))
}

// inboxNext keeps the inbox's own filter after an action.
func inboxNext(v string) string {
	return localPathUnder(v, "/inbox", "/inbox") // redirect.go
}

// ---- JSON API ----

// notificationJSON is the API's view of a notification; message is written
// in the request's language, params are the message's arguments.
type notificationJSON struct {
	ID          int64           `json:"id"`
	Kind        string          `json:"kind"`
	SubjectKind string          `json:"subject_kind"`
	SubjectID   int64           `json:"subject_id"`
	ActorID     *int64          `json:"actor_id"`
	Message     string          `json:"message"`
	Params      json.RawMessage `json:"params"`
	Link        string          `json:"link"`
	ReadAt      *time.Time      `json:"read_at"`
	CreatedAt   time.Time       `json:"created_at"`
}

func (s *Server) toNotificationJSON(loc string, measures map[string]string) func(n *model.Notification) notificationJSON {
	return func(n *model.Notification) notificationJSON {
		out := notificationJSON{ID: n.ID, Kind: n.Kind, SubjectKind: n.SubjectKind, SubjectID: n.SubjectID, ActorID: n.ActorID,
			Message: s.notificationMessage(loc, n, measures), Params: json.RawMessage(n.Params), Link: n.Link, CreatedAt: n.CreatedAt.UTC()}
		if !json.Valid(out.Params) {
			out.Params = json.RawMessage("{}")
		}
		if n.ReadAt != nil {
			t := n.ReadAt.UTC()
			out.ReadAt = &t
		}
		return out
	}
}

func (s *Server) apiNotifications(c echo.Context) error {
	req, err := pageRequest(c, store.NotificationSortKeys())
	if err != nil {
		return err
	}
	unread := false
	switch c.QueryParam("unread") {
	case "", "false":
	case "true":
		unread = true
	default:
		return (&model.ValidationError{}).Add("unread", "claim.bad_filter")
	}
	if c.QueryParam("dir") == "" {
		req.Desc = true
	}
	ctx := c.Request().Context()
	l, err := s.inboxService().List(ctx, actor(c), unread, req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIList(l, s.toNotificationJSON(Locale(c), s.claimMeasures(ctx, Locale(c)))))
}

func (s *Server) apiNotificationRead(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	n, err := s.inboxService().MarkRead(ctx, actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.toNotificationJSON(Locale(c), s.claimMeasures(ctx, Locale(c)))(n))
}

func (s *Server) apiNotificationsReadAll(c echo.Context) error {
	n, err := s.inboxService().MarkAllRead(c.Request().Context(), actor(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]int64{"marked": n})
}

func init() {
	apiDocs["GET /api/v1/notifications"] = apiDoc{Tag: "notifications", Summary: "Your notifications, unread first (sort=newest: newest first); message is written in the request's language", Response: "list:Notification",
		Query: withList(map[string]string{"unread": "true: unread only", "sort": "unread (default) | newest"})}
	apiDocs["POST /api/v1/notifications/:id/read"] = apiDoc{Tag: "notifications", Summary: "Mark one of your notifications read", Response: "Notification"}
	apiDocs["POST /api/v1/notifications/read-all"] = apiDoc{Tag: "notifications", Summary: "Mark all your notifications read; answers {\"marked\": n}", Response: "MarkedCount"}
	apiSchemas["Notification"] = obj(nil, map[string]schema{"id": integer, "kind": {"type": "string", "enum": []string{model.NotifyClaimNew,
		model.NotifyClaimAccepted, model.NotifyClaimRejected, model.NotifyClaimWithdrawn}}, "subject_kind": str, "subject_id": integer,
		"actor_id": {"type": "integer", "format": "int64", "nullable": true}, "message": str,
		"params": {"type": "object", "description": "the message's arguments (claim_id, target, target_title, claimant, quantity, measure, reason)"},
		"link":   str, "read_at": nullTime, "created_at": dateTime})
	apiSchemas["MarkedCount"] = obj(nil, map[string]schema{"marked": integer})
}
