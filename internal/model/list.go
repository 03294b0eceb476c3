package model

// Paging limits.
const (
	DefaultPageSize = 20
	MaxPageSize     = 200
	// CountCap is how far a list counts: past it the total reads "10,000+".
	CountCap = 10000
)

// PageRequest asks for one page of a keyset-paged list. After and Before are
// opaque cursors from an earlier page; at most one is set.
type PageRequest struct {
	Limit  int
	After  string
	Before string
	// Sort is a column key the list allows; empty means its default.
	Sort string
	Desc bool
}

// Normalize clamps the limit.
func (p PageRequest) Normalize() PageRequest {
	if p.Limit <= 0 {
		p.Limit = DefaultPageSize
	}
	if p.Limit > MaxPageSize {
		p.Limit = MaxPageSize
	}
	return p
}

// List is one page of results.
type List[T any] struct {
	Items []T
	// Next and Prev are cursors for the following and preceding pages; empty
	// when there is none.
	Next, Prev string
	// Total counts the matching rows up to CountCap; TotalCapped says the
	// real number is larger.
	Total       int64
	TotalCapped bool
}
