package service

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"

	"tongxin/internal/authz"
	"tongxin/internal/model"
	"tongxin/internal/store"
)

// Geo keeps the map: districts (read only), streets (街镇) and grids (党建网格).
// A district admin manages those of their district; the system admin those
// of every district. Rows others reference are deactivated, never deleted.
type Geo struct {
	db    *store.DB
	authz *authz.Authorizer
}

// NewGeo builds the service. It holds only the database and the authorizer,
// so building it per request costs nothing.
func NewGeo(d Deps) *Geo { return &Geo{db: d.DB, authz: d.Authz} }

// Object kinds of the policy.
const (
	objStreet = "street"
	objGrid   = "grid"
)

// Field limits (characters).
const (
	StreetNameMax = 50
	GridNameMax   = 50
	GridCodeMax   = 32
)

var (
	streetCodeRe = regexp.MustCompile(`^[0-9]{6,12}$`)
	gridCodeRe   = regexp.MustCompile(`^[0-9A-Za-z][0-9A-Za-z_-]*$`)
)

func districtDomain(id int64) string { return model.DomainOf(model.DomainDistrict, id) }

// ---- Districts ----

// Districts lists the 16 districts (any logged-in user: they are public
// administrative divisions, and every form that names a district needs them).
func (s *Geo) Districts(ctx context.Context) ([]model.District, error) {
	return s.db.Districts(ctx)
}

// DistrictsFor lists the districts in which the actor may do act on objects
// of kind obj (the district selects of filters and forms).
func (s *Geo) DistrictsFor(ctx context.Context, actor model.Actor, obj, act string) ([]model.District, error) {
	scope := s.authz.Scope(actor.UserID, obj, act)
	if scope.Empty() {
		return nil, nil
	}
	all, err := s.db.Districts(ctx)
	if err != nil || scope.All {
		return all, err
	}
	out := make([]model.District, 0, len(scope.Districts))
	for _, d := range all {
		if slices.Contains(scope.Districts, d.ID) {
			out = append(out, d)
		}
	}
	return out, nil
}

// scopeDistricts turns a scope into the district ids a form may offer: nil
// for every district, an empty slice for none.
func scopeDistricts(sc model.Scope) []int64 {
	if sc.All {
		return nil
	}
	if sc.Districts == nil {
		return []int64{}
	}
	return sc.Districts
}

// DistrictStreets lists the active streets of a district for any logged-in
// user. Street names are public administrative divisions that the forms of
// every area (units, alliances, needs) need whatever the user's domain, so
// this lookup is not scoped; the street list and its export stay scoped.
func (s *Geo) DistrictStreets(ctx context.Context, districtID int64) ([]model.Street, error) {
	return s.db.StreetOptions(ctx, []int64{districtID}, true)
}

// ---- Streets ----

// StreetInput is what a person or a program gives for a street.
type StreetInput struct {
	// DistrictID is required on create; on an edit 0 keeps it, and another
	// district is refused (grids, sites and units carry the district too).
	DistrictID int64
	Code       string
	Name       string
	// Version guards an edit (required; ignored on create).
	Version int
}

func (in *StreetInput) validate(ve *model.ValidationError) {
	in.Code = strings.TrimSpace(in.Code)
	switch {
	case in.Code == "":
		ve.Add("code", model.MsgRequired)
	case !streetCodeRe.MatchString(in.Code):
		ve.Add("code", "street.bad_code")
	}
	in.Name = model.Text(ve, "name", in.Name, true, StreetNameMax, false)
}

// ListStreets pages through the streets the actor may read.
func (s *Geo) ListStreets(ctx context.Context, actor model.Actor, f store.StreetFilter, req model.PageRequest) (model.List[store.StreetRow], error) {
	f.Scope = s.authz.Scope(actor.UserID, objStreet, "read")
	return s.db.ListStreets(ctx, f, req)
}

// EachStreet calls fn for every street of the filter the actor may read (exports).
func (s *Geo) EachStreet(ctx context.Context, actor model.Actor, f store.StreetFilter, req model.PageRequest, fn func(*store.StreetRow) error) error {
	f.Scope = s.authz.Scope(actor.UserID, objStreet, "read")
	return s.db.EachStreet(ctx, f, req, fn)
}

// Street loads a street the actor may do act to ("read" or "manage").
func (s *Geo) Street(ctx context.Context, actor model.Actor, id int64, act string) (*model.Street, error) {
	st, err := s.db.StreetByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.authz.Check(actor.UserID, authz.ChainDistrict(st.DistrictID), objStreet, act); err != nil {
		return nil, err
	}
	return st, nil
}

// checkDistrict answers a ValidationError for a district that does not exist.
func (s *Geo) checkDistrict(ctx context.Context, ve *model.ValidationError, id int64) error {
	ds, err := s.db.Districts(ctx)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(ds, func(d model.District) bool { return d.ID == id }) {
		ve.Add("district_id", "geo.bad_district")
	}
	return nil
}

// CreateStreet adds a street to a district the actor manages (another
// district answers 404, as every object outside the caller's scope does).
func (s *Geo) CreateStreet(ctx context.Context, actor model.Actor, in StreetInput) (*model.Street, error) {
	ve := &model.ValidationError{}
	if in.DistrictID <= 0 {
		ve.Add("district_id", model.MsgRequired)
	} else if err := s.authz.Check(actor.UserID, authz.ChainDistrict(in.DistrictID), objStreet, "manage"); err != nil {
		return nil, err
	} else if err := s.checkDistrict(ctx, ve, in.DistrictID); err != nil {
		return nil, err
	}
	in.validate(ve)
	if err := ve.Err(); err != nil {
		return nil, err
	}
	st := &model.Street{DistrictID: in.DistrictID, Code: in.Code, Name: in.Name, Status: model.StatusActive}
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		if err := s.db.CreateStreet(ctx, st); err != nil {
			return err
		}
		return audit(ctx, s.db, actor, "street.create", objStreet, st.ID, districtDomain(st.DistrictID), map[string]Change{
			"district_id": {nil, st.DistrictID}, "code": {nil, st.Code}, "name": {nil, st.Name}})
	})
	if err != nil {
		return nil, err
	}
	return st, nil
}

// UpdateStreet changes a street's code and name.
func (s *Geo) UpdateStreet(ctx context.Context, actor model.Actor, id int64, in StreetInput) (*model.Street, error) {
	var out *model.Street
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		before, err := s.Street(ctx, actor, id, "manage")
		if err != nil {
			return err
		}
		if err := model.CheckVersion(in.Version, before.Version); err != nil {
			return err
		}
		ve := &model.ValidationError{}
		if in.DistrictID != 0 && in.DistrictID != before.DistrictID {
			ve.Add("district_id", "street.district_fixed")
		}
		in.validate(ve)
		if err := ve.Err(); err != nil {
			return err
		}
		if err := s.db.UpdateStreet(ctx, id, in.Version, in.Code, in.Name); err != nil {
			return err
		}
		if out, err = s.db.StreetByID(ctx, id); err != nil {
			return err
		}
		return audit(ctx, s.db, actor, "street.update", objStreet, id, districtDomain(out.DistrictID), diff(
			"code", before.Code, out.Code, "name", before.Name, out.Name))
	})
	return out, err
}

// SetStreetActive deactivates or re-activates a street. A deactivated street
// keeps its grids, sites and units; it is only no longer offered for new rows.
func (s *Geo) SetStreetActive(ctx context.Context, actor model.Actor, id int64, version int, active bool) (*model.Street, error) {
	status, action := geoStatus(active)
	var out *model.Street
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		before, err := s.Street(ctx, actor, id, "manage")
		if err != nil {
			return err
		}
		if err := model.CheckVersion(version, before.Version); err != nil {
			return err
		}
		out = before
		if before.Status == status {
			return nil
		}
		if err := s.db.SetStreetStatus(ctx, id, version, status); err != nil {
			return err
		}
		out.Status = status
		return audit(ctx, s.db, actor, "street."+action, objStreet, id, districtDomain(before.DistrictID),
			map[string]Change{"status": {before.Status, status}})
	})
	return out, err
}

func geoStatus(active bool) (status, action string) {
	if active {
		return model.StatusActive, "activate"
	}
	return model.StatusInactive, "deactivate"
}

// StreetChoices lists the streets a form for objects of kind obj may offer:
// the active streets of the districts where the actor may manage obj, plus
// keep (the street an edited row has now, even if since deactivated).
func (s *Geo) StreetChoices(ctx context.Context, actor model.Actor, obj string, keep int64) ([]model.Street, error) {
	out, err := s.db.StreetOptions(ctx, scopeDistricts(s.authz.Scope(actor.UserID, obj, "manage")), true)
	if err != nil {
		return nil, err
	}
	if keep != 0 && !slices.ContainsFunc(out, func(st model.Street) bool { return st.ID == keep }) {
		if st, err := s.db.StreetByID(ctx, keep); err == nil {
			out = append(out, *st)
		}
	}
	return out, nil
}

// StreetFilterChoices lists the streets a list filter may offer: those of
// district (0: every district the actor may read obj in), active or not.
func (s *Geo) StreetFilterChoices(ctx context.Context, actor model.Actor, obj string, district int64) ([]model.Street, error) {
	ds := scopeDistricts(s.authz.Scope(actor.UserID, obj, "read"))
	if district != 0 {
		if ds != nil && !slices.Contains(ds, district) {
			return nil, nil
		}
		ds = []int64{district}
	}
	return s.db.StreetOptions(ctx, ds, false)
}

// ---- Grids ----

// GridInput is what a person or a program gives for a grid. Its district is
// always its street's, set here.
type GridInput struct {
	StreetID int64
	Code     string
	Name     string
	// Version guards an edit (required; ignored on create).
	Version int
}

func (in *GridInput) validate(ve *model.ValidationError) {
	in.Code = strings.TrimSpace(in.Code)
	switch {
	case in.Code == "":
		ve.Add("code", model.MsgRequired)
	case len(in.Code) > GridCodeMax:
		ve.AddArgs("code", model.MsgTooLong, GridCodeMax)
	case !gridCodeRe.MatchString(in.Code):
		ve.Add("code", "grid.bad_code")
	}
	in.Name = model.Text(ve, "name", in.Name, true, GridNameMax, false)
}

// ListGrids pages through the grids the actor may read.
func (s *Geo) ListGrids(ctx context.Context, actor model.Actor, f store.GridFilter, req model.PageRequest) (model.List[store.GridRow], error) {
	f.Scope = s.authz.Scope(actor.UserID, objGrid, "read")
	return s.db.ListGrids(ctx, f, req)
}

// EachGrid calls fn for every grid of the filter the actor may read (exports).
func (s *Geo) EachGrid(ctx context.Context, actor model.Actor, f store.GridFilter, req model.PageRequest, fn func(*store.GridRow) error) error {
	f.Scope = s.authz.Scope(actor.UserID, objGrid, "read")
	return s.db.EachGrid(ctx, f, req, fn)
}

// Grid loads a grid the actor may do act to ("read" or "manage").
func (s *Geo) Grid(ctx context.Context, actor model.Actor, id int64, act string) (*model.Grid, error) {
	g, err := s.db.GridByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.authz.Check(actor.UserID, authz.ChainDistrict(g.DistrictID), objGrid, act); err != nil {
		return nil, err
	}
	return g, nil
}

// gridStreet resolves the street of a grid form: it must exist (a field
// error otherwise), lie in a district the actor manages grids in (404 or 403
// otherwise) and, when newly chosen, be active.
func (s *Geo) gridStreet(ctx context.Context, actor model.Actor, ve *model.ValidationError, streetID, current int64) (*model.Street, error) {
	if streetID <= 0 {
		ve.Add("street_id", model.MsgRequired)
		return nil, nil
	}
	st, err := s.db.StreetByID(ctx, streetID)
	if err != nil {
		if errors.Is(err, model.ErrNotFound) {
			ve.Add("street_id", "geo.bad_street")
			return nil, nil
		}
		return nil, err
	}
	if err := s.authz.Check(actor.UserID, authz.ChainDistrict(st.DistrictID), objGrid, "manage"); err != nil {
		return nil, err
	}
	if st.ID != current && st.Status != model.StatusActive {
		ve.Add("street_id", "geo.street_inactive")
	}
	return st, nil
}

// CreateGrid adds a grid to a street of a district the actor manages.
func (s *Geo) CreateGrid(ctx context.Context, actor model.Actor, in GridInput) (*model.Grid, error) {
	ve := &model.ValidationError{}
	st, err := s.gridStreet(ctx, actor, ve, in.StreetID, 0)
	if err != nil {
		return nil, err
	}
	in.validate(ve)
	if err := ve.Err(); err != nil {
		return nil, err
	}
	g := &model.Grid{StreetID: st.ID, DistrictID: st.DistrictID, Code: in.Code, Name: in.Name, Status: model.StatusActive}
	err = s.db.WithTx(ctx, func(ctx context.Context) error {
		if err := s.db.CreateGrid(ctx, g); err != nil {
			return err
		}
		return audit(ctx, s.db, actor, "grid.create", objGrid, g.ID, districtDomain(g.DistrictID), map[string]Change{
			"street_id": {nil, g.StreetID}, "code": {nil, g.Code}, "name": {nil, g.Name}})
	})
	if err != nil {
		return nil, err
	}
	return g, nil
}

// UpdateGrid changes a grid's street, code and name. A grid that sites
// point to keeps its street (a site's grid must lie in the site's street).
func (s *Geo) UpdateGrid(ctx context.Context, actor model.Actor, id int64, in GridInput) (*model.Grid, error) {
	var out *model.Grid
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		before, err := s.Grid(ctx, actor, id, "manage")
		if err != nil {
			return err
		}
		if err := model.CheckVersion(in.Version, before.Version); err != nil {
			return err
		}
		ve := &model.ValidationError{}
		if in.StreetID == 0 {
			in.StreetID = before.StreetID
		}
		st, err := s.gridStreet(ctx, actor, ve, in.StreetID, before.StreetID)
		if err != nil {
			return err
		}
		if st != nil && st.ID != before.StreetID {
			n, err := s.db.CountSitesOfGrid(ctx, id)
			if err != nil {
				return err
			}
			if n > 0 {
				ve.AddArgs("street_id", "grid.street_fixed", n)
			}
		}
		in.validate(ve)
		if err := ve.Err(); err != nil {
			return err
		}
		g := *before
		g.StreetID, g.DistrictID, g.Code, g.Name = st.ID, st.DistrictID, in.Code, in.Name
		if err := s.db.UpdateGrid(ctx, &g, in.Version); err != nil {
			return err
		}
		if out, err = s.db.GridByID(ctx, id); err != nil {
			return err
		}
		return audit(ctx, s.db, actor, "grid.update", objGrid, id, districtDomain(out.DistrictID), diff(
			"street_id", before.StreetID, out.StreetID, "code", before.Code, out.Code, "name", before.Name, out.Name))
	})
	return out, err
}

// SetGridActive deactivates or re-activates a grid.
func (s *Geo) SetGridActive(ctx context.Context, actor model.Actor, id int64, version int, active bool) (*model.Grid, error) {
	status, action := geoStatus(active)
	var out *model.Grid
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		before, err := s.Grid(ctx, actor, id, "manage")
		if err != nil {
			return err
		}
		if err := model.CheckVersion(version, before.Version); err != nil {
			return err
		}
		out = before
		if before.Status == status {
			return nil
		}
		if err := s.db.SetGridStatus(ctx, id, version, status); err != nil {
			return err
		}
		out.Status = status
		return audit(ctx, s.db, actor, "grid."+action, objGrid, id, districtDomain(before.DistrictID),
			map[string]Change{"status": {before.Status, status}})
	})
	return out, err
}
