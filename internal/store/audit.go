package store

import (
	"context"

	"tongxin/internal/model"
)

// AppendAudit writes one audit row. Call it inside the transaction of the
// change it records, so that both land or neither does.
func (db *DB) AppendAudit(ctx context.Context, e *model.AuditEntry) error {
	now := db.Now()
	e.CreatedAt, e.UpdatedAt = now, now
	return db.conn(ctx).Create(e).Error
}

// AppendLoginEvent writes one login event.
func (db *DB) AppendLoginEvent(ctx context.Context, e *model.LoginEvent) error {
	now := db.Now()
	e.CreatedAt, e.UpdatedAt = now, now
	return db.conn(ctx).Create(e).Error
}
