package model

import (
	"strings"
	"testing"
	"time"
)

func TestParseTokenExpiry(t *testing.T) {
	day := 24 * time.Hour
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"90d", 90 * day, true},
		{"0", 0, true},
		{"0d", 0, true},
		{"720h", 720 * time.Hour, true},
		{"1h30m", 90 * time.Minute, true},
		{" 30d ", 30 * day, true},
		{"3650d", 3650 * day, true},
		{"3651d", 0, false},
		{"-1d", 0, false},
		{"-5h", 0, false},
		{"90", 0, false},
		{"d", 0, false},
		{"1.5d", 0, false},
		{"ninety days", 0, false},
		{"", 0, false},
		{"100000h", 0, false},
	}
	for _, tt := range tests {
		got, err := ParseTokenExpiry(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseTokenExpiry(%q) = %v, %v; want %v, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestLooksLikeToken(t *testing.T) {
	good := TokenPrefix + strings.Repeat("a2", 26)
	if !LooksLikeToken(good) {
		t.Fatalf("%q refused", good)
	}
	for _, bad := range []string{
		"", "txn_", good[:len(good)-1], good + "a", "TXN_" + good[4:], "abc_" + good[4:],
		TokenPrefix + strings.Repeat("A2", 26), // upper case is not what we issue
		TokenPrefix + strings.Repeat("a1", 26), // 1 is not base32
		TokenPrefix + strings.Repeat("é", 26),
	} {
		if LooksLikeToken(bad) {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestTokenStatusAndHash(t *testing.T) {
	now := time.Date(2026, 3, 5, 6, 0, 0, 0, time.UTC)
	past, future := now.Add(-time.Second), now.Add(time.Hour)
	tests := []struct {
		tok  APIToken
		want string
	}{
		{APIToken{}, TokenActive},
		{APIToken{ExpiresAt: &future}, TokenActive},
		{APIToken{ExpiresAt: &now}, TokenExpired},
		{APIToken{ExpiresAt: &past}, TokenExpired},
		{APIToken{ExpiresAt: &future, RevokedAt: &past}, TokenRevoked},
		{APIToken{ExpiresAt: &past, RevokedAt: &past}, TokenRevoked},
	}
	for i, tt := range tests {
		if got := tt.tok.Status(now); got != tt.want {
			t.Errorf("%d: Status = %s, want %s", i, got, tt.want)
		}
	}
	// SHA-256("abc"), lower-case hex.
	if got := HashToken("abc"); got != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Errorf("HashToken = %s", got)
	}
}
