// Package migrations embeds the forward-only SQL migrations, one folder per
// dialect. Both folders must produce the same tables, columns and indexes; a
// test in internal/store proves it.
package migrations

import "embed"

// FS holds postgres/*.sql and sqlite/*.sql.
//
//go:embed postgres/*.sql sqlite/*.sql
var FS embed.FS
