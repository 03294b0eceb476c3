package service

import (
	"context"
	"encoding/json"
	"fmt"

	"tongxin/internal/authz"
	"tongxin/internal/model"
	"tongxin/internal/store"
)

// SysChain is the domain chain of objects that belong to the whole system
// (users, role assignments, login events, sessions, the audit log).
var SysChain = []string{model.DomainSys}

// Deps are what the use cases share.
type Deps struct {
	DB    *store.DB
	Authz *authz.Authorizer
	Auth  *Auth
	// Dict caches dictionary items for the life of a server; nil reads them
	// afresh (the command line, tests).
	Dict *DictionaryCache
}

// audit writes an audit row for actor in the transaction of ctx.
func audit(ctx context.Context, db *store.DB, actor model.Actor, action, kind string, id any, domain string, changes any) error {
	e := &model.AuditEntry{Username: actor.Username, IP: actor.IP, RequestID: actor.RequestID,
		Action: action, ObjectKind: kind, ObjectID: fmt.Sprint(id), Domain: domain}
	if actor.UserID != 0 {
		uid := actor.UserID
		e.UserID = &uid
	}
	if changes != nil {
		b, err := json.Marshal(maskAuditChanges(changes)) // personal data stored masked: pii.go
		if err != nil {
			return err
		}
		e.Changes = string(b)
	}
	return db.AppendAudit(ctx, e)
}

// Change is one field's before and after, as the audit log records it.
type Change [2]any

// diff takes (name, before, after) triples and keeps the fields that changed.
func diff(pairs ...any) map[string]Change {
	out := map[string]Change{}
	for i := 0; i+2 < len(pairs); i += 3 {
		name, _ := pairs[i].(string)
		if fmt.Sprint(pairs[i+1]) != fmt.Sprint(pairs[i+2]) {
			out[name] = Change{pairs[i+1], pairs[i+2]}
		}
	}
	return out
}
