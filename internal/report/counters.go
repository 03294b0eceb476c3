package report

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// The counter glossary (计数口径): every figure Tongxin shows on a dashboard
// tile, in a report cell, an export column or the JSON API is one Counter of
// this file, defined once. internal/store/report.go holds the one SQL of each
// counter (a test fails on a counter without one), so that a figure cannot
// mean two things in two places.
//
// Common rules, which every counter follows unless its own rule says more:
//   - Period: calendar days in Asia/Shanghai, both ends included. An event
//     counter counts the rows whose event (a timestamp, read in Asia/Shanghai,
//     or a calendar day) falls in the period. A project that spans two years
//     is counted in each year for what happened in that year: approved in
//     2025 and completed in 2026, it is one 立项 of 2025 and one 结项 of 2026;
//     its progress reports count in the year of the day they report.
//   - This year's projects are the projects whose 年度 (projects.year) is
//     the year: the one year rule of the tiles, the lists (the project list's
//     年度 filter), the reports and the API. A year counter counts the
//     projects whose 年度 is a year the period touches.
//   - Overlap counters count the rows whose dates overlap the period (an
//     open end is unbounded): memberships, rotation terms.
//   - Now counters are the state of today, whatever the period (截至当前).
//   - Scope: a district counts the rows of its district (district_id); an
//     alliance its own rows (alliance_id); a street the rows of the
//     street-level alliances of that street (alliances.street_id); a
//     committee the rows that name it (projects, meetings only); the city
//     every row.
//   - Money is integer fen in the database and the API; a person reads 元
//     with two decimals (¥12,345.00) for one record (a project's page, the
//     project export, the meeting pack) and 万元 with two decimals for an
//     aggregate (reports, dashboards). No page, sheet or export shows 分.
//   - Drill-down: a counter with a List names the list whose 共 N 条 equals
//     the figure (DrillDown builds its link); one without is an aggregate
//     (a sum, a distinct count, a count of events the lists cannot filter)
//     and says so in the glossary.

// Counter is one figure of the glossary.
type Counter struct {
	Key    string `json:"key"`     // stable code, e.g. "projects_approved"
	NameZh string `json:"name_zh"` // 立项项目数
	NameEn string `json:"name_en"` // Projects approved
	// Unit: count, person_times (人次), hours (小时), fen (shown as 万元), days, units (家).
	Unit string `json:"unit"`
	// Basis: event (a dated event in the period), year (the project's 年度),
	// overlap (dates overlap the period) or now (today's state).
	Basis  string `json:"basis"`
	Area   string `json:"area"` // projects, needs, resources, claims, meetings, members
	RuleZh string `json:"rule_zh"`
	RuleEn string `json:"rule_en"`
	// Breakdowns this counter can be split by (a subset of Breakdowns).
	Breakdowns []string `json:"breakdowns"`
	// Committee reports whether a committee scope applies (projects and meetings).
	Committee bool `json:"committee_scope"`
	// List is the list whose total equals the figure (ListProjects or
	// ListNeeds), with the fixed filter ListFilter; "" for an aggregate
	// that no list shows (DrillDown).
	List       string            `json:"list,omitempty"`
	ListFilter map[string]string `json:"list_filter,omitempty"`
}

// Lists a figure drills down to.
const (
	ListProjects = "/projects"
	ListNeeds    = "/needs"
)

// Units of a counter's value.
const (
	UnitCount       = "count"
	UnitPersonTimes = "person_times"
	UnitHours       = "hours"
	UnitFen         = "fen"
	UnitDays        = "days"
	UnitUnits       = "units"
)

// Bases of a counter.
const (
	BasisEvent   = "event"
	BasisYear    = "year"
	BasisOverlap = "overlap"
	BasisNow     = "now"
)

// Bases lists the bases of the glossary.
var Bases = []string{BasisEvent, BasisYear, BasisOverlap, BasisNow}

// Breakdowns (分组维度) of a report.
const (
	ByNone     = ""
	ByDistrict = "district"
	ByAlliance = "alliance"
	ByCategory = "category"
	ByStatus   = "status"
	ByMonth    = "month"
)

// Breakdowns lists the breakdowns a report offers, in order.
var Breakdowns = []string{ByDistrict, ByAlliance, ByCategory, ByStatus, ByMonth}

var (
	byAll      = []string{ByDistrict, ByAlliance, ByCategory, ByStatus, ByMonth}
	byNoCat    = []string{ByDistrict, ByAlliance, ByStatus, ByMonth}
	byPlace    = []string{ByDistrict, ByAlliance}
	byPlaceCat = []string{ByDistrict, ByAlliance, ByCategory}
	byPlaceMon = []string{ByDistrict, ByAlliance, ByMonth}
	byPCM      = []string{ByDistrict, ByAlliance, ByCategory, ByMonth}
	byPCS      = []string{ByDistrict, ByAlliance, ByCategory, ByStatus}
)

// Counter keys.
const (
	ProjectsSubmitted  = "projects_submitted"
	ProjectsApproved   = "projects_approved"
	ProjectsCompleted  = "projects_completed"
	ProjectsEvaluated  = "projects_evaluated"
	ProjectsCancelled  = "projects_cancelled"
	ProjectsOfYear     = "projects_of_year"
	BudgetApproved     = "budget_approved"
	Beneficiaries      = "beneficiaries"
	VolunteerHours     = "volunteer_hours"
	FundsSpent         = "funds_spent"
	UnitsInvolved      = "units_involved"
	ReviewQueue        = "review_queue"
	ReviewOldestDays   = "review_oldest_days"
	ReviewOverdue      = "review_overdue"
	ProjectsOverdue    = "projects_overdue"
	NeedsPublished     = "needs_published"
	NeedsOpen          = "needs_open"
	NeedsPartly        = "needs_partly"
	NeedsMet           = "needs_met"
	ResourcesPublished = "resources_published"
	ClaimsMade         = "claims_made"
	ClaimsAccepted     = "claims_accepted"
	MeetingsHeld       = "meetings_held"
	MeetingAttendance  = "meeting_attendance"
	MemberUnits        = "member_units"

	UnitResourcesOffered = "unit_resources_offered"
	UnitClaimsMade       = "unit_claims_made"
	UnitClaimsAccepted   = "unit_claims_accepted"
	UnitProjectsLed      = "unit_projects_led"
	UnitProjectsPartner  = "unit_projects_partnered"
	UnitBeneficiaries    = "unit_beneficiaries"
	UnitVolunteerHours   = "unit_volunteer_hours"
	UnitFundsSpent       = "unit_funds_spent"
	UnitMeetingsAttended = "unit_meetings_attended"
	UnitChairTerms       = "unit_chair_terms"
	UnitDutiesDone       = "unit_duties_done"
)

// AreaUnit marks the counters of one member unit's contribution profile
// (成员单位贡献档案): scoped to the unit across all its alliances, never split.
const AreaUnit = "unit"

// Counters is the glossary, in the order reports show it.
var Counters = []Counter{
	{Key: ProjectsSubmitted, NameZh: "申报项目数", NameEn: "Projects submitted", Unit: UnitCount, Basis: BasisEvent, Area: "projects",
		RuleZh:     "最近一次提交审核（submitted_at）在期内的项目，不论其后被立项、退回或取消；草稿不计。",
		RuleEn:     "Projects whose latest submission for review (submitted_at) falls in the period, whatever followed (approved, returned, cancelled); drafts never count.",
		Breakdowns: byAll, Committee: true},
	{Key: ProjectsApproved, NameZh: "立项项目数", NameEn: "Projects approved", Unit: UnitCount, Basis: BasisEvent, Area: "projects",
		RuleZh:     "立项时间（approved_at）在期内的项目；立项后又被取消的仍计为当期立项（另计入取消数）。跨年项目只在立项当年计一次。",
		RuleEn:     "Projects approved (approved_at) in the period; one cancelled after approval still counts as approved then (and as cancelled when cancelled). A project spanning two years counts once, in the year of its approval.",
		Breakdowns: byAll, Committee: true},
	{Key: ProjectsCompleted, NameZh: "结项项目数", NameEn: "Projects completed", Unit: UnitCount, Basis: BasisEvent, Area: "projects",
		RuleZh:     "结项时间（completed_at）在期内的项目（含其后已评估的）。",
		RuleEn:     "Projects completed (completed_at) in the period, including those evaluated since.",
		Breakdowns: byAll, Committee: true},
	{Key: ProjectsEvaluated, NameZh: "评估项目数", NameEn: "Projects evaluated", Unit: UnitCount, Basis: BasisEvent, Area: "projects",
		RuleZh:     "评估时间（evaluated_at）在期内的项目。",
		RuleEn:     "Projects evaluated (evaluated_at) in the period.",
		Breakdowns: byAll, Committee: true},
	{Key: ProjectsCancelled, NameZh: "取消项目数", NameEn: "Projects cancelled", Unit: UnitCount, Basis: BasisEvent, Area: "projects",
		RuleZh:     "取消时间（cancelled_at）在期内的项目；取消前已发生的立项等仍按当时计入，参与成员单位数等“已立项及以后”的指标不再计入。",
		RuleEn:     "Projects cancelled (cancelled_at) in the period; what happened before (an approval) still counts when it happened, and the figures of approved-or-later projects (member units involved) leave them out.",
		Breakdowns: byPCM, Committee: true},
	{Key: ProjectsOfYear, NameZh: "年度项目数", NameEn: "Projects of the year", Unit: UnitCount, Basis: BasisYear, Area: "projects",
		RuleZh:     "年度（year）为本期所在年份的项目（含草稿、已退回、已取消），按当前状态分组：“本年度项目”的唯一口径，与项目清单按“年度”筛选的结果一致。跨年实施的项目只计入其年度；期间为月、季度或半年时计其所在年度的全部项目。",
		RuleEn:     "Projects whose 年度 (year) is the period's year (drafts, returned and cancelled ones included), by current status: the one rule of \"this year's projects\", the project list's year filter. A project running into the next year counts in its own year only; a month, quarter or half-year counts the projects of its year.",
		Breakdowns: byPCS, Committee: true, List: ListProjects},
	{Key: BudgetApproved, NameZh: "立项预算（万元）", NameEn: "Budget approved (10k yuan)", Unit: UnitFen, Basis: BasisEvent, Area: "projects",
		RuleZh:     "期内立项项目（同“立项项目数”）的预算之和。",
		RuleEn:     "The budgets of the projects approved in the period (as Projects approved).",
		Breakdowns: byAll, Committee: true},
	{Key: Beneficiaries, NameZh: "受益人次", NameEn: "Beneficiaries (person-times)", Unit: UnitPersonTimes, Basis: BasisEvent, Area: "projects",
		RuleZh:     "进展报告日期（happened_on）在期内的进展报告所填受益人次之和；项目后来取消也不扣减（服务已经发生）。",
		RuleEn:     "The sum of beneficiaries of the progress reports dated (happened_on) in the period; a later cancellation of the project takes nothing back (the service happened).",
		Breakdowns: byPCM, Committee: true},
	{Key: VolunteerHours, NameZh: "志愿服务时长（小时）", NameEn: "Volunteer hours", Unit: UnitHours, Basis: BasisEvent, Area: "projects",
		RuleZh:     "进展报告日期在期内的进展报告所填志愿服务时长之和（规则同受益人次）。",
		RuleEn:     "The sum of volunteer hours of the progress reports dated in the period (as beneficiaries).",
		Breakdowns: byPCM, Committee: true},
	{Key: FundsSpent, NameZh: "经费支出（万元）", NameEn: "Funds spent (10k yuan)", Unit: UnitFen, Basis: BasisEvent, Area: "projects",
		RuleZh:     "进展报告日期在期内的进展报告所填经费支出之和（规则同受益人次）。",
		RuleEn:     "The sum of funds spent of the progress reports dated in the period (as beneficiaries).",
		Breakdowns: byPCM, Committee: true},
	{Key: UnitsInvolved, NameZh: "参与成员单位数", NameEn: "Member units involved", Unit: UnitUnits, Basis: BasisYear, Area: "projects",
		RuleZh:     "本年度项目（同“年度项目数”）中已立项、实施中、已结项或已评估的项目的牵头单位和合作单位，去重计数（一家单位参与多个项目只计一次）。",
		RuleEn:     "Distinct lead and partner units of the projects of the year (as Projects of the year) that are approved, in progress, completed or evaluated (a unit in several projects counts once).",
		Breakdowns: byPlace, Committee: true},
	{Key: ReviewQueue, NameZh: "待审核项目数", NameEn: "Projects awaiting review", Unit: UnitCount, Basis: BasisNow, Area: "projects",
		RuleZh:     "当前状态为“待审核”的项目（截至当前，不受期间影响）。",
		RuleEn:     "Projects in status submitted today (whatever the period).",
		Breakdowns: byPlaceCat, Committee: true, List: ListProjects, ListFilter: map[string]string{"status": "submitted"}},
	{Key: ReviewOldestDays, NameZh: "最长待审天数", NameEn: "Oldest review wait (days)", Unit: UnitDays, Basis: BasisNow, Area: "projects",
		RuleZh:     "待审核项目中提交最早者至今的天数（上海时间的日历日）；无待审核项目时为 0。",
		RuleEn:     "Calendar days (Asia/Shanghai) since the earliest submission among the projects awaiting review; 0 when none waits.",
		Breakdowns: byPlace, Committee: true},
	{Key: ReviewOverdue, NameZh: "超期未审项目数", NameEn: "Reviews overdue", Unit: UnitCount, Basis: BasisNow, Area: "projects",
		RuleZh:     "待审核且审核期限（review_due_on，提交后 15 天）早于今天的项目。",
		RuleEn:     "Projects awaiting review whose review due day (review_due_on, 15 days after submission) is before today.",
		Breakdowns: byPlace, Committee: true},
	{Key: ProjectsOverdue, NameZh: "逾期未结项目数", NameEn: "Projects overdue", Unit: UnitCount, Basis: BasisNow, Area: "projects",
		RuleZh:     "已立项或实施中、计划结束日期（ends_on）早于今天的项目；与项目清单“逾期”筛选一致。",
		RuleEn:     "Approved or running projects whose plan end (ends_on) is before today; the project list's overdue filter.",
		Breakdowns: byPlaceCat, Committee: true, List: ListProjects, ListFilter: map[string]string{"overdue": "1"}},
	{Key: NeedsPublished, NameZh: "发布需求数", NameEn: "Needs published", Unit: UnitCount, Basis: BasisEvent, Area: "needs",
		RuleZh:     "发布时间（published_at）在期内的需求，不论其后是否关闭或过期。",
		RuleEn:     "Needs published (published_at) in the period, whether closed or expired since.",
		Breakdowns: byAll},
	{Key: NeedsOpen, NameZh: "待认领需求数", NameEn: "Needs open", Unit: UnitCount, Basis: BasisNow, Area: "needs",
		RuleZh:     "当前状态为“已发布”（尚无被接受的认领）的需求。",
		RuleEn:     "Needs in status published today (no accepted claim yet).",
		Breakdowns: byPlaceCat, List: ListNeeds, ListFilter: map[string]string{"status": "published"}},
	{Key: NeedsPartly, NameZh: "部分认领需求数", NameEn: "Needs partly claimed", Unit: UnitCount, Basis: BasisNow, Area: "needs",
		RuleZh:     "当前状态为“部分认领”的需求。",
		RuleEn:     "Needs in status partly claimed today.",
		Breakdowns: byPlaceCat, List: ListNeeds, ListFilter: map[string]string{"status": "partly_claimed"}},
	{Key: NeedsMet, NameZh: "已满足需求数", NameEn: "Needs met", Unit: UnitCount, Basis: BasisNow, Area: "needs",
		RuleZh:     "被接受的认领数量已覆盖需求数量（accepted_quantity ≥ quantity）的需求，不论其后是否已立项或关闭；撤回的认领不计。",
		RuleEn:     "Needs whose accepted claims cover the quantity (accepted_quantity ≥ quantity), whatever their status since; withdrawn claims do not count.",
		Breakdowns: byPlaceCat, List: ListNeeds, ListFilter: map[string]string{"coverage": "complete"}},
	{Key: ResourcesPublished, NameZh: "发布资源数", NameEn: "Resources published", Unit: UnitCount, Basis: BasisEvent, Area: "resources",
		RuleZh:     "发布时间（published_at）在期内的资源，不论其后是否撤回、用完或过期。",
		RuleEn:     "Resources published (published_at) in the period, whether withdrawn, exhausted or expired since.",
		Breakdowns: byNoCat},
	{Key: ClaimsMade, NameZh: "认领数", NameEn: "Claims made", Unit: UnitCount, Basis: BasisEvent, Area: "claims",
		RuleZh:     "提交时间（created_at）在期内的认领；已撤回的认领不计。",
		RuleEn:     "Claims made (created_at) in the period; withdrawn claims do not count.",
		Breakdowns: byNoCat},
	{Key: ClaimsAccepted, NameZh: "接受认领数", NameEn: "Claims accepted", Unit: UnitCount, Basis: BasisEvent, Area: "claims",
		RuleZh:     "当前状态为“已接受”且决定时间（decided_at）在期内的认领。",
		RuleEn:     "Claims accepted, decided (decided_at) in the period.",
		Breakdowns: byPlaceMon},
	{Key: MeetingsHeld, NameZh: "召开会议数", NameEn: "Meetings held", Unit: UnitCount, Basis: BasisEvent, Area: "meetings",
		RuleZh:     "状态为“已召开”、会议日期（held_on）在期内的会议（年会、联席会议、专委会会议、联络员会议）；取消的不计。",
		RuleEn:     "Meetings held (status held) on a day (held_on) in the period: annual, joint, committee and liaison meetings; cancelled ones do not count.",
		Breakdowns: byPlaceMon, Committee: true},
	{Key: MeetingAttendance, NameZh: "参会单位次", NameEn: "Unit attendances", Unit: UnitCount, Basis: BasisEvent, Area: "meetings",
		RuleZh:     "期内已召开会议中记为出席的成员单位，每家单位每次会议计一次。",
		RuleEn:     "Units recorded as present at the meetings held in the period, once per unit and meeting.",
		Breakdowns: byPlaceMon, Committee: true},
	{Key: MemberUnits, NameZh: "成员单位数", NameEn: "Member units", Unit: UnitUnits, Basis: BasisOverlap, Area: "members",
		RuleZh:     "期内任一天是联盟成员的单位（入盟日期不晚于期末，且未退出或退出日期不早于期初），去重计数；期前已退出的单位不计，期内退出的计入。",
		RuleEn:     "Distinct units that were members of an alliance on some day of the period (joined on or before its end, not left or left on or after its start); units that left before the period do not count, those that left during it do.",
		Breakdowns: byPlace},

	// One unit's contribution across all its alliances (the profile page).
	{Key: UnitResourcesOffered, NameZh: "提供资源数", NameEn: "Resources offered", Unit: UnitCount, Basis: BasisEvent, Area: AreaUnit,
		RuleZh: "该单位作为提供方、发布时间在期内的资源（规则同“发布资源数”）。",
		RuleEn: "Resources the unit provides, published in the period (as Resources published)."},
	{Key: UnitClaimsMade, NameZh: "发起认领数", NameEn: "Claims made", Unit: UnitCount, Basis: BasisEvent, Area: AreaUnit,
		RuleZh: "该单位作为认领方、期内提交且未撤回的认领（规则同“认领数”）。",
		RuleEn: "Claims the unit made in the period, withdrawn ones excepted (as Claims made)."},
	{Key: UnitClaimsAccepted, NameZh: "被接受认领数", NameEn: "Claims accepted", Unit: UnitCount, Basis: BasisEvent, Area: AreaUnit,
		RuleZh: "该单位发起、期内被接受的认领（规则同“接受认领数”）。",
		RuleEn: "Claims the unit made that were accepted in the period (as Claims accepted)."},
	{Key: UnitProjectsLed, NameZh: "牵头项目数", NameEn: "Projects led", Unit: UnitCount, Basis: BasisYear, Area: AreaUnit,
		RuleZh: "该单位牵头、已立项及以后状态（已立项、实施中、已结项、已评估）的本年度项目（年度规则同“年度项目数”）。",
		RuleEn: "Projects of the year (the year rule of Projects of the year) the unit leads, approved or later (approved, in progress, completed, evaluated)."},
	{Key: UnitProjectsPartner, NameZh: "参与项目数", NameEn: "Projects partnered", Unit: UnitCount, Basis: BasisYear, Area: AreaUnit,
		RuleZh: "该单位作为合作单位（非牵头）参与、状态与年度规则同“牵头项目数”的项目。",
		RuleEn: "Projects the unit takes part in as a partner (not the lead), status and year as Projects led."},
	{Key: UnitBeneficiaries, NameZh: "牵头项目受益人次", NameEn: "Beneficiaries of projects led", Unit: UnitPersonTimes, Basis: BasisEvent, Area: AreaUnit,
		RuleZh: "该单位牵头项目的、报告日期在期内的进展报告受益人次之和（进展按项目填报，计入牵头单位）。",
		RuleEn: "Beneficiaries of the progress reports dated in the period of the projects the unit leads (progress is reported per project and credited to its lead)."},
	{Key: UnitVolunteerHours, NameZh: "牵头项目志愿服务时长（小时）", NameEn: "Volunteer hours of projects led", Unit: UnitHours, Basis: BasisEvent, Area: AreaUnit,
		RuleZh: "同上，志愿服务时长之和。", RuleEn: "As above, volunteer hours."},
	{Key: UnitFundsSpent, NameZh: "牵头项目经费支出（万元）", NameEn: "Funds spent on projects led (10k yuan)", Unit: UnitFen, Basis: BasisEvent, Area: AreaUnit,
		RuleZh: "同上，经费支出之和。", RuleEn: "As above, funds spent."},
	{Key: UnitMeetingsAttended, NameZh: "出席会议数", NameEn: "Meetings attended", Unit: UnitCount, Basis: BasisEvent, Area: AreaUnit,
		RuleZh: "期内已召开、该单位记为出席的会议。",
		RuleEn: "Meetings held in the period at which the unit is recorded present."},
	{Key: UnitChairTerms, NameZh: "担任轮值主席次数", NameEn: "Chair terms served", Unit: UnitCount, Basis: BasisOverlap, Area: AreaUnit,
		RuleZh: "该单位的轮值任期（当值、已结束或提前交接；未开始的不计）与期间有交集的次数。",
		RuleEn: "The unit's rotation terms (active, ended or handed over; planned ones do not count) that overlap the period."},
	{Key: UnitDutiesDone, NameZh: "完成轮值职责数", NameEn: "Chair duties done", Unit: UnitCount, Basis: BasisEvent, Area: AreaUnit,
		RuleZh: "该单位任期内的职责（主持联席会议、半年总结、年度总结、简报），完成日期（done_on）在期内的项数。",
		RuleEn: "Duties of the unit's terms (host the joint meeting, half-year and annual summaries, briefs) done (done_on) in the period."},
}

var counterIndex = func() map[string]int {
	m := make(map[string]int, len(Counters))
	for i, c := range Counters {
		m[c.Key] = i
	}
	return m
}()

// CounterByKey finds a counter of the glossary.
func CounterByKey(key string) (Counter, bool) {
	i, ok := counterIndex[key]
	if !ok {
		return Counter{}, false
	}
	return Counters[i], true
}

// Name is the counter's name in a locale ("en" or Chinese otherwise).
func (c Counter) Name(lang string) string {
	if strings.HasPrefix(lang, "en") {
		return c.NameEn
	}
	return c.NameZh
}

// Rule is the counter's rule in a locale.
func (c Counter) Rule(lang string) string {
	if strings.HasPrefix(lang, "en") {
		return c.RuleEn
	}
	return c.RuleZh
}

// By reports whether the counter can be split by breakdown b ("" always).
func (c Counter) By(b string) bool {
	if b == ByNone {
		return true
	}
	for _, x := range c.Breakdowns {
		if x == b {
			return true
		}
	}
	return false
}

// Format writes a value for a page or a workbook: fen as 万元 with two
// decimals, everything else as an integer with thousands separators.
func (c Counter) Format(v int64) string {
	if c.Unit == UnitFen {
		return WanYuan(v)
	}
	return Thousands(v)
}

// WanYuan writes fen as 万元 with two decimals (1 万元 = 1,000,000 fen),
// rounded half away from zero.
func WanYuan(fen int64) string {
	neg := fen < 0
	if neg {
		fen = -fen
	}
	hundredths := (fen + 5000) / 10000 // 0.01 万元 = 10,000 fen
	s := Thousands(hundredths/100) + "." + fmt.Sprintf("%02d", hundredths%100)
	if neg {
		s = "-" + s
	}
	return s
}

// Thousands writes n with thousands separators.
func Thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// DrillDown is the link from a figure to the list behind it: the counter's
// List with its fixed filter, the scope (district_id, alliance_id,
// committee_id), the period (year, for a year counter), and the group of a
// breakdown row (status, category, district_id, alliance_id). by and key are
// "" for a total. ok is false when no list shows the figure: an aggregate
// (no List), a street scope (the lists do not filter by the street of an
// alliance), a month group, or a year counter over a period of two years.
func DrillDown(c Counter, sc Scope, p Period, by, key string) (string, bool) {
	if c.List == "" {
		return "", false
	}
	q := url.Values{}
	for k, v := range c.ListFilter {
		q.Set(k, v)
	}
	switch sc.Kind {
	case ScopeCity:
	case ScopeDistrict:
		q.Set("district_id", strconv.FormatInt(sc.ID, 10))
	case ScopeAlliance:
		q.Set("alliance_id", strconv.FormatInt(sc.ID, 10))
	case ScopeCommittee:
		if c.List != ListProjects {
			return "", false
		}
		q.Set("committee_id", strconv.FormatInt(sc.ID, 10))
	default:
		return "", false
	}
	if c.Basis == BasisYear {
		if p.From.IsZero() || p.From.Year() != p.To.Year() {
			return "", false
		}
		q.Set("year", strconv.Itoa(p.From.Year()))
	}
	switch by {
	case ByNone:
	case ByStatus, ByCategory:
		if key == "" || !c.By(by) {
			return "", false
		}
		q.Set(by, key)
	case ByDistrict, ByAlliance:
		if key == "" || !c.By(by) {
			return "", false
		}
		q.Set(by+"_id", key)
	default:
		return "", false
	}
	return c.List + "?" + q.Encode(), true
}

// ---- scopes and the report model ----

// Scope kinds of a report.
const (
	ScopeCity      = "city"
	ScopeDistrict  = "district"
	ScopeStreet    = "street"
	ScopeAlliance  = "alliance"
	ScopeCommittee = "committee"
)

// ScopeKinds lists the scopes a report offers.
var ScopeKinds = []string{ScopeCity, ScopeDistrict, ScopeStreet, ScopeAlliance, ScopeCommittee}

// Scope is what a report covers: the city, or one district, street,
// alliance or committee. DistrictID is the district the scope lies in (0 for
// the city); the service fills it and checks the caller's right there.
type Scope struct {
	Kind       string `json:"scope"`
	ID         int64  `json:"scope_id,omitempty"`
	DistrictID int64  `json:"district_id,omitempty"`
	Name       string `json:"scope_name"`
}

// Values are a report's figures by counter key (fen for money).
type Values map[string]int64

// Row is one group of a breakdown: its key (a district id, an alliance id, a
// category or status code, a month 2026-03), its label, and its figures.
// A counter that cannot be split by the breakdown is absent from Values.
type Row struct {
	Key    string `json:"key"`
	Label  string `json:"label"`
	Values Values `json:"values"`
}

// Report is a report's answer: the figures of a scope and period, and
// optionally split by a breakdown.
type Report struct {
	Period   Period    `json:"-"`
	Scope    Scope     `json:"-"`
	GroupBy  string    `json:"group_by"`
	Counters []Counter `json:"-"`
	Totals   Values    `json:"totals"`
	Rows     []Row     `json:"rows"`
}

// CountersBy lists the report counters (not the unit profile's) that can be
// split by b, in glossary order.
func CountersBy(b string) []Counter {
	var out []Counter
	for _, c := range Counters {
		if c.Area != AreaUnit && c.By(b) {
			out = append(out, c)
		}
	}
	return out
}
