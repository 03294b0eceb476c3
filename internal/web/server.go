// Package web serves the HTML pages and the /api/v1 JSON API over the same
// services. routes.go lists every route with its permission.
package web

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/labstack/echo/v4"

	"tongxin/internal/authz"
	"tongxin/internal/importer"
	"tongxin/internal/model"
	"tongxin/internal/service"
	"tongxin/internal/store"
)

// Options are the parts of the configuration the web layer needs.
type Options struct {
	BaseURL        string
	DefaultLocale  string
	BodyLimit      int64
	SessionIdle    time.Duration
	SessionMaxAge  time.Duration
	LoginRatePerIP int
	// TrustedProxies: only from these peers are X-Forwarded-For and
	// X-Real-IP believed (see clientip.go); none by default.
	TrustedProxies []*net.IPNet
	Version        string
	Commit         string
	// UploadDir holds uploaded spreadsheets and import error files;
	// ImportMaxBytes and ImportMaxRows limit an import (0: the defaults).
	UploadDir      string
	ImportMaxBytes int64
	ImportMaxRows  int
	// ImportLimits are the other limits on reading an import (what a file
	// may expand to, cells, columns, time; zero fields: the defaults).
	ImportLimits importer.Limits
	// AttachmentMaxBytes limits one project attachment (uploads.max_bytes).
	AttachmentMaxBytes int64
	// UploadTimeout is the read deadline of a request that carries files
	// (http.upload_timeout); other requests keep the server's read timeout.
	UploadTimeout time.Duration
	// MaxInFlight requests are answered at once (0: no limit); up to
	// AdmissionQueue more wait at most AdmissionWait, the rest get 503.
	MaxInFlight    int
	AdmissionQueue int
	AdmissionWait  time.Duration
	// MetricsToken, when set, is the bearer token GET /metrics asks for.
	// MetricsElsewhere: metrics are served on their own address
	// (MetricsHandler), and the main router answers 404 for /metrics.
	MetricsToken     string
	MetricsElsewhere bool
}

// Deps are what the server is built from; app.Run wires them.
type Deps struct {
	Options Options
	Log     *slog.Logger
	DB      *store.DB
	Auth    *service.Auth
	Authz   *authz.Authorizer
	Users   *service.Users
	Roles   *service.Roles
	// Files holds templates/, static/ and locales/ (web.Templates etc. merged); tests may swap it.
	Templates, Static, Locales fs.FS
}

// Server is the HTTP face of Tongxin.
type Server struct {
	echo     *echo.Echo
	opts     Options
	log      *slog.Logger
	db       *store.DB
	auth     *service.Auth
	authz    *authz.Authorizer
	users    *service.Users
	roles    *service.Roles
	render   *Renderer
	cat      *Catalog
	assets   *Assets
	sessions *scs.SessionManager
	metrics  *metrics
	dict     *service.DictionaryCache
	perms    map[string]authz.Perm
	// admission bounds the requests in flight (admission.go); nil: no bound.
	admission *admission
}

// New builds the server and its routes. Template and catalog errors stop it.
func New(d Deps) (*Server, error) {
	cat, err := LoadCatalog(d.Locales)
	if err != nil {
		return nil, err
	}
	assets, err := LoadAssets(d.Static)
	if err != nil {
		return nil, fmt.Errorf("static files: %w", err)
	}
	render, err := NewRenderer(d.Templates, assets)
	if err != nil {
		return nil, err
	}
	s := &Server{
		echo:   echo.New(),
		opts:   d.Options,
		log:    d.Log,
		db:     d.DB,
		auth:   d.Auth,
		authz:  d.Authz,
		users:  d.Users,
		roles:  d.Roles,
		render: render,
		cat:    cat,
		assets: assets,
		perms:  map[string]authz.Perm{},
	}
	s.dict = service.NewDictionaryCache()
	s.sessions = s.newSessionManager()
	s.metrics = newMetrics(d.DB, d.Options.Version, d.Options.Commit)
	s.admission = newAdmission(d.Options.MaxInFlight, d.Options.AdmissionQueue, d.Options.AdmissionWait)
	s.echo.HideBanner, s.echo.HidePort = true, true
	s.echo.HTTPErrorHandler = s.handleError
	s.echo.IPExtractor = clientIPExtractor(d.Options.TrustedProxies)
	s.routes()
	return s, nil
}

// deps are what services built per request share; the dictionary cache
// lives as long as the server.
func (s *Server) deps() service.Deps {
	return service.Deps{DB: s.db, Authz: s.authz, Auth: s.auth, Dict: s.dict}
}

// Handler returns the root handler.
func (s *Server) Handler() http.Handler { return s.echo }

// Echo exposes the router to tests that walk the route table.
func (s *Server) Echo() *echo.Echo { return s.echo }

// Perms returns the permission declared for every route ("GET /path").
func (s *Server) Perms() map[string]authz.Perm { return s.perms }

// Catalog returns the message catalog (tests).
func (s *Server) Catalog() *Catalog { return s.cat }

// Assets returns the static files (tests).
func (s *Server) Assets() *Assets { return s.assets }

// Renderer returns the templates (tests).
func (s *Server) Renderer() *Renderer { return s.render }

// Context keys of request-scoped values in echo.Context.
const (
	ctxRequestID = "tx.request_id"
	ctxLocale    = "tx.locale"
	ctxUser      = "tx.user"
	ctxSession   = "tx.session" // set when the request carries an scs session
)

// RequestID returns the request's id.
func RequestID(c echo.Context) string {
	if v, ok := c.Get(ctxRequestID).(string); ok {
		return v
	}
	return c.Response().Header().Get(echo.HeaderXRequestID)
}

// Locale returns the request's locale.
func Locale(c echo.Context) string {
	if v, ok := c.Get(ctxLocale).(string); ok {
		return v
	}
	return LocaleZH
}

// CurrentUser returns the logged-in user or nil.
func CurrentUser(c echo.Context) *model.User {
	u, _ := c.Get(ctxUser).(*model.User)
	return u
}

// actor builds the explicit actor that service methods take.
func actor(c echo.Context) model.Actor {
	a := model.Actor{IP: c.RealIP(), UserAgent: c.Request().UserAgent(), RequestID: RequestID(c)}
	if u := CurrentUser(c); u != nil {
		a.UserID, a.Username = u.ID, u.Username
	}
	return a
}

// view starts the view of a page: shell, user, menu, flashes, CSRF token.
func (s *Server) view(c echo.Context, title string, crumbs ...Crumb) *View {
	loc := Locale(c)
	v := &View{
		Lang:      loc,
		Title:     title,
		Crumbs:    crumbs,
		RequestID: RequestID(c),
		Path:      c.Request().URL.RequestURI(),
		cat:       s.cat,
		may:       s.mayLink(c),
	}
	if tok, ok := c.Get(csrfContextKey).(string); ok {
		v.CSRF = tok
	}
	if u := CurrentUser(c); u != nil {
		v.User = &ViewUser{ID: u.ID, Username: u.Username, DisplayName: u.DisplayName}
		v.Menu = s.menu(c, crumbs)
		if !IsHTMX(c) {
			v.UnreadCount = s.unreadCount(c) // the bell: one indexed COUNT (inbox.go)
		}
	}
	v.Flashes = s.popFlashes(c)
	return v
}

// page renders a page in the shell.
func (s *Server) page(c echo.Context, status int, name string, v *View) error {
	layout := "base"
	if v.User == nil {
		layout = "bare"
	}
	return s.render.Render(c, status, name, layout, v)
}

// flash queues a one-time message for the next page.
func (s *Server) flash(c echo.Context, kind, key string, args ...any) {
	ctx := c.Request().Context()
	msg := s.cat.T(Locale(c), key, args...)
	prev, _ := s.sessions.Get(ctx, "flash").(string)
	if prev != "" {
		prev += "\n"
	}
	s.sessions.Put(ctx, "flash", prev+kind+"|"+msg)
}

func (s *Server) popFlashes(c echo.Context) []Flash {
	if c.Get(ctxSession) == nil {
		return nil
	}
	raw := s.sessions.PopString(c.Request().Context(), "flash")
	if raw == "" {
		return nil
	}
	var out []Flash
	for _, line := range strings.Split(raw, "\n") {
		kind, msg, _ := strings.Cut(line, "|")
		out = append(out, Flash{Kind: kind, Message: msg})
	}
	return out
}

// Shutdown stops accepting requests and waits for those in flight.
func (s *Server) Shutdown(ctx context.Context) error {
	return s.echo.Shutdown(ctx)
}

// isHTTPError reports an echo error with the given code.
func isHTTPError(err error, code int) bool {
	var he *echo.HTTPError
	return errors.As(err, &he) && he.Code == code
}
