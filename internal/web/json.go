package web

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"tongxin/internal/model"
)

// bindJSON decodes a JSON object strictly: the right content type, known
// fields only, one value, the right types. Anything else is a 400 that says
// what was wrong, never a 500.
func bindJSON(c echo.Context, v any) error {
	ct, _, _ := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
	if ct != echo.MIMEApplicationJSON {
		return echo.NewHTTPError(http.StatusUnsupportedMediaType)
	}
	dec := json.NewDecoder(c.Request().Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		var me *http.MaxBytesError
		switch {
		case errors.As(err, &me):
			return echo.ErrStatusRequestEntityTooLarge
		case errors.As(err, &te) && te.Field != "":
			return (&model.ValidationError{Message: "json.bad_body"}).Add(te.Field, "json.bad_type")
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			return (&model.ValidationError{Message: "json.bad_body"}).Add(field, "json.unknown_field")
		default:
			return &model.ValidationError{Message: "json.bad_body"}
		}
	}
	if dec.More() {
		return &model.ValidationError{Message: "json.bad_body"}
	}
	if _, err := dec.Token(); err != io.EOF {
		return &model.ValidationError{Message: "json.bad_body"}
	}
	return nil
}
