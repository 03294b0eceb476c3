package app

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"tongxin/internal/authz"
	"tongxin/internal/model"
	"tongxin/internal/service"
	"tongxin/internal/store"
	"tongxin/internal/web"
	webfiles "tongxin/web"
)

// systemActor is who the command line acts as: an operator with shell access
// to the server, recorded as such in the audit log.
var systemActor = model.Actor{Username: "cli", IP: "local"}

// cliServices opens the database and builds the services with an authorizer
// that lets the operator act (the CLI runs with the server's own rights).
func cliServices(ctx context.Context, cl *cli) (*store.DB, *service.Auth, error) {
	cfg, err := cl.config()
	if err != nil {
		return nil, nil, err
	}
	log := NewLogger(cfg, cl.stderr)
	db, err := OpenDB(ctx, cfg, log)
	if err != nil {
		return nil, nil, err
	}
	if err := Migrate(ctx, db, log); err != nil {
		db.Close()
		return nil, nil, err
	}
	auth, err := service.NewAuth(db, service.AuthOptions{PasswordProfile: cfg.Security.PasswordProfile})
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return db, auth, nil
}

func runUser(ctx context.Context, cl *cli, args []string) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fmt.Fprintln(cl.stderr, "Usage: tongxin user create|reset-password|list …  (tongxin user create --help)")
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			return nil
		}
		return &exitError{code: 2, msg: "say create, reset-password or list"}
	}
	switch args[0] {
	case "create":
		return runUserCreate(ctx, cl, args[1:])
	case "reset-password":
		return runUserReset(ctx, cl, args[1:])
	case "list":
		return runUserList(ctx, cl, args[1:])
	}
	return &exitError{code: 2, msg: fmt.Sprintf("unknown user command %q: say create, reset-password or list", args[0])}
}

func runUserCreate(ctx context.Context, cl *cli, args []string) error {
	fs := cl.flags("user create", "tongxin user create --username U --display-name N [--role R --domain D] [--config FILE]")
	username := fs.String("username", "", "login name (3–32 lower-case letters, digits, . _ -)")
	display := fs.String("display-name", "", "the person's name as shown")
	role := fs.String("role", "", "a role to grant: sysadmin, secadmin, auditor, district_admin, district_reviewer, alliance_secretary, unit_contact")
	domain := fs.String("domain", "", "the role's domain: sys or district:310104 …")
	if err := fs.Parse(args); err != nil {
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
	deps := service.Deps{DB: db, Authz: az, Auth: auth}
	var u *model.User
	var pw string
	// One transaction: a refused role leaves no account behind.
	err = db.WithTx(ctx, func(ctx context.Context) error {
		var err error
		u, pw, err = service.NewUsers(deps).Create(ctx, systemActor, service.UserInput{Username: *username, DisplayName: *display})
		if err != nil || *role == "" {
			return err
		}
		_, err = service.NewRoles(deps).Create(ctx, systemActor, service.Grant{UserID: u.ID, Role: *role, Domain: *domain})
		return err
	})
	if err != nil {
		return cliError(err)
	}
	fmt.Fprintf(cl.stdout, "created %s; one-time password (shown once, must be changed at first login): %s\n", u.Username, pw)
	return nil
}

func runUserReset(ctx context.Context, cl *cli, args []string) error {
	fs := cl.flags("user reset-password", "tongxin user reset-password USERNAME [--config FILE]")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return &exitError{code: 2, msg: "name one user"}
	}
	db, auth, err := cliServices(ctx, cl)
	if err != nil {
		return err
	}
	defer db.Close()
	u, err := db.UserByUsername(ctx, model.NormalizeUsername(fs.Arg(0)))
	if err != nil {
		return cliError(err)
	}
	az, err := operatorAuthorizer(ctx, db)
	if err != nil {
		return err
	}
	pw, err := service.NewUsers(service.Deps{DB: db, Authz: az, Auth: auth}).ResetPassword(ctx, systemActor, u.ID, u.Version)
	if err != nil {
		return cliError(err)
	}
	fmt.Fprintf(cl.stdout, "reset %s; one-time password (shown once, must be changed at next login): %s\n", u.Username, pw)
	return nil
}

func runUserList(ctx context.Context, cl *cli, args []string) error {
	fs := cl.flags("user list", "tongxin user list [--config FILE]")
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, _, err := cliServices(ctx, cl)
	if err != nil {
		return err
	}
	defer db.Close()
	tw := tabwriter.NewWriter(cl.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tUSERNAME\tNAME\tSTATUS\tROLES")
	req := model.PageRequest{Limit: model.MaxPageSize, Sort: "id"}
	for {
		l, err := db.ListUsers(ctx, store.UserFilter{}, req)
		if err != nil {
			return err
		}
		for _, u := range l.Items {
			ras, err := db.RoleAssignmentsOfUser(ctx, u.ID)
			if err != nil {
				return err
			}
			var roles []string
			for _, ra := range ras {
				if ra.ValidAt(db.Now()) {
					roles = append(roles, ra.Role+"@"+ra.Domain)
				}
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", u.ID, u.Username, u.DisplayName, u.Status, strings.Join(roles, ","))
		}
		if l.Next == "" {
			break
		}
		req.After = l.Next
	}
	return tw.Flush()
}

// operatorAuthorizer is an Authorizer in which the CLI's actor (user id 0)
// holds the system and security administrator rules: whoever runs the binary
// on the server already controls its database.
func operatorAuthorizer(ctx context.Context, db *store.DB) (*authz.Authorizer, error) {
	return authz.New(ctx, operatorSource{db}, stderrLogger(nil))
}

type operatorSource struct{ db *store.DB }

func (o operatorSource) ValidRoleAssignments(ctx context.Context, now time.Time) ([]model.RoleAssignment, time.Time, error) {
	valid, next, err := o.db.ValidRoleAssignments(ctx, now)
	valid = append(valid,
		model.RoleAssignment{UserID: 0, Role: model.RoleSysadmin, Domain: model.DomainSys, ValidFrom: now},
		model.RoleAssignment{UserID: 0, Role: model.RoleSecadmin, Domain: model.DomainSys, ValidFrom: now})
	return valid, next, err
}

// cliError turns a validation or rule error into one readable line in
// Chinese, with the field names as the flags know them.
func cliError(err error) error {
	cat, cerr := web.LoadCatalog(webfiles.Locales)
	if cerr != nil {
		return err
	}
	var ve *model.ValidationError
	if errors.As(err, &ve) {
		parts := make([]string, 0, len(ve.Fields))
		for _, f := range slices.Sorted(maps.Keys(ve.Fields)) {
			parts = append(parts, f+": "+cat.T(web.LocaleZH, ve.Fields[f], ve.Args[f]...))
		}
		return &exitError{code: 1, msg: strings.Join(parts, "; ")}
	}
	var re *model.RuleError
	if errors.As(err, &re) {
		return &exitError{code: 1, msg: cat.T(web.LocaleZH, re.Message)}
	}
	return err
}
