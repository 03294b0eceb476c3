package service

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"

	"tongxin/internal/authz"
	"tongxin/internal/model"
	"tongxin/internal/store"
)

// ServiceSites keeps the 党群服务阵地: a district admin those of their
// district, the system admin every district's. A site carries a version;
// every change checks it.
type ServiceSites struct {
	db    *store.DB
	authz *authz.Authorizer
	geo   *Geo
	dict  *Dictionaries // site kinds (cached)
}

// NewServiceSites builds the service (cheap: build it per request if you like).
func NewServiceSites(d Deps) *ServiceSites {
	return &ServiceSites{db: d.DB, authz: d.Authz, geo: NewGeo(d), dict: NewDictionaries(d)}
}

const objSite = "service_site"

// Field limits of a site.
const (
	SiteNameMax         = 100
	SiteAddressMax      = 200
	SiteOpeningHoursMax = 100
	SiteFacilitiesMax   = 2000
	SiteSeatsMax        = 100000
	// SiteUnitChoicesMax is how many member units a form's select offers;
	// past it the form asks for the unit's number instead.
	SiteUnitChoicesMax = 500
	// SiteGridChoicesMax bounds the grids a form offers before a street is chosen.
	SiteGridChoicesMax = 1000
)

// SiteInput is what a person or a program gives for a site. Seats and the
// managing unit are kept as typed, so that a refused form shows them again.
type SiteInput struct {
	Name         string
	Kind         string // site_kind dictionary code
	StreetID     int64  // the district is the street's, set here
	GridID       int64  // 0: none; must lie in the street
	Address      string
	OpeningHours string // free text, e.g. 周一至周五 9:00–17:00
	Facilities   string // multi-line
	Seats        string // "" is 0
	// ManagingUnitID is a member unit's id as typed ("" for none); it must be
	// a unit of the site's district.
	ManagingUnitID string
	Status         string // active (default) or inactive
	// Version guards an edit against a concurrent one (0 on create).
	Version int
}

// siteRefs are the checked references of an input.
type siteRefs struct {
	street *model.Street
	grid   *int64
	unit   *int64
	seats  int
}

// List pages through the sites the actor may read.
func (s *ServiceSites) List(ctx context.Context, actor model.Actor, f store.ServiceSiteFilter, req model.PageRequest) (model.List[store.ServiceSiteRow], error) {
	f.Scope = s.authz.Scope(actor.UserID, objSite, "read")
	return s.db.ListServiceSites(ctx, f, req)
}

// Each calls fn for every site of the filter the actor may read (exports).
func (s *ServiceSites) Each(ctx context.Context, actor model.Actor, f store.ServiceSiteFilter, req model.PageRequest, fn func(*store.ServiceSiteRow) error) error {
	f.Scope = s.authz.Scope(actor.UserID, objSite, "read")
	return s.db.EachServiceSite(ctx, f, req, fn)
}

// Get loads a site the actor may do act to ("read" or "manage").
func (s *ServiceSites) Get(ctx context.Context, actor model.Actor, id int64, act string) (*store.ServiceSiteRow, error) {
	r, err := s.db.ServiceSiteByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.authz.Check(actor.UserID, authz.ChainDistrict(r.DistrictID), objSite, act); err != nil {
		return nil, err
	}
	return r, nil
}

// Kinds lists the site_kind dictionary, active and not (labels of lists).
func (s *ServiceSites) Kinds(ctx context.Context) ([]model.DictionaryItem, error) {
	return s.dict.Items(ctx, model.DictSiteKind, false)
}

// check validates in against the site before (nil on create): fields, the
// kind, the street (in a district the actor manages: 404 or 403 otherwise;
// active when newly chosen), the grid (of that street), the managing unit
// (a unit of that district).
func (s *ServiceSites) check(ctx context.Context, actor model.Actor, in *SiteInput, before *model.ServiceSite) (*siteRefs, error) {
	ve := &model.ValidationError{}
	refs := &siteRefs{}
	in.Name = model.Text(ve, "name", in.Name, true, SiteNameMax, false)
	in.Address = model.Text(ve, "address", in.Address, false, SiteAddressMax, false)
	in.OpeningHours = model.Text(ve, "opening_hours", in.OpeningHours, false, SiteOpeningHoursMax, false)
	in.Facilities = model.Text(ve, "facilities", in.Facilities, false, SiteFacilitiesMax, true)
	in.Seats = strings.TrimSpace(in.Seats)
	if in.Seats != "" {
		n, err := strconv.Atoi(in.Seats)
		switch {
		case err != nil:
			ve.Add("seats", "site.bad_seats")
		case n < 0 || n > SiteSeatsMax:
			ve.AddArgs("seats", "site.seats_range", SiteSeatsMax)
		default:
			refs.seats = n
		}
	}
	in.Status = strings.TrimSpace(in.Status)
	switch in.Status {
	case "":
		in.Status = model.StatusActive
	case model.StatusActive, model.StatusInactive:
	default:
		ve.Add("status", "geo.bad_status")
	}

	// Kind: an active code; an edit may keep a code deactivated since.
	in.Kind = strings.TrimSpace(in.Kind)
	if in.Kind == "" {
		ve.Add("kind", model.MsgRequired)
	} else {
		kinds, err := s.Kinds(ctx)
		if err != nil {
			return nil, err
		}
		ok := slices.ContainsFunc(kinds, func(it model.DictionaryItem) bool {
			return it.Code == in.Kind && (it.Active || (before != nil && before.Kind == in.Kind))
		})
		if !ok {
			ve.Add("kind", "site.bad_kind")
		}
	}

	// Street: decides the district, hence who may write.
	var keepStreet int64
	if before != nil {
		keepStreet = before.StreetID
	}
	if in.StreetID <= 0 {
		ve.Add("street_id", model.MsgRequired)
	} else {
		st, err := s.db.StreetByID(ctx, in.StreetID)
		switch {
		case errors.Is(err, model.ErrNotFound):
			ve.Add("street_id", "geo.bad_street")
		case err != nil:
			return nil, err
		default:
			if err := s.authz.Check(actor.UserID, authz.ChainDistrict(st.DistrictID), objSite, "manage"); err != nil {
				return nil, err
			}
			if st.ID != keepStreet && st.Status != model.StatusActive {
				ve.Add("street_id", "geo.street_inactive")
			}
			refs.street = st
		}
	}

	// Grid: optional, of the chosen street.
	if in.GridID > 0 {
		g, err := s.db.GridByID(ctx, in.GridID)
		switch {
		case errors.Is(err, model.ErrNotFound):
			ve.Add("grid_id", "site.grid_not_in_street")
		case err != nil:
			return nil, err
		case refs.street != nil && g.StreetID != refs.street.ID:
			ve.Add("grid_id", "site.grid_not_in_street")
		case g.Status != model.StatusActive && (before == nil || before.GridID == nil || *before.GridID != g.ID):
			ve.Add("grid_id", "geo.grid_inactive")
		default:
			id := g.ID
			refs.grid = &id
		}
	}

	// Managing unit: optional, a unit of the site's district. A unit outside
	// it gets the same answer as one that does not exist.
	in.ManagingUnitID = strings.TrimSpace(in.ManagingUnitID)
	if in.ManagingUnitID != "" {
		uid, err := strconv.ParseInt(in.ManagingUnitID, 10, 64)
		if err != nil || uid <= 0 {
			ve.Add("managing_unit_id", "site.bad_unit")
		} else {
			u, err := s.db.SiteUnitByID(ctx, uid)
			switch {
			case errors.Is(err, model.ErrNotFound):
				ve.Add("managing_unit_id", "site.unit_not_in_district")
			case err != nil:
				return nil, err
			case refs.street != nil && u.DistrictID != refs.street.DistrictID:
				ve.Add("managing_unit_id", "site.unit_not_in_district")
			case u.Status != model.StatusActive && (before == nil || before.ManagingUnitID == nil || *before.ManagingUnitID != u.ID):
				ve.Add("managing_unit_id", "site.unit_inactive")
			default:
				refs.unit = &u.ID
			}
		}
	}
	if err := ve.Err(); err != nil {
		return nil, err
	}
	return refs, nil
}

func (in *SiteInput) site(refs *siteRefs) model.ServiceSite {
	return model.ServiceSite{Name: in.Name, Kind: in.Kind, DistrictID: refs.street.DistrictID, StreetID: refs.street.ID,
		GridID: refs.grid, Address: in.Address, OpeningHours: in.OpeningHours, Facilities: in.Facilities,
		Seats: refs.seats, ManagingUnitID: refs.unit, Status: in.Status}
}

func idOrNil(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

// Create adds a site to a street of a district the actor manages.
func (s *ServiceSites) Create(ctx context.Context, actor model.Actor, in SiteInput) (*store.ServiceSiteRow, error) {
	refs, err := s.check(ctx, actor, &in, nil)
	if err != nil {
		return nil, err
	}
	site := in.site(refs)
	var out *store.ServiceSiteRow
	err = s.db.WithTx(ctx, func(ctx context.Context) error {
		if err := s.db.CreateServiceSite(ctx, &site); err != nil {
			return err
		}
		if out, err = s.db.ServiceSiteByID(ctx, site.ID); err != nil {
			return err
		}
		return audit(ctx, s.db, actor, "service_site.create", objSite, site.ID, districtDomain(site.DistrictID), map[string]Change{
			"name": {nil, site.Name}, "kind": {nil, site.Kind}, "street_id": {nil, site.StreetID}, "grid_id": {nil, idOrNil(site.GridID)},
			"address": {nil, site.Address}, "opening_hours": {nil, site.OpeningHours}, "facilities": {nil, site.Facilities},
			"seats": {nil, site.Seats}, "managing_unit_id": {nil, idOrNil(site.ManagingUnitID)}, "status": {nil, site.Status}})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Update changes a site if in.Version is the stored one (ErrConflict otherwise).
func (s *ServiceSites) Update(ctx context.Context, actor model.Actor, id int64, in SiteInput) (*store.ServiceSiteRow, error) {
	var out *store.ServiceSiteRow
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		before, err := s.Get(ctx, actor, id, "manage")
		if err != nil {
			return err
		}
		if err := model.RequireVersion(in.Version); err != nil {
			return err
		}
		refs, err := s.check(ctx, actor, &in, &before.ServiceSite)
		if err != nil {
			return err
		}
		site := in.site(refs)
		site.ID, site.Version = id, in.Version
		if err := s.db.UpdateServiceSite(ctx, &site); err != nil {
			return err
		}
		if out, err = s.db.ServiceSiteByID(ctx, id); err != nil {
			return err
		}
		b, a := before.ServiceSite, out.ServiceSite
		return audit(ctx, s.db, actor, "service_site.update", objSite, id, districtDomain(a.DistrictID), diff(
			"name", b.Name, a.Name, "kind", b.Kind, a.Kind, "district_id", b.DistrictID, a.DistrictID,
			"street_id", b.StreetID, a.StreetID, "grid_id", idOrNil(b.GridID), idOrNil(a.GridID),
			"address", b.Address, a.Address, "opening_hours", b.OpeningHours, a.OpeningHours,
			"facilities", b.Facilities, a.Facilities, "seats", b.Seats, a.Seats,
			"managing_unit_id", idOrNil(b.ManagingUnitID), idOrNil(a.ManagingUnitID), "status", b.Status, a.Status))
	})
	return out, err
}

// SetActive deactivates or re-activates a site, bumping its version so that
// an edit form opened earlier answers 409 rather than undo it. version 0
// skips the check (an action sent without one); another stale one is 409.
func (s *ServiceSites) SetActive(ctx context.Context, actor model.Actor, id int64, version int, active bool) (*store.ServiceSiteRow, error) {
	status, action := geoStatus(active)
	var out *store.ServiceSiteRow
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		before, err := s.Get(ctx, actor, id, "manage")
		if err != nil {
			return err
		}
		out = before
		if err := model.CheckVersion(version, before.Version); err != nil {
			return err
		}
		if before.Status == status {
			return nil
		}
		if err := s.db.SetServiceSiteStatus(ctx, id, before.Version, status); err != nil {
			return err
		}
		if out, err = s.db.ServiceSiteByID(ctx, id); err != nil {
			return err
		}
		return audit(ctx, s.db, actor, "service_site."+action, objSite, id, districtDomain(before.DistrictID),
			map[string]Change{"status": {before.Status, status}})
	})
	return out, err
}

// SiteFormOptions are the choices of a site form.
type SiteFormOptions struct {
	Kinds   []model.DictionaryItem // active, plus the edited site's kind
	Streets []model.Street         // active streets the actor may place a site in, plus the current one
	// Grids are the grids of the chosen street, or before one is chosen those
	// of the districts the form concerns (grouped by street in the select).
	Grids []store.GridRow
	// Units are the member units of the site's district; UnitsByNumber asks
	// for a unit's number instead (too many to list, or no district known yet).
	Units         []store.SiteUnit
	UnitsByNumber bool
}

// FormOptions builds the choices of a site form: before is the edited site
// (nil on create), streetID the street chosen so far (0: none yet).
func (s *ServiceSites) FormOptions(ctx context.Context, actor model.Actor, before *model.ServiceSite, streetID int64) (*SiteFormOptions, error) {
	o := &SiteFormOptions{}
	kinds, err := s.Kinds(ctx)
	if err != nil {
		return nil, err
	}
	for _, k := range kinds {
		if k.Active || (before != nil && before.Kind == k.Code) {
			o.Kinds = append(o.Kinds, k)
		}
	}
	var keepStreet int64
	if before != nil {
		keepStreet = before.StreetID
		if streetID == 0 {
			streetID = before.StreetID
		}
	}
	if o.Streets, err = s.geo.StreetChoices(ctx, actor, objSite, keepStreet); err != nil {
		return nil, err
	}
	// The districts the dependent choices come from: the chosen street's
	// (if the form may offer it), else the edited site's, else those of the
	// actor's scope when it names them.
	var districts []int64
	chosen := slices.IndexFunc(o.Streets, func(st model.Street) bool { return st.ID == streetID })
	switch {
	case chosen >= 0:
		districts = []int64{o.Streets[chosen].DistrictID}
	case before != nil:
		districts = []int64{before.DistrictID}
	default:
		if sc := s.authz.Scope(actor.UserID, objSite, "manage"); !sc.All {
			districts = sc.Districts
		}
	}
	if chosen >= 0 {
		o.Grids, err = s.db.GridOptions(ctx, nil, streetID, true, 0)
	} else {
		o.Grids, err = s.db.GridOptions(ctx, append([]int64{}, districts...), 0, true, SiteGridChoicesMax)
	}
	if err != nil {
		return nil, err
	}
	if before != nil && before.GridID != nil && !slices.ContainsFunc(o.Grids, func(g store.GridRow) bool { return g.ID == *before.GridID }) {
		if g, err := s.db.GridOptions(ctx, nil, before.StreetID, false, 0); err == nil {
			for _, r := range g {
				if r.ID == *before.GridID {
					o.Grids = append(o.Grids, r)
				}
			}
		}
	}
	units, err := s.db.SiteUnitOptions(ctx, districts, SiteUnitChoicesMax+1)
	if err != nil {
		return nil, err
	}
	if len(districts) == 0 || len(units) > SiteUnitChoicesMax {
		o.UnitsByNumber = true
	} else {
		o.Units = units
		if before != nil && before.ManagingUnitID != nil && !slices.ContainsFunc(units, func(u store.SiteUnit) bool { return u.ID == *before.ManagingUnitID }) {
			if u, err := s.db.SiteUnitByID(ctx, *before.ManagingUnitID); err == nil {
				o.Units = append(o.Units, *u)
			}
		}
	}
	return o, nil
}
