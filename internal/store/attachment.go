package store

import (
	"context"

	"tongxin/internal/model"
)

// Attachments: uploaded files, stored under the upload directory by their
// SHA-256 (the service writes the file; this is the row).

// CreateAttachment inserts an attachment row.
func (db *DB) CreateAttachment(ctx context.Context, a *model.Attachment) error {
	now := db.Now()
	a.CreatedAt, a.UpdatedAt = now, now
	return db.conn(ctx).Create(a).Error
}

// AttachmentByID loads an attachment.
func (db *DB) AttachmentByID(ctx context.Context, id int64) (*model.Attachment, error) {
	var a model.Attachment
	if err := db.conn(ctx).Take(&a, id).Error; err != nil {
		return nil, notFound(err, "attachment", id)
	}
	return &a, nil
}

// ProjectAttachments lists the attachments of a project and of its progress
// updates, in upload order (one statement, whatever the number of updates).
func (db *DB) ProjectAttachments(ctx context.Context, projectID int64) ([]model.Attachment, error) {
	var out []model.Attachment
	err := db.conn(ctx).
		Where("(owner_kind = ? AND owner_id = ?) OR (owner_kind = ? AND owner_id IN (SELECT id FROM project_updates WHERE project_id = ?))",
			model.AttachOwnerProject, projectID, model.AttachOwnerUpdate, projectID).
		Order("id").Find(&out).Error
	return out, err
}

// ProjectOwnAttachments lists the files attached to each of the projects
// directly (not those of their progress updates), in upload order: one
// statement for a page of the review queue.
func (db *DB) ProjectOwnAttachments(ctx context.Context, projectIDs []int64) (map[int64][]model.Attachment, error) {
	out := map[int64][]model.Attachment{}
	if len(projectIDs) == 0 {
		return out, nil
	}
	var rows []model.Attachment
	if err := db.conn(ctx).Where("owner_kind = ? AND owner_id IN (?)", model.AttachOwnerProject, projectIDs).
		Order("id").Find(&rows).Error; err != nil {
		return nil, err
	}
	for _, a := range rows {
		out[a.OwnerID] = append(out[a.OwnerID], a)
	}
	return out, nil
}

// AttachmentProject is the project an attachment belongs to (directly or
// through a progress update); 0 when it belongs to something else.
func (db *DB) AttachmentProject(ctx context.Context, a *model.Attachment) (int64, error) {
	switch a.OwnerKind {
	case model.AttachOwnerProject:
		return a.OwnerID, nil
	case model.AttachOwnerUpdate:
		u, err := db.ProjectUpdateByID(ctx, a.OwnerID)
		if err != nil {
			return 0, err
		}
		return u.ProjectID, nil
	}
	return 0, nil
}

// MoveAttachments gives the project's own attachments ids to another owner
// (a progress update) or marks their purpose; it answers how many moved.
func (db *DB) MoveAttachments(ctx context.Context, projectID int64, ids []int64, ownerKind string, ownerID int64, purpose string) (int64, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	res := db.conn(ctx).Model(&model.Attachment{}).
		Where("id IN (?) AND owner_kind = ? AND owner_id = ?", ids, model.AttachOwnerProject, projectID).
		Updates(map[string]any{"owner_kind": ownerKind, "owner_id": ownerID, "purpose": purpose, "updated_at": db.Now()})
	return res.RowsAffected, res.Error
}

// MarkAttachments sets the purpose of those of ids that belong to the
// project (directly or through an update); it answers how many.
func (db *DB) MarkAttachments(ctx context.Context, projectID int64, ids []int64, purpose string) (int64, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	res := db.conn(ctx).Model(&model.Attachment{}).
		Where("id IN (?) AND ((owner_kind = ? AND owner_id = ?) OR (owner_kind = ? AND owner_id IN (SELECT id FROM project_updates WHERE project_id = ?)))",
			ids, model.AttachOwnerProject, projectID, model.AttachOwnerUpdate, projectID).
		Updates(map[string]any{"purpose": purpose, "updated_at": db.Now()})
	return res.RowsAffected, res.Error
}
