package model

import (
	"slices"
	"time"
)

// The lifecycle of a project (项目) as a table of transitions: from which
// statuses an action may be fired, where it goes, and which of the people
// concerned may fire it. The service works out who the actor is for one
// project (ProjectRoles) and asks ProjectFire; the casbin policy must also
// grant the action on the project's chain.
//
//	draft ─submit→ submitted ─approve→ approved ─start→ in_progress ─complete→ completed ─evaluate→ evaluated
//	returned ─submit↗        └return→ returned (editable, resubmittable)
//	cancel: draft|submitted|returned by the secretary; approved|in_progress by the reviewer

// Project actions (the API's /projects/{id}/<action>).
const (
	ProjectActionSubmit   = "submit"
	ProjectActionApprove  = "approve"
	ProjectActionReturn   = "return"
	ProjectActionStart    = "start"
	ProjectActionComplete = "complete"
	ProjectActionEvaluate = "evaluate"
	ProjectActionCancel   = "cancel"
)

// ProjectActions lists the actions in the order pages show their buttons.
var ProjectActions = []string{ProjectActionSubmit, ProjectActionApprove, ProjectActionReturn, ProjectActionStart,
	ProjectActionComplete, ProjectActionEvaluate, ProjectActionCancel}

// Who someone is for one project. The secretary and the reviewer are the
// roles of that name held in the project's alliance and district; the lead
// and partner contacts are unit contacts of the project's lead unit and of
// its other units.
const (
	ProjectRoleSecretary = RoleAllianceSecretary
	ProjectRoleReviewer  = RoleDistrictReviewer
	ProjectRoleLead      = "lead_contact"
	ProjectRolePartner   = "partner_contact"
)

// ProjectRoleNames lists the project roles (tests walk them).
var ProjectRoleNames = []string{ProjectRoleSecretary, ProjectRoleReviewer, ProjectRoleLead, ProjectRolePartner}

// ProjectStatuses lists the statuses in lifecycle order.
var ProjectStatuses = []string{ProjectDraft, ProjectSubmitted, ProjectReturned, ProjectApproved, ProjectInProgress,
	ProjectCompleted, ProjectEvaluated, ProjectCancelled}

// ProjectTransition is one row of the table.
type ProjectTransition struct {
	Action string
	From   []string
	To     string
	Roles  []string
}

// ProjectTransitions is the lifecycle. An action may have several rows
// (cancel: the secretary before approval, the reviewer after).
var ProjectTransitions = []ProjectTransition{
	{ProjectActionSubmit, []string{ProjectDraft, ProjectReturned}, ProjectSubmitted, []string{ProjectRoleSecretary}},
	{ProjectActionApprove, []string{ProjectSubmitted}, ProjectApproved, []string{ProjectRoleReviewer}},
	{ProjectActionReturn, []string{ProjectSubmitted}, ProjectReturned, []string{ProjectRoleReviewer}},
	{ProjectActionStart, []string{ProjectApproved}, ProjectInProgress, []string{ProjectRoleSecretary, ProjectRoleLead}},
	{ProjectActionComplete, []string{ProjectInProgress}, ProjectCompleted, []string{ProjectRoleSecretary}},
	{ProjectActionEvaluate, []string{ProjectCompleted}, ProjectEvaluated, []string{ProjectRoleReviewer}},
	{ProjectActionCancel, []string{ProjectDraft, ProjectSubmitted, ProjectReturned}, ProjectCancelled, []string{ProjectRoleSecretary}},
	{ProjectActionCancel, []string{ProjectApproved, ProjectInProgress}, ProjectCancelled, []string{ProjectRoleReviewer}},
}

// ProjectProgress is the progress a project shows: 100 once it is
// completed or evaluated (结项 means the work is done, whatever the last
// report said), the latest report's percentage otherwise.
func ProjectProgress(status string, percent int) int {
	if status == ProjectCompleted || status == ProjectEvaluated {
		return 100
	}
	return percent
}

// ProjectOpen reports a status from which the project may still be cancelled.
func ProjectOpen(status string) bool {
	switch status {
	case ProjectDraft, ProjectSubmitted, ProjectReturned, ProjectApproved, ProjectInProgress:
		return true
	}
	return false
}

// ProjectEditable reports whether the project's fields may be edited in
// status, and whether only the fields a change of plan allows
// (ProjectPlanFields) may change.
func ProjectEditable(status string) (editable, planOnly bool) {
	switch status {
	case ProjectDraft, ProjectReturned:
		return true, false
	case ProjectApproved, ProjectInProgress:
		return true, true
	}
	return false, false
}

// ProjectPlanFields are the fields an approved project may still change (a
// change of plan, audited with before and after).
var ProjectPlanFields = []string{"summary", "ends_on", "budget_fen", "funding", "units"}

// ProjectAllowedActions lists the actions someone holding roles may fire on
// a project in status, in the order of ProjectActions.
func ProjectAllowedActions(status string, roles []string) []string {
	var out []string
	for _, a := range ProjectActions {
		if _, ok := projectRow(a, status, roles); ok {
			out = append(out, a)
		}
	}
	return out
}

func projectRow(action, status string, roles []string) (ProjectTransition, bool) {
	for _, t := range ProjectTransitions {
		if t.Action == action && slices.Contains(t.From, status) && slices.ContainsFunc(t.Roles, func(r string) bool { return slices.Contains(roles, r) }) {
			return t, true
		}
	}
	return ProjectTransition{}, false
}

// projectMayEver reports whether roles may fire action in some status.
func projectMayEver(action string, roles []string) bool {
	for _, t := range ProjectTransitions {
		if t.Action == action && slices.ContainsFunc(t.Roles, func(r string) bool { return slices.Contains(roles, r) }) {
			return true
		}
	}
	return false
}

// ProjectFire answers where action takes a project in status when fired by
// someone holding roles: ErrForbidden when none of the roles may ever fire
// it (403), a RuleError when it is not allowed in status (422; the message
// project.not_allowed.<status> names the status, its argument the actions
// that are allowed, as Labels), the target status otherwise.
func ProjectFire(action, status string, roles []string) (string, error) {
	if !slices.Contains(ProjectActions, action) || !projectMayEver(action, roles) {
		return "", ErrForbidden
	}
	t, ok := projectRow(action, status, roles)
	if !ok {
		allowed := Labels{Prefix: "project.action.", Codes: ProjectAllowedActions(status, roles)}
		return "", Rule("project_"+action+"_not_allowed", "project.not_allowed."+status, allowed)
	}
	return t.To, nil
}

// Grades of an evaluation (优 / 良 / 中 / 差).
const (
	GradeExcellent = "excellent"
	GradeGood      = "good"
	GradeFair      = "fair"
	GradePoor      = "poor"
)

// ProjectGrades lists the grades, best first.
var ProjectGrades = []string{GradeExcellent, GradeGood, GradeFair, GradePoor}

// Case statuses and levels (案例).
const (
	CaseNominated = "nominated"
	CaseSelected  = "selected"
	CaseDeclined  = "declined"

	CaseLevelBest      = "best"      // 最佳
	CaseLevelExcellent = "excellent" // 优秀
)

// Attachment owner kinds and purposes.
const (
	AttachOwnerProject = "project"
	AttachOwnerUpdate  = "project_update"
	AttachEvidence     = "evidence"
	// AttachApplication marks the files of the application (申报材料): those
	// uploaded before approval (draft, submitted, returned), which the
	// reviewer reads in the queue and beside the review form.
	AttachApplication = "application"
)

// ProjectTakesApplication reports a status in which uploads are 申报材料.
func ProjectTakesApplication(status string) bool {
	return status == ProjectDraft || status == ProjectSubmitted || status == ProjectReturned
}

// ProjectReview is one transition of a project (project_reviews): the
// comment shows on the project; PrivateNote only reviewers read.
type ProjectReview struct {
	ID          int64
	ProjectID   int64
	ActorID     *int64
	Action      string
	FromStatus  string
	ToStatus    string
	Comment     string
	PrivateNote string
	Score       *int
	Grade       string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// ProjectUpdate is a progress report (进展).
type ProjectUpdate struct {
	ID             int64
	ProjectID      int64
	Percent        int
	Text           string
	Beneficiaries  int
	VolunteerHours int
	FundsSpentFen  int64
	HappenedOn     time.Time // a calendar day
	// Reason says why the percentage is lower than the report before it
	// (required then, see service.AddUpdate).
	Reason    string
	CreatedBy *int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Attachment is an uploaded file stored by its SHA-256.
type Attachment struct {
	ID          int64
	OwnerKind   string
	OwnerID     int64
	Purpose     string
	FileName    string
	ContentType string
	SizeBytes   int64
	Sha256      string
	StoredPath  string
	CreatedBy   *int64
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// ProjectFunding is one funding source of a project and its amount.
type ProjectFunding struct {
	ID        int64
	ProjectID int64
	Source    string // funding_source dictionary code
	AmountFen int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// TableName keeps GORM from pluralising.
func (ProjectFunding) TableName() string { return "project_funding" }

// Case is an entry of the case library (案例).
type Case struct {
	ID          int64
	ProjectID   int64
	AllianceID  int64
	DistrictID  int64
	Year        int
	Theme       string
	Level       string
	WriteUp     string
	Status      string
	NominatedBy *int64
	NominatedAt time.Time
	SelectedBy  *int64
	SelectedAt  *time.Time
	Version     int
	CreatedAt   time.Time
	UpdatedAt   time.Time
}
