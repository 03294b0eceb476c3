package web

import (
	"bytes"
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"tongxin/internal/importer"
	"tongxin/internal/model"
	"tongxin/internal/report"
	"tongxin/internal/service"
	"tongxin/internal/store"
)

// imports is the import service, built per request from the server's
// database and authorizer (it holds nothing else).
func (s *Server) imports() *service.Imports {
	limits := s.opts.ImportLimits
	limits.MaxBytes, limits.MaxRows = s.opts.ImportMaxBytes, s.opts.ImportMaxRows
	return service.NewImports(s.deps(), service.ImportOptions{
		UploadDir: s.opts.UploadDir,
		Limits:    limits,
		T:         s.Translator(LocaleZH),
		Log:       s.log,
	})
}

// Translator returns the catalog's translation into loc as a function (the
// import worker writes its error files and messages with it).
func (s *Server) Translator(loc string) service.Translator {
	return func(key string, args ...any) string { return s.cat.T(loc, key, args...) }
}

// isUpload reports a request that carries a spreadsheet upload: it has the
// import limit instead of the general body limit.
func isUpload(c echo.Context) bool {
	p := c.Request().URL.Path
	return c.Request().Method == http.MethodPost && (p == "/imports" || p == "/api/v1/imports")
}

// uploadBodyLimit bounds an upload's body: the file limit (import.max_bytes)
// plus room for the form's other fields. A file just over the file limit
// still arrives, so that the form can say why it is refused; a body far over
// it answers 413.
func (s *Server) uploadBodyLimit() echo.MiddlewareFunc {
	limit := importer.Limits{MaxBytes: s.opts.ImportMaxBytes}.WithDefaults().MaxBytes
	return middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{
		Limit:   fmt.Sprintf("%dB", limit+limit/2+1<<20),
		Skipper: func(c echo.Context) bool { return !isUpload(c) },
	})
}

// importStatuses are the job statuses in the order of the filter.
var importStatuses = []string{model.ImportQueued, model.ImportRunning, model.ImportDone, model.ImportFailed}

// importRow is a job as the pages show it.
type importRow struct {
	store.ImportJobRow
	TargetLabel string
}

// Finished reports a job that will not change any more.
func (r importRow) Finished() bool {
	return r.Status == model.ImportDone || r.Status == model.ImportFailed
}

// Percent is the share of rows processed, 0–100.
func (r importRow) Percent() int {
	if r.TotalRows <= 0 {
		if r.Status == model.ImportDone {
			return 100
		}
		return 0
	}
	return min(100, r.ProcessedRows*100/r.TotalRows)
}

// TagClass colours the status: queued blue, running cyan, done dark green, failed orange.
func (r importRow) TagClass() string {
	switch r.Status {
	case model.ImportQueued:
		return "tag-pending"
	case model.ImportRunning:
		return "tag-in_progress"
	case model.ImportDone:
		return "tag-completed"
	}
	return "tag-rejected"
}

// importRows labels the jobs' targets (district and alliance names) with one
// lookup for the page.
func (s *Server) importRows(c echo.Context, jobs []store.ImportJobRow) ([]importRow, error) {
	domains := make([]string, len(jobs))
	for i, j := range jobs {
		domains[i] = j.Domain
	}
	labels, err := s.imports().TargetLabels(c.Request().Context(), domains)
	if err != nil {
		return nil, err
	}
	out := make([]importRow, len(jobs))
	for i, j := range jobs {
		out[i] = importRow{ImportJobRow: j, TargetLabel: labels[j.Domain]}
	}
	return out, nil
}

// importsPage is the Data of imports/list (导入任务).
type importsPage struct {
	Filter   store.ImportJobFilter
	Items    []importRow
	List     *ListView
	Statuses []string
	Kinds    []string
	// Importable lists the kinds the user may import somewhere (the new-import buttons).
	Importable []string
	SeesAll    bool
}

func importFilter(c echo.Context) store.ImportJobFilter {
	f := store.ImportJobFilter{Status: c.QueryParam("status"), Kind: c.QueryParam("kind")}
	if f.Status != "" && !contains(importStatuses, f.Status) {
		f.Status = ""
	}
	if _, ok := importer.Specs[f.Kind]; !ok {
		f.Kind = ""
	}
	return f
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func (s *Server) importsList(c echo.Context) error {
	req, err := pageRequest(c, store.ImportJobSortKeys())
	if err != nil {
		return err
	}
	f := importFilter(c)
	svc := s.imports()
	l, err := svc.List(c.Request().Context(), actor(c), f, req)
	var bad *model.ValidationError
	if errors.As(err, &bad) {
		req.After, req.Before = "", "" // a stale or forged cursor: the first page
		l, err = svc.List(c.Request().Context(), actor(c), f, req)
	}
	if err != nil {
		return err
	}
	rows, err := s.importRows(c, l.Items)
	if err != nil {
		return err
	}
	loc := Locale(c)
	v := s.view(c, s.cat.T(loc, "menu.imports"), Crumb{Label: s.cat.T(loc, "menu.group.system")}, Crumb{Label: s.cat.T(loc, "menu.imports")})
	v.Data = importsPage{Filter: f, Items: rows, List: newListView(c, req, l, "/imports/export"), Statuses: importStatuses,
		Kinds: importer.Kinds(), Importable: s.importableKinds(c), SeesAll: svc.SeesAll(actor(c))}
	return s.page(c, http.StatusOK, "imports/list", v)
}

func (s *Server) importsExport(c echo.Context) error {
	format, err := report.ParseFormat(c.QueryParam("format"))
	if err != nil {
		return (&model.ValidationError{}).Add("format", "list.bad_format")
	}
	req, err := pageRequest(c, store.ImportJobSortKeys())
	if err != nil {
		return err
	}
	loc := Locale(c)
	T := func(k string) string { return s.cat.T(loc, k) }
	cols := []report.Column{
		{Header: "ID", Width: 8}, {Header: T("import.kind"), Width: 10}, {Header: T("import.file_name"), Width: 30},
		{Header: T("import.target"), Width: 20}, {Header: T("import.dry_run"), Width: 8}, {Header: T("import.status"), Width: 8},
		{Header: T("import.total_rows"), Width: 10}, {Header: T("import.created_rows"), Width: 10},
		{Header: T("import.unchanged_rows"), Width: 10}, {Header: T("import.error_rows"), Width: 10},
		{Header: T("import.created_by"), Width: 14}, {Header: T("import.created_at"), Width: 18},
		{Header: T("import.finished_at"), Width: 18}, {Header: T("import.message"), Width: 30},
	}
	ctx := c.Request().Context()
	svc := s.imports()
	return s.streamExport(c, format, T("menu.imports"), cols, func(w report.Writer) error {
		label := map[string]string{}
		return svc.Each(ctx, actor(c), importFilter(c), req, func(j *store.ImportJobRow) error {
			if _, ok := label[j.Domain]; !ok {
				m, err := svc.TargetLabels(ctx, []string{j.Domain})
				if err != nil {
					return err
				}
				label[j.Domain] = m[j.Domain]
			}
			dry := ""
			if j.DryRun {
				dry = T("import.yes")
			}
			return w.WriteRow(j.ID, T("import.kind."+j.Kind), j.FileName, label[j.Domain], dry, T("import.status."+j.Status),
				j.TotalRows, j.CreatedRows, j.UnchangedRows, j.ErrorRows, j.CreatorName, j.CreatedAt, j.FinishedAt, j.Message)
		})
	})
}

// importForm is the upload form as sent.
type importForm struct {
	Kind, Domain string
	DryRun       bool
}

// importNewPage is the Data of imports/new.
type importNewPage struct {
	Form    importForm
	Spec    importer.Spec
	Targets []service.ImportTarget
	Errors  map[string]string
	MaxSize string
	MaxRows int
}

func (s *Server) importNew(c echo.Context) error {
	kind := c.QueryParam("kind")
	if kind == "" {
		kind = importer.KindUnits
	}
	if _, ok := importer.Specs[kind]; !ok {
		return model.NotFound("import_kind", kind)
	}
	if !s.authz.CanAnywhere(CurrentUser(c).ID, service.ImportObject(kind), "import") {
		return model.ErrForbidden
	}
	return s.renderImportNew(c, http.StatusOK, importForm{Kind: kind}, nil)
}

func (s *Server) renderImportNew(c echo.Context, status int, f importForm, ve *model.ValidationError) error {
	loc := Locale(c)
	svc := s.imports()
	spec, ok := svc.Spec(f.Kind)
	if !ok {
		spec, f.Kind = importer.Units, importer.KindUnits
	}
	targets, err := svc.Targets(c.Request().Context(), actor(c), f.Kind)
	if err != nil {
		return err
	}
	if f.Domain == "" && len(targets) == 1 {
		f.Domain = targets[0].Domain
	}
	p := importNewPage{Form: f, Spec: spec, Targets: targets,
		MaxSize: importer.HumanSize(svc.Limits().MaxBytes), MaxRows: svc.Limits().MaxRows}
	if ve != nil {
		p.Errors = s.fieldMessages(loc, ve)
	}
	title := s.cat.T(loc, "import.new_title."+f.Kind)
	v := s.view(c, title, Crumb{Label: s.cat.T(loc, "menu.imports"), URL: "/imports"}, Crumb{Label: title})
	if c.Request().Method != http.MethodGet {
		v.Path = "/imports/new?kind=" + f.Kind
	}
	v.Data = p
	return s.page(c, status, "imports/new", v)
}

func formBool(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "1", "true", "on", "yes":
		return true
	}
	return false
}

// importUpload reads the multipart form of POST /imports and /api/v1/imports.
// A body that is not multipart, or has no file, gives an input without a file.
func importUpload(c echo.Context) (importForm, service.NewImport, multipart.File, error) {
	f := importForm{Kind: strings.TrimSpace(c.FormValue("kind")), Domain: strings.TrimSpace(c.FormValue("domain")), DryRun: formBool(c.FormValue("dry_run"))}
	if f.Kind == "" {
		f.Kind = importer.KindUnits
	}
	in := service.NewImport{Kind: f.Kind, Domain: f.Domain, DryRun: f.DryRun}
	fh, err := c.FormFile("file")
	var me *http.MaxBytesError
	switch {
	case errors.Is(err, echo.ErrStatusRequestEntityTooLarge), errors.As(err, &me):
		return f, in, nil, echo.ErrStatusRequestEntityTooLarge
	case err != nil:
		return f, in, nil, nil
	}
	file, err := fh.Open()
	if err != nil {
		return f, in, nil, err
	}
	in.File, in.FileName = file, fh.Filename
	return f, in, file, nil
}

func (s *Server) importCreate(c echo.Context) error {
	form, in, file, err := importUpload(c)
	if err != nil {
		return err
	}
	if file != nil {
		defer file.Close()
	}
	job, err := s.imports().Create(c.Request().Context(), actor(c), in)
	var ve *model.ValidationError
	if errors.As(err, &ve) {
		return s.renderImportNew(c, http.StatusUnprocessableEntity, form, ve)
	}
	if err != nil {
		return err
	}
	s.flash(c, "success", "import.queued")
	return c.Redirect(http.StatusSeeOther, "/imports/"+strconv.FormatInt(job.ID, 10))
}

// importTemplate is GET /imports/template/units.xlsx.
func (s *Server) importTemplate(kind string) echo.HandlerFunc {
	return func(c echo.Context) error {
		var buf bytes.Buffer // a few KB: a failure still answers an error page
		if err := s.imports().Template(kind, &buf); err != nil {
			return err
		}
		h := c.Response().Header()
		h.Set(echo.HeaderContentDisposition, report.ContentDisposition(s.cat.T(LocaleZH, "import.template_file."+kind)+".xlsx"))
		h.Set(echo.HeaderCacheControl, "no-store")
		return c.Blob(http.StatusOK, report.XLSX.ContentType(), buf.Bytes())
	}
}

// importShowPage is the Data of imports/show.
type importShowPage struct {
	Job importRow
}

func (s *Server) importJob(c echo.Context) (importRow, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return importRow{}, err
	}
	j, err := s.imports().Get(c.Request().Context(), actor(c), id)
	if err != nil {
		return importRow{}, err
	}
	rows, err := s.importRows(c, []store.ImportJobRow{*j})
	if err != nil {
		return importRow{}, err
	}
	return rows[0], nil
}

func (s *Server) importShow(c echo.Context) error {
	j, err := s.importJob(c)
	if err != nil {
		return err
	}
	loc := Locale(c)
	title := s.cat.T(loc, "import.show_title", j.ID)
	v := s.view(c, title, Crumb{Label: s.cat.T(loc, "menu.imports"), URL: "/imports"}, Crumb{Label: title})
	v.Data = importShowPage{Job: j}
	return s.page(c, http.StatusOK, "imports/show", v)
}

// importProgress is GET /imports/:id/progress: the progress block alone,
// which the detail page polls (htmx, every second) until the job ends.
func (s *Server) importProgress(c echo.Context) error {
	j, err := s.importJob(c)
	if err != nil {
		return err
	}
	// Not s.view: a poll every second needs no menu, and must not consume
	// the flashes meant for the next page.
	v := &View{Lang: Locale(c), RequestID: RequestID(c), Path: c.Request().URL.RequestURI(), cat: s.cat, Data: importShowPage{Job: j}}
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return s.render.RenderBlock(c, http.StatusOK, "imports/show", "import-progress", v)
}

// RenderBlock executes one named block of a page into a buffer: an htmx
// fragment that the page itself also renders in place (the progress block
// of an import job).
func (r *Renderer) RenderBlock(c echo.Context, status int, page, block string, v *View) error {
	t, ok := r.pages[page]
	if !ok {
		return fmt.Errorf("render: no page %q", page)
	}
	buf := r.bufs.Get().(*bytes.Buffer)
	buf.Reset()
	defer r.bufs.Put(buf)
	if err := t.ExecuteTemplate(buf, block, v); err != nil {
		return fmt.Errorf("render %s/%s: %w", page, block, err)
	}
	return c.HTMLBlob(status, buf.Bytes())
}

// importErrors is GET /imports/:id/errors.xlsx (and its API twin): the rows
// that failed, with their reasons.
func (s *Server) importErrors(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	j, path, err := s.imports().ErrorFile(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return model.NotFound("import_error_file", id)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	base := strings.TrimSuffix(j.FileName, filepath.Ext(j.FileName))
	name := s.cat.T(LocaleZH, "import.error_file_name", base, j.ID) + ".xlsx"
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, report.XLSX.ContentType())
	h.Set(echo.HeaderContentDisposition, report.ContentDisposition(name))
	h.Set(echo.HeaderCacheControl, "no-store")
	http.ServeContent(c.Response(), c.Request(), "", st.ModTime(), f)
	return nil
}

// ---- JSON API ----

// importJobJSON is the API's view of a job (never the server's file paths).
type importJobJSON struct {
	ID            int64      `json:"id"`
	Kind          string     `json:"kind"`
	FileName      string     `json:"file_name"`
	DryRun        bool       `json:"dry_run"`
	Status        string     `json:"status"`
	TotalRows     int        `json:"total_rows"`
	ProcessedRows int        `json:"processed_rows"`
	CreatedRows   int        `json:"created_rows"`
	UnchangedRows int        `json:"unchanged_rows"`
	ErrorRows     int        `json:"error_rows"`
	ErrorFileURL  *string    `json:"error_file_url"`
	Message       string     `json:"message"`
	Domain        string     `json:"domain"`
	CreatedBy     int64      `json:"created_by"`
	StartedAt     *time.Time `json:"started_at"`
	FinishedAt    *time.Time `json:"finished_at"`
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
}

func toImportJobJSON(j *model.ImportJob) importJobJSON {
	out := importJobJSON{ID: j.ID, Kind: j.Kind, FileName: j.FileName, DryRun: j.DryRun, Status: j.Status,
		TotalRows: j.TotalRows, ProcessedRows: j.ProcessedRows, CreatedRows: j.CreatedRows, UnchangedRows: j.UnchangedRows,
		ErrorRows: j.ErrorRows, Message: j.Message, Domain: j.Domain, CreatedBy: j.CreatedBy,
		StartedAt: apiTime(j.StartedAt), FinishedAt: apiTime(j.FinishedAt),
		CreatedAt: *apiTime(&j.CreatedAt), UpdatedAt: *apiTime(&j.UpdatedAt)}
	if j.ErrorFilePath != "" {
		u := "/api/v1/imports/" + strconv.FormatInt(j.ID, 10) + "/errors.xlsx"
		out.ErrorFileURL = &u
	}
	return out
}

func (s *Server) apiImports(c echo.Context) error {
	req, err := pageRequest(c, store.ImportJobSortKeys())
	if err != nil {
		return err
	}
	f := store.ImportJobFilter{Status: c.QueryParam("status"), Kind: c.QueryParam("kind")}
	ve := &model.ValidationError{}
	if f.Status != "" && !contains(importStatuses, f.Status) {
		ve.Add("status", "import.bad_status")
	}
	if _, ok := importer.Specs[f.Kind]; f.Kind != "" && !ok {
		ve.Add("kind", service.MsgImportBadKind)
	}
	if err := ve.Err(); err != nil {
		return err
	}
	l, err := s.imports().List(c.Request().Context(), actor(c), f, req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIList(l, func(j *store.ImportJobRow) importJobJSON { return toImportJobJSON(&j.ImportJob) }))
}

func (s *Server) apiImport(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	j, err := s.imports().Get(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toImportJobJSON(&j.ImportJob))
}

// apiImportCreate is POST /api/v1/imports (multipart: kind, domain, file,
// dry_run): 201 with the queued job and its Location.
func (s *Server) apiImportCreate(c echo.Context) error {
	_, in, file, err := importUpload(c)
	if err != nil {
		return err
	}
	if file != nil {
		defer file.Close()
	}
	job, err := s.imports().Create(c.Request().Context(), actor(c), in)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/imports/"+strconv.FormatInt(job.ID, 10))
	return c.JSON(http.StatusCreated, toImportJobJSON(job))
}

// The imports' entries of the OpenAPI document.
func init() {
	apiDocs["GET /api/v1/imports"] = apiDoc{Tag: "imports", Summary: "My import jobs, newest first (the system admin sees every job)", Response: "list:ImportJob",
		Query: withList(map[string]string{"status": "queued | running | done | failed", "kind": strings.Join(importer.Kinds(), " | ")})}
	apiDocs["POST /api/v1/imports"] = apiDoc{Tag: "imports", Summary: "Upload a spreadsheet (multipart/form-data: kind — units, needs, resources or projects — file, domain, dry_run) and queue its import; " +
		"a refused file (size, format, header, row count) answers 400 with the reason in fields.file and leaves nothing behind", Body: "ImportUpload", BodyType: "multipart/form-data", Response: "ImportJob"}
	apiDocs["GET /api/v1/imports/:id"] = apiDoc{Tag: "imports", Summary: "One of my import jobs with its progress and counts (poll it while status is queued or running)", Response: "ImportJob"}
	apiDocs["GET /api/v1/imports/:id/errors.xlsx"] = apiDoc{Tag: "imports", Summary: "The job's error file (xlsx): the failed rows with the template's columns plus 错误原因; 404 when no row failed", ResponseType: xlsxMediaType}
	apiSchemas["ImportJob"] = obj(nil, map[string]schema{"id": integer, "kind": {"type": "string", "enum": importer.Kinds()},
		"file_name": str, "dry_run": boolean,
		"status":     {"type": "string", "enum": importStatuses},
		"total_rows": integer, "processed_rows": integer, "created_rows": integer, "unchanged_rows": integer, "error_rows": integer,
		"error_file_url": {"type": "string", "nullable": true, "description": "set when some rows failed"},
		"message":        {"type": "string", "description": "why a job failed (Chinese)"},
		"domain":         {"type": "string", "example": "district:310104"}, "created_by": integer,
		"started_at": nullTime, "finished_at": nullTime, "created_at": dateTime, "updated_at": dateTime})
	apiSchemas["ImportUpload"] = obj([]string{"file"}, map[string]schema{
		"kind":    {"type": "string", "enum": importer.Kinds(), "default": importer.KindUnits},
		"file":    {"type": "string", "format": "binary", "description": "xlsx, or csv in UTF-8; the header row must be the template's (GET /imports/template/units.xlsx)"},
		"domain":  {"type": "string", "description": "the district (district:310104) or alliance (alliance:12) the import acts for; may be left out when the caller has only one"},
		"dry_run": {"type": "boolean", "description": "validate and count only, write no unit"}})
}

// importableKinds lists the import kinds the current user holds the right for
// in some domain.
func (s *Server) importableKinds(c echo.Context) []string {
	var out []string
	for _, k := range importer.Kinds() {
		if s.authz.CanAnywhere(CurrentUser(c).ID, service.ImportObject(k), "import") {
			out = append(out, k)
		}
	}
	return out
}
