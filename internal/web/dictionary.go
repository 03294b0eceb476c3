package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"tongxin/internal/model"
	"tongxin/internal/service"
)

// 数据字典: the system admin's page of dictionary codes, and the API that
// every form and client reads them through.

// dictionaries is the service behind these pages; it is cheap to build per
// request (its cache belongs to the database handle).
func (s *Server) dictionaries() *service.Dictionaries {
	return service.NewDictionaries(s.deps())
}

// dictionaryPage is the Data of dictionary/list.
type dictionaryPage struct {
	Kinds     []dictionaryKindTab
	Kind      string
	Items     []model.DictionaryItem
	CanManage bool
	// New is the add form as typed; Errors its field messages.
	New    service.DictionaryInput
	Errors map[string]string
}

type dictionaryKindTab struct {
	Kind   string
	Count  int
	Active bool
}

// dictionaryKindParam reads the :kind of a path; an unknown kind is not found.
func dictionaryKindParam(c echo.Context) (string, error) {
	kind := c.Param("kind")
	if !service.KnownDictionaryKind(kind) {
		return "", model.NotFound("dictionary", kind)
	}
	return kind, nil
}

func (s *Server) dictionaryPage(c echo.Context) error {
	kind := c.QueryParam("kind")
	if !service.KnownDictionaryKind(kind) {
		kind = model.DictionaryKinds[0]
	}
	return s.renderDictionary(c, http.StatusOK, kind, service.DictionaryInput{}, nil)
}

func (s *Server) renderDictionary(c echo.Context, status int, kind string, in service.DictionaryInput, ve *model.ValidationError) error {
	items, err := s.dictionaries().All(c.Request().Context(), actor(c))
	if err != nil {
		return err
	}
	loc := Locale(c)
	page := dictionaryPage{Kind: kind, New: in, CanManage: s.authz.CanAnywhere(CurrentUser(c).ID, "dictionary", "manage")}
	counts := map[string]int{}
	for _, it := range items {
		counts[it.Kind]++
		if it.Kind == kind {
			page.Items = append(page.Items, it)
		}
	}
	for _, k := range model.DictionaryKinds {
		page.Kinds = append(page.Kinds, dictionaryKindTab{Kind: k, Count: counts[k], Active: k == kind})
	}
	if ve != nil {
		page.Errors = s.fieldMessages(loc, ve)
	}
	title := s.cat.T(loc, "menu.dictionary")
	v := s.view(c, title, Crumb{Label: s.cat.T(loc, "menu.group.reference")}, Crumb{Label: title})
	v.Data = page
	return s.page(c, status, "dictionary/list", v)
}

func dictionaryInputFromForm(c echo.Context) service.DictionaryInput {
	return service.DictionaryInput{Code: c.FormValue("code"), LabelZh: c.FormValue("label_zh"),
		LabelEn: c.FormValue("label_en"), Sort: c.FormValue("sort"), Version: formVersion(c)}
}

func dictionaryURL(kind string) string { return "/dictionary?kind=" + kind }

func (s *Server) dictionaryCreate(c echo.Context) error {
	kind, err := dictionaryKindParam(c)
	if err != nil {
		return err
	}
	in := dictionaryInputFromForm(c)
	it, err := s.dictionaries().Create(c.Request().Context(), actor(c), kind, in)
	var ve *model.ValidationError
	if errors.As(err, &ve) {
		return s.renderDictionary(c, http.StatusUnprocessableEntity, kind, in, ve)
	}
	if err != nil {
		return err
	}
	s.flash(c, "success", "dictionary.created", it.LabelZh)
	return c.Redirect(http.StatusSeeOther, dictionaryURL(kind))
}

// dictionaryForm is the Data of dictionary/form (edit an item).
type dictionaryForm struct {
	Item   *model.DictionaryItem
	Input  service.DictionaryInput
	Errors map[string]string
}

func (s *Server) dictionaryEdit(c echo.Context) error {
	kind, err := dictionaryKindParam(c)
	if err != nil {
		return err
	}
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	it, err := s.dictionaries().Get(c.Request().Context(), actor(c), kind, id)
	if err != nil {
		return err
	}
	in := service.DictionaryInput{Code: it.Code, LabelZh: it.LabelZh, LabelEn: it.LabelEn, Sort: strconv.Itoa(it.Sort), Version: it.Version}
	return s.renderDictionaryForm(c, http.StatusOK, it, in, nil)
}

func (s *Server) renderDictionaryForm(c echo.Context, status int, it *model.DictionaryItem, in service.DictionaryInput, ve *model.ValidationError) error {
	loc := Locale(c)
	title := s.cat.T(loc, "dictionary.edit_title")
	v := s.view(c, title, Crumb{Label: s.cat.T(loc, "menu.dictionary"), URL: dictionaryURL(it.Kind)},
		Crumb{Label: s.cat.T(loc, "dictionary.kind."+it.Kind), URL: dictionaryURL(it.Kind)}, Crumb{Label: title})
	f := dictionaryForm{Item: it, Input: in}
	if ve != nil {
		f.Errors = s.fieldMessages(loc, ve)
	}
	v.Data = f
	return s.page(c, status, "dictionary/form", v)
}

func (s *Server) dictionaryUpdate(c echo.Context) error {
	kind, err := dictionaryKindParam(c)
	if err != nil {
		return err
	}
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	in := dictionaryInputFromForm(c)
	_, err = s.dictionaries().Update(ctx, actor(c), kind, id, in)
	var ve *model.ValidationError
	if errors.Is(err, model.ErrConflict) {
		// Someone saved first: the form again with what this user typed, the
		// stored labels named, and the stored version (saving keeps theirs).
		it, gerr := s.dictionaries().Get(ctx, actor(c), kind, id)
		if gerr != nil {
			return gerr
		}
		in.Code, in.Version = it.Code, it.Version
		stale := (&model.ValidationError{}).AddArgs("version", "dictionary.stale", it.LabelZh, it.LabelEn, it.Sort)
		return s.renderDictionaryForm(c, http.StatusConflict, it, in, stale)
	}
	if errors.As(err, &ve) {
		it, gerr := s.dictionaries().Get(ctx, actor(c), kind, id)
		if gerr != nil {
			return gerr
		}
		in.Code = it.Code
		return s.renderDictionaryForm(c, http.StatusUnprocessableEntity, it, in, ve)
	}
	if err != nil {
		return err
	}
	s.flash(c, "success", "form.saved")
	return c.Redirect(http.StatusSeeOther, dictionaryURL(kind))
}

func (s *Server) dictionarySetActive(active bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		kind, err := dictionaryKindParam(c)
		if err != nil {
			return err
		}
		id, err := pathID(c, "id")
		if err != nil {
			return err
		}
		version := formVersion(c)
		it, err := s.dictionaries().SetActive(c.Request().Context(), actor(c), kind, id, version, active)
		if err != nil {
			return err
		}
		key := "dictionary.deactivated"
		if active {
			key = "dictionary.activated"
		}
		s.flash(c, "success", key, it.LabelZh)
		return c.Redirect(http.StatusSeeOther, dictionaryURL(kind))
	}
}

// ---- API ----

// dictionaryItemJSON is the API's view of a dictionary item.
type dictionaryItemJSON struct {
	ID        int64     `json:"id"`
	Kind      string    `json:"kind"`
	Code      string    `json:"code"`
	LabelZh   string    `json:"label_zh"`
	LabelEn   string    `json:"label_en"`
	Sort      int       `json:"sort"`
	Active    bool      `json:"active"`
	Version   int       `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func toDictionaryItemJSON(it *model.DictionaryItem) dictionaryItemJSON {
	return dictionaryItemJSON{ID: it.ID, Kind: it.Kind, Code: it.Code, LabelZh: it.LabelZh, LabelEn: it.LabelEn,
		Sort: it.Sort, Active: it.Active, Version: it.Version, CreatedAt: it.CreatedAt.UTC(), UpdatedAt: it.UpdatedAt.UTC()}
}

// apiDictionary is GET /api/v1/dictionary/:kind. Any logged-in user may read
// the dictionaries (authz.User() on the route, no check in the service):
// every form a user fills offers their codes, clients need the labels of
// the codes they read, and codes and labels are not secret.
func (s *Server) apiDictionary(c echo.Context) error {
	kind, err := dictionaryKindParam(c)
	if err != nil {
		return err
	}
	activeOnly := false
	switch c.QueryParam("active") {
	case "", "false":
	case "true":
		activeOnly = true
	default:
		return (&model.ValidationError{}).Add("active", "dictionary.bad_active")
	}
	items, err := s.dictionaries().Items(c.Request().Context(), kind, activeOnly)
	if err != nil {
		return err
	}
	l := model.List[model.DictionaryItem]{Items: items, Total: int64(len(items))}
	return c.JSON(http.StatusOK, toAPIList(l, toDictionaryItemJSON))
}

// dictionaryBody is the body of POST and PATCH /dictionary/{kind}[/{id}].
type dictionaryBody struct {
	Code    *string `json:"code"`
	LabelZh *string `json:"label_zh"`
	LabelEn *string `json:"label_en"`
	Sort    *int    `json:"sort"`
	Version int     `json:"version"` // required on PATCH
}

func (s *Server) apiDictionaryCreate(c echo.Context) error {
	kind, err := dictionaryKindParam(c)
	if err != nil {
		return err
	}
	var b dictionaryBody
	if err := bindJSON(c, &b); err != nil {
		return err
	}
	in := service.DictionaryInput{Code: optString(b.Code), LabelZh: optString(b.LabelZh), LabelEn: optString(b.LabelEn)}
	if b.Sort != nil {
		in.Sort = strconv.Itoa(*b.Sort)
	}
	it, err := s.dictionaries().Create(c.Request().Context(), actor(c), kind, in)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/dictionary/"+kind)
	return c.JSON(http.StatusCreated, toDictionaryItemJSON(it))
}

// apiDictionaryUpdate is PATCH /api/v1/dictionary/:kind/:id: the fields
// given change (labels, sort); the code never changes.
func (s *Server) apiDictionaryUpdate(c echo.Context) error {
	kind, err := dictionaryKindParam(c)
	if err != nil {
		return err
	}
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var b dictionaryBody
	if err := bindJSON(c, &b); err != nil {
		return err
	}
	ctx, a := c.Request().Context(), actor(c)
	cur, err := s.dictionaries().Get(ctx, a, kind, id)
	if err != nil {
		return err
	}
	if b.Code != nil && *b.Code != cur.Code {
		return (&model.ValidationError{}).Add("code", "dictionary.code_fixed")
	}
	in := service.DictionaryInput{LabelZh: cur.LabelZh, LabelEn: cur.LabelEn, Sort: strconv.Itoa(cur.Sort), Version: b.Version}
	if b.LabelZh != nil {
		in.LabelZh = *b.LabelZh
	}
	if b.LabelEn != nil {
		in.LabelEn = *b.LabelEn
	}
	if b.Sort != nil {
		in.Sort = strconv.Itoa(*b.Sort)
	}
	it, err := s.dictionaries().Update(ctx, a, kind, id, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toDictionaryItemJSON(it))
}

func (s *Server) apiDictionarySetActive(active bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		kind, err := dictionaryKindParam(c)
		if err != nil {
			return err
		}
		id, err := pathID(c, "id")
		if err != nil {
			return err
		}
		version, err := bodyVersion(c)
		if err != nil {
			return err
		}
		it, err := s.dictionaries().SetActive(c.Request().Context(), actor(c), kind, id, version, active)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, toDictionaryItemJSON(it))
	}
}

// optString is the string a JSON body gave, "" when it gave none.
func optString(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func init() {
	kinds := "one of " + strings.Join(model.DictionaryKinds, ", ")
	apiDocs["GET /api/v1/dictionary/:kind"] = apiDoc{Tag: "dictionary", Summary: "A dictionary's codes and labels in display order (" + kinds + "); any logged-in user",
		Response: "list:DictionaryItem", Query: map[string]string{"active": "true: only the codes new forms offer"}}
	apiDocs["POST /api/v1/dictionary/:kind"] = apiDoc{Tag: "dictionary", Summary: "Add a code (system admin)", Body: "DictionaryItemInput", Response: "DictionaryItem"}
	apiDocs["PATCH /api/v1/dictionary/:kind/:id"] = apiDoc{Tag: "dictionary", Summary: "Change labels or sort (the code never changes; carry version, a stale one answers 409)", Body: "DictionaryItemInput", Response: "DictionaryItem"}
	apiDocs["POST /api/v1/dictionary/:kind/:id/deactivate"] = apiDoc{Tag: "dictionary", Summary: "Deactivate a code: old rows keep it, new forms no longer offer it (never deleted); body {\"version\": n}, stale answers 409", Body: "VersionInput", Response: "DictionaryItem"}
	apiDocs["POST /api/v1/dictionary/:kind/:id/activate"] = apiDoc{Tag: "dictionary", Summary: "Reactivate a code (body {\"version\": n})", Body: "VersionInput", Response: "DictionaryItem"}
	apiSchemas["DictionaryItem"] = obj(nil, map[string]schema{"id": integer, "kind": str, "code": str, "label_zh": str, "label_en": str,
		"sort": integer, "active": boolean, "version": integer, "created_at": dateTime, "updated_at": dateTime})
	apiSchemas["DictionaryItemInput"] = obj(nil, map[string]schema{
		"code":     {"type": "string", "pattern": "^[a-z0-9_]{1,32}$", "description": "on create only"},
		"label_zh": str, "label_en": str, "sort": integer,
		"version": {"type": "integer", "description": "required on PATCH: the version read (stale answers 409)"}})
}
