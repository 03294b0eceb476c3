package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"tongxin/internal/model"
)

// The version an edit or an action carries (optimistic locking, see
// model.CheckVersion). Every handler that changes an existing object reads
// it here: a form's hidden field version, or a JSON body's "version". A
// missing or unparsable one reads as 0, which the service refuses with 400
// naming the field once it has found the object and checked that the caller
// may act on it (so a request outside the caller's scope still answers 404
// or 403 whatever it carries); another than the stored one answers 409.

// formVersion reads the form field version (0 when missing or not a
// positive number).
func formVersion(c echo.Context) int {
	v, err := strconv.Atoi(strings.TrimSpace(c.FormValue("version")))
	if err != nil || v < 1 {
		return 0
	}
	return v
}

// bodyVersion reads {"version": n} from the JSON body of an action (0 when
// absent or not a positive number); the body is left in place for a
// handler that binds its other fields.
func bodyVersion(c echo.Context) (int, error) {
	req := c.Request()
	b, err := io.ReadAll(req.Body)
	if err != nil {
		return 0, err
	}
	req.Body = io.NopCloser(bytes.NewReader(b))
	var body struct {
		Version json.Number `json:"version"`
	}
	if len(bytes.TrimSpace(b)) == 0 || json.Unmarshal(b, &body) != nil {
		return 0, nil
	}
	v, err := strconv.Atoi(body.Version.String())
	if err != nil || v < 1 {
		return 0, nil
	}
	return v, nil
}

// staleMessage is the sentence a stale version's 409 shows on a page that
// keeps what the user typed (the versions read and stored).
func (s *Server) staleMessage(c echo.Context, err error) string {
	var ce *model.ConflictError
	if errors.As(err, &ce) && ce.Message != "" {
		return s.cat.T(Locale(c), ce.Message, ce.Args...)
	}
	return s.cat.T(Locale(c), model.MsgStale)
}
