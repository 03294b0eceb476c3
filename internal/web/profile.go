package web

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"tongxin/internal/model"
	"tongxin/internal/service"
	"tongxin/internal/store"
)

// tokens is the personal API token service. It holds nothing but the
// database, so building it per call costs one small allocation.
func (s *Server) tokens() *service.Tokens {
	return service.NewTokens(s.deps())
}

// profilePage is the Data of pages/profile/index.html (个人中心).
type profilePage struct {
	User   *model.User
	Roles  []profileRole
	Tokens []tokenRow
	List   *ListView
	// Form is the create-token form as typed; Errors its field messages.
	Form   tokenForm
	Errors map[string]string
	// Expiries are the choices of the expiry select.
	Expiries []expiryChoice
	// NewToken and NewSecret are set only in the answer to the POST that
	// made the token: the secret is shown this once and kept nowhere.
	NewToken  *model.APIToken
	NewSecret string
}

// profileRole is one role assignment valid now, as the page shows it.
type profileRole struct {
	Role, Label, Domain string
	ValidUntil          *time.Time
}

// tokenRow is one token in the list.
type tokenRow struct {
	model.APIToken
	Status string // active, expired, revoked
}

// TagClass is the status tag's colour class.
func (r tokenRow) TagClass() string {
	if r.Status == model.TokenRevoked {
		return "tag-withdrawn"
	}
	return "tag-" + r.Status
}

type tokenForm struct {
	Name        string
	ExpiresDays string
}

type expiryChoice struct {
	Value, Label string
}

// profileExpiryDays are the validities the page offers; 0 is 永不过期.
// The API takes any number of days up to model.TokenMaxDays.
var profileExpiryDays = []int{30, model.TokenDefaultDays, 180, 0}

func (s *Server) expiryChoices(loc string) []expiryChoice {
	out := make([]expiryChoice, 0, len(profileExpiryDays))
	for _, d := range profileExpiryDays {
		label := s.cat.T(loc, "token.expiry_days", d)
		switch d {
		case 0:
			label = s.cat.T(loc, "token.expiry_never")
		case model.TokenDefaultDays:
			label = s.cat.T(loc, "token.expiry_days_default", d)
		}
		out = append(out, expiryChoice{Value: strconv.Itoa(d), Label: label})
	}
	return out
}

// profile is GET /profile: who I am, my roles, my API tokens.
func (s *Server) profile(c echo.Context) error {
	return s.renderProfile(c, http.StatusOK, tokenForm{ExpiresDays: strconv.Itoa(model.TokenDefaultDays)}, nil, nil, "")
}

func (s *Server) renderProfile(c echo.Context, status int, form tokenForm, ve *model.ValidationError, newToken *model.APIToken, secret string) error {
	ctx := c.Request().Context()
	loc := Locale(c)
	u := CurrentUser(c)
	req, _ := pageRequest(c, store.APITokenSortKeys()) // a page falls back quietly on bad paging
	list, err := s.tokens().List(ctx, actor(c), req)
	var bad *model.ValidationError
	if errors.As(err, &bad) {
		// A stale or forged cursor: start from the first page.
		req.After, req.Before = "", ""
		list, err = s.tokens().List(ctx, actor(c), req)
	}
	if err != nil {
		return err
	}
	roles, err := s.profileRoles(c, u.ID)
	if err != nil {
		return err
	}
	now := s.db.Now()
	rows := make([]tokenRow, 0, len(list.Items))
	for _, t := range list.Items {
		rows = append(rows, tokenRow{APIToken: t, Status: t.Status(now)})
	}
	// The answer to a POST is the page at /profile: its pager and language
	// links must lead there, not to the form's action.
	lv := newListView(c, req, list, "")
	lv.path = "/profile"
	p := profilePage{
		User: u, Roles: roles, Tokens: rows, List: lv,
		Form: form, Expiries: s.expiryChoices(loc), NewToken: newToken, NewSecret: secret,
	}
	if ve != nil {
		p.Errors = make(map[string]string, len(ve.Fields))
		for k, key := range ve.Fields {
			p.Errors[k] = s.cat.T(loc, key, ve.Args[k]...)
		}
	}
	v := s.view(c, s.cat.T(loc, "profile.title"), Crumb{Label: s.cat.T(loc, "profile.title")})
	if c.Request().Method != http.MethodGet {
		v.Path = "/profile"
	}
	v.Data = p
	return s.page(c, status, "profile/index", v)
}

// profileRoles lists the user's role assignments valid now, labelled.
func (s *Server) profileRoles(c echo.Context, userID int64) ([]profileRole, error) {
	loc := Locale(c)
	ras := s.authz.Roles(userID)
	if len(ras) == 0 {
		return nil, nil
	}
	label := s.domainLabeler(c.Request().Context(), loc)
	// Units and alliances by name, in one statement.
	names, err := s.roles.OwnDomainNames(c.Request().Context(), actor(c))
	if err != nil {
		return nil, err
	}
	out := make([]profileRole, 0, len(ras))
	for _, ra := range ras {
		// The role names are the user administration's (users.yaml).
		r := profileRole{Role: ra.Role, Label: ra.Role, ValidUntil: ra.ValidUntil}
		if key := "role.name." + ra.Role; s.cat.Has(key) {
			r.Label = s.cat.T(loc, key)
		}
		d, err := label(ra.Domain)
		if err != nil {
			return nil, err
		}
		if n := names[ra.Domain]; n != "" {
			d = n
		}
		r.Domain = d
		out = append(out, r)
	}
	return out, nil
}

// profileCreateToken is POST /profile/tokens. It answers with the page
// itself, carrying the new secret once: no redirect, no flash, nothing in
// the session, and not cacheable.
func (s *Server) profileCreateToken(c echo.Context) error {
	form := tokenForm{Name: c.FormValue("name"), ExpiresDays: strings.TrimSpace(c.FormValue("expires_days"))}
	days, err := strconv.Atoi(form.ExpiresDays)
	if err != nil || !slices.Contains(profileExpiryDays, days) {
		// Only the offered choices. Check the name too, so that every message shows at once.
		ve := &model.ValidationError{}
		var nameErr *model.ValidationError
		if errors.As((&service.TokenInput{Name: form.Name}).Validate(), &nameErr) {
			ve = nameErr
		}
		ve.Add("expires_days", "token.bad_choice")
		return s.renderProfile(c, http.StatusUnprocessableEntity, form, ve, nil, "")
	}
	in := service.TokenInput{Name: form.Name, ExpiresInDays: days}
	t, secret, err := s.tokens().Create(c.Request().Context(), actor(c), in)
	var ve *model.ValidationError
	if errors.As(err, &ve) {
		return s.renderProfile(c, http.StatusUnprocessableEntity, form, ve, nil, "")
	}
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return s.renderProfile(c, http.StatusOK, tokenForm{ExpiresDays: strconv.Itoa(model.TokenDefaultDays)}, nil, t, secret)
}

// profileRevokeToken is POST /profile/tokens/:id/revoke.
func (s *Server) profileRevokeToken(c echo.Context) error {
	id, err := tokenID(c)
	if err != nil {
		return err
	}
	t, err := s.tokens().Revoke(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	s.flash(c, "success", "token.revoked", t.Name)
	return c.Redirect(http.StatusSeeOther, "/profile#tokens")
}

func tokenID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, model.NotFound("api_token", c.Param("id"))
	}
	return id, nil
}

// tokenJSON is the API's view of a token; the secret appears only in the
// answer to its creation (newTokenJSON).
type tokenJSON struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	Status     string     `json:"status"`
	ExpiresAt  *time.Time `json:"expires_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
	CreatedAt  time.Time  `json:"created_at"`
}

type newTokenJSON struct {
	tokenJSON
	Token string `json:"token"`
}

// apiTime is t in UTC to the second (RFC 3339 in JSON).
func apiTime(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC().Truncate(time.Second)
	return &u
}

func toTokenJSON(t *model.APIToken, now time.Time) tokenJSON {
	return tokenJSON{
		ID: t.ID, Name: t.Name, Prefix: t.Prefix, Status: t.Status(now),
		ExpiresAt: apiTime(t.ExpiresAt), LastUsedAt: apiTime(t.LastUsedAt), RevokedAt: apiTime(t.RevokedAt),
		CreatedAt: *apiTime(&t.CreatedAt),
	}
}

// apiTokens is GET /api/v1/tokens: the caller's own tokens.
func (s *Server) apiTokens(c echo.Context) error {
	req, err := pageRequest(c, store.APITokenSortKeys())
	if err != nil {
		return err
	}
	l, err := s.tokens().List(c.Request().Context(), actor(c), req)
	if err != nil {
		return err
	}
	now := s.db.Now()
	return c.JSON(http.StatusOK, toAPIList(l, func(t *model.APIToken) tokenJSON { return toTokenJSON(t, now) }))
}

// apiToken is GET /api/v1/tokens/:id (one of the caller's own).
func (s *Server) apiToken(c echo.Context) error {
	id, err := tokenID(c)
	if err != nil {
		return err
	}
	t, err := s.tokens().Get(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toTokenJSON(t, s.db.Now()))
}

// tokenBody is the body of POST /api/v1/tokens. expires_in_days left out
// means the default (model.TokenDefaultDays); 0 means never.
type tokenBody struct {
	Name          string `json:"name"`
	ExpiresInDays *int   `json:"expires_in_days"`
}

// apiCreateToken is POST /api/v1/tokens: 201 with the secret, this once.
func (s *Server) apiCreateToken(c echo.Context) error {
	// A token must not mint tokens: a leaked one could otherwise outlive its
	// own expiry. New tokens need a login (session), as on the profile page.
	if isBearer(c) {
		return model.Rule("token_needs_session", "token.needs_session")
	}
	var b tokenBody
	if err := bindJSON(c, &b); err != nil {
		return err
	}
	in := service.TokenInput{Name: b.Name, ExpiresInDays: model.TokenDefaultDays}
	if b.ExpiresInDays != nil {
		in.ExpiresInDays = *b.ExpiresInDays
	}
	t, secret, err := s.tokens().Create(c.Request().Context(), actor(c), in)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set(echo.HeaderCacheControl, "no-store")
	h.Set(echo.HeaderLocation, "/api/v1/tokens/"+strconv.FormatInt(t.ID, 10))
	return c.JSON(http.StatusCreated, newTokenJSON{tokenJSON: toTokenJSON(t, s.db.Now()), Token: secret})
}

// apiRevokeToken is DELETE /api/v1/tokens/:id: 204.
func (s *Server) apiRevokeToken(c echo.Context) error {
	id, err := tokenID(c)
	if err != nil {
		return err
	}
	if _, err := s.tokens().Revoke(c.Request().Context(), actor(c), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// The token routes' entries of the OpenAPI document (openapi.go), kept
// beside their handlers.
func init() {
	apiDocs["GET /api/v1/tokens"] = apiDoc{Tag: "tokens", Summary: "My personal API tokens (never their secrets)", Response: "list:Token", Query: listQuery}
	apiDocs["POST /api/v1/tokens"] = apiDoc{Tag: "tokens", Summary: "Create a personal API token; answers its secret once (field token)", Body: "TokenInput", Response: "CreatedToken"}
	apiDocs["GET /api/v1/tokens/:id"] = apiDoc{Tag: "tokens", Summary: "One of my tokens", Response: "Token"}
	apiDocs["DELETE /api/v1/tokens/:id"] = apiDoc{Tag: "tokens", Summary: "Revoke one of my tokens at once"}
	token := map[string]schema{"id": integer, "name": str, "prefix": str,
		"status":     {"type": "string", "enum": []string{model.TokenActive, model.TokenExpired, model.TokenRevoked}},
		"expires_at": nullTime, "last_used_at": nullTime, "revoked_at": nullTime, "created_at": dateTime}
	apiSchemas["Token"] = obj(nil, token)
	created := map[string]schema{"token": {"type": "string", "description": "the secret, shown this once: send it as Authorization: Bearer <token>"}}
	for k, v := range token {
		created[k] = v
	}
	apiSchemas["CreatedToken"] = obj(nil, created)
	apiSchemas["TokenInput"] = obj([]string{"name"}, map[string]schema{
		"name": {"type": "string", "maxLength": model.TokenNameMax},
		"expires_in_days": {"type": "integer", "minimum": 0, "maximum": model.TokenMaxDays, "default": model.TokenDefaultDays,
			"description": "0: never expires"}})
}
