package model

import (
	"strings"
	"time"
	"unicode"
)

// User statuses.
const (
	UserActive   = "active"
	UserDisabled = "disabled"
	UserLocked   = "locked"
)

// User is a person who logs in.
type User struct {
	ID                 int64
	Username           string
	DisplayName        string
	Phone              string
	Email              string
	Status             string
	PasswordHash       string
	MustChangePassword bool
	PasswordChangedAt  *time.Time
	FailedAttempts     int
	FirstFailedAt      *time.Time
	LockedUntil        *time.Time
	LastLoginAt        *time.Time
	Version            int
	CreatedAt          time.Time
	UpdatedAt          time.Time
	// ErasedAt: when the account's personal data was erased on request.
	ErasedAt *time.Time
}

// IsLocked reports a lock still in force at now.
func (u *User) IsLocked(now time.Time) bool {
	return u.LockedUntil != nil && now.Before(*u.LockedUntil)
}

// PasswordExpired reports a password older than maxAge (0: never expires).
func (u *User) PasswordExpired(now time.Time, maxAge time.Duration) bool {
	if maxAge <= 0 || u.PasswordChangedAt == nil {
		return false
	}
	return now.Sub(*u.PasswordChangedAt) > maxAge
}

// Actor is who performs a use case, passed explicitly to every service method.
type Actor struct {
	UserID    int64
	Username  string
	IP        string
	UserAgent string
	RequestID string
}

// Password profiles.
const (
	// PasswordMLPS3 follows 等保2.0 level 3: at least 8 characters of 3 of the
	// 4 classes (upper, lower, digit, symbol), not containing the username.
	PasswordMLPS3 = "mlps3"
	// PasswordBasic asks for 8 characters of 2 classes (closed test networks).
	PasswordBasic = "basic"
)

// Password rule message keys (the catalog holds the Chinese and English text).
const (
	MsgPasswordTooShort     = "password.too_short"
	MsgPasswordTooLong      = "password.too_long"
	MsgPasswordClasses3     = "password.classes3"
	MsgPasswordClasses2     = "password.classes2"
	MsgPasswordHasUsername  = "password.has_username"
	MsgPasswordReused       = "password.reused"
	MsgPasswordControlChars = "password.control_chars"
)

// PasswordHistoryDepth is how many earlier passwords may not be reused.
const PasswordHistoryDepth = 5

// CheckPasswordRules returns the catalog key of the first rule the password
// breaks under the profile, or "" when it passes. Reuse is checked by the
// service, which holds the history.
func CheckPasswordRules(profile, username, pw string) string {
	n := len([]rune(pw))
	if n < 8 {
		return MsgPasswordTooShort
	}
	if n > 128 {
		return MsgPasswordTooLong
	}
	var upper, lower, digit, symbol bool
	for _, r := range pw {
		switch {
		case unicode.IsControl(r):
			return MsgPasswordControlChars
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsLower(r):
			lower = true
		case unicode.IsDigit(r):
			digit = true
		default:
			symbol = true
		}
	}
	classes := 0
	for _, b := range []bool{upper, lower, digit, symbol} {
		if b {
			classes++
		}
	}
	switch profile {
	case PasswordBasic:
		if classes < 2 {
			return MsgPasswordClasses2
		}
	default:
		if classes < 3 {
			return MsgPasswordClasses3
		}
	}
	if username != "" && strings.Contains(strings.ToLower(pw), strings.ToLower(username)) {
		return MsgPasswordHasUsername
	}
	return ""
}

// NormalizeUsername trims and lower-cases a username; usernames compare
// without regard to case.
func NormalizeUsername(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// LoginEvent records one attempt to log in or out.
type LoginEvent struct {
	ID        int64
	UserID    *int64
	Username  string
	IP        string
	UserAgent string
	Result    string
	Reason    string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Login event results.
const (
	LoginSuccess = "success"
	LoginFailure = "failure"
	LoginLogout  = "logout"
)

// AuditEntry is one row of the append-only audit log.
type AuditEntry struct {
	ID         int64
	UserID     *int64
	Username   string
	IP         string
	RequestID  string
	Action     string
	ObjectKind string
	ObjectID   string
	Domain     string
	Changes    string // JSON: {"field": [before, after]}
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// TableName keeps the table's singular name (GORM would pluralise it).
func (AuditEntry) TableName() string { return "audit_log" }
