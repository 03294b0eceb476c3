package web

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"tongxin/internal/model"
	"tongxin/internal/store"
)

// SubmitKeyField is the hidden field with a form's one-time submission key
// (partials/head.html, csrf-field): a form posted twice runs once.
const SubmitKeyField = "submit_key"

// IdempotencyHeader is the API's key of a POST that may be retried.
const IdempotencyHeader = "Idempotency-Key"

const (
	// idemTTL is how long a key is remembered.
	idemTTL = 24 * time.Hour
	// idemStale is when a reservation whose request never ended (the
	// server stopped) may be taken over by a retry.
	idemStale = 15 * time.Minute
	// idemMaxBody is the largest answer recorded for a replay; a larger
	// one is not recorded (the key is released).
	idemMaxBody = 1 << 20
)

// SubmitKey returns a fresh one-time submission key for a form.
func (v *View) SubmitKey() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// idempotency makes a repeated POST harmless. A page form carries a
// submission key: the second post of the same key does not run the action
// again but goes where the first went. An API POST with Idempotency-Key
// runs once per key: a retry with the same body gets the recorded answer
// (Idempotent-Replayed: true), one with a different body 422, and one
// while the first still runs 409. The key is reserved before the handler
// runs and completed after it (not in the handler's transaction): a
// handler that fails with a 5xx releases it, so a retry runs again.
func (s *Server) idempotency(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		u := CurrentUser(c)
		if r.Method != http.MethodPost || u == nil {
			return next(c)
		}
		route := r.Method + " " + c.Path()
		if IsAPI(c) {
			key := r.Header.Get(IdempotencyHeader)
			if key == "" {
				return next(c)
			}
			if len(key) > 255 || strings.ContainsFunc(key, func(r rune) bool { return r < '!' || r > '~' }) {
				return (&model.ValidationError{Message: "idempotency.bad_key"}).Add(IdempotencyHeader, "idempotency.bad_key")
			}
			hash, err := requestHash(r)
			if err != nil {
				return err
			}
			return s.idemRun(c, next, &store.IdemKey{Scope: "api:" + strconv.FormatInt(u.ID, 10), IdemKey: key, Route: route, RequestHash: hash}, true)
		}
		if IsHTMX(c) {
			// A fragment posted from a page that stays (HTMX) keeps its form
			// and may rightly post it again.
			return next(c)
		}
		ct, _, _ := mime.ParseMediaType(r.Header.Get(echo.HeaderContentType))
		if ct != echo.MIMEApplicationForm && ct != echo.MIMEMultipartForm {
			return next(c)
		}
		key := c.FormValue(SubmitKeyField)
		if key == "" || len(key) > 64 {
			return next(c)
		}
		return s.idemRun(c, next, &store.IdemKey{Scope: "form:" + strconv.FormatInt(u.ID, 10), IdemKey: key, Route: route}, false)
	}
}

// idemMaxRequest bounds the body read to digest it (an upload's route
// limit runs after this middleware); a larger one is 413.
const idemMaxRequest = 64 << 20

// requestHash digests what makes a request the same request: the method,
// the path with its query, the content type and the body (put back). A
// multipart body is digested without its boundary, which a client may draw
// anew for a retry.
func requestHash(r *http.Request) (string, error) {
	h := sha256.New()
	ct, params, _ := mime.ParseMediaType(r.Header.Get(echo.HeaderContentType))
	io.WriteString(h, r.Method+" "+r.URL.RequestURI()+"\n"+ct+"\n")
	if r.Body != nil && r.Body != http.NoBody {
		b, err := io.ReadAll(io.LimitReader(r.Body, idemMaxRequest+1))
		if err != nil {
			return "", err
		}
		if len(b) > idemMaxRequest {
			return "", echo.ErrStatusRequestEntityTooLarge
		}
		r.Body = io.NopCloser(bytes.NewReader(b))
		if boundary := params["boundary"]; ct == echo.MIMEMultipartForm && boundary != "" {
			h.Write(bytes.ReplaceAll(b, []byte(boundary), nil))
		} else {
			h.Write(b)
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func (s *Server) idemRun(c echo.Context, next echo.HandlerFunc, k *store.IdemKey, api bool) error {
	ctx := c.Request().Context()
	k.ExpiresAt = s.db.Now().Add(idemTTL)
	held, err := s.db.ReserveIdemKey(ctx, k, idemStale)
	if err != nil {
		return err
	}
	if held != nil {
		return s.idemReplay(c, k, held, api)
	}
	rec := &recordingWriter{ResponseWriter: c.Response().Writer, record: api}
	c.Response().Writer = rec
	if err := next(c); err != nil {
		c.Error(err) // answer now, to record the answer
	}
	c.Response().Writer = rec.ResponseWriter
	// The client may be gone: the record still has to be written.
	wctx := context.WithoutCancel(ctx)
	status, h := c.Response().Status, c.Response().Header()
	keep := status < 500 && !rec.overflow && !bodyFailed(c)
	if !api {
		// A form is done when its action redirected; a form sent back with
		// its mistakes did nothing, and may be posted again.
		keep = status >= 300 && status < 400 && h.Get(echo.HeaderLocation) != ""
	}
	if keep {
		err = s.db.CompleteIdemKey(wctx, k.ID, status, h.Get(echo.HeaderLocation), h.Get(echo.HeaderContentType), rec.buf.Bytes())
	} else {
		err = s.db.ReleaseIdemKey(wctx, k.ID)
	}
	if err != nil {
		s.log.ErrorContext(ctx, "idempotency key", "err", err, "request_id", RequestID(c))
	}
	return nil
}

// idemReplay answers a request whose key another request holds.
func (s *Server) idemReplay(c echo.Context, k, held *store.IdemKey, api bool) error {
	if held.Route != k.Route || held.RequestHash != k.RequestHash {
		return model.Rule("idempotency_key_reused", "idempotency.key_reused")
	}
	if held.State != store.IdemDone {
		return &model.ConflictError{Message: "idempotency.in_progress"}
	}
	h := c.Response().Header()
	h.Set("Idempotent-Replayed", "true")
	if !api {
		s.flash(c, "info", "idempotency.replayed")
		return c.Redirect(http.StatusSeeOther, localPath(held.Location, "/"))
	}
	if held.Location != "" {
		h.Set(echo.HeaderLocation, held.Location)
	}
	if len(held.Body) == 0 {
		return c.NoContent(held.Status)
	}
	return c.Blob(held.Status, held.ContentType, held.Body)
}

// recordingWriter keeps a copy of the answer's body for a replay.
type recordingWriter struct {
	http.ResponseWriter
	record   bool
	buf      bytes.Buffer
	overflow bool
}

func (w *recordingWriter) Write(b []byte) (int, error) {
	if w.record && !w.overflow {
		if w.buf.Len()+len(b) > idemMaxBody {
			w.overflow = true
			w.buf.Reset()
		} else {
			w.buf.Write(b)
		}
	}
	return w.ResponseWriter.Write(b)
}

func (w *recordingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Flush passes a flush on (streamed exports).
func (w *recordingWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}
