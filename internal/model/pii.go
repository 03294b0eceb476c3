package model

import (
	"strings"
	"unicode/utf8"
)

// Personal information (个人信息): the contact data of people that the
// system keeps — a unit's contact person (name, phone) and an account's
// phone and e-mail. Whoever does not need it for their duty sees it masked;
// the service decides who (service.Personal), these functions only mask.

// ErasedName is what a name reads once its owner's personal data has been
// erased on request (the tombstone); phones and e-mails become empty.
const ErasedName = "已删除"

// maskRune is the character that hides a masked character.
const maskRune = "*"

// MaskPhone hides the middle of a phone number: 13812341234 → 138****1234,
// 021-64881234 → 021****1234. A number shorter than 8 characters keeps its
// last 2 at most; "" stays "".
func MaskPhone(s string) string {
	s = strings.TrimSpace(s)
	n := utf8.RuneCountInString(s)
	switch {
	case n == 0:
		return ""
	case n >= 8:
		r := []rune(s)
		return string(r[:3]) + "****" + string(r[n-4:])
	case n > 4:
		r := []rune(s)
		return "****" + string(r[n-2:])
	default:
		return "****"
	}
}

// MaskEmail keeps the first character of the local part and the domain:
// zhangwei@example.cn → z***@example.cn. Text without an @ is masked whole
// (***); "" stays "".
func MaskEmail(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	at := strings.LastIndex(s, "@")
	if at < 0 {
		return "***"
	}
	local, domain := s[:at], s[at:]
	if local == "" {
		return "***" + domain
	}
	r, _ := utf8.DecodeRuneInString(local)
	return string(r) + "***" + domain
}

// MaskName keeps a name's first character (the family name, as a rule) and
// hides each of the others: 王敏 → 王*, 欧阳娜娜 → 欧***. A one-character
// name becomes *; the tombstone and "" stay as they are.
func MaskName(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || s == ErasedName {
		return s
	}
	r := []rune(s)
	if len(r) == 1 {
		return maskRune
	}
	return string(r[0]) + strings.Repeat(maskRune, len(r)-1)
}

// PersonalFields are the change fields of the audit log that hold personal
// data, with the mask each gets: the services store them masked (the audit
// log is append-only and cannot be erased later).
var PersonalFields = map[string]func(string) string{
	"phone":         MaskPhone,
	"email":         MaskEmail,
	"contact_phone": MaskPhone,
	"contact_name":  MaskName,
}

// MaskContact hides the unit's contact person (name and phone) in place.
func (u *Unit) MaskContact() {
	u.ContactName, u.ContactPhone = MaskName(u.ContactName), MaskPhone(u.ContactPhone)
}

// ContactErased reports a unit whose contact was erased on request and not
// replaced since.
func (u *Unit) ContactErased() bool {
	return u.ContactErasedAt != nil && u.ContactName == ErasedName
}

// MaskPersonal hides the account's phone and e-mail in place. The display
// name stays: it is how the system names the people who act in it.
func (u *User) MaskPersonal() {
	u.Phone, u.Email = MaskPhone(u.Phone), MaskEmail(u.Email)
}

// PersonalErased reports an account whose personal data was erased.
func (u *User) PersonalErased() bool { return u.ErasedAt != nil }
