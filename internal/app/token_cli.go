package app

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"tongxin/internal/model"
	"tongxin/internal/service"
)

const tokenCreateUsage = "tongxin token create --user NAME [--name N] [--expires 90d] [--config FILE]"

func runToken(ctx context.Context, cl *cli, args []string) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fmt.Fprintln(cl.stderr, "Usage: "+tokenCreateUsage)
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			return nil
		}
		return &exitError{code: 2, msg: "say create"}
	}
	if args[0] != "create" {
		return &exitError{code: 2, msg: fmt.Sprintf("unknown token command %q: say create", args[0])}
	}
	return runTokenCreate(ctx, cl, args[1:])
}

// runTokenCreate prints the new secret alone on stdout, so that a script can
// capture it (TOKEN=$(tongxin token create --user etl)); everything else,
// errors included, goes to stderr.
func runTokenCreate(ctx context.Context, cl *cli, args []string) error {
	fs := cl.flags("token create", tokenCreateUsage)
	username := fs.String("user", "", "the account the token acts as (it carries exactly that account's rights)")
	name := fs.String("name", "cli", "what the token is for, shown in the owner's token list (at most 64 characters)")
	// 90 days by default: 等保2.0 asks that credentials expire. "0" asks for
	// a token that never does, deliberately.
	expires := fs.String("expires", fmt.Sprintf("%dd", model.TokenDefaultDays),
		`validity: days ("90d"), a duration ("720h"), or 0 for never`)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return &exitError{code: 2, msg: fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	if strings.TrimSpace(*username) == "" {
		fs.Usage()
		return &exitError{code: 2, msg: "--user is required"}
	}
	validFor, err := model.ParseTokenExpiry(*expires)
	if err != nil {
		return &exitError{code: 2, msg: "--expires " + *expires + ": " + err.Error()}
	}
	db, _, err := cliServices(ctx, cl)
	if err != nil {
		return err
	}
	defer db.Close()
	_, secret, err := service.NewTokens(service.Deps{DB: db}).CreateForUser(ctx, systemActor, *username, *name, validFor)
	switch {
	case errors.Is(err, model.ErrNotFound):
		return &exitError{code: 1, msg: fmt.Sprintf("no user named %q", model.NormalizeUsername(*username))}
	case errors.Is(err, service.ErrUserNotActive):
		return &exitError{code: 1, msg: fmt.Sprintf("user %q is not active (disabled or locked): its tokens would not work", model.NormalizeUsername(*username))}
	case err != nil:
		return cliError(err)
	}
	fmt.Fprintln(cl.stdout, secret)
	return nil
}
