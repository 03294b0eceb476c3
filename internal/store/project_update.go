package store

import (
	"context"
	"time"

	"tongxin/internal/model"
)

// Progress updates of projects (project_updates).

// CreateProjectUpdate inserts a progress update, made now unless CreatedAt
// is set (imported history, demo data).
func (db *DB) CreateProjectUpdate(ctx context.Context, u *model.ProjectUpdate) error {
	if u.CreatedAt.IsZero() {
		u.CreatedAt = db.Now()
	}
	u.UpdatedAt = u.CreatedAt
	return db.conn(ctx).Create(u).Error
}

// ProjectUpdateByID loads a progress update.
func (db *DB) ProjectUpdateByID(ctx context.Context, id int64) (*model.ProjectUpdate, error) {
	var u model.ProjectUpdate
	if err := db.conn(ctx).Take(&u, id).Error; err != nil {
		return nil, notFound(err, "project_update", id)
	}
	return &u, nil
}

// ProjectUpdateMark is a progress update's day and percentage.
type ProjectUpdateMark struct {
	ID         int64
	Percent    int
	HappenedOn time.Time
}

// ProjectUpdateMarks lists the days and percentages of a project's progress
// updates, the latest day first (the latest recorded first within a day).
func (db *DB) ProjectUpdateMarks(ctx context.Context, projectID int64) ([]ProjectUpdateMark, error) {
	var out []ProjectUpdateMark
	err := db.conn(ctx).Table("project_updates").Select("id, percent, happened_on").
		Where("project_id = ?", projectID).Order("happened_on DESC, id DESC").Scan(&out).Error
	return out, err
}

// ProjectUpdateRow is an update with its author's name.
type ProjectUpdateRow struct {
	model.ProjectUpdate
	AuthorName string
}

func projectUpdateSort(dialect string) sortSpec[ProjectUpdateRow] {
	return sortSpec[ProjectUpdateRow]{
		Columns: []sortColumn[ProjectUpdateRow]{
			{Key: "happened_on", Column: allianceDateOrder(dialect, "project_updates.happened_on"), Kind: "time",
				Value: func(u *ProjectUpdateRow) any { return u.HappenedOn.UTC() }},
		},
		Default:     "happened_on",
		DefaultDesc: true,
		IDColumn:    "project_updates.id",
		ID:          func(u *ProjectUpdateRow) int64 { return u.ID },
	}
}

// ProjectUpdateSortKeys lists the keys ListProjectUpdates sorts by.
func ProjectUpdateSortKeys() []string { return sortKeys(projectUpdateSort(SQLite)) }

// ListProjectUpdates pages through a project's updates, latest day first.
func (db *DB) ListProjectUpdates(ctx context.Context, projectID int64, req model.PageRequest) (model.List[ProjectUpdateRow], error) {
	q := db.conn(ctx).Table("project_updates").
		Select("project_updates.*, COALESCE(users.display_name, '') AS author_name").
		Joins("LEFT JOIN users ON users.id = project_updates.created_by").
		Where("project_updates.project_id = ?", projectID)
	return page(q, projectUpdateSort(db.dialect), req)
}
