package web

import (
	"context"
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"tongxin/internal/model"
	"tongxin/internal/report"
	"tongxin/internal/service"
	"tongxin/internal/store"
)

// Projects (项目清单) as pages: the list with its filters, totals, export
// and import; the project's page with its actions, progress, reviews and
// attachments; the new and edit forms; the 立项草稿 of a need. The reviewer
// queue is project_reviews.go, the case library cases.go; both sit on the
// services of the JSON API (projects_api.go).

// projectPageFiles is the most files one page form (a progress update, a
// completion) carries.
const projectPageFiles = 10

// projectPageUploadPaths are the page routes that take files: they have the
// attachment limit (per file, times projectPageFiles) instead of the
// general body limit.
var projectPageUploadPaths = []string{"/projects/:id/updates", "/projects/:id/attachments", "/projects/:id/complete"}

// parseYuan reads an amount typed in 元 (service.ParseYuan: from the
// decimal string, never a float).
func parseYuan(v string) (int64, bool) { return service.ParseYuan(v) }

// yuanText writes fen as a form value in 元 ("1234.50"; "" for none).
func yuanText(fen int64) string {
	sign := ""
	if fen < 0 {
		sign, fen = "-", -fen
	}
	return fmt.Sprintf("%s%d.%02d", sign, fen/100, fen%100)
}

// projectWan writes fen in 万元 with two decimals (rounded half up), as
// reports show money.
func projectWan(fen int64) string {
	neg := fen < 0
	if neg {
		fen = -fen
	}
	h := (fen + 5000) / 10000 // hundreds of 元
	s := fmt.Sprintf("%s.%02d", fmtInt(h/100), h%100)
	if neg {
		return "-" + s
	}
	return s
}

// projectDicts are the dictionaries the project pages name: categories
// (need_category) and funding sources, in the page's locale.
type projectDicts struct {
	Categories []allianceKindOption
	Funding    []allianceKindOption
	cat, fund  map[string]string
}

// Category is a category's label.
func (d *projectDicts) Category(code string) string { return allianceKindLabel(d.cat, code) }

// FundingLabel is a funding source's label.
func (d *projectDicts) FundingLabel(code string) string { return allianceKindLabel(d.fund, code) }

func (s *Server) projectDicts(ctx context.Context, loc string) (*projectDicts, error) {
	dict := service.NewDictionaries(s.deps())
	d := &projectDicts{cat: map[string]string{}, fund: map[string]string{}}
	for kind, dst := range map[string]*[]allianceKindOption{model.DictNeedCategory: &d.Categories, model.DictFundingSource: &d.Funding} {
		items, err := dict.Items(ctx, kind, false)
		if err != nil {
			return nil, err
		}
		labels := d.cat
		if kind == model.DictFundingSource {
			labels = d.fund
		}
		for _, it := range items {
			l := service.ItemLabel(it, loc)
			*dst = append(*dst, allianceKindOption{Code: it.Code, Label: l, Active: it.Active})
			labels[it.Code] = l
		}
	}
	return d, nil
}

// projectParagraphs splits a text into its paragraphs (its line breaks kept).
func projectParagraphs(s string) []string {
	var out []string
	for _, p := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// projectFlashError shows a refusal of the domain (422) or a conflict (409)
// as an error flash; it reports whether err was one.
func (s *Server) projectFlashError(c echo.Context, err error) bool {
	var re *model.RuleError
	if errors.As(err, &re) && re.Message != "" {
		s.flash(c, "error", re.Message, re.Args...)
		return true
	}
	var ce *model.ConflictError
	if errors.As(err, &ce) && ce.Message != "" {
		s.flash(c, "error", ce.Message, ce.Args...)
		return true
	}
	return false
}

func projectURL(id int64, anchor string) string {
	u := "/projects/" + strconv.FormatInt(id, 10)
	if anchor != "" {
		u += "#" + anchor
	}
	return u
}

// ---- 项目清单 ----

// projectQuery is the list's filter as typed; it goes back into the form.
type projectQuery struct {
	Q, Year, Status, Category, BudgetMin, BudgetMax, From, To string
	DistrictID, AllianceID, CommitteeID, LeadUnitID           int64
	SiteID                                                    int64 // from a service site's page (kept hidden)
	Overdue                                                   bool
}

// Active reports a filter that narrows the list.
func (q projectQuery) Active() bool {
	return q.Q != "" || q.Year != "" || q.Status != "" || q.Category != "" || q.DistrictID != 0 || q.AllianceID != 0 || q.SiteID != 0 || q.MoreOpen()
}

// MoreOpen reports a filter set among 更多筛选 (the section opens).
func (q projectQuery) MoreOpen() bool {
	return q.CommitteeID != 0 || q.LeadUnitID != 0 || q.BudgetMin != "" || q.BudgetMax != "" || q.From != "" || q.To != "" || q.Overdue
}

// readProjectQuery reads the page's filter from the URL: the API's names,
// with the budget typed in 元. A page ignores what it does not understand.
func readProjectQuery(c echo.Context) (projectQuery, store.ProjectFilter) {
	v := c.QueryParams()
	var q projectQuery
	var f store.ProjectFilter
	text := func(name string) string {
		s := strings.TrimSpace(v.Get(name))
		if utf8.RuneCountInString(s) > allianceFilterMax || !utf8.ValidString(s) || strings.ContainsFunc(s, isControl) {
			return ""
		}
		return s
	}
	q.Q = text("q")
	f.Q = q.Q
	if n, err := strconv.Atoi(strings.TrimSpace(v.Get("year"))); err == nil && n >= 2000 && n <= 2100 {
		q.Year, f.Year = strconv.Itoa(n), n
	}
	if st := strings.TrimSpace(v.Get("status")); slices.Contains(model.ProjectStatuses, st) {
		q.Status, f.Status = st, st
	}
	q.Category = text("category")
	f.Category = q.Category
	q.DistrictID, q.AllianceID = allianceID(v.Get("district_id")), allianceID(v.Get("alliance_id"))
	q.CommitteeID, q.LeadUnitID = allianceID(v.Get("committee_id")), allianceID(v.Get("lead_unit_id"))
	f.DistrictID, f.AllianceID, f.CommitteeID, f.LeadUnitID = q.DistrictID, q.AllianceID, q.CommitteeID, q.LeadUnitID
	q.SiteID = allianceID(v.Get("site_id"))
	f.SiteID = q.SiteID
	money := func(name string, dst *string) *int64 {
		if fen, ok := parseYuan(v.Get(name)); ok {
			*dst = strings.TrimSpace(v.Get(name))
			return &fen
		}
		return nil
	}
	f.BudgetMin, f.BudgetMax = money("budget_min", &q.BudgetMin), money("budget_max", &q.BudgetMax)
	day := func(name string, dst *string) *time.Time {
		ve := &model.ValidationError{}
		t := allianceParseDay(ve, name, v.Get(name))
		if t != nil {
			*dst = allianceDayText(t)
		}
		return t
	}
	f.From, f.To = day("from", &q.From), day("to", &q.To)
	switch strings.TrimSpace(v.Get("overdue")) {
	case "1", "true", "on":
		q.Overdue, f.Overdue = true, true
	}
	return q, f
}

// projectItem is a list row with its labels.
type projectItem struct {
	store.ProjectRow
	CategoryLabel string
	Overdue       bool
}

// Progress is the progress the row shows (model.ProjectProgress).
func (p projectItem) Progress() int { return model.ProjectProgress(p.Status, p.ProgressPercent) }

// projectsPage is the Data of projects/list.
type projectsPage struct {
	Filter      projectQuery
	Items       []projectItem
	List        *ListView
	TotalCount  int64
	TotalBudget string // ¥…
	TotalWan    string // 万元
	Dicts       *projectDicts
	Statuses    []string
	Years       []int
	Districts   []model.District // the district filter; hidden when fewer than two
	Alliances   []store.ListAllianceOption
	Committees  []store.CommitteeRow   // of the chosen alliance
	Units       []store.ListUnitOption // members of the chosen alliance
	CanCreate   bool
	CanImport   bool
	ImportURL   string
	SiteName    string // the site_id filter's site
	ExportTitle string
}

// projectAllianceLimit bounds the alliances a filter or form offers.
const projectAllianceLimit = 500

func (s *Server) projectsList(c echo.Context) error {
	req, err := pageRequest(c, store.ProjectSortKeys())
	if err != nil {
		return err
	}
	q, f := readProjectQuery(c)
	ctx, loc, svc, a := c.Request().Context(), Locale(c), s.projectService(), actor(c)
	l, err := svc.List(ctx, a, f, req)
	var bad *model.ValidationError
	if errors.As(err, &bad) { // a stale or forged cursor: start again
		req.After, req.Before = "", ""
		l, err = svc.List(ctx, a, f, req)
	}
	if err != nil {
		return err
	}
	tot, err := svc.Totals(ctx, a, f)
	if err != nil {
		return err
	}
	dicts, err := s.projectDicts(ctx, loc)
	if err != nil {
		return err
	}
	today := s.projectToday()
	page := projectsPage{Filter: q, List: newListView(c, req, l, "/projects/export"), TotalCount: tot.Count,
		TotalBudget: fmtMoney(tot.BudgetFen), TotalWan: projectWan(tot.BudgetFen), Dicts: dicts, Statuses: model.ProjectStatuses,
		CanCreate: s.authz.CanAnywhere(a.UserID, "project", "create"),
		// The upload page (imports.go) is guarded by unit:import: the button
		// shows where both hold (the reviewer imports through the API or
		// CLI once those take the kind).
		CanImport: s.authz.CanAnywhere(a.UserID, "project", "import") && s.authz.CanAnywhere(a.UserID, "unit", "import") &&
			s.routeExists("GET /imports/template/projects.xlsx")}
	if page.CanImport {
		page.ImportURL = "/imports/new?kind=projects"
	}
	if q.SiteID != 0 { // from a service site's page: say which site
		if rows, err := s.db.ProjectLinkRows(ctx, "service_sites", []int64{q.SiteID}); err != nil {
			return err
		} else if len(rows) == 1 {
			page.SiteName = rows[0].Title
		}
	}
	for y := today.Year() + 1; y >= today.Year()-5; y-- {
		page.Years = append(page.Years, y)
	}
	scope := s.authz.Scope(a.UserID, "project", "read")
	if scope.All || len(scope.Districts) > 1 {
		all, err := s.db.Districts(ctx)
		if err != nil {
			return err
		}
		for _, d := range all {
			if scope.All || slices.Contains(scope.Districts, d.ID) {
				page.Districts = append(page.Districts, d)
			}
		}
	}
	if page.Alliances, err = s.db.ProjectAllianceOptions(ctx, model.Scope{All: scope.All, Districts: scope.Districts, Alliances: scope.Alliances}, projectAllianceLimit); err != nil {
		return err
	}
	// The committee and lead-unit filters offer those of the chosen alliance
	// (of the only one, for a secretary).
	optionsOf := q.AllianceID
	if optionsOf == 0 && len(page.Alliances) == 1 {
		optionsOf = page.Alliances[0].ID
	}
	if optionsOf != 0 && slices.ContainsFunc(page.Alliances, func(o store.ListAllianceOption) bool { return o.ID == optionsOf }) {
		if page.Committees, err = s.db.CommitteesOfAlliance(ctx, optionsOf); err != nil {
			return err
		}
		if page.Units, err = s.db.ListUnitOptions(ctx, []int64{optionsOf}, nil); err != nil {
			return err
		}
	}
	page.Items = make([]projectItem, 0, len(l.Items))
	for _, r := range l.Items {
		page.Items = append(page.Items, projectItem{ProjectRow: r, CategoryLabel: dicts.Category(r.Category),
			Overdue: service.ProjectOverdue(&r.Project, today)})
	}
	title := s.cat.T(loc, "menu.projects")
	v := s.view(c, title, Crumb{Label: s.cat.T(loc, "menu.group.projects")}, Crumb{Label: title})
	v.Data = page
	return s.page(c, http.StatusOK, "projects/list", v)
}

func (s *Server) projectsExport(c echo.Context) error {
	format, err := report.ParseFormat(c.QueryParam("format"))
	if err != nil {
		return (&model.ValidationError{}).Add("format", "list.bad_format")
	}
	req, err := pageRequest(c, store.ProjectSortKeys())
	if err != nil {
		return err
	}
	_, f := readProjectQuery(c)
	ctx, loc := c.Request().Context(), Locale(c)
	dicts, err := s.projectDicts(ctx, loc)
	if err != nil {
		return err
	}
	T := func(k string) string { return s.cat.T(loc, k) }
	cols := []report.Column{
		{Header: T("project.code"), Width: 18}, {Header: T("project.title"), Width: 36}, {Header: T("project.status"), Width: 10},
		{Header: T("project.year"), Width: 8}, {Header: T("project.category"), Width: 14}, {Header: T("project.district"), Width: 10},
		{Header: T("project.alliance"), Width: 30}, {Header: T("project.committee"), Width: 16}, {Header: T("project.lead_unit"), Width: 30},
		{Header: T("project.starts_on"), Width: 12}, {Header: T("project.ends_on"), Width: 12}, {Header: T("project.budget_yuan"), Width: 14},
		{Header: T("project.target_beneficiaries"), Width: 12}, {Header: T("project.progress"), Width: 8}, {Header: T("project.score"), Width: 8},
		{Header: T("project.grade"), Width: 8}, {Header: T("project.overdue"), Width: 8},
	}
	today := s.projectToday()
	return s.streamExport(c, format, T("menu.projects"), cols, func(w report.Writer) error {
		return s.projectService().Each(ctx, actor(c), f, req, func(p *store.ProjectRow) error {
			code, score, grade, overdue := "", "", "", ""
			if p.Code != nil {
				code = *p.Code
			}
			if p.Score != nil {
				score = strconv.Itoa(*p.Score)
			}
			if p.Grade != "" {
				grade = T("project.grade." + p.Grade)
			}
			if service.ProjectOverdue(&p.Project, today) {
				overdue = T("project.yes")
			}
			return w.WriteRow(code, p.Title, T("project.status."+p.Status), p.Year, dicts.Category(p.Category), p.DistrictName,
				p.AllianceName, p.CommitteeName, p.LeadUnitName, allianceDayText(p.StartsOn), allianceDayText(p.EndsOn),
				yuanText(p.BudgetFen), p.TargetBeneficiaries, model.ProjectProgress(p.Status, p.ProgressPercent), score, grade, overdue)
		})
	})
}

// ---- 项目详情 ----

// projectUpdateForm is the progress form as typed.
type projectUpdateForm struct {
	Percent, Text, Beneficiaries, VolunteerHours, FundsSpent, HappenedOn, Reason string
	// AttachmentIDs are files uploaded with a refused form: they stay
	// uploaded and go with the form when it is sent again.
	AttachmentIDs []int64
}

// projectActionForm is an action's form as typed.
type projectActionForm struct {
	Action, Comment, Reason, PrivateNote, Score, Grade, ClosingReport string
	EvidenceIDs                                                       []int64
}

// Evidence reports a file ticked as evidence.
func (f projectActionForm) Evidence(id int64) bool { return slices.Contains(f.EvidenceIDs, id) }

// projectCaseForm is the nomination as typed.
type projectCaseForm struct{ Theme, WriteUp string }

// projectShowPage is the Data of projects/show.
type projectShowPage struct {
	P         *service.ProjectView
	Dicts     *projectDicts
	Summary   []string
	Closing   []string
	Needs     []store.ProjectLink
	Resources []store.ProjectLink
	Sites     []store.ProjectLink
	// SiteReadable are the sites whose page the viewer may open (linked).
	SiteReadable map[int64]bool
	Funding      int64 // the sum of the funding sources (fen)
	Updates      []service.UpdateView
	UpdatesMore  bool
	Reviews      []store.ProjectReviewRow
	Reviewer     bool
	Files        []model.Attachment
	Timeline     []projectEvent
	CaseID       int64
	Grades       []string
	Today        string
	// UpdFirst and UpdLast bound the day of a progress report (the date
	// input's min and max; UpdFirst "" when unknown).
	UpdFirst, UpdLast string
	MaxFiles          int
	MaxMB             int64

	Upd       projectUpdateForm
	UpdErrors map[string]string
	Act       projectActionForm
	ActErrors map[string]string
	// Want is the form a header button asked for (?action=): it opens.
	Want      string
	Nom       projectCaseForm
	NomErrors map[string]string
}

// Can reports an action the user may fire now.
func (p projectShowPage) Can(action string) bool { return slices.Contains(p.P.Perms.Actions, action) }

// Size writes a file size for people: 75 B, 12.3 KB, 4.5 MB.
func (projectShowPage) Size(n int64) string {
	switch {
	case n < 1<<10:
		return fmt.Sprintf("%d B", n)
	case n < 1<<20:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
}

// Points is a score for the catalog's %d (0 for none).
func (projectShowPage) Points(score *int) int { return projectPoints(score) }

func projectPoints(score *int) int {
	if score == nil {
		return 0
	}
	return *score
}

// InputActions are the actions the user may fire now that take input
// (their forms are on the page, under 操作).
func (p projectShowPage) InputActions() []string {
	var out []string
	for _, a := range p.P.Perms.Actions {
		if a != model.ProjectActionSubmit && a != model.ProjectActionStart {
			out = append(out, a)
		}
	}
	return out
}

// ProjectFiles are the files attached to the project itself (申报材料 and
// others), not those of its progress updates: the reviewer reads them
// beside the review form.
func (p projectShowPage) ProjectFiles() []model.Attachment {
	var out []model.Attachment
	for _, f := range p.Files {
		if f.OwnerKind == model.AttachOwnerProject {
			out = append(out, f)
		}
	}
	return out
}

// Progress is the progress the page shows (model.ProjectProgress).
func (p projectShowPage) Progress() int {
	return model.ProjectProgress(p.P.Status, p.P.ProgressPercent)
}

// Open reports the action whose form opens: the one refused, or the one a
// header button asked for (?action=, which works without JavaScript).
func (p projectShowPage) Open(action string) bool {
	if len(p.ActErrors) > 0 {
		return p.Act.Action == action
	}
	return p.Want == action
}

// OpenByDefault reports the form that opens when no other was asked for
// (approve for the reviewer of a submitted project).
func (p projectShowPage) OpenByDefault(action string) bool {
	return p.Open(action) || (p.Want == "" && len(p.ActErrors) == 0)
}

// AnyAction reports a button in the header.
func (p projectShowPage) AnyAction() bool { return len(p.P.Perms.Actions) > 0 || p.P.Perms.Update }

// projectEvent is one entry of the timeline: a review (a transition) or a
// progress update, newest first.
type projectEvent struct {
	At     time.Time
	Review *store.ProjectReviewRow
	Update *service.UpdateView
}

// projectUpdatesShown is how many progress updates the page shows.
const projectUpdatesShown = 50

func (s *Server) projectShow(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	return s.renderProjectShow(c, http.StatusOK, id, projectShowPage{Want: c.QueryParam("action")})
}

// renderProjectShow renders a project's page; forms holds what a refused
// form had typed and its messages.
func (s *Server) renderProjectShow(c echo.Context, status int, id int64, forms projectShowPage) error {
	ctx, loc, svc, a := c.Request().Context(), Locale(c), s.projectService(), actor(c)
	v, err := svc.Get(ctx, a, id)
	if err != nil {
		return err
	}
	dicts, err := s.projectDicts(ctx, loc)
	if err != nil {
		return err
	}
	p := forms
	p.P, p.Dicts, p.Grades, p.MaxFiles = v, dicts, model.ProjectGrades, projectPageFiles
	p.MaxMB = max(s.attachmentService().MaxBytes()>>20, 1)
	p.Summary, p.Closing = projectParagraphs(v.Summary), projectParagraphs(v.ClosingReport)
	p.Today = s.projectToday().Format(time.DateOnly)
	first, last := service.ProjectUpdateDays(&v.Project, s.projectToday())
	if first != nil {
		p.UpdFirst = first.Format(time.DateOnly)
	}
	p.UpdLast = last.Format(time.DateOnly)
	for _, f := range v.Funding {
		p.Funding += f.AmountFen
	}
	if p.Needs, err = s.db.ProjectLinkRows(ctx, "needs", v.NeedIDs); err != nil {
		return err
	}
	if p.Resources, err = s.db.ProjectLinkRows(ctx, "resources", v.ResourceIDs); err != nil {
		return err
	}
	if p.Sites, err = s.db.ProjectLinkRows(ctx, "service_sites", v.SiteIDs); err != nil {
		return err
	}
	p.SiteReadable = map[int64]bool{}
	for _, st := range p.Sites { // a link only where the viewer may open the site
		if _, err := s.siteService().Get(ctx, a, st.ID, "read"); err == nil {
			p.SiteReadable[st.ID] = true
		} else if !errors.Is(err, model.ErrNotFound) && !errors.Is(err, model.ErrForbidden) {
			return err
		}
	}
	ups, err := svc.Updates(ctx, a, id, model.PageRequest{Limit: projectUpdatesShown}.Normalize())
	if err != nil {
		return err
	}
	p.Updates, p.UpdatesMore = ups.Items, ups.Next != ""
	if p.Reviews, p.Reviewer, err = svc.Reviews(ctx, a, id); err != nil {
		return err
	}
	if p.Files, err = s.attachmentService().List(ctx, a, id); err != nil {
		return err
	}
	if p.CaseID, err = s.db.CaseOfProject(ctx, id); err != nil {
		return err
	}
	for i := range p.Reviews {
		p.Timeline = append(p.Timeline, projectEvent{At: p.Reviews[i].CreatedAt, Review: &p.Reviews[i]})
	}
	for i := range p.Updates {
		p.Timeline = append(p.Timeline, projectEvent{At: p.Updates[i].CreatedAt, Update: &p.Updates[i]})
	}
	slices.SortStableFunc(p.Timeline, func(x, y projectEvent) int { return y.At.Compare(x.At) })
	if p.Upd.HappenedOn == "" && p.UpdErrors == nil {
		p.Upd.HappenedOn = p.UpdLast
	}
	list := Crumb{Label: s.cat.T(loc, "menu.projects"), URL: "/projects"}
	if slices.Contains(v.Perms.Actions, model.ProjectActionApprove) { // the reviewer's page: it lights 审核队列
		list = Crumb{Label: s.cat.T(loc, "menu.review_queue"), URL: "/reviews"}
	}
	view := s.view(c, v.Title, list, Crumb{Label: v.Title})
	view.Data = p
	return s.page(c, status, "projects/show", view)
}

// ---- actions ----

func (s *Server) projectAction(action string) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := pathID(c, "id")
		if err != nil {
			return err
		}
		ctx, svc, a := c.Request().Context(), s.projectService(), actor(c)
		form, err := c.MultipartForm()
		if err != nil && !errors.Is(err, http.ErrNotMultipart) {
			if projectTooLarge(err) {
				return echo.ErrStatusRequestEntityTooLarge
			}
			return err
		}
		f := projectActionForm{Action: action, Comment: c.FormValue("comment"), Reason: c.FormValue("reason"),
			PrivateNote: c.FormValue("private_note"), Score: strings.TrimSpace(c.FormValue("score")), Grade: c.FormValue("grade"),
			ClosingReport: c.FormValue("closing_report"), EvidenceIDs: projectFormIDs(c, "evidence_ids")}
		version := formVersion(c)
		in := service.ActionInput{Version: version, Comment: f.Comment, Reason: f.Reason, PrivateNote: f.PrivateNote, Grade: f.Grade,
			ClosingReport: f.ClosingReport}
		badScore := false
		if f.Score != "" {
			if n, err := strconv.Atoi(f.Score); err == nil {
				in.Score = &n
			} else {
				badScore = true
			}
		}
		ve := &model.ValidationError{}
		if action == model.ProjectActionComplete && form != nil {
			// The evidence uploaded with the form joins the files ticked.
			ids, err := s.projectUploadFiles(c, id, form.File["files"], "evidence_ids", ve)
			if err != nil {
				return err
			}
			f.EvidenceIDs = append(f.EvidenceIDs, ids...)
		}
		in.EvidenceIDs = f.EvidenceIDs
		if ve.Err() == nil {
			_, err = svc.Fire(ctx, a, id, action, in)
			switch {
			case errors.As(err, &ve):
			case errors.Is(err, model.ErrConflict):
				// Stale: the page as it is now, with what this user typed.
				return s.renderProjectShow(c, http.StatusConflict, id, projectShowPage{Act: f, ActErrors: map[string]string{"version": s.staleMessage(c, err)}})
			case s.projectFlashError(c, err):
				return c.Redirect(http.StatusSeeOther, projectURL(id, ""))
			case err != nil:
				return err
			}
		}
		if ve.Err() != nil {
			if badScore {
				delete(ve.Fields, "score")
				ve.Add("score", "project.bad_score")
			}
			return s.renderProjectShow(c, http.StatusUnprocessableEntity, id, projectShowPage{Act: f, ActErrors: s.fieldMessages(Locale(c), ve)})
		}
		s.flash(c, "success", "project.done."+action)
		return c.Redirect(http.StatusSeeOther, projectURL(id, ""))
	}
}

// projectFormIDs reads the positive ids a form sends under name.
func projectFormIDs(c echo.Context, name string) []int64 {
	params, _ := c.FormParams()
	var out []int64
	for _, v := range params[name] {
		if id := allianceID(v); id != 0 && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

func projectTooLarge(err error) bool {
	var me *http.MaxBytesError
	return errors.As(err, &me) || errors.Is(err, echo.ErrStatusRequestEntityTooLarge) ||
		strings.Contains(err.Error(), "request body too large")
}

// projectUploadFiles stores the files of a page form as attachments of the
// project and returns their ids; a file refused (type, size) is a message
// on field in ve, and the others are kept.
func (s *Server) projectUploadFiles(c echo.Context, projectID int64, files []*multipart.FileHeader, field string, ve *model.ValidationError) ([]int64, error) {
	var ids []int64
	if len(files) == 0 {
		return nil, nil
	}
	svc, ctx := s.attachmentService(), c.Request().Context()
	if len(files) > projectPageFiles {
		ve.AddArgs(field, "project.too_many_files", projectPageFiles)
		return nil, nil
	}
	for _, fh := range files {
		if fh.Filename == "" && fh.Size == 0 {
			continue
		}
		f, err := fh.Open()
		if err != nil {
			return nil, err
		}
		at, err := svc.Upload(ctx, actor(c), projectID, fh.Filename, f)
		f.Close()
		var fe *model.ValidationError
		switch {
		case errors.Is(err, service.ErrAttachmentTooLarge):
			ve.AddArgs(field, "project.file_too_large", fh.Filename, max(svc.MaxBytes()>>20, 1))
		case errors.As(err, &fe):
			for _, key := range fe.Fields {
				ve.AddArgs(field, "project.file_refused", fh.Filename, s.cat.T(Locale(c), key, fe.Args["file"]...))
			}
		case err != nil:
			return nil, err
		default:
			ids = append(ids, at.ID)
		}
	}
	return ids, nil
}

// ---- progress updates ----

func (s *Server) projectUpdateCreate(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx, a := c.Request().Context(), actor(c)
	// Scope and right first: 404 outside, 403 for who may not report.
	if err := s.attachmentService().CheckUpload(ctx, a, id); err != nil {
		return err
	}
	form, err := c.MultipartForm()
	if err != nil && !errors.Is(err, http.ErrNotMultipart) {
		if projectTooLarge(err) {
			return echo.ErrStatusRequestEntityTooLarge
		}
		return err
	}
	f := projectUpdateForm{Percent: strings.TrimSpace(c.FormValue("percent")), Text: c.FormValue("text"),
		Beneficiaries: strings.TrimSpace(c.FormValue("beneficiaries")), VolunteerHours: strings.TrimSpace(c.FormValue("volunteer_hours")),
		FundsSpent: strings.TrimSpace(c.FormValue("funds_spent")), HappenedOn: strings.TrimSpace(c.FormValue("happened_on")),
		Reason: c.FormValue("reason"), AttachmentIDs: projectFormIDs(c, "attachment_ids")}
	ve := &model.ValidationError{}
	in := service.UpdateInput{Text: f.Text, Reason: f.Reason, HappenedOn: allianceParseDay(ve, "happened_on", f.HappenedOn)}
	num := func(field, v, msg string) int {
		if v == "" {
			return 0
		}
		n, err := strconv.Atoi(strings.ReplaceAll(v, ",", ""))
		if err != nil {
			ve.Add(field, msg)
		}
		return n
	}
	if f.Percent == "" {
		ve.Add("percent", model.MsgRequired)
	}
	in.Percent = num("percent", f.Percent, "project.bad_percent")
	in.Beneficiaries = num("beneficiaries", f.Beneficiaries, "project.bad_amount")
	in.VolunteerHours = num("volunteer_hours", f.VolunteerHours, "project.bad_amount")
	if f.FundsSpent != "" {
		fen, ok := parseYuan(f.FundsSpent)
		if !ok {
			ve.Add("funds_spent", "project.bad_money")
		}
		in.FundsSpentFen = fen
	}
	if form != nil {
		ids, err := s.projectUploadFiles(c, id, form.File["files"], "files", ve)
		if err != nil {
			return err
		}
		f.AttachmentIDs = append(f.AttachmentIDs, ids...)
	}
	in.AttachmentIDs = f.AttachmentIDs
	if ve.Err() == nil {
		_, err = s.projectService().AddUpdate(ctx, a, id, in)
		switch {
		case errors.As(err, &ve):
			if m, ok := ve.Fields["funds_spent_fen"]; ok {
				delete(ve.Fields, "funds_spent_fen")
				ve.Fields["funds_spent"] = m
			}
		case s.projectFlashError(c, err):
			return c.Redirect(http.StatusSeeOther, projectURL(id, "progress"))
		case err != nil:
			return err
		}
	}
	if ve.Err() != nil {
		return s.renderProjectShow(c, http.StatusUnprocessableEntity, id, projectShowPage{Upd: f, UpdErrors: s.fieldMessages(Locale(c), ve)})
	}
	s.flash(c, "success", "project.progress_saved")
	return c.Redirect(http.StatusSeeOther, projectURL(id, "progress"))
}

// projectAttachmentCreate uploads files to a project (附件).
func (s *Server) projectAttachmentCreate(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.attachmentService().CheckUpload(c.Request().Context(), actor(c), id); err != nil {
		return err
	}
	form, err := c.MultipartForm()
	if err != nil && !errors.Is(err, http.ErrNotMultipart) {
		if projectTooLarge(err) {
			return echo.ErrStatusRequestEntityTooLarge
		}
		return err
	}
	ve := &model.ValidationError{}
	var ids []int64
	if form != nil {
		if ids, err = s.projectUploadFiles(c, id, form.File["files"], "files", ve); err != nil {
			if s.projectFlashError(c, err) {
				return c.Redirect(http.StatusSeeOther, projectURL(id, "files"))
			}
			return err
		}
	}
	if len(ids) == 0 && ve.Err() == nil {
		ve.Add("files", "attachment.file_required")
	}
	if ve.Err() != nil {
		for _, m := range s.fieldMessages(Locale(c), ve) {
			s.flash(c, "error", "project.message", m)
		}
	}
	if len(ids) > 0 {
		s.flash(c, "success", "project.files_saved", len(ids))
	}
	return c.Redirect(http.StatusSeeOther, projectURL(id, "files"))
}

// ---- 推荐案例 ----

func (s *Server) projectNominate(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	f := projectCaseForm{Theme: c.FormValue("theme"), WriteUp: c.FormValue("write_up")}
	cs, err := s.projectService().Nominate(c.Request().Context(), actor(c), id, service.CaseInput{Theme: f.Theme, WriteUp: f.WriteUp})
	var ve *model.ValidationError
	switch {
	case errors.As(err, &ve):
		return s.renderProjectShow(c, http.StatusUnprocessableEntity, id, projectShowPage{Nom: f, NomErrors: s.fieldMessages(Locale(c), ve)})
	case s.projectFlashError(c, err):
		return c.Redirect(http.StatusSeeOther, projectURL(id, ""))
	case err != nil:
		return err
	}
	s.flash(c, "success", "case.nominated_done")
	return c.Redirect(http.StatusSeeOther, "/cases/"+strconv.FormatInt(cs.ID, 10))
}

// ---- 立项草稿 (from a need) ----

// needProjectDraftButton answers the 立项草稿 button of a need's page (an
// htmx fragment): the button when the user may draft a project of the
// need's alliance and the need has accepted claims and no open project;
// for who could draft, what is missing (no accepted claim, a project under
// way); nothing (204) for the others; 404 for a need the user does not see.
func (s *Server) needProjectDraftButton(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	st, err := service.NewProjectDrafts(s.deps()).DraftState(c.Request().Context(), actor(c), id)
	if err != nil { // a need the user may not see answers 404
		return err
	}
	if st == service.DraftNotMine {
		return c.NoContent(http.StatusNoContent)
	}
	v := s.view(c, "")
	v.Data = projectDraftButton{NeedID: id, Missing: st}
	if st == service.DraftReady {
		v.Data = projectDraftButton{NeedID: id}
	}
	return s.render.Render(c, http.StatusOK, "projects/draft_button", "content", v)
}

// projectDraftButton is the Data of projects/draft_button: the need, and
// what is missing ("" when the button shows).
type projectDraftButton struct {
	NeedID  int64
	Missing string
}

func (s *Server) needProjectDraft(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ve := &model.ValidationError{}
	plan := service.DraftPlan{StartsOn: allianceParseDay(ve, "starts_on", c.FormValue("starts_on"))}
	if err := ve.Err(); err != nil {
		return err
	}
	p, err := service.NewProjectDrafts(s.deps()).FromNeedWith(c.Request().Context(), actor(c), id, plan)
	if s.projectFlashError(c, err) {
		return c.Redirect(http.StatusSeeOther, "/needs/"+strconv.FormatInt(id, 10))
	}
	if err != nil {
		return err
	}
	s.flash(c, "success", "project.drafted")
	return c.Redirect(http.StatusSeeOther, "/projects/"+strconv.FormatInt(p.ID, 10)+"/edit")
}

// ---- 新增 / 编辑项目 ----

// projectFormUnit is a row of the partner units as typed.
type projectFormUnit struct{ UnitID, Role string }

// projectFormFunding is a row of the funding sources as typed (amount in 元).
type projectFormFunding struct{ Source, Amount string }

// projectForm is the Data of projects/form: what was typed, the choices
// and the messages.
type projectForm struct {
	ID                                                               int64
	AllianceID                                                       int64
	AllianceName                                                     string
	Title, Summary, Category, Year, StartsOn, EndsOn, Budget, Target string
	CommitteeID, LeadUnitID                                          string
	Units                                                            []projectFormUnit
	Funding                                                          []projectFormFunding
	SiteIDs                                                          []int64
	Version                                                          int
	Status, ReturnReason                                             string
	// PlanOnly: approved or running, only a change of plan (summary, end
	// day, budget, funding, partner units).
	PlanOnly bool
	// Locked are the names shown for the fields a change of plan keeps.
	LockedCommittee, LockedLead string

	Alliances  []store.ListAllianceOption // create: the alliances to pick from
	Committees []store.CommitteeRow
	Members    []store.ListUnitOption
	Sites      []store.ListSiteOption
	Dicts      *projectDicts
	Years      []int
	Errors     map[string]string
	Stale      []staleRow
}

// Site reports a ticked service site.
func (f projectForm) Site(id int64) bool { return slices.Contains(f.SiteIDs, id) }

// projectFormFrom reads the form as posted.
func projectFormFrom(c echo.Context) projectForm {
	params, _ := c.FormParams()
	version := formVersion(c)
	f := projectForm{AllianceID: allianceID(c.FormValue("alliance_id")), Title: c.FormValue("title"), Summary: c.FormValue("summary"),
		Category: strings.TrimSpace(c.FormValue("category")), Year: strings.TrimSpace(c.FormValue("year")),
		StartsOn: strings.TrimSpace(c.FormValue("starts_on")), EndsOn: strings.TrimSpace(c.FormValue("ends_on")),
		Budget: strings.TrimSpace(c.FormValue("budget")), Target: strings.TrimSpace(c.FormValue("target_beneficiaries")),
		CommitteeID: strings.TrimSpace(c.FormValue("committee_id")), LeadUnitID: strings.TrimSpace(c.FormValue("lead_unit_id")),
		SiteIDs: projectFormIDs(c, "site_ids"), Version: version}
	roles := params["unit_role"]
	for i, u := range params["unit_id"] {
		row := projectFormUnit{UnitID: strings.TrimSpace(u)}
		if i < len(roles) {
			row.Role = roles[i]
		}
		if row.UnitID != "" {
			f.Units = append(f.Units, row)
		}
	}
	amounts := params["funding_amount"]
	for i, src := range params["funding_source"] {
		row := projectFormFunding{Source: strings.TrimSpace(src)}
		if i < len(amounts) {
			row.Amount = strings.TrimSpace(amounts[i])
		}
		if row.Source != "" || row.Amount != "" {
			f.Funding = append(f.Funding, row)
		}
	}
	return f
}

// input turns the form into the service's input; syntax errors go into ve,
// and so do the required fields, so that a form refused for its syntax
// names every field to fix at once (the service checks them all again).
func (f projectForm) input(ve *model.ValidationError) service.ProjectInput {
	model.Text(ve, "title", f.Title, true, service.ProjectTitleMax, false)
	if f.Category == "" {
		ve.Add("category", model.MsgRequired)
	}
	if allianceID(f.LeadUnitID) == 0 {
		ve.Add("lead_unit_id", model.MsgRequired)
	}
	in := service.ProjectInput{AllianceID: f.AllianceID, Title: f.Title, Summary: f.Summary, Category: f.Category, SiteIDs: f.SiteIDs,
		Version: f.Version, StartsOn: allianceParseDay(ve, "starts_on", f.StartsOn), EndsOn: allianceParseDay(ve, "ends_on", f.EndsOn)}
	if f.Year == "" {
		ve.Add("year", model.MsgRequired)
	} else if n, err := strconv.Atoi(f.Year); err != nil {
		ve.Add("year", "project.bad_year")
	} else {
		in.Year = n
	}
	if f.Budget != "" {
		fen, ok := parseYuan(f.Budget)
		if !ok {
			ve.Add("budget", "project.bad_money")
		}
		in.BudgetFen = fen
	}
	if f.Target != "" {
		n, err := strconv.Atoi(strings.ReplaceAll(f.Target, ",", ""))
		if err != nil {
			ve.Add("target_beneficiaries", "project.bad_amount")
		}
		in.TargetBeneficiaries = n
	}
	if id := allianceID(f.CommitteeID); id != 0 {
		in.CommitteeID = &id
	}
	in.LeadUnitID = allianceID(f.LeadUnitID)
	for _, u := range f.Units {
		id := allianceID(u.UnitID)
		if id == 0 {
			ve.Add("units", "project.bad_units")
			continue
		}
		in.Units = append(in.Units, service.ProjectUnitInput{UnitID: id, Role: u.Role})
	}
	for _, fr := range f.Funding {
		fen, ok := parseYuan(fr.Amount)
		if !ok || fr.Source == "" {
			ve.Add("funding", "project.bad_funding_row")
			continue
		}
		in.Funding = append(in.Funding, service.ProjectFundingInput{Source: fr.Source, AmountFen: fen})
	}
	return in
}

// projectFormOf is the form of a stored project.
func projectFormOf(v *service.ProjectView) projectForm {
	f := projectForm{ID: v.ID, AllianceID: v.AllianceID, AllianceName: v.AllianceName, Title: v.Title, Summary: v.Summary,
		Category: v.Category, Year: strconv.Itoa(v.Year), StartsOn: allianceDayText(v.StartsOn), EndsOn: allianceDayText(v.EndsOn),
		Budget: yuanText(v.BudgetFen), Target: strconv.Itoa(v.TargetBeneficiaries), LeadUnitID: strconv.FormatInt(v.LeadUnitID, 10),
		SiteIDs: v.SiteIDs, Version: v.Version, Status: v.Status, ReturnReason: v.ReturnReason}
	if v.BudgetFen == 0 {
		f.Budget = ""
	}
	if v.TargetBeneficiaries == 0 {
		f.Target = ""
	}
	if v.CommitteeID != nil {
		f.CommitteeID = strconv.FormatInt(*v.CommitteeID, 10)
	}
	for _, u := range v.Units {
		if u.Role != model.ProjectUnitLead {
			f.Units = append(f.Units, projectFormUnit{UnitID: strconv.FormatInt(u.UnitID, 10), Role: u.Role})
		}
	}
	for _, fu := range v.Funding {
		f.Funding = append(f.Funding, projectFormFunding{Source: fu.Source, Amount: yuanText(fu.AmountFen)})
	}
	return f
}

// projectBlankUnits and projectBlankFunding are the empty rows a form adds
// for new partner units and funding sources (no script needed).
const (
	projectBlankUnits   = 3
	projectBlankFunding = 2
)

// projectSiteLimit bounds the service sites a form offers.
const projectSiteLimit = 300

func (s *Server) renderProjectForm(c echo.Context, status int, f projectForm, ve *model.ValidationError, cur *service.ProjectView) error {
	ctx, loc, a := c.Request().Context(), Locale(c), actor(c)
	var err error
	if f.Dicts, err = s.projectDicts(ctx, loc); err != nil {
		return err
	}
	today := s.projectToday()
	for y := today.Year() + 1; y >= today.Year()-2; y-- {
		f.Years = append(f.Years, y)
	}
	var districtID int64
	if f.ID == 0 {
		// The alliances where the user drafts projects.
		scope := s.authz.Scope(a.UserID, "project", "create")
		if f.Alliances, err = s.db.ProjectAllianceOptions(ctx, model.Scope{All: scope.All, Districts: scope.Districts, Alliances: scope.Alliances}, projectAllianceLimit); err != nil {
			return err
		}
		f.Alliances = slices.DeleteFunc(f.Alliances, func(o store.ListAllianceOption) bool { return o.Status != model.StatusActive })
		if f.AllianceID == 0 && len(f.Alliances) == 1 {
			f.AllianceID = f.Alliances[0].ID
		}
		for _, o := range f.Alliances {
			if o.ID == f.AllianceID {
				f.AllianceName, districtID = o.Name, o.DistrictID
			}
		}
		if districtID == 0 {
			f.AllianceID = 0
		}
	} else {
		districtID = cur.DistrictID
		f.AllianceID, f.AllianceName, f.Status, f.ReturnReason = cur.AllianceID, cur.AllianceName, cur.Status, cur.ReturnReason
		_, f.PlanOnly = model.ProjectEditable(cur.Status)
		f.LockedCommittee, f.LockedLead = cur.CommitteeName, cur.LeadUnitName
	}
	if f.AllianceID != 0 {
		if f.Committees, err = s.db.CommitteesOfAlliance(ctx, f.AllianceID); err != nil {
			return err
		}
		if f.Members, err = s.db.ListUnitOptions(ctx, []int64{f.AllianceID}, nil); err != nil {
			return err
		}
		if cur != nil { // units of the project that left the alliance stay choosable
			for _, u := range cur.Units {
				if !slices.ContainsFunc(f.Members, func(m store.ListUnitOption) bool { return m.ID == u.UnitID }) {
					f.Members = append(f.Members, store.ListUnitOption{ID: u.UnitID, Name: u.UnitName, AllianceID: f.AllianceID})
				}
			}
		}
		if f.Sites, err = s.db.ListSiteOptions(ctx, []int64{districtID}, projectSiteLimit, f.SiteIDs...); err != nil {
			return err
		}
	}
	for range projectBlankUnits {
		f.Units = append(f.Units, projectFormUnit{Role: model.ProjectUnitPartner})
	}
	for range projectBlankFunding {
		f.Funding = append(f.Funding, projectFormFunding{})
	}
	if ve != nil {
		if f.Errors == nil {
			f.Errors = map[string]string{}
		}
		for k, m := range s.fieldMessages(loc, ve) {
			switch k { // the service's names of the form's fields
			case "budget_fen":
				k = "budget"
			case "site_ids":
				k = "sites"
			case "alliance_id", "need_ids", "resource_ids":
				k = "alliance_id"
			}
			f.Errors[k] = m
		}
	}
	title := s.cat.T(loc, "project.new")
	crumbs := []Crumb{{Label: s.cat.T(loc, "menu.projects"), URL: "/projects"}}
	if f.ID != 0 {
		title = s.cat.T(loc, "project.edit")
		crumbs = append(crumbs, Crumb{Label: cur.Title, URL: projectURL(f.ID, "")})
	}
	v := s.view(c, title, append(crumbs, Crumb{Label: title})...)
	v.Data = f
	return s.page(c, status, "projects/form", v)
}

func (s *Server) projectNew(c echo.Context) error {
	f := projectForm{AllianceID: allianceID(c.QueryParam("alliance_id")), Year: strconv.Itoa(s.projectToday().Year())}
	return s.renderProjectForm(c, http.StatusOK, f, nil, nil)
}

func (s *Server) projectCreate(c echo.Context) error {
	f := projectFormFrom(c)
	ve := &model.ValidationError{}
	in := f.input(ve)
	if ve.Err() != nil {
		return s.renderProjectForm(c, http.StatusUnprocessableEntity, f, ve, nil)
	}
	p, err := s.projectService().Create(c.Request().Context(), actor(c), in)
	if errors.As(err, &ve) {
		return s.renderProjectForm(c, http.StatusUnprocessableEntity, f, ve, nil)
	}
	if s.projectFlashError(c, err) {
		return c.Redirect(http.StatusSeeOther, "/projects")
	}
	if err != nil {
		return err
	}
	s.flash(c, "success", "project.created")
	return c.Redirect(http.StatusSeeOther, projectURL(p.ID, ""))
}

func (s *Server) projectEdit(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	v, err := s.projectService().Get(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	if !v.Perms.Update {
		if ok, _ := model.ProjectEditable(v.Status); !ok {
			s.flash(c, "error", "project.not_editable."+v.Status)
			return c.Redirect(http.StatusSeeOther, projectURL(id, ""))
		}
		return model.ErrForbidden
	}
	return s.renderProjectForm(c, http.StatusOK, projectFormOf(v), nil, v)
}

func (s *Server) projectUpdate(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx, svc, a := c.Request().Context(), s.projectService(), actor(c)
	// The object first: one outside the caller's scope answers 404 whatever was posted.
	cur, err := svc.Get(ctx, a, id)
	if err != nil {
		return err
	}
	f := projectFormFrom(c)
	f.ID = id
	if _, planOnly := model.ProjectEditable(cur.Status); planOnly {
		// A change of plan keeps the other fields as they are.
		stored := projectFormOf(cur)
		f.Title, f.Category, f.Year, f.StartsOn, f.Target = stored.Title, stored.Category, stored.Year, stored.StartsOn, stored.Target
		f.CommitteeID, f.LeadUnitID, f.SiteIDs = stored.CommitteeID, stored.LeadUnitID, stored.SiteIDs
	}
	ve := &model.ValidationError{}
	in := f.input(ve)
	if ve.Err() != nil {
		if !cur.Perms.Update {
			return model.ErrForbidden
		}
		return s.renderProjectForm(c, http.StatusUnprocessableEntity, f, ve, cur)
	}
	_, err = svc.Update(ctx, a, id, in)
	switch {
	case errors.As(err, &ve):
		return s.renderProjectForm(c, http.StatusUnprocessableEntity, f, ve, cur)
	case errors.Is(err, model.ErrConflict):
		// Someone saved first: what this user typed beside what is stored now.
		now, gerr := svc.Get(ctx, a, id)
		if gerr != nil {
			return gerr
		}
		f.Version = now.Version
		f.Stale = s.projectStaleRows(c, f, now)
		return s.renderProjectForm(c, http.StatusConflict, f, nil, now)
	case s.projectFlashError(c, err):
		return c.Redirect(http.StatusSeeOther, projectURL(id, ""))
	case err != nil:
		return err
	}
	s.flash(c, "success", "form.saved")
	return c.Redirect(http.StatusSeeOther, projectURL(id, ""))
}

// projectStaleRows compares the typed form with the stored project.
func (s *Server) projectStaleRows(c echo.Context, mine projectForm, now *service.ProjectView) []staleRow {
	loc := Locale(c)
	theirs := projectFormOf(now)
	money := func(v string) string {
		if fen, ok := parseYuan(v); ok {
			return fmtMoney(fen)
		}
		return v
	}
	unitName := func(id string) string {
		for _, u := range now.Units {
			if strconv.FormatInt(u.UnitID, 10) == id {
				return u.UnitName
			}
		}
		return id
	}
	units := func(f projectForm) string {
		var names []string
		for _, u := range f.Units {
			names = append(names, unitName(u.UnitID))
		}
		return strings.Join(names, "、")
	}
	row := func(key, m, t string) staleRow {
		return staleRow{Label: s.cat.T(loc, key), Mine: m, Theirs: t, Changed: strings.TrimSpace(m) != strings.TrimSpace(t)}
	}
	return []staleRow{
		row("project.title", mine.Title, theirs.Title),
		row("project.category", mine.Category, theirs.Category),
		row("project.year", mine.Year, theirs.Year),
		row("project.starts_on", mine.StartsOn, theirs.StartsOn),
		row("project.ends_on", mine.EndsOn, theirs.EndsOn),
		row("project.budget_yuan", money(mine.Budget), money(theirs.Budget)),
		row("project.lead_unit", unitName(mine.LeadUnitID), unitName(theirs.LeadUnitID)),
		row("project.partner_units", units(mine), units(theirs)),
		row("project.target_beneficiaries", mine.Target, theirs.Target),
		row("project.summary", mine.Summary, theirs.Summary),
	}
}

// projectAttachmentDownload serves a file of a project to who may read it
// (the API's handler: attachment disposition, nosniff, no caching).
func (s *Server) projectAttachmentDownload(c echo.Context) error { return s.apiProjectAttachment(c) }
