package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"tongxin/internal/model"
	"tongxin/internal/testenv"
)

func init() {
	own := []string{sysadmin, reviewer, "district_admin_xh"}
	matrix = append(matrix,
		matrixRow{"GET", "/streets/{street}", own, false},
		matrixRow{"GET", "/streets/{street_foreign}", []string{sysadmin}, false},
		matrixRow{"GET", "/grids/{grid}", own, false},
		matrixRow{"GET", "/grids/{grid_foreign}", []string{sysadmin}, false},
	)
}

// TestStreetAndGridPages: the detail pages show the object and link to what
// lies in it; another district's street answers 404.
func TestStreetAndGridPages(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			srv := testenv.NewServer(t, d)
			srv.CreateUser(t, "rev", model.RoleDistrictReviewer, "district:310104")
			c := srv.Client(t)
			c.Login("rev", testenv.Password)
			st := geoStreet(t, srv, 310104)
			foreign := geoStreet(t, srv, 310101)
			res := c.Get(fmt.Sprintf("/streets/%d", st.ID))
			if res.Status != http.StatusOK || !strings.Contains(res.Body, st.Name) || !strings.Contains(res.Body, "徐汇区") ||
				!strings.Contains(res.Body, fmt.Sprintf("/grids?district_id=310104&amp;street_id=%d", st.ID)) {
				t.Fatalf("street page: %d", res.Status)
			}
			if strings.Contains(res.Body, "/edit") {
				t.Errorf("a reviewer is offered 编辑")
			}
			if res := c.Get(fmt.Sprintf("/streets/%d", foreign.ID)); res.Status != http.StatusNotFound {
				t.Errorf("a foreign street: %d, want 404", res.Status)
			}
		})
	}
}
