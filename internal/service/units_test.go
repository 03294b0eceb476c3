package service_test

import (
	"strings"
	"testing"

	"tongxin/internal/model"
	"tongxin/internal/service"
)

func TestValidateUnitInput(t *testing.T) {
	first := "91310104MA1FL0000"
	good := first + string(model.CreditCodeCheckChar(first))
	wrong := good[:17] + "0"
	if wrong == good {
		wrong = good[:17] + "1"
	}
	refs := service.UnitRefs{
		Kinds:     map[string]bool{"gov": true},
		Districts: map[int64]bool{310104: true, 310101: true},
		Streets:   map[int64]int64{7: 310104},
	}
	base := func() service.UnitInput {
		return service.UnitInput{Name: " 某单位 ", Kind: "gov", DistrictID: 310104, StreetID: 7, PartyMembers: "12", ContactPhone: "13812345678"}
	}
	tests := []struct {
		name   string
		change func(*service.UnitInput)
		field  string // "" for valid
		key    string
	}{
		{"valid", func(*service.UnitInput) {}, "", ""},
		{"valid code", func(in *service.UnitInput) { in.CreditCode = good }, "", ""},
		{"lower case and spaces", func(in *service.UnitInput) { in.CreditCode = " " + toLower(good) + " " }, "", ""},
		{"full width", func(in *service.UnitInput) { in.CreditCode = fullWidth(good) }, "", ""},
		{"wrong check character", func(in *service.UnitInput) { in.CreditCode = wrong }, "credit_code", model.MsgCreditCodeCheck},
		{"too short", func(in *service.UnitInput) { in.CreditCode = good[:17] }, "credit_code", model.MsgCreditCodeLength},
		{"letters outside the set", func(in *service.UnitInput) { in.CreditCode = good[:16] + "IO" }, "credit_code", model.MsgCreditCodeChars},
		{"name required", func(in *service.UnitInput) { in.Name = "  " }, "name", model.MsgRequired},
		{"name too long", func(in *service.UnitInput) { in.Name = strings.Repeat("名", 101) }, "name", model.MsgTooLong},
		{"unknown kind", func(in *service.UnitInput) { in.Kind = "bank" }, "kind", "unit.bad_kind"},
		{"district required", func(in *service.UnitInput) { in.DistrictID = 0 }, "district_id", model.MsgRequired},
		{"unknown district", func(in *service.UnitInput) { in.DistrictID = 999999 }, "district_id", "unit.bad_district"},
		{"street of another district", func(in *service.UnitInput) { in.DistrictID = 310101 }, "street_id", "unit.bad_street"},
		{"negative members", func(in *service.UnitInput) { in.PartyMembers = "-1" }, "party_members", "unit.bad_party_members"},
		{"members not a number", func(in *service.UnitInput) { in.PartyMembers = "十" }, "party_members", "unit.bad_party_members"},
		{"bad phone", func(in *service.UnitInput) { in.ContactPhone = "12345" }, "contact_phone", model.MsgBadPhone},
		{"bad status", func(in *service.UnitInput) { in.Status = "deleted" }, "status", "unit.bad_status"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := base()
			tc.change(&in)
			ve := service.ValidateUnitInput(&in, refs)
			if tc.field == "" {
				if ve != nil {
					t.Fatalf("want valid, got %v", ve)
				}
				if in.Name != "某单位" || in.Status != model.StatusActive || in.PartyMemberCount() != 12 {
					t.Errorf("not normalised: %+v", in)
				}
				if in.CreditCode != "" && in.CreditCode != good {
					t.Errorf("code normalised to %q, want %q", in.CreditCode, good)
				}
				return
			}
			if ve == nil {
				t.Fatalf("want an error on %s", tc.field)
			}
			if got := ve.Fields[tc.field]; got == "" || (tc.key != "" && got != tc.key) {
				t.Errorf("%s: %q, want %q (all: %v)", tc.field, got, tc.key, ve.Fields)
			}
		})
	}
	// Without reference maps the lookups are skipped (the caller resolved them).
	in := base()
	in.Kind = "anything"
	if ve := service.ValidateUnitInput(&in, service.UnitRefs{}); ve != nil {
		t.Errorf("nil refs: %v", ve)
	}
}

func toLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
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
