package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
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

// auditActionGroup is a kind of operation in the 操作 filter: the catalog
// labels it audit.group.<Key>, each action audit.action.<code>.
type auditActionGroup struct {
	Key string
	// Security marks sign-ins and security events, which the log leaves
	// out by default (business operations) and shows as a choice of their own.
	Security bool
	Actions  []string
}

// auditActionGroups lists every action the services write, by kind of
// operation (TestAuditActionsHaveLabels reads the services' sources and
// fails on an action that is missing here or from the catalog).
var auditActionGroups = []auditActionGroup{
	{Key: "project", Actions: []string{"project.create", "project.draft_from_need", "project.update", "project.submit", "project.approve",
		"project.return", "project.start", "project.change_plan", "project.progress", "project.complete", "project.evaluate", "project.cancel",
		"project.import"}},
	{Key: "need", Actions: []string{"need.create", "need.update", "need.publish", "need.close", "need.expire", "need.status", "need.import"}},
	{Key: "resource", Actions: []string{"resource.create", "resource.update", "resource.publish", "resource.withdraw", "resource.expire",
		"resource.import"}},
	{Key: "claim", Actions: []string{"claim.create", "claim.accept", "claim.reject", "claim.withdraw"}},
	{Key: "case", Actions: []string{"case.nominate", "case.select", "case.decline"}},
	{Key: "alliance", Actions: []string{"alliance.create", "alliance.update", "alliance.deactivate", "alliance.activate",
		"membership.create", "membership.update", "membership.leave",
		"committee.create", "committee.update", "committee.deactivate", "committee.activate", "committee.member_add", "committee.member_remove"}},
	{Key: "meeting", Actions: []string{"meeting.create", "meeting.update", "meeting.hold", "meeting.cancel", "meeting.attendance",
		"meeting.review_confirm", "meeting.letters", "meeting.projects_signed", "meeting.published", "meeting.terms_announced",
		"calendar_feed.create"}},
	{Key: "rotation", Actions: []string{"rotation_term.create", "rotation_term.plan", "rotation_term.hand_over", "rotation_term.delete",
		"rotation_term.chair_roles", "rotation_duty.update"}},
	{Key: "unit", Actions: []string{"unit.create", "unit.update", "unit.deactivate", "unit.activate", "unit.import"}},
	{Key: "geo", Actions: []string{"street.create", "street.update", "street.deactivate", "street.activate",
		"grid.create", "grid.update", "grid.deactivate", "grid.activate",
		"service_site.create", "service_site.update", "service_site.deactivate", "service_site.activate"}},
	{Key: "data", Actions: []string{"dictionary.create", "dictionary.update", "dictionary.deactivate", "dictionary.activate",
		"import.create", "attachment.create"}},
	{Key: "personal", Actions: []string{"export.personal", "unit.erase_contact", "user.erase"}},
	{Key: "account", Actions: []string{"user.create", "user.update", "user.disable", "user.enable",
		"role_assignment.create", "role_assignment.revoke", "audit.export", "audit.archive"}},
	{Key: "security", Security: true, Actions: []string{"login.success", "login.failure", "login.logout", "user.password_change",
		"user.password_reset", "user.unlock", "session.revoke", "token.create", "token.revoke"}},
}

// Values of the 操作 filter besides a group (g:<key>) and one action.
const (
	auditAllActions  = "all" // business operations and sign-ins together
	auditGroupPrefix = "g:"  // a kind of operation
	auditSecurityKey = "g:security"
)

// auditGroup finds a group by key.
func auditGroup(key string) (auditActionGroup, bool) {
	for _, g := range auditActionGroups {
		if g.Key == key {
			return g, true
		}
	}
	return auditActionGroup{}, false
}

// auditSecurityActions are the sign-ins and security events.
func auditSecurityActions() []string {
	var out []string
	for _, g := range auditActionGroups {
		if g.Security {
			out = append(out, g.Actions...)
		}
	}
	return out
}

// auditKindPaths are the pages of the objects the log names, for links.
var auditKindPaths = map[string]string{
	"project": "/projects/", "need": "/needs/", "resource": "/resources/", "claim": "/claims/", "alliance": "/alliances/",
	"unit": "/units/", "meeting": "/meetings/", "rotation_term": "/rotation-terms/", "street": "/streets/", "grid": "/grids/",
	"service_site": "/service-sites/", "user": "/admin/users/", "import_job": "/imports/",
}

// auditIDFields name the object kind of the change fields that hold ids.
var auditIDFields = map[string]string{
	"alliance_id": "alliance", "unit_id": "unit", "unit_ids": "unit", "member_unit_ids": "unit", "claimant_unit_id": "unit",
	"convenor_unit_id": "unit", "host_unit_id": "unit", "lead_unit_id": "unit", "managing_unit_id": "unit", "provider_unit_id": "unit",
	"submitter_unit_id": "unit", "first_unit_id": "unit", "last_unit_id": "unit", "need_id": "need", "need_ids": "need",
	"resource_id": "resource", "resource_ids": "resource", "project_id": "project", "meeting_id": "meeting", "committee_id": "committee",
	"street_id": "street", "grid_id": "grid", "site_id": "service_site", "site_ids": "service_site", "service_site_id": "service_site",
	"case_id": "case", "user_id": "user", "district_id": "district", "job_id": "import_job", "attachment_ids": "attachment",
	"evidence_ids": "attachment",
}

// auditStatusPrefix is where the catalog keeps the status labels of a kind.
var auditStatusPrefix = map[string]string{"rotation_term": "rotation.status.", "dictionary_item": "audit.value.status."}

// auditFilterForm is the filter as typed, kept in the form and the URL.
type auditFilterForm struct {
	From, To, Username, Action, ObjectKind, ObjectID string
}

// auditFilterMaxLen is the longest a filter field may be (characters).
const auditFilterMaxLen = 64

// parseAuditFilter reads the filter from the query. Dates are days in
// Asia/Shanghai (to is inclusive); the API also takes RFC 3339 instants
// (to is then exclusive). action is a code or its start (login.), a kind of
// operation (g:project), or all; without it the page and its export show
// the business operations (no sign-ins and security events) and the API
// every row.
func parseAuditFilter(c echo.Context, page bool) (auditFilterForm, store.AuditFilter, error) {
	q := c.QueryParams()
	form := auditFilterForm{
		From: strings.TrimSpace(q.Get("from")), To: strings.TrimSpace(q.Get("to")),
		Username: strings.TrimSpace(q.Get("username")), Action: strings.TrimSpace(q.Get("action")),
		ObjectKind: strings.TrimSpace(q.Get("object_kind")), ObjectID: strings.TrimSpace(q.Get("object_id")),
	}
	ve := &model.ValidationError{}
	f := store.AuditFilter{Username: form.Username, ObjectKind: form.ObjectKind, ObjectID: form.ObjectID}
	for field, v := range map[string]string{"from": form.From, "to": form.To, "username": form.Username,
		"action": form.Action, "object_kind": form.ObjectKind, "object_id": form.ObjectID} {
		switch {
		case utf8.RuneCountInString(v) > auditFilterMaxLen:
			ve.AddArgs(field, "form.too_long", auditFilterMaxLen)
		case !utf8.ValidString(v) || strings.ContainsFunc(v, isControl):
			ve.Add(field, "form.control_chars")
		}
	}
	switch a := form.Action; {
	case ve.Fields["action"] != "":
	case a == "":
		if page {
			f.ExcludeActions = auditSecurityActions()
		}
	case a == auditAllActions:
	case strings.HasPrefix(a, auditGroupPrefix):
		g, ok := auditGroup(strings.TrimPrefix(a, auditGroupPrefix))
		if !ok {
			ve.Add("action", "audit.bad_group")
		}
		f.Actions = g.Actions
	default:
		f.Action = a
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
	Groups   []auditSelectGroup
	Kinds    []auditOption
	Security bool // the sign-ins and security events are shown
	MoreOpen bool
	// Other is an action typed in the URL (login.) that the select does
	// not offer: it is kept as an option of its own; OtherKind likewise.
	Other, OtherKind string
}

type auditOption struct{ Code, Label string }

// auditSelectGroup is an optgroup of the 操作 select: the whole kind of
// operation first, then each action.
type auditSelectGroup struct {
	Label   string
	All     auditOption
	Options []auditOption
}

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
	ObjectName  string // the object's name (title), else #id
	ObjectURL   string // its page, when the viewer may open it
	Domain      string // the domain by name
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

// auditNames are the names of the objects a batch of rows refers to, and
// the labels of the dictionary codes (categories, kinds, measures).
type auditNames struct {
	objects map[string]map[int64]string
	dicts   map[string]map[string]string
}

func (n auditNames) name(kind string, id int64) string { return n.objects[kind][id] }

// auditDictField says which dictionary labels a change field: the kind of
// a field "kind" depends on the object.
func auditDictField(objKind, field string) string {
	switch field {
	case "category":
		return model.DictNeedCategory
	case "resource_kind":
		return model.DictResourceKind
	case "measure":
		return model.DictMeasure
	case "source":
		return model.DictFundingSource
	case "kind":
		return map[string]string{"resource": model.DictResourceKind, "unit": model.DictUnitKind, "alliance": model.DictAllianceKind,
			"service_site": model.DictSiteKind}[objKind]
	}
	return ""
}

// auditDictKinds are the dictionaries auditDictField names.
var auditDictKinds = []string{model.DictNeedCategory, model.DictResourceKind, model.DictMeasure, model.DictFundingSource,
	model.DictUnitKind, model.DictAllianceKind, model.DictSiteKind}

// auditRefs collects the objects a batch of rows refers to, by kind.
type auditRefs map[string]map[int64]bool

func (r auditRefs) add(kind string, id int64) {
	if id <= 0 || !store.AuditNameKinds(kind) {
		return
	}
	if r[kind] == nil {
		r[kind] = map[int64]bool{}
	}
	r[kind][id] = true
}

func (r auditRefs) addDomain(domain string) {
	if kind, id, err := model.ParseDomain(domain); err == nil && kind != model.DomainSys {
		r.add(kind, id)
	}
}

// collect adds what one row refers to: its object, its domain, the ids and
// domains in its changes.
func (r auditRefs) collect(e *model.AuditEntry) {
	if id, err := strconv.ParseInt(e.ObjectID, 10, 64); err == nil {
		r.add(e.ObjectKind, id)
	}
	r.addDomain(e.Domain)
	var m map[string]json.RawMessage
	if json.Unmarshal([]byte(e.Changes), &m) != nil {
		return
	}
	var walk func(field string, v json.RawMessage)
	walk = func(field string, v json.RawMessage) {
		v = bytes.TrimSpace(v)
		if len(v) == 0 {
			return
		}
		switch v[0] {
		case '[':
			var arr []json.RawMessage
			if json.Unmarshal(v, &arr) == nil {
				for _, x := range arr {
					walk(field, x)
				}
			}
		case '{':
			var obj map[string]json.RawMessage
			if json.Unmarshal(v, &obj) == nil {
				for k, x := range obj {
					walk(k, x)
				}
			}
		case '"':
			var s string
			if json.Unmarshal(v, &s) == nil && strings.Contains(s, ":") {
				r.addDomain(s)
				if field == "units" { // "12:lead,13:partner"
					for _, p := range auditPairs(s) {
						if id, err := strconv.ParseInt(p[0], 10, 64); err == nil {
							r.add("unit", id)
						}
					}
				}
			}
		default:
			if kind, ok := auditIDFields[field]; ok {
				if id, err := strconv.ParseInt(string(v), 10, 64); err == nil {
					r.add(kind, id)
				}
			}
		}
	}
	for k, v := range m {
		walk(k, v)
	}
}

// auditNamesOf names what the rows refer to, in one statement per kind.
func (s *Server) auditNamesOf(c echo.Context, rows []model.AuditEntry) (auditNames, error) {
	out := auditNames{dicts: map[string]map[string]string{}}
	if len(rows) == 0 {
		return out, nil
	}
	ctx := c.Request().Context()
	// The dictionaries come from the server's cache.
	dict := service.NewDictionaries(s.deps())
	for _, kind := range auditDictKinds {
		labels, err := dict.Labels(ctx, kind, Locale(c))
		if err != nil {
			return out, err
		}
		out.dicts[kind] = labels
	}
	refs := auditRefs{}
	for i := range rows {
		refs.collect(&rows[i])
	}
	if len(refs) == 0 {
		return out, nil
	}
	ids := make(map[string][]int64, len(refs))
	for kind, set := range refs {
		for id := range set {
			ids[kind] = append(ids[kind], id)
		}
		slices.Sort(ids[kind])
	}
	var err error
	out.objects, err = s.auditLog().Names(ctx, actor(c), ids)
	return out, err
}

// auditRowView builds what a row shows. viewer is the user reading (0 in
// exports: no links).
func (s *Server) auditRowView(loc string, viewer int64, e *model.AuditEntry, names auditNames) auditRow {
	r := auditRow{
		ID: e.ID, Time: e.CreatedAt.In(Shanghai).Format(time.DateTime), Username: e.Username, UserID: e.UserID,
		IP: e.IP, Action: e.Action, ActionLabel: s.labelOr(loc, "audit.action.", e.Action),
		ObjectKind: e.ObjectKind, KindLabel: s.labelOr(loc, "audit.kind.", e.ObjectKind), ObjectID: e.ObjectID,
		Domain: s.auditDomain(loc, e.Domain, names), RequestID: e.RequestID,
		Changes: s.changeLines(loc, e.ObjectKind, e.Action, e.Changes, names),
	}
	if id, err := strconv.ParseInt(e.ObjectID, 10, 64); err == nil {
		r.ObjectName = names.name(e.ObjectKind, id)
		if r.ObjectName == "" {
			r.ObjectName = "#" + e.ObjectID
		}
		if path, ok := auditKindPaths[e.ObjectKind]; ok && viewer != 0 && s.auditMayOpen(viewer, e) {
			r.ObjectURL = path + e.ObjectID
		}
	} else if e.ObjectID != "" {
		r.ObjectName = e.ObjectID
	}
	return r
}

// auditMayOpen reports whether the viewer may open the row's object: read
// on its kind in the row's domain or the whole system. (A grant further up
// the object's chain is not looked for: no link rather than a refusal.)
func (s *Server) auditMayOpen(viewer int64, e *model.AuditEntry) bool {
	chain := []string{model.DomainSys}
	if e.Domain != "" && e.Domain != model.DomainSys {
		chain = []string{e.Domain, model.DomainSys}
	}
	return s.authz.Can(viewer, chain, e.ObjectKind, "read")
}

// auditDomain names a domain: 全系统, 徐汇区, the alliance's or unit's name.
func (s *Server) auditDomain(loc, domain string, names auditNames) string {
	kind, id, err := model.ParseDomain(domain)
	switch {
	case err != nil:
		return domain
	case kind == model.DomainSys:
		return s.cat.T(loc, "audit.domain_sys")
	}
	if n := names.name(kind, id); n != "" {
		return n
	}
	return s.cat.T(loc, "profile.domain."+kind, id)
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
func (s *Server) changeLines(loc, kind, action, raw string, names auditNames) []changeLine {
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
	cv := changeValuer{s: s, loc: loc, kind: kind, action: action, names: names}
	for _, k := range keys {
		l := changeLine{Field: s.labelOr(loc, "audit.field.", k)}
		var pair []json.RawMessage
		if err := json.Unmarshal(m[k], &pair); err == nil && len(pair) == 2 && !strings.HasSuffix(k, "_ids") {
			l.Pair, l.Before, l.After = true, cv.value(k, pair[0]), cv.value(k, pair[1])
		} else {
			l.After = cv.value(k, m[k])
		}
		out = append(out, l)
	}
	return out
}

// changeValuer shows the values of one row's changes.
type changeValuer struct {
	s            *Server
	loc          string
	kind, action string
	names        auditNames
}

// auditPairs splits the "a:b,c:d" texts of a project's units and funding.
func auditPairs(s string) [][2]string {
	var out [][2]string
	for _, part := range strings.Split(s, ",") {
		if a, b, ok := strings.Cut(part, ":"); ok {
			out = append(out, [2]string{a, b})
		}
	}
	return out
}

// pairs shows a project's units ("12:lead" → 凌云物业（牵头单位）) or
// funding ("district_fund:50000000" → 区级经费 500,000.00 元); ok is false
// for any other text.
func (v changeValuer) pairs(field, str string) (string, bool) {
	if field != "units" && field != "funding" {
		return "", false
	}
	ps := auditPairs(str)
	if len(ps) == 0 {
		return "", false
	}
	parts := make([]string, 0, len(ps))
	for _, p := range ps {
		switch field {
		case "units":
			id, err := strconv.ParseInt(p[0], 10, 64)
			if err != nil {
				return "", false
			}
			name := v.names.name("unit", id)
			if name == "" {
				name = "#" + p[0]
			}
			parts = append(parts, name+"（"+v.s.labelOr(v.loc, "project.unit_role.", p[1])+"）")
		case "funding":
			fen, err := strconv.ParseInt(p[1], 10, 64)
			if err != nil {
				return "", false
			}
			source := v.names.dicts[model.DictFundingSource][p[0]]
			if source == "" {
				source = p[0]
			}
			parts = append(parts, source+" "+fmtYuan(fen))
		}
	}
	return strings.Join(parts, "、"), true
}

// hexDigest matches a SHA-256 in hex.
var hexDigest = regexp.MustCompile(`^[0-9a-f]{64}$`)

// value shows one JSON value of field: null as （空）, money in 元, an id by
// its object's name, a code by its label, a time in Shanghai, a digest
// shortened, a flat object as "key=value, …", a list joined with 、.
func (v changeValuer) value(field string, raw json.RawMessage) string {
	s, loc := v.s, v.loc
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return s.cat.T(loc, "audit.empty_value")
	}
	switch raw[0] {
	case '"':
		var str string
		if err := json.Unmarshal(raw, &str); err != nil {
			return string(raw)
		}
		if t, err := time.Parse(time.RFC3339Nano, str); err == nil {
			return t.In(Shanghai).Format(time.DateTime)
		}
		if str == "" {
			return s.cat.T(loc, "audit.empty_value")
		}
		if mask, ok := model.PersonalFields[field]; ok { // rows written before they were stored masked
			return mask(str)
		}
		if hexDigest.MatchString(str) {
			if field == "sha256" { // the field's label says what it is
				return str[:12] + "…"
			}
			return s.cat.T(loc, "audit.digest", str[:12])
		}
		if text, ok := v.pairs(field, str); ok {
			return text
		}
		if _, _, err := model.ParseDomain(str); err == nil && (field == "domain" || strings.Contains(str, ":")) {
			return s.auditDomain(loc, str, v.names)
		}
		return v.code(field, str)
	case '{':
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(raw, &obj); err != nil {
			return string(raw)
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
			parts[i] = s.labelOr(loc, "audit.field.", k) + "=" + v.value(k, obj[k])
		}
		return strings.Join(parts, ", ")
	case '[':
		var arr []json.RawMessage
		if err := json.Unmarshal(raw, &arr); err != nil {
			return string(raw)
		}
		if len(arr) == 0 {
			return s.cat.T(loc, "audit.empty_value")
		}
		parts := make([]string, len(arr))
		for i, x := range arr {
			parts[i] = v.value(field, x)
		}
		return strings.Join(parts, "、")
	case 't', 'f':
		if string(raw) == "true" {
			return s.cat.T(loc, "audit.yes")
		}
		return s.cat.T(loc, "audit.no")
	}
	if n, err := strconv.ParseInt(string(raw), 10, 64); err == nil {
		if strings.HasSuffix(field, "_fen") {
			return fmtYuan(n)
		}
		if kind, ok := auditIDFields[field]; ok {
			if name := v.names.name(kind, n); name != "" {
				return name
			}
			return "#" + string(raw)
		}
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return string(raw)
	}
	return buf.String()
}

// code shows a code by its label: a status in the object's kind, a grade, a
// role, a reason … or the text as it is (free text, names).
func (v changeValuer) code(field, str string) string {
	if d := auditDictField(v.kind, field); d != "" {
		if label := v.names.dicts[d][str]; label != "" {
			return label
		}
	}
	var keys []string
	if field == "status" || field == "from" || field == "to" || field == "from_status" || field == "to_status" {
		if p, ok := auditStatusPrefix[v.kind]; ok {
			keys = append(keys, p+str)
		}
		keys = append(keys, v.kind+".status."+str)
	}
	keys = append(keys, v.kind+"."+field+"."+str)
	switch field {
	case "role":
		keys = append(keys, "role.name."+str)
	case "grade":
		keys = append(keys, "project.grade."+str)
	case "level":
		keys = append(keys, "case.level."+str)
	case "visibility":
		keys = append(keys, "lists.visibility."+str)
	case "rank":
		keys = append(keys, "membership.rank."+str)
	case "reason":
		if strings.HasPrefix(v.action, "login.") {
			keys = append(keys, "login_event.reason."+str)
		}
	case "action":
		keys = append(keys, "audit.action."+str)
	}
	keys = append(keys, "audit.value."+field+"."+str)
	for _, k := range keys {
		if v.s.cat.Has(k) {
			return v.s.cat.T(v.loc, k)
		}
	}
	return str
}

// fmtYuan shows an amount in fen as 元 with two decimals: 2,000.00 元.
func fmtYuan(fen int64) string {
	sign := ""
	if fen < 0 {
		sign, fen = "-", -fen
	}
	return fmt.Sprintf("%s%s.%02d 元", sign, fmtInt(fen/100), fen%100)
}

// auditSelect is the 操作 select: the kinds of operation, each with its actions.
func (s *Server) auditSelect(loc string) []auditSelectGroup {
	out := make([]auditSelectGroup, 0, len(auditActionGroups))
	for _, g := range auditActionGroups {
		sg := auditSelectGroup{Label: s.cat.T(loc, "audit.group."+g.Key),
			All: auditOption{Code: auditGroupPrefix + g.Key, Label: s.cat.T(loc, "audit.group_all", s.cat.T(loc, "audit.group."+g.Key))}}
		for _, a := range g.Actions {
			sg.Options = append(sg.Options, auditOption{Code: a, Label: s.cat.T(loc, "audit.action."+a)})
		}
		out = append(out, sg)
	}
	return out
}

// auditKindOptions are the object kinds the catalog labels.
func (s *Server) auditKindOptions(loc string) []auditOption {
	var out []auditOption
	for _, k := range s.cat.Keys() {
		if kind, ok := strings.CutPrefix(k, "audit.kind."); ok {
			out = append(out, auditOption{Code: kind, Label: s.cat.T(loc, k)})
		}
	}
	return out
}

// auditOffered reports whether the select offers the action filter value.
func auditOffered(a string) bool {
	if a == "" || a == auditAllActions {
		return true
	}
	if g, ok := strings.CutPrefix(a, auditGroupPrefix); ok {
		_, ok := auditGroup(g)
		return ok
	}
	for _, g := range auditActionGroups {
		if slices.Contains(g.Actions, a) {
			return true
		}
	}
	return false
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
	form, f, ferr := parseAuditFilter(c, true)
	page := auditPage{Filter: form, MoreOpen: form.ObjectKind != "" || form.ObjectID != "",
		Security: form.Action == auditSecurityKey}
	page.Groups, page.Kinds = s.auditSelect(loc), s.auditKindOptions(loc)
	if !auditOffered(form.Action) {
		page.Other = form.Action
	}
	if k := form.ObjectKind; k != "" && !slices.ContainsFunc(page.Kinds, func(o auditOption) bool { return o.Code == k }) {
		page.OtherKind = k
	}
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
	names, err := s.auditNamesOf(c, l.Items)
	if err != nil {
		return err
	}
	viewer := CurrentUser(c).ID
	page.Items = make([]auditRow, len(l.Items))
	for i := range l.Items {
		page.Items[i] = s.auditRowView(loc, viewer, &l.Items[i], names)
	}
	page.List = newListView(c, req, l, "/admin/audit-log/export")
	title := s.cat.T(loc, "menu.audit_log")
	v := s.view(c, title, Crumb{Label: s.cat.T(loc, "menu.group.system")}, Crumb{Label: title})
	v.Data = page
	return s.page(c, status, "admin/audit_log", v)
}

// auditLogExport is GET /admin/audit-log/export?format=xlsx|csv&<filter>:
// the filtered rows, newest first, streamed in keyset batches, named a
// batch at a time. The export is itself recorded in the audit log
// (audit.export).
func (s *Server) auditLogExport(c echo.Context) error {
	format, err := report.ParseFormat(c.QueryParam("format"))
	if err != nil {
		return (&model.ValidationError{}).Add("format", "list.bad_format")
	}
	_, f, err := parseAuditFilter(c, true)
	if err != nil {
		return err
	}
	loc := Locale(c)
	tr := func(k string) string { return s.cat.T(loc, k) }
	cols := []report.Column{
		{Header: tr("audit.time"), Width: 20}, {Header: tr("audit.actor"), Width: 16}, {Header: tr("audit.ip"), Width: 16},
		{Header: tr("audit.action"), Width: 14}, {Header: tr("audit.action_code"), Width: 22},
		{Header: tr("audit.object_kind"), Width: 12}, {Header: tr("audit.object_id"), Width: 10}, {Header: tr("audit.object"), Width: 30},
		{Header: tr("audit.domain"), Width: 16}, {Header: tr("audit.request_id"), Width: 26}, {Header: tr("audit.changes"), Width: 60},
	}
	ctx := c.Request().Context()
	return s.streamExport(c, format, tr("menu.audit_log"), cols, func(w report.Writer) error {
		batch := make([]model.AuditEntry, 0, auditExportBatch)
		flush := func() error {
			names, err := s.auditNamesOf(c, batch)
			if err != nil {
				return err
			}
			for i := range batch {
				r := s.auditRowView(loc, 0, &batch[i], names)
				if err := w.WriteRow(r.Time, r.Username, r.IP, r.ActionLabel, r.Action, r.KindLabel, r.ObjectID, r.ObjectName,
					r.Domain, r.RequestID, changesText(r.Changes)); err != nil {
					return err
				}
			}
			batch = batch[:0]
			return nil
		}
		err := s.auditLog().Export(ctx, actor(c), f, string(format), func(e *model.AuditEntry) error {
			batch = append(batch, *e)
			if len(batch) == auditExportBatch {
				return flush()
			}
			return nil
		})
		if err != nil {
			return err
		}
		return flush()
	})
}

// auditExportBatch is how many rows an export names at a time.
const auditExportBatch = 500

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
	_, f, err := parseAuditFilter(c, false)
	if err != nil {
		return err
	}
	l, err := s.auditLog().List(c.Request().Context(), actor(c), f, req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIList(l, toAPIAudit))
}
