package web

import (
	"errors"
	"net/http"
	"slices"
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

// usersPage is the Data of admin/users/list.
type usersPage struct {
	Filter store.UserFilter
	Items  []model.User
	List   *ListView
	Roles  []string
	Now    time.Time
	// CanCreate shows 新增.
	CanCreate bool
}

func userFilter(c echo.Context) store.UserFilter {
	return store.UserFilter{
		Query:  strings.TrimSpace(c.QueryParam("q")),
		Status: c.QueryParam("status"),
		Role:   c.QueryParam("role"),
		Domain: strings.TrimSpace(c.QueryParam("domain")),
	}
}

func (s *Server) usersList(c echo.Context) error {
	req, err := pageRequest(c, store.UserSortKeys())
	if err != nil {
		return err
	}
	f := userFilter(c)
	l, err := s.users.List(c.Request().Context(), actor(c), f, req)
	if err != nil {
		return err
	}
	loc := Locale(c)
	v := s.view(c, s.cat.T(loc, "menu.users"), Crumb{Label: s.cat.T(loc, "menu.group.system")}, Crumb{Label: s.cat.T(loc, "menu.users")})
	v.Data = usersPage{Filter: f, Items: l.Items, List: newListView(c, req, l, "/admin/users/export"), Roles: model.RoleOrder,
		Now: s.db.Now(), CanCreate: s.authz.CanAnywhere(CurrentUser(c).ID, "user", "create")}
	return s.page(c, http.StatusOK, "admin/users/list", v)
}

func (s *Server) usersExport(c echo.Context) error {
	format, err := report.ParseFormat(c.QueryParam("format"))
	if err != nil {
		return (&model.ValidationError{}).Add("format", "list.bad_format")
	}
	loc := Locale(c)
	cols := []report.Column{
		{Header: "ID", Width: 8}, {Header: s.cat.T(loc, "user.username"), Width: 16}, {Header: s.cat.T(loc, "user.display_name"), Width: 16},
		{Header: s.cat.T(loc, "user.phone"), Width: 14}, {Header: s.cat.T(loc, "user.email"), Width: 24},
		{Header: s.cat.T(loc, "user.status"), Width: 8}, {Header: s.cat.T(loc, "user.last_login_at"), Width: 18},
		{Header: s.cat.T(loc, "user.created_at"), Width: 18},
	}
	now := s.db.Now()
	return s.streamExport(c, format, s.cat.T(loc, "menu.users"), cols, func(w report.Writer) error {
		return s.users.Export(c.Request().Context(), actor(c), userFilter(c), string(format), func(u *model.User) error {
			return w.WriteRow(u.ID, u.Username, u.DisplayName, u.Phone, u.Email, s.userStatusLabel(loc, u, now), u.LastLoginAt, u.CreatedAt)
		})
	})
}

// userStatusLabel shows a lock in force as 已锁定 whatever the stored status.
func (s *Server) userStatusLabel(loc string, u *model.User, now time.Time) string {
	return s.cat.T(loc, "user.status."+userStatus(u, now))
}

func userStatus(u *model.User, now time.Time) string {
	if u.Status == model.UserActive && u.IsLocked(now) {
		return model.UserLocked
	}
	return u.Status
}

// userForm is the Data of admin/users/form.
type userForm struct {
	ID     int64
	Input  service.UserInput
	Errors map[string]string
}

func (s *Server) userNew(c echo.Context) error {
	return s.renderUserForm(c, http.StatusOK, userForm{}, nil)
}

func (s *Server) renderUserForm(c echo.Context, status int, f userForm, ve *model.ValidationError) error {
	loc := Locale(c)
	title := s.cat.T(loc, "user.new")
	if f.ID != 0 {
		title = s.cat.T(loc, "user.edit")
	}
	if ve != nil {
		f.Errors = s.fieldMessages(loc, ve)
	}
	v := s.view(c, title, Crumb{Label: s.cat.T(loc, "menu.users"), URL: "/admin/users"}, Crumb{Label: title})
	v.Data = f
	return s.page(c, status, "admin/users/form", v)
}

// fieldMessages translates a ValidationError's fields.
func (s *Server) fieldMessages(loc string, ve *model.ValidationError) map[string]string {
	out := make(map[string]string, len(ve.Fields))
	for k, key := range ve.Fields {
		out[k] = s.cat.T(loc, key, ve.Args[k]...)
	}
	return out
}

func userInputFromForm(c echo.Context) service.UserInput {
	version := formVersion(c)
	return service.UserInput{
		Username: c.FormValue("username"), DisplayName: c.FormValue("display_name"),
		Phone: c.FormValue("phone"), Email: c.FormValue("email"), Version: version,
	}
}

// oneTimePage is the Data of admin/users/password: a one-time password shown once.
type oneTimePage struct {
	User     *model.User
	Password string
	Created  bool
}

func (s *Server) userCreate(c echo.Context) error {
	in := userInputFromForm(c)
	u, pw, err := s.users.Create(c.Request().Context(), actor(c), in)
	var ve *model.ValidationError
	if errors.As(err, &ve) {
		return s.renderUserForm(c, http.StatusUnprocessableEntity, userForm{Input: in}, ve)
	}
	if err != nil {
		return err
	}
	return s.renderOneTime(c, u, pw, true)
}

// renderOneTime answers the POST itself: the password never travels through
// a redirect, a flash or the session.
func (s *Server) renderOneTime(c echo.Context, u *model.User, pw string, created bool) error {
	loc := Locale(c)
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	v := s.view(c, s.cat.T(loc, "user.one_time_title"), Crumb{Label: s.cat.T(loc, "menu.users"), URL: "/admin/users"}, Crumb{Label: u.Username})
	v.Data = oneTimePage{User: u, Password: pw, Created: created}
	return s.page(c, http.StatusOK, "admin/users/password", v)
}

func pathID(c echo.Context, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, model.NotFound(name, c.Param(name))
	}
	return id, nil
}

// userShowPage is the Data of admin/users/show.
type userShowPage struct {
	User   *model.User
	Status string
	// Own: the viewer's own account (no grant, revoke or reset: 三员分立).
	Own bool
	// Locks are the source addresses locked out of the account now (shown
	// to whoever may unlock).
	Locks       []store.LoginThrottle
	Assignments []assignmentRow
	Districts   []model.District
	Roles       []string
	Grant       grantForm
	Errors      map[string]string
	Can         map[string]bool
	// The domain picker: what was searched, and the domains found by name
	// (with the one chosen before, if the form came back).
	Search      domainSearch
	SearchKinds []string
	Found       []domainGroup
	Searched    bool
	FoundCount  int
	Capped      bool // a kind found more than Limit
	Limit       int
}

type assignmentRow struct {
	model.RoleAssignment
	State       string // active, future, ended
	DomainLabel string // the domain by name: 全系统, 徐汇区, the alliance's or unit's name
	DomainKind  string // its kind's label (区, 联盟, 成员单位), empty for 全系统
	DomainURL   string // its page, when the viewer may open it
}

type grantForm struct {
	Role, Domain, ValidFrom, ValidUntil string
}

// domainSearch is the picker's search as typed: a kind and part of a name.
type domainSearch struct{ Kind, Q string }

// domainGroup is an optgroup of found domains, by kind.
type domainGroup struct {
	Label   string
	Options []domainChoice
}

// domainChoice is one found domain: its code (the option's value) and its
// name with where it lies.
type domainChoice struct{ Domain, Label string }

// domainKindPaths are the pages of the objects a domain names.
var domainKindPaths = map[string]string{model.DomainAlliance: "/alliances/", model.DomainUnit: "/units/"}

// readDomainSearch reads the picker's search from the URL.
func readDomainSearch(c echo.Context) domainSearch {
	q := domainSearch{Kind: c.QueryParam("dkind"), Q: strings.TrimSpace(c.QueryParam("dq"))}
	if !slices.Contains(service.DomainKinds, q.Kind) {
		q.Kind = model.DomainUnit
	}
	if utf8.RuneCountInString(q.Q) > 64 {
		q.Q = string([]rune(q.Q)[:64])
	}
	return q
}

// domainChoiceLabel is a found domain as the select shows it:
// 上海市第八人民医院（凌云路街道 · 徐汇区）.
func domainChoiceLabel(o store.DomainOption) string {
	var where []string
	for _, w := range []string{o.Street, o.District} {
		if w != "" {
			where = append(where, w)
		}
	}
	if len(where) == 0 {
		return o.Name
	}
	return o.Name + "（" + strings.Join(where, " · ") + "）"
}

func (s *Server) userShow(c echo.Context) error {
	return s.renderUserShow(c, http.StatusOK, grantForm{}, nil)
}

func (s *Server) renderUserShow(c echo.Context, status int, g grantForm, ve *model.ValidationError) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	u, err := s.users.Get(ctx, actor(c), id)
	if err != nil {
		return err
	}
	me := CurrentUser(c).ID
	can := map[string]bool{}
	for _, a := range []string{"update", "disable", "unlock"} {
		can[a] = s.authz.CanAnywhere(me, "user", a)
	}
	// 三员分立: never one's own; one of the three only by the security admin.
	if can["reset_password"], err = s.users.CanResetPassword(ctx, actor(c), id); err != nil {
		return err
	}
	for _, a := range []string{"read", "create", "revoke"} {
		can["role_"+a] = s.authz.CanAnywhere(me, "role_assignment", a)
	}
	loc := Locale(c)
	page := userShowPage{User: u, Status: userStatus(u, s.db.Now()), Roles: assignableRoleOrder(), Grant: g, Can: can,
		Search: readDomainSearch(c), SearchKinds: service.DomainKinds}
	page.Own = u.ID == me
	if can["unlock"] {
		if page.Locks, err = s.users.ActiveLocks(ctx, actor(c), u); err != nil {
			return err
		}
	}
	if can["role_read"] {
		ras, err := s.roles.ForUser(ctx, actor(c), id)
		if err != nil {
			return err
		}
		if page.Districts, err = s.roles.Districts(ctx); err != nil {
			return err
		}
		// The names of every domain on the page in one statement: the
		// assignments' and the one chosen in a form that came back.
		domains := []string{g.Domain}
		for _, ra := range ras {
			domains = append(domains, ra.Domain)
		}
		names, err := s.roles.DomainNames(ctx, actor(c), domains)
		if err != nil {
			return err
		}
		now := s.db.Now()
		for _, ra := range ras {
			st := "active"
			switch {
			case ra.ValidUntil != nil && !ra.ValidUntil.After(now):
				st = "ended"
			case ra.ValidFrom.After(now):
				st = "future"
			}
			page.Assignments = append(page.Assignments, s.assignmentRow(loc, me, ra, st, names))
		}
		if can["role_create"] {
			if err := s.findDomains(c, &page, names); err != nil {
				return err
			}
		}
	}
	if ve != nil {
		page.Errors = s.fieldMessages(loc, ve)
	}
	v := s.view(c, u.DisplayName, Crumb{Label: s.cat.T(loc, "menu.users"), URL: "/admin/users"}, Crumb{Label: u.Username})
	v.Data = page
	return s.page(c, status, "admin/users/show", v)
}

// assignmentRow shows an assignment with its domain by name, linked when
// the viewer may open it.
func (s *Server) assignmentRow(loc string, viewer int64, ra model.RoleAssignment, state string, names map[string]string) assignmentRow {
	r := assignmentRow{RoleAssignment: ra, State: state, DomainLabel: names[ra.Domain]}
	kind, id, err := model.ParseDomain(ra.Domain)
	switch {
	case err != nil:
		r.DomainLabel = ra.Domain
	case kind == model.DomainSys:
		r.DomainLabel = s.cat.T(loc, "profile.domain.sys")
	default:
		r.DomainKind = s.cat.T(loc, "role.kind."+kind)
		if r.DomainLabel == "" {
			r.DomainLabel = s.cat.T(loc, "role.gone", id)
		} else if path, ok := domainKindPaths[kind]; ok && s.authz.Can(viewer, []string{ra.Domain, model.DomainSys}, kind, "read") {
			r.DomainURL = path + strconv.FormatInt(id, 10)
		}
	}
	return r
}

// findDomains fills the picker: the domains found by the search, and the
// domain chosen in a form that came back when the search does not hold it.
func (s *Server) findDomains(c echo.Context, page *userShowPage, names map[string]string) error {
	loc := Locale(c)
	found, err := s.roles.SearchDomains(c.Request().Context(), actor(c), page.Search.Kind, page.Search.Q)
	if err != nil {
		return err
	}
	page.Searched, page.FoundCount, page.Limit = page.Search.Q != "", len(found), store.DomainSearchLimit
	perKind := map[string]int{}
	for _, o := range found {
		if perKind[o.Kind]++; perKind[o.Kind] >= store.DomainSearchLimit {
			page.Capped = true
		}
	}
	// One found and nothing chosen yet: it is the choice.
	if len(found) == 1 && page.Grant.Domain == "" {
		page.Grant.Domain = found[0].Domain
	}
	chosen := page.Grant.Domain
	if kind, _, err := model.ParseDomain(chosen); err != nil || kind == model.DomainSys || kind == model.DomainDistrict {
		chosen = "" // the select always offers these
	}
	byKind := map[string]*domainGroup{}
	for _, kind := range []string{model.DomainDistrict, model.DomainAlliance, model.DomainUnit} {
		byKind[kind] = &domainGroup{Label: s.cat.T(loc, "role.found."+kind)}
	}
	for _, o := range found {
		if o.Domain == chosen {
			chosen = ""
		}
		g := byKind[o.Kind]
		g.Options = append(g.Options, domainChoice{Domain: o.Domain, Label: domainChoiceLabel(o)})
	}
	if chosen != "" && names[chosen] != "" {
		kind, _, _ := model.ParseDomain(chosen)
		g := byKind[kind]
		g.Options = append([]domainChoice{{Domain: chosen, Label: names[chosen]}}, g.Options...)
	}
	for _, kind := range []string{model.DomainDistrict, model.DomainAlliance, model.DomainUnit} {
		if g := byKind[kind]; len(g.Options) > 0 {
			page.Found = append(page.Found, *g)
		}
	}
	return nil
}

func assignableRoleOrder() []string {
	var out []string
	for _, r := range model.RoleOrder {
		if _, ok := model.AssignableRoles[r]; ok {
			out = append(out, r)
		}
	}
	return out
}

func (s *Server) userEdit(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	u, err := s.users.Get(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	return s.renderUserForm(c, http.StatusOK, userForm{ID: id, Input: service.UserInput{
		Username: u.Username, DisplayName: u.DisplayName, Phone: u.Phone, Email: u.Email, Version: u.Version}}, nil)
}

func (s *Server) userUpdate(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	in := userInputFromForm(c)
	_, err = s.users.Update(c.Request().Context(), actor(c), id, in)
	var ve *model.ValidationError
	switch {
	case errors.As(err, &ve):
		return s.renderUserForm(c, http.StatusUnprocessableEntity, userForm{ID: id, Input: in}, ve)
	case errors.Is(err, model.ErrConflict):
		// Someone saved first: show the form again with what this user typed
		// and the stored version, so they can keep theirs or take the other.
		cur, gerr := s.users.Get(c.Request().Context(), actor(c), id)
		if gerr != nil {
			return gerr
		}
		in.Version = cur.Version
		return s.renderUserForm(c, http.StatusConflict, userForm{ID: id, Input: in, Errors: map[string]string{
			"_stale": s.cat.T(Locale(c), "user.stale", cur.DisplayName, cur.Phone, cur.Email)}}, nil)
	case err != nil:
		return err
	}
	s.flash(c, "success", "form.saved")
	return c.Redirect(http.StatusSeeOther, "/admin/users/"+strconv.FormatInt(id, 10))
}

func (s *Server) userSetEnabled(enabled bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := pathID(c, "id")
		if err != nil {
			return err
		}
		version := formVersion(c)
		if err := s.users.SetEnabled(c.Request().Context(), actor(c), id, version, enabled); err != nil {
			return err
		}
		key := "user.disabled_done"
		if enabled {
			key = "user.enabled_done"
		}
		s.flash(c, "success", key)
		return c.Redirect(http.StatusSeeOther, "/admin/users/"+strconv.FormatInt(id, 10))
	}
}

func (s *Server) userUnlock(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	version := formVersion(c)
	if err := s.users.Unlock(c.Request().Context(), actor(c), id, version); err != nil {
		return err
	}
	s.flash(c, "success", "user.unlocked_done")
	return c.Redirect(http.StatusSeeOther, "/admin/users/"+strconv.FormatInt(id, 10))
}

func (s *Server) userResetPassword(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	version := formVersion(c)
	ctx := c.Request().Context()
	pw, err := s.users.ResetPassword(ctx, actor(c), id, version)
	if err != nil {
		return err
	}
	u, err := s.users.Get(ctx, actor(c), id)
	if err != nil {
		return err
	}
	return s.renderOneTime(c, u, pw, false)
}

// parseLocalDate reads 2026-03-05 as midnight in Asia/Shanghai.
func parseLocalDate(s string) (time.Time, bool) {
	t, err := time.ParseInLocation("2006-01-02", strings.TrimSpace(s), Shanghai)
	return t, err == nil
}

func (s *Server) roleGrant(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	g := grantForm{Role: c.FormValue("role"), Domain: strings.TrimSpace(c.FormValue("domain")),
		ValidFrom: c.FormValue("valid_from"), ValidUntil: c.FormValue("valid_until")}
	// The domain is chosen by name in the picker; its value is the code.
	domain := g.Domain
	grant := service.Grant{UserID: id, Role: g.Role, Domain: domain}
	ve := &model.ValidationError{}
	if g.ValidFrom != "" {
		if t, ok := parseLocalDate(g.ValidFrom); ok {
			grant.ValidFrom = t
		} else {
			ve.Add("valid_from", model.MsgBadDate)
		}
	}
	if g.ValidUntil != "" {
		if t, ok := parseLocalDate(g.ValidUntil); ok {
			grant.ValidUntil = &t
		} else {
			ve.Add("valid_until", model.MsgBadDate)
		}
	}
	if ve.Err() == nil {
		_, err = s.roles.Create(c.Request().Context(), actor(c), grant)
		if !errors.As(err, &ve) && err != nil {
			var re *model.RuleError
			if errors.As(err, &re) {
				ve = (&model.ValidationError{}).Add("role", re.Message)
			} else {
				return err
			}
		}
	}
	if ve != nil && ve.Err() != nil {
		return s.renderUserShow(c, http.StatusUnprocessableEntity, g, ve)
	}
	s.flash(c, "success", "role.granted")
	return c.Redirect(http.StatusSeeOther, "/admin/users/"+strconv.FormatInt(id, 10)+"#roles")
}

func (s *Server) roleRevoke(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ra, err := s.roles.Revoke(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	s.flash(c, "success", "role.revoked")
	return c.Redirect(http.StatusSeeOther, "/admin/users/"+strconv.FormatInt(ra.UserID, 10)+"#roles")
}

// streamExport writes an xlsx or csv attachment row by row.
func (s *Server) streamExport(c echo.Context, format report.Format, title string, cols []report.Column, rows func(report.Writer) error) error {
	name := report.Filename(title, format, s.db.Now())
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, format.ContentType())
	h.Set(echo.HeaderContentDisposition, report.ContentDisposition(name))
	h.Set(echo.HeaderCacheControl, "no-store")
	w, err := report.NewWriter(c.Response(), format, title, cols)
	if err != nil {
		return err
	}
	if err := rows(w); err != nil {
		_ = report.Abort(w)
		if !c.Response().Committed {
			h.Del(echo.HeaderContentDisposition)
			h.Del(echo.HeaderContentType) // the error page (or JSON under /api/) sets its own
			return err
		}
		s.log.Error("export failed midway", "err", err, "request_id", RequestID(c))
		return nil
	}
	return w.Close()
}
