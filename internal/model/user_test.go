package model

import "testing"

func TestCheckPasswordRules(t *testing.T) {
	tests := []struct {
		name, profile, user, pw, want string
	}{
		{"too short", PasswordMLPS3, "li", "Ab1!", MsgPasswordTooShort},
		{"two classes under mlps3", PasswordMLPS3, "li", "abcdefgh12", MsgPasswordClasses3},
		{"three classes", PasswordMLPS3, "li", "abcdefG12", ""},
		{"four classes", PasswordMLPS3, "li", "abcD12!@", ""},
		{"contains username any case", PasswordMLPS3, "zhangwei", "ZhangWei2026!", MsgPasswordHasUsername},
		{"two classes under basic", PasswordBasic, "li", "abcdefgh12", ""},
		{"one class under basic", PasswordBasic, "li", "abcdefghij", MsgPasswordClasses2},
		{"control character", PasswordMLPS3, "li", "abcD12!\x00x", MsgPasswordControlChars},
		{"chinese counts as symbol class", PasswordMLPS3, "li", "同心abc12345", ""},
		{"eight runes of chinese and digits", PasswordMLPS3, "li", "同心同心1234", MsgPasswordClasses3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CheckPasswordRules(tt.profile, tt.user, tt.pw); got != tt.want {
				t.Errorf("CheckPasswordRules(%q) = %q, want %q", tt.pw, got, tt.want)
			}
		})
	}
}
