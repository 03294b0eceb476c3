package model

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"
)

// Personal API tokens: "txn_" followed by 52 characters of base32 (32 random
// bytes). Only the SHA-256 of the whole secret is stored.
const (
	// TokenPrefix starts every secret, so that a leaked one is recognisable
	// (secret scanners, log filters).
	TokenPrefix = "txn_"
	// TokenLength is the length of a whole secret.
	TokenLength = len(TokenPrefix) + 52
	// TokenShownPrefix is how many leading characters of the secret a list
	// shows to tell tokens apart.
	TokenShownPrefix = 8
	// TokenNameMax is the longest name, in characters.
	TokenNameMax = 64
	// TokenMaxDays is the longest validity that may be asked for.
	TokenMaxDays = 3650
	// TokenDefaultDays is the validity when none is asked for: 等保2.0 asks
	// that credentials expire, so a token does unless its owner says
	// otherwise (expiry 0, "never").
	TokenDefaultDays = 90
	// TokenTouchEvery is how often last_used_at is written at most: a busy
	// script must not write a row on every request.
	TokenTouchEvery = time.Minute
)

// Token statuses (derived, never stored).
const (
	TokenActive  = "active"
	TokenExpired = "expired"
	TokenRevoked = "revoked"
)

// APIToken is a personal API token. The secret itself is never stored.
type APIToken struct {
	ID         int64
	UserID     int64
	Name       string
	TokenHash  string
	Prefix     string
	ExpiresAt  *time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// TableName names the table.
func (APIToken) TableName() string { return "api_tokens" }

// Status is revoked, expired or active at now.
func (t *APIToken) Status(now time.Time) string {
	switch {
	case t.RevokedAt != nil:
		return TokenRevoked
	case t.ExpiresAt != nil && !now.Before(*t.ExpiresAt):
		return TokenExpired
	}
	return TokenActive
}

// HashToken is the stored form of a secret: lower-case hex SHA-256.
func HashToken(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// LooksLikeToken reports whether s has the shape of a secret (prefix, length,
// base32 alphabet), so that garbage is refused without a query.
func LooksLikeToken(s string) bool {
	if len(s) != TokenLength || !strings.HasPrefix(s, TokenPrefix) {
		return false
	}
	for _, r := range s[len(TokenPrefix):] {
		if !(r >= 'a' && r <= 'z' || r >= '2' && r <= '7') {
			return false
		}
	}
	return true
}

// ErrBadTokenExpiry is returned by ParseTokenExpiry.
var ErrBadTokenExpiry = errors.New(`expiry: want a number of days such as "90d", a duration such as "720h", or 0 for never`)

// ParseTokenExpiry reads an expiry as the command line takes it: "90d"
// (days), a Go duration ("720h", "1h30m"), or "0" for never (returned as 0).
// It is at most TokenMaxDays and never negative.
func ParseTokenExpiry(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "0" {
		return 0, nil
	}
	var d time.Duration
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 0 || n > TokenMaxDays {
			return 0, ErrBadTokenExpiry
		}
		d = time.Duration(n) * 24 * time.Hour
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, ErrBadTokenExpiry
		}
	}
	if d < 0 || d > TokenMaxDays*24*time.Hour {
		return 0, ErrBadTokenExpiry
	}
	return d, nil
}
