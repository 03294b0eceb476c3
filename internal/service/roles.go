package service

import (
	"context"
	"slices"
	"strings"
	"time"

	"tongxin/internal/authz"
	"tongxin/internal/model"
	"tongxin/internal/store"
)

// Roles grants and revokes role assignments (安全管理员).
type Roles struct {
	db    *store.DB
	authz *authz.Authorizer
}

// NewRoles builds the service.
func NewRoles(d Deps) *Roles { return &Roles{db: d.DB, authz: d.Authz} }

// Grant is a request to give a user a role in a domain for a window.
type Grant struct {
	UserID     int64
	Role       string
	Domain     string
	ValidFrom  time.Time // zero: now
	ValidUntil *time.Time
}

// ForUser lists a user's assignments, past, present and future.
func (s *Roles) ForUser(ctx context.Context, actor model.Actor, userID int64) ([]model.RoleAssignment, error) {
	if err := s.authz.Check(actor.UserID, SysChain, "role_assignment", "read"); err != nil {
		return nil, err
	}
	return s.db.RoleAssignmentsOfUser(ctx, userID)
}

// Create grants a role. It refuses a derived role (alliance_chair), a role
// in the wrong kind of domain, a domain that does not exist, a grant to
// oneself, and any mix of one of the three administrator roles with another
// role for one person (三员分立, see checkSeparation).
func (s *Roles) Create(ctx context.Context, actor model.Actor, g Grant) (*model.RoleAssignment, error) {
	if err := s.authz.Check(actor.UserID, SysChain, "role_assignment", "create"); err != nil {
		return nil, err
	}
	now := s.db.Now()
	if g.ValidFrom.IsZero() {
		g.ValidFrom = now
	}
	if actor.UserID != 0 && g.UserID == actor.UserID {
		return nil, (&model.ValidationError{}).Add("role", MsgRoleOwn)
	}
	ve := &model.ValidationError{}
	if g.Role == model.RoleAllianceChair {
		return nil, model.Rule("derived_role", "role.chair_is_derived")
	}
	wantKind, ok := model.AssignableRoles[g.Role]
	if !ok {
		ve.Add("role", "role.unknown")
	}
	kind, id, err := model.ParseDomain(g.Domain)
	if err != nil {
		ve.Add("domain", "role.bad_domain")
	} else if ok && kind != wantKind {
		ve.Add("domain", "role.domain_kind_"+wantKind)
	}
	if g.ValidUntil != nil && !g.ValidUntil.After(g.ValidFrom) {
		ve.Add("valid_until", "role.bad_window")
	}
	if err := ve.Err(); err != nil {
		return nil, err
	}
	ra := &model.RoleAssignment{UserID: g.UserID, Role: g.Role, Domain: g.Domain, ValidFrom: g.ValidFrom.UTC(), Source: model.SourceManual}
	if g.ValidUntil != nil {
		t := g.ValidUntil.UTC()
		ra.ValidUntil = &t
	}
	if actor.UserID != 0 {
		by := actor.UserID
		ra.GrantedBy = &by
	}
	err = s.db.WithTx(ctx, func(ctx context.Context) error {
		if _, err := s.db.UserByID(ctx, g.UserID); err != nil {
			return err
		}
		exists, err := s.db.DomainExists(ctx, kind, id)
		if err != nil {
			return err
		}
		if !exists {
			return (&model.ValidationError{}).Add("domain", "role.no_such_domain")
		}
		if err := checkSeparation(ctx, s.db, g.UserID, g.Role, now); err != nil {
			return err
		}
		if err := s.db.CreateRoleAssignment(ctx, ra); err != nil {
			return err
		}
		if err := s.db.Notify(ctx, authz.Channel, "role_assignment"); err != nil {
			return err
		}
		return audit(ctx, s.db, actor, "role_assignment.create", "role_assignment", ra.ID, g.Domain, map[string]Change{
			"user_id": {nil, g.UserID}, "role": {nil, g.Role}, "domain": {nil, g.Domain},
			"valid_from": {nil, ra.ValidFrom}, "valid_until": {nil, ra.ValidUntil},
		})
	})
	if err != nil {
		return nil, err
	}
	return ra, s.authz.Reload(ctx)
}

// Revoke ends an assignment now (the row stays, as history) and returns it.
func (s *Roles) Revoke(ctx context.Context, actor model.Actor, id int64) (*model.RoleAssignment, error) {
	if err := s.authz.Check(actor.UserID, SysChain, "role_assignment", "revoke"); err != nil {
		return nil, err
	}
	var out *model.RoleAssignment
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		ra, err := s.db.RoleAssignmentByID(ctx, id)
		if err != nil {
			return err
		}
		out = ra
		if actor.UserID != 0 && ra.UserID == actor.UserID {
			return model.Rule("separation_of_duties", MsgRoleOwn)
		}
		if ra.Source == model.SourceRotation {
			return model.Rule("derived_role", "role.chair_is_derived")
		}
		now := s.db.Now()
		if ra.ValidUntil != nil && !ra.ValidUntil.After(now) {
			return nil // already over
		}
		if err := s.db.EndRoleAssignment(ctx, id, now); err != nil {
			return err
		}
		out.ValidUntil = &now
		if err := s.db.Notify(ctx, authz.Channel, "role_assignment"); err != nil {
			return err
		}
		return audit(ctx, s.db, actor, "role_assignment.revoke", "role_assignment", id, ra.Domain, map[string]Change{
			"valid_until": {nil, now}, "role": {ra.Role, ra.Role}, "user_id": {ra.UserID, ra.UserID},
		})
	})
	if err != nil {
		return nil, err
	}
	return out, s.authz.Reload(ctx)
}

// Districts lists the districts (the domains a district role is granted in).
func (s *Roles) Districts(ctx context.Context) ([]model.District, error) {
	return s.db.Districts(ctx)
}

// DomainKinds are the kinds a grant's domain is searched by: a district, a
// street (its alliances and units), an alliance, a unit.
var DomainKinds = []string{model.DomainDistrict, "street", model.DomainAlliance, model.DomainUnit}

// SearchDomains finds the domains a role may be granted in by name, for the
// grant form's picker (see store.SearchDomains). An unknown kind or an
// empty q finds nothing.
func (s *Roles) SearchDomains(ctx context.Context, actor model.Actor, kind, q string) ([]store.DomainOption, error) {
	if err := s.authz.Check(actor.UserID, SysChain, "role_assignment", "create"); err != nil {
		return nil, err
	}
	if strings.TrimSpace(q) == "" || !slices.Contains(DomainKinds, kind) {
		return nil, nil
	}
	return s.db.SearchDomains(ctx, kind, q)
}

// DomainNames names the domains of assignments (one statement per kind).
func (s *Roles) DomainNames(ctx context.Context, actor model.Actor, domains []string) (map[string]string, error) {
	if err := s.authz.Check(actor.UserID, SysChain, "role_assignment", "read"); err != nil {
		return nil, err
	}
	return s.db.DomainNames(ctx, domains)
}

// OwnDomainNames names the domains of the actor's own assignments (the
// profile page shows them): no permission is needed to read one's own.
func (s *Roles) OwnDomainNames(ctx context.Context, actor model.Actor) (map[string]string, error) {
	ras, err := s.db.OpenRoleAssignments(ctx, actor.UserID, s.db.Now())
	if err != nil {
		return nil, err
	}
	domains := make([]string, len(ras))
	for i, ra := range ras {
		domains[i] = ra.Domain
	}
	return s.db.DomainNames(ctx, domains)
}
