package store

import (
	"context"

	"tongxin/internal/model"
)

// The review trail of projects (project_reviews): one row per transition,
// written in the transaction of the transition.

// CreateProjectReview inserts a review row, made now unless CreatedAt is
// set (imported history, demo data).
func (db *DB) CreateProjectReview(ctx context.Context, r *model.ProjectReview) error {
	if r.CreatedAt.IsZero() {
		r.CreatedAt = db.Now()
	}
	r.UpdatedAt = r.CreatedAt
	return db.conn(ctx).Create(r).Error
}

// ProjectReviewRow is a review with its actor's name.
type ProjectReviewRow struct {
	model.ProjectReview
	ActorName string
}

// ProjectReviews lists a project's reviews, oldest first (a project has a
// handful; the timeline shows them all).
func (db *DB) ProjectReviews(ctx context.Context, projectID int64) ([]ProjectReviewRow, error) {
	var out []ProjectReviewRow
	err := db.conn(ctx).Table("project_reviews").
		Select("project_reviews.*, COALESCE(users.display_name, '') AS actor_name").
		Joins("LEFT JOIN users ON users.id = project_reviews.actor_id").
		Where("project_reviews.project_id = ?", projectID).Order("project_reviews.id").Scan(&out).Error
	return out, err
}
