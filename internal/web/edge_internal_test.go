package web

import (
	"errors"
	"testing"

	"tongxin/internal/model"
)

// TestLocalPath: only same-site paths pass; everything a browser could read
// as another host falls back.
func TestLocalPath(t *testing.T) {
	for _, v := range []string{"/", "/reviews", "/reviews?status=submitted&page=2", "/units/12/edit", "/search?q=%E4%B8%AD"} {
		if got := localPath(v, "FALLBACK"); got != v {
			t.Errorf("localPath(%q) = %q, want it kept", v, got)
		}
	}
	for _, v := range []string{"", "//evil.example", "/\\evil.example", "/%09/evil.example", "/%2509/evil.example", "/\t/evil.example",
		"https://evil.example", "evil.example", "/%5Cevil.example", "/a\\b", "/%0d%0aSet-Cookie:x", "/ x", "javascript:alert(1)",
		"/%2F/evil.example", "\\\\evil.example", "/\u3000/evil.example", "/%E3%80%80/evil.example"} {
		if got := localPath(v, "FALLBACK"); got != "FALLBACK" {
			t.Errorf("localPath(%q) = %q, want the fallback", v, got)
		}
	}
	if got := localPathUnder("/claims?view=decide", "/x", "/claims"); got != "/claims?view=decide" {
		t.Errorf("localPathUnder kept %q", got)
	}
	if got := localPathUnder("/claims/%09/evil", "/x", "/claims"); got != "/x" {
		t.Errorf("localPathUnder let %q through", got)
	}
}

// TestInt32ColumnsFromMigrations: the range guard knows the INTEGER columns
// that forms and JSON bodies name, and not the BIGINT ones.
func TestInt32ColumnsFromMigrations(t *testing.T) {
	cols := int32Columns()
	for _, c := range []string{"target_beneficiaries", "beneficiaries", "year", "version", "duration_minutes", "percent", "volunteer_hours", "score", "party_members", "seats"} {
		if !cols[c] {
			t.Errorf("%s is an INTEGER column but the guard does not know it", c)
		}
	}
	for _, c := range []string{"quantity", "capacity", "budget_fen", "id", "alliance_id"} {
		if cols[c] {
			t.Errorf("%s is a BIGINT column but the guard limits it to 32 bits", c)
		}
	}
}

func TestCheckJSON(t *testing.T) {
	for body, field := range map[string]string{
		`{"target_beneficiaries": 2147483648}`:       "target_beneficiaries",
		`{"units":[{"beneficiaries": -2147483649}]}`: "beneficiaries",
		`{"year": 3e10}`:                                    "year",
		`{"title": "x\u0000y"}`:                             "title",
		`{"a": {"b": ["ok", "x\u0000"]}}`:                   "b",
		`{"target_beneficiaries": 99999999999999999999999}`: "target_beneficiaries",
	} {
		err := checkJSON([]byte(body))
		var ve *model.ValidationError
		if !errors.As(err, &ve) || ve.Fields[field] == "" {
			t.Errorf("checkJSON(%s) = %v, want a message on %s", body, err, field)
		}
	}
	for _, body := range []string{`{"target_beneficiaries": 2147483647, "quantity": 9000000000, "budget_fen": 99999999999}`,
		`{"title": "x\\u0000y"}`, `not json`, `{"year": "2026"}`} {
		if err := checkJSON([]byte(body)); err != nil {
			t.Errorf("checkJSON(%s) = %v, want nil", body, err)
		}
	}
	if err := checkValues(map[string][]string{"target_beneficiaries": {"2,147,483,648"}}); err == nil {
		t.Error("a form value past the range passed")
	}
	if err := checkValues(map[string][]string{"target_beneficiaries": {"abc"}, "quantity": {"99999999999"}}); err != nil {
		t.Errorf("checkValues: %v", err)
	}
}
