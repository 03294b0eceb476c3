package web_test

import (
	"fmt"
	"testing"

	"tongxin/internal/model"
	"tongxin/internal/testenv"
)

// TestUnitPageLinksItsProfile: a unit's page links its contribution profile
// for who may read it (the district's reviewer), not for who may not (the
// system admin, who reads units but no business figures).
func TestUnitPageLinksItsProfile(t *testing.T) {
	srv := testenv.NewServer(t, testenv.Dialects[0])
	u := unitFixture(t, srv, 310104, "")
	srv.CreateUser(t, "rev", model.RoleDistrictReviewer, "district:310104")
	srv.CreateUser(t, "adm", model.RoleSysadmin, "sys")
	link := fmt.Sprintf(`a[href="/units/%d/profile"]`, u.ID)
	for user, want := range map[string]int{"rev": 1, "adm": 0} {
		c := srv.Client(t)
		c.Login(user, testenv.Password)
		if n := c.Get(fmt.Sprintf("/units/%d", u.ID)).Doc(t).Find(link).Length(); n != want {
			t.Errorf("%s: %d profile links, want %d", user, n, want)
		}
	}
}
