package service

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"tongxin/internal/authz"
	"tongxin/internal/model"
	"tongxin/internal/store"
)

// UnitInput is what a person (form, API) or an import row gives for a member
// unit. Values are kept as typed so that a refused form shows them again;
// ValidateUnitInput normalises them in place.
type UnitInput struct {
	Name string
	// CreditCode is the unified social credit code as typed; "" for a body
	// without one. Validation normalises it (full-width, lower case, spaces).
	CreditCode string
	Kind       string // unit_kind dictionary code
	DistrictID int64
	StreetID   int64 // 0: none
	Address    string
	PartyOrg   string
	// PartyMembers is the party member count as typed ("" means 0).
	PartyMembers string
	ContactName  string
	ContactPhone string
	Status       string // active (default) or inactive
	// Version guards an edit against a concurrent one (0 on create).
	Version int
	// ConfirmDuplicate saves even when another unit of the district has the same name.
	ConfirmDuplicate bool
}

// Unit field limits (characters).
const (
	UnitNameMax         = 100
	UnitAddressMax      = 200
	UnitPartyOrgMax     = 100
	UnitContactNameMax  = 32
	UnitPartyMembersMax = 1000000
)

// UnitRefs is the reference data a unit is checked against, loaded once by
// the caller (a form, an import job) and reused for every row. A nil map skips
// its check (the caller resolved that reference itself).
type UnitRefs struct {
	// Kinds: the unit_kind codes that may be chosen (the active ones; on an
	// edit also the unit's current code, which stays valid once deactivated).
	Kinds map[string]bool
	// Districts: the district ids that exist.
	Districts map[int64]bool
	// Streets: street id → its district id (the streets that may be chosen).
	Streets map[int64]int64
}

// PartyMemberCount is the validated party member count.
func (in *UnitInput) PartyMemberCount() int {
	n, _ := strconv.Atoi(in.PartyMembers)
	return n
}

// CreditCodePtr is the normalised credit code, nil when there is none.
func (in *UnitInput) CreditCodePtr() *string {
	if in.CreditCode == "" {
		return nil
	}
	s := in.CreditCode
	return &s
}

// ValidateUnitInput checks and normalises a unit's fields without touching the
// database (uniqueness of the credit code and the duplicate-name warning are
// the caller's). It returns nil when every field is good; the field names are
// the JSON/form names (name, credit_code, kind, district_id, street_id,
// address, party_org, party_members, contact_name, contact_phone, status).
func ValidateUnitInput(in *UnitInput, refs UnitRefs) *model.ValidationError {
	ve := &model.ValidationError{}
	in.Name = model.Text(ve, "name", in.Name, true, UnitNameMax, false)
	in.CreditCode = model.NormalizeCreditCode(in.CreditCode)
	if in.CreditCode != "" {
		if key := model.CheckCreditCode(in.CreditCode); key != "" {
			ve.Add("credit_code", key)
		}
	}
	in.Kind = strings.TrimSpace(in.Kind)
	switch {
	case in.Kind == "":
		ve.Add("kind", model.MsgRequired)
	case refs.Kinds != nil && !refs.Kinds[in.Kind]:
		ve.Add("kind", "unit.bad_kind")
	}
	switch {
	case in.DistrictID == 0:
		ve.Add("district_id", model.MsgRequired)
	case in.DistrictID < 0 || (refs.Districts != nil && !refs.Districts[in.DistrictID]):
		ve.Add("district_id", "unit.bad_district")
	}
	if in.StreetID < 0 {
		ve.Add("street_id", "unit.bad_street")
	} else if in.StreetID > 0 && refs.Streets != nil {
		if d, ok := refs.Streets[in.StreetID]; !ok || d != in.DistrictID {
			ve.Add("street_id", "unit.bad_street")
		}
	}
	in.Address = model.Text(ve, "address", in.Address, false, UnitAddressMax, false)
	in.PartyOrg = model.Text(ve, "party_org", in.PartyOrg, false, UnitPartyOrgMax, false)
	in.PartyMembers = strings.TrimSpace(in.PartyMembers)
	if in.PartyMembers == "" {
		in.PartyMembers = "0"
	}
	if n, err := strconv.Atoi(in.PartyMembers); err != nil || n < 0 || n > UnitPartyMembersMax {
		ve.Add("party_members", "unit.bad_party_members")
	} else {
		in.PartyMembers = strconv.Itoa(n)
	}
	in.ContactName = model.Text(ve, "contact_name", in.ContactName, false, UnitContactNameMax, false)
	in.ContactPhone = model.Phone(ve, "contact_phone", in.ContactPhone)
	in.Status = strings.TrimSpace(in.Status)
	switch in.Status {
	case "":
		in.Status = model.StatusActive
	case model.StatusActive, model.StatusInactive:
	default:
		ve.Add("status", "unit.bad_status")
	}
	if ve.Err() == nil {
		return nil
	}
	return ve
}

// Units manages member units (成员单位): a district admin those of their
// district, an alliance secretary adds units to their alliance's district,
// a unit contact edits their own unit (but neither its district nor its status).
type Units struct {
	db    *store.DB
	authz *authz.Authorizer
	dicts *Dictionaries
}

// NewUnits builds the service (cheap: build it per request).
func NewUnits(d Deps) *Units {
	return &Units{db: d.DB, authz: d.Authz, dicts: NewDictionaries(d)}
}

// DuplicateUnitError says that another unit of the same district has the
// same name; saving again with ConfirmDuplicate set goes through. It
// unwraps to a ValidationError on the name field (400 on the API).
type DuplicateUnitError struct {
	UnitID int64
	Name   string
}

func (e *DuplicateUnitError) Error() string {
	return fmt.Sprintf("unit %q already exists in the district (id %d)", e.Name, e.UnitID)
}

// Unwrap lets errors.As find the ValidationError and errors.Is match ErrInvalid.
func (e *DuplicateUnitError) Unwrap() error {
	return (&model.ValidationError{}).AddArgs("name", "unit.duplicate_name", e.Name, e.UnitID)
}

// chain is the unit's domain chain: itself, the alliances it is a current
// member of, its district, sys.
func (s *Units) chain(ctx context.Context, u *model.Unit) ([]string, error) {
	ids, err := s.db.UnitAllianceIDs(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	return authz.ChainUnit(u.ID, u.DistrictID, ids...), nil
}

// load reads a unit and checks act on its chain (outside the caller's scope: not found).
func (s *Units) load(ctx context.Context, actor model.Actor, id int64, act string) (*model.Unit, []string, error) {
	u, err := s.db.UnitByID(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	chain, err := s.chain(ctx, u)
	if err != nil {
		return nil, nil, err
	}
	if err := s.authz.Check(actor.UserID, chain, "unit", act); err != nil {
		return nil, nil, err
	}
	return u, chain, nil
}

// List pages through the units the actor may read.
func (s *Units) List(ctx context.Context, actor model.Actor, f store.UnitFilter, req model.PageRequest) (model.List[store.UnitRow], error) {
	f.Scope = s.authz.Scope(actor.UserID, "unit", "read")
	if f.Scope.Empty() {
		return model.List[store.UnitRow]{}, model.ErrForbidden
	}
	l, err := s.db.ListUnits(ctx, f, req)
	if err != nil {
		return l, err
	}
	return l, s.maskRows(ctx, actor, l.Items) // personal data: pii.go
}

// Each calls fn for every unit matching f that the actor may read (exports),
// the contacts masked as on the list (Export also audits personal data).
func (s *Units) Each(ctx context.Context, actor model.Actor, f store.UnitFilter, fn func(*store.UnitRow) error) error {
	f.Scope = s.authz.Scope(actor.UserID, "unit", "read")
	if f.Scope.Empty() {
		return model.ErrForbidden
	}
	a, err := s.contactAccess(ctx, actor)
	if err != nil {
		return err
	}
	return s.db.EachUnit(ctx, f, func(r *store.UnitRow) error {
		a.apply(&r.Unit)
		return fn(r)
	})
}

// Get loads one unit the actor may read.
func (s *Units) Get(ctx context.Context, actor model.Actor, id int64) (*model.Unit, error) {
	u, _, err := s.load(ctx, actor, id, "read")
	return u, err
}

// Editable loads a unit the actor may update (its edit form).
func (s *Units) Editable(ctx context.Context, actor model.Actor, id int64) (*model.Unit, error) {
	u, _, err := s.load(ctx, actor, id, "update")
	return u, err
}

// UnitDetail is a unit with its alliances, now and before, and what the
// actor may do to it.
type UnitDetail struct {
	Unit         *model.Unit
	DistrictName string
	StreetName   string
	Memberships  []store.UnitMembership
	CanUpdate    bool
	CanManage    bool
	// ContactMasked: the actor sees the contact masked (personal data).
	ContactMasked bool
}

// Detail loads a unit for its page.
func (s *Units) Detail(ctx context.Context, actor model.Actor, id int64) (*UnitDetail, error) {
	u, chain, err := s.load(ctx, actor, id, "read")
	if err != nil {
		return nil, err
	}
	ms, err := s.db.UnitMemberships(ctx, id)
	if err != nil {
		return nil, err
	}
	d := &UnitDetail{Unit: u, Memberships: ms,
		CanUpdate: s.authz.Can(actor.UserID, chain, "unit", "update"),
		CanManage: s.authz.Can(actor.UserID, chain, "unit", "manage"), ContactMasked: !s.MaySeeContact(actor, chain)}
	if d.ContactMasked {
		u.MaskContact()
	}
	if d.DistrictName, d.StreetName, err = s.db.UnitPlaceNames(ctx, u.DistrictID, u.StreetID); err != nil {
		return nil, err
	}
	return d, nil
}

// UnitFilterOptions is what the list's filter offers.
type UnitFilterOptions struct {
	Kinds     []model.DictionaryItem // every kind, deactivated ones too (old rows hold them)
	Districts []model.District       // the districts whose units the actor may read
	Streets   []model.Street         // the streets of the chosen district, else of those districts
}

// FilterOptions loads the choices of the unit list's filter; districtID is
// the district chosen in it (0: none).
func (s *Units) FilterOptions(ctx context.Context, actor model.Actor, districtID int64) (*UnitFilterOptions, error) {
	opts := &UnitFilterOptions{}
	var err error
	if opts.Kinds, err = s.dicts.Items(ctx, model.DictUnitKind, false); err != nil {
		return nil, err
	}
	sc := s.authz.Scope(actor.UserID, "unit", "read")
	// Alliance and unit grants reach units in any district: offer them all.
	onlyDistricts := !sc.All && len(sc.Alliances) == 0 && len(sc.Units) == 0
	ds, err := s.db.Districts(ctx)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for _, d := range ds {
		if !onlyDistricts || slices.Contains(sc.Districts, d.ID) {
			opts.Districts = append(opts.Districts, d)
			ids = append(ids, d.ID)
		}
	}
	switch {
	case districtID != 0:
		ids = []int64{districtID}
	case !onlyDistricts:
		ids = nil
	}
	if opts.Streets, err = s.db.UnitFormStreets(ctx, ids); err != nil {
		return nil, err
	}
	return opts, nil
}

// Refs loads every active unit kind, every district and every active street,
// for checking many rows at once (imports).
func (s *Units) Refs(ctx context.Context) (UnitRefs, error) {
	return s.refs(ctx, nil, "", 0)
}

// refs loads the reference data of a form: the streets of the given
// districts only (all when nil), plus a unit's current kind and street,
// which stay valid once deactivated.
func (s *Units) refs(ctx context.Context, districtIDs []int64, keepKind string, keepStreet int64) (UnitRefs, error) {
	refs := UnitRefs{Kinds: map[string]bool{}, Districts: map[int64]bool{}, Streets: map[int64]int64{}}
	kinds, err := s.dicts.Items(ctx, model.DictUnitKind, true)
	if err != nil {
		return refs, err
	}
	for _, k := range kinds {
		refs.Kinds[k.Code] = true
	}
	if keepKind != "" {
		refs.Kinds[keepKind] = true
	}
	ds, err := s.db.Districts(ctx)
	if err != nil {
		return refs, err
	}
	for _, d := range ds {
		refs.Districts[d.ID] = true
	}
	var keep []int64
	if keepStreet != 0 {
		keep = append(keep, keepStreet)
	}
	streets, err := s.db.UnitFormStreets(ctx, districtIDs, keep...)
	if err != nil {
		return refs, err
	}
	for _, st := range streets {
		refs.Streets[st.ID] = st.DistrictID
	}
	return refs, nil
}

// UnitFormOptions is what a unit form offers.
type UnitFormOptions struct {
	Kinds     []model.DictionaryItem // active kinds, and the unit's current one
	Districts []model.District       // the districts the actor may choose
	Streets   []model.Street         // the streets of those districts
	// CanManage: the actor may change the district and the status (not a
	// unit contact editing their own unit).
	CanManage bool
}

// createDistricts lists the districts in which the actor may create units:
// those they administer and those of their alliances (nil: every district).
func (s *Units) createDistricts(ctx context.Context, actor model.Actor, act string) ([]int64, bool, error) {
	sc := s.authz.Scope(actor.UserID, "unit", act)
	if sc.All {
		return nil, true, nil
	}
	ids := append([]int64(nil), sc.Districts...)
	if act == "create" && len(sc.Alliances) > 0 {
		m, err := s.db.UnitAllianceDistricts(ctx, sc.Alliances)
		if err != nil {
			return nil, false, err
		}
		for _, d := range m {
			if !slices.Contains(ids, d) {
				ids = append(ids, d)
			}
		}
	}
	slices.Sort(ids)
	return ids, false, nil
}

// FormOptions loads the choices of the new form (u nil) or of u's edit form.
func (s *Units) FormOptions(ctx context.Context, actor model.Actor, u *model.Unit) (*UnitFormOptions, error) {
	opts := &UnitFormOptions{}
	kinds, err := s.dicts.Items(ctx, model.DictUnitKind, false)
	if err != nil {
		return nil, err
	}
	for _, k := range kinds {
		if k.Active || (u != nil && k.Code == u.Kind) {
			opts.Kinds = append(opts.Kinds, k)
		}
	}
	var ids []int64
	all := false
	switch {
	case u == nil:
		opts.CanManage = true
		ids, all, err = s.createDistricts(ctx, actor, "create")
	default:
		chain, cerr := s.chain(ctx, u)
		if cerr != nil {
			return nil, cerr
		}
		opts.CanManage = s.authz.Can(actor.UserID, chain, "unit", "manage")
		if opts.CanManage {
			ids, all, err = s.createDistricts(ctx, actor, "manage")
		}
		if !slices.Contains(ids, u.DistrictID) {
			ids = append(ids, u.DistrictID)
		}
	}
	if err != nil {
		return nil, err
	}
	ds, err := s.db.Districts(ctx)
	if err != nil {
		return nil, err
	}
	for _, d := range ds {
		if all || slices.Contains(ids, d.ID) {
			opts.Districts = append(opts.Districts, d)
		}
	}
	var keep []int64
	if u != nil && u.StreetID != nil {
		keep = append(keep, *u.StreetID)
	}
	if all {
		ids = nil
	}
	if opts.Streets, err = s.db.UnitFormStreets(ctx, ids, keep...); err != nil {
		return nil, err
	}
	return opts, nil
}

// mayCreateIn checks `unit create` in a district: as its administrator
// (ChainDistrict), else as the secretary of one of the actor's alliances in
// that district (ChainAlliance).
func (s *Units) mayCreateIn(ctx context.Context, actor model.Actor, districtID int64) (bool, error) {
	if s.authz.Can(actor.UserID, authz.ChainDistrict(districtID), "unit", "create") {
		return true, nil
	}
	sc := s.authz.Scope(actor.UserID, "unit", "create")
	if len(sc.Alliances) == 0 {
		return false, nil
	}
	m, err := s.db.UnitAllianceDistricts(ctx, sc.Alliances)
	if err != nil {
		return false, err
	}
	for _, a := range sc.Alliances {
		if d, ok := m[a]; ok && d == districtID && s.authz.Can(actor.UserID, authz.ChainAlliance(a, d), "unit", "create") {
			return true, nil
		}
	}
	return false, nil
}

// checkUnique refuses a credit code another unit holds (naming that unit)
// and warns of a unit of the same name in the district unless confirmed.
func (s *Units) checkUnique(ctx context.Context, in *UnitInput, selfID int64, nameMayDuplicate bool) error {
	if in.CreditCode != "" {
		other, err := s.db.UnitByCreditCode(ctx, in.CreditCode)
		switch {
		case err == nil && other.ID != selfID:
			return (&model.ValidationError{}).AddArgs("credit_code", "unit.credit_code_taken", other.Name, other.ID)
		case err != nil && !errors.Is(err, model.ErrNotFound):
			return err
		}
	}
	if nameMayDuplicate && !in.ConfirmDuplicate {
		other, err := s.db.UnitWithSameName(ctx, in.DistrictID, in.Name, selfID)
		switch {
		case err == nil:
			return &DuplicateUnitError{UnitID: other.ID, Name: other.Name}
		case !errors.Is(err, model.ErrNotFound):
			return err
		}
	}
	return nil
}

func (in *UnitInput) apply(u *model.Unit) {
	u.Name, u.CreditCode, u.Kind, u.DistrictID = in.Name, in.CreditCodePtr(), in.Kind, in.DistrictID
	u.StreetID = nil
	if in.StreetID != 0 {
		sid := in.StreetID
		u.StreetID = &sid
	}
	u.Address, u.PartyOrg, u.PartyMembers = in.Address, in.PartyOrg, in.PartyMemberCount()
	u.ContactName, u.ContactPhone, u.Status = in.ContactName, in.ContactPhone, in.Status
}

func unitStrOrNil(p *string) any {
	if p == nil {
		return nil
	}
	return *p
}

func unitIDOrNil(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

// Create adds a unit. The district must be one in which the actor may
// create units; the same name in the district needs ConfirmDuplicate.
func (s *Units) Create(ctx context.Context, actor model.Actor, in UnitInput) (*model.Unit, error) {
	if !s.authz.CanAnywhere(actor.UserID, "unit", "create") {
		return nil, model.ErrForbidden
	}
	refs, err := s.refs(ctx, []int64{in.DistrictID}, "", 0)
	if err != nil {
		return nil, err
	}
	ve := ValidateUnitInput(&in, refs)
	if ve == nil {
		ok, err := s.mayCreateIn(ctx, actor, in.DistrictID)
		if err != nil {
			return nil, err
		}
		if !ok {
			ve = (&model.ValidationError{}).Add("district_id", "unit.district_not_allowed")
		}
	}
	if ve != nil {
		return nil, ve
	}
	u := &model.Unit{}
	in.apply(u)
	err = s.db.WithTx(ctx, func(ctx context.Context) error {
		if err := s.checkUnique(ctx, &in, 0, true); err != nil {
			return err
		}
		if err := s.db.CreateUnit(ctx, u); err != nil {
			return err
		}
		return audit(ctx, s.db, actor, "unit.create", "unit", u.ID, model.DomainOf(model.DomainDistrict, u.DistrictID), map[string]Change{
			"name": {nil, u.Name}, "credit_code": {nil, unitStrOrNil(u.CreditCode)}, "kind": {nil, u.Kind},
			"district_id": {nil, u.DistrictID}, "street_id": {nil, unitIDOrNil(u.StreetID)}, "address": {nil, u.Address},
			"party_org": {nil, u.PartyOrg}, "party_members": {nil, u.PartyMembers}, "contact_name": {nil, u.ContactName},
			"contact_phone": {nil, u.ContactPhone}, "status": {nil, u.Status},
		})
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// Update changes a unit; in.Version must be the one the editor read (stale:
// a ConflictError). Empty Status and zero DistrictID keep the stored ones.
// Changing the district or the status needs `unit manage` (a unit contact
// may edit their unit's other fields only); a new district must be one
// where the actor manages units.
func (s *Units) Update(ctx context.Context, actor model.Actor, id int64, in UnitInput) (*model.Unit, error) {
	u, chain, err := s.load(ctx, actor, id, "update")
	if err != nil {
		return nil, err
	}
	if err := model.RequireVersion(in.Version); err != nil {
		return nil, err
	}
	if in.Status == "" {
		in.Status = u.Status
	}
	if in.DistrictID == 0 {
		in.DistrictID = u.DistrictID
	}
	var keepStreet int64
	if u.StreetID != nil {
		keepStreet = *u.StreetID
	}
	refs, err := s.refs(ctx, []int64{in.DistrictID}, u.Kind, keepStreet)
	if err != nil {
		return nil, err
	}
	if ve := ValidateUnitInput(&in, refs); ve != nil {
		return nil, ve
	}
	if (in.DistrictID != u.DistrictID || in.Status != u.Status) && !s.authz.Can(actor.UserID, chain, "unit", "manage") {
		return nil, model.ErrForbidden
	}
	if in.DistrictID != u.DistrictID && !s.authz.Can(actor.UserID, authz.ChainDistrict(in.DistrictID), "unit", "manage") {
		return nil, (&model.ValidationError{}).Add("district_id", "unit.district_not_allowed")
	}
	var out *model.Unit
	err = s.db.WithTx(ctx, func(ctx context.Context) error {
		before, err := s.db.UnitByID(ctx, id)
		if err != nil {
			return err
		}
		renamed := before.Name != in.Name || before.DistrictID != in.DistrictID
		if err := s.checkUnique(ctx, &in, id, renamed); err != nil {
			return err
		}
		next := *before
		in.apply(&next)
		if err := s.db.UpdateUnit(ctx, &next, in.Version); err != nil {
			return err
		}
		if out, err = s.db.UnitByID(ctx, id); err != nil {
			return err
		}
		return audit(ctx, s.db, actor, "unit.update", "unit", id, model.DomainOf(model.DomainDistrict, out.DistrictID), diff(
			"name", before.Name, out.Name,
			"credit_code", unitStrOrNil(before.CreditCode), unitStrOrNil(out.CreditCode),
			"kind", before.Kind, out.Kind,
			"district_id", before.DistrictID, out.DistrictID,
			"street_id", unitIDOrNil(before.StreetID), unitIDOrNil(out.StreetID),
			"address", before.Address, out.Address,
			"party_org", before.PartyOrg, out.PartyOrg,
			"party_members", before.PartyMembers, out.PartyMembers,
			"contact_name", before.ContactName, out.ContactName,
			"contact_phone", before.ContactPhone, out.ContactPhone,
			"status", before.Status, out.Status))
	})
	return out, err
}

// SetActive deactivates or reactivates a unit (never deleted: memberships,
// needs and projects point at it). A version other than 0 must be current.
func (s *Units) SetActive(ctx context.Context, actor model.Actor, id int64, version int, active bool) (*model.Unit, error) {
	if _, _, err := s.load(ctx, actor, id, "manage"); err != nil {
		return nil, err
	}
	status, action := model.StatusInactive, "unit.deactivate"
	if active {
		status, action = model.StatusActive, "unit.activate"
	}
	var out *model.Unit
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		before, err := s.db.UnitByID(ctx, id)
		if err != nil {
			return err
		}
		if err := model.CheckVersion(version, before.Version); err != nil {
			return err
		}
		if before.Status != status {
			if err := s.db.SetUnitStatus(ctx, id, before.Version, status); err != nil {
				return err
			}
			if err := audit(ctx, s.db, actor, action, "unit", id, model.DomainOf(model.DomainDistrict, before.DistrictID),
				map[string]Change{"status": {before.Status, status}}); err != nil {
				return err
			}
		}
		out, err = s.db.UnitByID(ctx, id)
		return err
	})
	return out, err
}
