package web

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"tongxin/internal/model"
	"tongxin/internal/report"
	"tongxin/internal/service"
	"tongxin/internal/store"
)

// Projects (项目清单) through /api/v1: the list with its filters and totals,
// create and edit, the lifecycle actions, progress updates, the review
// trail, attachments, the reviewer queue with bulk approve, and the case
// library. The pages come later and sit on the same services.

func (s *Server) projectService() *service.Projects { return service.NewProjects(s.deps()) }

func (s *Server) attachmentService() *service.Attachments {
	return service.NewAttachments(s.deps(), service.AttachmentOptions{UploadDir: s.opts.UploadDir, MaxBytes: s.opts.AttachmentMaxBytes})
}

// projectAttachmentPath is the route of attachment uploads.
const projectAttachmentPath = "/api/v1/projects/:id/attachments"

// isAttachmentUpload reports a request that uploads a project attachment:
// it has the attachment limit (uploads.max_bytes) instead of the general
// body limit.
func isAttachmentUpload(c echo.Context) bool {
	return c.Request().Method == http.MethodPost && (c.Path() == projectAttachmentPath || slices.Contains(projectPageUploadPaths, c.Path()))
}

// attachmentBodyLimit bounds an attachment upload's body: the file limit
// plus room for the multipart framing. A file just over the limit still
// arrives, and the service answers 413 for it; a body far over it is cut.
func (s *Server) attachmentBodyLimit() echo.MiddlewareFunc {
	limit := s.opts.AttachmentMaxBytes
	if limit <= 0 {
		limit = service.DefaultAttachmentMaxBytes
	}
	return middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{Limit: fmt.Sprintf("%dB", limit+64<<10)})
}

// pageUploadBodyLimit bounds a page form that carries files (a progress
// update, a completion, 附件): projectPageFiles files at the limit, plus
// the form's fields. It runs before the CSRF check, which reads the form.
func (s *Server) pageUploadBodyLimit() echo.MiddlewareFunc {
	limit := s.opts.AttachmentMaxBytes
	if limit <= 0 {
		limit = service.DefaultAttachmentMaxBytes
	}
	return middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{Limit: fmt.Sprintf("%dB", limit*projectPageFiles+1<<20),
		Skipper: func(c echo.Context) bool {
			return c.Request().Method != http.MethodPost || !slices.Contains(projectPageUploadPaths, c.Path())
		}})
}

// ---- shapes ----

type projectUnitJSON struct {
	UnitID   int64  `json:"unit_id"`
	UnitName string `json:"unit_name,omitempty"`
	Role     string `json:"role"`
}

type projectFundingJSON struct {
	Source    string `json:"source"`
	AmountFen int64  `json:"amount_fen"`
}

// projectJSON is the API's view of a project; the detail adds the links
// and what the caller may do.
type projectJSON struct {
	ID                  int64                `json:"id"`
	Code                *string              `json:"code"`
	AllianceID          int64                `json:"alliance_id"`
	AllianceName        string               `json:"alliance_name"`
	DistrictID          int64                `json:"district_id"`
	DistrictName        string               `json:"district_name"`
	CommitteeID         *int64               `json:"committee_id"`
	CommitteeName       string               `json:"committee_name"`
	LeadUnitID          int64                `json:"lead_unit_id"`
	LeadUnitName        string               `json:"lead_unit_name"`
	Title               string               `json:"title"`
	Summary             string               `json:"summary"`
	Category            string               `json:"category"`
	Year                int                  `json:"year"`
	StartsOn            *string              `json:"starts_on"`
	EndsOn              *string              `json:"ends_on"`
	BudgetFen           int64                `json:"budget_fen"`
	TargetBeneficiaries int                  `json:"target_beneficiaries"`
	Status              string               `json:"status"`
	ReturnReason        string               `json:"return_reason"`
	SubmittedAt         *time.Time           `json:"submitted_at"`
	ReviewDueOn         *string              `json:"review_due_on"`
	ApprovedAt          *time.Time           `json:"approved_at"`
	StartedAt           *time.Time           `json:"started_at"`
	CompletedAt         *time.Time           `json:"completed_at"`
	EvaluatedAt         *time.Time           `json:"evaluated_at"`
	CancelledAt         *time.Time           `json:"cancelled_at"`
	Score               *int                 `json:"score"`
	Grade               string               `json:"grade"`
	EvaluationComment   string               `json:"evaluation_comment"`
	ClosingReport       string               `json:"closing_report"`
	CancelReason        string               `json:"cancel_reason"`
	ProgressPercent     int                  `json:"progress_percent"`
	Overdue             bool                 `json:"overdue"`
	DueState            string               `json:"due_state,omitempty"`
	Units               []projectUnitJSON    `json:"units,omitempty"`
	Funding             []projectFundingJSON `json:"funding,omitempty"`
	SiteIDs             []int64              `json:"site_ids,omitempty"`
	NeedIDs             []int64              `json:"need_ids,omitempty"`
	ResourceIDs         []int64              `json:"resource_ids,omitempty"`
	AllowedActions      []string             `json:"allowed_actions,omitempty"`
	CanUpdate           *bool                `json:"can_update,omitempty"`
	CanUpdateProgress   *bool                `json:"can_update_progress,omitempty"`
	CanAttach           *bool                `json:"can_attach,omitempty"`
	// Files are the project's own attachments (the review queue: 申报材料).
	Files       []projectAttachmentJSON `json:"files,omitempty"`
	CanNominate *bool                   `json:"can_nominate,omitempty"`
	// SignedMeetingID is the annual meeting the project was signed at (set
	// by that meeting's signed section, POST /api/v1/meetings/{id}/annual/signed).
	SignedMeetingID *int64    `json:"signed_meeting_id"`
	Version         int       `json:"version"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
}

func toProjectJSON(p *store.ProjectRow, today time.Time) projectJSON {
	return projectJSON{ID: p.ID, Code: p.Code, AllianceID: p.AllianceID, AllianceName: p.AllianceName, DistrictID: p.DistrictID,
		DistrictName: p.DistrictName, CommitteeID: p.CommitteeID, CommitteeName: p.CommitteeName, LeadUnitID: p.LeadUnitID,
		LeadUnitName: p.LeadUnitName, Title: p.Title, Summary: p.Summary, Category: p.Category, Year: p.Year,
		StartsOn: allianceDayPtr(p.StartsOn), EndsOn: allianceDayPtr(p.EndsOn), BudgetFen: p.BudgetFen,
		TargetBeneficiaries: p.TargetBeneficiaries, Status: p.Status, ReturnReason: p.ReturnReason,
		SubmittedAt: utcPtr(p.SubmittedAt), ReviewDueOn: allianceDayPtr(p.ReviewDueOn), ApprovedAt: utcPtr(p.ApprovedAt),
		StartedAt: utcPtr(p.StartedAt), CompletedAt: utcPtr(p.CompletedAt), EvaluatedAt: utcPtr(p.EvaluatedAt),
		CancelledAt: utcPtr(p.CancelledAt), Score: p.Score, Grade: p.Grade, EvaluationComment: p.EvaluationComment,
		ClosingReport: p.ClosingReport, CancelReason: p.CancelReason, ProgressPercent: model.ProjectProgress(p.Status, p.ProgressPercent),
		Overdue: service.ProjectOverdue(&p.Project, today), SignedMeetingID: p.SignedMeetingID, Version: p.Version, CreatedAt: p.CreatedAt.UTC(), UpdatedAt: p.UpdatedAt.UTC()}
}

func toProjectDetailJSON(v *service.ProjectView, today time.Time) projectJSON {
	out := toProjectJSON(&v.ProjectRow, today)
	out.Units = make([]projectUnitJSON, 0, len(v.Units))
	for _, u := range v.Units {
		out.Units = append(out.Units, projectUnitJSON{UnitID: u.UnitID, UnitName: u.UnitName, Role: u.Role})
	}
	out.Funding = make([]projectFundingJSON, 0, len(v.Funding))
	for _, f := range v.Funding {
		out.Funding = append(out.Funding, projectFundingJSON{Source: f.Source, AmountFen: f.AmountFen})
	}
	out.SiteIDs, out.NeedIDs, out.ResourceIDs = projectIDs(v.SiteIDs), projectIDs(v.NeedIDs), projectIDs(v.ResourceIDs)
	out.AllowedActions = v.Perms.Actions
	if out.AllowedActions == nil {
		out.AllowedActions = []string{}
	}
	out.CanUpdate, out.CanUpdateProgress, out.CanNominate = &v.Perms.Update, &v.Perms.UpdateProgress, &v.Perms.Nominate
	out.CanAttach = &v.Perms.Attach
	return out
}

func projectIDs(ids []int64) []int64 {
	if ids == nil {
		return []int64{}
	}
	return ids
}

func (s *Server) projectToday() time.Time { return service.AllianceToday(s.db.Now()) }

// ---- the list ----

// projectListJSON is a list of projects with its totals row.
type projectListJSON struct {
	apiList[projectJSON]
	Totals projectTotalsJSON `json:"totals"`
}

type projectTotalsJSON struct {
	Count     int64 `json:"count"`
	BudgetFen int64 `json:"budget_fen"`
}

// readProjectFilter reads the list's filter from the URL; a bad value is a
// 400 naming the parameter.
func readProjectFilter(c echo.Context) (store.ProjectFilter, error) {
	ve := &model.ValidationError{}
	var f store.ProjectFilter
	q := c.QueryParams()
	f.Q = strings.TrimSpace(q.Get("q"))
	if utf8.RuneCountInString(f.Q) > allianceFilterMax || !utf8.ValidString(f.Q) || strings.ContainsFunc(f.Q, isControl) {
		ve.AddArgs("q", model.MsgTooLong, allianceFilterMax)
	}
	id := func(name string, dst *int64) {
		if v := strings.TrimSpace(q.Get(name)); v != "" {
			if *dst = allianceID(v); *dst == 0 {
				ve.Add(name, "project.bad_filter")
			}
		}
	}
	id("district_id", &f.DistrictID)
	id("alliance_id", &f.AllianceID)
	id("committee_id", &f.CommitteeID)
	id("lead_unit_id", &f.LeadUnitID)
	id("site_id", &f.SiteID)
	if v := strings.TrimSpace(q.Get("year")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 2000 || n > 2100 {
			ve.Add("year", "project.bad_filter")
		}
		f.Year = n
	}
	if v := strings.TrimSpace(q.Get("status")); v != "" {
		if !projectHas(model.ProjectStatuses, v) {
			ve.Add("status", "project.bad_filter")
		}
		f.Status = v
	}
	f.Category = strings.TrimSpace(q.Get("category"))
	if utf8.RuneCountInString(f.Category) > allianceFilterMax {
		ve.Add("category", "project.bad_filter")
	}
	money := func(name string) *int64 {
		v := strings.TrimSpace(q.Get(name))
		if v == "" {
			return nil
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			ve.Add(name, "project.bad_filter")
			return nil
		}
		return &n
	}
	f.BudgetMin, f.BudgetMax = money("budget_min"), money("budget_max")
	f.From = allianceParseDay(ve, "from", q.Get("from"))
	f.To = allianceParseDay(ve, "to", q.Get("to"))
	switch strings.TrimSpace(q.Get("overdue")) {
	case "", "false", "0":
	case "true", "1":
		f.Overdue = true
	default:
		ve.Add("overdue", "project.bad_filter")
	}
	return f, ve.Err()
}

func projectHas(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func (s *Server) apiProjectsList(c echo.Context) error {
	req, err := pageRequest(c, store.ProjectSortKeys())
	if err != nil {
		return err
	}
	f, err := readProjectFilter(c)
	if err != nil {
		return err
	}
	ctx, svc, today := c.Request().Context(), s.projectService(), s.projectToday()
	l, err := svc.List(ctx, actor(c), f, req)
	if err != nil {
		return err
	}
	tot, err := svc.Totals(ctx, actor(c), f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, projectListJSON{
		apiList: toAPIList(l, func(p *store.ProjectRow) projectJSON { return toProjectJSON(p, today) }),
		Totals:  projectTotalsJSON{Count: tot.Count, BudgetFen: tot.BudgetFen},
	})
}

func (s *Server) apiProjectGet(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	v, err := s.projectService().Get(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toProjectDetailJSON(v, s.projectToday()))
}

// ---- create and edit ----

// projectBody is the body of POST /projects.
type projectBody struct {
	AllianceID          int64                `json:"alliance_id"`
	CommitteeID         *int64               `json:"committee_id"`
	LeadUnitID          int64                `json:"lead_unit_id"`
	Units               []projectUnitJSON    `json:"units"`
	NeedIDs             []int64              `json:"need_ids"`
	ResourceIDs         []int64              `json:"resource_ids"`
	SiteIDs             []int64              `json:"site_ids"`
	Title               string               `json:"title"`
	Summary             string               `json:"summary"`
	Category            string               `json:"category"`
	Year                int                  `json:"year"`
	StartsOn            *string              `json:"starts_on"`
	EndsOn              *string              `json:"ends_on"`
	BudgetFen           int64                `json:"budget_fen"`
	Funding             []projectFundingJSON `json:"funding"`
	TargetBeneficiaries int                  `json:"target_beneficiaries"`
}

func projectUnitsIn(us []projectUnitJSON) []service.ProjectUnitInput {
	out := make([]service.ProjectUnitInput, 0, len(us))
	for _, u := range us {
		out = append(out, service.ProjectUnitInput{UnitID: u.UnitID, Role: u.Role})
	}
	return out
}

func projectFundingIn(fs []projectFundingJSON) []service.ProjectFundingInput {
	out := make([]service.ProjectFundingInput, 0, len(fs))
	for _, f := range fs {
		out = append(out, service.ProjectFundingInput{Source: f.Source, AmountFen: f.AmountFen})
	}
	return out
}

func (s *Server) apiProjectCreate(c echo.Context) error {
	var b projectBody
	if err := bindJSON(c, &b); err != nil {
		return err
	}
	ve := &model.ValidationError{}
	in := service.ProjectInput{AllianceID: b.AllianceID, CommitteeID: b.CommitteeID, LeadUnitID: b.LeadUnitID, Units: projectUnitsIn(b.Units),
		NeedIDs: b.NeedIDs, ResourceIDs: b.ResourceIDs, SiteIDs: b.SiteIDs, Title: b.Title, Summary: b.Summary, Category: b.Category,
		Year: b.Year, BudgetFen: b.BudgetFen, Funding: projectFundingIn(b.Funding), TargetBeneficiaries: b.TargetBeneficiaries}
	if b.StartsOn != nil {
		in.StartsOn = allianceParseDay(ve, "starts_on", *b.StartsOn)
	}
	if b.EndsOn != nil {
		in.EndsOn = allianceParseDay(ve, "ends_on", *b.EndsOn)
	}
	if err := ve.Err(); err != nil {
		return err
	}
	ctx, svc := c.Request().Context(), s.projectService()
	p, err := svc.Create(ctx, actor(c), in)
	if err != nil {
		return err
	}
	v, err := svc.Get(ctx, actor(c), p.ID)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/projects/"+strconv.FormatInt(p.ID, 10))
	return c.JSON(http.StatusCreated, toProjectDetailJSON(v, s.projectToday()))
}

// projectPatch is the body of PATCH /projects/{id}: the fields it carries
// change, the others stay; version is required.
type projectPatch struct {
	CommitteeID         allianceOpt[int64]                `json:"committee_id"`
	LeadUnitID          allianceOpt[int64]                `json:"lead_unit_id"`
	Units               allianceOpt[[]projectUnitJSON]    `json:"units"`
	SiteIDs             allianceOpt[[]int64]              `json:"site_ids"`
	Title               allianceOpt[string]               `json:"title"`
	Summary             allianceOpt[string]               `json:"summary"`
	Category            allianceOpt[string]               `json:"category"`
	Year                allianceOpt[int]                  `json:"year"`
	StartsOn            allianceOpt[string]               `json:"starts_on"`
	EndsOn              allianceOpt[string]               `json:"ends_on"`
	BudgetFen           allianceOpt[int64]                `json:"budget_fen"`
	Funding             allianceOpt[[]projectFundingJSON] `json:"funding"`
	TargetBeneficiaries allianceOpt[int]                  `json:"target_beneficiaries"`
	Version             int                               `json:"version"`
}

func (s *Server) apiProjectUpdate(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var b projectPatch
	if err := bindJSON(c, &b); err != nil {
		return err
	}
	ctx, svc := c.Request().Context(), s.projectService()
	cur, err := svc.Get(ctx, actor(c), id)
	if err != nil {
		return err
	}
	ve := &model.ValidationError{}
	if b.Version == 0 {
		ve.Add("version", model.MsgVersionMissing)
	}
	in := service.ProjectInput{CommitteeID: cur.CommitteeID, LeadUnitID: cur.LeadUnitID, SiteIDs: cur.SiteIDs, Title: cur.Title,
		Summary: cur.Summary, Category: cur.Category, Year: cur.Year, StartsOn: cur.StartsOn, EndsOn: cur.EndsOn, BudgetFen: cur.BudgetFen,
		TargetBeneficiaries: cur.TargetBeneficiaries, Version: b.Version}
	for _, u := range cur.Units {
		if u.Role != model.ProjectUnitLead {
			in.Units = append(in.Units, service.ProjectUnitInput{UnitID: u.UnitID, Role: u.Role})
		}
	}
	for _, f := range cur.Funding {
		in.Funding = append(in.Funding, service.ProjectFundingInput{Source: f.Source, AmountFen: f.AmountFen})
	}
	str := func(p allianceOpt[string], dst *string) {
		if p.Set {
			*dst = ""
			if p.Value != nil {
				*dst = *p.Value
			}
		}
	}
	str(b.Title, &in.Title)
	str(b.Summary, &in.Summary)
	str(b.Category, &in.Category)
	if b.CommitteeID.Set {
		in.CommitteeID = b.CommitteeID.Value
	}
	if b.LeadUnitID.Set {
		in.LeadUnitID = 0
		if b.LeadUnitID.Value != nil {
			in.LeadUnitID = *b.LeadUnitID.Value
		}
	}
	if b.Units.Set {
		in.Units = nil
		if b.Units.Value != nil {
			in.Units = projectUnitsIn(*b.Units.Value)
		}
	}
	if b.SiteIDs.Set {
		in.SiteIDs = nil
		if b.SiteIDs.Value != nil {
			in.SiteIDs = *b.SiteIDs.Value
		}
	}
	if b.Funding.Set {
		in.Funding = nil
		if b.Funding.Value != nil {
			in.Funding = projectFundingIn(*b.Funding.Value)
		}
	}
	if b.Year.Set && b.Year.Value != nil {
		in.Year = *b.Year.Value
	}
	if b.BudgetFen.Set && b.BudgetFen.Value != nil {
		in.BudgetFen = *b.BudgetFen.Value
	}
	if b.TargetBeneficiaries.Set && b.TargetBeneficiaries.Value != nil {
		in.TargetBeneficiaries = *b.TargetBeneficiaries.Value
	}
	day := func(p allianceOpt[string], field string, dst **time.Time) {
		if p.Set {
			*dst = nil
			if p.Value != nil {
				*dst = allianceParseDay(ve, field, *p.Value)
			}
		}
	}
	day(b.StartsOn, "starts_on", &in.StartsOn)
	day(b.EndsOn, "ends_on", &in.EndsOn)
	if err := ve.Err(); err != nil {
		return err
	}
	if _, err := svc.Update(ctx, actor(c), id, in); err != nil {
		return err
	}
	v, err := svc.Get(ctx, actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toProjectDetailJSON(v, s.projectToday()))
}

// ---- actions ----

// projectActionBody is the body of a lifecycle action; each action reads
// what it needs (reason for return and cancel, closing_report and
// evidence_ids for complete, score, grade and comment for evaluate).
type projectActionBody struct {
	Version       int     `json:"version"`
	Comment       string  `json:"comment"`
	Reason        string  `json:"reason"`
	PrivateNote   string  `json:"private_note"`
	Score         *int    `json:"score"`
	Grade         string  `json:"grade"`
	ClosingReport string  `json:"closing_report"`
	EvidenceIDs   []int64 `json:"evidence_ids"`
}

func (s *Server) apiProjectAction(action string) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := pathID(c, "id")
		if err != nil {
			return err
		}
		var b projectActionBody
		if err := allianceBindOptional(c, &b); err != nil {
			return err
		}
		ctx, svc := c.Request().Context(), s.projectService()
		if _, err := svc.Fire(ctx, actor(c), id, action, service.ActionInput{Version: b.Version, Comment: b.Comment, Reason: b.Reason,
			PrivateNote: b.PrivateNote, Score: b.Score, Grade: b.Grade, ClosingReport: b.ClosingReport, EvidenceIDs: b.EvidenceIDs}); err != nil {
			return err
		}
		v, err := svc.Get(ctx, actor(c), id)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, toProjectDetailJSON(v, s.projectToday()))
	}
}

// ---- progress updates and reviews ----

type projectAttachmentJSON struct {
	ID          int64     `json:"id"`
	FileName    string    `json:"file_name"`
	ContentType string    `json:"content_type"`
	SizeBytes   int64     `json:"size_bytes"`
	Sha256      string    `json:"sha256"`
	Purpose     string    `json:"purpose"`
	OwnerKind   string    `json:"owner_kind"`
	OwnerID     int64     `json:"owner_id"`
	URL         string    `json:"url"`
	CreatedAt   time.Time `json:"created_at"`
}

func toProjectAttachmentJSON(projectID int64, a *model.Attachment) projectAttachmentJSON {
	return projectAttachmentJSON{ID: a.ID, FileName: a.FileName, ContentType: a.ContentType, SizeBytes: a.SizeBytes, Sha256: a.Sha256,
		Purpose: a.Purpose, OwnerKind: a.OwnerKind, OwnerID: a.OwnerID, CreatedAt: a.CreatedAt.UTC(),
		URL: fmt.Sprintf("/api/v1/projects/%d/attachments/%d", projectID, a.ID)}
}

type projectUpdateJSON struct {
	ID             int64                   `json:"id"`
	ProjectID      int64                   `json:"project_id"`
	Percent        int                     `json:"percent"`
	Text           string                  `json:"text"`
	Beneficiaries  int                     `json:"beneficiaries"`
	VolunteerHours int                     `json:"volunteer_hours"`
	FundsSpentFen  int64                   `json:"funds_spent_fen"`
	HappenedOn     string                  `json:"happened_on"`
	Reason         string                  `json:"reason"`
	CreatedBy      *int64                  `json:"created_by"`
	AuthorName     string                  `json:"author_name"`
	Attachments    []projectAttachmentJSON `json:"attachments"`
	CreatedAt      time.Time               `json:"created_at"`
}

func toProjectUpdateJSON(u *service.UpdateView) projectUpdateJSON {
	out := projectUpdateJSON{ID: u.ID, ProjectID: u.ProjectID, Percent: u.Percent, Text: u.Text, Beneficiaries: u.Beneficiaries,
		VolunteerHours: u.VolunteerHours, FundsSpentFen: u.FundsSpentFen, HappenedOn: allianceDayText(&u.HappenedOn), Reason: u.Reason,
		CreatedBy: u.CreatedBy, AuthorName: u.AuthorName, CreatedAt: u.CreatedAt.UTC(), Attachments: []projectAttachmentJSON{}}
	for i := range u.Attachments {
		out.Attachments = append(out.Attachments, toProjectAttachmentJSON(u.ProjectID, &u.Attachments[i]))
	}
	return out
}

func (s *Server) apiProjectUpdates(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	req, err := pageRequest(c, store.ProjectUpdateSortKeys())
	if err != nil {
		return err
	}
	l, err := s.projectService().Updates(c.Request().Context(), actor(c), id, req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIList(l, toProjectUpdateJSON))
}

// projectUpdateBody is the body of POST /projects/{id}/updates.
type projectUpdateBody struct {
	Percent        int     `json:"percent"`
	Text           string  `json:"text"`
	Beneficiaries  int     `json:"beneficiaries"`
	VolunteerHours int     `json:"volunteer_hours"`
	FundsSpentFen  int64   `json:"funds_spent_fen"`
	HappenedOn     *string `json:"happened_on"`
	Reason         string  `json:"reason"`
	AttachmentIDs  []int64 `json:"attachment_ids"`
}

func (s *Server) apiProjectUpdateCreate(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var b projectUpdateBody
	if err := bindJSON(c, &b); err != nil {
		return err
	}
	ve := &model.ValidationError{}
	in := service.UpdateInput{Percent: b.Percent, Text: b.Text, Beneficiaries: b.Beneficiaries, VolunteerHours: b.VolunteerHours,
		FundsSpentFen: b.FundsSpentFen, AttachmentIDs: b.AttachmentIDs, Reason: b.Reason}
	if b.HappenedOn != nil {
		in.HappenedOn = allianceParseDay(ve, "happened_on", *b.HappenedOn)
	}
	ctx, svc := c.Request().Context(), s.projectService()
	if err := ve.Err(); err != nil {
		if _, gerr := svc.Get(ctx, actor(c), id); gerr != nil {
			return gerr
		}
		return err
	}
	u, err := svc.AddUpdate(ctx, actor(c), id, in)
	if err != nil {
		return err
	}
	// The report's author is the caller (the list reads it from users).
	u.AuthorName = CurrentUser(c).DisplayName
	c.Response().Header().Set(echo.HeaderLocation, fmt.Sprintf("/api/v1/projects/%d/updates", id))
	return c.JSON(http.StatusCreated, toProjectUpdateJSON(u))
}

type projectReviewJSON struct {
	ID          int64     `json:"id"`
	Action      string    `json:"action"`
	FromStatus  string    `json:"from_status"`
	ToStatus    string    `json:"to_status"`
	ActorID     *int64    `json:"actor_id"`
	ActorName   string    `json:"actor_name"`
	Comment     string    `json:"comment"`
	PrivateNote *string   `json:"private_note,omitempty"`
	Score       *int      `json:"score"`
	Grade       string    `json:"grade"`
	CreatedAt   time.Time `json:"created_at"`
}

func (s *Server) apiProjectReviews(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	rows, reviewer, err := s.projectService().Reviews(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	out := apiList[projectReviewJSON]{Items: make([]projectReviewJSON, 0, len(rows)), Total: int64(len(rows))}
	for _, r := range rows {
		j := projectReviewJSON{ID: r.ID, Action: r.Action, FromStatus: r.FromStatus, ToStatus: r.ToStatus, ActorID: r.ActorID,
			ActorName: r.ActorName, Comment: r.Comment, Score: r.Score, Grade: r.Grade, CreatedAt: r.CreatedAt.UTC()}
		if reviewer {
			note := r.PrivateNote
			j.PrivateNote = &note
		}
		out.Items = append(out.Items, j)
	}
	return c.JSON(http.StatusOK, out)
}

// ---- attachments ----

func (s *Server) apiProjectAttachmentUpload(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx, svc := c.Request().Context(), s.attachmentService()
	fh, err := c.FormFile("file")
	var me *http.MaxBytesError
	switch {
	case errors.Is(err, echo.ErrStatusRequestEntityTooLarge), errors.As(err, &me):
		return echo.ErrStatusRequestEntityTooLarge
	case err != nil:
		// No file: answer the scope and the right first (404, 403), then the field.
		if cerr := svc.CheckUpload(ctx, actor(c), id); cerr != nil {
			return cerr
		}
		return (&model.ValidationError{}).Add("file", "attachment.file_required")
	}
	f, err := fh.Open()
	if err != nil {
		return err
	}
	defer f.Close()
	a, err := svc.Upload(ctx, actor(c), id, fh.Filename, f)
	if errors.Is(err, service.ErrAttachmentTooLarge) {
		return echo.ErrStatusRequestEntityTooLarge
	}
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, fmt.Sprintf("/api/v1/projects/%d/attachments/%d", id, a.ID))
	return c.JSON(http.StatusCreated, toProjectAttachmentJSON(id, a))
}

func (s *Server) apiProjectAttachments(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	list, err := s.attachmentService().List(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	out := apiList[projectAttachmentJSON]{Items: make([]projectAttachmentJSON, 0, len(list)), Total: int64(len(list))}
	for i := range list {
		out.Items = append(out.Items, toProjectAttachmentJSON(id, &list[i]))
	}
	return c.JSON(http.StatusOK, out)
}

// apiProjectAttachment serves a file to who may read its project, as a
// download with its sniffed type and its name (RFC 8187), never rendered
// inline and never sniffed by the browser.
func (s *Server) apiProjectAttachment(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	aid, err := pathID(c, "aid")
	if err != nil {
		return err
	}
	a, f, err := s.attachmentService().Open(c.Request().Context(), actor(c), id, aid)
	if err != nil {
		return err
	}
	defer f.Close()
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, a.ContentType)
	h.Set(echo.HeaderContentDisposition, report.ContentDisposition(a.FileName))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "private, no-store")
	http.ServeContent(c.Response(), c.Request(), "", a.CreatedAt, f)
	return nil
}

// ---- the reviewer queue ----

func (s *Server) apiReviewQueue(c echo.Context) error {
	req, err := pageRequest(c, store.ProjectSortKeys())
	if err != nil {
		return err
	}
	f, err := readProjectFilter(c)
	if err != nil {
		return err
	}
	today := s.projectToday()
	l, err := s.projectService().Queue(c.Request().Context(), actor(c), f, req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIList(l, func(r *service.QueueRow) projectJSON {
		j := toProjectJSON(&r.ProjectRow, today)
		j.DueState = r.DueState
		j.Files = []projectAttachmentJSON{}
		for i := range r.Files {
			j.Files = append(j.Files, toProjectAttachmentJSON(r.ID, &r.Files[i]))
		}
		return j
	}))
}

type projectBulkBody struct {
	IDs     []int64 `json:"ids"`
	Comment string  `json:"comment"`
}

type projectBulkResultJSON struct {
	ID      int64   `json:"id"`
	OK      bool    `json:"ok"`
	Code    *string `json:"code,omitempty"`
	Status  string  `json:"status,omitempty"`
	Error   string  `json:"error,omitempty"`
	Message string  `json:"message,omitempty"`
}

func (s *Server) apiReviewBulkApprove(c echo.Context) error {
	var b projectBulkBody
	if err := bindJSON(c, &b); err != nil {
		return err
	}
	res, err := s.projectService().BulkApprove(c.Request().Context(), actor(c), b.IDs, b.Comment)
	if err != nil {
		return err
	}
	loc := Locale(c)
	out := struct {
		Items []projectBulkResultJSON `json:"items"`
	}{Items: make([]projectBulkResultJSON, 0, len(res))}
	for _, r := range res {
		j := projectBulkResultJSON{ID: r.ID, OK: r.Err == nil}
		if r.Err == nil {
			j.Code, j.Status = r.Project.Code, r.Project.Status
		} else {
			status, code := classify(r.Err)
			if status >= 500 {
				return r.Err
			}
			j.Error, j.Message = code, s.projectErrorMessage(loc, r.Err, code)
		}
		out.Items = append(out.Items, j)
	}
	return c.JSON(http.StatusOK, out)
}

// projectErrorMessage is the message an error answers with in loc.
func (s *Server) projectErrorMessage(loc string, err error, code string) string {
	var re *model.RuleError
	if errors.As(err, &re) && re.Message != "" {
		return s.cat.T(loc, re.Message, re.Args...)
	}
	var ce *model.ConflictError
	if errors.As(err, &ce) && ce.Message != "" {
		return s.cat.T(loc, ce.Message, ce.Args...)
	}
	return s.cat.T(loc, "error."+code)
}

// ---- cases ----

type projectCaseJSON struct {
	ID           int64      `json:"id"`
	ProjectID    int64      `json:"project_id"`
	ProjectCode  string     `json:"project_code"`
	ProjectTitle string     `json:"project_title"`
	AllianceID   int64      `json:"alliance_id"`
	AllianceName string     `json:"alliance_name"`
	DistrictID   int64      `json:"district_id"`
	DistrictName string     `json:"district_name"`
	Year         int        `json:"year"`
	Theme        string     `json:"theme"`
	Level        string     `json:"level"`
	WriteUp      string     `json:"write_up"`
	Status       string     `json:"status"`
	Grade        string     `json:"grade"`
	Score        *int       `json:"score"`
	NominatedBy  *int64     `json:"nominated_by"`
	NominatedAt  time.Time  `json:"nominated_at"`
	SelectedBy   *int64     `json:"selected_by"`
	SelectedAt   *time.Time `json:"selected_at"`
	Version      int        `json:"version"`
}

func toProjectCaseJSON(c *store.CaseRow) projectCaseJSON {
	return projectCaseJSON{ID: c.ID, ProjectID: c.ProjectID, ProjectCode: c.ProjectCode, ProjectTitle: c.ProjectTitle, AllianceID: c.AllianceID,
		AllianceName: c.AllianceName, DistrictID: c.DistrictID, DistrictName: c.DistrictName, Year: c.Year, Theme: c.Theme, Level: c.Level,
		WriteUp: c.WriteUp, Status: c.Status, Grade: c.Grade, Score: c.Score, NominatedBy: c.NominatedBy, NominatedAt: c.NominatedAt.UTC(),
		SelectedBy: c.SelectedBy, SelectedAt: utcPtr(c.SelectedAt), Version: c.Version}
}

func (s *Server) apiCasesList(c echo.Context) error {
	req, err := pageRequest(c, store.CaseSortKeys())
	if err != nil {
		return err
	}
	ve := &model.ValidationError{}
	q := c.QueryParams()
	var f store.CaseFilter
	if v := strings.TrimSpace(q.Get("year")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 2000 || n > 2100 {
			ve.Add("year", "project.bad_filter")
		}
		f.Year = n
	}
	if v := strings.TrimSpace(q.Get("district_id")); v != "" {
		if f.DistrictID = allianceID(v); f.DistrictID == 0 {
			ve.Add("district_id", "project.bad_filter")
		}
	}
	f.Theme = strings.TrimSpace(q.Get("theme"))
	if utf8.RuneCountInString(f.Theme) > allianceFilterMax {
		ve.Add("theme", "project.bad_filter")
	}
	switch v := strings.TrimSpace(q.Get("level")); v {
	case "", model.CaseLevelBest, model.CaseLevelExcellent:
		f.Level = v
	default:
		ve.Add("level", "project.bad_filter")
	}
	switch v := strings.TrimSpace(q.Get("status")); v {
	case "", model.CaseNominated, model.CaseSelected, model.CaseDeclined:
		f.Status = v
	default:
		ve.Add("status", "project.bad_filter")
	}
	if err := ve.Err(); err != nil {
		return err
	}
	l, err := s.projectService().Cases(c.Request().Context(), actor(c), f, req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIList(l, toProjectCaseJSON))
}

func (s *Server) apiCaseGet(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	cs, err := s.projectService().Case(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toProjectCaseJSON(cs))
}

type projectCaseBody struct {
	Theme   string `json:"theme"`
	Level   string `json:"level"`
	WriteUp string `json:"write_up"`
	Version int    `json:"version"`
}

func (s *Server) apiProjectNominate(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var b projectCaseBody
	if err := allianceBindOptional(c, &b); err != nil {
		return err
	}
	cs, err := s.projectService().Nominate(c.Request().Context(), actor(c), id, service.CaseInput{Theme: b.Theme, WriteUp: b.WriteUp})
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/cases/"+strconv.FormatInt(cs.ID, 10))
	return c.JSON(http.StatusCreated, toProjectCaseJSON(cs))
}

func (s *Server) apiCaseDecide(selected bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := pathID(c, "id")
		if err != nil {
			return err
		}
		var b projectCaseBody
		if err := allianceBindOptional(c, &b); err != nil {
			return err
		}
		cs, err := s.projectService().Select(c.Request().Context(), actor(c), id, selected, service.CaseInput{Level: b.Level, WriteUp: b.WriteUp, Version: b.Version})
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, toProjectCaseJSON(cs))
	}
}

// ---- OpenAPI ----

func init() {
	filters := withList(map[string]string{"q": "title or code contains", "year": "project year", "status": strings.Join(model.ProjectStatuses, " | "),
		"district_id": "district code", "alliance_id": "alliance", "committee_id": "committee", "category": "need_category code",
		"lead_unit_id": "lead unit", "site_id": "runs at this service site (党群服务阵地)", "budget_min": "budget_fen at least", "budget_max": "budget_fen at most",
		"from": "runs on or after this day (YYYY-MM-DD)", "to": "runs on or before this day", "overdue": "true: approved or running past ends_on",
		"sort": strings.Join(store.ProjectSortKeys(), " | ")})
	doc := func(summary, body, resp string) apiDoc {
		return apiDoc{Tag: "projects", Summary: summary, Body: body, Response: resp}
	}
	apiDocs["GET /api/v1/projects"] = apiDoc{Tag: "projects", Summary: "List the projects you may read (district grants: the district's; alliance grants: the alliance's; unit contacts: the projects their unit leads or takes part in), newest first; totals counts them and sums their budgets", Response: "ProjectList", Query: filters}
	apiDocs["POST /api/v1/projects"] = doc("Create a draft project of an alliance (its secretary); the lead unit must be a current member; answers 201", "ProjectInput", "Project")
	apiDocs["GET /api/v1/projects/:id"] = doc("One project with its units, funding, sites, linked needs and resources, and allowed_actions for you", "", "Project")
	apiDocs["PATCH /api/v1/projects/:id"] = doc("Change a project: the fields sent change (carry version; stale answers 409). Drafts and returned projects change freely; approved and running ones only summary, ends_on, budget_fen, funding and units (a change of plan, audited with before/after); other fields answer 400 next to the field", "ProjectPatch", "Project")
	for _, a := range model.ProjectActions {
		summary := map[string]string{
			model.ProjectActionSubmit:   "Submit for review (draft or returned → submitted; secretary). The first submission gives the code year-district-sequence",
			model.ProjectActionApprove:  "Approve 立项 (submitted → approved; district reviewer); comment and private_note optional",
			model.ProjectActionReturn:   "Return with a reason (submitted → returned; district reviewer); the reason shows on the project, which is editable again",
			model.ProjectActionStart:    "Start (approved → in_progress; secretary or the lead unit's contact)",
			model.ProjectActionComplete: "Complete 结项 with closing_report and evidence_ids (attachments of the project) (in_progress → completed; secretary)",
			model.ProjectActionEvaluate: "Evaluate with score 0–100 and a comment; the grade follows from the score (excellent ≥ 90, good 80–89, fair 60–79, poor < 60): omit it, or send the matching one (another is a 400 on grade) (completed → evaluated; district reviewer)",
			model.ProjectActionCancel:   "Cancel with a reason: the secretary before approval, the district reviewer after",
		}[a]
		apiDocs["POST /api/v1/projects/:id/"+a] = doc(summary+". Carry the project's version (missing: 400; stale: 409). Not allowed in the current state: 422 naming it and what is allowed", "ProjectAction", "Project")
	}
	apiDocs["GET /api/v1/projects/:id/updates"] = apiDoc{Tag: "projects", Summary: "Progress updates, latest day first, with their attachments", Response: "list:ProjectUpdate", Query: withList(map[string]string{"sort": "happened_on"})}
	apiDocs["POST /api/v1/projects/:id/updates"] = doc("Report progress (approved or running projects; the contacts of its units and the secretary), dated within the project's life; a lower percent than the report before it needs a reason; attachment_ids move uploaded files to the update; answers 201", "ProjectUpdateInput", "ProjectUpdate")
	apiDocs["GET /api/v1/projects/:id/reviews"] = doc("The review trail, oldest first; private_note only for reviewers of the project's district", "", "list:ProjectReview")
	apiDocs["GET /api/v1/projects/:id/attachments"] = doc("The project's attachments (its own and its updates')", "", "list:Attachment")
	apiDocs["POST /api/v1/projects/:id/attachments"] = apiDoc{Tag: "projects", Summary: "Upload a file (multipart field file): JPEG, PNG, PDF, xlsx or docx, checked by content; the name's extension must match; over uploads.max_bytes answers 413; from the draft on while the project is open (before approval the file is 申报材料, purpose application); answers 201", Body: "AttachmentUpload", BodyType: "multipart/form-data", Response: "Attachment"}
	apiDocs["GET /api/v1/projects/:id/attachments/:aid"] = doc("Download an attachment (Content-Disposition attachment, nosniff); 404 outside the project's scope", "", "")
	apiDocs["POST /api/v1/projects/:id/nominate"] = doc("Nominate an evaluated project for the case library (secretary); answers 201", "CaseInput", "Case")
	apiDocs["GET /api/v1/reviews"] = apiDoc{Tag: "projects", Summary: "The reviewer queue: submitted projects of your districts, oldest submission first, with due_state overdue | due_soon", Response: "list:Project", Query: filters}
	apiDocs["POST /api/v1/reviews/approve"] = doc("Bulk approve: each id is checked and audited as one approve; the answer lists each outcome", "BulkApprove", "BulkResult")
	apiDocs["GET /api/v1/cases"] = apiDoc{Tag: "cases", Summary: "The case library: selected cases for everyone logged in; nominations where you nominate or select", Response: "list:Case",
		Query: withList(map[string]string{"year": "year", "district_id": "district code", "theme": "theme (need_category code)", "level": "best | excellent", "status": "nominated | selected | declined", "sort": "nominated_at | year"})}
	apiDocs["GET /api/v1/cases/:id"] = apiDoc{Tag: "cases", Summary: "One case", Response: "Case"}
	apiDocs["POST /api/v1/cases/:id/select"] = apiDoc{Tag: "cases", Summary: "Select a nominated case as best | excellent with a write-up (district reviewer); carry version, a stale one answers 409", Body: "CaseInput", Response: "Case"}
	apiDocs["POST /api/v1/cases/:id/decline"] = apiDoc{Tag: "cases", Summary: "Decline a nominated case (district reviewer); body {\"version\": n}, stale answers 409", Body: "VersionInput", Response: "Case"}

	day := schema{"type": "string", "format": "date", "nullable": true}
	nullInt := schema{"type": "integer", "format": "int64", "nullable": true}
	ids := schema{"type": "array", "items": integer}
	status := schema{"type": "string", "enum": model.ProjectStatuses}
	unit := obj([]string{"unit_id"}, map[string]schema{"unit_id": integer, "unit_name": str, "role": {"type": "string", "enum": []string{model.ProjectUnitLead, model.ProjectUnitPartner, model.ProjectUnitRequester}}})
	funding := obj([]string{"source", "amount_fen"}, map[string]schema{"source": {"type": "string", "description": "funding_source code"}, "amount_fen": integer})
	project := map[string]schema{"id": integer, "code": {"type": "string", "nullable": true, "example": "2026-310104-0001"},
		"alliance_id": integer, "alliance_name": str, "district_id": integer, "district_name": str, "committee_id": nullInt, "committee_name": str,
		"lead_unit_id": integer, "lead_unit_name": str, "title": str, "summary": str, "category": str, "year": integer,
		"starts_on": day, "ends_on": day, "budget_fen": integer, "target_beneficiaries": integer, "status": status, "return_reason": str,
		"submitted_at": nullTime, "review_due_on": day, "approved_at": nullTime, "started_at": nullTime, "completed_at": nullTime,
		"evaluated_at": nullTime, "cancelled_at": nullTime, "score": nullInt, "grade": str, "evaluation_comment": str,
		"closing_report": str, "cancel_reason": str, "progress_percent": integer, "overdue": boolean, "due_state": str,
		"units": {"type": "array", "items": unit}, "funding": {"type": "array", "items": funding}, "site_ids": ids, "need_ids": ids,
		"resource_ids": ids, "allowed_actions": {"type": "array", "items": str}, "can_update": boolean, "can_update_progress": boolean,
		"can_attach":   {"type": "boolean", "description": "files may be attached now (申报材料 from the draft on)"},
		"files":        {"type": "array", "items": ref("Attachment"), "description": "the review queue: the project's own attachments (purpose application: 申报材料)"},
		"can_nominate": boolean, "signed_meeting_id": nullInt, "version": integer, "created_at": dateTime, "updated_at": dateTime}
	apiSchemas["Project"] = obj(nil, project)
	apiSchemas["ProjectList"] = obj(nil, map[string]schema{"items": {"type": "array", "items": ref("Project")}, "next": str, "total": integer,
		"total_capped": boolean, "totals": obj(nil, map[string]schema{"count": integer, "budget_fen": integer})})
	input := map[string]schema{"alliance_id": integer, "committee_id": nullInt, "lead_unit_id": integer, "units": {"type": "array", "items": unit},
		"need_ids": ids, "resource_ids": ids, "site_ids": ids, "title": str, "summary": str, "category": str, "year": integer,
		"starts_on": day, "ends_on": day, "budget_fen": integer, "funding": {"type": "array", "items": funding}, "target_beneficiaries": integer}
	apiSchemas["ProjectInput"] = obj([]string{"alliance_id", "lead_unit_id", "title", "category", "year"}, input)
	patch := map[string]schema{"version": integer}
	for k, v := range input {
		if k != "alliance_id" && k != "need_ids" && k != "resource_ids" {
			patch[k] = v
		}
	}
	apiSchemas["ProjectPatch"] = obj([]string{"version"}, patch)
	apiSchemas["ProjectAction"] = obj([]string{"version"}, map[string]schema{"version": integer, "comment": str, "reason": str, "private_note": str,
		"score": {"type": "integer", "minimum": 0, "maximum": 100}, "grade": {"type": "string", "enum": model.ProjectGrades},
		"closing_report": str, "evidence_ids": ids})
	att := obj(nil, map[string]schema{"id": integer, "file_name": str, "content_type": str, "size_bytes": integer, "sha256": str,
		"purpose": str, "owner_kind": str, "owner_id": integer, "url": str, "created_at": dateTime})
	apiSchemas["Attachment"] = att
	apiSchemas["AttachmentUpload"] = obj([]string{"file"}, map[string]schema{"file": {"type": "string", "format": "binary"}})
	apiSchemas["ProjectUpdate"] = obj(nil, map[string]schema{"id": integer, "project_id": integer, "percent": integer, "text": str,
		"beneficiaries": integer, "volunteer_hours": integer, "funds_spent_fen": integer, "happened_on": day, "reason": str, "created_by": nullInt,
		"author_name": str, "attachments": {"type": "array", "items": ref("Attachment")}, "created_at": dateTime})
	apiSchemas["ProjectUpdateInput"] = obj([]string{"percent", "text"}, map[string]schema{"percent": {"type": "integer", "minimum": 0, "maximum": 100},
		"text": str, "beneficiaries": integer, "volunteer_hours": integer, "funds_spent_fen": integer,
		"happened_on": {"type": "string", "format": "date", "description": "default today; from the project's approval (its start day when none is recorded) to today, not after its end day"},
		"reason":      {"type": "string", "description": "why percent is lower than the report before it (required then)"}, "attachment_ids": ids})
	apiSchemas["ProjectReview"] = obj(nil, map[string]schema{"id": integer, "action": str, "from_status": status, "to_status": status,
		"actor_id": nullInt, "actor_name": str, "comment": str, "private_note": {"type": "string", "description": "reviewers only"},
		"score": nullInt, "grade": str, "created_at": dateTime})
	apiSchemas["BulkApprove"] = obj([]string{"ids"}, map[string]schema{"ids": ids, "comment": str})
	apiSchemas["BulkResult"] = obj(nil, map[string]schema{"items": {"type": "array", "items": obj(nil, map[string]schema{"id": integer,
		"ok": boolean, "code": str, "status": str, "error": str, "message": str})}})
	apiSchemas["Case"] = obj(nil, map[string]schema{"id": integer, "project_id": integer, "project_code": str, "project_title": str,
		"alliance_id": integer, "alliance_name": str, "district_id": integer, "district_name": str, "year": integer, "theme": str,
		"level": {"type": "string", "enum": []string{"", model.CaseLevelBest, model.CaseLevelExcellent}}, "write_up": str,
		"status": {"type": "string", "enum": []string{model.CaseNominated, model.CaseSelected, model.CaseDeclined}}, "grade": str,
		"score": nullInt, "nominated_by": nullInt, "nominated_at": dateTime, "selected_by": nullInt, "selected_at": nullTime, "version": integer})
	apiSchemas["CaseInput"] = obj(nil, map[string]schema{"theme": str, "level": {"type": "string", "enum": []string{model.CaseLevelBest, model.CaseLevelExcellent}},
		"write_up": str, "version": {"type": "integer", "description": "required to select or decline: the case's version read (stale answers 409); not on nominate"}})
}
