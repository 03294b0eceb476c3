package web_test

import (
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"tongxin/internal/config"
	"tongxin/internal/model"
	"tongxin/internal/testenv"
)

// TestAdmissionConcurrentStorm: 400 list requests at once against an
// in-flight limit of 2 (queue 4, 50 ms): every request is answered, 200 or
// 503 with Retry-After, none dropped and no other 5xx; health, readiness
// and metrics answer 200 during the storm.
func TestAdmissionConcurrentStorm(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			srv := testenv.NewServer(t, d, func(c *config.Config) {
				c.HTTP.MaxInFlight, c.HTTP.Queue, c.HTTP.QueueWait = 2, 4, 50*time.Millisecond
			})
			srv.CreateUser(t, "root", model.RoleSysadmin, model.DomainSys)
			c := srv.Client(t)
			c.Login("root", testenv.Password)
			cookie := "tongxin_session=" + c.Cookie("tongxin_session")

			hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1000}, Timeout: 60 * time.Second}
			defer hc.CloseIdleConnections()
			const n = 400
			type answer struct {
				status int
				retry  string
				body   string
				err    error
			}
			answers := make([]answer, n)
			var health []answer
			var mu sync.Mutex
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range n {
				wg.Go(func() {
					<-start
					path := "/api/v1/users?limit=50"
					if i%2 == 1 {
						path = "/admin/users" // a page: the refusal is a page in Chinese
					}
					req, _ := http.NewRequest("GET", srv.URL+path, nil)
					req.Header.Set("Cookie", cookie)
					res, err := hc.Do(req)
					if err != nil {
						answers[i] = answer{err: err}
						return
					}
					b, _ := io.ReadAll(res.Body)
					res.Body.Close()
					answers[i] = answer{status: res.StatusCode, retry: res.Header.Get("Retry-After"), body: string(b)}
				})
			}
			for _, p := range []string{"/healthz", "/readyz", "/metrics", "/healthz", "/readyz", "/healthz"} {
				wg.Go(func() {
					<-start
					time.Sleep(5 * time.Millisecond)
					res, err := hc.Get(srv.URL + p)
					a := answer{err: err}
					if err == nil {
						_, _ = io.Copy(io.Discard, res.Body)
						res.Body.Close()
						a.status = res.StatusCode
					}
					mu.Lock()
					health = append(health, a)
					mu.Unlock()
				})
			}
			close(start)
			wg.Wait()

			count := map[int]int{}
			for i, a := range answers {
				if a.err != nil {
					t.Fatalf("request %d: no answer: %v", i, a.err)
				}
				count[a.status]++
				switch a.status {
				case http.StatusOK:
				case http.StatusServiceUnavailable:
					if a.retry == "" {
						t.Fatalf("request %d: 503 without Retry-After", i)
					}
					want := `"code":"overloaded"`
					if i%2 == 1 {
						want = "当前访问人数较多"
					}
					if !strings.Contains(a.body, want) {
						t.Fatalf("request %d: 503 body lacks %q: %.300s", i, want, a.body)
					}
				default:
					t.Fatalf("request %d: status %d, want 200 or 503", i, a.status)
				}
			}
			if count[http.StatusOK] == 0 || count[http.StatusServiceUnavailable] == 0 {
				t.Fatalf("statuses %v: want some 200 and some 503 with a limit of 2", count)
			}
			for _, h := range health {
				if h.err != nil || h.status != http.StatusOK {
					t.Fatalf("health during the storm: %d %v", h.status, h.err)
				}
			}
			t.Logf("%s: %v", d, count)

			// The refusal speaks the API's error format and the page's language.
			res := c.Get("/api/v1/users")
			if res.Status != http.StatusOK {
				t.Fatalf("after the storm: %d", res.Status)
			}
		})
	}
}
