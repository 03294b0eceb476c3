package testenv

import (
	"bytes"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
)

const browserTestPage = `<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>同心测试</title>
<link rel="stylesheet" href="/static/app.css">
</head>
<body>
<h1 id="greeting">你好，同心</h1>
<p>中文段落：欢迎使用。</p>
<img src="/static/missing.png" alt="缺失的图片">
<form id="f" action="/done" method="get">
<input id="name" name="name">
<button id="go" type="submit">提交</button>
</form>
</body>
</html>`

func TestBrowser(t *testing.T) {
	var mu sync.Mutex
	var acceptLang string
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		acceptLang = r.Header.Get("Accept-Language")
		mu.Unlock()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(browserTestPage))
	})
	mux.HandleFunc("GET /static/app.css", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/css")
		w.Write([]byte("h1 { color: rgb(200, 0, 0); }"))
	})
	mux.HandleFunc("GET /done", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(`<!DOCTYPE html><title>完成</title><link rel="icon" href="data:,"><p id="who">` + r.URL.Query().Get("name") + `</p>`))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	b := NewBrowser(t)
	b.Navigate(srv.URL + "/")

	if got := b.Text("#greeting"); got != "你好，同心" {
		t.Errorf("Text(#greeting) = %q, want %q", got, "你好，同心")
	}
	if got := b.Title(); got != "同心测试" {
		t.Errorf("Title() = %q", got)
	}
	if got := b.Location(); got != srv.URL+"/" {
		t.Errorf("Location() = %q, want %q", got, srv.URL+"/")
	}
	if got := b.HTML(); !strings.HasPrefix(got, "<!DOCTYPE html>") || !strings.Contains(got, "中文段落") {
		t.Errorf("HTML() does not hold the doctype and the page: %.200q", got)
	}
	if got := RunValue(b, chromedp.Evaluate[string](`getComputedStyle(document.querySelector("h1")).color`)); got != "rgb(200, 0, 0)" {
		t.Errorf("the stylesheet did not apply: h1 color = %q", got)
	}
	if got := RunValue(b, chromedp.Evaluate[string](`navigator.language`)); got != "zh-CN" {
		t.Errorf("navigator.language = %q, want zh-CN", got)
	}
	mu.Lock()
	if !strings.HasPrefix(acceptLang, "zh-CN") {
		t.Errorf("Accept-Language = %q, want zh-CN first", acceptLang)
	}
	mu.Unlock()
	if got := RunValue(b, chromedp.Evaluate[[]int](`[innerWidth, innerHeight]`)); len(got) != 2 || got[0] != 1366 {
		t.Errorf("viewport = %v, want 1366 wide", got)
	}

	// Only the image: the page declares no icon, and the browser's own
	// request for /favicon.ico (also a 404 here) is not reported.
	want := []string{"404 " + srv.URL + "/static/missing.png"}
	if got := b.NetworkErrors(); !slices.Equal(got, want) {
		t.Errorf("NetworkErrors() = %q, want %q", got, want)
	}

	// A page taller than the window: the screenshot holds all of it.
	b.Run(chromedp.Evaluate[chromedp.Void](`document.body.style.minHeight = "2000px"`))
	shot := filepath.Join(t.TempDir(), "shots", "page.png")
	t.Setenv(ShotsEnv, "")
	b.Screenshot(shot)
	if _, err := os.Stat(shot); !os.IsNotExist(err) {
		t.Errorf("Screenshot without %s=1 wrote %s (%v)", ShotsEnv, shot, err)
	}
	t.Setenv(ShotsEnv, "1")
	b.Screenshot(shot)
	data, err := os.ReadFile(shot)
	if err != nil {
		t.Fatal(err)
	}
	if cfg, err := png.DecodeConfig(bytes.NewReader(data)); err != nil {
		t.Errorf("Screenshot wrote %d bytes that are no PNG: %v", len(data), err)
	} else if cfg.Width != 1366 || cfg.Height < 2000 {
		t.Errorf("Screenshot is %dx%d, want the full page, 1366 wide and at least 2000 high", cfg.Width, cfg.Height)
	}

	// A form submitted the way a user would.
	b.SendKeys("#name", "李雷")
	b.Submit("#go")
	b.WaitVisible("#who")
	if got := b.Text("#who"); got != "李雷" {
		t.Errorf("after Submit, #who = %q, want 李雷", got)
	}
	if got := b.Title(); got != "完成" {
		t.Errorf("after Submit, Title() = %q", got)
	}
}

// TestBrowserRecordsConsoleAndCSP checks what else NetworkErrors reports: a
// console.error, an uncaught exception and a CSP violation, and a failed
// same-origin request, but not the failures of another origin.
func TestBrowserRecordsConsoleAndCSP(t *testing.T) {
	other := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(other.Close)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data: "+other.URL)
		w.Write([]byte(`<!DOCTYPE html><title>t</title><link rel="icon" href="data:,">
<img src="` + other.URL + `/elsewhere.png">
<script>alert("inline script blocked by CSP")</script>
<script src="/static/app.js"></script>
<script src="/static/broken.js"></script>`))
	})
	mux.HandleFunc("GET /static/app.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		w.Write([]byte(`console.error("出错了", 42); throw new Error("boom");`))
	})
	mux.HandleFunc("GET /static/broken.js", func(w http.ResponseWriter, r *http.Request) {
		// Hijack and close: the browser sees a connection error.
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	b := NewBrowser(t)
	b.Navigate(srv.URL + "/")
	got := b.NetworkErrors()

	has := func(prefix, substr string) bool {
		return slices.ContainsFunc(got, func(s string) bool {
			return strings.HasPrefix(s, prefix) && strings.Contains(s, substr)
		})
	}
	for _, c := range []struct{ prefix, substr string }{
		{"console error: ", "出错了 42"},
		{"exception: ", "boom"},
		{"csp: ", "inline script"},
		{"failed net::", srv.URL + "/static/broken.js"},
	} {
		if !has(c.prefix, c.substr) {
			t.Errorf("NetworkErrors() lacks %q…%q: %q", c.prefix, c.substr, got)
		}
	}
	if slices.ContainsFunc(got, func(s string) bool { return strings.Contains(s, "elsewhere.png") }) {
		t.Errorf("NetworkErrors() reports another origin's 404: %q", got)
	}
}

// TestBrowserArtifacts checks the files that a failure leaves behind.
func TestBrowserArtifacts(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(`<!DOCTYPE html><title>t</title><link rel="icon" href="data:,"><p>失败时的页面</p>`))
	}))
	t.Cleanup(srv.Close)

	b := NewBrowser(t)
	b.Navigate(srv.URL)
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "test-artifacts", "TestBrowserArtifacts")
	t.Cleanup(func() {
		if !t.Failed() {
			os.RemoveAll(dir)
		}
	})
	paths, err := b.saveArtifacts()
	if err != nil {
		t.Fatal(err)
	}
	wantPaths := []string{filepath.Join(dir, "screenshot.png"), filepath.Join(dir, "page.html")}
	if !slices.Equal(paths, wantPaths) {
		t.Fatalf("saveArtifacts() = %q, want %q", paths, wantPaths)
	}
	if png, _ := os.ReadFile(paths[0]); !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Errorf("%s is not a PNG", paths[0])
	}
	if html, _ := os.ReadFile(paths[1]); !strings.Contains(string(html), "失败时的页面") {
		t.Errorf("%s lacks the page: %q", paths[1], html)
	}
	b.saved = false // this test passes: nothing more to save
}

func TestBrowserArtifactName(t *testing.T) {
	for in, want := range map[string]string{
		"TestLogin":               "TestLogin",
		"TestLogin/管理员":           filepath.Join("TestLogin", "管理员"),
		"TestX/a:b*c":             filepath.Join("TestX", "a_b_c"),
		"TestX/..":                filepath.Join("TestX", "_"),
		"TestX/with_space_#01":    filepath.Join("TestX", "with_space__01"),
		"TestX/sqlite/postgres":   filepath.Join("TestX", "sqlite", "postgres"),
		"TestX/path/../../escape": filepath.Join("TestX", "path", "_", "_", "escape"),
	} {
		if got := artifactName(in); got != want {
			t.Errorf("artifactName(%q) = %q, want %q", in, got, want)
		}
	}
}
