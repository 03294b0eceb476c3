package testenv

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

const (
	// browserTimeout bounds everything one Browser does, from its start to
	// the last action, so that a hung page or browser cannot hang the suite.
	browserTimeout = 60 * time.Second
	// artifactTimeout bounds saving the screenshot and HTML after a failure,
	// which may happen after browserTimeout has run out.
	artifactTimeout = 10 * time.Second
	// closeTimeout bounds the graceful close of the browser in t.Cleanup.
	closeTimeout = 5 * time.Second
	// acceptLanguage is the browser's Accept-Language header and
	// navigator.languages (the --accept-lang flag).
	acceptLanguage = "zh-CN,zh"
)

// Browser is a fresh headless Chromium with one tab, for end-to-end tests.
// It records the network and console errors of the page (see NetworkErrors)
// and saves a screenshot and the page's HTML under test-artifacts/ when the
// test fails. Use it from the test's goroutine only.
type Browser struct {
	t        testing.TB
	ctx      context.Context // the tab; lives until t.Cleanup
	deadline time.Time       // end of the per-test time budget

	mu        sync.Mutex
	mainFrame cdp.FrameID                  // the tab's top-level frame
	origin    string                       // origin of the top-level document
	urls      map[network.RequestID]string // request URLs, for loadingFailed
	reported  map[network.RequestID]bool   // requests already in errs
	errs      []string

	started bool // the browser is up; before that there is nothing to save
	saved   bool // artifacts were written for this failure
}

// NewBrowser starts a fresh headless Chromium (own user-data-dir under
// t.TempDir, window 1366x768, language zh-CN) and closes it in t.Cleanup.
// All actions of the browser share one time budget of 60 s (less if the
// test's own deadline is nearer).
//
// Without Chromium the test is skipped, or fails when the environment sets
// TONGXIN_REQUIRE_BROWSER=1.
func NewBrowser(t testing.TB) *Browser {
	t.Helper()
	exe := findChromium()
	if exe == "" {
		msg := "no Chromium found (looked for /usr/bin/chromium and chromium, chromium-browser, google-chrome in PATH); install it with apt-get install -y chromium fonts-wqy-microhei"
		if os.Getenv("TONGXIN_REQUIRE_BROWSER") == "1" {
			t.Fatal(msg + " (TONGXIN_REQUIRE_BROWSER=1)")
		}
		t.Skip(msg)
	}

	// TempDir first: its removal is registered before our close, so it runs
	// after the browser has stopped writing there.
	dataDir := filepath.Join(t.TempDir(), "chromium-profile")

	b := &Browser{
		t:        t,
		deadline: time.Now().Add(browserTimeout),
		urls:     map[network.RequestID]string{},
		reported: map[network.RequestID]bool{},
	}
	if dt, ok := t.(interface{ Deadline() (time.Time, bool) }); ok {
		if d, ok := dt.Deadline(); ok {
			// Leave time to save artifacts and report before go test panics.
			if d = d.Add(-artifactTimeout - closeTimeout); d.Before(b.deadline) {
				b.deadline = d
			}
		}
	}

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("lang", "zh-CN"),
		chromedp.Flag("accept-lang", acceptLanguage),
		chromedp.UserDataDir(dataDir),
		chromedp.WindowSize(1366, 768),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(allocCtx, chromedp.WithListener(b.record))
	b.ctx = ctx

	t.Cleanup(func() {
		if t.Failed() && b.started && !b.saved {
			if paths, err := b.saveArtifacts(); err != nil {
				t.Logf("browser: saving failure artifacts: %v", err)
			} else {
				t.Logf("browser: failure artifacts: %s", strings.Join(paths, ", "))
			}
		}
		cctx, cancel := context.WithTimeout(ctx, closeTimeout)
		_ = chromedp.Cancel(cctx) // a browser that does not close in time is killed below
		cancel()
		cancelTab()
		cancelAlloc()
	})

	// The first Run starts the browser and binds its life to ctx, so it must
	// not carry a timeout; bound it from outside instead.
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(ctx) }()
	select {
	case err := <-started:
		if err != nil {
			t.Fatalf("browser: starting %s: %v", exe, err)
		}
	case <-time.After(time.Until(b.deadline)):
		cancelAlloc() // kills the process, which ends the goroutine
		t.Fatalf("browser: %s did not start within %v", exe, browserTimeout)
	}
	b.started = true
	if c := chromedp.FromContext(ctx); c != nil && c.Target != nil {
		b.mu.Lock()
		b.mainFrame = cdp.FrameID(c.Target.TargetID) // Chromium: main frame id == target id
		b.mu.Unlock()
	}
	return b
}

func findChromium() string {
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// Run runs the actions in order in the browser's tab. On an error it calls
// Fail, which saves artifacts and ends the test.
func (b *Browser) Run(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	b.do("Run", chromedp.Steps(actions...))
}

// RunValue runs one action that returns a value, such as
// chromedp.Evaluate[int](`1+2`), and returns that value. On an error it
// calls b.Fail.
func RunValue[T any](b *Browser, action chromedp.Action[T]) T {
	b.t.Helper()
	return runValue(b, "RunValue", action)
}

func (b *Browser) do(what string, action chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	runValue(b, what, action)
}

// runValue runs action within the browser's time budget; on an error it
// calls b.Fail with what, the call that failed.
func runValue[T any](b *Browser, what string, action chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithDeadline(b.ctx, b.deadline)
	defer cancel()
	v, err := chromedp.Run(ctx, action)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("%w (the browser's time budget of %v since NewBrowser is spent)", err, browserTimeout)
		}
		b.Fail(fmt.Errorf("%s: %w", what, err))
	}
	return v
}

// Fail saves a full-page screenshot and the page's HTML under
// test-artifacts/<TestName>/ at the module root, and ends the test with
// t.Fatalf, naming err, the files and the recorded network errors.
func (b *Browser) Fail(err error) {
	b.t.Helper()
	var where string
	if paths, serr := b.saveArtifacts(); serr != nil {
		where = fmt.Sprintf("(saving artifacts failed: %v)", serr)
	} else {
		where = "artifacts: " + strings.Join(paths, ", ")
	}
	if errs := b.NetworkErrors(); len(errs) > 0 {
		where += "\nnetwork/console errors:\n  " + strings.Join(errs, "\n  ")
	}
	b.t.Fatalf("browser: %v\n%s", err, where)
}

// ShotsEnv asks the browser tests to save the screenshots of the pages they
// walk (TONGXIN_TEST_SHOTS=1), for a person to look at. Without it only a
// failing step saves one (Fail): a full-page PNG costs the browser more than
// the page itself, and a suite of them added minutes to every run.
const ShotsEnv = "TONGXIN_TEST_SHOTS"

// Screenshot saves a full-page PNG of the tab at path (directories are
// created) when TONGXIN_TEST_SHOTS=1 or the test has already failed. A
// relative path is relative to the test's working directory.
func (b *Browser) Screenshot(path string) {
	b.t.Helper()
	if os.Getenv(ShotsEnv) != "1" && !b.t.Failed() {
		return
	}
	png := runValue(b, "Screenshot()", fullPagePNG())
	if err := writeFile(path, png); err != nil {
		b.t.Fatalf("browser: %v", err)
	}
}

// NetworkErrors returns what went wrong in the page so far, in order:
//   - "404 URL": a response with status >= 400 for the origin of the
//     top-level page (documents, assets, fetch/XHR alike);
//   - "failed net::ERR_… URL": a request to that origin that failed;
//   - "console error: …" / "console assert: …": console.error / console.assert;
//   - "exception: …": an uncaught exception or unhandled rejection;
//   - "csp: …": a Content-Security-Policy violation;
//   - "console error (source): …": another error the browser logged.
//
// Canceled requests (net::ERR_ABORTED, e.g. cut off by a navigation) and
// the browser's own request for /favicon.ico are not errors.
func (b *Browser) NetworkErrors() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.errs...)
}

// Navigate loads url and waits for its load event.
func (b *Browser) Navigate(url string) {
	b.t.Helper()
	b.do(fmt.Sprintf("Navigate(%q)", url), chromedp.Navigate(url))
}

// Text returns the visible text (innerText) of the first element matching
// the CSS selector, waiting for it to exist.
func (b *Browser) Text(selector string) string {
	b.t.Helper()
	return runValue(b, fmt.Sprintf("Text(%q)", selector), chromedp.Text(chromedp.CSS(selector)))
}

// HTML returns the outer HTML of the whole document.
func (b *Browser) HTML() string {
	b.t.Helper()
	return runValue(b, "HTML()", documentHTML())
}

// Click clicks the first element matching the CSS selector once it is
// visible.
func (b *Browser) Click(selector string) {
	b.t.Helper()
	b.do(fmt.Sprintf("Click(%q)", selector), chromedp.Click(chromedp.CSS(selector)))
}

// SetValue sets the value property of the first element matching the CSS
// selector, without key events.
func (b *Browser) SetValue(selector, value string) {
	b.t.Helper()
	b.do(fmt.Sprintf("SetValue(%q)", selector), chromedp.SetValue(chromedp.CSS(selector), value))
}

// SendKeys focuses the first element matching the CSS selector and types
// text into it with real key events ("\n" is Enter).
func (b *Browser) SendKeys(selector, text string) {
	b.t.Helper()
	b.do(fmt.Sprintf("SendKeys(%q)", selector), chromedp.SendKeys(chromedp.CSS(selector), text))
}

// Submit submits the form of the first element matching the CSS selector
// (the form itself, or a field or button in it) with form.requestSubmit, as
// a user would: validation and submit handlers (htmx) run, and a submit
// button named by the selector is the submitter. (chromedp.Submit calls
// form.submit(), which skips both.) Submit does not wait for the response:
// follow it with WaitVisible on something only the next page has.
func (b *Browser) Submit(selector string) {
	b.t.Helper()
	sel, _ := json.Marshal(selector) // a JS string literal
	b.do(fmt.Sprintf("Submit(%q)", selector), chromedp.Steps(
		chromedp.WaitReady(chromedp.CSS(selector)),
		chromedp.Evaluate[chromedp.Void](`(() => {
	const el = document.querySelector(`+string(sel)+`);
	const form = el instanceof HTMLFormElement ? el : (el.form || el.closest("form"));
	if (!form) throw new Error("no form for " + `+string(sel)+`);
	const submitter = el !== form && el.type === "submit" ? el : undefined;
	form.requestSubmit(submitter);
})()`),
	))
}

// WaitVisible waits until the first element matching the CSS selector is
// visible.
func (b *Browser) WaitVisible(selector string) {
	b.t.Helper()
	b.do(fmt.Sprintf("WaitVisible(%q)", selector), chromedp.WaitVisible(chromedp.CSS(selector)))
}

// Location returns the URL of the current page.
func (b *Browser) Location() string {
	b.t.Helper()
	return runValue(b, "Location()", chromedp.Location())
}

// Title returns the title of the current page.
func (b *Browser) Title() string {
	b.t.Helper()
	return runValue(b, "Title()", chromedp.Title())
}

// record runs on chromedp's event loop for every event of the tab: it must
// be quick and must not run commands.
func (b *Browser) record(ev any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch e := ev.(type) {
	case *network.EventRequestWillBeSent:
		if e.Request == nil {
			return
		}
		b.urls[e.RequestID] = e.Request.URL
		if e.Type == network.ResourceTypeDocument && e.FrameID == b.mainFrame {
			b.origin = originOf(e.Request.URL)
		}
	case *network.EventResponseReceived:
		r := e.Response
		if r == nil || r.Status < 400 || b.reported[e.RequestID] || !b.ownOrigin(r.URL) || isDefaultFavicon(r.URL) {
			return
		}
		b.reported[e.RequestID] = true
		b.errs = append(b.errs, fmt.Sprintf("%d %s", r.Status, r.URL))
	case *network.EventLoadingFailed:
		u := b.urls[e.RequestID]
		if e.Canceled || e.ErrorText == "net::ERR_ABORTED" || b.reported[e.RequestID] || !b.ownOrigin(u) || isDefaultFavicon(u) {
			return
		}
		b.reported[e.RequestID] = true
		msg := "failed " + e.ErrorText
		if e.BlockedReason != "" {
			msg += " (blocked: " + string(e.BlockedReason) + ")"
		}
		b.errs = append(b.errs, msg+" "+u)
	case *runtime.EventConsoleAPICalled:
		if e.Type != runtime.ConsoleAPICalledTypeError && e.Type != runtime.ConsoleAPICalledTypeAssert {
			return
		}
		parts := make([]string, 0, len(e.Args))
		for _, a := range e.Args {
			parts = append(parts, remoteText(a))
		}
		b.errs = append(b.errs, "console "+string(e.Type)+": "+strings.Join(parts, " "))
	case *runtime.EventExceptionThrown:
		d := e.ExceptionDetails
		if d == nil {
			return
		}
		text := d.Text
		if d.Exception != nil && d.Exception.Description != "" {
			text += " " + firstLine(d.Exception.Description)
		}
		if d.URL != "" {
			text += fmt.Sprintf(" (%s:%d)", d.URL, d.LineNumber+1)
		}
		b.errs = append(b.errs, "exception: "+text)
	case *log.EventEntryAdded:
		en := e.Entry
		// Network entries ("Failed to load resource: … 404") repeat what the
		// network events recorded, with the origin filter applied there.
		if en == nil || en.Level != log.EntryLevelError || en.Source == log.EntrySourceNetwork {
			return
		}
		if strings.Contains(en.Text, "Content Security Policy") {
			b.errs = append(b.errs, "csp: "+en.Text)
		} else {
			b.errs = append(b.errs, "console error ("+string(en.Source)+"): "+en.Text)
		}
	}
}

// ownOrigin reports whether u has the origin of the top-level page. b.mu is
// held.
func (b *Browser) ownOrigin(u string) bool {
	return b.origin != "" && originOf(u) == b.origin
}

// isDefaultFavicon reports whether u is the /favicon.ico that Chromium asks
// for on its own after the load event, when the page declares no icon.
// Whether that request ends before the test looks is a matter of timing, so
// reporting it would make tests flaky.
func isDefaultFavicon(u string) bool {
	p, err := url.Parse(u)
	return err == nil && p.Path == "/favicon.ico"
}

func originOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return ""
	}
	return strings.ToLower(u.Scheme + "://" + u.Host)
}

func remoteText(o *runtime.RemoteObject) string {
	if o == nil {
		return ""
	}
	if len(o.Value) > 0 {
		var s string
		if o.Type == runtime.RemoteObjectTypeString && json.Unmarshal(o.Value, &s) == nil {
			return s
		}
		return string(o.Value)
	}
	if o.UnserializableValue != "" {
		return string(o.UnserializableValue)
	}
	return firstLine(o.Description)
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// documentHTML returns the doctype and outer HTML of the document without
// waiting for any element.
func documentHTML() chromedp.Action[string] {
	return chromedp.Evaluate[string](`(() => {
	const d = document.doctype ? new XMLSerializer().serializeToString(document.doctype) + "\n" : "";
	return d + (document.documentElement ? document.documentElement.outerHTML : "");
})()`)
}

// fullPagePNG captures the whole scrollable page, not only the viewport.
func fullPagePNG() chromedp.Action[[]byte] {
	once := fullPagePNGOnce()
	return func(ctx context.Context, t *chromedp.Target) ([]byte, error) {
		// A page still laying out (a busy machine, a navigation just done)
		// reports a zero-width surface: wait a little and try again.
		for i := 0; ; i++ {
			b, err := once(ctx, t)
			if err == nil || i == 20 || !strings.Contains(err.Error(), "0 width") {
				return b, err
			}
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
}

func fullPagePNGOnce() chromedp.Action[[]byte] {
	return func(ctx context.Context, t *chromedp.Target) ([]byte, error) {
		m, err := cdp.Call(ctx, t, page.GetLayoutMetrics, cdp.Empty{})
		if err != nil {
			return nil, err
		}
		params := page.CaptureScreenshotParams{
			Format:                page.CaptureScreenshotFormatPng,
			CaptureBeyondViewport: new(true),
			FromSurface:           new(true),
		}
		if cs := m.CSSContentSize; cs != nil && cs.Width > 0 && cs.Height > 0 {
			params.Clip = &page.Viewport{
				Width:  math.Ceil(cs.Width),
				Height: math.Ceil(cs.Height),
				Scale:  1,
			}
		}
		r, err := cdp.Call(ctx, t, page.CaptureScreenshot, params)
		if err != nil {
			return nil, err
		}
		return r.Data, nil
	}
}

// saveArtifacts writes the screenshot and HTML of the tab under
// test-artifacts/<TestName>/ and returns the paths it wrote. It runs on its
// own short timeout, because the test's budget may be spent.
func (b *Browser) saveArtifacts() ([]string, error) {
	b.saved = true
	root, err := moduleRoot()
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(root, "test-artifacts", artifactName(b.t.Name()))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(b.ctx, artifactTimeout)
	defer cancel()

	var paths []string
	var errs []error
	save := func(name string, data []byte, err error) {
		p := filepath.Join(dir, name)
		if err == nil {
			err = writeFile(p, data)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
			return
		}
		paths = append(paths, p)
	}
	png, err := chromedp.Run(ctx, fullPagePNG())
	save("screenshot.png", png, err)
	html, err := chromedp.Run(ctx, documentHTML())
	save("page.html", []byte(html), err)
	if len(paths) == 0 {
		return nil, errors.Join(errs...)
	}
	for _, e := range errs {
		b.t.Logf("browser: saving artifacts: %v", e)
	}
	return paths, nil
}

// artifactName turns a test name into a relative directory: subtests become
// subdirectories, and characters unsafe in file names become '_'.
func artifactName(name string) string {
	segs := strings.Split(name, "/")
	for i, s := range segs {
		s = strings.Map(func(r rune) rune {
			switch {
			case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9',
				r == '-', r == '_', r == '.', r > 127:
				return r
			}
			return '_'
		}, s)
		if s == "" || s == "." || s == ".." {
			s = "_"
		}
		segs[i] = s
	}
	return filepath.Join(segs...)
}

// moduleRoot walks up from the working directory to the directory that
// holds go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

func writeFile(path string, data []byte) error {
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	return os.WriteFile(path, data, 0o644)
}

// ArtifactPath returns test-artifacts/<TestName>/<name> at the module root,
// for screenshots a person looks at after the run.
func ArtifactPath(t testing.TB, name string) string {
	t.Helper()
	root, err := moduleRoot()
	if err != nil {
		t.Fatalf("artifact path: %v", err)
	}
	return filepath.Join(root, "test-artifacts", artifactName(t.Name()), name)
}
