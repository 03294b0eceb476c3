package store

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/jackc/pgx/v5"
)

var channelName = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

// Notify broadcasts payload on channel to every instance (Postgres NOTIFY;
// inside a transaction it is delivered at commit, so a rolled-back change
// announces nothing). On SQLite, which serves one instance, it does nothing.
func (db *DB) Notify(ctx context.Context, channel, payload string) error {
	if db.dialect != Postgres {
		return nil
	}
	return db.conn(ctx).Exec("SELECT pg_notify(?, ?)", channel, payload).Error
}

// Listen calls fn for each notification on channel until ctx ends,
// reconnecting after an error. On SQLite it returns at once.
func (db *DB) Listen(ctx context.Context, channel string, fn func(payload string)) error {
	if db.dialect != Postgres {
		return nil
	}
	if !channelName.MatchString(channel) {
		return fmt.Errorf("store: bad channel name %q", channel)
	}
	for {
		err := db.listenOnce(ctx, channel, fn)
		if ctx.Err() != nil {
			return nil
		}
		db.log.Warn("notification listener lost its connection; reconnecting", "channel", channel, "err", err)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(time.Second):
		}
		// After a reconnect, changes may have been missed: tell the caller.
		fn("")
	}
}

func (db *DB) listenOnce(ctx context.Context, channel string, fn func(string)) error {
	conn, err := pgx.Connect(ctx, db.dsn)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "LISTEN "+channel); err != nil {
		return err
	}
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			if errors.Is(err, context.Canceled) {
				return nil
			}
			return err
		}
		fn(n.Payload)
	}
}
