package authz

import (
	"strings"
	"testing"

	"tongxin/configs"
)

// TestWhoUpdatesSeesPersonalData: every role that may update or manage a
// unit, or update an account, also sees its personal data in full in the
// same domain (the edit form and PATCH carry the stored values), and
// whoever erases it may see it.
func TestWhoUpdatesSeesPersonalData(t *testing.T) {
	rules := map[string]bool{}
	for _, line := range strings.Split(configs.Policy, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, ",")
		for i := range f {
			f[i] = strings.TrimSpace(f[i])
		}
		rules[strings.Join(f[1:], ",")] = true
	}
	n := 0
	for r := range rules {
		f := strings.Split(r, ",")
		obj, act := f[2], f[3]
		if (obj == "unit" && (act == "update" || act == "manage" || act == "erase")) || (obj == "user" && (act == "update" || act == "erase")) {
			n++
			if !rules[f[0]+","+f[1]+","+obj+",personal"] {
				t.Errorf("%s %s %s %s without %s personal", f[0], f[1], obj, act, obj)
			}
		}
	}
	if n < 5 {
		t.Fatalf("found %d rules", n)
	}
}
