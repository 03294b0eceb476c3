package model

import "time"

// Dates: DATE columns hold a calendar day as midnight UTC of that day; pages
// show them with fmtDate, the API as YYYY-MM-DD.

// Statuses of reference data. Rows that others reference are deactivated,
// never deleted.
const (
	StatusActive   = "active"
	StatusInactive = "inactive"
)

// Dictionary kinds.
const (
	DictUnitKind      = "unit_kind"
	DictAllianceKind  = "alliance_kind"
	DictNeedCategory  = "need_category"
	DictResourceKind  = "resource_kind"
	DictMeasure       = "measure"
	DictSiteKind      = "site_kind"
	DictFundingSource = "funding_source"
)

// DictionaryKinds lists the kinds in the order the admin page shows them.
var DictionaryKinds = []string{DictUnitKind, DictAllianceKind, DictNeedCategory, DictResourceKind, DictMeasure, DictSiteKind, DictFundingSource}

// DictionaryItem is one code of a dictionary with its labels.
type DictionaryItem struct {
	ID        int64
	Kind      string
	Code      string
	LabelZh   string
	LabelEn   string
	Sort      int
	Active    bool
	Version   int
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Street is a 街镇 of a district.
type Street struct {
	ID         int64
	DistrictID int64
	Code       string
	Name       string
	Status     string
	Version    int
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Grid is a 党建网格 of a street.
type Grid struct {
	ID         int64
	StreetID   int64
	DistrictID int64
	Code       string
	Name       string
	Status     string
	Version    int
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// ServiceSite is a 党群服务阵地.
type ServiceSite struct {
	ID             int64
	Name           string
	Kind           string
	DistrictID     int64
	StreetID       int64
	GridID         *int64
	Address        string
	OpeningHours   string
	Facilities     string
	Seats          int
	ManagingUnitID *int64
	Status         string
	Version        int
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Unit is a member unit (成员单位).
type Unit struct {
	ID           int64
	Name         string
	CreditCode   *string // nil for a body without one
	Kind         string
	DistrictID   int64
	StreetID     *int64
	Address      string
	PartyOrg     string
	PartyMembers int
	ContactName  string
	ContactPhone string
	Status       string
	Version      int
	CreatedAt    time.Time
	UpdatedAt    time.Time
	// ContactErasedAt: when the contact's personal data was erased on request.
	ContactErasedAt *time.Time
}

// Alliance levels.
const (
	LevelDistrict = "district"
	LevelStreet   = "street"
)

// Alliance is a 区域化党建联盟.
type Alliance struct {
	ID          int64
	Name        string
	Kind        string
	Level       string
	DistrictID  int64
	StreetID    *int64
	FoundedOn   *time.Time
	Description string
	Status      string
	Version     int
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Membership ranks.
const (
	RankCouncil = "council" // 常务理事单位
	RankMember  = "member"  // 成员单位
)

// Membership is a unit's membership of an alliance; a row with LeftOn is history.
type Membership struct {
	ID              int64
	AllianceID      int64
	UnitID          int64
	Rank            string
	JoinedOn        time.Time
	LeftOn          *time.Time
	LetterSignedOn  *time.Time
	LetterMeetingID *int64
	Version         int
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// Committee is a 专委会 of an alliance.
type Committee struct {
	ID             int64
	AllianceID     int64
	Name           string
	Theme          string
	ConvenorUnitID *int64
	Status         string
	Version        int
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// CommitteeMember is a unit on a committee.
type CommitteeMember struct {
	ID          int64
	CommitteeID int64
	UnitID      int64
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Import job statuses.
const (
	ImportQueued  = "queued"
	ImportRunning = "running"
	ImportDone    = "done"
	ImportFailed  = "failed"
)

// ImportJob is one spreadsheet import, with its progress and result.
type ImportJob struct {
	ID            int64
	Kind          string // units, …
	FileName      string
	FilePath      string
	DryRun        bool
	Status        string
	TotalRows     int
	ProcessedRows int
	CreatedRows   int
	UnchangedRows int
	ErrorRows     int
	ErrorFilePath string
	Message       string
	Domain        string
	CreatedBy     int64
	StartedAt     *time.Time
	FinishedAt    *time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
}
