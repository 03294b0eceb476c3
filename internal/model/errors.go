// Package model holds Tongxin's domain types, their rules and the typed
// errors that every layer above uses. It imports nothing of ours and no
// framework: no echo, no gorm, no casbin.
package model

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Sentinel errors. Wrap them (fmt.Errorf("...: %w", ErrNotFound)) or use the
// typed errors below, which unwrap to them; the HTTP layer maps them once.
var (
	// ErrNotFound: the object does not exist or lies outside the caller's scope.
	ErrNotFound = errors.New("not found")
	// ErrConflict: a stale version or a broken invariant (409).
	ErrConflict = errors.New("conflict")
	// ErrForbidden: the caller may see the object but not do this to it (403).
	ErrForbidden = errors.New("forbidden")
	// ErrUnauthenticated: no valid session or token (401, or a redirect to the login page).
	ErrUnauthenticated = errors.New("unauthenticated")
	// ErrInvalid: the input is malformed (400). ValidationError unwraps to it.
	ErrInvalid = errors.New("invalid input")
	// ErrRule: the input is well formed but a domain rule refuses it (422).
	ErrRule = errors.New("domain rule")
	// ErrTooMany: the caller tried too often (429).
	ErrTooMany = errors.New("too many requests")
)

// ValidationError carries one message per field. Messages are catalog keys
// or already-localised text; the web layer translates keys it knows.
type ValidationError struct {
	Fields map[string]string
	// Args holds the format arguments of a field's message key, if any.
	Args map[string][]any
	// Message is a summary; empty means "see the fields".
	Message string
}

func (e *ValidationError) Error() string {
	if len(e.Fields) == 0 {
		return "validation failed: " + e.Message
	}
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+": "+e.Fields[k])
	}
	return "validation failed: " + strings.Join(parts, "; ")
}

// Unwrap lets errors.Is(err, ErrInvalid) match.
func (e *ValidationError) Unwrap() error { return ErrInvalid }

// Add records a message for a field and returns the error for chaining.
func (e *ValidationError) Add(field, msg string) *ValidationError {
	if e.Fields == nil {
		e.Fields = map[string]string{}
	}
	if _, ok := e.Fields[field]; !ok {
		e.Fields[field] = msg
	}
	return e
}

// AddArgs records a message key with format arguments ("form.too_long", 64).
func (e *ValidationError) AddArgs(field, key string, args ...any) *ValidationError {
	if _, ok := e.Fields[field]; ok {
		return e
	}
	e.Add(field, key)
	if e.Args == nil {
		e.Args = map[string][]any{}
	}
	e.Args[field] = args
	return e
}

// Err returns nil when no field failed, so a validator can end with `return v.Err()`.
func (e *ValidationError) Err() error {
	if e == nil || (len(e.Fields) == 0 && e.Message == "") {
		return nil
	}
	return e
}

// RuleError is a refusal by a domain rule (HTTP 422): an action not allowed in
// the current state, for instance. Code is a stable English code.
type RuleError struct {
	Code    string
	Message string
	// Args are the format arguments of Message (a catalog key), if any.
	Args []any
}

func (e *RuleError) Error() string { return e.Code + ": " + e.Message }

// Unwrap lets errors.Is(err, ErrRule) match.
func (e *RuleError) Unwrap() error { return ErrRule }

// Labels is a message argument that names codes (actions, statuses): the
// catalog shows each by its label, the key Prefix+code, joined with 、 (", "
// in English), and none as —. A message never shows a code to a person.
type Labels struct {
	Prefix string
	Codes  []string
}

// ConflictError says what conflicted (HTTP 409).
type ConflictError struct {
	Message string
	// Args are the format arguments of Message (a catalog key), if any.
	Args []any
}

func (e *ConflictError) Error() string { return "conflict: " + e.Message }

// Unwrap lets errors.Is(err, ErrConflict) match.
func (e *ConflictError) Unwrap() error { return ErrConflict }

// NotFound returns an error for a missing object of the given kind that
// unwraps to ErrNotFound.
func NotFound(kind string, id any) error {
	return fmt.Errorf("%s %v: %w", kind, id, ErrNotFound)
}

// Rule returns a RuleError; args format msg (a catalog key).
func Rule(code, msg string, args ...any) error {
	return &RuleError{Code: code, Message: msg, Args: args}
}

// Conflict returns a ConflictError; args format msg (a catalog key).
func Conflict(msg string, args ...any) error { return &ConflictError{Message: msg, Args: args} }
