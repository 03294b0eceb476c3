package web

import (
	"errors"
	"regexp"
	"testing"

	"tongxin/internal/model"
	webfs "tongxin/web"
)

// TestProjectRuleMessagesHaveNoCodes: whatever the status, the action and
// the roles, the 422 of a project action names the status and the allowed
// actions in Chinese, never by a code.
func TestProjectRuleMessagesHaveNoCodes(t *testing.T) {
	cat, err := LoadCatalog(webfs.Locales)
	if err != nil {
		t.Fatal(err)
	}
	code := regexp.MustCompile(`[a-z]{3,}`)
	n := 0
	for _, status := range model.ProjectStatuses {
		for _, action := range model.ProjectActions {
			for _, role := range model.ProjectRoleNames {
				_, err := model.ProjectFire(action, status, []string{role})
				var re *model.RuleError
				if !errors.As(err, &re) {
					continue
				}
				n++
				if msg := cat.T(LocaleZH, re.Message, re.Args...); code.MatchString(msg) || msg == re.Message {
					t.Errorf("%s %s by %s: %q", action, status, role, msg)
				}
			}
		}
	}
	if n == 0 {
		t.Fatal("no refusal checked")
	}
}

// TestStatusRuleMessagesExist: the 422 messages keyed by a status exist for
// every status (a missing key would show the key, a code, to a person).
func TestStatusRuleMessagesExist(t *testing.T) {
	cat, err := LoadCatalog(webfs.Locales)
	if err != nil {
		t.Fatal(err)
	}
	families := map[string][]string{
		"need.not_allowed.":              model.NeedStatuses,
		"resource.not_allowed.":          model.ResourceStatuses,
		"project.not_editable.":          model.ProjectStatuses,
		"project.progress_not_allowed.":  model.ProjectStatuses,
		"project.not_allowed.":           model.ProjectStatuses,
		"claim.not_claimable.need.":      model.NeedStatuses,
		"claim.not_claimable.resource.":  model.ResourceStatuses,
		"meeting.bad_state.":             model.MeetingStatuses,
		"rotation.hand_over_not_active.": {model.RotationPlanned, model.RotationEnded, model.RotationHandedOver},
		"claim.not_pending.":             model.ClaimStatuses,
	}
	for prefix, statuses := range families {
		for _, st := range statuses {
			if !cat.Has(prefix + st) {
				t.Errorf("no message %s%s", prefix, st)
			}
		}
	}
}

// TestLabelSummaries: the summary's items name their fields in the form's
// order, once each; a summary without a list and the page's other lists
// are left alone.
func TestLabelSummaries(t *testing.T) {
	page := `<div class="error-summary" role="alert"><p>已被他人修改</p></div>
<div class="error-summary" role="alert"><p class="error-summary-title">2 处</p>
<ul><li><a href="#title">此项为必填项</a></li><li><a href="#_stale">请刷新</a></li><li><a href="#alliance_id">此项为必填项</a></li><li><a href="#title">此项为必填项</a></li><li><a href="#q">太长</a></li></ul></div>
<form><label class="required" for="alliance_id">所属联盟</label><select id="alliance_id"></select>
<label for="title">需求<b>名称</b></label><input id="title"><input id="q" aria-label="关键词"></form>
<ul class="menu"><li><a href="#title">别动</a></li></ul>`
	got := string(labelSummaries([]byte(page), LocaleZH))
	want := `<ul><li><a href="#_stale">请刷新</a></li><li><a href="#alliance_id">所属联盟：此项为必填项</a></li><li><a href="#title">需求名称：此项为必填项</a></li><li><a href="#q">关键词：太长</a></li></ul>`
	if !regexp.MustCompile(regexp.QuoteMeta(want)).MatchString(got) {
		t.Errorf("summary:\n%s\nwant\n%s", got, want)
	}
	if !regexp.MustCompile(`<div class="error-summary" role="alert"><p>已被他人修改</p></div>`).MatchString(got) ||
		!regexp.MustCompile(`<ul class="menu"><li><a href="#title">别动</a></li></ul>`).MatchString(got) {
		t.Errorf("other markup changed:\n%s", got)
	}
}
