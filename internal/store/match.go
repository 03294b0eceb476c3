package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"tongxin/internal/model"
)

// Matching suggestions (匹配推荐): for a need, the available resources that
// fit it; for a resource, the open needs it fits. One indexed query each
// (resources_match_kind_idx / _category_idx and their needs twins), ranked
// in SQL; Go only formats the handful of rows it returns.

// MatchLimit is how many suggestions a need or a resource shows.
const MatchLimit = 10

// Match is one suggestion with the facts that explain it.
type Match struct {
	ID         int64
	Title      string
	Kind       string // resource kind, or the need's wanted resource kind
	Category   string
	UnitID     int64
	UnitName   string
	StreetID   *int64
	StreetName string
	DistrictID int64
	Remaining  int64
	Measure    string
	// Until is the resource's available_until or the need's wanted_by.
	Until *time.Time
	// Reasons the SQL found: the kind fits, the category fits, the same
	// street, the same district.
	KindFits, CategoryFits, SameStreet, SameDistrict bool
	Score                                            int
}

// matchScore ranks a candidate: a fitting kind outweighs a fitting
// category, and place counts after fit (the same street before the same
// district). The weights are written into the SQL of both directions.
const matchScore = `(CASE WHEN %[1]s.kind_fits = 1 THEN 4 ELSE 0 END + CASE WHEN %[1]s.category_fits = 1 THEN 2 ELSE 0 END + ` +
	`CASE WHEN %[1]s.same_street = 1 THEN 3 WHEN %[1]s.same_district = 1 THEN 1 ELSE 0 END)`

// MatchesForNeed lists the resources that may serve n, seen as n's
// submitter unit sees them (unit is the viewer built for that unit), as of
// today: available, capacity left, kind or category fitting, available
// until today or later and from no later than the need's wanted-by date.
func (db *DB) MatchesForNeed(ctx context.Context, n *model.Need, unit ListViewer, today time.Time) ([]Match, error) {
	if n.ResourceKind == "" && n.Category == "" {
		return nil, nil
	}
	q := db.conn(ctx).Table("resources").
		Select(`resources.id, resources.title, resources.kind, resources.category, resources.provider_unit_id AS unit_id,
			units.name AS unit_name, resources.street_id, COALESCE(streets.name, '') AS street_name, resources.district_id,
			resources.capacity - resources.accepted_quantity AS remaining, resources.measure, resources.available_until AS until,
			CASE WHEN resources.kind = ? THEN 1 ELSE 0 END AS kind_fits,
			CASE WHEN resources.category <> '' AND resources.category = ? THEN 1 ELSE 0 END AS category_fits,
			CASE WHEN resources.street_id IS NOT NULL AND resources.street_id = ? THEN 1 ELSE 0 END AS same_street,
			CASE WHEN resources.district_id = ? THEN 1 ELSE 0 END AS same_district`,
			n.ResourceKind, n.Category, streetOrZero(n.StreetID), n.DistrictID).
		Joins("JOIN units ON units.id = resources.provider_unit_id").
		Joins("LEFT JOIN streets ON streets.id = resources.street_id").
		Where("resources.status = ? AND resources.accepted_quantity < resources.capacity", model.ResourceAvailable).
		Where("resources.provider_unit_id <> ?", n.SubmitterUnitID).
		Where("(resources.available_until IS NULL OR resources.available_until >= ?)", today)
	switch {
	case n.ResourceKind != "" && n.Category != "":
		q = q.Where("(resources.kind = ? OR resources.category = ?)", n.ResourceKind, n.Category)
	case n.ResourceKind != "":
		q = q.Where("resources.kind = ?", n.ResourceKind)
	default:
		q = q.Where("resources.category = ?", n.Category)
	}
	if n.WantedBy != nil {
		q = q.Where("(resources.available_from IS NULL OR resources.available_from <= ?)", *n.WantedBy)
	}
	q = visibleTo(q, "resources", "provider_unit_id", unit)
	return db.rankMatches(ctx, q)
}

// MatchesForResource lists the open needs that r may serve, seen as r's
// provider unit sees them, as of today: published or partly claimed, not
// fully covered, kind or category fitting, wanted by today or later (or
// open-ended) and, when r starts later, wanted no earlier than that.
func (db *DB) MatchesForResource(ctx context.Context, r *model.Resource, unit ListViewer, today time.Time) ([]Match, error) {
	q := db.conn(ctx).Table("needs").
		Select(`needs.id, needs.title, needs.resource_kind AS kind, needs.category, needs.submitter_unit_id AS unit_id,
			units.name AS unit_name, needs.street_id, COALESCE(streets.name, '') AS street_name, needs.district_id,
			needs.quantity - needs.accepted_quantity AS remaining, needs.measure, needs.wanted_by AS until,
			CASE WHEN needs.resource_kind = ? THEN 1 ELSE 0 END AS kind_fits,
			CASE WHEN ? <> '' AND needs.category = ? THEN 1 ELSE 0 END AS category_fits,
			CASE WHEN needs.street_id IS NOT NULL AND needs.street_id = ? THEN 1 ELSE 0 END AS same_street,
			CASE WHEN needs.district_id = ? THEN 1 ELSE 0 END AS same_district`,
			r.Kind, r.Category, r.Category, streetOrZero(r.StreetID), r.DistrictID).
		Joins("JOIN units ON units.id = needs.submitter_unit_id").
		Joins("LEFT JOIN streets ON streets.id = needs.street_id").
		Where("needs.status IN (?) AND needs.accepted_quantity < needs.quantity", []string{model.NeedPublished, model.NeedPartlyClaimed}).
		Where("needs.submitter_unit_id <> ?", r.ProviderUnitID).
		Where("(needs.wanted_by IS NULL OR needs.wanted_by >= ?)", today)
	if r.Category != "" {
		q = q.Where("(needs.resource_kind = ? OR needs.category = ?)", r.Kind, r.Category)
	} else {
		q = q.Where("needs.resource_kind = ?", r.Kind)
	}
	if r.AvailableFrom != nil {
		q = q.Where("(needs.wanted_by IS NULL OR needs.wanted_by >= ?)", *r.AvailableFrom)
	}
	q = visibleTo(q, "needs", "submitter_unit_id", unit)
	return db.rankMatches(ctx, q)
}

// rankMatches orders the candidates of q by score, then by what is left,
// and reads the first MatchLimit.
func (db *DB) rankMatches(ctx context.Context, q *gorm.DB) ([]Match, error) {
	var out []Match
	err := db.conn(ctx).Table("(?) AS m", q).
		Select("m.*, " + fmt.Sprintf(matchScore, "m") + " AS score").
		Order("score DESC, m.remaining DESC, m.id").Limit(MatchLimit).Scan(&out).Error
	return out, err
}

func streetOrZero(id *int64) int64 {
	if id == nil {
		return 0
	}
	return *id
}
