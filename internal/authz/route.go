// Package authz holds the access model: the casbin model and policy, the
// domain chains of objects, the permission each route declares, and the SQL
// scope of lists.
package authz

import "fmt"

// Level says how a route is guarded.
type Level int

// Levels of a route permission.
const (
	// LevelPublic routes answer anyone (login page, health, static files).
	LevelPublic Level = iota + 1
	// LevelUser routes answer any logged-in user (home, own profile).
	LevelUser
	// LevelAction routes need an action on an object kind in some domain;
	// the service checks the object's own domain chain.
	LevelAction
)

// Perm is what a route declares in routes.go.
type Perm struct {
	Level  Level
	Object string // object kind, e.g. "project"
	Action string // e.g. "read", "approve"
}

// Public is the permission of a route anyone may call.
func Public() Perm { return Perm{Level: LevelPublic} }

// User is the permission of a route any logged-in user may call.
func User() Perm { return Perm{Level: LevelUser} }

// Need is the permission of a route that needs an action on an object kind.
func Need(object, action string) Perm {
	return Perm{Level: LevelAction, Object: object, Action: action}
}

func (p Perm) String() string {
	switch p.Level {
	case LevelPublic:
		return "public"
	case LevelUser:
		return "user"
	case LevelAction:
		return fmt.Sprintf("%s:%s", p.Object, p.Action)
	}
	return "undeclared"
}
