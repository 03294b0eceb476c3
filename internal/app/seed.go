package app

import (
	"context"
	"errors"
	"fmt"

	"tongxin/internal/model"
	"tongxin/internal/service"
	"tongxin/internal/store"
)

// DefaultDemoPassword is the demo accounts' password when
// TONGXIN_DEMO_PASSWORD is not set. It is for demonstration databases only.
const DefaultDemoPassword = "Tongxin@2026"

// demoAccount is one demo user and the role it is meant to hold.
type demoAccount struct {
	username, displayName, role, domain string
}

var demoAccounts = []demoAccount{
	{"admin", "系统管理员", "sysadmin", "sys"},
	{"secadmin", "安全管理员", "secadmin", "sys"},
	{"auditor", "审计管理员", "auditor", "sys"},
	{"reviewer", "徐汇区审核员", "district_reviewer", "district:310104"},
	{"city", "市级审核员", "city_reviewer", "sys"},
}

func runSeed(ctx context.Context, cl *cli, args []string) error {
	fs := cl.flags("seed", seedUsage)
	demo := fs.Bool("demo", false, "create the demo accounts (admin, secadmin, auditor, reviewer, city, secretary, unit); a second run changes nothing")
	scale := fs.Float64("scale", 0, "generate a city-sized data set into an empty database: 1 = one year of a city like Shanghai, 10 = ten years, 0.01 = a small sample")
	seed := fs.Uint64("seed", 1, "with --scale: the random seed (the same scale and seed give the same data)")
	force := fs.Bool("force", false, "with --scale: generate even though the database already holds data")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *scale != 0 {
		if *demo {
			return &exitError{code: 2, msg: "say --demo or --scale, not both"}
		}
		return runSeedScale(ctx, cl, ScaleOptions{Scale: *scale, Seed: *seed, Force: *force})
	}
	if !*demo {
		fs.Usage()
		return &exitError{code: 2, msg: "say --demo or --scale N"}
	}
	cfg, err := cl.config()
	if err != nil {
		return err
	}
	log := NewLogger(cfg, cl.stderr)
	db, err := OpenDB(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := Migrate(ctx, db, log); err != nil {
		return err
	}
	pw, ok := cl.env("TONGXIN_DEMO_PASSWORD")
	if !ok || pw == "" {
		pw = DefaultDemoPassword
	}
	auth, err := service.NewAuth(db, service.AuthOptions{PasswordProfile: cfg.Security.PasswordProfile})
	if err != nil {
		return err
	}
	created, err := SeedDemo(ctx, db, auth, pw)
	if err != nil {
		return err
	}
	fmt.Fprintf(cl.stdout, "demo accounts: %d created, %d already there\n", created, len(demoAccounts)+2-created)
	// The 申报材料 go into the upload directory serve reads (upload_dir).
	files, err := SeedDemoFiles(ctx, db, log, cfg.UploadDir)
	if err != nil {
		return err
	}
	if files > 0 {
		fmt.Fprintf(cl.stdout, "demo files: %d attached under %s\n", files, cfg.UploadDir)
	}
	return nil
}

// SeedDemo creates the demonstration map of 徐汇区 (streets, grids, sites,
// member units, the 凌云路 alliance with its committees) and the demo
// accounts that do not exist yet, and returns how many accounts it created.
// It never changes what exists.
func SeedDemo(ctx context.Context, db *store.DB, auth *service.Auth, password string) (int, error) {
	allianceID, unitIDs, err := db.SeedDemoOrganisations(ctx, demoOrganisations())
	if err != nil {
		return 0, fmt.Errorf("demo organisations: %w", err)
	}
	if err := seedDemoLists(ctx, db, allianceID, unitIDs); err != nil {
		return 0, fmt.Errorf("demo needs and resources: %w", err)
	}
	accounts := append([]demoAccount(nil), demoAccounts...)
	accounts = append(accounts,
		demoAccount{"secretary", "凌云路联盟秘书", model.RoleAllianceSecretary, model.DomainOf(model.DomainAlliance, allianceID)},
		demoAccount{"unit", "第八人民医院联络员", model.RoleUnitContact, model.DomainOf(model.DomainUnit, unitIDs[1])})
	created := 0
	for _, d := range accounts {
		_, err := db.UserByUsername(ctx, d.username)
		if err == nil {
			continue
		}
		if !errors.Is(err, model.ErrNotFound) {
			return created, err
		}
		hash, err := auth.HashPassword(password)
		if err != nil {
			return created, err
		}
		u := &model.User{Username: d.username, DisplayName: d.displayName, Status: model.UserActive, PasswordHash: hash}
		u.Phone, u.Email = demoAccountContact(d.username) // demo_pii.go
		now := db.Now()
		u.PasswordChangedAt = &now
		if err := db.WithTx(ctx, func(ctx context.Context) error {
			if err := db.CreateUser(ctx, u); err != nil {
				return err
			}
			if err := db.CreateRoleAssignment(ctx, &model.RoleAssignment{UserID: u.ID, Role: d.role, Domain: d.domain, ValidFrom: now, Source: model.SourceSeed}); err != nil {
				return err
			}
			return db.AppendAudit(ctx, &model.AuditEntry{Username: "system", Action: "user.create", ObjectKind: "user",
				ObjectID: fmt.Sprint(u.ID), Changes: fmt.Sprintf(`{"username":[null,%q],"role":[null,%q],"domain":[null,%q]}`, d.username, d.role, d.domain)})
		}); err != nil {
			return created, fmt.Errorf("demo account %s: %w", d.username, err)
		}
		created++
	}
	if err := seedDemoClaims(ctx, db, allianceID, unitIDs); err != nil { // demo_claims.go: after the lists and the accounts
		return created, fmt.Errorf("demo claims: %w", err)
	}
	if err := seedDemoProjects(ctx, db, allianceID, unitIDs); err != nil { // demo_projects.go: after the claims
		return created, fmt.Errorf("demo projects: %w", err)
	}
	if err := seedDemoGovernance(ctx, db, allianceID, unitIDs); err != nil { // demo_governance.go: after the projects
		return created, fmt.Errorf("demo governance: %w", err)
	}
	if err := seedDemoAudit(ctx, db); err != nil { // demo_audit.go: the projects' trail, after them
		return created, fmt.Errorf("demo audit trail: %w", err)
	}
	return created, nil
}
