package service

import (
	"context"
	"errors"
	"time"

	"tongxin/internal/authz"
	"tongxin/internal/importer"
	"tongxin/internal/model"
	"tongxin/internal/store"
)

// Resources runs the resources list (资源清单): create, edit, publish and
// withdraw a resource, and read the list. Permissions as for needs (see
// Needs): resource:create and resource:update on
// authz.ChainUnit(provider unit, district, alliance); reading follows the
// resource's visibility.
type Resources struct {
	db    *store.DB
	authz *authz.Authorizer
	dict  *Dictionaries
}

// NewResources builds the service.
func NewResources(d Deps) *Resources {
	return &Resources{db: d.DB, authz: d.Authz, dict: NewDictionaries(d)}
}

// Audit actions of resources.
const (
	ActionResourceCreate   = "resource.create"
	ActionResourceUpdate   = "resource.update"
	ActionResourcePublish  = "resource.publish"
	ActionResourceWithdraw = "resource.withdraw"
	ActionResourceExpire   = "resource.expire"
)

// ResourceInput is what a form or the API gives for a resource.
type ResourceInput struct {
	// AllianceID and ProviderUnitID are set on create; a resource never moves.
	AllianceID     int64
	ProviderUnitID int64
	Title          string
	Description    string
	Kind           string
	Category       string // need_category it serves, "" any
	ServiceSiteID  *int64 // required for a venue
	StreetID       *int64
	Capacity       int64
	Measure        string
	AvailableFrom  *time.Time
	AvailableUntil *time.Time
	Visibility     string
	Version        int
}

// ResourcePerms says what the actor may do to one resource now.
type ResourcePerms struct {
	Edit     bool
	Publish  bool
	Withdraw bool
	Claim    bool
	Owner    bool
}

func resourceChain(r *model.Resource) []string {
	return authz.ChainUnit(r.ProviderUnitID, r.DistrictID, r.AllianceID)
}

func (s *Resources) today() time.Time { return AllianceToday(s.db.Now()) }

// Viewer is what the actor may see of the resources list.
func (s *Resources) Viewer(ctx context.Context, actor model.Actor) (store.ListViewer, error) {
	return listViewer(ctx, s.db, s.authz, actor, "resource")
}

// Perms reports what the actor may do to r in its current status.
func (s *Resources) Perms(actor model.Actor, r *model.Resource) ResourcePerms {
	owner := s.authz.Can(actor.UserID, resourceChain(r), "resource", "update")
	return ResourcePerms{
		Owner:    owner,
		Edit:     owner && model.ResourceAllows(model.ListActionEdit, r.Status),
		Publish:  owner && model.ResourceAllows(model.ListActionPublish, r.Status),
		Withdraw: owner && model.ResourceAllows(model.ListActionWithdraw, r.Status),
		Claim:    r.Claimable() && r.Remaining() > 0 && s.authz.CanAnywhere(actor.UserID, "claim", "create"),
	}
}

// CanCreate reports whether the actor may create resources somewhere.
func (s *Resources) CanCreate(actor model.Actor) bool {
	return s.authz.CanAnywhere(actor.UserID, "resource", "create")
}

// CanImport reports whether the actor may import resources somewhere.
func (s *Resources) CanImport(actor model.Actor) bool {
	return s.authz.CanAnywhere(actor.UserID, "resource", "import")
}

// List pages through the resources the actor may see.
func (s *Resources) List(ctx context.Context, actor model.Actor, f store.ResourceFilter, req model.PageRequest) (model.List[store.ResourceRow], error) {
	v, err := s.Viewer(ctx, actor)
	if err != nil {
		return model.List[store.ResourceRow]{}, err
	}
	f.Viewer = v
	return s.db.ListResources(ctx, f, req)
}

// Each calls fn for every resource of the actor's list matching f (exports).
func (s *Resources) Each(ctx context.Context, actor model.Actor, f store.ResourceFilter, req model.PageRequest, fn func(*store.ResourceRow) error) error {
	v, err := s.Viewer(ctx, actor)
	if err != nil {
		return err
	}
	f.Viewer = v
	return s.db.EachResource(ctx, f, req, exportBatch, fn)
}

// Get loads a resource the actor may see; any other id is not found.
func (s *Resources) Get(ctx context.Context, actor model.Actor, id int64) (*store.ResourceRow, error) {
	v, err := s.Viewer(ctx, actor)
	if err != nil {
		return nil, err
	}
	return s.db.ResourceRowFor(ctx, id, v)
}

func (s *Resources) owned(ctx context.Context, actor model.Actor, id int64) (*model.Resource, error) {
	if _, err := s.Get(ctx, actor, id); err != nil {
		return nil, err
	}
	r, err := s.db.ResourceByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if !s.authz.Can(actor.UserID, resourceChain(r), "resource", "update") {
		return nil, model.ErrForbidden
	}
	return r, nil
}

// FormOptions lists the choices of the resource form (see Needs.FormOptions),
// with the service sites of the districts.
func (s *Resources) FormOptions(ctx context.Context, actor model.Actor, r *model.Resource) (ListFormOptions, error) {
	var o ListFormOptions
	district := int64(0)
	var keep []int64
	if r == nil {
		var err error
		if o.Alliances, o.Units, err = listOwnerOptions(ctx, s.db, s.authz, actor, "resource"); err != nil {
			return o, err
		}
	} else {
		district = r.DistrictID
		if r.ServiceSiteID != nil {
			keep = append(keep, *r.ServiceSiteID)
		}
	}
	if err := listPlaces(ctx, s.db, &o, district); err != nil {
		return o, err
	}
	var ds []int64
	for _, st := range o.Streets {
		if len(ds) == 0 || ds[len(ds)-1] != st.DistrictID {
			ds = append(ds, st.DistrictID)
		}
	}
	if district != 0 && len(ds) == 0 {
		ds = []int64{district}
	}
	var err error
	o.Sites, err = s.db.ListSiteOptions(ctx, ds, ListOptionsMax, keep...)
	return o, err
}

func (s *Resources) validate(ctx context.Context, ve *model.ValidationError, in *ResourceInput, prev *model.Resource, districtID int64) error {
	in.Title = model.Text(ve, "title", in.Title, true, ListTitleMax, false)
	in.Description = model.Text(ve, "description", in.Description, false, ListDescriptionMax, true)
	var keep model.Resource
	if prev != nil {
		keep = *prev
	}
	if err := listDictCheck(ctx, s.dict, ve, "kind", model.DictResourceKind, in.Kind, keep.Kind, true, "resource.bad_kind"); err != nil {
		return err
	}
	if err := listDictCheck(ctx, s.dict, ve, "category", model.DictNeedCategory, in.Category, keep.Category, false, "need.bad_category"); err != nil {
		return err
	}
	if err := listDictCheck(ctx, s.dict, ve, "measure", model.DictMeasure, in.Measure, keep.Measure, true, "lists.bad_measure"); err != nil {
		return err
	}
	listQuantityCheck(ve, "capacity", in.Capacity, keep.AcceptedQuantity)
	for _, p := range []**time.Time{&in.AvailableFrom, &in.AvailableUntil} {
		if *p != nil {
			d := (*p).UTC()
			*p = &d
		}
	}
	if in.AvailableFrom != nil && in.AvailableUntil != nil && in.AvailableFrom.After(*in.AvailableUntil) {
		ve.Add("available_until", "resource.until_before_from")
	}
	if in.AvailableUntil != nil {
		unchanged := prev != nil && prev.AvailableUntil != nil && prev.AvailableUntil.UTC().Equal(*in.AvailableUntil)
		if !unchanged && in.AvailableUntil.Before(s.today()) {
			ve.Add("available_until", "resource.until_past")
		}
	}
	listVisibilityCheck(ve, &in.Visibility)
	if in.ServiceSiteID != nil && *in.ServiceSiteID <= 0 {
		in.ServiceSiteID = nil
	}
	if districtID == 0 {
		return nil
	}
	if in.Kind == model.ResourceKindVenue {
		if in.ServiceSiteID == nil {
			ve.Add("service_site_id", "resource.site_required")
		} else {
			site, err := s.db.ListSite(ctx, *in.ServiceSiteID)
			kept := keep.ServiceSiteID != nil && *keep.ServiceSiteID == *in.ServiceSiteID
			switch {
			case errors.Is(err, model.ErrNotFound):
				ve.Add("service_site_id", "resource.bad_site")
			case err != nil:
				return err
			case site.DistrictID != districtID:
				ve.Add("service_site_id", "resource.site_other_district")
			case site.Status != model.StatusActive && !kept:
				ve.Add("service_site_id", "resource.site_inactive")
			default:
				if in.StreetID == nil || *in.StreetID <= 0 {
					sid := site.StreetID
					in.StreetID = &sid
				}
			}
		}
	} else {
		in.ServiceSiteID = nil // only a venue names a site
	}
	var noGrid *int64
	return listPlaceCheck(ctx, s.db, ve, districtID, &in.StreetID, &noGrid, keep.StreetID, nil)
}

// Create makes a draft resource of in.ProviderUnitID in in.AllianceID
// (resource:create on the unit's chain in that alliance).
func (s *Resources) Create(ctx context.Context, actor model.Actor, in ResourceInput) (*model.Resource, error) {
	var r *model.Resource
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		ve := &model.ValidationError{}
		a, err := listOwnerCheck(ctx, s.db, ve, in.AllianceID, in.ProviderUnitID, "provider_unit_id")
		if err != nil {
			return err
		}
		district := int64(0)
		if a != nil {
			district = a.DistrictID
			if in.ProviderUnitID > 0 {
				if err := s.authz.Check(actor.UserID, authz.ChainUnit(in.ProviderUnitID, a.DistrictID, a.ID), "resource", "create"); err != nil {
					return err
				}
			}
		}
		if err := s.validate(ctx, ve, &in, nil, district); err != nil {
			return err
		}
		if err := ve.Err(); err != nil {
			return err
		}
		r = &model.Resource{AllianceID: a.ID, DistrictID: a.DistrictID, ProviderUnitID: in.ProviderUnitID, Title: in.Title,
			Description: in.Description, Kind: in.Kind, Category: in.Category, ServiceSiteID: in.ServiceSiteID, StreetID: in.StreetID,
			Capacity: in.Capacity, Measure: in.Measure, AvailableFrom: in.AvailableFrom, AvailableUntil: in.AvailableUntil,
			Visibility: in.Visibility, Status: model.ResourceDraft}
		if uid := actor.UserID; uid != 0 {
			r.CreatedBy = &uid
		}
		if err := s.db.CreateResource(ctx, r); err != nil {
			return err
		}
		return audit(ctx, s.db, actor, ActionResourceCreate, "resource", r.ID, listDomain(r.AllianceID), map[string]any{
			"alliance_id": r.AllianceID, "provider_unit_id": r.ProviderUnitID, "title": r.Title, "description": r.Description,
			"kind": r.Kind, "category": r.Category, "service_site_id": r.ServiceSiteID, "street_id": r.StreetID,
			"capacity": r.Capacity, "measure": r.Measure, "available_from": listDayString(r.AvailableFrom),
			"available_until": listDayString(r.AvailableUntil), "visibility": r.Visibility, "status": r.Status,
		})
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// Update changes the fields of a resource in draft or available
// (resource:update on its chain). A new capacity equal to the accepted
// quantity makes an available resource exhausted.
func (s *Resources) Update(ctx context.Context, actor model.Actor, id int64, in ResourceInput) (*model.Resource, error) {
	var out *model.Resource
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		prev, err := s.owned(ctx, actor, id)
		if err != nil {
			return err
		}
		if _, err := model.ResourceTransition(model.ListActionEdit, prev.Status); err != nil {
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
		next.Title, next.Description, next.Kind, next.Category = in.Title, in.Description, in.Kind, in.Category
		next.ServiceSiteID, next.StreetID, next.Capacity, next.Measure = in.ServiceSiteID, in.StreetID, in.Capacity, in.Measure
		next.AvailableFrom, next.AvailableUntil, next.Visibility = in.AvailableFrom, in.AvailableUntil, in.Visibility
		next.Status = model.ResourceStatusFor(prev.Status, prev.AcceptedQuantity, in.Capacity)
		if err := s.db.UpdateResource(ctx, &next, in.Version, prev.Status); err != nil {
			return err
		}
		// A smaller capacity closes the pending claims that no longer fit.
		if _, err := closeStrandedClaims(ctx, s.db, actor, model.TargetResource, id); err != nil {
			return err
		}
		if out, err = s.db.ResourceByID(ctx, id); err != nil {
			return err
		}
		return audit(ctx, s.db, actor, ActionResourceUpdate, "resource", id, listDomain(prev.AllianceID), diff(
			"title", prev.Title, out.Title,
			"description", prev.Description, out.Description,
			"kind", prev.Kind, out.Kind,
			"category", prev.Category, out.Category,
			"service_site_id", listPtr(prev.ServiceSiteID), listPtr(out.ServiceSiteID),
			"street_id", listPtr(prev.StreetID), listPtr(out.StreetID),
			"capacity", prev.Capacity, out.Capacity,
			"measure", prev.Measure, out.Measure,
			"available_from", listDayString(prev.AvailableFrom), listDayString(out.AvailableFrom),
			"available_until", listDayString(prev.AvailableUntil), listDayString(out.AvailableUntil),
			"visibility", prev.Visibility, out.Visibility,
			"status", prev.Status, out.Status))
	})
	return out, err
}

// Publish makes a draft resource available (发布).
func (s *Resources) Publish(ctx context.Context, actor model.Actor, id int64, version int) (*model.Resource, error) {
	return s.transition(ctx, actor, id, version, model.ListActionPublish, ActionResourcePublish, "")
}

// Withdraw takes an available or exhausted resource off the list (撤回),
// with a reason.
func (s *Resources) Withdraw(ctx context.Context, actor model.Actor, id int64, version int, reason string) (*model.Resource, error) {
	return s.transition(ctx, actor, id, version, model.ListActionWithdraw, ActionResourceWithdraw, reason)
}

func (s *Resources) transition(ctx context.Context, actor model.Actor, id int64, version int, action, auditAction, reason string) (*model.Resource, error) {
	var out *model.Resource
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		prev, err := s.owned(ctx, actor, id)
		if err != nil {
			return err
		}
		to, err := model.ResourceTransition(action, prev.Status)
		if err != nil {
			return err
		}
		ve := &model.ValidationError{}
		if action == model.ListActionWithdraw {
			reason = model.Text(ve, "reason", reason, true, ListReasonMax, true)
		}
		if err := ve.Err(); err != nil {
			return err
		}
		if err := checkVersion(ctx, s.db, "resource", id, version, prev.Version); err != nil {
			return err
		}
		if to == model.ResourceAvailable && prev.AvailableUntil != nil && prev.AvailableUntil.UTC().Before(s.today()) {
			return model.Rule("resource_until_past", "resource.publish_until_past")
		}
		if err := s.db.SetResourceStatus(ctx, id, version, prev.Status, to, reason); err != nil {
			return err
		}
		// A withdrawn resource takes no more claims: its pending ones are closed.
		if _, err := closeStrandedClaims(ctx, s.db, actor, model.TargetResource, id); err != nil {
			return err
		}
		if out, err = s.db.ResourceByID(ctx, id); err != nil {
			return err
		}
		changes := map[string]any{"status": Change{prev.Status, out.Status}}
		if reason != "" {
			changes["reason"] = reason
		}
		return audit(ctx, s.db, actor, auditAction, "resource", id, listDomain(prev.AllianceID), changes)
	})
	return out, err
}

// ---- import (导入资源) ----

// resourceHandler imports resources as drafts of the target alliance (see
// needHandler); a venue's site is named by its name in the district.
type resourceHandler struct {
	*listImport
	resources *Resources
	sites     map[string]int64 // site name → id, in the district
	pending   []model.Resource
}

func (s *Imports) newResourceHandler(ctx context.Context, actor model.Actor, target ImportTarget, spec importer.Spec, jobID int64, dryRun bool) (*resourceHandler, error) {
	base, err := s.newListImport(ctx, actor, target, spec, jobID, dryRun)
	if err != nil {
		return nil, err
	}
	h := &resourceHandler{listImport: base, resources: NewResources(Deps{DB: s.db, Authz: s.authz}), sites: map[string]int64{}}
	sites, err := s.db.ListSiteOptions(ctx, []int64{target.DistrictID}, 100000)
	if err != nil {
		return nil, err
	}
	for _, st := range sites {
		if _, taken := h.sites[st.Name]; !taken {
			h.sites[st.Name] = st.ID
		}
	}
	return h, nil
}

func (h *resourceHandler) Check(ctx context.Context, row importer.Row) (string, error) {
	ve := &model.ValidationError{}
	unit := h.ownerCheck(ve, row, "provider_unit_id")
	in := ResourceInput{AllianceID: h.target.AllianceID, ProviderUnitID: unit, Title: h.cell(row, "title"),
		Description: h.cell(row, "description"), Kind: h.code(model.DictResourceKind, h.cell(row, "kind")),
		Category: h.code(model.DictNeedCategory, h.cell(row, "category")), StreetID: h.streetRef(ve, row),
		Capacity: listImportNumber(ve, "capacity", h.cell(row, "capacity")), Measure: h.code(model.DictMeasure, h.cell(row, "measure")),
		Visibility: h.visibility(h.cell(row, "visibility"))}
	if v := h.cell(row, "service_site_id"); v != "" {
		id, ok := h.sites[v]
		switch {
		case !ok:
			ve.AddArgs("service_site_id", MsgImportBadSiteRow, v)
		case in.Kind != model.ResourceKindVenue && in.Kind != "":
			// Only a venue names a site: the form would drop it, a sheet says so.
			ve.AddArgs("service_site_id", MsgImportSiteNotVenue, v, h.cell(row, "kind"))
		default:
			in.ServiceSiteID = &id
		}
	}
	for field, dst := range map[string]**time.Time{"available_from": &in.AvailableFrom, "available_until": &in.AvailableUntil} {
		if d, ok := listImportDay(h.cell(row, field)); ok {
			*dst = d
		} else {
			ve.Add(field, model.MsgBadDate)
		}
	}
	if err := h.resources.validate(ctx, ve, &in, nil, h.target.DistrictID); err != nil {
		return "", err
	}
	if ve.Err() == nil {
		h.dup(ve, row, unit, in.Title)
	}
	if ve.Err() != nil {
		return h.reason(row, ve), nil
	}
	r := model.Resource{AllianceID: h.target.AllianceID, DistrictID: h.target.DistrictID, ProviderUnitID: unit, Title: in.Title,
		Description: in.Description, Kind: in.Kind, Category: in.Category, ServiceSiteID: in.ServiceSiteID, StreetID: in.StreetID,
		Capacity: in.Capacity, Measure: in.Measure, AvailableFrom: in.AvailableFrom, AvailableUntil: in.AvailableUntil,
		Visibility: in.Visibility, Status: model.ResourceDraft}
	if h.actor.UserID != 0 {
		uid := h.actor.UserID
		r.CreatedBy = &uid
	}
	h.pending = append(h.pending, r)
	return "", nil
}

func (h *resourceHandler) Pending() int { return len(h.pending) }

func (h *resourceHandler) Flush(ctx context.Context) (importer.Flushed, error) {
	batch := h.pending
	h.pending = nil
	titles := make([]string, 0, len(batch))
	for _, r := range batch {
		titles = append(titles, r.Title)
	}
	db := h.s.db
	var out importer.Flushed
	fresh := func(ctx context.Context) ([]model.Resource, error) {
		have, err := db.ExistingResourceKeys(ctx, h.target.AllianceID, titles)
		if err != nil {
			return nil, err
		}
		var keep []model.Resource
		for _, r := range batch {
			if !have[store.ListKey(r.ProviderUnitID, r.Title)] {
				keep = append(keep, r)
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
			if err := db.CreateResource(ctx, &keep[i]); err != nil {
				return err
			}
		}
		return audit(ctx, db, h.actor, ActionResourceImport, "import_job", h.auditID(), h.target.Domain, h.auditChanges(len(keep), keep[0].ID, keep[len(keep)-1].ID))
	})
	return out, err
}
