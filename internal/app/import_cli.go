package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"tongxin/internal/importer"
	"tongxin/internal/model"
	"tongxin/internal/service"
	"tongxin/internal/web"
	webfiles "tongxin/web"
)

const importUnitsUsage = "tongxin import units FILE.xlsx|FILE.csv --district 310104 [--alliance ID] [--dry-run] [--errors FILE.xlsx] [--config FILE]"

// runImport is `tongxin import KIND FILE`: the import the web's 导入任务 runs,
// synchronously, as the operator, with progress on stderr and the summary
// on stdout. The exit code is 1 when any row failed.
func runImport(ctx context.Context, cl *cli, args []string) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fmt.Fprintln(cl.stderr, "Usage: "+importUnitsUsage)
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			return nil
		}
		return &exitError{code: 2, msg: "say what to import: units"}
	}
	if args[0] != importer.KindUnits {
		return &exitError{code: 2, msg: fmt.Sprintf("unknown import kind %q: say units", args[0])}
	}
	return runImportUnits(ctx, cl, args[1:])
}

func runImportUnits(ctx context.Context, cl *cli, args []string) error {
	fs := cl.flags("import units", importUnitsUsage)
	district := fs.Int64("district", 0, "the district (administrative code, e.g. 310104) the units belong to")
	alliance := fs.Int64("alliance", 0, "import into this alliance instead (its district; new units join it as members)")
	dryRun := fs.Bool("dry-run", false, "check and count only; write no unit (the error file is still written)")
	errOut := fs.String("errors", "", "where to write the error file (default: FILE-errors.xlsx beside FILE)")
	// The file may come before or after the flags.
	var files []string
	for {
		if err := fs.Parse(args); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		files = append(files, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(files) != 1 {
		fs.Usage()
		return &exitError{code: 2, msg: "name one file"}
	}
	var domain string
	switch {
	case *district != 0 && *alliance != 0:
		return &exitError{code: 2, msg: "say --district or --alliance, not both"}
	case *district > 0:
		domain = model.DomainOf(model.DomainDistrict, *district)
	case *alliance > 0:
		domain = model.DomainOf(model.DomainAlliance, *alliance)
	default:
		fs.Usage()
		return &exitError{code: 2, msg: "say which district the units belong to: --district 310104 (or --alliance ID)"}
	}
	path := files[0]
	if _, err := os.Stat(path); err != nil {
		return &exitError{code: 2, msg: fmt.Sprintf("cannot read %s: %v", path, errors.Unwrap(err))}
	}
	errPath := *errOut
	if errPath == "" {
		errPath = strings.TrimSuffix(path, filepath.Ext(path)) + "-errors.xlsx"
	}
	cfg, err := cl.config()
	if err != nil {
		return err
	}
	db, auth, err := cliServices(ctx, cl)
	if err != nil {
		return err
	}
	defer db.Close()
	az, err := operatorAuthorizer(ctx, db)
	if err != nil {
		return err
	}
	cat, err := web.LoadCatalog(webfiles.Locales)
	if err != nil {
		return err
	}
	T := func(key string, args ...any) string { return cat.T(web.LocaleZH, key, args...) }
	svc := service.NewImports(service.Deps{DB: db, Authz: az, Auth: auth}, service.ImportOptions{
		UploadDir: cfg.UploadDir,
		Limits:    importLimits(cfg),
		T:         T,
		Log:       stderrLogger(cl.stderr),
	})
	res, err := svc.RunFile(ctx, systemActor, service.ImportFile{
		Kind: importer.KindUnits, Domain: domain, Path: path, DryRun: *dryRun, ErrorFile: errPath,
		Progress: func(p importer.Progress, total int) {
			fmt.Fprintln(cl.stderr, T("import.cli_progress", p.Processed, total, p.Created, p.Unchanged, p.Errors))
		},
	})
	if err != nil {
		return cliError(err)
	}
	summary := T("import.cli_done", res.Created, res.Unchanged, res.Errors)
	if *dryRun {
		summary = T("import.cli_done_dry_run", res.Created, res.Unchanged, res.Errors)
	}
	if res.ErrorFile != "" {
		summary += T("import.cli_error_file", res.ErrorFile)
	}
	fmt.Fprintln(cl.stdout, summary)
	if res.Errors > 0 {
		return &exitError{code: 1, msg: T("import.cli_rows_failed", res.Errors)}
	}
	return nil
}
