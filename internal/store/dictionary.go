package store

import (
	"context"
	"errors"

	"gorm.io/gorm"

	"tongxin/internal/model"
)

// DictionaryItems lists a kind's items (all kinds when kind is ""), in kind,
// sort and code order; activeOnly leaves out deactivated codes.
func (db *DB) DictionaryItems(ctx context.Context, kind string, activeOnly bool) ([]model.DictionaryItem, error) {
	q := db.conn(ctx).Model(&model.DictionaryItem{})
	if kind != "" {
		q = q.Where("kind = ?", kind)
	}
	if activeOnly {
		q = q.Where("active = ?", true)
	}
	var out []model.DictionaryItem
	err := q.Order("kind, sort, code, id").Find(&out).Error
	return out, err
}

// DictionaryItemByID loads one item.
func (db *DB) DictionaryItemByID(ctx context.Context, id int64) (*model.DictionaryItem, error) {
	var it model.DictionaryItem
	if err := db.conn(ctx).Take(&it, id).Error; err != nil {
		return nil, notFound(err, "dictionary_item", id)
	}
	return &it, nil
}

// CreateDictionaryItem inserts an item; a code the kind has already (active
// or not) is a ValidationError on the code field.
func (db *DB) CreateDictionaryItem(ctx context.Context, it *model.DictionaryItem) error {
	now := db.Now()
	it.CreatedAt, it.UpdatedAt = now, now
	err := db.conn(ctx).Create(it).Error
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return (&model.ValidationError{}).Add("code", "dictionary.code_taken")
	}
	return err
}

// UpdateDictionaryItem changes an item's labels and sort position. The code
// and kind never change: rows elsewhere hold the code. The stored version
// must be version (a stale one is a conflict); it is bumped.
func (db *DB) UpdateDictionaryItem(ctx context.Context, id int64, version int, labelZh, labelEn string, sort int) error {
	res := db.conn(ctx).Model(&model.DictionaryItem{}).Where("id = ? AND version = ?", id, version).Updates(map[string]any{
		"label_zh": labelZh, "label_en": labelEn, "sort": sort, "version": gorm.Expr("version + 1"), "updated_at": db.Now(),
	})
	return db.versioned(ctx, res, "dictionary_items", "dictionary_item", id)
}

// SetDictionaryItemActive deactivates or reactivates an item. There is no
// delete: a code in use must never vanish. The stored version must be
// version; it is bumped.
func (db *DB) SetDictionaryItemActive(ctx context.Context, id int64, version int, active bool) error {
	res := db.conn(ctx).Model(&model.DictionaryItem{}).Where("id = ? AND version = ?", id, version).Updates(map[string]any{
		"active": active, "version": gorm.Expr("version + 1"), "updated_at": db.Now(),
	})
	return db.versioned(ctx, res, "dictionary_items", "dictionary_item", id)
}
