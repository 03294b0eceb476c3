package model

import "slices"

// The status rules of needs and resources that their owners fire (publish,
// close, withdraw, edit). Claims move a published need between published,
// partly claimed and claimed (NeedStatusFor) and a resource between
// available and exhausted (ResourceStatusFor); expiry moves them to
// expired. A refused action is a RuleError naming the current status.

// Owner actions on needs and resources.
const (
	ListActionEdit     = "edit"
	ListActionPublish  = "publish"
	ListActionClose    = "close"    // needs
	ListActionWithdraw = "withdraw" // resources
)

// A refused action's message is the catalog key need.not_allowed.<status>
// (resource.not_allowed.<status>), which names the current status; its code
// names the action (need_publish_not_allowed).

// needTransitions: action → the statuses it may start from, and where it goes
// ("" for edit, which keeps the status).
var needTransitions = map[string]struct {
	from []string
	to   string
}{
	ListActionEdit:    {[]string{NeedDraft, NeedPublished}, ""},
	ListActionPublish: {[]string{NeedDraft}, NeedPublished},
	ListActionClose:   {[]string{NeedDraft, NeedPublished, NeedPartlyClaimed, NeedClaimed}, NeedClosed},
}

var resourceTransitions = map[string]struct {
	from []string
	to   string
}{
	ListActionEdit:     {[]string{ResourceDraft, ResourceAvailable}, ""},
	ListActionPublish:  {[]string{ResourceDraft}, ResourceAvailable},
	ListActionWithdraw: {[]string{ResourceAvailable, ResourceExhausted}, ResourceWithdrawn},
}

// NeedAllows reports whether action may be fired on a need in status.
func NeedAllows(action, status string) bool {
	t, ok := needTransitions[action]
	return ok && slices.Contains(t.from, status)
}

// ResourceAllows reports whether action may be fired on a resource in status.
func ResourceAllows(action, status string) bool {
	t, ok := resourceTransitions[action]
	return ok && slices.Contains(t.from, status)
}

// NeedTransition returns the status a need goes to by action, or a RuleError
// (422) naming the current status when the action is not allowed in it. Edit
// returns the current status.
func NeedTransition(action, status string) (string, error) {
	if !NeedAllows(action, status) {
		return "", Rule("need_"+action+"_not_allowed", "need.not_allowed."+status)
	}
	if to := needTransitions[action].to; to != "" {
		return to, nil
	}
	return status, nil
}

// ResourceTransition is NeedTransition for resources.
func ResourceTransition(action, status string) (string, error) {
	if !ResourceAllows(action, status) {
		return "", Rule("resource_"+action+"_not_allowed", "resource.not_allowed."+status)
	}
	if to := resourceTransitions[action].to; to != "" {
		return to, nil
	}
	return status, nil
}

// NeedOpen reports a need that expiry may still end (published, partly claimed).
func NeedOpen(status string) bool { return status == NeedPublished || status == NeedPartlyClaimed }
