package store

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"tongxin/internal/model"
)

// Project drafts made from the three lists (立项草稿): what a need's accepted
// claims bring to a project, and the insert of the draft with its links.
// The projects themselves (lifecycle, lists, pages) are projects.go's.

// NeedParty is one accepted claim linked to a need: a unit that claimed the
// need to serve it (Target need; ResourceID is the resource it serves with,
// if named), or a resource the need's unit claimed for it (Target resource;
// ProviderUnitID is that resource's unit).
type NeedParty struct {
	ClaimID        int64
	Target         string
	Quantity       int64
	ClaimantUnitID int64
	ResourceID     *int64
	ProviderUnitID *int64
	CreatedAt      time.Time
}

// NeedParties lists the accepted claims linked to a need, oldest first.
func (db *DB) NeedParties(ctx context.Context, needID int64) ([]NeedParty, error) {
	var out []NeedParty
	err := db.conn(ctx).Table("claims").
		Select("claims.id AS claim_id, claims.target, claims.quantity, claims.claimant_unit_id, claims.resource_id, "+
			"resources.provider_unit_id, claims.created_at").
		Joins("LEFT JOIN resources ON resources.id = claims.resource_id").
		Where("claims.need_id = ? AND claims.status = ?", needID, model.ClaimAccepted).
		Order("claims.id").Scan(&out).Error
	return out, err
}

// OpenProjectOfNeed is the id of a project linked to the need that is not
// cancelled, or 0.
func (db *DB) OpenProjectOfNeed(ctx context.Context, needID int64) (int64, error) {
	var id int64
	err := db.conn(ctx).Table("project_needs").Select("projects.id").
		Joins("JOIN projects ON projects.id = project_needs.project_id").
		Where("project_needs.need_id = ? AND projects.status <> ?", needID, model.ProjectCancelled).
		Order("projects.id").Limit(1).Scan(&id).Error
	return id, err
}

// ProjectDraft is a project to insert with its units, needs and resources.
type ProjectDraft struct {
	Project     *model.Project
	Units       []model.ProjectUnit // ProjectID is filled in
	NeedIDs     []int64
	ResourceIDs []int64
}

// CreateProjectDraft inserts the project at version 1 with its links, in
// the transaction of ctx (the caller's).
func (db *DB) CreateProjectDraft(ctx context.Context, d *ProjectDraft) error {
	if d.Project == nil {
		return errors.New("project draft: no project")
	}
	now := db.Now()
	p := d.Project
	p.CreatedAt, p.UpdatedAt, p.Version = now, now, 1
	if p.Status == "" {
		p.Status = model.ProjectDraft
	}
	return db.WithTx(ctx, func(ctx context.Context) error {
		tx := db.conn(ctx)
		if err := tx.Create(p).Error; err != nil {
			return err
		}
		for i := range d.Units {
			u := &d.Units[i]
			u.ProjectID, u.CreatedAt, u.UpdatedAt = p.ID, now, now
		}
		if len(d.Units) > 0 {
			if err := tx.Create(&d.Units).Error; err != nil {
				return err
			}
		}
		if err := insertLinks(tx, "project_needs", "need_id", p.ID, d.NeedIDs, now); err != nil {
			return err
		}
		return insertLinks(tx, "project_resources", "resource_id", p.ID, d.ResourceIDs, now)
	})
}

func insertLinks(tx *gorm.DB, table, col string, projectID int64, ids []int64, now time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	rows := make([]map[string]any, 0, len(ids))
	for _, id := range ids {
		rows = append(rows, map[string]any{"project_id": projectID, col: id, "created_at": now, "updated_at": now})
	}
	return tx.Table(table).Create(rows).Error
}

// ProjectLinks lists the need and resource ids linked to a project.
func (db *DB) ProjectLinks(ctx context.Context, projectID int64) (needIDs, resourceIDs []int64, err error) {
	if err = db.conn(ctx).Table("project_needs").Where("project_id = ?", projectID).Order("need_id").Pluck("need_id", &needIDs).Error; err != nil {
		return nil, nil, err
	}
	err = db.conn(ctx).Table("project_resources").Where("project_id = ?", projectID).Order("resource_id").Pluck("resource_id", &resourceIDs).Error
	return needIDs, resourceIDs, err
}

// ProjectUnits lists a project's units, the lead first.
func (db *DB) ProjectUnits(ctx context.Context, projectID int64) ([]model.ProjectUnit, error) {
	var out []model.ProjectUnit
	err := db.conn(ctx).Where("project_id = ?", projectID).
		Order("CASE WHEN role = 'lead' THEN 0 ELSE 1 END, id").Find(&out).Error
	return out, err
}

// NeedIDsByTitle maps the titles of an alliance's needs to their ids (the
// demo data links its projects to its needs by title).
func (db *DB) NeedIDsByTitle(ctx context.Context, allianceID int64, titles []string) (map[string]int64, error) {
	out := map[string]int64{}
	if len(titles) == 0 {
		return out, nil
	}
	var rows []struct {
		ID    int64
		Title string
	}
	err := db.conn(ctx).Table("needs").Select("id, title").Where("alliance_id = ? AND title IN (?)", allianceID, titles).
		Order("id").Scan(&rows).Error
	for _, r := range rows {
		if _, ok := out[r.Title]; !ok {
			out[r.Title] = r.ID
		}
	}
	return out, err
}
