package model

import (
	"errors"
	"testing"
)

// TestListTransitions: the owner's actions on needs and resources, from
// every status: where they go, and a RuleError naming the status otherwise.
func TestListTransitions(t *testing.T) {
	needTo := map[string]map[string]string{
		ListActionPublish: {NeedDraft: NeedPublished},
		ListActionEdit:    {NeedDraft: NeedDraft, NeedPublished: NeedPublished},
		ListActionClose:   {NeedDraft: NeedClosed, NeedPublished: NeedClosed, NeedPartlyClaimed: NeedClosed, NeedClaimed: NeedClosed},
	}
	for action, allowed := range needTo {
		for _, st := range NeedStatuses {
			to, err := NeedTransition(action, st)
			want, ok := allowed[st]
			switch {
			case ok && (err != nil || to != want):
				t.Errorf("need %s from %s: %q %v, want %q", action, st, to, err, want)
			case !ok && !errors.Is(err, ErrRule):
				t.Errorf("need %s from %s: %v, want a rule error", action, st, err)
			case !ok:
				var re *RuleError
				if errors.As(err, &re); re.Message != "need.not_allowed."+st || re.Code != "need_"+action+"_not_allowed" {
					t.Errorf("need %s from %s: %+v", action, st, re)
				}
			}
		}
	}
	resourceTo := map[string]map[string]string{
		ListActionPublish:  {ResourceDraft: ResourceAvailable},
		ListActionEdit:     {ResourceDraft: ResourceDraft, ResourceAvailable: ResourceAvailable},
		ListActionWithdraw: {ResourceAvailable: ResourceWithdrawn, ResourceExhausted: ResourceWithdrawn},
	}
	for action, allowed := range resourceTo {
		for _, st := range ResourceStatuses {
			to, err := ResourceTransition(action, st)
			want, ok := allowed[st]
			if ok != (err == nil) || to != want {
				t.Errorf("resource %s from %s: %q %v", action, st, to, err)
			}
		}
	}
	if _, err := NeedTransition(ListActionWithdraw, NeedPublished); err == nil {
		t.Error("withdraw is not a need action")
	}
}
