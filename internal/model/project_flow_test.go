package model

import (
	"errors"
	"fmt"
	"slices"
	"testing"
)

// projectFlowWant spells out, independently of ProjectTransitions, every
// (status, action, role) that is allowed and where it goes. Everything else
// is refused: 403 when the role may never fire the action, 422 otherwise.
var projectFlowWant = map[string]string{
	"draft submit " + ProjectRoleSecretary:         ProjectSubmitted,
	"returned submit " + ProjectRoleSecretary:      ProjectSubmitted,
	"submitted approve " + ProjectRoleReviewer:     ProjectApproved,
	"submitted return " + ProjectRoleReviewer:      ProjectReturned,
	"approved start " + ProjectRoleSecretary:       ProjectInProgress,
	"approved start " + ProjectRoleLead:            ProjectInProgress,
	"in_progress complete " + ProjectRoleSecretary: ProjectCompleted,
	"completed evaluate " + ProjectRoleReviewer:    ProjectEvaluated,
	"draft cancel " + ProjectRoleSecretary:         ProjectCancelled,
	"submitted cancel " + ProjectRoleSecretary:     ProjectCancelled,
	"returned cancel " + ProjectRoleSecretary:      ProjectCancelled,
	"approved cancel " + ProjectRoleReviewer:       ProjectCancelled,
	"in_progress cancel " + ProjectRoleReviewer:    ProjectCancelled,
}

// projectEver lists, per role, the actions it may fire in some status.
var projectEver = map[string][]string{
	ProjectRoleSecretary: {ProjectActionSubmit, ProjectActionStart, ProjectActionComplete, ProjectActionCancel},
	ProjectRoleReviewer:  {ProjectActionApprove, ProjectActionReturn, ProjectActionEvaluate, ProjectActionCancel},
	ProjectRoleLead:      {ProjectActionStart},
	ProjectRolePartner:   nil,
}

func TestProjectTransitionTable(t *testing.T) {
	for _, status := range ProjectStatuses {
		for _, action := range ProjectActions {
			for _, role := range ProjectRoleNames {
				name := fmt.Sprintf("%s %s %s", status, action, role)
				t.Run(name, func(t *testing.T) {
					to, err := ProjectFire(action, status, []string{role})
					want, allowed := projectFlowWant[name]
					var re *RuleError
					switch {
					case allowed:
						if err != nil || to != want {
							t.Fatalf("got %q, %v; want %q", to, err, want)
						}
					case !slices.Contains(projectEver[role], action):
						if !errors.Is(err, ErrForbidden) {
							t.Fatalf("got %q, %v; want forbidden", to, err)
						}
					default:
						if !errors.As(err, &re) || re.Message != "project.not_allowed."+status || re.Code != "project_"+action+"_not_allowed" {
							t.Fatalf("got %q, %v; want a rule error naming %s", to, err, status)
						}
						// The argument lists what the role may do in this status.
						var may []string
						for _, a := range ProjectActions {
							if _, ok := projectFlowWant[fmt.Sprintf("%s %s %s", status, a, role)]; ok {
								may = append(may, a)
							}
						}
						// As labels (project.action.<code>), never as codes.
						l, ok := re.Args[0].(Labels)
						if len(re.Args) != 1 || !ok || l.Prefix != "project.action." || fmt.Sprint(l.Codes) != fmt.Sprint(may) {
							t.Fatalf("args %v, want the labels of %v", re.Args, may)
						}
					}
				})
			}
		}
	}
	// Unknown actions are refused as forbidden; no roles, nothing.
	if _, err := ProjectFire("delete", ProjectDraft, []string{ProjectRoleSecretary}); !errors.Is(err, ErrForbidden) {
		t.Errorf("unknown action: %v", err)
	}
	if _, err := ProjectFire(ProjectActionSubmit, ProjectDraft, nil); !errors.Is(err, ErrForbidden) {
		t.Errorf("no roles: %v", err)
	}
	// Two roles at once: the union.
	got := ProjectAllowedActions(ProjectSubmitted, []string{ProjectRoleSecretary, ProjectRoleReviewer})
	if want := []string{ProjectActionApprove, ProjectActionReturn, ProjectActionCancel}; !slices.Equal(got, want) {
		t.Errorf("allowed for secretary+reviewer on submitted: %v, want %v", got, want)
	}
}

func TestProjectEditable(t *testing.T) {
	for status, want := range map[string][2]bool{
		ProjectDraft: {true, false}, ProjectReturned: {true, false}, ProjectSubmitted: {false, false},
		ProjectApproved: {true, true}, ProjectInProgress: {true, true}, ProjectCompleted: {false, false},
		ProjectEvaluated: {false, false}, ProjectCancelled: {false, false},
	} {
		e, p := ProjectEditable(status)
		if e != want[0] || p != want[1] {
			t.Errorf("%s: editable %v plan-only %v, want %v", status, e, p, want)
		}
	}
	for _, s := range ProjectStatuses {
		open := s != ProjectCompleted && s != ProjectEvaluated && s != ProjectCancelled
		if ProjectOpen(s) != open {
			t.Errorf("open(%s) = %v", s, !open)
		}
	}
}
