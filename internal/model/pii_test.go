package model

import (
	"testing"
	"time"
)

func TestMasks(t *testing.T) {
	tests := []struct {
		name, in, want string
		mask           func(string) string
	}{
		{"mobile", "13812341234", "138****1234", MaskPhone},
		{"landline", "021-64881234", "021****1234", MaskPhone},
		{"spaces", " 13812341234 ", "138****1234", MaskPhone},
		{"short", "12345", "****45", MaskPhone},
		{"tiny", "123", "****", MaskPhone},
		{"empty phone", "", "", MaskPhone},
		{"email", "zhangwei@example.cn", "z***@example.cn", MaskEmail},
		{"chinese local part", "张伟@example.cn", "张***@example.cn", MaskEmail},
		{"no local part", "@example.cn", "***@example.cn", MaskEmail},
		{"not an email", "zhangwei", "***", MaskEmail},
		{"empty email", "", "", MaskEmail},
		{"two characters", "王敏", "王*", MaskName},
		{"four characters", "欧阳娜娜", "欧***", MaskName},
		{"one character", "敏", "*", MaskName},
		{"tombstone", ErasedName, ErasedName, MaskName},
		{"empty name", "", "", MaskName},
	}
	for _, tc := range tests {
		if got := tc.mask(tc.in); got != tc.want {
			t.Errorf("%s: %q → %q, want %q", tc.name, tc.in, got, tc.want)
		}
	}
}

func TestMaskAndEraseInPlace(t *testing.T) {
	u := &Unit{ContactName: "王敏", ContactPhone: "13812341234"}
	u.MaskContact()
	if u.ContactName != "王*" || u.ContactPhone != "138****1234" {
		t.Errorf("masked unit: %+v", u)
	}
	if u.ContactErased() {
		t.Error("a masked contact is not erased")
	}
	at := time.Date(2026, 12, 8, 0, 0, 0, 0, time.UTC)
	u.ContactName, u.ContactPhone, u.ContactErasedAt = ErasedName, "", &at
	if !u.ContactErased() {
		t.Errorf("erased unit: %+v", u)
	}
	usr := &User{DisplayName: "张伟", Phone: "13812341234", Email: "zhangwei@example.cn"}
	usr.MaskPersonal()
	if usr.DisplayName != "张伟" || usr.Phone != "138****1234" || usr.Email != "z***@example.cn" {
		t.Errorf("masked user: %+v", usr)
	}
	for field, mask := range PersonalFields {
		if mask("13812341234") == "13812341234" {
			t.Errorf("audit field %s is not masked", field)
		}
	}
}
