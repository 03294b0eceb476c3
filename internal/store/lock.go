package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"hash/fnv"
	"reflect"
	"sync"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"tongxin/internal/model"
)

// Lock is a held named lock; Release frees it (a second call does nothing).
type Lock struct {
	once    sync.Once
	release func()
}

// Release frees the lock.
func (l *Lock) Release() { l.once.Do(l.release) }

// LockKey is the advisory-lock key of a name: the FNV-1a 64-bit hash of
// "tongxin:" + name, as the signed bigint Postgres takes.
func LockKey(name string) int64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte("tongxin:" + name))
	return int64(h.Sum64())
}

// localLocks are the SQLite locks of this process, by database and name.
// SQLite serves one instance, so a process-local mutex is enough there.
var localLocks sync.Map // string → *sync.Mutex

// TryLock takes the lock called name if nobody holds it and returns it, or
// nil when another holder has it. On Postgres it is a session-level advisory
// lock (pg_try_advisory_lock) on a connection set aside for the holder, so
// every instance on the database agrees, and the database frees it if the
// holder dies. On SQLite it is a process-local mutex.
func (db *DB) TryLock(ctx context.Context, name string) (*Lock, error) {
	if db.dialect != Postgres {
		m, _ := localLocks.LoadOrStore(db.dsn+"\x00"+name, &sync.Mutex{})
		mu := m.(*sync.Mutex)
		if !mu.TryLock() {
			return nil, nil
		}
		return &Lock{release: mu.Unlock}, nil
	}
	key := LockKey(name)
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		return nil, err
	}
	var got bool
	if err := conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock($1)", key).Scan(&got); err != nil {
		discard(conn)
		return nil, err
	}
	if !got {
		_ = conn.Close()
		return nil, nil
	}
	return &Lock{release: func() {
		uctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		var freed bool
		if err := conn.QueryRowContext(uctx, "SELECT pg_advisory_unlock($1)", key).Scan(&freed); err != nil || !freed {
			// A session lock must never go back to the pool still held:
			// close the connection, which frees it on the server.
			db.log.Warn("advisory unlock failed; closing its connection", "lock", name, "err", err)
			discard(conn)
			return
		}
		_ = conn.Close()
	}}, nil
}

// discard closes the driver connection under conn instead of returning it
// to the pool.
func discard(conn *sql.Conn) {
	_ = conn.Raw(func(any) error { return driver.ErrBadConn })
	_ = conn.Close()
}

// jobRun is a row of job_runs.
type jobRun struct {
	ID             int64
	Name           string
	LastStartedAt  *time.Time
	LastFinishedAt *time.Time
	LastError      string
	Runs           int64
	Instance       string
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

func (jobRun) TableName() string { return "job_runs" }

// JobRun is what the database records of a periodic job.
type JobRun struct {
	Name           string
	LastStartedAt  *time.Time
	LastFinishedAt *time.Time
	LastError      string
	Runs           int64
	Instance       string
}

// ClaimJobRun records that instance starts the job called name at now,
// unless it started less than every ago (on this or any instance). The
// condition sits in the UPDATE, so of several instances claiming the same
// run exactly one sees a row affected.
func (db *DB) ClaimJobRun(ctx context.Context, name, instance string, now time.Time, every time.Duration) (bool, error) {
	now = now.UTC()
	row := jobRun{Name: name, CreatedAt: now, UpdatedAt: now}
	if err := db.conn(ctx).Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "name"}}, DoNothing: true}).Create(&row).Error; err != nil {
		return false, err
	}
	res := db.conn(ctx).Table("job_runs").
		Where("name = ? AND (last_started_at IS NULL OR last_started_at <= ?)", name, now.Add(-every)).
		Updates(map[string]any{"last_started_at": now, "instance": instance, "updated_at": now})
	return res.RowsAffected == 1, res.Error
}

// FinishJobRun records the end of a run and its error ("" when it succeeded).
func (db *DB) FinishJobRun(ctx context.Context, name string, at time.Time, errText string) error {
	at = at.UTC()
	return db.conn(ctx).Exec("UPDATE job_runs SET last_finished_at = ?, last_error = ?, runs = runs + 1, updated_at = ? WHERE name = ?",
		at, errText, at, name).Error
}

// JobRuns lists what the database records of every periodic job, by name.
func (db *DB) JobRuns(ctx context.Context) ([]JobRun, error) {
	var rows []jobRun
	if err := db.conn(ctx).Order("name").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]JobRun, len(rows))
	for i, r := range rows {
		out[i] = JobRun{Name: r.Name, LastStartedAt: r.LastStartedAt, LastFinishedAt: r.LastFinishedAt,
			LastError: r.LastError, Runs: r.Runs, Instance: r.Instance}
	}
	return out, nil
}

// WithLock runs fn while holding the lock called name, or returns
// (false, nil) at once when another holder has it.
func (db *DB) WithLock(ctx context.Context, name string, fn func(ctx context.Context) error) (bool, error) {
	l, err := db.TryLock(ctx, name)
	if err != nil {
		return false, err
	}
	if l == nil {
		return false, nil
	}
	defer l.Release()
	return true, fn(ctx)
}

// Optimistic locking. Every editable row has a version, 1 when inserted: an
// edit or an action names the version it read, the UPDATE matches it
// (WHERE id = ? AND version = ?) and bumps it (version + 1), so of two
// writers who read the same version exactly one succeeds and the other
// changes nothing and gets a conflict.

// registerVersionDefault makes every insert of a model with a Version field
// write 1 when the field is 0, so rows made in bulk (demo data, imports,
// fixtures) start at the first version like the ones the services make.
func registerVersionDefault(g *gorm.DB) error {
	return g.Callback().Create().Before("gorm:create").Register("tongxin:version_default", func(tx *gorm.DB) {
		sch := tx.Statement.Schema
		if sch == nil {
			return
		}
		f := sch.LookUpField("Version")
		if f == nil || f.FieldType.Kind() != reflect.Int {
			return
		}
		ctx := tx.Statement.Context
		set := func(v reflect.Value) {
			v = reflect.Indirect(v)
			if v.Kind() != reflect.Struct {
				return
			}
			if _, zero := f.ValueOf(ctx, v); zero {
				_ = f.Set(ctx, v, 1)
			}
		}
		switch rv := tx.Statement.ReflectValue; rv.Kind() {
		case reflect.Slice, reflect.Array:
			for i := 0; i < rv.Len(); i++ {
				set(rv.Index(i))
			}
		case reflect.Struct:
			set(rv)
		}
	})
}

// versioned turns the result of a version-guarded UPDATE of table into nil,
// a missing row (ErrNotFound, as kind) or a stale version (a conflict).
func (db *DB) versioned(ctx context.Context, res *gorm.DB, table, kind string, id int64) error {
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected > 0 {
		return nil
	}
	var n int64
	if err := db.conn(ctx).Table(table).Where("id = ?", id).Count(&n).Error; err != nil {
		return err
	}
	if n == 0 {
		return model.NotFound(kind, id)
	}
	return model.Conflict(model.MsgStale)
}

// BumpVersion moves a row of table from version to the next one; another
// stored version is a conflict. It guards the actions whose own UPDATE does
// not name the version (a user's status, lock or password).
func (db *DB) BumpVersion(ctx context.Context, table, kind string, id int64, version int) error {
	res := db.conn(ctx).Table(table).Where("id = ? AND version = ?", id, version).
		Updates(map[string]any{"version": gorm.Expr("version + 1"), "updated_at": db.Now()})
	return db.versioned(ctx, res, table, kind, id)
}
