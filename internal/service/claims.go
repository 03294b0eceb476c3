package service

import (
	"context"
	"slices"
	"strconv"
	"sync"

	"tongxin/internal/authz"
	"tongxin/internal/model"
	"tongxin/internal/store"
)

// Claims runs the claims (认领) of needs and resources: a unit claims part of
// a need (to serve it) or of a resource (to use it); the owner of the target
// accepts or rejects; the claimant may withdraw while the claim is pending.
//
// The invariant: the accepted quantity never exceeds a need's quantity or a
// resource's capacity, under any concurrency, on both databases. Accept
// takes the target's row lock inside its transaction (SELECT … FOR NO KEY
// UPDATE on Postgres; SQLite's immediate transaction holds the write lock
// from BEGIN), re-reads the claim under it, checks the sum and writes claim,
// target, notifications and audit row before the lock is released. The
// CHECK constraints on accepted_quantity are the second guard.
//
// Permissions (configs/policy.csv, "three lists"): claim create on the
// claimant unit's chain (the unit contact claims for their unit); claim
// decide on the chain of the target's owner unit, its district and its
// alliance (the owner unit's contact, the alliance secretary); claim
// withdraw on the claimant unit's domain. A claim is read by whoever reads
// claims on either chain.
type Claims struct {
	db    *store.DB
	authz *authz.Authorizer
	dict  *Dictionaries
}

// NewClaims builds the service.
func NewClaims(d Deps) *Claims {
	return &Claims{db: d.DB, authz: d.Authz, dict: NewDictionaries(d)}
}

// Audit actions of this service.
const (
	ActionClaimCreate   = "claim.create"
	ActionClaimAccept   = "claim.accept"
	ActionClaimReject   = "claim.reject"
	ActionClaimWithdraw = "claim.withdraw"
)

// Limits of the claim fields.
const (
	ClaimNoteMax   = 500
	ClaimReasonMax = 500
)

// Views of the claims list.
const (
	ClaimViewAll    = ""
	ClaimViewDecide = "decide" // 待我确认: pending claims the actor may decide
	ClaimViewMine   = "mine"   // 我的认领: claims of the actor's units
)

// ClaimInput is what a form or the API gives for a new claim.
type ClaimInput struct {
	Target         string // model.TargetNeed or model.TargetResource
	TargetID       int64
	ClaimantUnitID int64
	Quantity       int64
	Note           string
	// LinkID optionally names the claimant's resource that serves the need
	// (a claim on a need) or the claimant's need the resource is for (a
	// claim on a resource); 0 for none.
	LinkID int64
}

// ClaimTarget is the need or resource a claim is on, as the claim form and
// the rules see it.
type ClaimTarget struct {
	Kind        string
	ID          int64
	AllianceID  int64
	DistrictID  int64
	OwnerUnitID int64
	Title       string
	Measure     string
	Status      string
	Visibility  string
	// Quantity is the need's quantity or the resource's capacity.
	Quantity  int64
	Accepted  int64
	Claimable bool
	// OwnerName is the owner unit's name (filled by Target).
	OwnerName string
}

// Remaining is what accepted claims have not yet taken.
func (t *ClaimTarget) Remaining() int64 { return max(t.Quantity-t.Accepted, 0) }

// Coverage is none, partial or complete (a need's coverage; for a resource,
// how much of its capacity is taken).
func (t *ClaimTarget) Coverage() string {
	n := model.Need{Quantity: t.Quantity, AcceptedQuantity: t.Accepted}
	return n.Coverage()
}

// statusFor is the target's status after accepting up to accepted.
func (t *ClaimTarget) statusFor(accepted int64) string {
	if t.Kind == model.TargetNeed {
		return model.NeedStatusFor(t.Status, accepted, t.Quantity)
	}
	return model.ResourceStatusFor(t.Status, accepted, t.Quantity)
}

// decidable reports whether a claim on the target may still be accepted in
// the target's status (a claimed need or an exhausted resource still is:
// the quantity check then answers).
func (t *ClaimTarget) decidable() bool {
	if t.Kind == model.TargetNeed {
		return t.Status == model.NeedPublished || t.Status == model.NeedPartlyClaimed || t.Status == model.NeedClaimed
	}
	return t.Status == model.ResourceAvailable || t.Status == model.ResourceExhausted
}

func (t *ClaimTarget) ownerChain() []string {
	return authz.ChainUnit(t.OwnerUnitID, t.DistrictID, t.AllianceID)
}

// target loads a need or resource; lock takes its row lock (Accept).
func (s *Claims) target(ctx context.Context, kind string, id int64, lock bool) (*ClaimTarget, error) {
	switch kind {
	case model.TargetNeed:
		n, err := s.db.ClaimNeed(ctx, id, lock)
		if err != nil {
			return nil, err
		}
		return &ClaimTarget{Kind: kind, ID: n.ID, AllianceID: n.AllianceID, DistrictID: n.DistrictID, OwnerUnitID: n.SubmitterUnitID,
			Title: n.Title, Measure: n.Measure, Status: n.Status, Visibility: n.Visibility, Quantity: n.Quantity,
			Accepted: n.AcceptedQuantity, Claimable: n.Claimable()}, nil
	case model.TargetResource:
		r, err := s.db.ClaimResource(ctx, id, lock)
		if err != nil {
			return nil, err
		}
		return &ClaimTarget{Kind: kind, ID: r.ID, AllianceID: r.AllianceID, DistrictID: r.DistrictID, OwnerUnitID: r.ProviderUnitID,
			Title: r.Title, Measure: r.Measure, Status: r.Status, Visibility: r.Visibility, Quantity: r.Capacity,
			Accepted: r.AcceptedQuantity, Claimable: r.Claimable()}, nil
	}
	return nil, model.NotFound("claim target", kind)
}

// visibleTo reports whether the target is visible to v.
func (s *Claims) visibleTo(ctx context.Context, t *ClaimTarget, v store.ListViewer) (bool, error) {
	if t.Kind == model.TargetNeed {
		return s.db.NeedVisible(ctx, t.ID, v)
	}
	return s.db.ResourceVisible(ctx, t.ID, v)
}

// unitViewer is the viewer of the lists as one unit: what it may claim.
func (s *Claims) unitViewer(ctx context.Context, unitID int64) (store.ListViewer, error) {
	v := store.ListViewer{Units: []int64{unitID}}
	err := s.db.ViewerUnits(ctx, &v)
	return v, err
}

// measureLabel is a measure's Chinese label (the code when unknown).
func (s *Claims) measureLabel(ctx context.Context, code string) string {
	labels, err := s.dict.Labels(ctx, model.DictMeasure, "zh-CN")
	if err == nil && labels[code] != "" {
		return labels[code]
	}
	return code
}

func claimDomain(c *model.Claim) string { return model.DomainOf(model.DomainAlliance, c.AllianceID) }

func claimantChain(unitID int64) []string { return []string{model.DomainOf(model.DomainUnit, unitID)} }

// ---- writing ----

// Create makes a pending claim for in.ClaimantUnitID (claim create on the
// unit's chain) on a need or resource the unit can see; it notifies the
// target's owner unit contacts and the alliance's secretaries.
func (s *Claims) Create(ctx context.Context, actor model.Actor, in ClaimInput) (*model.Claim, error) {
	if in.Target != model.TargetNeed && in.Target != model.TargetResource {
		return nil, (&model.ValidationError{}).Add("target", "claim.bad_target")
	}
	if in.ClaimantUnitID <= 0 {
		return nil, (&model.ValidationError{}).Add("claimant_unit_id", model.MsgRequired)
	}
	unit, err := s.db.UnitByID(ctx, in.ClaimantUnitID)
	if err != nil {
		return nil, err
	}
	if err := s.authz.Check(actor.UserID, authz.ChainUnit(unit.ID, unit.DistrictID), "claim", "create"); err != nil {
		return nil, err
	}
	var c *model.Claim
	err = s.db.WithTx(ctx, func(ctx context.Context) error {
		t, err := s.target(ctx, in.Target, in.TargetID, false)
		if err != nil {
			return err
		}
		v, err := s.unitViewer(ctx, unit.ID)
		if err != nil {
			return err
		}
		if ok, err := s.visibleTo(ctx, t, v); err != nil {
			return err
		} else if !ok {
			return model.NotFound(in.Target, in.TargetID)
		}
		if t.OwnerUnitID == unit.ID {
			return model.Rule("own_target", "claim.own_target")
		}
		if unit.Status != model.StatusActive {
			return model.Rule("claimant_inactive", "claim.claimant_inactive")
		}
		if !t.Claimable {
			return model.Rule("not_claimable", "claim.not_claimable."+t.Kind+"."+t.Status)
		}
		ve := &model.ValidationError{}
		in.Note = model.Text(ve, "note", in.Note, false, ClaimNoteMax, true)
		switch {
		case in.Quantity <= 0:
			ve.Add("quantity", "claim.quantity_positive")
		case in.Quantity > t.Remaining():
			ve.AddArgs("quantity", "claim.quantity_over", t.Remaining(), s.measureLabel(ctx, t.Measure))
		}
		var needID, resourceID *int64
		if in.Target == model.TargetNeed {
			needID = &t.ID
		} else {
			resourceID = &t.ID
		}
		if in.LinkID != 0 {
			ok, err := s.linkOK(ctx, in.Target, in.LinkID, unit.ID)
			if err != nil {
				return err
			}
			link := in.LinkID
			switch {
			case !ok:
				ve.Add("link_id", "claim.bad_link")
			case in.Target == model.TargetNeed:
				resourceID = &link
			default:
				needID = &link
			}
		}
		if err := ve.Err(); err != nil {
			return err
		}
		uid := actor.UserID
		c = &model.Claim{Target: in.Target, NeedID: needID, ResourceID: resourceID, AllianceID: t.AllianceID, DistrictID: t.DistrictID,
			ClaimantUnitID: unit.ID, Quantity: in.Quantity, Note: in.Note, Status: model.ClaimPending}
		if uid != 0 {
			c.CreatedBy = &uid
		}
		if err := s.db.CreateClaim(ctx, c); err != nil {
			return err
		}
		err = notify(ctx, s.db, actor, claimNotice(model.NotifyClaimNew, c, t, unit.Name, ""), ownerHolders(t)...)
		if err != nil {
			return err
		}
		changes := map[string]any{"target": c.Target, "need_id": c.NeedID, "resource_id": c.ResourceID,
			"claimant_unit_id": c.ClaimantUnitID, "quantity": c.Quantity, "note": c.Note, "status": c.Status}
		return audit(ctx, s.db, actor, ActionClaimCreate, "claim", c.ID, claimDomain(c), changes)
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// linkOK reports whether id names a resource (a claim on a need) or need (a
// claim on a resource) of the unit that is neither a draft nor out of use.
func (s *Claims) linkOK(ctx context.Context, target string, id, unitID int64) (bool, error) {
	l, err := s.db.ClaimLinks(ctx, target, []int64{unitID})
	if err != nil {
		return false, err
	}
	return slices.ContainsFunc(l, func(x store.ClaimLink) bool { return x.ID == id }), nil
}

// Accept accepts a pending claim (claim decide on the target owner's
// chain). Inside one transaction it locks the target, re-reads the claim
// (a claim no longer pending is a RuleError naming its state, never counted
// twice), refuses a version other than version (0: any) with a conflict,
// refuses with a conflict naming the remaining amount when the claim would
// take the target past its quantity or capacity, then writes the claim, the
// target's accepted quantity and status, the claimant's notifications and
// the audit row.
func (s *Claims) Accept(ctx context.Context, actor model.Actor, id int64, version int) (*model.Claim, error) {
	first, err := s.db.ClaimByID(ctx, id)
	if err != nil {
		return nil, err
	}
	gate := claimGate(first.Target, first.TargetID())
	gate.Lock()
	defer gate.Unlock()
	var out *model.Claim
	err = s.db.WithTx(ctx, func(ctx context.Context) error {
		c, err := s.db.ClaimByID(ctx, id)
		if err != nil {
			return err
		}
		t, err := s.target(ctx, c.Target, c.TargetID(), true) // the lock: held until the transaction ends
		if err != nil {
			return err
		}
		if err := s.checkDecide(actor, c, t); err != nil {
			return err
		}
		// Read again under the lock: another accept of this claim may have
		// committed between the first read and the lock.
		if c, err = s.db.ClaimByID(ctx, id); err != nil {
			return err
		}
		if c.Status != model.ClaimPending {
			return model.Rule("claim_not_pending", "claim.not_pending."+c.Status)
		}
		if err := checkVersion(ctx, s.db, "claim", id, version, c.Version); err != nil {
			return err
		}
		if !t.decidable() {
			return model.Rule("target_closed", "claim.target_closed."+t.Kind+"."+t.Status)
		}
		if t.Accepted+c.Quantity > t.Quantity {
			return model.Conflict("claim.exceeds", t.Remaining(), s.measureLabel(ctx, t.Measure))
		}
		uid := actor.UserID
		if err := s.db.DecideClaim(ctx, id, c.Version, model.ClaimPending, model.ClaimAccepted, &uid, ""); err != nil {
			return err
		}
		accepted := t.Accepted + c.Quantity
		status := t.statusFor(accepted)
		if err := s.db.AddAcceptedQuantity(ctx, t.Kind, t.ID, c.Quantity, status); err != nil {
			return err
		}
		claimant, err := s.db.UnitByID(ctx, c.ClaimantUnitID)
		if err != nil {
			return err
		}
		if err := notify(ctx, s.db, actor, claimNotice(model.NotifyClaimAccepted, c, t, claimant.Name, ""), claimantHolders(c)...); err != nil {
			return err
		}
		if err := audit(ctx, s.db, actor, ActionClaimAccept, "claim", id, claimDomain(c), map[string]any{
			"status": Change{model.ClaimPending, model.ClaimAccepted}, "quantity": c.Quantity,
			t.Kind + "_accepted_quantity": Change{t.Accepted, accepted}, t.Kind + "_status": Change{t.Status, status},
		}); err != nil {
			return err
		}
		// The pending claims that no longer fit what remains are closed now.
		if _, err := s.closeStranded(ctx, actor, t.Kind, t.ID); err != nil {
			return err
		}
		out, err = s.db.ClaimByID(ctx, id)
		return err
	})
	return out, err
}

// claimGates serialise, within one process, the accepts of the claims on
// one target before they take a database connection. The database lock
// alone keeps the invariant (across instances too); the gate keeps a burst
// of accepts on one hot target from holding every pooled connection while
// they queue for its row lock, which would starve other requests and can
// deadlock GORM's prepared-statement cache when the pool runs dry
// (go-gorm/gorm#7465). A fixed stripe of mutexes: unrelated targets share
// one now and then, which costs only a little waiting.
var claimGates [256]sync.Mutex

func claimGate(target string, id int64) *sync.Mutex {
	h := uint64(id) * 2
	if target == model.TargetResource {
		h++
	}
	return &claimGates[h%uint64(len(claimGates))]
}

// Reject rejects a pending claim with a reason (claim decide on the target
// owner's chain) and notifies the claimant's contacts.
func (s *Claims) Reject(ctx context.Context, actor model.Actor, id int64, version int, reason string) (*model.Claim, error) {
	var out *model.Claim
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		c, err := s.db.ClaimByID(ctx, id)
		if err != nil {
			return err
		}
		t, err := s.target(ctx, c.Target, c.TargetID(), false)
		if err != nil {
			return err
		}
		if err := s.checkDecide(actor, c, t); err != nil {
			return err
		}
		if c.Status != model.ClaimPending {
			return model.Rule("claim_not_pending", "claim.not_pending."+c.Status)
		}
		ve := &model.ValidationError{}
		reason = model.Text(ve, "reason", reason, true, ClaimReasonMax, true)
		if err := ve.Err(); err != nil {
			return err
		}
		if err := checkVersion(ctx, s.db, "claim", id, version, c.Version); err != nil {
			return err
		}
		uid := actor.UserID
		if err := s.db.DecideClaim(ctx, id, c.Version, model.ClaimPending, model.ClaimRejected, &uid, reason); err != nil {
			return err
		}
		claimant, err := s.db.UnitByID(ctx, c.ClaimantUnitID)
		if err != nil {
			return err
		}
		if err := notify(ctx, s.db, actor, claimNotice(model.NotifyClaimRejected, c, t, claimant.Name, reason), claimantHolders(c)...); err != nil {
			return err
		}
		if err := audit(ctx, s.db, actor, ActionClaimReject, "claim", id, claimDomain(c), map[string]any{
			"status": Change{model.ClaimPending, model.ClaimRejected}, "reason": reason,
		}); err != nil {
			return err
		}
		out, err = s.db.ClaimByID(ctx, id)
		return err
	})
	return out, err
}

// Withdraw withdraws a pending claim (claim withdraw for the claimant unit)
// and notifies the target's owners. An accepted claim cannot be withdrawn.
func (s *Claims) Withdraw(ctx context.Context, actor model.Actor, id int64, version int) (*model.Claim, error) {
	var out *model.Claim
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		c, err := s.db.ClaimByID(ctx, id)
		if err != nil {
			return err
		}
		t, err := s.target(ctx, c.Target, c.TargetID(), false)
		if err != nil {
			return err
		}
		if !s.authz.Can(actor.UserID, claimantChain(c.ClaimantUnitID), "claim", "withdraw") {
			if s.canReadClaim(actor, c, t) {
				return model.ErrForbidden
			}
			return model.NotFound("claim", id)
		}
		if c.Status != model.ClaimPending {
			return model.Rule("claim_not_pending", "claim.not_pending."+c.Status)
		}
		if err := checkVersion(ctx, s.db, "claim", id, version, c.Version); err != nil {
			return err
		}
		uid := actor.UserID
		if err := s.db.DecideClaim(ctx, id, c.Version, model.ClaimPending, model.ClaimWithdrawn, &uid, ""); err != nil {
			return err
		}
		claimant, err := s.db.UnitByID(ctx, c.ClaimantUnitID)
		if err != nil {
			return err
		}
		if err := notify(ctx, s.db, actor, claimNotice(model.NotifyClaimWithdrawn, c, t, claimant.Name, ""), ownerHolders(t)...); err != nil {
			return err
		}
		if err := audit(ctx, s.db, actor, ActionClaimWithdraw, "claim", id, claimDomain(c), map[string]any{
			"status": Change{model.ClaimPending, model.ClaimWithdrawn},
		}); err != nil {
			return err
		}
		out, err = s.db.ClaimByID(ctx, id)
		return err
	})
	return out, err
}

// canReadClaim is canRead for a claim and its loaded target.
func (s *Claims) canReadClaim(actor model.Actor, c *model.Claim, t *ClaimTarget) bool {
	return s.authz.Can(actor.UserID, t.ownerChain(), "claim", "read") || s.authz.Can(actor.UserID, claimantChain(c.ClaimantUnitID), "claim", "read")
}

// checkDecide: claim decide on the target owner's chain; 404 for a caller
// who cannot read the claim at all, 403 for one who reads it (the claimant).
func (s *Claims) checkDecide(actor model.Actor, c *model.Claim, t *ClaimTarget) error {
	if s.authz.Can(actor.UserID, t.ownerChain(), "claim", "decide") {
		return nil
	}
	if s.canReadClaim(actor, c, t) {
		return model.ErrForbidden
	}
	return model.NotFound("claim", c.ID)
}

// ownerHolders are who hears of a claim on t: its owner unit's contacts and
// its alliance's secretaries.
func ownerHolders(t *ClaimTarget) []store.RoleHolder {
	return []store.RoleHolder{
		{Role: model.RoleUnitContact, Domain: model.DomainOf(model.DomainUnit, t.OwnerUnitID)},
		{Role: model.RoleAllianceSecretary, Domain: model.DomainOf(model.DomainAlliance, t.AllianceID)},
	}
}

// claimantHolders are who hears of a decision on c: the claimant unit's contacts.
func claimantHolders(c *model.Claim) []store.RoleHolder {
	return []store.RoleHolder{{Role: model.RoleUnitContact, Domain: model.DomainOf(model.DomainUnit, c.ClaimantUnitID)}}
}

// claimNotice is the notification of an event on claim c: its parameters
// let the inbox write the message in the reader's language.
func claimNotice(kind string, c *model.Claim, t *ClaimTarget, claimant, reason string) model.Notification {
	p := ClaimNoticeParams{ClaimID: c.ID, Target: t.Kind, TargetID: t.ID, TargetTitle: t.Title, Claimant: claimant,
		Quantity: c.Quantity, Measure: t.Measure, Reason: reason}
	return model.Notification{Kind: kind, SubjectKind: "claim", SubjectID: c.ID, Params: p.encode(),
		Link: "/claims/" + strconv.FormatInt(c.ID, 10)}
}
