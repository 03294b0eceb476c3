package store

import (
	"errors"
	"strings"
	"testing"
	"time"

	"tongxin/internal/model"
)

type fuzzRow struct{}

// FuzzDecodeCursor: any after= value decodes to a value of the column's
// type or to the 400 of a bad cursor, never a panic; what encodeCursor
// makes decodes back to itself.
func FuzzDecodeCursor(f *testing.F) {
	cols := []sortColumn[fuzzRow]{{Key: "id", Kind: "int"}, {Key: "created_at", Kind: "time"}, {Key: "title", Kind: "text"}}
	f.Add(encodeCursor("id", int64(42), 7), int64(7))
	f.Add(encodeCursor("created_at", time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC), 9), int64(9))
	f.Add(encodeCursor("title", "电梯", 3), int64(3))
	f.Add("eyJrIjoiaWQiLCJ2IjoxZTMwMCwiaSI6MX0", int64(1))
	f.Add("!!!", int64(1))
	f.Add("", int64(0))
	f.Fuzz(func(t *testing.T, s string, id int64) {
		for _, col := range cols {
			val, gotID, err := decodeCursor(s, col)
			if err != nil {
				var ve *model.ValidationError
				if !errors.As(err, &ve) || ve.Fields["after"] == "" {
					t.Fatalf("decodeCursor(%q): %v, want the bad-cursor validation error", s, err)
				}
				continue
			}
			if gotID <= 0 {
				t.Fatalf("decodeCursor(%q): id %d", s, gotID)
			}
			switch col.Kind {
			case "int":
				_, ok := val.(int64)
				if !ok {
					t.Fatalf("int cursor value %T", val)
				}
			case "time":
				if _, ok := val.(time.Time); !ok {
					t.Fatalf("time cursor value %T", val)
				}
			default:
				if _, ok := val.(string); !ok {
					t.Fatalf("text cursor value %T", val)
				}
			}
		}
		if id > 0 {
			text := strings.ToValidUTF8(s, "")
			c := encodeCursor("title", text, id)
			val, gotID, err := decodeCursor(c, cols[2])
			if len(c) <= 680 && (err != nil || gotID != id || val != text) {
				t.Fatalf("round trip of %q/%d: %v %d %v", text, id, val, gotID, err)
			}
		}
	})
}

// FuzzSearchTerms: any query splits into at most searchMaxTerms terms
// without white space, each quoted safely as an FTS5 phrase and escaped as
// a LIKE pattern.
func FuzzSearchTerms(f *testing.F) {
	for _, q := range []string{"电梯 加装", `"a" b`, "x\x00y", "%_\\", strings.Repeat("a ", 20), "NEAR(a b) OR c*"} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, q string) {
		terms := searchTerms(q)
		if len(terms) > searchMaxTerms {
			t.Fatalf("%d terms", len(terms))
		}
		for _, term := range terms {
			if term == "" || strings.ContainsFunc(term, func(r rune) bool { return r == ' ' || r == '\t' || r == '\n' }) {
				t.Fatalf("term %q", term)
			}
			p := ftsPhrase(term)
			inner := p[1 : len(p)-1]
			if !strings.HasPrefix(p, `"`) || !strings.HasSuffix(p, `"`) || strings.ReplaceAll(inner, `""`, "") != strings.ReplaceAll(term, `"`, "") {
				t.Fatalf("phrase %q of %q", p, term)
			}
			_ = likePattern(term)
		}
	})
}
