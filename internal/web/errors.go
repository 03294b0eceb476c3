package web

import (
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"tongxin/internal/model"
)

// apiError is the JSON error body of API.md.
type apiError struct {
	Error apiErrorBody `json:"error"`
}

type apiErrorBody struct {
	Code      string            `json:"code"`
	Message   string            `json:"message"`
	Fields    map[string]string `json:"fields,omitempty"`
	RequestID string            `json:"request_id,omitempty"`
}

// classify turns any error into a status and a stable code. It is the one
// place where typed errors meet HTTP.
func classify(err error) (status int, code string) {
	var he *echo.HTTPError
	switch {
	case errors.As(err, &he):
		if he == errOverloaded {
			return he.Code, "overloaded"
		}
		switch he.Code {
		case http.StatusRequestTimeout:
			return he.Code, "request_timeout"
		case http.StatusNotFound:
			return he.Code, "not_found"
		case http.StatusMethodNotAllowed:
			return he.Code, "method_not_allowed"
		case http.StatusRequestEntityTooLarge:
			return he.Code, "too_large"
		case http.StatusForbidden:
			return he.Code, "forbidden"
		case http.StatusBadRequest:
			return he.Code, "bad_request"
		case http.StatusUnauthorized:
			return he.Code, "unauthenticated"
		case http.StatusTooManyRequests:
			return he.Code, "too_many_requests"
		case http.StatusUnsupportedMediaType:
			return he.Code, "unsupported_media_type"
		case http.StatusServiceUnavailable:
			return he.Code, "unavailable"
		}
		if he.Code >= 400 && he.Code < 500 {
			return he.Code, "bad_request"
		}
		return http.StatusInternalServerError, "internal"
	case errors.Is(err, model.ErrInvalid):
		return http.StatusBadRequest, "validation_failed"
	case errors.Is(err, model.ErrUnauthenticated):
		return http.StatusUnauthorized, "unauthenticated"
	case errors.Is(err, model.ErrForbidden):
		return http.StatusForbidden, "forbidden"
	case errors.Is(err, model.ErrNotFound):
		return http.StatusNotFound, "not_found"
	case errors.Is(err, model.ErrConflict):
		return http.StatusConflict, "conflict"
	case errors.Is(err, model.ErrRule):
		var re *model.RuleError
		if errors.As(err, &re) {
			return http.StatusUnprocessableEntity, re.Code
		}
		return http.StatusUnprocessableEntity, "rule"
	case errors.Is(err, model.ErrTooMany):
		return http.StatusTooManyRequests, "too_many_requests"
	}
	return http.StatusInternalServerError, "internal"
}

// IsAPI reports a request to the JSON API.
func IsAPI(c echo.Context) bool {
	return strings.HasPrefix(c.Request().URL.Path, "/api/")
}

// handleError is echo's HTTPErrorHandler: JSON under /api/, an HTML page
// elsewhere; a 500 is logged with the request id and never shows its cause.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	status, code := classify(err)
	if bodyFailed(c) {
		// The body did not arrive (too slow, cut off): whatever the handler
		// made of the missing bytes, the answer is that it took too long.
		status, code, err = http.StatusRequestTimeout, "request_timeout", errRequestTimeout
	}
	rid := RequestID(c)
	if status >= 500 && err != errOverloaded { // a refusal of admission is counted, not logged as a failure
		s.log.ErrorContext(c.Request().Context(), "request failed", "err", err, "request_id", rid,
			"method", c.Request().Method, "path", c.Request().URL.Path)
	}
	loc := Locale(c)
	msg := s.cat.T(loc, "error."+code)
	if !s.cat.Has("error." + code) {
		msg = s.cat.T(loc, "error.status", status)
	}
	var ve *model.ValidationError
	var fields map[string]string
	if errors.As(err, &ve) {
		fields = make(map[string]string, len(ve.Fields))
		for k, v := range ve.Fields {
			fields[k] = s.cat.T(loc, v, ve.Args[k]...)
		}
		if ve.Message != "" {
			msg = s.cat.T(loc, ve.Message)
		}
	}
	if vme := (*model.VersionError)(nil); errors.As(err, &vme) {
		msg = s.cat.T(loc, model.MsgVersionMissing)
		fields = map[string]string{"version": msg}
	}
	var re *model.RuleError
	if errors.As(err, &re) && re.Message != "" {
		msg = s.cat.T(loc, re.Message, re.Args...)
	}
	var ce *model.ConflictError
	if errors.As(err, &ce) && ce.Message != "" {
		msg = s.cat.T(loc, ce.Message, ce.Args...)
	}

	if IsAPI(c) {
		if c.Request().Method == http.MethodHead {
			_ = c.NoContent(status)
			return
		}
		if err := c.JSON(status, apiError{Error: apiErrorBody{Code: code, Message: msg, Fields: fields, RequestID: rid}}); err != nil {
			s.log.Error("write error response", "err", err, "request_id", rid)
		}
		return
	}
	// A page that needs a login sends the browser to the login form, and back
	// afterwards (to the page itself, or for a form post to the page it was on).
	if status == http.StatusUnauthorized {
		next := c.Request().URL.RequestURI()
		if c.Request().Method != http.MethodGet {
			next = "/"
			if ref, err := url.Parse(c.Request().Referer()); err == nil && ref.Path != "" {
				next = ref.RequestURI()
			}
		}
		if IsHTMX(c) {
			c.Response().Header().Set("HX-Redirect", "/login")
			_ = c.NoContent(http.StatusUnauthorized)
			return
		}
		_ = c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(safeNext(next)))
		return
	}
	v := s.view(c, s.cat.T(loc, "error.title", status))
	layout := "base"
	if v.User == nil {
		layout = "bare"
	}
	heading := "error.heading." + strconv.Itoa(status)
	if !s.cat.Has(heading) {
		heading = "error.heading.generic"
	}
	if len(fields) > 0 {
		// A page has no form to show the fields on: name them in the message.
		keys := make([]string, 0, len(fields))
		for k := range fields {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			msg += " " + k + "：" + fields[k]
		}
	}
	v.Data = errorPage{Status: status, Heading: s.cat.T(loc, heading), Message: msg, RequestID: rid}
	if rerr := s.render.Render(c, status, "error", layout, v); rerr != nil {
		s.log.Error("render error page", "err", rerr, "request_id", rid)
		_ = c.String(status, statusText(status)+" (request "+rid+")")
	}
}

// errRequestTimeout answers a request whose body did not arrive in time.
var errRequestTimeout = echo.NewHTTPError(http.StatusRequestTimeout)

// errorPage is the Data of pages/error.html.
type errorPage struct {
	Status           int
	Heading, Message string
	RequestID        string
}
