package store

import (
	"context"
	"time"

	"gorm.io/gorm"

	"tongxin/internal/model"
)

// ImportJobFilter selects import jobs (导入任务).
type ImportJobFilter struct {
	// CreatedBy keeps one person's jobs; 0 lists everyone's (the system
	// admin's view; the service decides).
	CreatedBy int64
	Status    string
	Kind      string
}

// ImportJobRow is a job with its creator's names beside it.
type ImportJobRow struct {
	model.ImportJob `gorm:"embedded"`
	CreatorUsername string
	CreatorName     string
}

var importJobSort = sortSpec[ImportJobRow]{
	Columns: []sortColumn[ImportJobRow]{
		{Key: "created_at", Column: "import_jobs.created_at", Kind: "time", Value: func(j *ImportJobRow) any { return j.CreatedAt }},
		{Key: "id", Column: "import_jobs.id", Kind: "int", Value: func(j *ImportJobRow) any { return j.ID }},
		{Key: "status", Column: "import_jobs.status", Kind: "text", Value: func(j *ImportJobRow) any { return j.Status }},
		{Key: "file_name", Column: "import_jobs.file_name", Kind: "text", Value: func(j *ImportJobRow) any { return j.FileName }},
	},
	Default:     "created_at",
	DefaultDesc: true,
	IDColumn:    "import_jobs.id",
	ID:          func(j *ImportJobRow) int64 { return j.ID },
}

// ImportJobSortKeys lists the keys ListImportJobs sorts by.
func ImportJobSortKeys() []string { return sortKeys(importJobSort) }

// CreateImportJob inserts a job.
func (db *DB) CreateImportJob(ctx context.Context, j *model.ImportJob) error {
	now := db.Now()
	j.ID, j.CreatedAt, j.UpdatedAt = 0, now, now
	if j.Status == "" {
		j.Status = model.ImportQueued
	}
	return db.conn(ctx).Create(j).Error
}

func (db *DB) importJobRows(ctx context.Context) *gorm.DB {
	return db.conn(ctx).Table("import_jobs").
		Select("import_jobs.*, COALESCE(users.username, '') AS creator_username, COALESCE(users.display_name, '') AS creator_name").
		Joins("LEFT JOIN users ON users.id = import_jobs.created_by")
}

// ImportJobByID loads a job with its creator's names.
func (db *DB) ImportJobByID(ctx context.Context, id int64) (*ImportJobRow, error) {
	var j ImportJobRow
	if err := db.importJobRows(ctx).Where("import_jobs.id = ?", id).Take(&j).Error; err != nil {
		return nil, notFound(err, "import_job", id)
	}
	return &j, nil
}

func (db *DB) importJobQuery(ctx context.Context, f ImportJobFilter) *gorm.DB {
	q := db.importJobRows(ctx)
	if f.CreatedBy != 0 {
		q = q.Where("import_jobs.created_by = ?", f.CreatedBy)
	}
	if f.Status != "" {
		q = q.Where("import_jobs.status = ?", f.Status)
	}
	if f.Kind != "" {
		q = q.Where("import_jobs.kind = ?", f.Kind)
	}
	return q
}

// ListImportJobs pages through the jobs matching f, newest first by default.
func (db *DB) ListImportJobs(ctx context.Context, f ImportJobFilter, req model.PageRequest) (model.List[ImportJobRow], error) {
	return page(db.importJobQuery(ctx, f), importJobSort, req)
}

// EachImportJob calls fn for every job matching f in the order of req, a
// page of 500 at a time (exports).
func (db *DB) EachImportJob(ctx context.Context, f ImportJobFilter, req model.PageRequest, fn func(*ImportJobRow) error) error {
	req.Limit, req.After, req.Before = model.MaxPageSize, "", ""
	for {
		l, err := page(db.importJobQuery(ctx, f), importJobSort, req)
		if err != nil {
			return err
		}
		for i := range l.Items {
			if err := fn(&l.Items[i]); err != nil {
				return err
			}
		}
		if l.Next == "" {
			return nil
		}
		req.After = l.Next
	}
}

// NextQueuedImportJob returns the id of the oldest queued job, 0 when none.
func (db *DB) NextQueuedImportJob(ctx context.Context) (int64, error) {
	var ids []int64
	err := db.conn(ctx).Table("import_jobs").Where("status = ?", model.ImportQueued).
		Order("id").Limit(1).Pluck("id", &ids).Error
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	return ids[0], nil
}

// ClaimImportJob moves a queued job to running. The condition on the status
// sits in the UPDATE, so of several workers (and instances) racing for the
// same job exactly one sees a row affected and runs it.
func (db *DB) ClaimImportJob(ctx context.Context, id int64) (bool, error) {
	now := db.Now()
	res := db.conn(ctx).Table("import_jobs").Where("id = ? AND status = ?", id, model.ImportQueued).
		Updates(map[string]any{"status": model.ImportRunning, "started_at": now, "updated_at": now, "heartbeat_at": now,
			"processed_rows": 0, "created_rows": 0, "unchanged_rows": 0, "error_rows": 0})
	return res.RowsAffected == 1, res.Error
}

// ImportCounts are a job's row counts.
type ImportCounts struct {
	Processed, Created, Unchanged, Errors int
}

// UpdateImportProgress records a running job's counts (and beats its
// heartbeat).
func (db *DB) UpdateImportProgress(ctx context.Context, id int64, c ImportCounts) error {
	now := db.Now()
	return db.conn(ctx).Table("import_jobs").Where("id = ? AND status = ?", id, model.ImportRunning).
		Updates(map[string]any{"processed_rows": c.Processed, "created_rows": c.Created, "unchanged_rows": c.Unchanged,
			"error_rows": c.Errors, "updated_at": now, "heartbeat_at": now}).Error
}

// SetImportEstimate records the rows a running job's file claims to hold
// (progress only: FinishImportJob writes the real count).
func (db *DB) SetImportEstimate(ctx context.Context, id int64, rows int) error {
	now := db.Now()
	return db.conn(ctx).Table("import_jobs").Where("id = ? AND status = ?", id, model.ImportRunning).
		Updates(map[string]any{"total_rows": rows, "updated_at": now, "heartbeat_at": now}).Error
}

// ImportHeartbeat records that the worker of a running job is alive.
func (db *DB) ImportHeartbeat(ctx context.Context, id int64) error {
	return db.conn(ctx).Table("import_jobs").Where("id = ? AND status = ?", id, model.ImportRunning).
		Update("heartbeat_at", db.Now()).Error
}

// FinishImportJob ends a running job as done or failed with its counts, the
// error file and a message. The rows processed become the job's total: the
// rows are counted by reading them, once.
func (db *DB) FinishImportJob(ctx context.Context, id int64, status string, c ImportCounts, errorFile, message string) error {
	now := db.Now()
	return db.conn(ctx).Table("import_jobs").Where("id = ? AND status = ?", id, model.ImportRunning).
		Updates(map[string]any{"status": status, "total_rows": c.Processed, "processed_rows": c.Processed, "created_rows": c.Created,
			"unchanged_rows": c.Unchanged, "error_rows": c.Errors, "error_file_path": errorFile, "message": message,
			"finished_at": now, "updated_at": now}).Error
}

// RequeueImportJob puts a running job back in the queue (its worker is
// stopping); a rerun is safe because an import is idempotent.
func (db *DB) RequeueImportJob(ctx context.Context, id int64, message string) error {
	return db.conn(ctx).Table("import_jobs").Where("id = ? AND status = ?", id, model.ImportRunning).
		Updates(map[string]any{"status": model.ImportQueued, "started_at": nil, "message": message, "updated_at": db.Now()}).Error
}

// RequeueStaleImportJobs puts back in the queue the running jobs whose
// worker has given no sign of life (heartbeat) since before (an instance
// that died).
func (db *DB) RequeueStaleImportJobs(ctx context.Context, before time.Time, message string) (int64, error) {
	res := db.conn(ctx).Table("import_jobs").
		Where("status = ? AND COALESCE(heartbeat_at, updated_at) < ?", model.ImportRunning, before.UTC()).
		Updates(map[string]any{"status": model.ImportQueued, "started_at": nil, "message": message, "updated_at": db.Now()})
	return res.RowsAffected, res.Error
}
