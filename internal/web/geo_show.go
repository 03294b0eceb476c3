package web

import (
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"tongxin/internal/model"
)

// geoShowPage is the Data of geo/show: a street or a grid, with links to
// what lies in it.
type geoShowPage struct {
	Kind          string // "street" or "grid"
	ID            int64
	Code, Name    string
	Status        string
	DistrictLabel string
	StreetName    string
	StreetID      int64
	CanManage     bool
	Links         []Crumb // label and URL of the filtered lists
}

// streetShow is GET /streets/:id.
func (s *Server) streetShow(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx, a, loc := c.Request().Context(), actor(c), Locale(c)
	st, err := s.geoService().Street(ctx, a, id, "read")
	if err != nil {
		return err
	}
	district, err := s.domainLabeler(ctx, loc)(model.DomainOf(model.DomainDistrict, st.DistrictID))
	if err != nil {
		return err
	}
	page := geoShowPage{Kind: "street", ID: st.ID, Code: st.Code, Name: st.Name, Status: st.Status, DistrictLabel: district,
		CanManage: s.authz.Can(a.UserID, []string{model.DomainOf(model.DomainDistrict, st.DistrictID), model.DomainSys}, "street", "manage")}
	for _, l := range []struct{ key, path, obj string }{
		{"menu.grids", "/grids", "grid"}, {"menu.sites", "/service-sites", "service_site"}, {"menu.units", "/units", "unit"},
	} {
		if s.authz.CanAnywhere(a.UserID, l.obj, "read") {
			page.Links = append(page.Links, Crumb{Label: s.cat.T(loc, l.key), URL: fmt.Sprintf("%s?district_id=%d&street_id=%d", l.path, st.DistrictID, st.ID)})
		}
	}
	v := s.view(c, st.Name, Crumb{Label: s.cat.T(loc, "menu.group.reference")}, Crumb{Label: s.cat.T(loc, "menu.streets"), URL: "/streets"}, Crumb{Label: st.Name})
	v.Data = page
	return s.page(c, http.StatusOK, "geo/show", v)
}

// gridShow is GET /grids/:id.
func (s *Server) gridShow(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx, a, loc := c.Request().Context(), actor(c), Locale(c)
	g, err := s.geoService().Grid(ctx, a, id, "read")
	if err != nil {
		return err
	}
	district, err := s.domainLabeler(ctx, loc)(model.DomainOf(model.DomainDistrict, g.DistrictID))
	if err != nil {
		return err
	}
	page := geoShowPage{Kind: "grid", ID: g.ID, Code: g.Code, Name: g.Name, Status: g.Status, DistrictLabel: district, StreetID: g.StreetID,
		CanManage: s.authz.Can(a.UserID, []string{model.DomainOf(model.DomainDistrict, g.DistrictID), model.DomainSys}, "grid", "manage")}
	if st, err := s.geoService().Street(ctx, a, g.StreetID, "read"); err == nil {
		page.StreetName = st.Name
	}
	if s.authz.CanAnywhere(a.UserID, "service_site", "read") { // the grid's own sites
		page.Links = append(page.Links, Crumb{Label: s.cat.T(loc, "menu.sites"), URL: fmt.Sprintf("/service-sites?district_id=%d&street_id=%d&grid_id=%d", g.DistrictID, g.StreetID, g.ID)})
	}
	v := s.view(c, g.Name, Crumb{Label: s.cat.T(loc, "menu.group.reference")}, Crumb{Label: s.cat.T(loc, "menu.grids"), URL: "/grids"}, Crumb{Label: g.Name})
	v.Data = page
	return s.page(c, http.StatusOK, "geo/show", v)
}
