package store

import (
	"strings"
	"unicode/utf8"

	"gorm.io/gorm"
)

// Text search of the needs and resources lists (STACK.md trap 6, migration
// 00007). A query is split at white space into at most searchMaxTerms terms;
// a row matches when its title or description contains every term.
//
//   - Postgres: each term is an ILIKE on (title || ' ' || description), the
//     expression of the pg_trgm GIN index <table>_search_idx, which serves
//     terms of 3+ characters; shorter terms scan.
//   - SQLite: terms of 3+ characters go to the FTS5 trigram table
//     <table>_fts (one MATCH with a phrase per term); a trigram table finds
//     nothing for shorter terms, so those are a LIKE on the row.
const searchMaxTerms = 5

// searchTerms splits a query into its terms (at most searchMaxTerms).
func searchTerms(query string) []string {
	terms := strings.Fields(query)
	if len(terms) > searchMaxTerms {
		terms = terms[:searchMaxTerms]
	}
	return terms
}

// ftsPhrase quotes a term as an FTS5 phrase ("" inside doubles).
func ftsPhrase(term string) string {
	return `"` + strings.ReplaceAll(term, `"`, `""`) + `"`
}

// searchText filters q (over table, which has title and description columns
// and, on SQLite, a <table>_fts trigram table) to the rows that contain
// every term of query. An empty query does not filter.
func searchText(q *gorm.DB, dialect, table, query string) *gorm.DB {
	terms := searchTerms(query)
	if len(terms) == 0 {
		return q
	}
	if dialect == Postgres {
		for _, t := range terms {
			q = q.Where("("+table+".title || ' ' || "+table+".description) ILIKE ? ESCAPE '\\'", likePattern(t))
		}
		return q
	}
	var phrases []string
	for _, t := range terms {
		if utf8.RuneCountInString(t) >= 3 {
			phrases = append(phrases, ftsPhrase(t))
			continue
		}
		p := likePattern(t)
		q = q.Where("("+table+".title LIKE ? ESCAPE '\\' OR "+table+".description LIKE ? ESCAPE '\\')", p, p)
	}
	if len(phrases) > 0 {
		q = q.Where(table+".id IN (SELECT rowid FROM "+table+"_fts WHERE "+table+"_fts MATCH ?)", strings.Join(phrases, " "))
	}
	return q
}
