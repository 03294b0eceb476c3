package model

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Message keys of the common field rules (the catalog holds the text).
const (
	MsgRequired     = "form.required"
	MsgTooLong      = "form.too_long"
	MsgControlChars = "form.control_chars"
	MsgBadPhone     = "form.bad_phone"
	MsgBadEmail     = "form.bad_email"
	MsgBadDate      = "form.bad_date"
	MsgStale        = "form.stale"
)

// Text checks a free-text field: trimmed, required or not, at most max
// characters (runes, so that Chinese counts one per character), no control
// characters (newlines are allowed when multiline).
func Text(ve *ValidationError, field, value string, required bool, max int, multiline bool) string {
	value = strings.TrimSpace(value)
	if value == "" {
		if required {
			ve.Add(field, MsgRequired)
		}
		return value
	}
	if !utf8.ValidString(value) {
		ve.Add(field, MsgControlChars)
		return value
	}
	if utf8.RuneCountInString(value) > max {
		ve.AddArgs(field, MsgTooLong, max)
		return value
	}
	for _, r := range value {
		if unicode.IsControl(r) && !(multiline && (r == '\n' || r == '\r' || r == '\t')) {
			ve.Add(field, MsgControlChars)
			break
		}
	}
	return value
}

var (
	phoneRe = regexp.MustCompile(`^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(-\d{1,6})?)$`)
	emailRe = regexp.MustCompile(`^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$`)
)

// Phone checks an optional Chinese mobile or landline number.
func Phone(ve *ValidationError, field, value string) string {
	value = strings.TrimSpace(value)
	if value != "" && !phoneRe.MatchString(value) {
		ve.Add(field, MsgBadPhone)
	}
	return value
}

// Email checks an optional e-mail address.
func Email(ve *ValidationError, field, value string) string {
	value = strings.TrimSpace(value)
	if value != "" && (len(value) > 254 || !emailRe.MatchString(value)) {
		ve.Add(field, MsgBadEmail)
	}
	return value
}
