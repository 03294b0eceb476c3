package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"tongxin/internal/model"
	"tongxin/internal/service"
	"tongxin/internal/store"
)

// userJSON is the API's view of an account.
type userJSON struct {
	ID                 int64      `json:"id"`
	Username           string     `json:"username"`
	DisplayName        string     `json:"display_name"`
	Phone              string     `json:"phone"`
	Email              string     `json:"email"`
	Status             string     `json:"status"`
	MustChangePassword bool       `json:"must_change_password"`
	LockedUntil        *time.Time `json:"locked_until"`
	LastLoginAt        *time.Time `json:"last_login_at"`
	PasswordChangedAt  *time.Time `json:"password_changed_at"`
	Version            int        `json:"version"`
	CreatedAt          time.Time  `json:"created_at"`
	UpdatedAt          time.Time  `json:"updated_at"`
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func toUserJSON(u *model.User) userJSON {
	return userJSON{ID: u.ID, Username: u.Username, DisplayName: u.DisplayName, Phone: u.Phone, Email: u.Email,
		Status: userStatus(u, time.Now()), MustChangePassword: u.MustChangePassword, LockedUntil: utcPtr(u.LockedUntil),
		LastLoginAt: utcPtr(u.LastLoginAt), PasswordChangedAt: utcPtr(u.PasswordChangedAt), Version: u.Version,
		CreatedAt: u.CreatedAt.UTC(), UpdatedAt: u.UpdatedAt.UTC()}
}

func (s *Server) apiUsersList(c echo.Context) error {
	req, err := pageRequest(c, store.UserSortKeys())
	if err != nil {
		return err
	}
	l, err := s.users.List(c.Request().Context(), actor(c), userFilter(c), req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIList(l, toUserJSON))
}

func (s *Server) apiUserGet(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	u, err := s.users.Get(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toUserJSON(u))
}

// userBody is the body of POST /users and PATCH /users/{id}.
type userBody struct {
	Username    string `json:"username"`
	DisplayName string `json:"display_name"`
	Phone       string `json:"phone"`
	Email       string `json:"email"`
	Version     int    `json:"version"`
}

// createdUserJSON carries the one-time password, once.
type createdUserJSON struct {
	User            userJSON `json:"user"`
	OneTimePassword string   `json:"one_time_password"`
}

func (s *Server) apiUserCreate(c echo.Context) error {
	var b userBody
	if err := bindJSON(c, &b); err != nil {
		return err
	}
	u, pw, err := s.users.Create(c.Request().Context(), actor(c), service.UserInput{Username: b.Username, DisplayName: b.DisplayName, Phone: b.Phone, Email: b.Email})
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/users/"+strconv.FormatInt(u.ID, 10))
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return c.JSON(http.StatusCreated, createdUserJSON{User: toUserJSON(u), OneTimePassword: pw})
}

func (s *Server) apiUserUpdate(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var b userBody
	if err := bindJSON(c, &b); err != nil {
		return err
	}
	if b.Version == 0 {
		return (&model.ValidationError{}).Add("version", model.MsgVersionMissing)
	}
	u, err := s.users.Update(c.Request().Context(), actor(c), id, service.UserInput{DisplayName: b.DisplayName, Phone: b.Phone, Email: b.Email, Version: b.Version})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toUserJSON(u))
}

// apiUserAction runs one of the account actions and answers the account.
func (s *Server) apiUserAction(action string) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := pathID(c, "id")
		if err != nil {
			return err
		}
		version, err := bodyVersion(c)
		if err != nil {
			return err
		}
		ctx, a := c.Request().Context(), actor(c)
		var pw string
		switch action {
		case "disable":
			err = s.users.SetEnabled(ctx, a, id, version, false)
		case "enable":
			err = s.users.SetEnabled(ctx, a, id, version, true)
		case "unlock":
			err = s.users.Unlock(ctx, a, id, version)
		case "reset-password":
			pw, err = s.users.ResetPassword(ctx, a, id, version)
		}
		if err != nil {
			return err
		}
		u, err := s.users.Get(ctx, a, id)
		if err != nil {
			return err
		}
		if pw != "" {
			c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
			return c.JSON(http.StatusOK, createdUserJSON{User: toUserJSON(u), OneTimePassword: pw})
		}
		return c.JSON(http.StatusOK, toUserJSON(u))
	}
}

// roleAssignmentJSON is the API's view of a grant.
type roleAssignmentJSON struct {
	ID         int64      `json:"id"`
	UserID     int64      `json:"user_id"`
	Role       string     `json:"role"`
	Domain     string     `json:"domain"`
	ValidFrom  time.Time  `json:"valid_from"`
	ValidUntil *time.Time `json:"valid_until"`
	GrantedBy  *int64     `json:"granted_by"`
	Source     string     `json:"source"`
	CreatedAt  time.Time  `json:"created_at"`
}

func toRoleAssignmentJSON(r *model.RoleAssignment) roleAssignmentJSON {
	return roleAssignmentJSON{ID: r.ID, UserID: r.UserID, Role: r.Role, Domain: r.Domain, ValidFrom: r.ValidFrom.UTC(),
		ValidUntil: utcPtr(r.ValidUntil), GrantedBy: r.GrantedBy, Source: r.Source, CreatedAt: r.CreatedAt.UTC()}
}

func (s *Server) apiRoleAssignmentsList(c echo.Context) error {
	uid, err := strconv.ParseInt(c.QueryParam("user_id"), 10, 64)
	if err != nil || uid <= 0 {
		return (&model.ValidationError{}).Add("user_id", model.MsgRequired)
	}
	ras, err := s.roles.ForUser(c.Request().Context(), actor(c), uid)
	if err != nil {
		return err
	}
	l := model.List[model.RoleAssignment]{Items: ras, Total: int64(len(ras))}
	return c.JSON(http.StatusOK, toAPIList(l, toRoleAssignmentJSON))
}

// grantBody is the body of POST /role-assignments.
type grantBody struct {
	UserID     int64      `json:"user_id"`
	Role       string     `json:"role"`
	Domain     string     `json:"domain"`
	ValidFrom  *time.Time `json:"valid_from"`
	ValidUntil *time.Time `json:"valid_until"`
}

func (s *Server) apiRoleAssignmentCreate(c echo.Context) error {
	var b grantBody
	if err := bindJSON(c, &b); err != nil {
		return err
	}
	if b.UserID <= 0 {
		return (&model.ValidationError{}).Add("user_id", model.MsgRequired)
	}
	g := service.Grant{UserID: b.UserID, Role: b.Role, Domain: b.Domain, ValidUntil: b.ValidUntil}
	if b.ValidFrom != nil {
		g.ValidFrom = *b.ValidFrom
	}
	ra, err := s.roles.Create(c.Request().Context(), actor(c), g)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/role-assignments?user_id="+strconv.FormatInt(ra.UserID, 10))
	return c.JSON(http.StatusCreated, toRoleAssignmentJSON(ra))
}

func (s *Server) apiRoleAssignmentRevoke(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ra, err := s.roles.Revoke(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toRoleAssignmentJSON(ra))
}

// apiDomainOption is a domain found by name (GET /api/v1/role-domains).
type apiDomainOption struct {
	Domain   string `json:"domain"`
	Kind     string `json:"kind"`
	Name     string `json:"name"`
	Street   string `json:"street"`
	District string `json:"district"`
}

// apiRoleDomains is GET /api/v1/role-domains?kind=unit&q=第八: the domains a
// role may be granted in, found by name, with the code a grant takes.
func (s *Server) apiRoleDomains(c echo.Context) error {
	kind, q := c.QueryParam("kind"), strings.TrimSpace(c.QueryParam("q"))
	ve := &model.ValidationError{}
	if !slices.Contains(service.DomainKinds, kind) {
		ve.Add("kind", "role.bad_search_kind")
	}
	if q == "" {
		ve.Add("q", model.MsgRequired)
	} else if utf8.RuneCountInString(q) > 64 {
		ve.AddArgs("q", "form.too_long", 64)
	}
	if err := ve.Err(); err != nil {
		return err
	}
	found, err := s.roles.SearchDomains(c.Request().Context(), actor(c), kind, q)
	if err != nil {
		return err
	}
	out := apiList[apiDomainOption]{Items: make([]apiDomainOption, 0, len(found)), Total: int64(len(found))}
	perKind := map[string]int{}
	for _, o := range found {
		out.Items = append(out.Items, apiDomainOption{Domain: o.Domain, Kind: o.Kind, Name: o.Name, Street: o.Street, District: o.District})
		if perKind[o.Kind]++; perKind[o.Kind] >= store.DomainSearchLimit {
			out.TotalCapped = true
		}
	}
	return c.JSON(http.StatusOK, out)
}

func init() {
	apiDocs["GET /api/v1/role-domains"] = apiDoc{Tag: "roles", Summary: "Find the domains a role may be granted in by name (at most 50 of each kind); " +
		"each answers the domain code POST /api/v1/role-assignments takes", Response: "list:DomainOption",
		Query: map[string]string{"kind": "district | street (the alliances and units of the streets found) | alliance | unit", "q": "part of the name (required)"}}
	apiSchemas["DomainOption"] = obj(nil, map[string]schema{"domain": str, "kind": {"type": "string", "enum": []string{"district", "alliance", "unit"}},
		"name": str, "street": str, "district": str})
}
