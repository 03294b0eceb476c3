package store

import (
	"context"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"tongxin/internal/model"
)

// Claims (认领) of needs and resources. The invariant that the accepted
// quantity never exceeds a need's quantity or a resource's capacity is kept
// by the service in one transaction: ClaimNeed / ClaimResource with lock set
// take the target's row lock (Postgres; on SQLite the immediate transaction
// already holds the write lock), the claim is re-read, and AddAcceptedQuantity
// writes the new sum. The CHECK constraints of 00006 are the second guard.

// ClaimFilter selects claims for the list. Zero fields do not filter; Scope
// always does (an empty scope selects nothing).
type ClaimFilter struct {
	Status string
	// Target is need or resource.
	Target     string
	AllianceID int64
	// UnitID matches the claimant unit or the target's owner unit; UnitName
	// a part of either's name.
	UnitID   int64
	UnitName string
	// NeedID / ResourceID select the claims on one need or resource.
	NeedID, ResourceID int64
	// From and To bound created_at: From <= created_at < To.
	From, To time.Time
	// Scope is where the caller reads claims: district grants match the
	// target's district, alliance grants the target's alliance, unit grants
	// the claimant unit or the target's owner unit.
	Scope model.Scope
	// Decide, when set, keeps only pending claims the caller may decide:
	// alliance grants the target's alliance, unit grants the owner unit.
	Decide *model.Scope
	// Claimants, when set, keeps only the claims of these units ("我的认领");
	// an empty non-nil slice selects nothing.
	Claimants []int64
}

// ClaimRow is a claim with what its list and page show beside it.
type ClaimRow struct {
	model.Claim
	TargetTitle   string
	TargetMeasure string
	// TargetQuantity is the need's quantity or the resource's capacity;
	// TargetAccepted their accepted quantity now.
	TargetQuantity     int64
	TargetAccepted     int64
	TargetStatus       string
	OwnerUnitID        int64
	OwnerUnitName      string
	ClaimantUnitName   string
	ClaimantDistrictID int64
	AllianceName       string
	// LinkTitle is the title of the linked resource (claims on a need) or
	// need (claims on a resource), "" when none.
	LinkTitle   string
	DeciderName string
}

// TargetRemaining is what the target has not yet given to accepted claims.
func (r *ClaimRow) TargetRemaining() int64 { return max(r.TargetQuantity-r.TargetAccepted, 0) }

// claimOwnerExpr is the owner unit of a claim's target over the joins of claimRows.
const claimOwnerExpr = "CASE WHEN claims.target = 'need' THEN n.submitter_unit_id ELSE r.provider_unit_id END"

var claimSort = sortSpec[ClaimRow]{
	Columns: []sortColumn[ClaimRow]{
		{Key: "created", Column: "claims.created_at", Kind: "time", Value: func(c *ClaimRow) any { return c.CreatedAt.UTC() }},
		{Key: "quantity", Column: "claims.quantity", Kind: "int", Value: func(c *ClaimRow) any { return c.Quantity }},
	},
	Default:     "created",
	DefaultDesc: true,
	IDColumn:    "claims.id",
	ID:          func(c *ClaimRow) int64 { return c.ID },
}

// ClaimSortKeys lists the keys ListClaims sorts by.
func ClaimSortKeys() []string { return sortKeys(claimSort) }

// claimRows is the FROM, joins and columns of ClaimRow.
func (db *DB) claimRows(ctx context.Context) *gorm.DB {
	return db.conn(ctx).Table("claims").
		Select("claims.*, " +
			"CASE WHEN claims.target = 'need' THEN n.title ELSE r.title END AS target_title, " +
			"CASE WHEN claims.target = 'need' THEN n.measure ELSE r.measure END AS target_measure, " +
			"CASE WHEN claims.target = 'need' THEN n.quantity ELSE r.capacity END AS target_quantity, " +
			"CASE WHEN claims.target = 'need' THEN n.accepted_quantity ELSE r.accepted_quantity END AS target_accepted, " +
			"CASE WHEN claims.target = 'need' THEN n.status ELSE r.status END AS target_status, " +
			claimOwnerExpr + " AS owner_unit_id, " +
			"CASE WHEN claims.target = 'need' THEN COALESCE(r.title, '') ELSE COALESCE(n.title, '') END AS link_title, " +
			"COALESCE(ou.name, '') AS owner_unit_name, cu.name AS claimant_unit_name, cu.district_id AS claimant_district_id, " +
			"al.name AS alliance_name, COALESCE(du.display_name, '') AS decider_name").
		Joins("LEFT JOIN needs n ON n.id = claims.need_id").
		Joins("LEFT JOIN resources r ON r.id = claims.resource_id").
		Joins("JOIN units cu ON cu.id = claims.claimant_unit_id").
		Joins("LEFT JOIN units ou ON ou.id = " + claimOwnerExpr).
		Joins("JOIN alliances al ON al.id = claims.alliance_id").
		Joins("LEFT JOIN users du ON du.id = claims.decided_by")
}

// claimOwnedBy is the SQL of "the claim's target belongs to one of the
// units (?)": a semi-join driven by the owners' needs and resources, so
// that it reads only their claims. It takes the unit ids twice.
const claimOwnedBy = "claims.id IN (" +
	"SELECT c2.id FROM claims c2 JOIN needs n2 ON n2.id = c2.need_id WHERE c2.target = 'need' AND n2.submitter_unit_id IN (?) " +
	"UNION ALL SELECT c3.id FROM claims c3 JOIN resources r3 ON r3.id = c3.resource_id WHERE c3.target = 'resource' AND r3.provider_unit_id IN (?))"

// claimScope filters q to the claims the scope reads (see ClaimFilter.Scope).
func claimScope(q *gorm.DB, s model.Scope, decide bool) *gorm.DB {
	if s.All {
		return q
	}
	var conds []string
	var args []any
	if len(s.Districts) > 0 {
		conds = append(conds, "claims.district_id IN (?)")
		args = append(args, s.Districts)
	}
	if len(s.Alliances) > 0 {
		conds = append(conds, "claims.alliance_id IN (?)")
		args = append(args, s.Alliances)
	}
	if len(s.Units) > 0 {
		if !decide {
			conds = append(conds, "claims.claimant_unit_id IN (?)")
			args = append(args, s.Units)
		}
		conds = append(conds, claimOwnedBy)
		args = append(args, s.Units, s.Units)
	}
	if len(conds) == 0 {
		return q.Where("1 = 0")
	}
	return q.Where("("+strings.Join(conds, " OR ")+")", args...)
}

func (db *DB) claimQuery(ctx context.Context, f ClaimFilter) *gorm.DB {
	q := claimScope(db.claimRows(ctx), f.Scope, false)
	if f.Decide != nil {
		q = claimScope(q, *f.Decide, true).Where("claims.status = ?", model.ClaimPending)
	}
	if f.Claimants != nil {
		if len(f.Claimants) == 0 {
			q = q.Where("1 = 0")
		} else {
			q = q.Where("claims.claimant_unit_id IN (?)", f.Claimants)
		}
	}
	if f.Status != "" {
		q = q.Where("claims.status = ?", f.Status)
	}
	if f.Target != "" {
		q = q.Where("claims.target = ?", f.Target)
	}
	if f.AllianceID != 0 {
		q = q.Where("claims.alliance_id = ?", f.AllianceID)
	}
	if f.UnitID != 0 {
		q = q.Where("(claims.claimant_unit_id = ? OR "+claimOwnerExpr+" = ?)", f.UnitID, f.UnitID)
	}
	if f.UnitName != "" {
		p := likePattern(f.UnitName)
		q = q.Where("(cu.name LIKE ? ESCAPE '\\' OR ou.name LIKE ? ESCAPE '\\')", p, p)
	}
	if f.NeedID != 0 {
		q = q.Where("claims.target = 'need' AND claims.need_id = ?", f.NeedID)
	}
	if f.ResourceID != 0 {
		q = q.Where("claims.target = 'resource' AND claims.resource_id = ?", f.ResourceID)
	}
	if !f.From.IsZero() {
		q = q.Where("claims.created_at >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		q = q.Where("claims.created_at < ?", f.To.UTC())
	}
	return q
}

// ListClaims pages through the claims matching f, newest first by default.
func (db *DB) ListClaims(ctx context.Context, f ClaimFilter, req model.PageRequest) (model.List[ClaimRow], error) {
	return page(db.claimQuery(ctx, f), claimSort, req)
}

// EachClaim calls fn for every claim matching f in the order req asks for,
// reading keyset batches (exports).
func (db *DB) EachClaim(ctx context.Context, f ClaimFilter, req model.PageRequest, batch int, fn func(*ClaimRow) error) error {
	return eachKeyset(db.claimQuery(ctx, f), claimSort, req, batch, fn)
}

// ClaimByID loads a claim.
func (db *DB) ClaimByID(ctx context.Context, id int64) (*model.Claim, error) {
	var c model.Claim
	if err := db.conn(ctx).Take(&c, id).Error; err != nil {
		return nil, notFound(err, "claim", id)
	}
	return &c, nil
}

// ClaimRowByID loads a claim with its target, units and decider.
func (db *DB) ClaimRowByID(ctx context.Context, id int64) (*ClaimRow, error) {
	var c ClaimRow
	if err := db.claimRows(ctx).Where("claims.id = ?", id).Take(&c).Error; err != nil {
		return nil, notFound(err, "claim", id)
	}
	return &c, nil
}

// CreateClaim inserts a claim at version 1.
func (db *DB) CreateClaim(ctx context.Context, c *model.Claim) error {
	now := db.Now()
	c.CreatedAt, c.UpdatedAt, c.Version = now, now, 1
	if c.Status == "" {
		c.Status = model.ClaimPending
	}
	return db.conn(ctx).Create(c).Error
}

// DecideClaim moves a claim from status from to status to if its stored
// version is version, bumping it; decidedBy and reason are
// recorded with the store's clock. A claim no longer in from, or at another
// version, is a stale-version conflict (the service reads the claim under
// the target's lock first, so this only catches a race it did not foresee).
func (db *DB) DecideClaim(ctx context.Context, id int64, version int, from, to string, decidedBy *int64, reason string) error {
	now := db.Now()
	q := db.conn(ctx).Model(&model.Claim{}).Where("id = ? AND status = ? AND version = ?", id, from, version)
	res := q.Updates(map[string]any{
		"status": to, "decided_by": decidedBy, "decided_at": now, "reason": reason,
		"version": gorm.Expr("version + 1"), "updated_at": now,
	})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		if _, err := db.ClaimByID(ctx, id); err != nil {
			return err
		}
		return model.Conflict(model.MsgStale)
	}
	return nil
}

// PendingClaimsOn lists the pending claims on a need or resource (target
// model.TargetNeed or model.TargetResource), oldest first.
func (db *DB) PendingClaimsOn(ctx context.Context, target string, id int64) ([]model.Claim, error) {
	col := "resource_id"
	if target == model.TargetNeed {
		col = "need_id"
	}
	var out []model.Claim
	err := db.conn(ctx).Where("target = ? AND "+col+" = ? AND status = ?", target, id, model.ClaimPending).Order("id").Find(&out).Error
	return out, err
}

// ClaimNeed loads a need for a claim. With lock, on Postgres, it takes the
// row lock that serialises the accepts of its claims until the transaction
// ends (FOR NO KEY UPDATE: it conflicts with itself and with UPDATE of the
// row, not with the key-share locks that inserting a claim takes, so new
// claims are not held up); it must then run inside WithTx. On SQLite the
// immediate transaction already holds the database's write lock.
func (db *DB) ClaimNeed(ctx context.Context, id int64, lock bool) (*model.Need, error) {
	var n model.Need
	if err := db.lockFor(ctx, lock).Take(&n, id).Error; err != nil {
		return nil, notFound(err, "need", id)
	}
	return &n, nil
}

// ClaimResource loads a resource for a claim; lock as in ClaimNeed.
func (db *DB) ClaimResource(ctx context.Context, id int64, lock bool) (*model.Resource, error) {
	var r model.Resource
	if err := db.lockFor(ctx, lock).Take(&r, id).Error; err != nil {
		return nil, notFound(err, "resource", id)
	}
	return &r, nil
}

func (db *DB) lockFor(ctx context.Context, lock bool) *gorm.DB {
	q := db.conn(ctx)
	if lock && db.dialect == Postgres {
		q = q.Clauses(clause.Locking{Strength: "NO KEY UPDATE"})
	}
	return q
}

// AddAcceptedQuantity adds q to the accepted quantity of a need or resource
// (target is model.TargetNeed or model.TargetResource) and sets its status.
// The target's version is not bumped: it guards the owner's edit form, and
// accepting a claim changes none of its fields (decision 11). The CHECK on
// accepted_quantity refuses a sum past the quantity or capacity.
func (db *DB) AddAcceptedQuantity(ctx context.Context, target string, id, q int64, status string) error {
	table := "needs"
	if target == model.TargetResource {
		table = "resources"
	}
	res := db.conn(ctx).Table(table).Where("id = ?", id).Updates(map[string]any{
		"accepted_quantity": gorm.Expr("accepted_quantity + ?", q), "status": status, "updated_at": db.Now(),
	})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return model.NotFound(target, id)
	}
	return nil
}

// ClaimUnit is a unit a form offers as claimant.
type ClaimUnit struct {
	ID         int64
	Name       string
	DistrictID int64
}

// ClaimUnits loads the active units among ids, by name.
func (db *DB) ClaimUnits(ctx context.Context, ids []int64) ([]ClaimUnit, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var out []ClaimUnit
	err := db.conn(ctx).Table("units").Select("id, name, district_id").
		Where("id IN (?) AND status = ?", ids, model.StatusActive).Order("name, id").Find(&out).Error
	return out, err
}

// ClaimLink is a need or resource of a claimant unit that a claim may name.
type ClaimLink struct {
	ID       int64
	Title    string
	UnitID   int64
	UnitName string
}

// ClaimLinkMax caps the links a form offers.
const ClaimLinkMax = 200

// ClaimLinks lists what a claim of kind target may link to: for a claim on
// a need, the resources of the units; for a claim on a resource, their
// needs. Drafts and rows past use (withdrawn, closed, expired) are left out.
func (db *DB) ClaimLinks(ctx context.Context, target string, unitIDs []int64) ([]ClaimLink, error) {
	if len(unitIDs) == 0 {
		return nil, nil
	}
	var out []ClaimLink
	var q *gorm.DB
	if target == model.TargetNeed {
		q = db.conn(ctx).Table("resources t").Select("t.id, t.title, t.provider_unit_id AS unit_id, u.name AS unit_name").
			Joins("JOIN units u ON u.id = t.provider_unit_id").
			Where("t.provider_unit_id IN (?) AND t.status IN (?)", unitIDs, []string{model.ResourceAvailable, model.ResourceExhausted})
	} else {
		q = db.conn(ctx).Table("needs t").Select("t.id, t.title, t.submitter_unit_id AS unit_id, u.name AS unit_name").
			Joins("JOIN units u ON u.id = t.submitter_unit_id").
			Where("t.submitter_unit_id IN (?) AND t.status IN (?)", unitIDs,
				[]string{model.NeedPublished, model.NeedPartlyClaimed, model.NeedClaimed, model.NeedInProject})
	}
	err := q.Order("u.name, t.id DESC").Limit(ClaimLinkMax).Find(&out).Error
	return out, err
}

// ClaimOption is an alliance the claims list's filter offers.
type ClaimOption struct {
	ID   int64
	Name string
}

// ClaimAllianceOptions lists, by name, up to limit active alliances in the
// scope of claim readers: district grants their districts' alliances,
// alliance grants those alliances, unit grants the alliances the units are
// current members of.
func (db *DB) ClaimAllianceOptions(ctx context.Context, s model.Scope, limit int) ([]ClaimOption, error) {
	q := db.conn(ctx).Table("alliances").Select("id, name").Where("status = ?", model.StatusActive)
	if !s.All {
		var conds []string
		var args []any
		if len(s.Districts) > 0 {
			conds = append(conds, "district_id IN (?)")
			args = append(args, s.Districts)
		}
		if len(s.Alliances) > 0 {
			conds = append(conds, "id IN (?)")
			args = append(args, s.Alliances)
		}
		if len(s.Units) > 0 {
			conds = append(conds, "id IN (SELECT alliance_id FROM memberships WHERE unit_id IN (?) AND left_on IS NULL)")
			args = append(args, s.Units)
		}
		if len(conds) == 0 {
			return nil, nil
		}
		q = q.Where("("+strings.Join(conds, " OR ")+")", args...)
	}
	var out []ClaimOption
	err := q.Order("name, id").Limit(limit).Find(&out).Error
	return out, err
}
