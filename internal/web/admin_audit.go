package web

import (
	"bytes"
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"tongxin/internal/model"
	"tongxin/internal/report"
	"tongxin/internal/service"
	"tongxin/internal/store"
)

// auditLog returns the audit-log service. It holds nothing but the database
// and the authorizer, so building it per request costs an allocation and
// needs no field in Deps.
func (s *Server) auditLog() *service.Audit {
	return service.NewAudit(s.deps(), service.AuditOptions{})
}

// auditActions are the action codes the catalog labels (audit.action.<code>),
// offered as suggestions in the filter; other codes are shown as they are.
var auditActions = []string{
	"login.success", "login.failure", "login.logout",
	"user.create", "user.update", "user.disable", "user.enable", "user.unlock", "user.password_reset", "user.password_change",
	"role_assignment.create", "role_assignment.revoke",
	"session.revoke", "token.create", "token.revoke",
	"audit.export", "audit.archive",
}

// auditKinds are the object kinds the catalog labels (audit.kind.<kind>).
var auditKinds = []string{"user", "role_assignment", "session", "token", "audit_log"}

// auditFilterForm is the filter as typed, kept in the form and the URL.
type auditFilterForm struct {
	From, To, Username, Action, ObjectKind, ObjectID string
}

// auditFilterMaxLen is the longest a filter field may be (characters).
const auditFilterMaxLen = 64

// parseAuditFilter reads the filter from the query. Dates are days in
// Asia/Shanghai (to is inclusive); the API also takes RFC 3339 instants
// (to is then exclusive).
func parseAuditFilter(c echo.Context) (auditFilterForm, store.AuditFilter, error) {
	q := c.QueryParams()
	form := auditFilterForm{
		From: strings.TrimSpace(q.Get("from")), To: strings.TrimSpace(q.Get("to")),
		Username: strings.TrimSpace(q.Get("username")), Action: strings.TrimSpace(q.Get("action")),
		ObjectKind: strings.TrimSpace(q.Get("object_kind")), ObjectID: strings.TrimSpace(q.Get("object_id")),
	}
	ve := &model.ValidationError{}
	f := store.AuditFilter{Username: form.Username, Action: form.Action, ObjectKind: form.ObjectKind, ObjectID: form.ObjectID}
	for field, v := range map[string]string{"from": form.From, "to": form.To, "username": form.Username,
		"action": form.Action, "object_kind": form.ObjectKind, "object_id": form.ObjectID} {
		switch {
		case utf8.RuneCountInString(v) > auditFilterMaxLen:
			ve.AddArgs(field, "form.too_long", auditFilterMaxLen)
		case !utf8.ValidString(v) || strings.ContainsFunc(v, isControl):
			ve.Add(field, "form.control_chars")
		}
	}
	if ve.Fields["from"] == "" && form.From != "" {
		t, ok := parseAuditTime(form.From, false)
		if !ok {
			ve.Add("from", "form.bad_date")
		}
		f.From = t
	}
	if ve.Fields["to"] == "" && form.To != "" {
		t, ok := parseAuditTime(form.To, true)
		if !ok {
			ve.Add("to", "form.bad_date")
		}
		f.To = t
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.To.After(f.From) {
		ve.Add("to", "audit.bad_range")
	}
	return form, f, ve.Err()
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// parseAuditTime reads a date (2026-03-05, a day in Shanghai) or an RFC 3339
// instant. An end date means the end of that day.
func parseAuditTime(s string, end bool) (time.Time, bool) {
	if d, err := time.ParseInLocation(time.DateOnly, s, Shanghai); err == nil {
		if end {
			d = d.AddDate(0, 0, 1)
		}
		return d.UTC(), true
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), true
	}
	return time.Time{}, false
}

// auditPage is the Data of admin/audit_log.
type auditPage struct {
	Filter   auditFilterForm
	Errors   map[string]string
	Items    []auditRow
	List     *ListView
	Actions  []auditOption
	Kinds    []auditOption
	MoreOpen bool
}

type auditOption struct{ Code, Label string }

// auditRow is one row as the page and the export show it.
type auditRow struct {
	ID          int64
	Time        string
	Username    string
	UserID      *int64
	IP          string
	Action      string
	ActionLabel string
	ObjectKind  string
	KindLabel   string
	ObjectID    string
	Domain      string
	RequestID   string
	Changes     []changeLine
}

// changeLine is one field of the changes: "field: before → after", or
// "field: value" for a value that is not a (before, after) pair.
type changeLine struct {
	Field, Before, After string
	Pair                 bool
}

func (l changeLine) String() string {
	var b strings.Builder
	if l.Field != "" {
		b.WriteString(l.Field)
		b.WriteString(": ")
	}
	if l.Pair {
		b.WriteString(l.Before)
		b.WriteString(" → ")
	}
	b.WriteString(l.After)
	return b.String()
}

// changesText is the changes on one line (exports).
func changesText(lines []changeLine) string {
	parts := make([]string, len(lines))
	for i, l := range lines {
		parts[i] = l.String()
	}
	return strings.Join(parts, "; ")
}

func (s *Server) auditRow(loc string, e *model.AuditEntry) auditRow {
	r := auditRow{
		ID: e.ID, Time: e.CreatedAt.In(Shanghai).Format(time.DateTime), Username: e.Username, UserID: e.UserID,
		IP: e.IP, Action: e.Action, ActionLabel: s.labelOr(loc, "audit.action.", e.Action),
		ObjectKind: e.ObjectKind, KindLabel: s.labelOr(loc, "audit.kind.", e.ObjectKind), ObjectID: e.ObjectID,
		Domain: e.Domain, RequestID: e.RequestID, Changes: s.changeLines(loc, e.Changes),
	}
	if e.Domain == model.DomainSys {
		r.Domain = s.cat.T(loc, "audit.domain_sys")
	}
	return r
}

// labelOr translates prefix+code when the catalog knows it, else returns code.
func (s *Server) labelOr(loc, prefix, code string) string {
	if code == "" || !s.cat.Has(prefix+code) {
		return code
	}
	return s.cat.T(loc, prefix+code)
}

// changeLines renders the changes JSON ({"field": [before, after]} or
// {"field": value}) readably, fields in name order. Text that is not a JSON
// object is shown as it is.
func (s *Server) changeLines(loc, raw string) []changeLine {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		return []changeLine{{After: raw}}
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]changeLine, 0, len(keys))
	for _, k := range keys {
		l := changeLine{Field: s.labelOr(loc, "audit.field.", k)}
		var pair []json.RawMessage
		if err := json.Unmarshal(m[k], &pair); err == nil && len(pair) == 2 {
			l.Pair, l.Before, l.After = true, s.changeValue(loc, pair[0]), s.changeValue(loc, pair[1])
		} else {
			l.After = s.changeValue(loc, m[k])
		}
		out = append(out, l)
	}
	return out
}

// changeValue shows one JSON value: null as （空）, a time in Shanghai, a flat
// object as "key=value, …", anything else as its text.
func (s *Server) changeValue(loc string, v json.RawMessage) string {
	v = bytes.TrimSpace(v)
	if len(v) == 0 || string(v) == "null" {
		return s.cat.T(loc, "audit.empty_value")
	}
	switch v[0] {
	case '"':
		var str string
		if err := json.Unmarshal(v, &str); err != nil {
			return string(v)
		}
		if t, err := time.Parse(time.RFC3339Nano, str); err == nil {
			return t.In(Shanghai).Format(time.DateTime)
		}
		if str == "" {
			return s.cat.T(loc, "audit.empty_value")
		}
		return str
	case '{':
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(v, &obj); err != nil {
			return string(v)
		}
		if len(obj) == 0 {
			return s.cat.T(loc, "audit.empty_value")
		}
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = s.labelOr(loc, "audit.field.", k) + "=" + s.changeValue(loc, obj[k])
		}
		return strings.Join(parts, ", ")
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, v); err != nil {
		return string(v)
	}
	return buf.String()
}

func (s *Server) auditOptions(loc string) (actions, kinds []auditOption) {
	for _, a := range auditActions {
		actions = append(actions, auditOption{Code: a, Label: s.cat.T(loc, "audit.action."+a)})
	}
	for _, k := range auditKinds {
		kinds = append(kinds, auditOption{Code: k, Label: s.cat.T(loc, "audit.kind."+k)})
	}
	return actions, kinds
}

// auditPageRequest is the page request with the list's default order made
// explicit (newest first), so that the 时间 header shows it.
func auditPageRequest(c echo.Context) (model.PageRequest, error) {
	req, err := pageRequest(c, store.AuditSortKeys())
	if err != nil {
		return req, err
	}
	if req.Sort == "" {
		req.Sort, req.Desc = "created_at", true
	}
	return req, nil
}

// auditLogList is GET /admin/audit-log (审计管理员).
func (s *Server) auditLogList(c echo.Context) error {
	req, err := auditPageRequest(c)
	if err != nil {
		return err
	}
	loc := Locale(c)
	form, f, ferr := parseAuditFilter(c)
	page := auditPage{Filter: form, MoreOpen: form.ObjectKind != "" || form.ObjectID != ""}
	page.Actions, page.Kinds = s.auditOptions(loc)
	status := http.StatusOK
	var l model.List[model.AuditEntry]
	if ve, ok := ferr.(*model.ValidationError); ok {
		// Show the form again with the messages; run no query.
		page.Errors = s.fieldMessages(loc, ve)
		page.MoreOpen = page.MoreOpen || ve.Fields["object_kind"] != "" || ve.Fields["object_id"] != ""
		status = http.StatusBadRequest
	} else {
		l, err = s.auditLog().List(c.Request().Context(), actor(c), f, req)
		if err != nil {
			return err
		}
	}
	page.Items = make([]auditRow, len(l.Items))
	for i := range l.Items {
		page.Items[i] = s.auditRow(loc, &l.Items[i])
	}
	page.List = newListView(c, req, l, "/admin/audit-log/export")
	title := s.cat.T(loc, "menu.audit_log")
	v := s.view(c, title, Crumb{Label: s.cat.T(loc, "menu.group.system")}, Crumb{Label: title})
	v.Data = page
	return s.page(c, status, "admin/audit_log", v)
}

// auditLogExport is GET /admin/audit-log/export?format=xlsx|csv&<filter>:
// the filtered rows, newest first, streamed in keyset batches. The export is
// itself recorded in the audit log (audit.export).
func (s *Server) auditLogExport(c echo.Context) error {
	format, err := report.ParseFormat(c.QueryParam("format"))
	if err != nil {
		return (&model.ValidationError{}).Add("format", "list.bad_format")
	}
	_, f, err := parseAuditFilter(c)
	if err != nil {
		return err
	}
	loc := Locale(c)
	tr := func(k string) string { return s.cat.T(loc, k) }
	cols := []report.Column{
		{Header: tr("audit.time"), Width: 20}, {Header: tr("audit.actor"), Width: 16}, {Header: tr("audit.ip"), Width: 16},
		{Header: tr("audit.action"), Width: 14}, {Header: tr("audit.action_code"), Width: 22},
		{Header: tr("audit.object_kind"), Width: 12}, {Header: tr("audit.object_id"), Width: 10},
		{Header: tr("audit.domain"), Width: 16}, {Header: tr("audit.request_id"), Width: 26}, {Header: tr("audit.changes"), Width: 60},
	}
	ctx := c.Request().Context()
	return s.streamExport(c, format, tr("menu.audit_log"), cols, func(w report.Writer) error {
		return s.auditLog().Export(ctx, actor(c), f, string(format), func(e *model.AuditEntry) error {
			r := s.auditRow(loc, e)
			return w.WriteRow(r.Time, r.Username, r.IP, r.ActionLabel, r.Action, r.KindLabel, r.ObjectID, r.Domain, r.RequestID, changesText(r.Changes))
		})
	})
}

// apiAuditEntry is one row of GET /api/v1/audit-log.
type apiAuditEntry struct {
	ID         int64           `json:"id"`
	CreatedAt  time.Time       `json:"created_at"`
	UserID     *int64          `json:"user_id"`
	Username   string          `json:"username"`
	IP         string          `json:"ip"`
	RequestID  string          `json:"request_id"`
	Action     string          `json:"action"`
	ObjectKind string          `json:"object_kind"`
	ObjectID   string          `json:"object_id"`
	Domain     string          `json:"domain"`
	Changes    json.RawMessage `json:"changes"`
}

func toAPIAudit(e *model.AuditEntry) apiAuditEntry {
	out := apiAuditEntry{ID: e.ID, CreatedAt: e.CreatedAt.UTC(), UserID: e.UserID, Username: e.Username, IP: e.IP,
		RequestID: e.RequestID, Action: e.Action, ObjectKind: e.ObjectKind, ObjectID: e.ObjectID, Domain: e.Domain,
		Changes: json.RawMessage("null")}
	if raw := strings.TrimSpace(e.Changes); raw != "" {
		if json.Valid([]byte(raw)) {
			out.Changes = json.RawMessage(raw)
		} else {
			b, _ := json.Marshal(raw)
			out.Changes = b
		}
	}
	return out
}

// apiAuditLog is GET /api/v1/audit-log?from=&to=&username=&action=&object_kind=&object_id=&limit=&after=.
func (s *Server) apiAuditLog(c echo.Context) error {
	req, err := pageRequest(c, store.AuditSortKeys())
	if err != nil {
		return err
	}
	_, f, err := parseAuditFilter(c)
	if err != nil {
		return err
	}
	l, err := s.auditLog().List(c.Request().Context(), actor(c), f, req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIList(l, toAPIAudit))
}
