package store

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"

	"tongxin/internal/model"
)

// sortColumn is a column a list may be sorted by. Lists always break ties by
// id, so that a keyset cursor (value, id) is unique.
// Sort columns must be NOT NULL: a NULL has no place in a keyset order.
type sortColumn[T any] struct {
	Key    string // what the URL says: sort=created_at
	Column string // qualified SQL column
	Kind   string // "int", "text" or "time": how the cursor value is decoded
	Value  func(*T) any
}

// sortSpec lists the columns a list allows and its default.
type sortSpec[T any] struct {
	Columns     []sortColumn[T]
	Default     string
	DefaultDesc bool
	IDColumn    string // qualified id column, e.g. "users.id"
	ID          func(*T) int64
}

func (s sortSpec[T]) pick(req model.PageRequest) (sortColumn[T], bool) {
	key, desc := req.Sort, req.Desc
	if key == "" {
		key, desc = s.Default, s.DefaultDesc
	}
	for _, c := range s.Columns {
		if c.Key == key {
			return c, desc
		}
	}
	for _, c := range s.Columns {
		if c.Key == s.Default {
			return c, s.DefaultDesc
		}
	}
	return s.Columns[0], desc
}

// cursor is (sort key, sort value, id), base64url-encoded JSON.
type cursor struct {
	Key string `json:"k"`
	Val any    `json:"v"`
	ID  int64  `json:"i"`
}

func encodeCursor(key string, val any, id int64) string {
	if t, ok := val.(time.Time); ok {
		val = t.UTC().Format(time.RFC3339Nano)
	}
	b, _ := json.Marshal(cursor{Key: key, Val: val, ID: id})
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor checks the cursor belongs to the list's sort key and turns
// its value into the column's type. A malformed cursor is a 400.
func decodeCursor[T any](s string, col sortColumn[T]) (any, int64, error) {
	bad := (&model.ValidationError{}).Add("after", "list.bad_cursor")
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) > 512 {
		return nil, 0, bad
	}
	var c cursor
	if err := json.Unmarshal(b, &c); err != nil || c.Key != col.Key || c.ID <= 0 {
		return nil, 0, bad
	}
	switch col.Kind {
	case "int":
		f, ok := c.Val.(float64)
		if !ok {
			return nil, 0, bad
		}
		return int64(f), c.ID, nil
	case "time":
		str, ok := c.Val.(string)
		if !ok {
			return nil, 0, bad
		}
		t, err := time.Parse(time.RFC3339Nano, str)
		if err != nil {
			return nil, 0, bad
		}
		return t.UTC(), c.ID, nil
	default:
		str, ok := c.Val.(string)
		if !ok {
			return nil, 0, bad
		}
		return str, c.ID, nil
	}
}

// page runs a keyset-paged query. q holds the FROM, joins and filters; key
// extracts (sort value, id) from a row. It reads limit+1 rows to know
// whether another page follows, and counts matches up to model.CountCap
// without reading more than that.
func page[T any](q *gorm.DB, spec sortSpec[T], req model.PageRequest) (model.List[T], error) {
	req = req.Normalize()
	col, desc := spec.pick(req)
	var out model.List[T]

	// Count first, on the filtered query without order or cursor.
	var total int64
	sub := q.Session(&gorm.Session{}).Select("1").Limit(model.CountCap + 1)
	if err := q.Session(&gorm.Session{NewDB: true}).Table("(?) AS capped", sub).Count(&total).Error; err != nil {
		return out, err
	}
	out.Total, out.TotalCapped = total, total > model.CountCap
	if out.TotalCapped {
		out.Total = model.CountCap
	}

	backward := req.Before != "" && req.After == ""
	cur := req.After
	if backward {
		cur = req.Before
	}
	if backward {
		desc = !desc // read the page before the cursor in reverse, then flip
	}
	rows := q.Session(&gorm.Session{})
	if cur != "" {
		val, id, err := decodeCursor(cur, col)
		if err != nil {
			return out, err
		}
		op := ">"
		if desc {
			op = "<"
		}
		rows = rows.Where(fmt.Sprintf("(%s, %s) %s (?, ?)", col.Column, spec.IDColumn, op), val, id)
	}
	dir := "ASC"
	if desc {
		dir = "DESC"
	}
	rows = rows.Order(fmt.Sprintf("%s %s, %s %s", col.Column, dir, spec.IDColumn, dir)).Limit(req.Limit + 1)
	var items []T
	if err := rows.Find(&items).Error; err != nil {
		return out, err
	}
	more := len(items) > req.Limit
	if more {
		items = items[:req.Limit]
	}
	if backward {
		for i, j := 0, len(items)-1; i < j; i, j = i+1, j-1 {
			items[i], items[j] = items[j], items[i]
		}
	}
	out.Items = items
	if len(items) == 0 {
		return out, nil
	}
	firstVal, firstID := col.Value(&items[0]), spec.ID(&items[0])
	lastVal, lastID := col.Value(&items[len(items)-1]), spec.ID(&items[len(items)-1])
	if backward {
		if more {
			out.Prev = encodeCursor(col.Key, firstVal, firstID)
		}
		out.Next = encodeCursor(col.Key, lastVal, lastID)
	} else {
		if more {
			out.Next = encodeCursor(col.Key, lastVal, lastID)
		}
		if cur != "" {
			out.Prev = encodeCursor(col.Key, firstVal, firstID)
		}
	}
	return out, nil
}

// likePattern escapes % and _ for a LIKE search of s anywhere.
func likePattern(s string) string {
	r := make([]rune, 0, len(s)+2)
	r = append(r, '%')
	for _, ch := range s {
		if ch == '%' || ch == '_' || ch == '\\' {
			r = append(r, '\\')
		}
		r = append(r, ch)
	}
	return string(append(r, '%'))
}

func sortKeys[T any](s sortSpec[T]) []string {
	keys := make([]string, len(s.Columns))
	for i, c := range s.Columns {
		keys[i] = c.Key
	}
	return keys
}
