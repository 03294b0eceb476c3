package service

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"tongxin/internal/authz"
	"tongxin/internal/importer"
	"tongxin/internal/model"
	"tongxin/internal/store"
)

// Needs runs the needs list (需求清单): create, edit, publish and close a
// need, and read the list.
//
// Permissions: a need belongs to the chain of its submitter unit inside its
// alliance, authz.ChainUnit(unit, district, alliance): the unit's contact
// (unit:ID) and the alliance secretary (alliance:ID) hold need:create and
// need:update there (configs/policy.csv). Reading follows the need's
// visibility (store.ListViewer): one the actor may not see answers not
// found, exactly like a missing id. Claims (B's claims.go) change the
// accepted quantity and the claimed statuses; nothing here does.
type Needs struct {
	db    *store.DB
	authz *authz.Authorizer
	dict  *Dictionaries
}

// NewNeeds builds the service.
func NewNeeds(d Deps) *Needs { return &Needs{db: d.DB, authz: d.Authz, dict: NewDictionaries(d)} }

// Audit actions of needs.
const (
	ActionNeedCreate  = "need.create"
	ActionNeedUpdate  = "need.update"
	ActionNeedPublish = "need.publish"
	ActionNeedClose   = "need.close"
	ActionNeedExpire  = "need.expire"
)

// Limits of the need and resource fields.
const (
	ListTitleMax       = 100
	ListDescriptionMax = 2000
	ListReasonMax      = 500
	// ListQuantityMax bounds a quantity or capacity (a budget in yuan fits).
	ListQuantityMax = 1_000_000_000
	// ListBeneficiariesMax bounds the beneficiaries estimate.
	ListBeneficiariesMax = 10_000_000
	// ListOptionsMax caps the sites a form offers.
	ListOptionsMax = 500
)

// NeedInput is what a form or the API gives for a need.
type NeedInput struct {
	// AllianceID and SubmitterUnitID are set on create; a need never moves.
	AllianceID      int64
	SubmitterUnitID int64
	Title           string
	Description     string
	Category        string
	ResourceKind    string // "" any
	StreetID        *int64
	GridID          *int64
	Quantity        int64
	Measure         string
	Beneficiaries   int64
	WantedBy        *time.Time // calendar day, nil when open
	Visibility      string
	// Version guards an edit.
	Version int
}

// NeedPerms says what the actor may do to one need now (the page's buttons).
type NeedPerms struct {
	Edit    bool
	Publish bool
	Close   bool
	// Claim: the need can be claimed and the actor claims for some unit
	// (the form, B's /needs/{id}/claim, checks the rest).
	Claim bool
	// Owner: the actor owns the need (its unit's contact, the secretary).
	Owner bool
}

func needChain(n *model.Need) []string {
	return authz.ChainUnit(n.SubmitterUnitID, n.DistrictID, n.AllianceID)
}

func listDomain(allianceID int64) string { return model.DomainOf(model.DomainAlliance, allianceID) }

func (s *Needs) today() time.Time { return AllianceToday(s.db.Now()) }

// Viewer is what the actor may see of the needs list.
func (s *Needs) Viewer(ctx context.Context, actor model.Actor) (store.ListViewer, error) {
	return listViewer(ctx, s.db, s.authz, actor, "need")
}

// Perms reports what the actor may do to n in its current status.
func (s *Needs) Perms(actor model.Actor, n *model.Need) NeedPerms {
	owner := s.authz.Can(actor.UserID, needChain(n), "need", "update")
	return NeedPerms{
		Owner:   owner,
		Edit:    owner && model.NeedAllows(model.ListActionEdit, n.Status),
		Publish: owner && model.NeedAllows(model.ListActionPublish, n.Status),
		Close:   owner && model.NeedAllows(model.ListActionClose, n.Status),
		Claim:   n.Claimable() && n.Remaining() > 0 && s.authz.CanAnywhere(actor.UserID, "claim", "create"),
	}
}

// CanCreate reports whether the actor may create needs somewhere.
func (s *Needs) CanCreate(actor model.Actor) bool {
	return s.authz.CanAnywhere(actor.UserID, "need", "create")
}

// CanImport reports whether the actor may import needs somewhere.
func (s *Needs) CanImport(actor model.Actor) bool {
	return s.authz.CanAnywhere(actor.UserID, "need", "import")
}

// List pages through the needs the actor may see.
func (s *Needs) List(ctx context.Context, actor model.Actor, f store.NeedFilter, req model.PageRequest) (model.List[store.NeedRow], error) {
	v, err := s.Viewer(ctx, actor)
	if err != nil {
		return model.List[store.NeedRow]{}, err
	}
	f.Viewer = v
	return s.db.ListNeeds(ctx, f, req)
}

// Each calls fn for every need of the actor's list matching f (exports).
func (s *Needs) Each(ctx context.Context, actor model.Actor, f store.NeedFilter, req model.PageRequest, fn func(*store.NeedRow) error) error {
	v, err := s.Viewer(ctx, actor)
	if err != nil {
		return err
	}
	f.Viewer = v
	return s.db.EachNeed(ctx, f, req, exportBatch, fn)
}

// Get loads a need the actor may see; any other id is not found.
func (s *Needs) Get(ctx context.Context, actor model.Actor, id int64) (*store.NeedRow, error) {
	v, err := s.Viewer(ctx, actor)
	if err != nil {
		return nil, err
	}
	return s.db.NeedRowFor(ctx, id, v)
}

// owned loads a need inside a transaction for an owner's action: not found
// when the actor cannot see it, forbidden when they see it but do not own it.
func (s *Needs) owned(ctx context.Context, actor model.Actor, id int64) (*model.Need, error) {
	if _, err := s.Get(ctx, actor, id); err != nil {
		return nil, err
	}
	n, err := s.db.NeedByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if !s.authz.Can(actor.UserID, needChain(n), "need", "update") {
		return nil, model.ErrForbidden
	}
	return n, nil
}

// ---- form options ----

// ListFormOptions are the choices of a need or resource form: the alliances
// and units the actor may act for, and the places of their districts.
type ListFormOptions struct {
	Alliances []store.ListAllianceOption
	Units     []store.ListUnitOption
	Streets   []model.Street
	Grids     []store.GridRow
	Sites     []store.ListSiteOption // resources only
}

// listOwnerOptions lists the alliances and units in which actor holds
// obj:create: a secretary's alliances with all their current members, a
// unit contact's units in the alliances they belong to now.
func listOwnerOptions(ctx context.Context, db *store.DB, az *authz.Authorizer, actor model.Actor, obj string) ([]store.ListAllianceOption, []store.ListUnitOption, error) {
	sc := az.Scope(actor.UserID, obj, "create")
	var units []store.ListUnitOption
	if len(sc.Alliances) > 0 {
		u, err := db.ListUnitOptions(ctx, sc.Alliances, nil)
		if err != nil {
			return nil, nil, err
		}
		units = append(units, u...)
	}
	if len(sc.Units) > 0 {
		var alliances []int64
		for _, u := range sc.Units {
			ids, err := db.UnitAllianceIDs(ctx, u)
			if err != nil {
				return nil, nil, err
			}
			alliances = append(alliances, ids...)
		}
		u, err := db.ListUnitOptions(ctx, alliances, sc.Units)
		if err != nil {
			return nil, nil, err
		}
		for _, x := range u {
			if !slices.Contains(units, x) {
				units = append(units, x)
			}
		}
	}
	var ids []int64
	for _, u := range units {
		if !slices.Contains(ids, u.AllianceID) {
			ids = append(ids, u.AllianceID)
		}
	}
	for _, a := range sc.Alliances {
		if !slices.Contains(ids, a) {
			ids = append(ids, a)
		}
	}
	als, err := db.ListAllianceOptions(ctx, ids)
	if err != nil {
		return nil, nil, err
	}
	active := als[:0]
	for _, a := range als {
		if a.Status == model.StatusActive {
			active = append(active, a)
		}
	}
	return active, units, nil
}

// listPlaces fills the streets and grids of the districts of o's alliances
// (or of district when set: an edit).
func listPlaces(ctx context.Context, db *store.DB, o *ListFormOptions, district int64) error {
	var ds []int64
	if district != 0 {
		ds = []int64{district}
	}
	for _, a := range o.Alliances {
		if !slices.Contains(ds, a.DistrictID) {
			ds = append(ds, a.DistrictID)
		}
	}
	var err error
	if o.Streets, err = db.StreetOptions(ctx, ds, true); err != nil {
		return err
	}
	o.Grids, err = db.GridOptions(ctx, ds, 0, true, ListOptionsMax)
	return err
}

// FormOptions lists the choices of the need form: for a new need (n nil) the
// alliances and units the actor may create for; for an edit the places of
// the need's district.
func (s *Needs) FormOptions(ctx context.Context, actor model.Actor, n *model.Need) (ListFormOptions, error) {
	var o ListFormOptions
	if n == nil {
		var err error
		if o.Alliances, o.Units, err = listOwnerOptions(ctx, s.db, s.authz, actor, "need"); err != nil {
			return o, err
		}
		return o, listPlaces(ctx, s.db, &o, 0)
	}
	return o, listPlaces(ctx, s.db, &o, n.DistrictID)
}

// ---- validation ----

// listDictCheck checks that code is an active code of the dictionary kind
// (a stored inactive code may be kept: keep); required or not.
func listDictCheck(ctx context.Context, d *Dictionaries, ve *model.ValidationError, field, kind, code, keep string, required bool, badKey string) error {
	if code == "" {
		if required {
			ve.Add(field, model.MsgRequired)
		}
		return nil
	}
	if code == keep {
		return nil
	}
	items, err := d.Items(ctx, kind, true)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(items, func(it model.DictionaryItem) bool { return it.Code == code }) {
		ve.Add(field, badKey)
	}
	return nil
}

// listPlaceCheck checks street and grid against the district: the street
// of the district (active unless kept), the grid in that street. A grid
// without a street gives its street.
func listPlaceCheck(ctx context.Context, db *store.DB, ve *model.ValidationError, district int64, street, grid **int64, keepStreet, keepGrid *int64) error {
	if *street != nil && **street <= 0 {
		*street = nil
	}
	if *grid != nil && **grid <= 0 {
		*grid = nil
	}
	same := func(a, b *int64) bool { return a != nil && b != nil && *a == *b }
	if *grid != nil {
		g, err := db.GridByID(ctx, **grid)
		switch {
		case errors.Is(err, model.ErrNotFound):
			ve.Add("grid_id", "lists.bad_grid")
		case err != nil:
			return err
		case g.DistrictID != district:
			ve.Add("grid_id", "lists.grid_other_district")
		case *street != nil && g.StreetID != **street:
			ve.Add("grid_id", "lists.grid_other_street")
		case g.Status != model.StatusActive && !same(*grid, keepGrid):
			ve.Add("grid_id", "lists.grid_inactive")
		default:
			if *street == nil {
				sid := g.StreetID
				*street = &sid
			}
		}
	}
	if *street != nil {
		st, err := db.AllianceStreet(ctx, **street)
		switch {
		case errors.Is(err, model.ErrNotFound):
			ve.Add("street_id", "lists.bad_street")
		case err != nil:
			return err
		case st.DistrictID != district:
			ve.Add("street_id", "lists.street_other_district")
		case st.Status != model.StatusActive && !same(*street, keepStreet):
			ve.Add("street_id", "lists.street_inactive")
		}
	}
	return nil
}

// listOwnerCheck loads the alliance of a new need or resource and checks
// the owner unit is a current member of it.
func listOwnerCheck(ctx context.Context, db *store.DB, ve *model.ValidationError, allianceID, unitID int64, unitField string) (*model.Alliance, error) {
	var a *model.Alliance
	if allianceID <= 0 {
		ve.Add("alliance_id", model.MsgRequired)
	} else {
		var err error
		a, err = db.AllianceByID(ctx, allianceID)
		switch {
		case errors.Is(err, model.ErrNotFound):
			ve.Add("alliance_id", "lists.bad_alliance")
			a = nil
		case err != nil:
			return nil, err
		case a.Status != model.StatusActive:
			ve.Add("alliance_id", "lists.alliance_inactive")
		}
	}
	if unitID <= 0 {
		ve.Add(unitField, model.MsgRequired)
	} else if a != nil {
		ok, err := db.IsCurrentMember(ctx, a.ID, unitID)
		if err != nil {
			return nil, err
		}
		if !ok {
			ve.Add(unitField, "lists.unit_not_member")
		}
	}
	return a, nil
}

func listVisibilityCheck(ve *model.ValidationError, v *string) {
	if *v == "" {
		*v = model.VisibleAlliance
	}
	if !slices.Contains(model.Visibilities, *v) {
		ve.Add("visibility", "lists.bad_visibility")
	}
}

func listQuantityCheck(ve *model.ValidationError, field string, q, accepted int64) {
	switch {
	case q <= 0:
		ve.Add(field, "lists.quantity_positive")
	case q > ListQuantityMax:
		ve.AddArgs(field, "lists.quantity_too_large", ListQuantityMax)
	case q < accepted:
		ve.AddArgs(field, "lists.quantity_below_accepted", accepted)
	}
}

// listDayString formats a DATE for the audit log (nil stays nil).
func listDayString(t *time.Time) any { return allianceDayString(t) }

func listPtr[T any](p *T) any { return alliancePtrVal(p) }

// validate checks in; prev is the stored need on an edit (nil on create),
// a the need's alliance.
func (s *Needs) validate(ctx context.Context, ve *model.ValidationError, in *NeedInput, prev *model.Need, districtID int64) error {
	in.Title = model.Text(ve, "title", in.Title, true, ListTitleMax, false)
	in.Description = model.Text(ve, "description", in.Description, false, ListDescriptionMax, true)
	var keep model.Need
	if prev != nil {
		keep = *prev
	}
	if err := listDictCheck(ctx, s.dict, ve, "category", model.DictNeedCategory, in.Category, keep.Category, true, "need.bad_category"); err != nil {
		return err
	}
	if err := listDictCheck(ctx, s.dict, ve, "resource_kind", model.DictResourceKind, in.ResourceKind, keep.ResourceKind, false, "need.bad_resource_kind"); err != nil {
		return err
	}
	if err := listDictCheck(ctx, s.dict, ve, "measure", model.DictMeasure, in.Measure, keep.Measure, true, "lists.bad_measure"); err != nil {
		return err
	}
	listQuantityCheck(ve, "quantity", in.Quantity, keep.AcceptedQuantity)
	if in.Beneficiaries < 0 || in.Beneficiaries > ListBeneficiariesMax {
		ve.AddArgs("beneficiaries", "need.bad_beneficiaries", ListBeneficiariesMax)
	}
	if in.WantedBy != nil {
		d := in.WantedBy.UTC()
		in.WantedBy = &d
		unchanged := prev != nil && prev.WantedBy != nil && prev.WantedBy.UTC().Equal(d)
		if !unchanged && d.Before(s.today()) {
			ve.Add("wanted_by", "need.wanted_by_past")
		}
	}
	listVisibilityCheck(ve, &in.Visibility)
	if districtID != 0 {
		if err := listPlaceCheck(ctx, s.db, ve, districtID, &in.StreetID, &in.GridID, keep.StreetID, keep.GridID); err != nil {
			return err
		}
	}
	return nil
}

// Create makes a draft need of in.SubmitterUnitID in in.AllianceID
// (need:create on the unit's chain in that alliance).
func (s *Needs) Create(ctx context.Context, actor model.Actor, in NeedInput) (*model.Need, error) {
	var n *model.Need
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		ve := &model.ValidationError{}
		a, err := listOwnerCheck(ctx, s.db, ve, in.AllianceID, in.SubmitterUnitID, "submitter_unit_id")
		if err != nil {
			return err
		}
		if a != nil && in.SubmitterUnitID > 0 {
			if err := s.authz.Check(actor.UserID, authz.ChainUnit(in.SubmitterUnitID, a.DistrictID, a.ID), "need", "create"); err != nil {
				return err
			}
		}
		district := int64(0)
		if a != nil {
			district = a.DistrictID
		}
		if err := s.validate(ctx, ve, &in, nil, district); err != nil {
			return err
		}
		if err := ve.Err(); err != nil {
			return err
		}
		uid := actor.UserID
		n = &model.Need{AllianceID: a.ID, DistrictID: a.DistrictID, SubmitterUnitID: in.SubmitterUnitID, Title: in.Title,
			Description: in.Description, Category: in.Category, ResourceKind: in.ResourceKind, StreetID: in.StreetID, GridID: in.GridID,
			Quantity: in.Quantity, Measure: in.Measure, Beneficiaries: int(in.Beneficiaries), WantedBy: in.WantedBy,
			Visibility: in.Visibility, Status: model.NeedDraft}
		if uid != 0 {
			n.CreatedBy = &uid
		}
		if err := s.db.CreateNeed(ctx, n); err != nil {
			return err
		}
		return audit(ctx, s.db, actor, ActionNeedCreate, "need", n.ID, listDomain(n.AllianceID), map[string]any{
			"alliance_id": n.AllianceID, "submitter_unit_id": n.SubmitterUnitID, "title": n.Title, "description": n.Description,
			"category": n.Category, "resource_kind": n.ResourceKind, "street_id": n.StreetID, "grid_id": n.GridID,
			"quantity": n.Quantity, "measure": n.Measure, "beneficiaries": n.Beneficiaries, "wanted_by": listDayString(n.WantedBy),
			"visibility": n.Visibility, "status": n.Status,
		})
	})
	if err != nil {
		return nil, err
	}
	return n, nil
}

// Update changes the fields of a need in draft or published (need:update on
// its chain); a stale version answers a ConflictError, another status a
// RuleError naming it.
func (s *Needs) Update(ctx context.Context, actor model.Actor, id int64, in NeedInput) (*model.Need, error) {
	var out *model.Need
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		prev, err := s.owned(ctx, actor, id)
		if err != nil {
			return err
		}
		if _, err := model.NeedTransition(model.ListActionEdit, prev.Status); err != nil {
			return err
		}
		ve := &model.ValidationError{}
		if err := model.CheckVersion(in.Version, prev.Version); err != nil {
			return err
		}
		if err := s.validate(ctx, ve, &in, prev, prev.DistrictID); err != nil {
			return err
		}
		if err := ve.Err(); err != nil {
			return err
		}
		next := *prev
		next.Title, next.Description, next.Category, next.ResourceKind = in.Title, in.Description, in.Category, in.ResourceKind
		next.StreetID, next.GridID, next.Quantity, next.Measure = in.StreetID, in.GridID, in.Quantity, in.Measure
		next.Beneficiaries, next.WantedBy, next.Visibility = int(in.Beneficiaries), in.WantedBy, in.Visibility
		if err := s.db.UpdateNeed(ctx, &next, in.Version); err != nil {
			return err
		}
		// A smaller quantity closes the pending claims that no longer fit.
		if _, err := closeStrandedClaims(ctx, s.db, actor, model.TargetNeed, id); err != nil {
			return err
		}
		if out, err = s.db.NeedByID(ctx, id); err != nil {
			return err
		}
		return audit(ctx, s.db, actor, ActionNeedUpdate, "need", id, listDomain(prev.AllianceID), diff(
			"title", prev.Title, out.Title,
			"description", prev.Description, out.Description,
			"category", prev.Category, out.Category,
			"resource_kind", prev.ResourceKind, out.ResourceKind,
			"street_id", listPtr(prev.StreetID), listPtr(out.StreetID),
			"grid_id", listPtr(prev.GridID), listPtr(out.GridID),
			"quantity", prev.Quantity, out.Quantity,
			"measure", prev.Measure, out.Measure,
			"beneficiaries", prev.Beneficiaries, out.Beneficiaries,
			"wanted_by", listDayString(prev.WantedBy), listDayString(out.WantedBy),
			"visibility", prev.Visibility, out.Visibility))
	})
	return out, err
}

// Publish makes a draft need visible as its visibility says (发布).
func (s *Needs) Publish(ctx context.Context, actor model.Actor, id int64, version int) (*model.Need, error) {
	return s.transition(ctx, actor, id, version, model.ListActionPublish, ActionNeedPublish, "")
}

// Close ends a need that is still open (关闭), with a reason.
func (s *Needs) Close(ctx context.Context, actor model.Actor, id int64, version int, reason string) (*model.Need, error) {
	return s.transition(ctx, actor, id, version, model.ListActionClose, ActionNeedClose, reason)
}

func (s *Needs) transition(ctx context.Context, actor model.Actor, id int64, version int, action, auditAction, reason string) (*model.Need, error) {
	var out *model.Need
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		prev, err := s.owned(ctx, actor, id)
		if err != nil {
			return err
		}
		to, err := model.NeedTransition(action, prev.Status)
		if err != nil {
			return err
		}
		ve := &model.ValidationError{}
		if action == model.ListActionClose {
			reason = model.Text(ve, "reason", reason, true, ListReasonMax, true)
		}
		if err := ve.Err(); err != nil {
			return err
		}
		if err := checkVersion(ctx, s.db, "need", id, version, prev.Version); err != nil {
			return err
		}
		if to == model.NeedPublished && prev.WantedBy != nil && prev.WantedBy.UTC().Before(s.today()) {
			return model.Rule("need_wanted_by_past", "need.publish_wanted_by_past")
		}
		if err := s.db.SetNeedStatus(ctx, id, version, prev.Status, to, reason); err != nil {
			return err
		}
		// A closed need takes no more claims: its pending ones are closed.
		if _, err := closeStrandedClaims(ctx, s.db, actor, model.TargetNeed, id); err != nil {
			return err
		}
		if out, err = s.db.NeedByID(ctx, id); err != nil {
			return err
		}
		changes := map[string]any{"status": Change{prev.Status, out.Status}}
		if reason != "" {
			changes["reason"] = reason
		}
		return audit(ctx, s.db, actor, auditAction, "need", id, listDomain(prev.AllianceID), changes)
	})
	return out, err
}

// ---- import (导入需求) ----

// Audit actions of list imports.
const (
	ActionNeedImport     = "need.import"
	ActionResourceImport = "resource.import"
)

// Catalog keys of the lists' import rows.
const (
	MsgImportBadUnitRow   = "import.row_bad_list_unit"
	MsgImportBadCodeRow   = "import.row_bad_list_code"
	MsgImportBadSiteRow   = "import.row_bad_site"
	MsgImportDupTitleRow  = "import.row_dup_title"
	MsgImportNeedAlliance = "import.needs_alliance_only"
	// MsgImportBadVisibilityRow: the 可见范围 cell names no visibility.
	MsgImportBadVisibilityRow = "import.row_bad_visibility"
	// MsgImportSiteNotVenue: a site named for a resource that is not a venue.
	MsgImportSiteNotVenue = "import.row_site_not_venue"
)

// listImport is what the needs and resources imports share: the target
// alliance's current member units by name, the dictionaries and places by
// label or code, and the rows of the batch.
type listImport struct {
	s      *Imports
	actor  model.Actor
	target ImportTarget
	spec   importer.Spec
	jobID  int64
	dryRun bool
	file   string
	idx    map[string]int

	units   map[string]int64             // unit name → id (current members)
	codes   map[string]map[string]string // dictionary kind → label or code → code
	labels  map[string]string            // dictionary kind → its active labels, for a refusal
	streets map[string]int64             // street name (without 街道) or code → id, in the district
	seen    map[string]int               // natural key → first line
}

func (s *Imports) newListImport(ctx context.Context, actor model.Actor, target ImportTarget, spec importer.Spec, jobID int64, dryRun bool) (*listImport, error) {
	if target.AllianceID == 0 {
		return nil, &importer.Refusal{Key: MsgImportNeedAlliance}
	}
	h := &listImport{s: s, actor: actor, target: target, spec: spec, jobID: jobID, dryRun: dryRun, idx: map[string]int{},
		units: map[string]int64{}, codes: map[string]map[string]string{}, labels: map[string]string{}, streets: map[string]int64{},
		seen: map[string]int{}}
	for i, c := range spec.Columns {
		h.idx[c.Field] = i
	}
	units, err := s.db.ListUnitOptions(ctx, []int64{target.AllianceID}, nil)
	if err != nil {
		return nil, err
	}
	for _, u := range units {
		h.units[u.Name] = u.ID
	}
	d := NewDictionaries(Deps{DB: s.db})
	for _, kind := range []string{model.DictNeedCategory, model.DictResourceKind, model.DictMeasure} {
		items, err := d.Items(ctx, kind, true)
		if err != nil {
			return nil, err
		}
		m := map[string]string{}
		var ls []string
		for _, it := range items {
			m[it.Code], m[strings.ToLower(it.Code)], m[it.LabelZh] = it.Code, it.Code, it.Code
			if it.LabelEn != "" {
				m[strings.ToLower(it.LabelEn)] = it.Code
			}
			ls = append(ls, it.LabelZh)
		}
		h.codes[kind], h.labels[kind] = m, strings.Join(ls, "、")
	}
	streets, err := s.db.StreetOptions(ctx, []int64{target.DistrictID}, true)
	if err != nil {
		return nil, err
	}
	for _, st := range streets {
		for _, k := range []string{st.Code, streetKey(st.Name)} {
			if _, taken := h.streets[k]; !taken {
				h.streets[k] = st.ID
			}
		}
	}
	return h, nil
}

func (h *listImport) cell(row importer.Row, field string) string {
	if i, ok := h.idx[field]; ok && i < len(row.Cells) {
		return row.Cells[i]
	}
	return ""
}

// code resolves a dictionary cell (label or code); "" stays "", an unknown
// value comes back as typed (the validation refuses it).
func (h *listImport) code(kind, v string) string {
	if c, ok := h.codes[kind][v]; ok {
		return c
	}
	if c, ok := h.codes[kind][strings.ToLower(v)]; ok {
		return c
	}
	return v
}

// unit resolves the owner unit cell; 0 when empty, -1 when unknown.
func (h *listImport) unit(v string) int64 {
	if v == "" {
		return 0
	}
	if id, ok := h.units[v]; ok {
		return id
	}
	return -1
}

// street resolves the street cell: nil when empty, -1 when unknown.
func (h *listImport) street(v string) *int64 {
	if v == "" {
		return nil
	}
	id, ok := h.streets[streetKey(v)]
	if !ok {
		id = -1
	}
	return &id
}

// streetRef resolves the 所属街镇 cell of row: nil when empty; a name or
// code that is not an active street of the district is a row error on
// street_id (never a need or resource imported without its street).
func (h *listImport) streetRef(ve *model.ValidationError, row importer.Row) *int64 {
	id := h.street(h.cell(row, "street_id"))
	if id != nil && *id < 0 {
		ve.Add("street_id", "lists.bad_street")
		return nil
	}
	return id
}

var listVisibilityLabels = map[string]string{"本联盟": model.VisibleAlliance, "联盟": model.VisibleAlliance, "本区": model.VisibleDistrict,
	"区": model.VisibleDistrict, "全市": model.VisibleCity, "市": model.VisibleCity}

func (h *listImport) visibility(v string) string {
	if c, ok := listVisibilityLabels[v]; ok {
		return c
	}
	return strings.ToLower(v)
}

// listImportDay reads a date cell: 2026-03-05, 2026/3/5, 2026.3.5,
// 2026年3月5日, Excel's m/d/yy or a serial day number. ok is false for
// anything else.
func listImportDay(v string) (*time.Time, bool) {
	if v == "" {
		return nil, true
	}
	for _, layout := range []string{time.DateOnly, "2006/1/2", "2006.1.2", "2006年1月2日", "2006-1-2", "1/2/06", "01-02-06", "1-2-06"} {
		if t, err := time.Parse(layout, v); err == nil {
			return &t, true
		}
	}
	if n, err := strconv.ParseFloat(v, 64); err == nil && n > 20000 && n < 80000 {
		t := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(n))
		return &t, true
	}
	return nil, false
}

// number reads a whole-number cell (1,200 allowed); "" is 0.
func listImportNumber(ve *model.ValidationError, field, v string) int64 {
	v = strings.ReplaceAll(v, ",", "")
	if v == "" {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		if f, ferr := strconv.ParseFloat(v, 64); ferr == nil && f == float64(int64(f)) {
			return int64(f)
		}
		ve.Add(field, "lists.bad_number")
		return 0
	}
	return n
}

// reason writes a row's problems as the units import does (第 N 行：列名：…).
func (h *listImport) reason(row importer.Row, ve *model.ValidationError) string {
	t := h.s.o.T
	var parts []string
	done := map[string]bool{}
	for _, c := range h.spec.Columns {
		key, ok := ve.Fields[c.Field]
		if !ok {
			continue
		}
		msg := t(key, ve.Args[c.Field]...)
		switch key {
		case "need.bad_category", "need.bad_resource_kind", "resource.bad_kind", "lists.bad_measure":
			kind := map[string]string{"need.bad_category": model.DictNeedCategory, "need.bad_resource_kind": model.DictResourceKind,
				"resource.bad_kind": model.DictResourceKind, "lists.bad_measure": model.DictMeasure}[key]
			msg = t(MsgImportBadCodeRow, h.cell(row, c.Field), h.labels[kind])
		case "lists.bad_street", "lists.street_other_district":
			msg = t(MsgImportBadStreetRow, h.cell(row, c.Field))
		case "lists.bad_visibility":
			msg = t(MsgImportBadVisibilityRow, h.cell(row, c.Field))
		}
		parts = append(parts, t(MsgImportReasonPart, c.Header, msg))
		done[c.Field] = true
	}
	for f, key := range ve.Fields {
		if !done[f] {
			parts = append(parts, t(key, ve.Args[f]...))
		}
	}
	return t(MsgImportReasonLine, row.Line, strings.Join(parts, "；"))
}

// ownerCheck resolves the owner cell into field of ve; it returns the id.
func (h *listImport) ownerCheck(ve *model.ValidationError, row importer.Row, field string) int64 {
	v := h.cell(row, field)
	id := h.unit(v)
	switch {
	case id == 0:
		ve.Add(field, model.MsgRequired)
	case id < 0:
		ve.AddArgs(field, MsgImportBadUnitRow, v, h.target.Label)
	}
	return id
}

// dup reports a key seen on an earlier line of the file.
func (h *listImport) dup(ve *model.ValidationError, row importer.Row, unit int64, title string) {
	k := store.ListKey(unit, title)
	if first, ok := h.seen[k]; ok {
		ve.AddArgs("title", MsgImportDupTitleRow, first)
		return
	}
	h.seen[k] = row.Line
}

// needHandler imports needs as drafts of the target alliance: each row
// through the need form's rules, then by natural key (unit, title) new or
// existing (left alone: a re-import changes nothing).
type needHandler struct {
	*listImport
	needs   *Needs
	pending []model.Need
}

func (s *Imports) newNeedHandler(ctx context.Context, actor model.Actor, target ImportTarget, spec importer.Spec, jobID int64, dryRun bool) (*needHandler, error) {
	base, err := s.newListImport(ctx, actor, target, spec, jobID, dryRun)
	if err != nil {
		return nil, err
	}
	return &needHandler{listImport: base, needs: NewNeeds(Deps{DB: s.db, Authz: s.authz})}, nil
}

func (h *needHandler) Check(ctx context.Context, row importer.Row) (string, error) {
	ve := &model.ValidationError{}
	unit := h.ownerCheck(ve, row, "submitter_unit_id")
	in := NeedInput{AllianceID: h.target.AllianceID, SubmitterUnitID: unit, Title: h.cell(row, "title"),
		Description: h.cell(row, "description"), Category: h.code(model.DictNeedCategory, h.cell(row, "category")),
		ResourceKind: h.code(model.DictResourceKind, h.cell(row, "resource_kind")), StreetID: h.streetRef(ve, row),
		Quantity: listImportNumber(ve, "quantity", h.cell(row, "quantity")), Measure: h.code(model.DictMeasure, h.cell(row, "measure")),
		Beneficiaries: listImportNumber(ve, "beneficiaries", h.cell(row, "beneficiaries")), Visibility: h.visibility(h.cell(row, "visibility"))}
	if d, ok := listImportDay(h.cell(row, "wanted_by")); ok {
		in.WantedBy = d
	} else {
		ve.Add("wanted_by", model.MsgBadDate)
	}
	if err := h.needs.validate(ctx, ve, &in, nil, h.target.DistrictID); err != nil {
		return "", err
	}
	if ve.Err() == nil {
		h.dup(ve, row, unit, in.Title)
	}
	if ve.Err() != nil {
		return h.reason(row, ve), nil
	}
	n := model.Need{AllianceID: h.target.AllianceID, DistrictID: h.target.DistrictID, SubmitterUnitID: unit, Title: in.Title,
		Description: in.Description, Category: in.Category, ResourceKind: in.ResourceKind, StreetID: in.StreetID, Quantity: in.Quantity,
		Measure: in.Measure, Beneficiaries: int(in.Beneficiaries), WantedBy: in.WantedBy, Visibility: in.Visibility, Status: model.NeedDraft}
	if h.actor.UserID != 0 {
		uid := h.actor.UserID
		n.CreatedBy = &uid
	}
	h.pending = append(h.pending, n)
	return "", nil
}

func (h *needHandler) Pending() int { return len(h.pending) }

func (h *needHandler) Flush(ctx context.Context) (importer.Flushed, error) {
	batch := h.pending
	h.pending = nil
	titles := make([]string, 0, len(batch))
	for _, n := range batch {
		titles = append(titles, n.Title)
	}
	db := h.s.db
	var out importer.Flushed
	fresh := func(ctx context.Context) ([]model.Need, error) {
		have, err := db.ExistingNeedKeys(ctx, h.target.AllianceID, titles)
		if err != nil {
			return nil, err
		}
		var keep []model.Need
		for _, n := range batch {
			if !have[store.ListKey(n.SubmitterUnitID, n.Title)] {
				keep = append(keep, n)
			}
		}
		out.Created, out.Unchanged = len(keep), len(batch)-len(keep)
		return keep, nil
	}
	if h.dryRun {
		_, err := fresh(ctx)
		return out, err
	}
	err := db.WithTx(ctx, func(ctx context.Context) error {
		keep, err := fresh(ctx)
		if err != nil || len(keep) == 0 {
			return err
		}
		for i := range keep {
			if err := db.CreateNeed(ctx, &keep[i]); err != nil {
				return err
			}
		}
		return audit(ctx, db, h.actor, ActionNeedImport, "import_job", h.auditID(), h.target.Domain, h.auditChanges(len(keep), keep[0].ID, keep[len(keep)-1].ID))
	})
	return out, err
}

func (h *listImport) auditID() any {
	if h.jobID == 0 {
		return "cli"
	}
	return h.jobID
}

func (h *listImport) auditChanges(count int, first, last int64) map[string]any {
	c := map[string]any{"count": count, "first_id": first, "last_id": last}
	if h.jobID == 0 {
		c["file"] = filepath.Base(h.file)
	} else {
		c["job_id"] = h.jobID
	}
	return c
}
