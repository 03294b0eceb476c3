package service

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"tongxin/internal/authz"
	"tongxin/internal/importer"
	"tongxin/internal/model"
	"tongxin/internal/store"
)

// Action codes the imports write to the audit log.
const (
	ActionImportCreate = "import.create"
	ActionUnitImport   = "unit.import"
)

// Catalog keys of the imports' own messages (web/locales/*/imports.yaml).
const (
	MsgImportBadKind      = "import.bad_kind"
	MsgImportNoFile       = "import.no_file"
	MsgImportPickTarget   = "import.pick_target"
	MsgImportBadTarget    = "import.bad_target"
	MsgImportDupCode      = "import.row_dup_code"
	MsgImportDupName      = "import.row_dup_name"
	MsgImportBadKindRow   = "import.row_bad_kind"
	MsgImportBadStreetRow = "import.row_bad_street"
	MsgImportReasonLine   = "import.reason_line"
	MsgImportReasonPart   = "import.reason_field"
	MsgImportRequeued     = "import.requeued"
	MsgImportStale        = "import.stale_requeued"
	MsgImportFailed       = "import.failed_internal"
	MsgImportNoRight      = "import.failed_no_right"
)

// ImportNotifyChannel wakes the workers of every instance when a job is
// queued (Postgres); SQLite, one instance, relies on polling.
const ImportNotifyChannel = "tongxin_import"

// Translator turns a catalog key and its arguments into text. Imports speak
// Chinese in the error file (its headers are the template's), the CLI too.
type Translator func(key string, args ...any) string

// ImportOptions configure the imports.
type ImportOptions struct {
	// UploadDir holds the uploaded files and the error files (a shared
	// volume when several instances run).
	UploadDir string
	Limits    importer.Limits
	// T translates row reasons and job messages (zh-CN).
	T Translator
	// BatchSize is the number of rows written per transaction (default 500).
	BatchSize int
	Log       *slog.Logger
}

// Imports runs spreadsheet imports (导入任务): upload checks, the job queue,
// the worker, and the CLI's synchronous run.
type Imports struct {
	db    *store.DB
	authz *authz.Authorizer
	o     ImportOptions
}

// NewImports builds the service.
func NewImports(d Deps, o ImportOptions) *Imports {
	o.Limits = o.Limits.WithDefaults()
	if o.T == nil {
		o.T = func(key string, args ...any) string {
			if len(args) == 0 {
				return key
			}
			return key + " " + fmt.Sprint(args...)
		}
	}
	if o.BatchSize <= 0 {
		o.BatchSize = importer.DefaultBatchSize
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	return &Imports{db: d.DB, authz: d.Authz, o: o}
}

// Limits returns the file limits in force.
func (s *Imports) Limits() importer.Limits { return s.o.Limits }

// Spec returns the template of an import kind.
func (s *Imports) Spec(kind string) (importer.Spec, bool) {
	sp, ok := importer.Specs[kind]
	return sp, ok
}

// Template writes the kind's template (xlsx) with its guide sheet.
func (s *Imports) Template(kind string, w io.Writer) error {
	spec, ok := s.Spec(kind)
	if !ok {
		return model.NotFound("import_template", kind)
	}
	g := &importer.Guide{Title: s.o.T("import.guide_sheet"),
		Headers: []string{s.o.T("import.guide_column"), s.o.T("import.guide_required"), s.o.T("import.guide_help")}}
	for _, c := range spec.Columns {
		req := ""
		if c.Required {
			req = s.o.T("import.guide_yes")
		}
		g.Lines = append(g.Lines, []string{c.Header, req, s.o.T(c.HelpKey)})
	}
	g.Lines = append(g.Lines, []string{"", "", s.o.T("import.guide_limits", importer.HumanSize(s.o.Limits.MaxBytes), s.o.Limits.MaxRows)})
	return importer.WriteTemplate(w, spec, g)
}

// ImportTarget is a domain an import acts for: a district, or an alliance
// (whose new units join it).
type ImportTarget struct {
	Domain     string
	Label      string
	DistrictID int64
	AllianceID int64
}

// Targets lists the domains in which actor may import rows of kind. Units
// import into a district (every district for a city-wide grant) or an
// alliance the actor holds; needs, resources and projects belong to an
// alliance, so only alliances are offered: those the actor holds, and the
// active alliances of the districts they hold the right in.
func (s *Imports) Targets(ctx context.Context, actor model.Actor, kind string) ([]ImportTarget, error) {
	obj := ImportObject(kind)
	scope := s.authz.Scope(actor.UserID, obj, "import")
	var out []ImportTarget
	if obj == "unit" {
		districts, err := s.db.Districts(ctx)
		if err != nil {
			return nil, err
		}
		names := make(map[int64]string, len(districts))
		for _, d := range districts {
			names[d.ID] = d.Name
		}
		add := func(id int64) {
			if name, ok := names[id]; ok {
				out = append(out, ImportTarget{Domain: model.DomainOf(model.DomainDistrict, id), Label: name, DistrictID: id})
			}
		}
		if scope.All {
			for _, d := range districts {
				add(d.ID)
			}
		} else {
			for _, id := range scope.Districts {
				add(id)
			}
		}
	}
	als, err := s.db.ImportAlliances(ctx, scope.Alliances)
	if err != nil {
		return nil, err
	}
	if obj != "unit" && (scope.All || len(scope.Districts) > 0) {
		more, err := s.db.ImportDistrictAlliances(ctx, scope.Districts, scope.All)
		if err != nil {
			return nil, err
		}
		seen := map[int64]bool{}
		for _, a := range als {
			seen[a.ID] = true
		}
		for _, a := range more {
			if !seen[a.ID] {
				als = append(als, a)
			}
		}
	}
	for _, a := range als {
		out = append(out, ImportTarget{Domain: model.DomainOf(model.DomainAlliance, a.ID), Label: a.Name, DistrictID: a.DistrictID, AllianceID: a.ID})
	}
	return out, nil
}

// TargetLabels names the domains of jobs for people: the district's name,
// the alliance's name; a domain it cannot name is left out.
func (s *Imports) TargetLabels(ctx context.Context, domains []string) (map[string]string, error) {
	out := map[string]string{}
	var alliances []int64
	districts := false
	for _, d := range domains {
		if _, done := out[d]; done || d == "" {
			continue
		}
		kind, id, err := model.ParseDomain(d)
		if err != nil {
			continue
		}
		switch kind {
		case model.DomainDistrict:
			districts = true
		case model.DomainAlliance:
			alliances = append(alliances, id)
		}
	}
	if districts {
		ds, err := s.db.Districts(ctx)
		if err != nil {
			return nil, err
		}
		for _, d := range ds {
			out[model.DomainOf(model.DomainDistrict, d.ID)] = d.Name
		}
	}
	als, err := s.db.ImportAlliances(ctx, alliances)
	if err != nil {
		return nil, err
	}
	for _, a := range als {
		out[model.DomainOf(model.DomainAlliance, a.ID)] = a.Name
	}
	return out, nil
}

// ImportObject is the object kind whose import right a kind of import needs.
func ImportObject(kind string) string {
	switch kind {
	case importer.KindNeeds:
		return "need"
	case importer.KindResources:
		return "resource"
	case importer.KindProjects:
		return "project"
	}
	return "unit"
}

// resolveTarget reads a domain and checks that userID may import kind
// (units, needs, resources) in it.
func (s *Imports) resolveTarget(ctx context.Context, userID int64, domain, importKind string) (ImportTarget, error) {
	kind, id, err := model.ParseDomain(strings.TrimSpace(domain))
	// Needs and resources belong to an alliance: only an alliance is their target.
	if err != nil || (kind != model.DomainDistrict && kind != model.DomainAlliance) || (ImportObject(importKind) != "unit" && kind != model.DomainAlliance) {
		return ImportTarget{}, (&model.ValidationError{}).Add("domain", MsgImportBadTarget)
	}
	t := ImportTarget{Domain: model.DomainOf(kind, id)}
	var chain []string
	if kind == model.DomainDistrict {
		ok, err := s.db.DomainExists(ctx, kind, id)
		if err != nil {
			return t, err
		}
		if !ok {
			return t, (&model.ValidationError{}).Add("domain", MsgImportBadTarget)
		}
		t.DistrictID, chain = id, authz.ChainDistrict(id)
	} else {
		als, err := s.db.ImportAlliances(ctx, []int64{id})
		if err != nil {
			return t, err
		}
		if len(als) == 0 {
			return t, (&model.ValidationError{}).Add("domain", MsgImportBadTarget)
		}
		t.DistrictID, t.AllianceID, t.Label, chain = als[0].DistrictID, id, als[0].Name, authz.ChainAlliance(id, als[0].DistrictID)
	}
	if err := s.authz.Check(userID, chain, ImportObject(importKind), "import"); err != nil {
		return t, err
	}
	return t, nil
}

// NewImport is an upload.
type NewImport struct {
	Kind string
	// Domain is the district or alliance the import acts for; "" picks the
	// only one the actor has.
	Domain   string
	FileName string
	File     io.Reader // nil: no file was sent
	DryRun   bool
}

// refusal turns a refused file into a field error on "file".
func refusal(err error) error {
	var r *importer.Refusal
	if errors.As(err, &r) {
		return (&model.ValidationError{}).AddArgs("file", r.Key, r.Args...)
	}
	return err
}

// cleanFileName keeps the base name of an uploaded file, without control
// characters, at most 200 characters.
func cleanFileName(name string) string {
	name = filepath.Base(strings.ReplaceAll(name, "\\", "/"))
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return -1
		}
		return r
	}, strings.TrimSpace(name))
	if r := []rune(name); len(r) > 200 {
		name = string(r[len(r)-200:])
	}
	if name == "." || name == "/" {
		return ""
	}
	return name
}

func randomName() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// UploadCheckTime bounds the reading time of an upload's check (the
// container and the header row) inside the request.
const UploadCheckTime = 3 * time.Second

// Create checks an upload and queues its job: the file is stored under the
// upload directory, then sniffed and its header checked (the rows are read
// and counted by the job, once); a file
// refused (a *model.ValidationError on "file") leaves nothing behind. The
// job row and its audit row are written in one transaction.
func (s *Imports) Create(ctx context.Context, actor model.Actor, in NewImport) (*model.ImportJob, error) {
	spec, ok := s.Spec(in.Kind)
	if !ok {
		return nil, (&model.ValidationError{}).Add("kind", MsgImportBadKind)
	}
	ve := &model.ValidationError{}
	domain := strings.TrimSpace(in.Domain)
	if domain == "" {
		targets, err := s.Targets(ctx, actor, in.Kind)
		if err != nil {
			return nil, err
		}
		switch len(targets) {
		case 0:
			return nil, model.ErrForbidden
		case 1:
			domain = targets[0].Domain
		default:
			ve.Add("domain", MsgImportPickTarget)
		}
	}
	var target ImportTarget
	if domain != "" {
		t, err := s.resolveTarget(ctx, actor.UserID, domain, spec.Kind)
		if errors.As(err, new(*model.ValidationError)) {
			ve.Add("domain", MsgImportBadTarget)
		} else if err != nil {
			return nil, err
		}
		target = t
	}
	name := cleanFileName(in.FileName)
	if in.File == nil || name == "" {
		ve.Add("file", MsgImportNoFile)
	}
	if err := ve.Err(); err != nil {
		return nil, err
	}

	rel := filepath.Join("imports", s.db.Now().Format("200601"), randomName()+strings.ToLower(filepath.Ext(name)))
	abs := filepath.Join(s.o.UploadDir, rel)
	if err := s.store(abs, in.File); err != nil {
		return nil, err
	}
	keep := false
	defer func() {
		if !keep {
			os.Remove(abs)
		}
	}()
	// The request only checks the container and the header, under a short
	// reading time; the rows are read once, by the job, under the limits.
	check := s.o.Limits
	check.ParseTime = min(check.ParseTime, UploadCheckTime)
	if _, err := importer.CheckHeader(ctx, abs, name, spec, check); err != nil {
		return nil, refusal(err)
	}
	job := &model.ImportJob{Kind: spec.Kind, FileName: name, FilePath: filepath.ToSlash(rel), DryRun: in.DryRun,
		Status: model.ImportQueued, Domain: target.Domain, CreatedBy: actor.UserID}
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		if err := s.db.CreateImportJob(ctx, job); err != nil {
			return err
		}
		if err := s.db.Notify(ctx, ImportNotifyChannel, fmt.Sprint(job.ID)); err != nil {
			return err
		}
		return audit(ctx, s.db, actor, ActionImportCreate, "import_job", job.ID, target.Domain,
			map[string]any{"kind": spec.Kind, "file_name": name, "dry_run": in.DryRun})
	})
	if err != nil {
		return nil, err
	}
	keep = true
	return job, nil
}

// store copies an upload to path, refusing it past the size limit.
func (s *Imports) store(path string, r io.Reader) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o640)
	if err != nil {
		return err
	}
	n, err := io.Copy(f, io.LimitReader(r, s.o.Limits.MaxBytes+1))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && n > s.o.Limits.MaxBytes {
		err = (&model.ValidationError{}).AddArgs("file", importer.MsgTooLarge,
			importer.HumanSize(n)+"+", importer.HumanSize(s.o.Limits.MaxBytes))
	}
	if err != nil {
		os.Remove(path)
	}
	return err
}

// SeesAll reports whether actor sees every import job (the system admin);
// everyone else sees their own.
func (s *Imports) SeesAll(actor model.Actor) bool {
	return s.authz.Can(actor.UserID, SysChain, "import_job", "read")
}

// List pages through the jobs actor may see, newest first by default.
func (s *Imports) List(ctx context.Context, actor model.Actor, f store.ImportJobFilter, req model.PageRequest) (model.List[store.ImportJobRow], error) {
	if !s.SeesAll(actor) {
		f.CreatedBy = actor.UserID
	}
	return s.db.ListImportJobs(ctx, f, req)
}

// Each calls fn for every job of the list (export).
func (s *Imports) Each(ctx context.Context, actor model.Actor, f store.ImportJobFilter, req model.PageRequest, fn func(*store.ImportJobRow) error) error {
	if !s.SeesAll(actor) {
		f.CreatedBy = actor.UserID
	}
	return s.db.EachImportJob(ctx, f, req, fn)
}

// Get loads a job: the actor's own, or any for the system admin; another's
// is not found.
func (s *Imports) Get(ctx context.Context, actor model.Actor, id int64) (*store.ImportJobRow, error) {
	j, err := s.db.ImportJobByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if j.CreatedBy != actor.UserID && !s.SeesAll(actor) {
		return nil, model.NotFound("import_job", id)
	}
	return j, nil
}

// ErrorFile returns a job and the path of its error file; a job without one
// is not found.
func (s *Imports) ErrorFile(ctx context.Context, actor model.Actor, id int64) (*store.ImportJobRow, string, error) {
	j, err := s.Get(ctx, actor, id)
	if err != nil {
		return nil, "", err
	}
	if j.ErrorFilePath == "" {
		return nil, "", model.NotFound("import_error_file", id)
	}
	p := filepath.Join(s.o.UploadDir, filepath.FromSlash(j.ErrorFilePath))
	if _, err := os.Stat(p); err != nil {
		return nil, "", model.NotFound("import_error_file", id)
	}
	return j, p, nil
}

// ---- The worker ----

// WorkerOptions configure Work.
type WorkerOptions struct {
	// Poll is how often the queue is looked at without a wake-up (default 500 ms).
	Poll time.Duration
	// StaleAfter is how long a running job may go without a heartbeat
	// before it is queued again (default 30 s, config import.stale_after).
	StaleAfter time.Duration
	// Heartbeat is how often the worker of a running job says it is alive
	// (default 5 s, config import.heartbeat); it must be well below
	// StaleAfter.
	Heartbeat time.Duration
}

// Default worker timings.
const (
	DefaultImportStaleAfter = 30 * time.Second
	DefaultImportHeartbeat  = 5 * time.Second
)

func (o WorkerOptions) withDefaults() WorkerOptions {
	if o.Poll <= 0 {
		o.Poll = 500 * time.Millisecond
	}
	if o.StaleAfter <= 0 {
		o.StaleAfter = DefaultImportStaleAfter
	}
	if o.Heartbeat <= 0 {
		o.Heartbeat = DefaultImportHeartbeat
	}
	o.Heartbeat = min(o.Heartbeat, o.StaleAfter/3)
	return o
}

// Work runs queued jobs one at a time until ctx ends. Several workers (in
// one or several instances) may run side by side: each claims a job with
// a conditional UPDATE, so no job runs twice. A job whose worker stops (the
// server shuts down) goes back to the queue, as does a job whose worker
// died (no heartbeat for StaleAfter); rerunning is safe, an import being
// idempotent.
func (s *Imports) Work(ctx context.Context, o WorkerOptions) {
	o = o.withDefaults()
	wake := make(chan struct{}, 1)
	go func() {
		_ = s.db.Listen(ctx, ImportNotifyChannel, func(string) {
			select {
			case wake <- struct{}{}:
			default:
			}
		})
	}()
	var lastStale time.Time
	for ctx.Err() == nil {
		if time.Since(lastStale) >= o.Heartbeat {
			lastStale = time.Now()
			if _, err := s.RequeueStale(ctx, o.StaleAfter); err != nil {
				s.logErr(ctx, "import: requeue stale jobs", err)
			}
		}
		id, err := s.ClaimNext(ctx)
		if err != nil {
			s.logErr(ctx, "import: claim", err)
		}
		if id != 0 {
			s.runWithHeartbeat(ctx, id, o.Heartbeat)
			continue
		}
		select {
		case <-ctx.Done():
		case <-wake:
		case <-time.After(o.Poll):
		}
	}
}

// RequeueStale puts back in the queue the running jobs whose heartbeat is
// older than staleAfter by the database's clock (their worker died).
func (s *Imports) RequeueStale(ctx context.Context, staleAfter time.Duration) (int64, error) {
	n, err := s.db.RequeueStaleImportJobs(ctx, s.db.Now().Add(-staleAfter), s.o.T(MsgImportStale))
	if err == nil && n > 0 {
		s.o.Log.Warn("import: jobs without a worker queued again", "jobs", n)
	}
	return n, err
}

// runWithHeartbeat runs a claimed job while beating its heartbeat every
// interval, so that another worker knows it is alive.
func (s *Imports) runWithHeartbeat(ctx context.Context, id int64, every time.Duration) {
	beat, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-beat.Done():
				return
			case <-t.C:
				if err := s.db.ImportHeartbeat(beat, id); err != nil {
					s.logErr(beat, "import: heartbeat", err)
				}
			}
		}
	}()
	s.RunJob(ctx, id)
	stop()
	<-done
}

func (s *Imports) logErr(ctx context.Context, msg string, err error) {
	if ctx.Err() == nil {
		s.o.Log.Error(msg, "err", err)
	}
}

// ClaimNext claims the oldest queued job and returns its id (0: none).
func (s *Imports) ClaimNext(ctx context.Context) (int64, error) {
	for {
		id, err := s.db.NextQueuedImportJob(ctx)
		if err != nil || id == 0 {
			return 0, err
		}
		ok, err := s.db.ClaimImportJob(ctx, id)
		if err != nil {
			return 0, err
		}
		if ok {
			return id, nil
		}
		// Another worker took it first: look again.
	}
}

// RunJob runs a claimed (running) job to its end: done with its counts and
// error file, failed with a message, or back in the queue when ctx ends
// first.
func (s *Imports) RunJob(ctx context.Context, id int64) {
	res, err := s.runJob(ctx, id)
	counts := store.ImportCounts{Processed: res.Processed, Created: res.Created, Unchanged: res.Unchanged, Errors: res.Errors}
	bg, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	var werr error
	switch {
	case err == nil:
		rel := ""
		if res.ErrorFile != "" {
			if r, rerr := filepath.Rel(s.o.UploadDir, res.ErrorFile); rerr == nil {
				rel = filepath.ToSlash(r)
			}
		}
		werr = s.db.FinishImportJob(bg, id, model.ImportDone, counts, rel, "")
	case ctx.Err() != nil:
		werr = s.db.RequeueImportJob(bg, id, s.o.T(MsgImportRequeued))
	default:
		msg := s.o.T(MsgImportFailed, fmt.Sprintf("import-%d", id))
		var r *importer.Refusal
		switch {
		case errors.As(err, &r):
			msg = s.o.T(r.Key, r.Args...)
		case errors.Is(err, model.ErrNotFound), errors.Is(err, model.ErrForbidden):
			msg = s.o.T(MsgImportNoRight)
		default:
			s.o.Log.Error("import job failed", "job", id, "err", err)
		}
		werr = s.db.FinishImportJob(bg, id, model.ImportFailed, counts, "", msg)
	}
	if werr != nil {
		s.o.Log.Error("import: record the end of a job", "job", id, "err", werr)
	}
}

func (s *Imports) runJob(ctx context.Context, id int64) (importer.Result, error) {
	j, err := s.db.ImportJobByID(ctx, id)
	if err != nil {
		return importer.Result{}, err
	}
	actor := model.Actor{UserID: j.CreatedBy, Username: j.CreatorUsername, IP: "worker", RequestID: fmt.Sprintf("import-%d", id)}
	// The creator's rights are checked again: a role may have ended since the upload.
	target, err := s.resolveTarget(ctx, actor.UserID, j.Domain, j.Kind)
	if err != nil {
		return importer.Result{}, err
	}
	path := filepath.Join(s.o.UploadDir, filepath.FromSlash(j.FilePath))
	errPath := filepath.Join(s.o.UploadDir, "imports", "errors", fmt.Sprintf("%d-%s.xlsx", id, randomName()[:8]))
	return s.run(ctx, actor, target, j.Kind, path, j.FileName, j.DryRun, id, errPath, func(ctx context.Context, p importer.Progress) error {
		return s.db.UpdateImportProgress(ctx, id, store.ImportCounts{Processed: p.Processed, Created: p.Created, Unchanged: p.Unchanged, Errors: p.Errors})
	})
}

// ImportFile is a synchronous import (the CLI's): no job row, the same checks
// and the same writes.
type ImportFile struct {
	Kind, Domain string
	Path         string
	DryRun       bool
	// ErrorFile is where the failed rows go.
	ErrorFile string
	// Progress is called every batch with the counts so far and the number
	// of data rows in the file.
	Progress func(p importer.Progress, total int)
}

// RunFile imports a file now, as actor.
func (s *Imports) RunFile(ctx context.Context, actor model.Actor, in ImportFile) (importer.Result, error) {
	spec, ok := s.Spec(in.Kind)
	if !ok {
		return importer.Result{}, (&model.ValidationError{}).Add("kind", MsgImportBadKind)
	}
	target, err := s.resolveTarget(ctx, actor.UserID, in.Domain, in.Kind)
	if err != nil {
		return importer.Result{}, err
	}
	_, total, err := importer.Check(in.Path, in.Path, spec, s.o.Limits)
	if err != nil {
		return importer.Result{}, refusal(err)
	}
	return s.run(ctx, actor, target, in.Kind, in.Path, in.Path, in.DryRun, 0, in.ErrorFile, func(_ context.Context, p importer.Progress) error {
		if in.Progress != nil {
			in.Progress(p, total)
		}
		return nil
	})
}

func (s *Imports) run(ctx context.Context, actor model.Actor, target ImportTarget, kind, path, name string, dryRun bool,
	jobID int64, errPath string, progress func(context.Context, importer.Progress) error) (importer.Result, error) {
	spec, ok := s.Spec(kind)
	if !ok {
		return importer.Result{}, (&model.ValidationError{}).Add("kind", MsgImportBadKind)
	}
	format, err := importer.Sniff(path, name, s.o.Limits)
	if err != nil {
		return importer.Result{}, err
	}
	r, err := importer.OpenContext(ctx, path, format, spec, s.o.Limits)
	if err != nil {
		return importer.Result{}, err
	}
	defer r.Close()
	if jobID != 0 {
		// The file's own estimate of its rows, for progress until the end.
		if err := s.db.SetImportEstimate(ctx, jobID, r.Estimate()); err != nil {
			return importer.Result{}, err
		}
	}
	var h importer.Handler
	switch kind {
	case importer.KindNeeds:
		nh, err := s.newNeedHandler(ctx, actor, target, spec, jobID, dryRun)
		if err != nil {
			return importer.Result{}, err
		}
		nh.file, h = name, nh
	case importer.KindResources:
		rh, err := s.newResourceHandler(ctx, actor, target, spec, jobID, dryRun)
		if err != nil {
			return importer.Result{}, err
		}
		rh.file, h = name, rh
	case importer.KindProjects: // project_import.go
		ph, err := s.newProjectHandler(ctx, actor, target, spec, jobID, dryRun)
		if err != nil {
			return importer.Result{}, err
		}
		ph.file, h = name, ph
	default:
		uh, err := s.newUnitHandler(ctx, actor, target, spec, jobID, dryRun)
		if err != nil {
			return importer.Result{}, err
		}
		uh.file, h = name, uh
	}
	res, err := importer.Run(ctx, r, h, importer.Options{BatchSize: s.o.BatchSize, ErrorFile: errPath, Progress: progress})
	if err == nil && res.Processed == 0 {
		return res, &importer.Refusal{Key: importer.MsgNoRows}
	}
	return res, err
}

// ---- Units ----

// unitHandler imports member units: each row through ValidateUnitInput (the
// unit form's rules), then by natural key (the credit code when there is
// one, else the name within the district) either new, written in batches, or
// existing, counted as unchanged and left alone (a re-import changes nothing).
type unitHandler struct {
	s      *Imports
	actor  model.Actor
	target ImportTarget
	spec   importer.Spec
	jobID  int64
	file   string
	dryRun bool

	refs      UnitRefs
	kinds     map[string]string // label or code → code
	streets   map[string]int64  // name or code in the target district → id
	elsewhere map[string]int64  // name or code in another district → id
	seenCode  map[string]int    // credit code → row that had it
	seenName  map[string]int    // name (rows without a code) → row
	joinedOn  time.Time
	pending   []pendingUnit
	// kindLabels lists the kinds a row may name (in a refusal).
	kindLabels string
	idx        map[string]int
}

type pendingUnit struct {
	row  importer.Row
	unit model.Unit
}

func streetKey(s string) string {
	return strings.TrimSuffix(strings.TrimSpace(s), "街道")
}

func (s *Imports) newUnitHandler(ctx context.Context, actor model.Actor, target ImportTarget, spec importer.Spec, jobID int64, dryRun bool) (*unitHandler, error) {
	refs, err := s.db.LoadUnitImportRefs(ctx)
	if err != nil {
		return nil, err
	}
	h := &unitHandler{s: s, actor: actor, target: target, spec: spec, jobID: jobID, dryRun: dryRun,
		refs:      UnitRefs{Kinds: map[string]bool{}, Districts: map[int64]bool{target.DistrictID: true}, Streets: map[int64]int64{}},
		kinds:     map[string]string{},
		streets:   map[string]int64{},
		elsewhere: map[string]int64{},
		seenCode:  map[string]int{}, seenName: map[string]int{},
		idx: map[string]int{},
	}
	for i, c := range spec.Columns {
		h.idx[c.Field] = i
	}
	var labels []string
	for _, k := range refs.Kinds {
		if k.Active {
			h.refs.Kinds[k.Code] = true
			labels = append(labels, k.LabelZh)
		}
		h.kinds[k.Code] = k.Code
		h.kinds[strings.ToLower(k.Code)] = k.Code
		h.kinds[k.LabelZh] = k.Code
	}
	h.kindLabels = strings.Join(labels, "、")
	for _, st := range refs.Streets {
		if st.Status == model.StatusActive {
			h.refs.Streets[st.ID] = st.DistrictID
		}
		m := h.elsewhere
		if st.DistrictID == target.DistrictID {
			m = h.streets
		}
		for _, k := range []string{st.Code, streetKey(st.Name)} {
			if _, taken := m[k]; !taken {
				m[k] = st.ID
			}
		}
	}
	now := s.db.Now().In(time.FixedZone("CST", 8*3600))
	h.joinedOn = time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	return h, nil
}

func (h *unitHandler) cell(row importer.Row, field string) string {
	if i, ok := h.idx[field]; ok && i < len(row.Cells) {
		return row.Cells[i]
	}
	return ""
}

// streetID resolves the 所属街镇 cell: 0 when empty, the street of the
// target district with that name (with or without 街道) or code, else one of
// another district (which the validation refuses as not of this district),
// else -1 (unknown, refused too).
func (h *unitHandler) streetID(v string) int64 {
	if v == "" {
		return 0
	}
	k := streetKey(v)
	if id, ok := h.streets[k]; ok {
		return id
	}
	if id, ok := h.elsewhere[k]; ok {
		return id
	}
	return -1
}

func (h *unitHandler) kindCode(v string) string {
	if c, ok := h.kinds[v]; ok {
		return c
	}
	if c, ok := h.kinds[strings.ToLower(v)]; ok {
		return c
	}
	return v
}

// reason writes a row's problems: 第 N 行：单位名称：此项为必填项；联系电话：….
// The form's messages are kept, except where a spreadsheet needs other words
// (a form offers a list to pick the kind and street from; a sheet names them).
func (h *unitHandler) reason(row importer.Row, ve *model.ValidationError) string {
	t := h.s.o.T
	var parts []string
	done := map[string]bool{}
	for _, c := range h.spec.Columns {
		key, ok := ve.Fields[c.Field]
		if !ok {
			continue
		}
		msg := t(key, ve.Args[c.Field]...)
		switch key {
		case "unit.bad_kind":
			msg = t(MsgImportBadKindRow, h.cell(row, c.Field), h.kindLabels)
		case "unit.bad_street":
			msg = t(MsgImportBadStreetRow, h.cell(row, c.Field))
		}
		if !strings.HasPrefix(msg, c.Header) { // 党员人数须为…: names its column already
			msg = t(MsgImportReasonPart, c.Header, msg)
		}
		parts = append(parts, msg)
		done[c.Field] = true
	}
	for f, key := range ve.Fields {
		if !done[f] {
			parts = append(parts, t(key, ve.Args[f]...))
		}
	}
	return t(MsgImportReasonLine, row.Line, strings.Join(parts, "；"))
}

func (h *unitHandler) Check(_ context.Context, row importer.Row) (string, error) {
	in := UnitInput{
		Name:         h.cell(row, "name"),
		CreditCode:   h.cell(row, "credit_code"),
		Kind:         h.kindCode(h.cell(row, "kind")),
		DistrictID:   h.target.DistrictID,
		StreetID:     h.streetID(h.cell(row, "street_id")),
		Address:      h.cell(row, "address"),
		PartyOrg:     h.cell(row, "party_org"),
		PartyMembers: h.cell(row, "party_members"),
		ContactName:  h.cell(row, "contact_name"),
		ContactPhone: h.cell(row, "contact_phone"),
	}
	if ve := ValidateUnitInput(&in, h.refs); ve != nil {
		return h.reason(row, ve), nil
	}
	if in.CreditCode != "" {
		if first, dup := h.seenCode[in.CreditCode]; dup {
			return h.reason(row, (&model.ValidationError{}).AddArgs("credit_code", MsgImportDupCode, first)), nil
		}
		h.seenCode[in.CreditCode] = row.Line
	} else {
		if first, dup := h.seenName[in.Name]; dup {
			return h.reason(row, (&model.ValidationError{}).AddArgs("name", MsgImportDupName, first)), nil
		}
		h.seenName[in.Name] = row.Line
	}
	u := model.Unit{Name: in.Name, CreditCode: in.CreditCodePtr(), Kind: in.Kind, DistrictID: in.DistrictID,
		Address: in.Address, PartyOrg: in.PartyOrg, PartyMembers: in.PartyMemberCount(),
		ContactName: in.ContactName, ContactPhone: in.ContactPhone, Status: in.Status}
	if in.StreetID > 0 {
		sid := in.StreetID
		u.StreetID = &sid
	}
	h.pending = append(h.pending, pendingUnit{row: row, unit: u})
	return "", nil
}

func (h *unitHandler) Pending() int { return len(h.pending) }

// Flush sorts the batch into new and existing units by natural key and
// writes the new ones in one transaction with one audit row. A credit code
// taken meanwhile by another writer rolls the batch back; it is then looked
// up again (the unit now exists, so it counts as unchanged).
func (h *unitHandler) Flush(ctx context.Context) (importer.Flushed, error) {
	batch := h.pending
	h.pending = h.pending[:0:0]
	var codes, names []string
	for _, p := range batch {
		if p.unit.CreditCode != nil {
			codes = append(codes, *p.unit.CreditCode)
		} else {
			names = append(names, p.unit.Name)
		}
	}
	db := h.s.db
	var out importer.Flushed
	sortOut := func(ctx context.Context) ([]model.Unit, error) {
		haveCodes, haveNames, err := db.ExistingUnitKeys(ctx, h.target.DistrictID, codes, names)
		if err != nil {
			return nil, err
		}
		fresh := make([]model.Unit, 0, len(batch))
		for _, p := range batch {
			if (p.unit.CreditCode != nil && haveCodes[*p.unit.CreditCode]) || (p.unit.CreditCode == nil && haveNames[p.unit.Name]) {
				continue
			}
			fresh = append(fresh, p.unit)
		}
		out.Created, out.Unchanged = len(fresh), len(batch)-len(fresh)
		return fresh, nil
	}
	if h.dryRun {
		_, err := sortOut(ctx)
		return out, err
	}
	for attempt := 0; ; attempt++ {
		err := db.WithTx(ctx, func(ctx context.Context) error {
			fresh, err := sortOut(ctx)
			if err != nil || len(fresh) == 0 {
				return err
			}
			if err := db.InsertImportedUnits(ctx, fresh, h.target.AllianceID, h.joinedOn); err != nil {
				return err
			}
			objID := any(h.jobID)
			changes := map[string]any{"job_id": h.jobID, "count": len(fresh), "first_unit_id": fresh[0].ID, "last_unit_id": fresh[len(fresh)-1].ID}
			if h.jobID == 0 { // the command line: no job, the file instead
				objID = "cli"
				delete(changes, "job_id")
				changes["file"] = filepath.Base(h.file)
			}
			return audit(ctx, db, h.actor, ActionUnitImport, "import_job", objID, h.target.Domain, changes)
		})
		if errors.Is(err, store.ErrUnitKeyTaken) && attempt < 3 {
			continue
		}
		return out, err
	}
}
