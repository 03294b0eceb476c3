package web

import (
	"net/url"
	"strings"
	"unicode"
)

// localPath returns v when it is a path on this site, fallback otherwise.
// It is the one check of every back, next and return parameter that a
// redirect follows. A path starts with a single '/' and is not followed by
// another '/' or a '\' (browsers read both as another host); it holds no
// backslash, no control character and no white space, neither as sent nor
// after percent-decoding (a browser drops a tab or a newline from a URL, so
// "/%09/evil.example" is "//evil.example" to it); and it parses as a URL
// without a scheme or a host.
func localPath(v, fallback string) string {
	if v == "" || len(v) > 2000 || !sameSitePath(v) {
		return fallback
	}
	dec := v
	for range 3 { // "%2509" decodes to "%09", which decodes to a tab
		d, err := url.PathUnescape(dec)
		if err != nil {
			return fallback
		}
		if d == dec {
			break
		}
		if !sameSitePath(d) {
			return fallback
		}
		dec = d
	}
	if u, err := url.Parse(v); err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return fallback
	}
	return v
}

func sameSitePath(v string) bool {
	if len(v) == 0 || v[0] != '/' {
		return false
	}
	if len(v) > 1 && (v[1] == '/' || v[1] == '\\') {
		return false
	}
	return !strings.ContainsFunc(v, func(r rune) bool {
		return r == '\\' || unicode.IsControl(r) || unicode.IsSpace(r) || r == unicode.ReplacementChar
	})
}

// localPathUnder is localPath for a parameter that may only lead back to
// one part of the site (a list and its pages): v must also start with one
// of the prefixes.
func localPathUnder(v, fallback string, prefixes ...string) string {
	v = strings.TrimSpace(v)
	if localPath(v, "") == "" {
		return fallback
	}
	for _, p := range prefixes {
		if strings.HasPrefix(v, p) {
			return v
		}
	}
	return fallback
}
