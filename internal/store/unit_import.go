package store

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"tongxin/internal/model"
)

// UnitImportRefs are the reference data an import of units resolves and
// checks its rows against, read once per job.
type UnitImportRefs struct {
	// Kinds are every unit_kind item, active or not (a row may name a
	// deactivated kind by its label; the validation then refuses it).
	Kinds []model.DictionaryItem
	// Streets are every street of every district, active or not (a row may
	// name a street of another district; the validation then refuses it).
	Streets []model.Street
}

// LoadUnitImportRefs reads the reference data of a units import.
func (db *DB) LoadUnitImportRefs(ctx context.Context) (UnitImportRefs, error) {
	var r UnitImportRefs
	if err := db.conn(ctx).Where("kind = ?", model.DictUnitKind).Order("sort, id").Find(&r.Kinds).Error; err != nil {
		return r, err
	}
	err := db.conn(ctx).Order("district_id, id").Find(&r.Streets).Error
	return r, err
}

// ImportAlliance is an alliance as an import target: its name and district.
type ImportAlliance struct {
	ID         int64
	Name       string
	DistrictID int64
}

// ImportAlliances loads the alliances with the given ids (the targets an
// alliance secretary may import into), by name.
func (db *DB) ImportAlliances(ctx context.Context, ids []int64) ([]ImportAlliance, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var out []ImportAlliance
	err := db.conn(ctx).Table("alliances").Select("id, name, district_id").Where("id IN (?)", ids).Order("name, id").Scan(&out).Error
	return out, err
}

// ExistingUnitKeys looks up the natural keys of a batch of units: which of
// codes are the credit code of a unit (in any district: the code is unique
// city-wide), and which of names name a unit of the district.
func (db *DB) ExistingUnitKeys(ctx context.Context, districtID int64, codes, names []string) (map[string]bool, map[string]bool, error) {
	haveCodes := make(map[string]bool, len(codes))
	haveNames := make(map[string]bool, len(names))
	if len(codes) > 0 {
		var found []string
		if err := db.conn(ctx).Table("units").Where("credit_code IN (?)", codes).Pluck("credit_code", &found).Error; err != nil {
			return nil, nil, err
		}
		for _, c := range found {
			haveCodes[c] = true
		}
	}
	if len(names) > 0 {
		var found []string
		if err := db.conn(ctx).Table("units").Where("district_id = ? AND name IN (?)", districtID, names).Pluck("name", &found).Error; err != nil {
			return nil, nil, err
		}
		for _, n := range found {
			haveNames[n] = true
		}
	}
	return haveCodes, haveNames, nil
}

// importInsertChunk is the rows per INSERT statement: SQLite's driver binds
// parameters in time quadratic in their number, so a 500-row transaction is
// written as five statements of 100 rows (faster on both dialects).
const importInsertChunk = 100

// ErrUnitKeyTaken reports that a unit of the batch collided with one written
// meanwhile by someone else (the unique credit code); the caller looks the
// keys up again and retries.
var ErrUnitKeyTaken = errors.New("store: a credit code of the batch was taken meanwhile")

// InsertImportedUnits writes a batch of new units at version 1 in the
// transaction of ctx, and when allianceID is not 0 makes each a member
// (成员单位) of that alliance from joinedOn. It fills the units' ids.
func (db *DB) InsertImportedUnits(ctx context.Context, units []model.Unit, allianceID int64, joinedOn time.Time) error {
	if len(units) == 0 {
		return nil
	}
	now := db.Now()
	for i := range units {
		u := &units[i]
		u.ID, u.CreatedAt, u.UpdatedAt, u.Version = 0, now, now, 1
		if u.Status == "" {
			u.Status = model.StatusActive
		}
	}
	if err := db.conn(ctx).CreateInBatches(&units, importInsertChunk).Error; err != nil {
		if errors.Is(err, gorm.ErrDuplicatedKey) {
			return ErrUnitKeyTaken
		}
		return err
	}
	if allianceID == 0 {
		return nil
	}
	ms := make([]model.Membership, len(units))
	for i := range units {
		ms[i] = model.Membership{AllianceID: allianceID, UnitID: units[i].ID, Rank: model.RankMember, JoinedOn: joinedOn, CreatedAt: now, UpdatedAt: now}
	}
	return db.conn(ctx).CreateInBatches(&ms, importInsertChunk).Error
}

// ImportDistrictAlliances loads the active alliances of the given districts
// (all districts when all), by name: the targets of a district-wide import
// right on alliance-owned rows (needs, resources, projects).
func (db *DB) ImportDistrictAlliances(ctx context.Context, districtIDs []int64, all bool) ([]ImportAlliance, error) {
	q := db.conn(ctx).Table("alliances").Select("id, name, district_id").Where("status = ?", model.StatusActive)
	if !all {
		if len(districtIDs) == 0 {
			return nil, nil
		}
		q = q.Where("district_id IN (?)", districtIDs)
	}
	var out []ImportAlliance
	err := q.Order("name, id").Scan(&out).Error
	return out, err
}
