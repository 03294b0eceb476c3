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
// it here: a form's hidden field version, or a JSON body's "version".
// Missing or unparsable answers 400 naming the field; the service compares
// it with the stored one (409 when stale).

// formVersion reads the form field version.
func formVersion(c echo.Context) (int, error) {
	v, err := strconv.Atoi(strings.TrimSpace(c.FormValue("version")))
	if err != nil || v < 1 {
		return 0, model.VersionMissing()
	}
	return v, nil
}

// requireVersion checks the version of a JSON body already bound (0 when
// the body had none).
func requireVersion(v int) error { return model.RequireVersion(v) }

// bodyVersion reads {"version": n} from a JSON body whose other fields the
// caller binds itself: the body is read once and left in place for it.
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
		return 0, model.VersionMissing()
	}
	v, err := strconv.Atoi(body.Version.String())
	if err != nil || v < 1 {
		return 0, model.VersionMissing()
	}
	return v, nil
}

// versionField is the version of a form that both creates and edits, 0 when
// absent: a create ignores it, and an edit handler checks it with
// formVersion before it reads the form.
func versionField(c echo.Context) int {
	v, err := formVersion(c)
	if err != nil {
		return 0
	}
	return v
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
