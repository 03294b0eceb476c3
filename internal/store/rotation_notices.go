package store

import (
	"context"
	"time"
)

// TermsStarting lists the terms (with their names) that start within
// [from, to], are not handed over, and whose start was not yet announced to
// their unit, after the id after, at most limit, by id.
func (db *DB) TermsStarting(ctx context.Context, from, to time.Time, after int64, limit int) ([]RotationTermRow, error) {
	var out []RotationTermRow
	err := db.rotationRows(ctx).
		Where("rotation_terms.starts_on >= ? AND rotation_terms.starts_on <= ? AND rotation_terms.status <> ? AND rotation_terms.start_noticed_at IS NULL AND rotation_terms.id > ?",
			from, to, "handed_over", after).
		Order("rotation_terms.id").Limit(limit).Find(&out).Error
	return out, err
}

// ClaimTermStartNotice marks a term's start announced; false when another
// instance did it first (the conditional UPDATE decides).
func (db *DB) ClaimTermStartNotice(ctx context.Context, id int64) (bool, error) {
	now := db.Now()
	res := db.conn(ctx).Table("rotation_terms").Where("id = ? AND start_noticed_at IS NULL", id).
		Updates(map[string]any{"start_noticed_at": now})
	return res.RowsAffected == 1, res.Error
}
