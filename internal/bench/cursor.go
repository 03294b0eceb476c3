package bench

import (
	"encoding/json"
	"errors"
	"fmt"
)

// ListPage is the part of an API list answer ({items, next, total,
// total_capped}) the cursor walk reads.
type ListPage struct {
	Items []json.RawMessage `json:"items"`
	Next  string            `json:"next"`
	Total int64             `json:"total"`
}

// ParseListPage reads an API list answer.
func ParseListPage(body []byte) (ListPage, error) {
	var p ListPage
	if err := json.Unmarshal(body, &p); err != nil {
		return p, fmt.Errorf("bench: read list page: %w", err)
	}
	return p, nil
}

// IDs returns the ids of the items of a list page.
func (p ListPage) IDs() []int64 {
	var ids []int64
	for _, raw := range p.Items {
		var it struct {
			ID int64 `json:"id"`
		}
		if json.Unmarshal(raw, &it) == nil && it.ID != 0 {
			ids = append(ids, it.ID)
		}
	}
	return ids
}

// Walk is where a cursor walk stopped.
type Walk struct {
	// Cursor opens the deepest page reached (the "after" of its URL);
	// "" when the list has a single page.
	Cursor string `json:"cursor"`
	// Pages is the number of the page Cursor opens (1 is the first page).
	Pages int `json:"page"`
	// Skipped is the number of rows before that page.
	Skipped int `json:"rows_before"`
}

// errNoRows is a walk over an empty list.
var errNoRows = errors.New("bench: the list is empty")

// WalkCursor follows the next cursors of a list from the first page, at
// most maxPages pages deep, fetching each page with fetch(after) ("" for the
// first), and returns the cursor of the deepest page that has rows. A list
// that ends earlier stops at its last page.
func WalkCursor(fetch func(after string) (ListPage, error), maxPages int) (Walk, error) {
	var w Walk
	after, seen := "", 0
	for page := 1; page <= maxPages; page++ {
		p, err := fetch(after)
		if err != nil {
			return w, err
		}
		if len(p.Items) == 0 {
			if page == 1 {
				return w, errNoRows
			}
			break
		}
		w.Cursor, w.Pages, w.Skipped = after, page, seen
		seen += len(p.Items)
		if p.Next == "" {
			break
		}
		after = p.Next
	}
	return w, nil
}
