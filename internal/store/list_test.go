package store_test

import (
	"context"
	"fmt"
	"testing"

	"tongxin/internal/model"
	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

// TestKeysetPaging walks a list forwards and backwards on both dialects and
// checks it sees every row once, in order, with the right total.
func TestKeysetPaging(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		for i := 0; i < 23; i++ {
			testenv.CreateUser(t, db, fmt.Sprintf("user%02d", (i*7)%23), "", "")
		}
		for _, sort := range []string{"id", "username", "created_at"} {
			for _, desc := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s desc=%v", sort, desc), func(t *testing.T) {
					req := model.PageRequest{Limit: 5, Sort: sort, Desc: desc}
					var seen []string
					var pages []model.List[model.User]
					for {
						l, err := db.ListUsers(ctx, store.UserFilter{}, req)
						if err != nil {
							t.Fatal(err)
						}
						if l.Total != 23 || l.TotalCapped {
							t.Fatalf("total = %d capped=%v, want 23", l.Total, l.TotalCapped)
						}
						for _, u := range l.Items {
							seen = append(seen, u.Username)
						}
						pages = append(pages, l)
						if l.Next == "" {
							break
						}
						req.After = l.Next
					}
					if len(seen) != 23 || len(pages) != 5 {
						t.Fatalf("saw %d rows in %d pages, want 23 in 5", len(seen), len(pages))
					}
					if sort == "username" {
						for i := 1; i < len(seen); i++ {
							if (seen[i-1] > seen[i]) != desc {
								t.Fatalf("out of order at %d: %v", i, seen)
							}
						}
					}
					// Back from the last page: the fourth page again.
					back, err := db.ListUsers(ctx, store.UserFilter{}, model.PageRequest{Limit: 5, Sort: sort, Desc: desc, Before: pages[4].Prev})
					if err != nil {
						t.Fatal(err)
					}
					if fmt.Sprint(names(back.Items)) != fmt.Sprint(names(pages[3].Items)) {
						t.Fatalf("previous page = %v, want %v", names(back.Items), names(pages[3].Items))
					}
					if back.Prev == "" || back.Next == "" {
						t.Fatalf("a middle page must have both cursors")
					}
				})
			}
		}
		l, err := db.ListUsers(ctx, store.UserFilter{Query: "USER0"}, model.PageRequest{})
		if err != nil || l.Total != 10 {
			t.Fatalf("query USER0: total %d err %v, want 10", l.Total, err)
		}
		l, err = db.ListUsers(ctx, store.UserFilter{Query: "%"}, model.PageRequest{})
		if err != nil || l.Total != 0 {
			t.Fatalf("query %%: total %d err %v, want 0 (LIKE wildcards are escaped)", l.Total, err)
		}
		if _, err := db.ListUsers(ctx, store.UserFilter{}, model.PageRequest{After: "garbage"}); err == nil {
			t.Fatalf("a malformed cursor must be refused")
		}
	})
}

func names(us []model.User) []string {
	out := make([]string, len(us))
	for i, u := range us {
		out[i] = u.Username
	}
	return out
}
