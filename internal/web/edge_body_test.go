package web_test

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"tongxin/internal/app"
	"tongxin/internal/config"
	"tongxin/internal/model"
	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

// serveReal runs the application through app.Serve (the real http.Server
// with its timeouts) on a loopback listener and returns its address.
func serveReal(t *testing.T, d string, mutate func(*config.Config)) (string, *testenv.Server) {
	t.Helper()
	db := testenv.NewDB(t, d)
	cfg := testenv.Config(t)
	mutate(&cfg)
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.Build(ctx, cfg, log, db)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()
	t.Cleanup(func() { cancel(); <-done })
	return ln.Addr().String(), &testenv.Server{URL: "http://" + ln.Addr().String(), App: a, DB: db}
}

// rawPost sends a request over a plain connection: the headers at once,
// then body in chunks of chunk bytes every pause; with cut, it stops after
// half of the body and closes its side. It returns the answer's status.
func rawPost(t *testing.T, addr, path string, header http.Header, body string, chunk int, pause time.Duration, cut bool) int {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var b strings.Builder
	fmt.Fprintf(&b, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\nConnection: close\r\n", path, addr, len(body))
	for k, vs := range header {
		for _, v := range vs {
			fmt.Fprintf(&b, "%s: %s\r\n", k, v)
		}
	}
	b.WriteString("\r\n")
	if _, err := conn.Write([]byte(b.String())); err != nil {
		t.Fatal(err)
	}
	go func() {
		send := body
		if cut {
			send = body[:len(body)/2]
		}
		for len(send) > 0 {
			n := min(chunk, len(send))
			if _, err := conn.Write([]byte(send[:n])); err != nil {
				return // the server answered and closed: fine
			}
			send = send[n:]
			time.Sleep(pause)
		}
		if cut {
			_ = conn.(*net.TCPConn).CloseWrite()
		}
	}()
	_ = conn.SetReadDeadline(time.Now().Add(60 * time.Second))
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("POST %s: no answer: %v", path, err)
	}
	res.Body.Close()
	return res.StatusCode
}

// TestSlowBodies: with a read timeout of 1 s, an upload sent slowly over
// 2 s still arrives (uploads have their own deadline); the same upload
// against an upload deadline of 1 s answers 408; a JSON body slower than
// the read timeout answers 408; a body cut off answers 408. Never 500.
func TestSlowBodies(t *testing.T) {
	t.Parallel() // one of the long tests; each has its own server and database (Makefile: WEBFLAGS)
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			for _, tc := range []struct {
				name          string
				uploadTimeout time.Duration
				upload        bool
				cut           bool
				want          func(int) bool
			}{
				{"slow upload within its deadline", 30 * time.Second, true, false, func(s int) bool { return s != 408 && s < 500 && s != 400 }},
				{"upload past its deadline", time.Second, true, false, func(s int) bool { return s == 408 }},
				{"slow JSON past the read timeout", 30 * time.Second, false, false, func(s int) bool { return s == 408 }},
				{"JSON body cut off", 30 * time.Second, false, true, func(s int) bool { return s == 408 }},
				{"upload cut off", 30 * time.Second, true, true, func(s int) bool { return s == 408 }},
			} {
				t.Run(tc.name, func(t *testing.T) {
					addr, srv := serveReal(t, d, func(c *config.Config) {
						c.HTTP.ReadTimeout = time.Second
						c.HTTP.UploadTimeout = tc.uploadTimeout
					})
					srv.CreateUser(t, "root", model.RoleSysadmin, model.DomainSys)
					c := srv.Client(t)
					c.Login("root", testenv.Password)
					h := http.Header{"Cookie": {"tongxin_session=" + c.Cookie("tongxin_session") + "; tongxin_csrf=" + c.CSRFCookie()}}
					var path, body string
					if tc.upload {
						// The import form, as a browser posts it: the CSRF token is a form field.
						ct, buf := multipartBody(t, map[string]string{"csrf_token": c.CSRFCookie(), "kind": "units", "dry_run": "1"},
							"units.csv", []byte(strings.Repeat("名称,统一社会信用代码\n", 800)))
						path, body = "/imports", buf.String()
						h.Set("Content-Type", ct)
					} else {
						path = "/api/v1/needs"
						body = `{"title":"` + strings.Repeat("需", 3000) + `"}`
						h.Set("Content-Type", "application/json")
						h.Set("X-CSRF-Token", c.CSRFCookie())
					}
					// About 2 s of sending: past the read timeout, within a long upload deadline.
					chunk := len(body)/20 + 1
					got := rawPost(t, addr, path, h, body, chunk, 100*time.Millisecond, tc.cut)
					if !tc.want(got) {
						t.Fatalf("%s: status %d", tc.name, got)
					}
				})
			}
		})
	}
}

// TestSlowUploadHoldsNoTurn: with one request admitted at a time, an
// upload whose body takes 2 s to arrive does not hold that turn: a page
// asked for meanwhile answers 200, not 503.
func TestSlowUploadHoldsNoTurn(t *testing.T) {
	addr, srv := serveReal(t, store.SQLite, func(c *config.Config) {
		c.HTTP.MaxInFlight, c.HTTP.Queue, c.HTTP.QueueWait = 1, 1, 10*time.Millisecond
	})
	srv.CreateUser(t, "root", model.RoleSysadmin, model.DomainSys)
	c := srv.Client(t)
	c.Login("root", testenv.Password)
	h := http.Header{"Cookie": {"tongxin_session=" + c.Cookie("tongxin_session") + "; tongxin_csrf=" + c.CSRFCookie()}}
	ct, buf := multipartBody(t, map[string]string{"csrf_token": c.CSRFCookie(), "kind": "units", "dry_run": "1"},
		"units.csv", []byte(strings.Repeat("名称,统一社会信用代码\n", 800)))
	h.Set("Content-Type", ct)
	done := make(chan int, 1)
	go func() {
		done <- rawPost(t, addr, "/imports", h, buf.String(), buf.Len()/20+1, 100*time.Millisecond, false)
	}()
	time.Sleep(500 * time.Millisecond)
	for range 3 {
		if res := c.Get("/api/v1/me"); res.Status != http.StatusOK {
			t.Fatalf("a page during a slow upload: %d", res.Status)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if st := <-done; st >= 500 {
		t.Fatalf("the upload: %d", st)
	}
}
