package model

import "testing"

func TestCreditCode(t *testing.T) {
	valid := "91310000MA1FL4T53X" // computed below, to be sure the table holds a valid one
	valid = valid[:17] + string(CreditCodeCheckChar(valid[:17]))
	wrongCheck := valid[:17] + map[bool]string{true: "1", false: "0"}[valid[17] == '0']
	tests := []struct {
		name, in, want string
	}{
		{"valid", valid, ""},
		{"a published code (国家市场监督管理总局)", "11100000MB0143028R", ""},
		{"wrong check character", wrongCheck, MsgCreditCodeCheck},
		{"too short", valid[:17], MsgCreditCodeLength},
		{"too long", valid + "1", MsgCreditCodeLength},
		{"lower case is accepted after normalising", toLower(valid), ""},
		{"full-width characters are accepted after normalising", fullWidth(valid), ""},
		{"letter I is not in the set", valid[:5] + "I" + valid[6:], MsgCreditCodeChars},
		{"letter O is not in the set", "O" + valid[1:], MsgCreditCodeChars},
		{"Chinese characters", "九一三一" + valid[4:], MsgCreditCodeChars},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CheckCreditCode(NormalizeCreditCode(tt.in)); got != tt.want {
				t.Errorf("CheckCreditCode(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func toLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c - 'A' + 'a'
		}
	}
	return string(b)
}

func fullWidth(s string) string {
	var out []rune
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			r = '０' + (r - '0')
		case r >= 'A' && r <= 'Z':
			r = 'Ａ' + (r - 'A')
		}
		out = append(out, r)
	}
	return string(out)
}
