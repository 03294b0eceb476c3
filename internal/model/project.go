package model

import "time"

// Project statuses (项目).
const (
	ProjectDraft      = "draft"
	ProjectSubmitted  = "submitted"
	ProjectReturned   = "returned"
	ProjectApproved   = "approved"
	ProjectInProgress = "in_progress"
	ProjectCompleted  = "completed"
	ProjectEvaluated  = "evaluated"
	ProjectCancelled  = "cancelled"
)

// Roles of a unit in a project (project_units.role).
const (
	ProjectUnitLead      = "lead"      // 牵头单位
	ProjectUnitPartner   = "partner"   // 参与单位
	ProjectUnitRequester = "requester" // 需求方
)

// Project is a 项目 of the projects list.
type Project struct {
	ID                  int64
	Code                *string // assigned at submission
	AllianceID          int64
	DistrictID          int64
	CommitteeID         *int64
	LeadUnitID          int64
	Title               string
	Summary             string
	Category            string
	Year                int
	StartsOn            *time.Time
	EndsOn              *time.Time
	BudgetFen           int64
	TargetBeneficiaries int
	SignedMeetingID     *int64
	Status              string
	ReturnReason        string
	// The lifecycle (migration 00010): when each step happened, the review's
	// due day, the evaluation, the closing report and a cancellation's reason.
	SubmittedAt       *time.Time
	ReviewDueOn       *time.Time
	ApprovedAt        *time.Time
	StartedAt         *time.Time
	CompletedAt       *time.Time
	EvaluatedAt       *time.Time
	CancelledAt       *time.Time
	Score             *int
	Grade             string
	EvaluationComment string
	ClosingReport     string
	CancelReason      string
	// ProgressPercent is the percent of the latest progress update.
	ProgressPercent int
	CreatedBy       *int64
	Version         int
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// ProjectUnit is a unit's part in a project.
type ProjectUnit struct {
	ID        int64
	ProjectID int64
	UnitID    int64
	Role      string
	CreatedAt time.Time
	UpdatedAt time.Time
}
