package testenv

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/alexedwards/argon2id"

	"tongxin/internal/app"
	"tongxin/internal/config"
	"tongxin/internal/model"
	"tongxin/internal/store"
)

// Password is the password of users made by CreateUser; it passes the 等保 rules.
const Password = "Test@Pass2026"

// cheapParams keep test hashes fast; a hash carries its parameters, so
// logins verify against it at the same low cost.
var cheapParams = &argon2id.Params{Memory: 1024, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}

var hashOnce struct {
	sync.Once
	hash string
}

func passwordHash(t testing.TB) string {
	hashOnce.Do(func() {
		h, err := argon2id.CreateHash(Password, cheapParams)
		if err != nil {
			panic(err)
		}
		hashOnce.hash = h
	})
	return hashOnce.hash
}

// CreateUser makes an active user with Password and, when role is not
// empty, a role assignment valid from now on.
func CreateUser(t testing.TB, db *store.DB, username, role, domain string) *model.User {
	t.Helper()
	ctx := context.Background()
	now := db.Now()
	u := &model.User{Username: username, DisplayName: username, Status: model.UserActive, PasswordHash: passwordHash(t), PasswordChangedAt: &now}
	if err := db.CreateUser(ctx, u); err != nil {
		t.Fatalf("testenv: create user %s: %v", username, err)
	}
	if role != "" {
		if err := db.CreateRoleAssignment(ctx, &model.RoleAssignment{UserID: u.ID, Role: role, Domain: domain, ValidFrom: now.Add(-60_000_000_000)}); err != nil {
			t.Fatalf("testenv: assign %s: %v", role, err)
		}
	}
	return u
}

// Config is the configuration of test servers.
func Config(t testing.TB) config.Config {
	cfg := config.Default()
	cfg.UploadDir = t.TempDir()
	cfg.Log.Level = "warn"
	return cfg
}

// Server is the real application on a test database, listening on a free
// loopback port.
type Server struct {
	URL string
	App *app.App
	DB  *store.DB
	t   testing.TB
}

// NewServer builds the application on a fresh database of the dialect and
// serves it on 127.0.0.1 with a free port. mutate may change the configuration.
func NewServer(t testing.TB, dialect string, mutate ...func(*config.Config)) *Server {
	t.Helper()
	db := NewDB(t, dialect)
	return ServeDB(t, db, mutate...)
}

// ServeDB serves the application over an existing test database.
func ServeDB(t testing.TB, db *store.DB, mutate ...func(*config.Config)) *Server {
	t.Helper()
	cfg := Config(t)
	envSessions(&cfg)
	for _, m := range mutate {
		m(&cfg)
	}
	level := slog.LevelWarn
	if os.Getenv("TONGXIN_TEST_LOG") == "1" {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	a, err := app.Build(ctx, cfg, log, db)
	if err != nil {
		t.Fatalf("testenv: build app: %v", err)
	}
	if _, ok, _ := envInstant(); ok {
		a.Authz.SetClock(db.Now) // grants are dated by the database's clock
	}
	ts := httptest.NewServer(a.Web.Handler())
	t.Cleanup(ts.Close)
	return &Server{URL: ts.URL, App: a, DB: db, t: t}
}

// Client is an HTTP client with its own cookie jar that does not follow
// redirects, so that tests see the 303s the handlers answer.
type Client struct {
	t    testing.TB
	base string
	http *http.Client
	// Header is added to every request (tests of the API set Authorization here).
	Header http.Header
}

// Client returns a new anonymous client of the server that reports
// failures to t (pass the subtest's t inside a subtest).
func (s *Server) Client(t testing.TB) *Client {
	jar, _ := cookiejar.New(nil)
	return &Client{
		t:    t,
		base: s.URL,
		http: &http.Client{
			Jar:           jar,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		Header: http.Header{},
	}
}

// Response is a read answer.
type Response struct {
	Status int
	Header http.Header
	Body   string
}

// Doc parses the body as HTML.
func (r *Response) Doc(t testing.TB) *goquery.Document {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(r.Body))
	if err != nil {
		t.Fatalf("parse HTML: %v", err)
	}
	return doc
}

// Location is the redirect target.
func (r *Response) Location() string { return r.Header.Get("Location") }

// Do sends a request and reads the whole answer.
func (c *Client) Do(req *http.Request) *Response {
	c.t.Helper()
	for k, vs := range c.Header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatalf("read %s: %v", req.URL, err)
	}
	return &Response{Status: res.StatusCode, Header: res.Header, Body: string(b)}
}

// Get fetches a path.
func (c *Client) Get(path string) *Response {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodGet, c.base+path, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	return c.Do(req)
}

// PostForm posts a form as is (no token added).
func (c *Client) PostForm(path string, form url.Values) *Response {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodPost, c.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.Do(req)
}

// Send sends a body with a content type.
func (c *Client) Send(method, path, contentType string, body io.Reader) *Response {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return c.Do(req)
}

// FormToken loads a page and returns the CSRF token of its form, as a
// browser would find it.
func (c *Client) FormToken(path string) string {
	c.t.Helper()
	res := c.Get(path)
	if res.Status != http.StatusOK {
		c.t.Fatalf("GET %s: status %d, want 200", path, res.Status)
	}
	tok, ok := res.Doc(c.t).Find(`input[name="csrf_token"]`).First().Attr("value")
	if !ok || tok == "" {
		c.t.Fatalf("GET %s: no csrf_token field in the page", path)
	}
	return tok
}

// Submit loads formPage for its CSRF token, then posts form to action.
func (c *Client) Submit(formPage, action string, form url.Values) *Response {
	c.t.Helper()
	form.Set("csrf_token", c.FormToken(formPage))
	return c.PostForm(action, form)
}

// Login logs in through the login form and fails the test unless it succeeds.
func (c *Client) Login(username, password string) {
	c.t.Helper()
	res := c.Submit("/login", "/login", url.Values{"username": {username}, "password": {password}})
	if res.Status != http.StatusSeeOther {
		c.t.Fatalf("login %s: status %d, want 303; body: %.300s", username, res.Status, res.Body)
	}
}

// CreateUser makes a user (see the package function) and reloads the
// server's access model so that its role counts at once.
func (s *Server) CreateUser(t testing.TB, username, role, domain string) *model.User {
	t.Helper()
	u := CreateUser(t, s.DB, username, role, domain)
	if err := s.App.Authz.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	return u
}

// URL returns the absolute URL of a path on the server.
func (c *Client) URL(path string) string { return c.base + path }

// CSRFCookie returns the CSRF token from the cookie jar, fetching a page first
// if the client has none yet (scripts with a session send it in X-CSRF-Token).
func (c *Client) CSRFCookie() string {
	c.t.Helper()
	u, _ := url.Parse(c.base)
	find := func() string {
		for _, ck := range c.http.Jar.Cookies(u) {
			if ck.Name == "tongxin_csrf" {
				return ck.Value
			}
		}
		return ""
	}
	if v := find(); v != "" {
		return v
	}
	c.Get("/login")
	return find()
}

// Cookie returns the value of a cookie in the client's jar ("" when absent).
func (c *Client) Cookie(name string) string {
	u, _ := url.Parse(c.base)
	for _, ck := range c.http.Jar.Cookies(u) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

// SetCookie plants a cookie, as an attacker fixing a session would.
func (c *Client) SetCookie(name, value string) {
	u, _ := url.Parse(c.base)
	c.http.Jar.SetCookies(u, []*http.Cookie{{Name: name, Value: value, Path: "/"}})
}
