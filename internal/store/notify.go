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

// PollInterval is how often a listener on SQLite reads the change counter
// of its channel (a variable for tests).
var PollInterval = 2 * time.Second

// Notify broadcasts payload on channel to every instance (Postgres NOTIFY;
// inside a transaction it is delivered at commit, so a rolled-back change
// announces nothing). On SQLite, where other processes (the CLI, the
// generator) may write the same file, it bumps the channel's change counter
// in the same transaction, which every listener polls; the payload is lost
// (listeners are told "").
func (db *DB) Notify(ctx context.Context, channel, payload string) error {
	if db.dialect != Postgres {
		return db.conn(ctx).Exec(`INSERT INTO change_counters (channel, seq) VALUES (?, 1)
			ON CONFLICT (channel) DO UPDATE SET seq = change_counters.seq + 1`, channel).Error
	}
	return db.conn(ctx).Exec("SELECT pg_notify(?, ?)", channel, payload).Error
}

// Listen calls fn for each notification on channel until ctx ends,
// reconnecting after an error. On SQLite it polls the channel's change
// counter every PollInterval and calls fn("") when it moved (several
// changes between two polls make one call).
func (db *DB) Listen(ctx context.Context, channel string, fn func(payload string)) error {
	if !channelName.MatchString(channel) {
		return fmt.Errorf("store: bad channel name %q", channel)
	}
	if db.dialect != Postgres {
		return db.poll(ctx, channel, fn)
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

// changeSeq reads a channel's change counter (0 before its first change).
func (db *DB) changeSeq(ctx context.Context, channel string) (int64, error) {
	var seq []int64
	err := db.gorm.WithContext(ctx).Raw("SELECT seq FROM change_counters WHERE channel = ?", channel).Scan(&seq).Error
	if err != nil || len(seq) == 0 {
		return 0, err
	}
	return seq[0], nil
}

// poll is Listen on SQLite.
func (db *DB) poll(ctx context.Context, channel string, fn func(string)) error {
	last, err := db.changeSeq(ctx, channel)
	failed := err != nil
	if failed && ctx.Err() == nil {
		db.log.Warn("change counter unreadable; polling on", "channel", channel, "err", err)
	}
	t := time.NewTicker(PollInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		seq, err := db.changeSeq(ctx, channel)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if !failed {
				db.log.Warn("change counter unreadable; polling on", "channel", channel, "err", err)
			}
			failed = true
			continue
		}
		if seq != last || failed {
			// After a failed read, changes may have been missed: tell the caller.
			last, failed = seq, false
			fn("")
		}
	}
}
