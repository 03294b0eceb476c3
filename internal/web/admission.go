package web

import (
	"context"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
)

// admission bounds the requests answered at once (they share one database
// pool): up to slots run, up to queue more wait at most wait for a slot,
// the rest are refused at once with 503 and Retry-After. Without it an
// overload makes every request slow until connections are dropped; with it
// the requests admitted stay fast and the others learn at once to come back.
type admission struct {
	slots chan struct{}
	queue chan struct{}
	wait  time.Duration
	retry string // Retry-After, in seconds
}

func newAdmission(inFlight, queue int, wait time.Duration) *admission {
	if inFlight <= 0 {
		return nil
	}
	if queue < 0 {
		queue = 0
	}
	retry := int((wait + time.Second - 1) / time.Second)
	if retry < 1 {
		retry = 1
	}
	return &admission{slots: make(chan struct{}, inFlight), queue: make(chan struct{}, queue), wait: wait,
		retry: strconv.Itoa(retry)}
}

// acquire takes a slot, waiting in the queue if there is room in it; it
// reports false when the request is to be refused.
func (a *admission) acquire(ctx context.Context) bool {
	select {
	case a.slots <- struct{}{}:
		return true
	default:
	}
	select {
	case a.queue <- struct{}{}:
	default:
		return false // the queue is full: refuse at once
	}
	defer func() { <-a.queue }()
	t := time.NewTimer(a.wait)
	defer t.Stop()
	select {
	case a.slots <- struct{}{}:
		return true
	case <-t.C:
		return false
	case <-ctx.Done():
		return false
	}
}

func (a *admission) release() { <-a.slots }

// admit is the admission middleware. Health, readiness, metrics and static
// files pass: they do not use the pool, and a load balancer must still
// hear from an instance that is busy.
func (s *Server) admit(next echo.HandlerFunc) echo.HandlerFunc {
	a := s.admission
	if a == nil {
		return next
	}
	return func(c echo.Context) error {
		if skipNonApp(c) || c.Path() == "/favicon.ico" || isUploadRequest(c) {
			return next(c) // an upload is admitted once its body is in (admitUpload)
		}
		return a.run(c, s, next)
	}
}

// admitUpload admits an upload after the CSRF check has read its body: a
// slow upload (it may take http.upload_timeout) does not hold a turn while
// its bytes arrive.
func (s *Server) admitUpload(next echo.HandlerFunc) echo.HandlerFunc {
	a := s.admission
	if a == nil {
		return next
	}
	return func(c echo.Context) error {
		if !isUploadRequest(c) {
			return next(c)
		}
		return a.run(c, s, next)
	}
}

// run answers the request in a turn, or refuses it (503, Retry-After).
func (a *admission) run(c echo.Context, s *Server, next echo.HandlerFunc) error {
	if !a.acquire(c.Request().Context()) {
		s.metrics.shed.Inc()
		c.Response().Header().Set("Retry-After", a.retry)
		return errOverloaded
	}
	defer a.release()
	return next(c)
}

// errOverloaded is the refusal of admission: 503, code "overloaded".
var errOverloaded = &echo.HTTPError{Code: 503, Message: "overloaded"}
