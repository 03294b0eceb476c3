package model

import "time"

// Meeting kinds (GLOSSARY): 年会, 联席会议, 专委会会议, 联络员会议.
const (
	MeetingAnnual    = "annual"
	MeetingJoint     = "joint"
	MeetingCommittee = "committee"
	MeetingLiaison   = "liaison"
)

// MeetingKinds lists the kinds in the order forms offer them.
var MeetingKinds = []string{MeetingAnnual, MeetingJoint, MeetingCommittee, MeetingLiaison}

// AttachOwnerMeeting is the owner kind of a meeting's attachments (minutes, photos).
const AttachOwnerMeeting = "meeting"

// Meeting statuses.
const (
	MeetingPlanned   = "planned"   // 计划中
	MeetingHeld      = "held"      // 已召开
	MeetingCancelled = "cancelled" // 已取消
)

// MeetingStatuses lists the statuses in the order filters offer them.
var MeetingStatuses = []string{MeetingPlanned, MeetingHeld, MeetingCancelled}

// Meeting actions (POST /meetings/{id}/hold, /cancel).
const (
	MeetingActionHold   = "hold"
	MeetingActionCancel = "cancel"
)

// MeetingTransition answers the status an action leads to from status, or
// false when the action is not allowed there: only a planned meeting is held
// or cancelled.
func MeetingTransition(status, action string) (string, bool) {
	if status != MeetingPlanned {
		return "", false
	}
	switch action {
	case MeetingActionHold:
		return MeetingHeld, true
	case MeetingActionCancel:
		return MeetingCancelled, true
	}
	return "", false
}

// Meeting is an alliance's meeting. Location is a service site (SiteID) or
// free text; HostUnitID defaults to the chair unit on HeldOn.
type Meeting struct {
	ID              int64
	AllianceID      int64
	DistrictID      int64
	CommitteeID     *int64
	Kind            string
	Title           string
	HeldOn          time.Time
	StartTime       string // "14:30", "" for a whole day
	DurationMinutes int
	Year            int // the year of HeldOn; an annual meeting's year
	SiteID          *int64
	Location        string
	HostUnitID      *int64
	Agenda          string
	Minutes         string
	Resolutions     string
	Status          string
	CancelReason    string
	// ReviewFigures is the JSON of the past year's figures as the secretary
	// confirmed them for an annual meeting ("" until confirmed).
	ReviewFigures     string
	ReviewConfirmedAt *time.Time
	CreatedBy         *int64
	Version           int
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

// MeetingAttendance is a member unit's attendance of a meeting.
type MeetingAttendance struct {
	ID             int64
	MeetingID      int64
	UnitID         int64
	Attended       bool
	Representative string
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// TableName names the table (GORM would pluralise the last word).
func (MeetingAttendance) TableName() string { return "meeting_attendance" }

// Publication kinds of an annual meeting (三张清单).
const (
	PublishNeed     = "need"
	PublishResource = "resource"
	PublishProject  = "project"
)

// MeetingPublication records a need, resource or project published at a meeting.
type MeetingPublication struct {
	ID        int64
	MeetingID int64
	ItemKind  string
	ItemID    int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// AttendanceRate is the percentage (0–100, one decimal) of attended among
// recorded; 0 when none is recorded.
func AttendanceRate(attended, recorded int) float64 {
	if recorded == 0 {
		return 0
	}
	return float64(int(float64(attended)*1000/float64(recorded)+0.5)) / 10
}

// CalendarFeed is a user's iCalendar feed token (only its hash is stored).
type CalendarFeed struct {
	ID         int64
	UserID     int64
	TokenHash  string
	Prefix     string
	LastUsedAt *time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
}
