package model

import (
	"strings"
	"testing"
)

// FuzzCreditCode: any text, normalised and checked, gives "" or one of the
// three refusals, never a panic; a code accepted has 18 characters of the
// set and its own check character, and normalising is idempotent.
func FuzzCreditCode(f *testing.F) {
	for _, s := range []string{"91310104MA1FL8KQ3J", "９１３１０１０４ＭＡ１ＦＬ８ＫＱ３Ｊ", " 91310104-ma1fl8kq3j ",
		"91310104MA1FL8KQ3", "91310104MA1FL8KQ3JX", "9131010IMA1FL8KQ3J", "中华人民共和国统一社会信用代码表", "\xff\xfe", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		code := NormalizeCreditCode(s)
		if again := NormalizeCreditCode(code); again != code {
			t.Fatalf("normalising %q twice: %q then %q", s, code, again)
		}
		switch key := CheckCreditCode(code); key {
		case "":
			if len(code) != 18 || strings.Trim(code, creditCodeChars) != "" {
				t.Fatalf("accepted %q", code)
			}
			if c := CreditCodeCheckChar(code[:17]); c != code[17] {
				t.Fatalf("accepted %q, its check character is %c", code, c)
			}
		case MsgCreditCodeLength, MsgCreditCodeChars, MsgCreditCodeCheck:
		default:
			t.Fatalf("CheckCreditCode(%q) = %q", code, key)
		}
	})
}
