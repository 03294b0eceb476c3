package service_test

import (
	"fmt"
	"testing"

	"tongxin/internal/service"
	"tongxin/internal/store"
)

// storedVersion reads the version a row has now, as a client would have
// read it before an edit or an action.
func storedVersion(t testing.TB, db *store.DB, table string, id int64) int {
	t.Helper()
	var v int
	if err := db.SQL().QueryRow(fmt.Sprintf("SELECT version FROM %s WHERE id = %d", table, id)).Scan(&v); err != nil {
		t.Fatalf("version of %s %d: %v", table, id, err)
	}
	return v
}

// atVersion is an action's input carrying the version read.
func atVersion(in service.ActionInput, v int) service.ActionInput {
	in.Version = v
	return in
}
