package store_test

import (
	"context"
	"testing"
	"time"

	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

// TestForcedLogoutIsNotUndone: a session deleted by an administrator while
// its user's request runs is not written back when that request ends.
func TestForcedLogoutIsNotUndone(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		u := testenv.CreateUser(t, db, "li", "", "")
		st := db.Sessions()
		exp := time.Now().Add(time.Hour)

		// Log in: a new token, committed with its owner.
		ctx, owner := store.WithSessionOwner(context.Background())
		owner.UserID = u.ID
		if err := st.CommitCtx(ctx, "tok1", []byte("data"), exp); err != nil {
			t.Fatal(err)
		}

		// A later request loads the session…
		ctx2, _ := store.WithSessionOwner(context.Background())
		if _, found, err := st.FindCtx(ctx2, "tok1"); err != nil || !found {
			t.Fatalf("find: %v %v", found, err)
		}
		// …meanwhile the security admin ends every session of the user…
		if n, err := db.DeleteUserSessions(context.Background(), u.ID); err != nil || n != 1 {
			t.Fatalf("delete: %d %v", n, err)
		}
		// …and the request commits at its end.
		if err := st.CommitCtx(ctx2, "tok1", []byte("data2"), exp); err != nil {
			t.Fatal(err)
		}
		if _, found, _ := st.FindCtx(context.Background(), "tok1"); found {
			t.Fatal("the forced-out session came back")
		}

		// A request that loaded nothing may still start a new (anonymous) session.
		ctx3, _ := store.WithSessionOwner(context.Background())
		if err := st.CommitCtx(ctx3, "tok2", []byte("anon"), exp); err != nil {
			t.Fatal(err)
		}
		if _, found, _ := st.FindCtx(context.Background(), "tok2"); !found {
			t.Fatal("a new session was not stored")
		}
	})
}
