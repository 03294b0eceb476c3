package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"math"
	"mime"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"

	"tongxin/internal/model"
	"tongxin/migrations"
)

// Message keys of the input guard (errors.yaml).
const (
	msgNulText         = "input.nul"
	msgNulSummary      = "input.nul_summary"
	msgOutOfRange      = "input.out_of_range"
	msgRangeSummary    = "input.out_of_range_summary"
	int32Min, int32Max = math.MinInt32, math.MaxInt32
)

// int32Columns are the names of the INTEGER (32-bit) columns of the schema,
// read from the Postgres migrations once: forms, queries and JSON bodies
// name their fields after the columns, so a value for one of these names
// must fit in 32 bits (Postgres refuses more, with a 500 otherwise).
var int32Columns = sync.OnceValue(func() map[string]bool {
	out := map[string]bool{}
	re := regexp.MustCompile(`(?m)^\s*(?:ALTER TABLE \w+ ADD COLUMN\s+)?([a-z_][a-z0-9_]*)\s+(?:INTEGER|INT|INT4|SMALLINT)\b`)
	_ = fs.WalkDir(migrations.FS, "postgres", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(migrations.FS, path)
		if err != nil {
			return err
		}
		for _, m := range re.FindAllSubmatch(b, -1) {
			out[string(m[1])] = true
		}
		return nil
	})
	return out
})

// inputGuard refuses, before any handler runs, what the database would
// refuse with an error of its own: text with a NUL byte (in the path, the
// query, a form or a JSON body; Postgres cannot store it) and a number past
// the range of its 32-bit column. Both answer 400 naming the field.
func (s *Server) inputGuard(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if skipNonApp(c) {
			return next(c)
		}
		r := c.Request()
		if strings.IndexByte(r.URL.Path, 0) >= 0 {
			return nulError("path")
		}
		if err := checkValues(r.URL.Query()); err != nil {
			return err
		}
		if r.Method == http.MethodGet || r.Method == http.MethodHead || r.Body == nil || r.Body == http.NoBody {
			return next(c)
		}
		ct, _, _ := mime.ParseMediaType(r.Header.Get(echo.HeaderContentType))
		switch {
		case ct == echo.MIMEMultipartForm && r.MultipartForm == nil:
			// Not read yet (a bearer upload): the route's own size limit
			// must come first, so the handler reads it.
		case ct == echo.MIMEApplicationForm || ct == echo.MIMEMultipartForm:
			// The CSRF check has read the form already for cookie requests;
			// for the rest this is the read the handler would make.
			params, err := c.FormParams()
			if err != nil {
				if bodyFailed(c) {
					return err // the body deadline: handleError answers 408
				}
				return next(c) // the handler reports a malformed form its own way
			}
			if err := checkValues(params); err != nil {
				return err
			}
		case ct == echo.MIMEApplicationJSON:
			b, err := io.ReadAll(r.Body)
			if err != nil {
				var me *http.MaxBytesError
				if errors.As(err, &me) || isHTTPError(err, http.StatusRequestEntityTooLarge) {
					return echo.ErrStatusRequestEntityTooLarge
				}
				return err // a body cut off or too slow: handleError answers 408
			}
			r.Body = io.NopCloser(bytes.NewReader(b))
			if err := checkJSON(b); err != nil {
				return err
			}
		}
		return next(c)
	}
}

func nulError(field string) error {
	return (&model.ValidationError{Message: msgNulSummary}).Add(field, msgNulText)
}

func rangeError(field string) error {
	ve := &model.ValidationError{Message: msgRangeSummary}
	ve.Add(field, msgOutOfRange)
	ve.Args = map[string][]any{field: {int32Min, int32Max}}
	return ve
}

// checkValues checks query or form values; the first problem in the
// order of the field names is reported.
func checkValues(vals map[string][]string) error {
	keys := make([]string, 0, len(vals))
	for k := range vals {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	cols := int32Columns()
	for _, k := range keys {
		if strings.IndexByte(k, 0) >= 0 {
			return nulError("field")
		}
		for _, v := range vals[k] {
			if strings.IndexByte(v, 0) >= 0 {
				return nulError(k)
			}
			if cols[k] && !fitsInt32Text(v) {
				return rangeError(k)
			}
		}
	}
	return nil
}

// fitsInt32Text reports whether a form value typed for an INTEGER column is
// within its range; a value that is not a whole number at all passes (the
// handler says what is wrong with it).
func fitsInt32Text(v string) bool {
	v = strings.TrimSpace(strings.NewReplacer(",", "", "，", "", " ", "").Replace(v))
	if v == "" {
		return true
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		var ne *strconv.NumError
		return !(errors.As(err, &ne) && ne.Err == strconv.ErrRange)
	}
	return n >= int32Min && n <= int32Max
}

// checkJSON walks a JSON body: no string (or key) may hold a NUL, and no
// number under the name of an INTEGER column may pass its range. A body
// that is not JSON passes: bindJSON says what is wrong with it.
func checkJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil
	}
	return walkJSON("", v)
}

func walkJSON(key string, v any) error {
	switch t := v.(type) {
	case string:
		if strings.IndexByte(t, 0) >= 0 {
			return nulError(fieldName(key))
		}
	case json.Number:
		if int32Columns()[key] {
			if n, err := t.Int64(); err == nil && (n < int32Min || n > int32Max) {
				return rangeError(key)
			} else if err != nil {
				if f, ferr := t.Float64(); ferr == nil && (f < int32Min || f > int32Max) {
					return rangeError(key)
				}
			}
		}
	case []any:
		for _, e := range t {
			if err := walkJSON(key, e); err != nil {
				return err
			}
		}
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if strings.IndexByte(k, 0) >= 0 {
				return nulError("field")
			}
			if err := walkJSON(k, t[k]); err != nil {
				return err
			}
		}
	}
	return nil
}

func fieldName(key string) string {
	if key == "" {
		return "body"
	}
	return key
}
