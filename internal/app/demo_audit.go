package app

import (
	"context"
	"encoding/json"
	"fmt"

	"tongxin/internal/model"
	"tongxin/internal/store"
)

// seedDemoAudit gives the demo's auditor the trail of the demo projects: one
// audit row per review step (submitted, approved, returned, evaluated …),
// at its time and by its actor, as the services would have written it. It
// runs once: not when the log already holds project operations.
func seedDemoAudit(ctx context.Context, db *store.DB) error {
	l, err := db.ListAudit(ctx, store.AuditFilter{Action: "project."}, model.PageRequest{Limit: 1})
	if err != nil || l.Total > 0 {
		return err
	}
	steps, err := db.ReviewSteps(ctx)
	if err != nil {
		return err
	}
	return db.WithTx(ctx, func(ctx context.Context) error {
		for _, s := range steps {
			changes := map[string]any{"status": [2]string{s.FromStatus, s.ToStatus}}
			if s.Comment != "" {
				changes["comment"] = s.Comment
			}
			if s.Score != nil {
				changes["score"] = [2]any{nil, *s.Score}
			}
			if s.Grade != "" {
				changes["grade"] = [2]any{nil, s.Grade}
			}
			b, err := json.Marshal(changes)
			if err != nil {
				return err
			}
			e := &model.AuditEntry{UserID: s.ActorID, Username: s.Username, Action: "project." + s.Action, ObjectKind: "project",
				ObjectID: fmt.Sprint(s.ProjectID), Domain: model.DomainOf(model.DomainAlliance, s.AllianceID), Changes: string(b)}
			if e.Username == "" {
				e.Username = "system"
			}
			if err := db.AppendAuditAt(ctx, e, s.CreatedAt); err != nil {
				return err
			}
		}
		return nil
	})
}
