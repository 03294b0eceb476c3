package store

import (
	"context"

	"gorm.io/gorm"
)

type txKey struct{}

type txValue struct {
	db *DB
	tx *gorm.DB
}

// WithTx runs fn in one transaction carried by the context. A nested call on
// the same DB joins the outer transaction (it neither commits nor rolls back
// on its own); an error from fn rolls the whole transaction back.
func (db *DB) WithTx(ctx context.Context, fn func(ctx context.Context) error) error {
	if v, ok := ctx.Value(txKey{}).(txValue); ok && v.db == db {
		return fn(ctx)
	}
	return db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return fn(context.WithValue(ctx, txKey{}, txValue{db: db, tx: tx}))
	})
}

// InTx reports whether ctx carries a transaction of this DB.
func (db *DB) InTx(ctx context.Context) bool {
	v, ok := ctx.Value(txKey{}).(txValue)
	return ok && v.db == db
}

// conn returns the transaction in ctx, or the pool, bound to ctx.
func (db *DB) conn(ctx context.Context) *gorm.DB {
	if v, ok := ctx.Value(txKey{}).(txValue); ok && v.db == db {
		return v.tx
	}
	return db.gorm.WithContext(ctx)
}
