package store

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Idempotency key states.
const (
	IdemRunning = "running" // reserved: the first request runs
	IdemDone    = "done"    // its answer is recorded
)

// IdemKey is a row of idempotency_keys: a one-time key of a form or of an
// API call (Idempotency-Key) and, once the first request with it ended,
// its answer.
type IdemKey struct {
	ID          int64
	Scope       string // form:<user id> or api:<user id>
	IdemKey     string
	Route       string // "POST /api/v1/needs"
	RequestHash string
	State       string
	Status      int
	Location    string
	ContentType string
	Body        []byte
	CreatedAt   time.Time
	ExpiresAt   time.Time
}

// TableName is the table of IdemKey.
func (IdemKey) TableName() string { return "idempotency_keys" }

// ReserveIdemKey records k as running unless its (scope, key) is taken: it
// returns (nil, nil) when this request holds the key now, or the row that
// holds it. A reservation still running after stale (a crash between the
// reservation and the answer) is taken over, and so is an expired row.
func (db *DB) ReserveIdemKey(ctx context.Context, k *IdemKey, stale time.Duration) (*IdemKey, error) {
	now := db.Now()
	k.State, k.CreatedAt = IdemRunning, now
	for range 2 {
		res := db.conn(ctx).Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "scope"}, {Name: "idem_key"}}, DoNothing: true}).Create(k)
		if res.Error != nil {
			return nil, res.Error
		}
		if res.RowsAffected == 1 {
			return nil, nil
		}
		var held IdemKey
		err := db.conn(ctx).Where("scope = ? AND idem_key = ?", k.Scope, k.IdemKey).Take(&held).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			continue // released in between: try again
		}
		if err != nil {
			return nil, err
		}
		if held.ExpiresAt.After(now) && (held.State == IdemDone || held.CreatedAt.Add(stale).After(now)) {
			return &held, nil
		}
		// Expired, or a reservation nobody completed: drop it and try again.
		if err := db.conn(ctx).Where("id = ? AND state = ?", held.ID, held.State).Delete(&IdemKey{}).Error; err != nil {
			return nil, err
		}
		k.ID = 0
	}
	return nil, errors.New("store: idempotency key contended")
}

// CompleteIdemKey records the answer of the request that holds the key.
func (db *DB) CompleteIdemKey(ctx context.Context, id int64, status int, location, contentType string, body []byte) error {
	return db.conn(ctx).Model(&IdemKey{}).Where("id = ? AND state = ?", id, IdemRunning).Updates(map[string]any{
		"state": IdemDone, "status": status, "location": location, "content_type": contentType, "body": body}).Error
}

// ReleaseIdemKey forgets a reservation whose request did nothing lasting
// (a server error, a form sent back with its mistakes): the key may be used again.
func (db *DB) ReleaseIdemKey(ctx context.Context, id int64) error {
	return db.conn(ctx).Where("id = ? AND state = ?", id, IdemRunning).Delete(&IdemKey{}).Error
}

// DeleteExpiredIdemKeys removes expired keys (a periodic job).
func (db *DB) DeleteExpiredIdemKeys(ctx context.Context) (int64, error) {
	res := db.conn(ctx).Where("expires_at <= ?", db.Now()).Delete(&IdemKey{})
	return res.RowsAffected, res.Error
}
