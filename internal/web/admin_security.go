package web

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"tongxin/internal/model"
	"tongxin/internal/report"
	"tongxin/internal/service"
	"tongxin/internal/store"
)

// Security administration (安全管理员, and the auditor for login events):
// 登录日志 and 在线用户 with force logout, as pages and as /api/v1.

// security is the service behind these pages. It holds nothing but the
// database and the authorizer, so building it per request costs nothing.
func (s *Server) security() *service.Security {
	return service.NewSecurity(s.deps())
}

// ---- 登录日志 ----

// loginEventQuery is the 登录日志 filter as typed; it goes back into the form.
type loginEventQuery struct {
	From, To, Username, Result, IP string
}

// Active reports a filter that narrows the list.
func (q loginEventQuery) Active() bool {
	return q.From != "" || q.To != "" || q.Username != "" || q.Result != "" || q.IP != ""
}

// loginEventFilterFields are the query parameters of the filter.
var loginEventFilterFields = []string{"from", "to", "username", "result", "ip"}

// readLoginEventQuery reads the filter from the URL. from and to are days in
// Asia/Shanghai, both included: to=2026-03-05 keeps events until the end of
// that day.
func readLoginEventQuery(c echo.Context) (loginEventQuery, store.LoginEventFilter, error) {
	q := loginEventQuery{
		From:     strings.TrimSpace(c.QueryParam("from")),
		To:       strings.TrimSpace(c.QueryParam("to")),
		Username: strings.TrimSpace(c.QueryParam("username")),
		Result:   strings.TrimSpace(c.QueryParam("result")),
		IP:       strings.TrimSpace(c.QueryParam("ip")),
	}
	f := store.LoginEventFilter{Username: q.Username, Result: q.Result, IP: q.IP}
	ve := &model.ValidationError{}
	if q.From != "" {
		if t, err := time.ParseInLocation(time.DateOnly, q.From, Shanghai); err == nil {
			f.From = t.UTC()
		} else {
			ve.Add("from", model.MsgBadDate)
		}
	}
	if q.To != "" {
		if t, err := time.ParseInLocation(time.DateOnly, q.To, Shanghai); err == nil {
			f.To = t.AddDate(0, 0, 1).UTC()
		} else {
			ve.Add("to", model.MsgBadDate)
		}
	}
	return q, f, ve.Err()
}

// loginEventRow is one line of 登录日志, with its labels resolved.
type loginEventRow struct {
	model.LoginEvent
	ResultLabel string
	Tag         string // tag class of the result
	ReasonLabel string
	Agent       string // the user agent, shortened for the table
	Exact       string // the time to the second
}

// loginEventTags colour the results: success green, failure orange, logout grey.
var loginEventTags = map[string]string{
	model.LoginSuccess: "tag-accepted",
	model.LoginFailure: "tag-rejected",
	model.LoginLogout:  "tag-closed",
}

func (s *Server) loginEventResultLabel(loc, result string) string {
	if key := "login_event.result." + result; s.cat.Has(key) {
		return s.cat.T(loc, key)
	}
	return result
}

// loginEventReasonLabel translates a reason code; an unknown code shows as is.
func (s *Server) loginEventReasonLabel(loc, reason string) string {
	if reason == "" {
		return ""
	}
	if key := "login_event.reason." + reason; s.cat.Has(key) {
		return s.cat.T(loc, key)
	}
	return reason
}

func (s *Server) loginEventRow(loc string, e *model.LoginEvent) loginEventRow {
	return loginEventRow{
		LoginEvent:  *e,
		ResultLabel: s.loginEventResultLabel(loc, e.Result),
		Tag:         loginEventTags[e.Result],
		ReasonLabel: s.loginEventReasonLabel(loc, e.Reason),
		Agent:       shortAgent(e.UserAgent),
		Exact:       e.CreatedAt.In(Shanghai).Format(time.DateTime),
	}
}

// loginEventsPage is the Data of admin/login_events.
type loginEventsPage struct {
	Filter  loginEventQuery
	Results []string
	Items   []loginEventRow
	List    *ListView
	// Errors holds a message per refused filter field.
	Errors map[string]string
}

// filterOnly reports a validation error about the filter fields alone,
// which the page shows next to the filter instead of an error page.
func filterOnly(ve *model.ValidationError, fields []string) bool {
	if len(ve.Fields) == 0 {
		return false
	}
	for k := range ve.Fields {
		if !slices.Contains(fields, k) {
			return false
		}
	}
	return true
}

func (s *Server) loginEventsList(c echo.Context) error {
	req, err := pageRequest(c, store.LoginEventSortKeys())
	if err != nil {
		return err
	}
	q, f, err := readLoginEventQuery(c)
	var l model.List[model.LoginEvent]
	if err == nil {
		l, err = s.security().LoginEvents(c.Request().Context(), actor(c), f, req)
	}
	loc := Locale(c)
	status := http.StatusOK
	page := loginEventsPage{Filter: q, Results: service.LoginEventResults}
	var ve *model.ValidationError
	switch {
	case errors.As(err, &ve) && filterOnly(ve, loginEventFilterFields):
		status = http.StatusBadRequest
		page.Errors = s.fieldMessages(loc, ve)
	case err != nil:
		return err
	}
	page.Items = make([]loginEventRow, 0, len(l.Items))
	for i := range l.Items {
		page.Items = append(page.Items, s.loginEventRow(loc, &l.Items[i]))
	}
	exportPath := ""
	if page.Errors == nil && s.authz.CanAnywhere(CurrentUser(c).ID, "login_event", "export") {
		exportPath = "/admin/login-events/export"
	}
	page.List = newListView(c, req, l, exportPath)
	title := s.cat.T(loc, "menu.login_events")
	v := s.view(c, title, Crumb{Label: s.cat.T(loc, "menu.group.system")}, Crumb{Label: title})
	v.Data = page
	return s.page(c, status, "admin/login_events", v)
}

func (s *Server) loginEventsExport(c echo.Context) error {
	format, err := report.ParseFormat(c.QueryParam("format"))
	if err != nil {
		return (&model.ValidationError{}).Add("format", "list.bad_format")
	}
	req, err := pageRequest(c, store.LoginEventSortKeys())
	if err != nil {
		return err
	}
	_, f, err := readLoginEventQuery(c)
	if err != nil {
		return err
	}
	loc := Locale(c)
	cols := []report.Column{
		{Header: s.cat.T(loc, "login_event.time"), Width: 20},
		{Header: s.cat.T(loc, "login_event.username"), Width: 16},
		{Header: s.cat.T(loc, "login_event.result"), Width: 10},
		{Header: s.cat.T(loc, "login_event.reason"), Width: 22},
		{Header: s.cat.T(loc, "login_event.ip"), Width: 16},
		{Header: s.cat.T(loc, "login_event.user_agent"), Width: 60},
	}
	return s.streamExport(c, format, s.cat.T(loc, "menu.login_events"), cols, func(w report.Writer) error {
		return s.security().EachLoginEvent(c.Request().Context(), actor(c), f, req, func(e *model.LoginEvent) error {
			// To the second: a security log is read at that grain.
			return w.WriteRow(e.CreatedAt.In(Shanghai).Format(time.DateTime), e.Username,
				s.loginEventResultLabel(loc, e.Result), s.loginEventReasonLabel(loc, e.Reason), e.IP, e.UserAgent)
		})
	})
}

// shortAgent cuts a user agent for a table cell; the whole one is in its title.
func shortAgent(ua string) string {
	if short := truncateRunes(ua, 48); short != ua {
		return short + "…"
	}
	return ua
}

// ---- 在线用户 ----

// sessionRow is one line of 在线用户.
type sessionRow struct {
	store.OnlineSession
	Agent   string
	Current bool // the session of this very request
	Self    bool // a session of the current user
}

// sessionsPage is the Data of admin/sessions.
type sessionsPage struct {
	Username  string
	Items     []sessionRow
	List      *ListView
	CanRevoke bool
	Errors    map[string]string
}

// currentSessionID is the id of the session row of this request, 0 when
// there is none. scs stores the token hashed (HashTokenInStore).
func (s *Server) currentSessionID(c echo.Context) int64 {
	stored := s.storedSessionToken(c)
	if stored == "" {
		return 0
	}
	id, err := s.security().SessionID(c.Request().Context(), stored)
	if err != nil {
		return 0
	}
	return id
}

// storedSessionToken is this request's session token as the sessions table
// stores it (hashed), "" when there is none.
func (s *Server) storedSessionToken(c echo.Context) string {
	if c.Get(ctxSession) == nil {
		return ""
	}
	tok := s.sessions.Token(c.Request().Context())
	if tok == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(tok))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func (s *Server) sessionsList(c echo.Context) error {
	req, err := pageRequest(c, store.SessionSortKeys())
	if err != nil {
		return err
	}
	username := strings.TrimSpace(c.QueryParam("username"))
	l, err := s.security().Sessions(c.Request().Context(), actor(c), store.SessionFilter{Username: username}, req)
	loc := Locale(c)
	status := http.StatusOK
	me := CurrentUser(c).ID
	page := sessionsPage{Username: username, CanRevoke: s.authz.CanAnywhere(me, "session", "revoke")}
	var ve *model.ValidationError
	switch {
	case errors.As(err, &ve) && filterOnly(ve, []string{"username"}):
		status = http.StatusBadRequest
		page.Errors = s.fieldMessages(loc, ve)
	case err != nil:
		return err
	}
	current := s.currentSessionID(c)
	page.Items = make([]sessionRow, 0, len(l.Items))
	for _, it := range l.Items {
		page.Items = append(page.Items, sessionRow{OnlineSession: it, Agent: shortAgent(it.UserAgent),
			Current: it.ID == current, Self: it.UserID == me})
	}
	page.List = newListView(c, req, l, "/admin/sessions/export")
	title := s.cat.T(loc, "menu.online_users")
	v := s.view(c, title, Crumb{Label: s.cat.T(loc, "menu.group.system")}, Crumb{Label: title})
	v.Data = page
	return s.page(c, status, "admin/sessions", v)
}

// sessionsBack is where a force logout returns: the list as it was.
func sessionsBack(c echo.Context) string {
	next := safeNext(c.FormValue("next"))
	if next != "/admin/sessions" && !strings.HasPrefix(next, "/admin/sessions?") {
		return "/admin/sessions"
	}
	return next
}

func (s *Server) sessionRevoke(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	// Ending the session this page runs in is 退出, not 强制下线 (and scs
	// would save it again as the request ends).
	if id == s.currentSessionID(c) {
		return model.Rule("revoke_self", service.MsgSessionRevokeSelf)
	}
	sess, err := s.security().RevokeSession(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	s.flash(c, "success", "online.revoked", sess.Username)
	return c.Redirect(http.StatusSeeOther, sessionsBack(c))
}

func (s *Server) userSessionsRevoke(c echo.Context) error {
	uid, err := pathID(c, "uid")
	if err != nil {
		return err
	}
	u, n, err := s.security().RevokeUserSessions(c.Request().Context(), actor(c), uid)
	if err != nil {
		return err
	}
	s.flash(c, "success", "online.revoked_all", u.Username, n)
	return c.Redirect(http.StatusSeeOther, sessionsBack(c))
}

// ---- JSON API ----

// apiLoginEvent is a login event in the API.
type apiLoginEvent struct {
	ID        int64     `json:"id"`
	UserID    *int64    `json:"user_id"`
	Username  string    `json:"username"`
	Result    string    `json:"result"`
	Reason    string    `json:"reason"`
	IP        string    `json:"ip"`
	UserAgent string    `json:"user_agent"`
	CreatedAt time.Time `json:"created_at"`
}

func toAPILoginEvent(e *model.LoginEvent) apiLoginEvent {
	return apiLoginEvent{ID: e.ID, UserID: e.UserID, Username: e.Username, Result: e.Result, Reason: e.Reason,
		IP: e.IP, UserAgent: e.UserAgent, CreatedAt: e.CreatedAt.UTC()}
}

// apiSession is an online session in the API; id is sessions.id, never the token.
type apiSession struct {
	ID          int64     `json:"id"`
	UserID      int64     `json:"user_id"`
	Username    string    `json:"username"`
	DisplayName string    `json:"display_name"`
	IP          string    `json:"ip"`
	UserAgent   string    `json:"user_agent"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	Expiry      time.Time `json:"expiry"`
}

func toAPISession(s *store.OnlineSession) apiSession {
	return apiSession{ID: s.ID, UserID: s.UserID, Username: s.Username, DisplayName: s.DisplayName, IP: s.IP,
		UserAgent: s.UserAgent, CreatedAt: s.CreatedAt.UTC(), UpdatedAt: s.UpdatedAt.UTC(), Expiry: s.Expiry.UTC()}
}

func (s *Server) apiLoginEvents(c echo.Context) error {
	req, err := pageRequest(c, store.LoginEventSortKeys())
	if err != nil {
		return err
	}
	_, f, err := readLoginEventQuery(c)
	if err != nil {
		return err
	}
	l, err := s.security().LoginEvents(c.Request().Context(), actor(c), f, req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIList(l, toAPILoginEvent))
}

func (s *Server) apiSessions(c echo.Context) error {
	req, err := pageRequest(c, store.SessionSortKeys())
	if err != nil {
		return err
	}
	f := store.SessionFilter{Username: strings.TrimSpace(c.QueryParam("username"))}
	if v := c.QueryParam("user_id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return (&model.ValidationError{}).Add("user_id", "online.bad_user_id")
		}
		f.UserID = id
	}
	l, err := s.security().Sessions(c.Request().Context(), actor(c), f, req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIList(l, toAPISession))
}

// apiSessionRevoke ends one session and answers it as it was.
func (s *Server) apiSessionRevoke(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	// The session this request runs in would be saved again as the request
	// ends (scs commits it): ending it is POST /logout.
	if id == s.currentSessionID(c) {
		return model.Rule("revoke_self", service.MsgSessionRevokeSelf)
	}
	sess, err := s.security().RevokeSession(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPISession(sess))
}

// apiUserSessionsRevoke ends every session of a user.
func (s *Server) apiUserSessionsRevoke(c echo.Context) error {
	uid, err := pathID(c, "uid")
	if err != nil {
		return err
	}
	_, n, err := s.security().RevokeUserSessions(c.Request().Context(), actor(c), uid)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]int64{"user_id": uid, "revoked": n})
}

// The OpenAPI entries of these routes live beside their handlers, so that
// this area needs no edit of openapi.go (the lead may move them there).
func init() {
	apiDocs["GET /api/v1/login-events"] = apiDoc{Tag: "security", Summary: "Login events (登录日志), newest first", Response: "list:LoginEvent",
		Query: withList(map[string]string{"from": "first day, YYYY-MM-DD in Asia/Shanghai", "to": "last day (included), YYYY-MM-DD in Asia/Shanghai",
			"username": "username contains", "result": "success | failure | logout", "ip": "a whole address matches exactly, a part (10.2.) as a prefix"})}
	apiDocs["GET /api/v1/sessions"] = apiDoc{Tag: "security", Summary: "Online sessions (在线用户), most recently active first", Response: "list:Session",
		Query: withList(map[string]string{"username": "username or name contains", "user_id": "the sessions of one user"})}
	apiDocs["POST /api/v1/sessions/:id/revoke"] = apiDoc{Tag: "security", Summary: "Force logout: end one session (id is sessions.id, never the token); answers the session as it was", Response: "Session"}
	apiDocs["POST /api/v1/sessions/user/:uid/revoke"] = apiDoc{Tag: "security", Summary: "End every session of a user (not one's own: 422)", Response: "RevokedSessions"}
	apiSchemas["LoginEvent"] = obj(nil, map[string]schema{"id": integer, "user_id": {"type": "integer", "nullable": true}, "username": str,
		"result": {"type": "string", "enum": []string{"success", "failure", "logout"}},
		"reason": {"type": "string", "description": "unknown_user | bad_password | bad_password_locked | locked | throttled | source_throttled | status_disabled | status_locked, empty on success"},
		"ip":     str, "user_agent": str, "created_at": dateTime})
	apiSchemas["Session"] = obj(nil, map[string]schema{"id": integer, "user_id": integer, "username": str, "display_name": str, "ip": str,
		"user_agent": str, "created_at": dateTime, "updated_at": dateTime, "expiry": dateTime})
	apiSchemas["RevokedSessions"] = obj(nil, map[string]schema{"user_id": integer, "revoked": integer})
}

// sessionsExport is GET /admin/sessions/export: the online sessions the
// filter selects, as xlsx or csv.
func (s *Server) sessionsExport(c echo.Context) error {
	format, err := report.ParseFormat(c.QueryParam("format"))
	if err != nil {
		return (&model.ValidationError{}).Add("format", "list.bad_format")
	}
	ctx, a, loc := c.Request().Context(), actor(c), Locale(c)
	f := store.SessionFilter{Username: strings.TrimSpace(c.QueryParam("username"))}
	T := func(k string) string { return s.cat.T(loc, k) }
	cols := []report.Column{{Header: T("online.user"), Width: 16}, {Header: T("user.display_name"), Width: 16},
		{Header: T("online.ip"), Width: 16}, {Header: T("online.user_agent"), Width: 40},
		{Header: T("online.created_at"), Width: 18}, {Header: T("online.updated_at"), Width: 18}, {Header: T("online.expiry"), Width: 18}}
	return s.streamExport(c, format, T("menu.online_users"), cols, func(w report.Writer) error {
		req := model.PageRequest{Limit: model.MaxPageSize}
		for {
			l, err := s.security().Sessions(ctx, a, f, req)
			if err != nil {
				return err
			}
			for _, it := range l.Items {
				if err := w.WriteRow(it.Username, it.DisplayName, it.IP, it.UserAgent, it.CreatedAt, it.UpdatedAt, it.Expiry); err != nil {
					return err
				}
			}
			if l.Next == "" {
				return nil
			}
			req.After = l.Next
		}
	})
}
