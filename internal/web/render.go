package web

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
)

// Shanghai is the zone every date and time is shown in (China keeps no
// daylight saving time, so a fixed zone is exact and needs no tzdata).
var Shanghai = time.FixedZone("CST", 8*3600)

// Crumb is one breadcrumb; the last has no URL.
type Crumb struct{ Label, URL string }

// MenuItem is one entry of the left menu.
type MenuItem struct {
	Label, URL string
	Active     bool
}

// MenuGroup is a titled group of the left menu.
type MenuGroup struct {
	Label string
	Items []MenuItem
}

// Flash is a one-time message shown after a redirect.
type Flash struct{ Kind, Message string }

// ViewUser is what the shell shows of the current user.
type ViewUser struct {
	ID                    int64
	Username, DisplayName string
}

// View is the dot of every template.
type View struct {
	Lang        string
	Title       string
	Crumbs      []Crumb
	User        *ViewUser
	Scope       string
	Menu        []MenuGroup
	Flashes     []Flash
	CSRF        string
	RequestID   string
	Path        string
	UnreadCount int
	Data        any

	cat *Catalog
	// may answers May and MayIn (set by Server.view; nil: nothing may be opened).
	may func(url string, chain []string) bool
}

// May reports whether the viewer may open url (a path with or without its
// query): a GET route answers it and the viewer passes the permission that
// route declares (its guard, as the menu asks). A page draws a link, a
// button or an htmx fragment only when May (or MayIn) says so.
func (v *View) May(url string) bool { return v.may != nil && v.may(url, nil) }

// MayIn is May and the object check: the route's action is allowed on the
// object's chain of domains, narrowest first (build them with dom: e.g.
// (dom "unit" .UnitID) (dom "alliance" .AllianceID) (dom "district" .DistrictID));
// sys is implied at its end.
func (v *View) MayIn(url string, chain ...string) bool {
	return v.may != nil && v.may(url, append(chain, "sys"))
}

// T translates a catalog key into the view's locale.
func (v *View) T(key string, args ...any) string { return v.cat.T(v.Lang, key, args...) }

// Renderer holds the parsed templates: each page on a clone of the shared
// layouts and partials. Parsing happens once, at start-up.
type Renderer struct {
	pages map[string]*template.Template
	bufs  sync.Pool
}

// NewRenderer parses web/templates. A parse error stops start-up.
func NewRenderer(fsys fs.FS, assets *Assets) (*Renderer, error) {
	funcs := template.FuncMap{
		"asset":       assets.URL,
		"fmtDate":     fmtDate,
		"fmtDateTime": fmtDateTime,
		"fmtInt":      fmtInt,
		"fmtMoney":    fmtMoney,
		"dom":         dom,
	}
	base := template.New("").Funcs(funcs)
	for _, dir := range []string{"templates/layouts", "templates/partials"} {
		files, err := fs.Glob(fsys, dir+"/*.html")
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			if err := parseFile(base, fsys, f); err != nil {
				return nil, err
			}
		}
	}
	r := &Renderer{pages: map[string]*template.Template{}}
	r.bufs.New = func() any { return new(bytes.Buffer) }
	err := fs.WalkDir(fsys, "templates/pages", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Ext(p) != ".html" {
			return err
		}
		t, err := base.Clone()
		if err != nil {
			return err
		}
		if err := parseFile(t, fsys, p); err != nil {
			return err
		}
		name := strings.TrimSuffix(strings.TrimPrefix(p, "templates/pages/"), ".html")
		r.pages[name] = t
		return nil
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

func parseFile(t *template.Template, fsys fs.FS, name string) error {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return err
	}
	if _, err := t.New(name).Parse(string(b)); err != nil {
		return fmt.Errorf("template %s: %w", name, err)
	}
	return nil
}

// Pages lists the page names (tests).
func (r *Renderer) Pages() []string {
	out := make([]string, 0, len(r.pages))
	for n := range r.pages {
		out = append(out, n)
	}
	return out
}

// Render executes page with the given layout ("base" or "bare"), or only the
// "content" block for an htmx request, into a buffer; a template error
// therefore never leaves half a page on the wire.
func (r *Renderer) Render(c echo.Context, status int, page, layout string, v *View) error {
	t, ok := r.pages[page]
	if !ok {
		return fmt.Errorf("render: no page %q", page)
	}
	name := layout
	if IsHTMX(c) {
		name = "content"
	}
	buf := r.bufs.Get().(*bytes.Buffer)
	buf.Reset()
	defer r.bufs.Put(buf)
	if err := t.ExecuteTemplate(buf, name, v); err != nil {
		return fmt.Errorf("render %s/%s: %w", page, name, err)
	}
	if status >= http.StatusBadRequest && v != nil {
		// Validation summaries name their fields (form_summary.go).
		return c.HTMLBlob(status, labelSummaries(buf.Bytes(), v.Lang))
	}
	return c.HTMLBlob(status, buf.Bytes())
}

// IsHTMX reports an htmx request that wants a fragment (a boosted link wants
// the whole page).
func IsHTMX(c echo.Context) bool {
	h := c.Request().Header
	return h.Get("HX-Request") == "true" && h.Get("HX-Boosted") != "true"
}

func fmtDate(t any) string {
	switch v := t.(type) {
	case time.Time:
		if v.IsZero() {
			return ""
		}
		return v.In(Shanghai).Format("2006-01-02")
	case *time.Time:
		if v == nil {
			return ""
		}
		return fmtDate(*v)
	}
	return ""
}

func fmtDateTime(t any) string {
	switch v := t.(type) {
	case time.Time:
		if v.IsZero() {
			return ""
		}
		return v.In(Shanghai).Format("2006-01-02 15:04")
	case *time.Time:
		if v == nil {
			return ""
		}
		return fmtDateTime(*v)
	}
	return ""
}

// fmtInt writes 1234567 as 1,234,567.
func fmtInt(n any) string {
	var v int64
	switch x := n.(type) {
	case int:
		v = int64(x)
	case int64:
		v = x
	case int32:
		v = int64(x)
	default:
		return fmt.Sprint(n)
	}
	neg := v < 0
	if neg {
		v = -v
	}
	s := strconv.FormatInt(v, 10)
	var b strings.Builder
	for i, ch := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(ch)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// fmtMoney writes fen as ¥12,345.00.
func fmtMoney(fen any) string {
	var v int64
	switch x := fen.(type) {
	case int:
		v = int64(x)
	case int64:
		v = x
	default:
		return fmt.Sprint(fen)
	}
	sign := ""
	if v < 0 {
		sign, v = "-", -v
	}
	return fmt.Sprintf("%s¥%s.%02d", sign, fmtInt(v/100), v%100)
}

// statusText is the plain text for a status code, for error pages.
func statusText(code int) string { return http.StatusText(code) }

// dom formats a domain of an object's chain for View.MayIn: dom "alliance" 12 is "alliance:12".
func dom(kind string, id any) string { return fmt.Sprintf("%s:%v", kind, id) }
