package web

import (
	"net/url"
	"slices"
	"strconv"

	"github.com/labstack/echo/v4"

	"tongxin/internal/model"
)

// pageSizes are the sizes a list page offers (UI.md).
var pageSizes = []int{20, 50, 100}

// pageRequest reads limit, after, before, sort and dir from the query.
// Pages fall back quietly on a value they do not know; the API answers 400.
func pageRequest(c echo.Context, sortKeys []string) (model.PageRequest, error) {
	q := c.QueryParams()
	req := model.PageRequest{After: q.Get("after"), Before: q.Get("before"), Sort: q.Get("sort"), Desc: q.Get("dir") == "desc"}
	ve := &model.ValidationError{}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		switch {
		case IsAPI(c) && (err != nil || n < 1 || n > model.MaxPageSize):
			ve.Add("limit", "list.bad_limit")
		case !IsAPI(c) && !slices.Contains(pageSizes, n):
			n = model.DefaultPageSize
		}
		req.Limit = n
	}
	if req.Sort != "" && !slices.Contains(sortKeys, req.Sort) {
		if IsAPI(c) {
			ve.Add("sort", "list.bad_sort")
		}
		req.Sort = ""
	}
	if d := q.Get("dir"); d != "" && d != "asc" && d != "desc" && IsAPI(c) {
		ve.Add("dir", "list.bad_dir")
	}
	if len(req.After) > 512 || len(req.Before) > 512 {
		ve.Add("after", "list.bad_cursor")
	}
	return req.Normalize(), ve.Err()
}

// ListView is what the list partials (toolbar, sortable headers, pager) need.
type ListView struct {
	Total       int64
	TotalCapped bool
	Size        int
	Sizes       []int
	PrevURL     string
	NextURL     string
	Sort        string
	Desc        bool
	// ExportURL is the current filter with format=… to be appended.
	ExportURL string
	path      string
	query     url.Values
}

// newListView builds the paging links from the current URL, keeping filters.
func newListView[T any](c echo.Context, req model.PageRequest, l model.List[T], exportPath string) *ListView {
	q := c.QueryParams()
	lv := &ListView{
		Total: l.Total, TotalCapped: l.TotalCapped, Size: req.Limit, Sizes: pageSizes,
		Sort: req.Sort, Desc: req.Desc, path: c.Request().URL.Path, query: q,
	}
	link := func(set map[string]string) string {
		v := url.Values{}
		for k, vs := range q {
			if k == "after" || k == "before" {
				continue
			}
			v[k] = vs
		}
		for k, val := range set {
			if val == "" {
				v.Del(k)
			} else {
				v.Set(k, val)
			}
		}
		if len(v) == 0 {
			return lv.path
		}
		return lv.path + "?" + v.Encode()
	}
	if l.Next != "" {
		lv.NextURL = link(map[string]string{"after": l.Next})
	}
	if l.Prev != "" {
		lv.PrevURL = link(map[string]string{"before": l.Prev})
	}
	if exportPath != "" {
		v := url.Values{}
		for k, vs := range q {
			if k != "after" && k != "before" && k != "limit" {
				v[k] = vs
			}
		}
		lv.ExportURL = exportPath + "?" + v.Encode()
		if len(v) > 0 {
			lv.ExportURL += "&"
		}
	}
	return lv
}

// SortURL is the link of a sortable header: ascending first, then descending.
func (lv *ListView) SortURL(key string) string {
	v := url.Values{}
	for k, vs := range lv.query {
		if k != "after" && k != "before" && k != "sort" && k != "dir" {
			v[k] = vs
		}
	}
	v.Set("sort", key)
	if lv.Sort == key && !lv.Desc {
		v.Set("dir", "desc")
	}
	return lv.path + "?" + v.Encode()
}

// SortState is the aria-sort value of a header.
func (lv *ListView) SortState(key string) string {
	if lv.Sort != key {
		return "none"
	}
	if lv.Desc {
		return "descending"
	}
	return "ascending"
}

// SizeURL links to the same list with another page size, from the start.
func (lv *ListView) SizeURL(n int) string {
	v := url.Values{}
	for k, vs := range lv.query {
		if k != "after" && k != "before" {
			v[k] = vs
		}
	}
	v.Set("limit", strconv.Itoa(n))
	return lv.path + "?" + v.Encode()
}

// apiList is the JSON shape of a list (API.md).
type apiList[T any] struct {
	Items       []T    `json:"items"`
	Next        string `json:"next"`
	Total       int64  `json:"total"`
	TotalCapped bool   `json:"total_capped"`
}

func toAPIList[M, T any](l model.List[M], conv func(*M) T) apiList[T] {
	out := apiList[T]{Items: make([]T, 0, len(l.Items)), Next: l.Next, Total: l.Total, TotalCapped: l.TotalCapped}
	for i := range l.Items {
		out.Items = append(out.Items, conv(&l.Items[i]))
	}
	return out
}
