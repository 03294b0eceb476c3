package authz

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/casbin/casbin/v2"
	cmodel "github.com/casbin/casbin/v2/model"
	"github.com/casbin/casbin/v2/persist"

	"tongxin/configs"
	"tongxin/internal/model"
)

// Source gives the role assignments valid at an instant, and the nearest
// later instant at which one starts or ends (zero when none does).
type Source interface {
	ValidRoleAssignments(ctx context.Context, now time.Time) (valid []model.RoleAssignment, nextChange time.Time, err error)
}

// Authorizer answers "may user U do A to an object of kind K in domain D",
// walking the object's chain of domains. Rules come from the shared policy;
// role assignments from the database, reloaded on change and when a
// validity window opens or closes.
type Authorizer struct {
	src Source
	log *slog.Logger
	now func() time.Time

	mu      sync.RWMutex
	e       *enforcerGen
	byUser  map[int64][]model.RoleAssignment // granted and derived: what checks walk
	granted map[int64][]model.RoleAssignment // granted only (Roles)
	next    time.Time                        // the nearest future validity change; zero: none

	reloadMu sync.Mutex   // one reload at a time
	checks   atomic.Int64 // Enforce calls made (decisions not in the cache), for the benchmark
	asked    atomic.Int64 // decisions asked, cached or not
}

// enforcerGen is one load of the policy and assignments with the decisions
// made on it. The cache lives and dies with its load: every reload (a policy
// broadcast, a validity window opening or closing) starts an empty one, so a
// cached answer is never older than the assignments it was computed from.
type enforcerGen struct {
	e       *casbin.SyncedEnforcer
	decided sync.Map // "user|domain|object|action" → bool
	size    atomic.Int64
}

// maxDecisions bounds a load's cache; past it decisions are computed afresh.
const maxDecisions = 200_000

// New loads the policy and the valid assignments.
func New(ctx context.Context, src Source, log *slog.Logger) (*Authorizer, error) {
	a := &Authorizer{src: src, log: log, now: time.Now}
	if err := a.Reload(ctx); err != nil {
		return nil, err
	}
	return a, nil
}

// SetClock replaces the clock (tests); the next check reloads when a window
// has opened or closed by the new time.
func (a *Authorizer) SetClock(now func() time.Time) {
	a.mu.Lock()
	a.now = now
	a.mu.Unlock()
}

// Reload rebuilds the enforcer from the policy and the assignments valid now,
// then swaps it in; checks in flight finish on the old one.
func (a *Authorizer) Reload(ctx context.Context) error {
	a.reloadMu.Lock()
	defer a.reloadMu.Unlock()
	a.mu.RLock()
	now := a.now().UTC()
	a.mu.RUnlock()
	valid, next, err := a.src.ValidRoleAssignments(ctx, now)
	if err != nil {
		return fmt.Errorf("authz: load role assignments: %w", err)
	}
	granted := make(map[int64][]model.RoleAssignment)
	for _, ra := range valid {
		granted[ra.UserID] = append(granted[ra.UserID], ra)
	}
	if ls, ok := a.src.(LinkSource); ok {
		derived, err := derive(ctx, ls, valid)
		if err != nil {
			return fmt.Errorf("authz: derive member roles: %w", err)
		}
		valid = append(valid, derived...)
	}
	e, err := newEnforcer(valid)
	if err != nil {
		return err
	}
	byUser := make(map[int64][]model.RoleAssignment)
	for _, ra := range valid {
		byUser[ra.UserID] = append(byUser[ra.UserID], ra)
	}
	a.mu.Lock()
	a.e, a.byUser, a.granted, a.next = &enforcerGen{e: e}, byUser, granted, next
	a.mu.Unlock()
	return nil
}

func newEnforcer(valid []model.RoleAssignment) (*casbin.SyncedEnforcer, error) {
	m, err := cmodel.NewModelFromString(configs.CasbinModel)
	if err != nil {
		return nil, fmt.Errorf("authz: model: %w", err)
	}
	e, err := casbin.NewSyncedEnforcer(m, &adapter{assignments: valid})
	if err != nil {
		return nil, fmt.Errorf("authz: enforcer: %w", err)
	}
	e.EnableAutoSave(false)
	return e, nil
}

// current returns the enforcer, reloading first when a validity window has
// opened or closed since the last load (so expiry needs no timer and works
// with a fake clock).
func (a *Authorizer) current() (*enforcerGen, map[int64][]model.RoleAssignment) {
	a.mu.RLock()
	e, by, next, now := a.e, a.byUser, a.next, a.now()
	a.mu.RUnlock()
	if !next.IsZero() && !now.Before(next) {
		if err := a.Reload(context.Background()); err != nil {
			a.log.Error("authz reload on validity change", "err", err)
		}
		a.mu.RLock()
		e, by = a.e, a.byUser
		a.mu.RUnlock()
	}
	return e, by
}

func subject(userID int64) string { return "u:" + strconv.FormatInt(userID, 10) }

func (a *Authorizer) enforce(g *enforcerGen, userID int64, dom, obj, act string) bool {
	a.asked.Add(1)
	key := strconv.FormatInt(userID, 10) + "|" + dom + "|" + obj + "|" + act
	if v, ok := g.decided.Load(key); ok {
		return v.(bool)
	}
	a.checks.Add(1)
	ok, err := g.e.Enforce(subject(userID), dom, obj, act)
	if err != nil {
		a.log.Error("authz enforce", "err", err, "dom", dom, "obj", obj, "act", act)
		return false
	}
	if g.size.Add(1) <= maxDecisions {
		g.decided.Store(key, ok)
	}
	return ok
}

// Can reports whether the user may do act on an object of kind obj whose
// domain chain is chain (narrowest first, e.g. alliance:12, district:310104,
// sys). It stops at the first domain that allows.
func (a *Authorizer) Can(userID int64, chain []string, obj, act string) bool {
	e, _ := a.current()
	for _, dom := range chain {
		if a.enforce(e, userID, dom, obj, act) {
			return true
		}
	}
	return false
}

// Check is Can for services: nil when allowed; model.ErrNotFound when the
// user may not even read such an object on the chain (it is outside their
// scope, and must not be confirmed to exist); model.ErrForbidden otherwise.
func (a *Authorizer) Check(userID int64, chain []string, obj, act string) error {
	if a.Can(userID, chain, obj, act) {
		return nil
	}
	if act != "read" && a.Can(userID, chain, obj, "read") {
		return model.ErrForbidden
	}
	return model.NotFound(obj, strings.Join(chain, ","))
}

// CanAnywhere reports whether the user may do act on obj in at least one
// domain they hold a role in (the route guard and the menu ask this).
func (a *Authorizer) CanAnywhere(userID int64, obj, act string) bool {
	e, by := a.current()
	seen := map[string]bool{}
	for _, ra := range by[userID] {
		if seen[ra.Domain] {
			continue
		}
		seen[ra.Domain] = true
		if a.enforce(e, userID, ra.Domain, obj, act) {
			return true
		}
	}
	return false
}

// Scope returns the domains in which the user may do act on obj, for the
// SQL filter of a list.
func (a *Authorizer) Scope(userID int64, obj, act string) model.Scope {
	e, by := a.current()
	var s model.Scope
	seen := map[string]bool{}
	for _, ra := range by[userID] {
		if seen[ra.Domain] || !a.enforce(e, userID, ra.Domain, obj, act) {
			continue
		}
		seen[ra.Domain] = true
		kind, id, err := model.ParseDomain(ra.Domain)
		if err != nil {
			continue
		}
		switch kind {
		case model.DomainSys:
			s.All = true
		case model.DomainDistrict:
			s.Districts = append(s.Districts, id)
		case model.DomainAlliance:
			s.Alliances = append(s.Alliances, id)
		case model.DomainUnit:
			s.Units = append(s.Units, id)
		}
	}
	for _, ids := range [][]int64{s.Districts, s.Alliances, s.Units} {
		sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	}
	return s
}

// Roles returns the user's valid granted assignments (for the shell's scope
// label); the roles derived from their unit's memberships are not among them.
func (a *Authorizer) Roles(userID int64) []model.RoleAssignment {
	a.current()
	a.mu.RLock()
	defer a.mu.RUnlock()
	return append([]model.RoleAssignment(nil), a.granted[userID]...)
}

// Checks returns how many Enforce calls were made so far (decisions that
// were not in the cache of the current load).
func (a *Authorizer) Checks() int64 { return a.checks.Load() }

// EnforceUncached asks casbin itself, past the decision cache (the
// benchmark times one check with it).
func (a *Authorizer) EnforceUncached(userID int64, dom, obj, act string) bool {
	g, _ := a.current()
	ok, err := g.e.Enforce(subject(userID), dom, obj, act)
	return err == nil && ok
}

// Asked returns how many decisions were asked so far, cached or not.
func (a *Authorizer) Asked() int64 { return a.asked.Load() }

// adapter loads the shared policy file and the given assignments. It is
// read-only: rules change in the repository, assignments in the database.
type adapter struct {
	assignments []model.RoleAssignment
}

func (ad *adapter) LoadPolicy(m cmodel.Model) error {
	for i, line := range strings.Split(configs.Policy, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Split(line, ",")
		for j := range fields {
			fields[j] = strings.TrimSpace(fields[j])
		}
		if len(fields) != 5 || fields[0] != "p" {
			return fmt.Errorf("authz: policy.csv line %d: want p, role, domain kind, object, action", i+1)
		}
		if err := persist.LoadPolicyArray(fields, m); err != nil {
			return err
		}
	}
	for _, ra := range ad.assignments {
		if err := persist.LoadPolicyArray([]string{"g", subject(ra.UserID), ra.Role, ra.Domain}, m); err != nil {
			return err
		}
	}
	return nil
}

func (ad *adapter) SavePolicy(cmodel.Model) error { return errReadOnly }
func (ad *adapter) AddPolicy(string, string, []string) error {
	return errReadOnly
}
func (ad *adapter) RemovePolicy(string, string, []string) error { return errReadOnly }
func (ad *adapter) RemoveFilteredPolicy(string, string, int, ...string) error {
	return errReadOnly
}

var errReadOnly = fmt.Errorf("authz: the policy is read-only at run time")

// Channel is the notification channel on which a change of role
// assignments or users is announced to every instance.
const Channel = "tongxin_authz"

// Listener delivers notifications (store.DB on Postgres).
type Listener interface {
	Listen(ctx context.Context, channel string, fn func(payload string)) error
}

// Watch reloads on every change announced on Channel until ctx ends.
func (a *Authorizer) Watch(ctx context.Context, l Listener) {
	err := l.Listen(ctx, Channel, func(string) {
		if err := a.Reload(ctx); err != nil && ctx.Err() == nil {
			a.log.Error("authz reload on notification", "err", err)
		}
	})
	if err != nil {
		a.log.Error("authz watch", "err", err)
	}
}
