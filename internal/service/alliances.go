package service

import (
	"context"
	"errors"
	"slices"
	"time"

	"tongxin/internal/authz"
	"tongxin/internal/model"
	"tongxin/internal/store"
)

// Alliances runs the alliances (联盟), their memberships (成员单位, with rank
// and 共建责任书) and their committees (专委会).
//
// Permissions: reading an alliance, its members and its committees is
// alliance:read on the alliance's chain (there is no committee:read);
// creating and (de)activating an alliance is alliance:manage on its
// district's chain; editing it is alliance:update on its own chain (the
// secretary holds update, district admins manage and update); memberships
// are membership:manage and committees committee:manage, both on the
// alliance's chain.
type Alliances struct {
	db    *store.DB
	authz *authz.Authorizer
}

// NewAlliances builds the service; it holds only the database and the authorizer.
func NewAlliances(d Deps) *Alliances { return &Alliances{db: d.DB, authz: d.Authz} }

// Audit actions of this service.
const (
	ActionAllianceCreate        = "alliance.create"
	ActionAllianceUpdate        = "alliance.update"
	ActionAllianceDeactivate    = "alliance.deactivate"
	ActionAllianceActivate      = "alliance.activate"
	ActionMembershipCreate      = "membership.create"
	ActionMembershipUpdate      = "membership.update"
	ActionMembershipLeave       = "membership.leave"
	ActionCommitteeCreate       = "committee.create"
	ActionCommitteeUpdate       = "committee.update"
	ActionCommitteeDeactivate   = "committee.deactivate"
	ActionCommitteeActivate     = "committee.activate"
	ActionCommitteeMemberAdd    = "committee.member_add"
	ActionCommitteeMemberRemove = "committee.member_remove"
)

// Limits of the alliance fields.
const (
	AllianceNameMax        = 100
	AllianceDescriptionMax = 2000
	CommitteeNameMax       = 100
	CommitteeThemeMax      = 200
	// MemberCandidatesMax caps the units the add-member select offers.
	MemberCandidatesMax = 2000
)

// allianceZone is the calendar the product's "today" follows.
var allianceZone = time.FixedZone("CST", 8*3600)

// AllianceToday is today's date in Asia/Shanghai as a DATE value (midnight UTC).
func AllianceToday(now time.Time) time.Time {
	n := now.In(allianceZone)
	return time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, time.UTC)
}

func (s *Alliances) today() time.Time { return AllianceToday(s.db.Now()) }

func allianceDomain(id int64) string { return model.DomainOf(model.DomainAlliance, id) }

func allianceChain(a *model.Alliance) []string { return authz.ChainAlliance(a.ID, a.DistrictID) }

// allianceDayString formats a DATE for the audit log ("" → nil).
func allianceDayString(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC().Format(time.DateOnly)
}

// ---- 联盟 ----

// AllianceInput is what a form or the API gives for an alliance.
type AllianceInput struct {
	Name       string
	Kind       string
	Level      string
	DistrictID int64 // create only; an alliance never moves to another district
	StreetID   *int64
	// FoundedOn is a calendar day (midnight UTC), nil when unknown.
	FoundedOn   *time.Time
	Description string
	// Version guards an edit (ignored on create).
	Version int
}

// AlliancePerms says what the actor may do to one alliance (the page's buttons).
type AlliancePerms struct {
	Update     bool // edit the fields
	Manage     bool // deactivate, activate
	Members    bool // add, change, end memberships
	Committees bool // create and run committees
}

// Perms reports what the actor may do to a.
func (s *Alliances) Perms(actor model.Actor, a *model.Alliance) AlliancePerms {
	ch := allianceChain(a)
	return AlliancePerms{
		Update:     s.authz.Can(actor.UserID, ch, "alliance", "update"),
		Manage:     s.authz.Can(actor.UserID, ch, "alliance", "manage"),
		Members:    s.authz.Can(actor.UserID, ch, "membership", "manage"),
		Committees: s.authz.Can(actor.UserID, ch, "committee", "manage"),
	}
}

// List pages through the alliances the actor may read.
func (s *Alliances) List(ctx context.Context, actor model.Actor, f store.AllianceFilter, req model.PageRequest) (model.List[store.AllianceRow], error) {
	f.Scope = s.authz.Scope(actor.UserID, "alliance", "read")
	return s.db.ListAlliances(ctx, f, req)
}

// Each calls fn for every alliance the actor may read that matches f, in
// the order req asks for (exports).
func (s *Alliances) Each(ctx context.Context, actor model.Actor, f store.AllianceFilter, req model.PageRequest, fn func(*store.AllianceRow) error) error {
	f.Scope = s.authz.Scope(actor.UserID, "alliance", "read")
	return s.db.EachAlliance(ctx, f, req, exportBatch, fn)
}

// Get loads one alliance the actor may read.
func (s *Alliances) Get(ctx context.Context, actor model.Actor, id int64) (*store.AllianceRow, error) {
	a, err := s.db.AllianceRowByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.authz.Check(actor.UserID, allianceChain(&a.Alliance), "alliance", "read"); err != nil {
		return nil, err
	}
	return a, nil
}

// Districts lists the districts in which the actor holds action on
// alliances (read for the list's filter, manage for the create form).
func (s *Alliances) Districts(ctx context.Context, actor model.Actor, action string) ([]model.District, error) {
	sc := s.authz.Scope(actor.UserID, "alliance", action)
	if !sc.All && len(sc.Districts) == 0 {
		return nil, nil
	}
	all, err := s.db.Districts(ctx)
	if err != nil || sc.All {
		return all, err
	}
	out := make([]model.District, 0, len(sc.Districts))
	for _, d := range all {
		if slices.Contains(sc.Districts, d.ID) {
			out = append(out, d)
		}
	}
	return out, nil
}

// Kinds lists the alliance_kind dictionary (active and inactive).
func (s *Alliances) Kinds(ctx context.Context) ([]model.DictionaryItem, error) {
	return s.db.AllianceKindOptions(ctx)
}

// Streets lists the active streets of the districts (for the form's select).
func (s *Alliances) Streets(ctx context.Context, districts []model.District) ([]model.Street, error) {
	ids := make([]int64, 0, len(districts))
	for _, d := range districts {
		ids = append(ids, d.ID)
	}
	return s.db.AllianceStreetOptions(ctx, ids, false)
}

// AllianceOptions lists the active alliances by district, then name: the
// security admin's role grant form offers them as domains of
// alliance_secretary.
func (s *Alliances) AllianceOptions(ctx context.Context) ([]model.Alliance, error) {
	return s.db.ActiveAlliances(ctx)
}

// validate checks in against the database; prev is the stored alliance on
// an edit (its district and kind count), nil on create.
func (s *Alliances) validate(ctx context.Context, in *AllianceInput, prev *model.Alliance) error {
	ve := &model.ValidationError{}
	in.Name = model.Text(ve, "name", in.Name, true, AllianceNameMax, false)
	in.Description = model.Text(ve, "description", in.Description, false, AllianceDescriptionMax, true)
	if prev != nil {
		in.DistrictID = prev.DistrictID
	}
	districtOK := false
	if in.DistrictID == 0 {
		ve.Add("district_id", model.MsgRequired)
	} else if ok, err := s.db.DomainExists(ctx, model.DomainDistrict, in.DistrictID); err != nil {
		return err
	} else if !ok {
		ve.Add("district_id", "alliance.bad_district")
	} else {
		districtOK = true
	}
	if in.Kind == "" {
		ve.Add("kind", model.MsgRequired)
	} else if prev == nil || in.Kind != prev.Kind {
		kinds, err := s.db.AllianceKindOptions(ctx)
		if err != nil {
			return err
		}
		if !slices.ContainsFunc(kinds, func(k model.DictionaryItem) bool { return k.Code == in.Kind && k.Active }) {
			ve.Add("kind", "alliance.bad_kind")
		}
	}
	switch in.Level {
	case model.LevelDistrict:
		in.StreetID = nil
	case model.LevelStreet:
		if in.StreetID == nil || *in.StreetID <= 0 {
			ve.Add("street_id", "alliance.street_required")
			break
		}
		st, err := s.db.AllianceStreet(ctx, *in.StreetID)
		switch {
		case errors.Is(err, model.ErrNotFound):
			ve.Add("street_id", "alliance.bad_street")
		case err != nil:
			return err
		case districtOK && st.DistrictID != in.DistrictID:
			ve.Add("street_id", "alliance.street_other_district")
		case st.Status != model.StatusActive && (prev == nil || prev.StreetID == nil || *prev.StreetID != st.ID):
			ve.Add("street_id", "alliance.street_inactive")
		}
	case "":
		ve.Add("level", model.MsgRequired)
	default:
		ve.Add("level", "alliance.bad_level")
	}
	if in.FoundedOn != nil {
		d := in.FoundedOn.UTC()
		in.FoundedOn = &d
		if d.After(s.today()) {
			ve.Add("founded_on", "alliance.date_future")
		}
	}
	if _, bad := ve.Fields["name"]; !bad && districtOK {
		except := int64(0)
		if prev != nil {
			except = prev.ID
		}
		taken, err := s.db.AllianceNameTaken(ctx, in.DistrictID, in.Name, except)
		if err != nil {
			return err
		}
		if taken {
			ve.Add("name", "alliance.name_taken")
		}
	}
	return ve.Err()
}

// Create makes an alliance in in.DistrictID (alliance:manage there).
func (s *Alliances) Create(ctx context.Context, actor model.Actor, in AllianceInput) (*model.Alliance, error) {
	if in.DistrictID != 0 {
		if err := s.authz.Check(actor.UserID, authz.ChainDistrict(in.DistrictID), "alliance", "manage"); err != nil {
			return nil, err
		}
	}
	var a *model.Alliance
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		if err := s.validate(ctx, &in, nil); err != nil {
			return err
		}
		a = &model.Alliance{Name: in.Name, Kind: in.Kind, Level: in.Level, DistrictID: in.DistrictID, StreetID: in.StreetID,
			FoundedOn: in.FoundedOn, Description: in.Description, Status: model.StatusActive}
		if err := s.db.CreateAlliance(ctx, a); err != nil {
			return err
		}
		return audit(ctx, s.db, actor, ActionAllianceCreate, "alliance", a.ID, allianceDomain(a.ID), map[string]any{
			"name": a.Name, "kind": a.Kind, "level": a.Level, "district_id": a.DistrictID, "street_id": a.StreetID,
			"founded_on": allianceDayString(a.FoundedOn), "description": a.Description,
		})
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// Update changes the fields of an alliance (alliance:update on its chain);
// a stale version answers a ConflictError.
func (s *Alliances) Update(ctx context.Context, actor model.Actor, id int64, in AllianceInput) (*model.Alliance, error) {
	var out *model.Alliance
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		prev, err := s.db.AllianceByID(ctx, id)
		if err != nil {
			return err
		}
		if err := s.authz.Check(actor.UserID, allianceChain(prev), "alliance", "update"); err != nil {
			return err
		}
		if err := model.RequireVersion(in.Version); err != nil {
			return err
		}
		if err := s.validate(ctx, &in, prev); err != nil {
			return err
		}
		next := *prev
		next.Name, next.Kind, next.Level, next.StreetID, next.FoundedOn, next.Description =
			in.Name, in.Kind, in.Level, in.StreetID, in.FoundedOn, in.Description
		if err := s.db.UpdateAlliance(ctx, &next, in.Version); err != nil {
			return err
		}
		if out, err = s.db.AllianceByID(ctx, id); err != nil {
			return err
		}
		return audit(ctx, s.db, actor, ActionAllianceUpdate, "alliance", id, allianceDomain(id), diff(
			"name", prev.Name, out.Name,
			"kind", prev.Kind, out.Kind,
			"level", prev.Level, out.Level,
			"street_id", alliancePtrVal(prev.StreetID), alliancePtrVal(out.StreetID),
			"founded_on", allianceDayString(prev.FoundedOn), allianceDayString(out.FoundedOn),
			"description", prev.Description, out.Description))
	})
	return out, err
}

func alliancePtrVal[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

// SetActive deactivates or activates an alliance (alliance:manage on its
// chain). Setting the status it already has changes nothing; otherwise the
// version must match.
func (s *Alliances) SetActive(ctx context.Context, actor model.Actor, id int64, version int, active bool) (*model.Alliance, error) {
	status, action := model.StatusInactive, ActionAllianceDeactivate
	if active {
		status, action = model.StatusActive, ActionAllianceActivate
	}
	var out *model.Alliance
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		prev, err := s.db.AllianceByID(ctx, id)
		if err != nil {
			return err
		}
		if err := s.authz.Check(actor.UserID, allianceChain(prev), "alliance", "manage"); err != nil {
			return err
		}
		if err := model.CheckVersion(version, prev.Version); err != nil {
			return err
		}
		if prev.Status == status {
			out = prev
			return nil
		}
		if err := s.db.SetAllianceStatus(ctx, id, version, status); err != nil {
			return err
		}
		if out, err = s.db.AllianceByID(ctx, id); err != nil {
			return err
		}
		return audit(ctx, s.db, actor, action, "alliance", id, allianceDomain(id), map[string]Change{"status": {prev.Status, status}})
	})
	return out, err
}

// ---- 成员单位 ----

// MemberInput adds a unit to an alliance.
type MemberInput struct {
	UnitID int64
	Rank   string
	// JoinedOn is a calendar day; nil means today.
	JoinedOn       *time.Time
	LetterSignedOn *time.Time
}

// MemberChange changes a current membership.
type MemberChange struct {
	Rank           string
	LetterSignedOn *time.Time
	// Version is the membership's version the editor read (required).
	Version int
}

// allianceFor loads an alliance and checks act on obj on its chain.
func (s *Alliances) allianceFor(ctx context.Context, actor model.Actor, id int64, obj, act string) (*model.Alliance, error) {
	a, err := s.db.AllianceByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.authz.Check(actor.UserID, allianceChain(a), obj, act); err != nil {
		return nil, err
	}
	return a, nil
}

// Members pages through an alliance's memberships (current by default).
func (s *Alliances) Members(ctx context.Context, actor model.Actor, allianceID int64, f store.MembershipFilter, req model.PageRequest) (model.List[store.MemberRow], error) {
	if _, err := s.allianceFor(ctx, actor, allianceID, "alliance", "read"); err != nil {
		return model.List[store.MemberRow]{}, err
	}
	f.AllianceID = allianceID
	return s.db.ListMemberships(ctx, f, req)
}

// Member loads one membership of the alliance.
func (s *Alliances) Member(ctx context.Context, actor model.Actor, allianceID, id int64) (*store.MemberRow, error) {
	if _, err := s.allianceFor(ctx, actor, allianceID, "alliance", "read"); err != nil {
		return nil, err
	}
	return s.memberOf(ctx, allianceID, id)
}

func (s *Alliances) memberOf(ctx context.Context, allianceID, id int64) (*store.MemberRow, error) {
	m, err := s.db.MembershipByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if m.AllianceID != allianceID {
		return nil, model.NotFound("membership", id)
	}
	return m, nil
}

// MemberCandidates lists the units that may join the alliance: active
// units of its district that are not current members (at most
// MemberCandidatesMax, by name).
func (s *Alliances) MemberCandidates(ctx context.Context, actor model.Actor, allianceID int64) ([]store.AllianceUnitOption, error) {
	a, err := s.allianceFor(ctx, actor, allianceID, "membership", "manage")
	if err != nil {
		return nil, err
	}
	return s.db.MembershipCandidates(ctx, a.ID, a.DistrictID, MemberCandidatesMax)
}

func allianceValidRank(ve *model.ValidationError, rank string) {
	switch rank {
	case model.RankCouncil, model.RankMember:
	case "":
		ve.Add("rank", model.MsgRequired)
	default:
		ve.Add("rank", "membership.bad_rank")
	}
}

func (s *Alliances) notFuture(ve *model.ValidationError, field string, d *time.Time) *time.Time {
	if d == nil {
		return nil
	}
	u := d.UTC()
	if u.After(s.today()) {
		ve.Add(field, "alliance.date_future")
	}
	return &u
}

// AddMember makes a unit of the alliance's district a member (membership:manage
// on the alliance's chain). A unit that left may join again: a new row.
func (s *Alliances) AddMember(ctx context.Context, actor model.Actor, allianceID int64, in MemberInput) (*store.MemberRow, error) {
	var out *store.MemberRow
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		a, err := s.allianceFor(ctx, actor, allianceID, "membership", "manage")
		if err != nil {
			return err
		}
		if a.Status != model.StatusActive {
			return model.Rule("alliance_inactive", "alliance.inactive")
		}
		ve := &model.ValidationError{}
		if in.UnitID <= 0 {
			ve.Add("unit_id", model.MsgRequired)
		} else {
			u, err := s.db.AllianceUnit(ctx, in.UnitID)
			switch {
			case errors.Is(err, model.ErrNotFound):
				ve.Add("unit_id", "membership.unit_unknown")
			case err != nil:
				return err
			case u.DistrictID != a.DistrictID:
				ve.Add("unit_id", "membership.unit_other_district")
			case u.Status != model.StatusActive:
				ve.Add("unit_id", "membership.unit_inactive")
			default:
				member, err := s.db.IsCurrentMember(ctx, a.ID, u.ID)
				if err != nil {
					return err
				}
				if member {
					ve.Add("unit_id", "membership.already_member")
				}
			}
		}
		allianceValidRank(ve, in.Rank)
		joined := s.today()
		if in.JoinedOn != nil {
			joined = *s.notFuture(ve, "joined_on", in.JoinedOn)
		}
		letter := s.notFuture(ve, "letter_signed_on", in.LetterSignedOn)
		if err := ve.Err(); err != nil {
			return err
		}
		m := &model.Membership{AllianceID: a.ID, UnitID: in.UnitID, Rank: in.Rank, JoinedOn: joined, LetterSignedOn: letter}
		if err := s.db.CreateMembership(ctx, m); err != nil {
			return err
		}
		if out, err = s.db.MembershipByID(ctx, m.ID); err != nil {
			return err
		}
		if err := s.db.Notify(ctx, authz.Channel, "membership"); err != nil {
			return err
		}
		return audit(ctx, s.db, actor, ActionMembershipCreate, "membership", m.ID, allianceDomain(a.ID), map[string]any{
			"alliance_id": a.ID, "unit_id": m.UnitID, "unit_name": out.UnitName, "rank": m.Rank,
			"joined_on": allianceDayString(&m.JoinedOn), "letter_signed_on": allianceDayString(m.LetterSignedOn),
		})
	})
	return out, s.membersChanged(ctx, err)
}

// UpdateMember changes the rank and the letter date of a current membership.
func (s *Alliances) UpdateMember(ctx context.Context, actor model.Actor, allianceID, id int64, in MemberChange) (*store.MemberRow, error) {
	var out *store.MemberRow
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		if _, err := s.allianceFor(ctx, actor, allianceID, "membership", "manage"); err != nil {
			return err
		}
		prev, err := s.memberOf(ctx, allianceID, id)
		if err != nil {
			return err
		}
		if prev.LeftOn != nil {
			return model.Rule("membership_left", "membership.already_left")
		}
		if err := model.CheckVersion(in.Version, prev.Version); err != nil {
			return err
		}
		ve := &model.ValidationError{}
		allianceValidRank(ve, in.Rank)
		letter := s.notFuture(ve, "letter_signed_on", in.LetterSignedOn)
		// A letter recorded at an annual meeting cannot be dated before it
		// (the meeting's letters section refuses them before it is held).
		if letter != nil && prev.LetterMeetingID != nil {
			m, err := s.db.MeetingByID(ctx, *prev.LetterMeetingID)
			switch {
			case errors.Is(err, model.ErrNotFound):
			case err != nil:
				return err
			default:
				h := m.HeldOn.UTC()
				if held := time.Date(h.Year(), h.Month(), h.Day(), 0, 0, 0, 0, time.UTC); letter.Before(held) {
					ve.AddArgs("letter_signed_on", "membership.letter_before_meeting", m.Title, held.Format(time.DateOnly))
				}
			}
		}
		if err := ve.Err(); err != nil {
			return err
		}
		if err := s.db.UpdateMembership(ctx, id, in.Version, in.Rank, letter); err != nil {
			return err
		}
		if out, err = s.db.MembershipByID(ctx, id); err != nil {
			return err
		}
		return audit(ctx, s.db, actor, ActionMembershipUpdate, "membership", id, allianceDomain(allianceID), diff(
			"rank", prev.Rank, out.Rank,
			"letter_signed_on", allianceDayString(prev.LetterSignedOn), allianceDayString(out.LetterSignedOn)))
	})
	return out, err
}

// LeaveMember ends a current membership on leftOn (nil: today). The row is
// kept as history; the unit also leaves the alliance's committees (and stops
// convening any).
func (s *Alliances) LeaveMember(ctx context.Context, actor model.Actor, allianceID, id int64, version int, leftOn *time.Time) (*store.MemberRow, error) {
	var out *store.MemberRow
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		if _, err := s.allianceFor(ctx, actor, allianceID, "membership", "manage"); err != nil {
			return err
		}
		prev, err := s.memberOf(ctx, allianceID, id)
		if err != nil {
			return err
		}
		if prev.LeftOn != nil {
			return model.Rule("membership_left", "membership.already_left")
		}
		if err := model.CheckVersion(version, prev.Version); err != nil {
			return err
		}
		ve := &model.ValidationError{}
		left := s.today()
		if leftOn != nil {
			left = *s.notFuture(ve, "left_on", leftOn)
		}
		if left.Before(prev.JoinedOn.UTC()) {
			ve.AddArgs("left_on", "membership.left_before_joined", prev.JoinedOn.UTC().Format(time.DateOnly))
		}
		if err := ve.Err(); err != nil {
			return err
		}
		committees, err := s.db.CommitteesOfUnitIn(ctx, allianceID, prev.UnitID)
		if err != nil {
			return err
		}
		if err := s.db.EndMembership(ctx, id, version, left); err != nil {
			return err
		}
		if err := s.db.DropUnitFromCommittees(ctx, allianceID, prev.UnitID); err != nil {
			return err
		}
		if out, err = s.db.MembershipByID(ctx, id); err != nil {
			return err
		}
		changes := map[string]any{"unit_id": prev.UnitID, "unit_name": prev.UnitName, "left_on": allianceDayString(&left)}
		if len(committees) > 0 {
			changes["committees_left"] = committees
		}
		if err := s.db.Notify(ctx, authz.Channel, "membership"); err != nil {
			return err
		}
		return audit(ctx, s.db, actor, ActionMembershipLeave, "membership", id, allianceDomain(allianceID), changes)
	})
	return out, s.membersChanged(ctx, err)
}

// ---- 专委会 ----

// CommitteeInput is what a form or the API gives for a committee.
type CommitteeInput struct {
	AllianceID     int64 // create only
	Name           string
	Theme          string
	ConvenorUnitID *int64
	// MemberUnitIDs are the first members (create only); the convenor is
	// always a member.
	MemberUnitIDs []int64
	// Version guards an edit (required; ignored on create).
	Version int
}

// CommitteePerms says what the actor may do to a committee.
type CommitteePerms struct {
	Manage bool
}

func allianceCommitteeChain(c *store.CommitteeRow) []string {
	return authz.ChainCommittee(c.ID, c.AllianceID, c.DistrictID)
}

// CommitteePermsOf reports what the actor may do to c.
func (s *Alliances) CommitteePermsOf(actor model.Actor, c *store.CommitteeRow) CommitteePerms {
	return CommitteePerms{Manage: s.authz.Can(actor.UserID, allianceCommitteeChain(c), "committee", "manage")}
}

// ListCommittees pages through the committees of the alliances the actor may read.
func (s *Alliances) ListCommittees(ctx context.Context, actor model.Actor, f store.CommitteeFilter, req model.PageRequest) (model.List[store.CommitteeRow], error) {
	f.Scope = s.authz.Scope(actor.UserID, "alliance", "read")
	return s.db.ListCommittees(ctx, f, req)
}

// EachCommittee calls fn for every committee the actor may read that matches f.
func (s *Alliances) EachCommittee(ctx context.Context, actor model.Actor, f store.CommitteeFilter, req model.PageRequest, fn func(*store.CommitteeRow) error) error {
	f.Scope = s.authz.Scope(actor.UserID, "alliance", "read")
	return s.db.EachCommittee(ctx, f, req, exportBatch, fn)
}

// CommitteesOf lists an alliance's committees.
func (s *Alliances) CommitteesOf(ctx context.Context, actor model.Actor, allianceID int64) ([]store.CommitteeRow, error) {
	if _, err := s.allianceFor(ctx, actor, allianceID, "alliance", "read"); err != nil {
		return nil, err
	}
	return s.db.CommitteesOfAlliance(ctx, allianceID)
}

// Committee loads a committee and its members.
func (s *Alliances) Committee(ctx context.Context, actor model.Actor, id int64) (*store.CommitteeRow, []store.CommitteeMemberRow, error) {
	c, err := s.db.CommitteeByID(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if err := s.authz.Check(actor.UserID, allianceCommitteeChain(c), "alliance", "read"); err != nil {
		return nil, nil, err
	}
	ms, err := s.db.CommitteeMembers(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	return c, ms, nil
}

// committeeFor loads a committee and checks committee:manage on its alliance's chain.
func (s *Alliances) committeeFor(ctx context.Context, actor model.Actor, id int64) (*store.CommitteeRow, error) {
	c, err := s.db.CommitteeByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.authz.Check(actor.UserID, allianceCommitteeChain(c), "committee", "manage"); err != nil {
		return nil, err
	}
	return c, nil
}

// CommitteeAlliances lists the active alliances in which the actor may
// create committees (the create form's select), by name, at most 200.
func (s *Alliances) CommitteeAlliances(ctx context.Context, actor model.Actor) ([]store.AllianceRow, error) {
	f := store.AllianceFilter{Status: model.StatusActive, Scope: s.authz.Scope(actor.UserID, "committee", "manage")}
	l, err := s.db.ListAlliances(ctx, f, model.PageRequest{Limit: model.MaxPageSize})
	return l.Items, err
}

// CommitteeUnits lists the units a committee of the alliance may hold: its
// current members (the actor must hold committee:manage there).
func (s *Alliances) CommitteeUnits(ctx context.Context, actor model.Actor, allianceID int64) ([]store.AllianceUnitOption, error) {
	if _, err := s.allianceFor(ctx, actor, allianceID, "committee", "manage"); err != nil {
		return nil, err
	}
	return s.db.CurrentMemberUnits(ctx, allianceID)
}

// checkCommitteeFields validates name, theme and convenor of a committee of
// alliance a (exceptID: the committee being edited).
func (s *Alliances) checkCommitteeFields(ctx context.Context, ve *model.ValidationError, a int64, in *CommitteeInput, exceptID int64) error {
	in.Name = model.Text(ve, "name", in.Name, true, CommitteeNameMax, false)
	in.Theme = model.Text(ve, "theme", in.Theme, false, CommitteeThemeMax, false)
	if _, bad := ve.Fields["name"]; !bad {
		taken, err := s.db.CommitteeNameTaken(ctx, a, in.Name, exceptID)
		if err != nil {
			return err
		}
		if taken {
			ve.Add("name", "committee.name_taken")
		}
	}
	if in.ConvenorUnitID != nil && *in.ConvenorUnitID <= 0 {
		in.ConvenorUnitID = nil
	}
	if in.ConvenorUnitID != nil {
		ok, err := s.db.IsCurrentMember(ctx, a, *in.ConvenorUnitID)
		if err != nil {
			return err
		}
		if !ok {
			ve.Add("convenor_unit_id", "committee.convenor_not_member")
		}
	}
	return nil
}

// CreateCommittee makes a committee of an alliance (committee:manage on its chain).
func (s *Alliances) CreateCommittee(ctx context.Context, actor model.Actor, in CommitteeInput) (*store.CommitteeRow, error) {
	if in.AllianceID <= 0 {
		ve := (&model.ValidationError{}).Add("alliance_id", model.MsgRequired)
		in.Name = model.Text(ve, "name", in.Name, true, CommitteeNameMax, false)
		return nil, ve
	}
	var out *store.CommitteeRow
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		a, err := s.allianceFor(ctx, actor, in.AllianceID, "committee", "manage")
		if err != nil {
			return err
		}
		if a.Status != model.StatusActive {
			return model.Rule("alliance_inactive", "alliance.inactive")
		}
		ve := &model.ValidationError{}
		if err := s.checkCommitteeFields(ctx, ve, a.ID, &in, 0); err != nil {
			return err
		}
		members := []int64{}
		for _, u := range in.MemberUnitIDs {
			if u > 0 && !slices.Contains(members, u) {
				members = append(members, u)
			}
		}
		for _, u := range members {
			ok, err := s.db.IsCurrentMember(ctx, a.ID, u)
			if err != nil {
				return err
			}
			if !ok {
				ve.Add("member_unit_ids", "committee.unit_not_member")
			}
		}
		if err := ve.Err(); err != nil {
			return err
		}
		if in.ConvenorUnitID != nil && !slices.Contains(members, *in.ConvenorUnitID) {
			members = append(members, *in.ConvenorUnitID)
		}
		c := &model.Committee{AllianceID: a.ID, Name: in.Name, Theme: in.Theme, ConvenorUnitID: in.ConvenorUnitID, Status: model.StatusActive}
		if err := s.db.CreateCommittee(ctx, c); err != nil {
			return err
		}
		for _, u := range members {
			if _, err := s.db.AddCommitteeMember(ctx, c.ID, u); err != nil {
				return err
			}
		}
		if out, err = s.db.CommitteeByID(ctx, c.ID); err != nil {
			return err
		}
		if err := s.db.Notify(ctx, authz.Channel, "membership"); err != nil {
			return err
		}
		return audit(ctx, s.db, actor, ActionCommitteeCreate, "committee", c.ID, allianceDomain(a.ID), map[string]any{
			"alliance_id": a.ID, "name": c.Name, "theme": c.Theme, "convenor_unit_id": c.ConvenorUnitID, "member_unit_ids": members,
		})
	})
	return out, s.membersChanged(ctx, err)
}

// UpdateCommittee changes name, theme and convenor (a current member of the
// alliance; it becomes a committee member if it was not).
func (s *Alliances) UpdateCommittee(ctx context.Context, actor model.Actor, id int64, in CommitteeInput) (*store.CommitteeRow, error) {
	var out *store.CommitteeRow
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		prev, err := s.committeeFor(ctx, actor, id)
		if err != nil {
			return err
		}
		if err := model.CheckVersion(in.Version, prev.Version); err != nil {
			return err
		}
		ve := &model.ValidationError{}
		if err := s.checkCommitteeFields(ctx, ve, prev.AllianceID, &in, id); err != nil {
			return err
		}
		if err := ve.Err(); err != nil {
			return err
		}
		next := prev.Committee
		next.Name, next.Theme, next.ConvenorUnitID = in.Name, in.Theme, in.ConvenorUnitID
		if err := s.db.UpdateCommittee(ctx, &next, in.Version); err != nil {
			return err
		}
		if in.ConvenorUnitID != nil {
			if _, err := s.db.AddCommitteeMember(ctx, id, *in.ConvenorUnitID); err != nil {
				return err
			}
		}
		if out, err = s.db.CommitteeByID(ctx, id); err != nil {
			return err
		}
		if err := s.db.Notify(ctx, authz.Channel, "membership"); err != nil {
			return err
		}
		return audit(ctx, s.db, actor, ActionCommitteeUpdate, "committee", id, allianceDomain(prev.AllianceID), diff(
			"name", prev.Name, out.Name,
			"theme", prev.Theme, out.Theme,
			"convenor_unit_id", alliancePtrVal(prev.ConvenorUnitID), alliancePtrVal(out.ConvenorUnitID)))
	})
	return out, s.membersChanged(ctx, err)
}

// SetCommitteeActive deactivates or activates a committee.
func (s *Alliances) SetCommitteeActive(ctx context.Context, actor model.Actor, id int64, version int, active bool) (*store.CommitteeRow, error) {
	status, action := model.StatusInactive, ActionCommitteeDeactivate
	if active {
		status, action = model.StatusActive, ActionCommitteeActivate
	}
	var out *store.CommitteeRow
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		prev, err := s.committeeFor(ctx, actor, id)
		if err != nil {
			return err
		}
		if err := model.CheckVersion(version, prev.Version); err != nil {
			return err
		}
		if prev.Status == status {
			out = prev
			return nil
		}
		if err := s.db.SetCommitteeStatus(ctx, id, version, status); err != nil {
			return err
		}
		if out, err = s.db.CommitteeByID(ctx, id); err != nil {
			return err
		}
		if err := s.db.Notify(ctx, authz.Channel, "membership"); err != nil {
			return err
		}
		return audit(ctx, s.db, actor, action, "committee", id, allianceDomain(prev.AllianceID), map[string]Change{"status": {prev.Status, status}})
	})
	return out, s.membersChanged(ctx, err)
}

// AddCommitteeMember puts a current member unit of the alliance on the
// committee; a unit already on it changes nothing.
func (s *Alliances) AddCommitteeMember(ctx context.Context, actor model.Actor, id, unitID int64) (*store.CommitteeRow, error) {
	var out *store.CommitteeRow
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		c, err := s.committeeFor(ctx, actor, id)
		if err != nil {
			return err
		}
		if c.Status != model.StatusActive {
			return model.Rule("committee_inactive", "committee.inactive")
		}
		if unitID <= 0 {
			return (&model.ValidationError{}).Add("unit_id", model.MsgRequired)
		}
		ok, err := s.db.IsCurrentMember(ctx, c.AllianceID, unitID)
		if err != nil {
			return err
		}
		if !ok {
			return (&model.ValidationError{}).Add("unit_id", "committee.unit_not_member")
		}
		added, err := s.db.AddCommitteeMember(ctx, id, unitID)
		if err != nil {
			return err
		}
		if out, err = s.db.CommitteeByID(ctx, id); err != nil {
			return err
		}
		if !added {
			return nil
		}
		return audit(ctx, s.db, actor, ActionCommitteeMemberAdd, "committee", id, allianceDomain(c.AllianceID), map[string]any{"unit_id": unitID})
	})
	return out, err
}

// RemoveCommitteeMember takes a unit off the committee. The convenor stays
// until another is chosen; a unit not on the committee is not found.
func (s *Alliances) RemoveCommitteeMember(ctx context.Context, actor model.Actor, id, unitID int64) (*store.CommitteeRow, error) {
	var out *store.CommitteeRow
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		c, err := s.committeeFor(ctx, actor, id)
		if err != nil {
			return err
		}
		if c.ConvenorUnitID != nil && *c.ConvenorUnitID == unitID {
			return model.Rule("committee_convenor", "committee.remove_convenor")
		}
		removed, err := s.db.RemoveCommitteeMember(ctx, id, unitID)
		if err != nil {
			return err
		}
		if !removed {
			return model.NotFound("committee_member", unitID)
		}
		if out, err = s.db.CommitteeByID(ctx, id); err != nil {
			return err
		}
		if err := s.db.Notify(ctx, authz.Channel, "membership"); err != nil {
			return err
		}
		return audit(ctx, s.db, actor, ActionCommitteeMemberRemove, "committee", id, allianceDomain(c.AllianceID), map[string]any{"unit_id": unitID})
	})
	return out, s.membersChanged(ctx, err)
}

// membersChanged reloads the authorizer after a change of membership or of a
// committee's convenor has committed (err nil): the contacts' derived roles
// (alliance_member, committee_convenor) follow at once here, and on every
// other instance through the announcement made in the transaction.
func (s *Alliances) membersChanged(ctx context.Context, err error) error {
	if err != nil {
		return err
	}
	return s.authz.Reload(ctx)
}
