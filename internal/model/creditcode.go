package model

import (
	"strings"
	"unicode"
)

// creditCodeChars are the 31 characters of a unified social credit code
// (GB 32100-2015): digits and capitals without I, O, S, V and Z.
const creditCodeChars = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// creditCodeWeights weigh positions 1–17 for the check character.
var creditCodeWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// Credit-code message keys.
const (
	MsgCreditCodeLength = "unit.credit_code_length"
	MsgCreditCodeChars  = "unit.credit_code_chars"
	MsgCreditCodeCheck  = "unit.credit_code_check"
)

// NormalizeCreditCode drops spaces (of any kind, anywhere) and hyphens,
// turns full-width characters into half-width and lower case into upper
// case, as people paste codes from documents.
func NormalizeCreditCode(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '０' && r <= '９':
			r = '0' + (r - '０')
		case r >= 'Ａ' && r <= 'Ｚ':
			r = 'A' + (r - 'Ａ')
		case r >= 'ａ' && r <= 'ｚ':
			r = 'A' + (r - 'ａ')
		case r >= 'a' && r <= 'z':
			r = r - 'a' + 'A'
		case unicode.IsSpace(r) || r == '-':
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// CheckCreditCode returns "" for a valid normalised code, or the catalog key
// of what is wrong: its length, a character outside the set, or the check
// character (the 18th) that does not match the other 17.
func CheckCreditCode(code string) string {
	if len([]rune(code)) != 18 {
		return MsgCreditCodeLength
	}
	sum := 0
	for i, r := range code {
		v := strings.IndexRune(creditCodeChars, r)
		if v < 0 {
			return MsgCreditCodeChars
		}
		if i < 17 {
			sum += v * creditCodeWeights[i]
		}
	}
	want := (31 - sum%31) % 31
	if strings.IndexRune(creditCodeChars, rune(code[17])) != want {
		return MsgCreditCodeCheck
	}
	return ""
}

// CreditCodeCheckChar computes the 18th character for 17 leading ones
// (demo data and tests).
func CreditCodeCheckChar(first17 string) byte {
	sum := 0
	for i := 0; i < 17; i++ {
		sum += strings.IndexByte(creditCodeChars, first17[i]) * creditCodeWeights[i]
	}
	return creditCodeChars[(31-sum%31)%31]
}
