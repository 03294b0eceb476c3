// Command tongxin is the whole of Tongxin in one binary: serve, migrate,
// seed, version and the administrative subcommands.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"tongxin/internal/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	code := app.Main(ctx, os.Args[1:], os.Stdout, os.Stderr, os.LookupEnv)
	stop()
	os.Exit(code)
}
