package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"tongxin/internal/model"
	"tongxin/internal/service"
	"tongxin/internal/store"
)

// /api/v1/needs: the needs list as JSON, over the same service as the pages.

// needJSON is the API's view of a need; coverage and remaining derive from
// the accepted claims.
type needJSON struct {
	ID                int64      `json:"id"`
	AllianceID        int64      `json:"alliance_id"`
	AllianceName      string     `json:"alliance_name"`
	DistrictID        int64      `json:"district_id"`
	SubmitterUnitID   int64      `json:"submitter_unit_id"`
	SubmitterUnitName string     `json:"submitter_unit_name"`
	Title             string     `json:"title"`
	Description       string     `json:"description"`
	Category          string     `json:"category"`
	ResourceKind      string     `json:"resource_kind"`
	StreetID          *int64     `json:"street_id"`
	StreetName        string     `json:"street_name"`
	GridID            *int64     `json:"grid_id"`
	GridName          string     `json:"grid_name"`
	Quantity          int64      `json:"quantity"`
	Measure           string     `json:"measure"`
	AcceptedQuantity  int64      `json:"accepted_quantity"`
	Remaining         int64      `json:"remaining"`
	Coverage          string     `json:"coverage"`
	Beneficiaries     int        `json:"beneficiaries"`
	WantedBy          *string    `json:"wanted_by"`
	Visibility        string     `json:"visibility"`
	Status            string     `json:"status"`
	CloseReason       string     `json:"close_reason"`
	PublishedAt       *time.Time `json:"published_at"`
	Version           int        `json:"version"`
	CreatedAt         time.Time  `json:"created_at"`
	UpdatedAt         time.Time  `json:"updated_at"`
}

func nrTimePtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func toNeedJSON(n *store.NeedRow) needJSON {
	return needJSON{ID: n.ID, AllianceID: n.AllianceID, AllianceName: n.AllianceName, DistrictID: n.DistrictID,
		SubmitterUnitID: n.SubmitterUnitID, SubmitterUnitName: n.SubmitterUnitName, Title: n.Title, Description: n.Description,
		Category: n.Category, ResourceKind: n.ResourceKind, StreetID: n.StreetID, StreetName: n.StreetName, GridID: n.GridID,
		GridName: n.GridName, Quantity: n.Quantity, Measure: n.Measure, AcceptedQuantity: n.AcceptedQuantity,
		Remaining: n.Need.Remaining(), Coverage: n.Need.Coverage(), Beneficiaries: n.Beneficiaries, WantedBy: allianceDayPtr(n.WantedBy),
		Visibility: n.Visibility, Status: n.Status, CloseReason: n.CloseReason, PublishedAt: nrTimePtr(n.PublishedAt),
		Version: n.Version, CreatedAt: n.CreatedAt.UTC(), UpdatedAt: n.UpdatedAt.UTC()}
}

func (s *Server) apiNeedsList(c echo.Context) error {
	req, err := pageRequest(c, store.NeedSortKeys())
	if err != nil {
		return err
	}
	q, err := readNeedQuery(c)
	if err != nil {
		return err
	}
	l, err := s.needService().List(c.Request().Context(), actor(c), q.f, req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIList(l, toNeedJSON))
}

func (s *Server) apiNeedGet(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	n, err := s.needService().Get(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toNeedJSON(n))
}

// needBody is the body of POST /needs.
type needBody struct {
	AllianceID      int64   `json:"alliance_id"`
	SubmitterUnitID int64   `json:"submitter_unit_id"`
	Title           string  `json:"title"`
	Description     string  `json:"description"`
	Category        string  `json:"category"`
	ResourceKind    string  `json:"resource_kind"`
	StreetID        *int64  `json:"street_id"`
	GridID          *int64  `json:"grid_id"`
	Quantity        int64   `json:"quantity"`
	Measure         string  `json:"measure"`
	Beneficiaries   int64   `json:"beneficiaries"`
	WantedBy        *string `json:"wanted_by"`
	Visibility      string  `json:"visibility"`
}

func (s *Server) apiNeedCreate(c echo.Context) error {
	var b needBody
	if err := bindJSON(c, &b); err != nil {
		return err
	}
	ve := &model.ValidationError{}
	in := service.NeedInput{AllianceID: b.AllianceID, SubmitterUnitID: b.SubmitterUnitID, Title: b.Title, Description: b.Description,
		Category: b.Category, ResourceKind: b.ResourceKind, StreetID: b.StreetID, GridID: b.GridID, Quantity: b.Quantity,
		Measure: b.Measure, Beneficiaries: b.Beneficiaries, Visibility: b.Visibility}
	if b.WantedBy != nil {
		in.WantedBy = allianceParseDay(ve, "wanted_by", *b.WantedBy)
	}
	if err := ve.Err(); err != nil {
		return err
	}
	ctx, svc := c.Request().Context(), s.needService()
	n, err := svc.Create(ctx, actor(c), in)
	if err != nil {
		return err
	}
	row, err := svc.Get(ctx, actor(c), n.ID)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/needs/"+strconv.FormatInt(n.ID, 10))
	return c.JSON(http.StatusCreated, toNeedJSON(row))
}

// needPatch is the body of PATCH /needs/{id}: the fields it carries change,
// the others stay; version is required.
type needPatch struct {
	Title         allianceOpt[string] `json:"title"`
	Description   allianceOpt[string] `json:"description"`
	Category      allianceOpt[string] `json:"category"`
	ResourceKind  allianceOpt[string] `json:"resource_kind"`
	StreetID      allianceOpt[int64]  `json:"street_id"`
	GridID        allianceOpt[int64]  `json:"grid_id"`
	Quantity      allianceOpt[int64]  `json:"quantity"`
	Measure       allianceOpt[string] `json:"measure"`
	Beneficiaries allianceOpt[int64]  `json:"beneficiaries"`
	WantedBy      allianceOpt[string] `json:"wanted_by"`
	Visibility    allianceOpt[string] `json:"visibility"`
	Version       int                 `json:"version"`
}

// nrSetString applies an optional string field of a PATCH body.
func nrSetString(p allianceOpt[string], dst *string) {
	if p.Set {
		*dst = ""
		if p.Value != nil {
			*dst = *p.Value
		}
	}
}

// nrSetInt applies an optional number field of a PATCH body (null is 0).
func nrSetInt(p allianceOpt[int64], dst *int64) {
	if p.Set {
		*dst = 0
		if p.Value != nil {
			*dst = *p.Value
		}
	}
}

// nrSetDay applies an optional date field of a PATCH body (null clears it).
func nrSetDay(ve *model.ValidationError, field string, p allianceOpt[string], dst **time.Time) {
	if p.Set {
		*dst = nil
		if p.Value != nil {
			*dst = allianceParseDay(ve, field, *p.Value)
		}
	}
}

func (s *Server) apiNeedUpdate(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var b needPatch
	if err := bindJSON(c, &b); err != nil {
		return err
	}
	ctx, svc := c.Request().Context(), s.needService()
	cur, err := svc.Get(ctx, actor(c), id)
	if err != nil {
		return err
	}
	if !svc.Perms(actor(c), &cur.Need).Owner { // a reader who may not edit learns nothing more
		return model.ErrForbidden
	}
	ve := &model.ValidationError{}
	if b.Version == 0 {
		ve.Add("version", model.MsgVersionMissing)
	}
	in := service.NeedInput{Title: cur.Title, Description: cur.Description, Category: cur.Category, ResourceKind: cur.ResourceKind,
		StreetID: cur.StreetID, GridID: cur.GridID, Quantity: cur.Quantity, Measure: cur.Measure, Beneficiaries: int64(cur.Beneficiaries),
		WantedBy: cur.WantedBy, Visibility: cur.Visibility, Version: b.Version}
	nrSetString(b.Title, &in.Title)
	nrSetString(b.Description, &in.Description)
	nrSetString(b.Category, &in.Category)
	nrSetString(b.ResourceKind, &in.ResourceKind)
	nrSetString(b.Measure, &in.Measure)
	nrSetString(b.Visibility, &in.Visibility)
	nrSetInt(b.Quantity, &in.Quantity)
	nrSetInt(b.Beneficiaries, &in.Beneficiaries)
	if b.StreetID.Set {
		in.StreetID = b.StreetID.Value
	}
	if b.GridID.Set {
		in.GridID = b.GridID.Value
	}
	nrSetDay(ve, "wanted_by", b.WantedBy, &in.WantedBy)
	if err := ve.Err(); err != nil {
		return err
	}
	if _, err := svc.Update(ctx, actor(c), id, in); err != nil {
		return err
	}
	row, err := svc.Get(ctx, actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toNeedJSON(row))
}

// nrActionBody is the body of a state action: the version read, and the
// reason where the action asks for one.
type nrActionBody struct {
	Version int    `json:"version"`
	Reason  string `json:"reason"`
}

func (s *Server) apiNeedAction(action string) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := pathID(c, "id")
		if err != nil {
			return err
		}
		var b nrActionBody
		if err := allianceBindOptional(c, &b); err != nil {
			return err
		}
		ctx, svc := c.Request().Context(), s.needService()
		switch action {
		case model.ListActionPublish:
			_, err = svc.Publish(ctx, actor(c), id, b.Version)
		default:
			_, err = svc.Close(ctx, actor(c), id, b.Version, b.Reason)
		}
		if err != nil {
			return err
		}
		row, err := svc.Get(ctx, actor(c), id)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, toNeedJSON(row))
	}
}

func init() {
	filters := withList(map[string]string{
		"q":           "search: every word in the title or description (Chinese: 3+ characters use the trigram index, shorter ones a scan)",
		"status":      "draft | published | partly_claimed | claimed | in_project | fulfilled | closed | expired",
		"category":    "need_category code (GET /api/v1/dictionary/need_category)",
		"coverage":    "none | partial | complete",
		"visibility":  "alliance | district | city",
		"street_id":   "street id",
		"unit_id":     "submitter unit id",
		"alliance_id": "alliance id",
		"district_id": "district code, e.g. 310104",
		"wanted_from": "wanted_by on or after (YYYY-MM-DD)",
		"wanted_to":   "wanted_by on or before (YYYY-MM-DD)",
		"mine":        "1: only the needs you own (your unit's, your alliance's)",
		"sort":        "created_at (default, newest first) | title | wanted_by",
	})
	apiDocs["GET /api/v1/needs"] = apiDoc{Tag: "needs", Summary: "List the needs you may see: drafts of your own, published ones as their visibility (alliance, district, city) reaches you", Response: "list:Need", Query: filters}
	apiDocs["POST /api/v1/needs"] = apiDoc{Tag: "needs", Summary: "Create a draft need of a member unit in its alliance (the unit's contact or the alliance secretary); answers 201", Body: "NeedInput", Response: "Need"}
	apiDocs["GET /api/v1/needs/:id"] = apiDoc{Tag: "needs", Summary: "One need (404 when you may not see it)", Response: "Need"}
	apiDocs["PATCH /api/v1/needs/:id"] = apiDoc{Tag: "needs", Summary: "Change a need in draft or published: the fields sent change; carry version (stale: 409); another status: 422", Body: "NeedPatch", Response: "Need"}
	apiDocs["POST /api/v1/needs/:id/publish"] = apiDoc{Tag: "needs", Summary: "Publish a draft (body {\"version\": n}); another status answers 422 naming it", Body: "VersionInput", Response: "Need"}
	apiDocs["POST /api/v1/needs/:id/close"] = apiDoc{Tag: "needs", Summary: "Close an open need (body {\"version\": n, \"reason\": \"…\"}, reason required)", Body: "ListReasonInput", Response: "Need"}

	day := schema{"type": "string", "format": "date", "example": "2026-06-30"}
	nullDay := schema{"type": "string", "format": "date", "nullable": true}
	nullInt := schema{"type": "integer", "format": "int64", "nullable": true}
	vis := schema{"type": "string", "enum": model.Visibilities}
	apiSchemas["Need"] = obj(nil, map[string]schema{"id": integer, "alliance_id": integer, "alliance_name": str, "district_id": integer,
		"submitter_unit_id": integer, "submitter_unit_name": str, "title": str, "description": str, "category": str, "resource_kind": str,
		"street_id": nullInt, "street_name": str, "grid_id": nullInt, "grid_name": str, "quantity": integer, "measure": str,
		"accepted_quantity": integer, "remaining": integer,
		"coverage":      {"type": "string", "enum": []string{model.CoverageNone, model.CoveragePartial, model.CoverageComplete}},
		"beneficiaries": integer, "wanted_by": nullDay, "visibility": vis,
		"status":       {"type": "string", "enum": model.NeedStatuses},
		"close_reason": str, "published_at": {"type": "string", "format": "date-time", "nullable": true}, "version": integer,
		"created_at": dateTime, "updated_at": dateTime})
	apiSchemas["NeedInput"] = obj([]string{"alliance_id", "submitter_unit_id", "title", "category", "quantity", "measure"}, map[string]schema{
		"alliance_id": integer, "submitter_unit_id": integer, "title": str, "description": str, "category": str, "resource_kind": str,
		"street_id": nullInt, "grid_id": nullInt, "quantity": integer, "measure": str, "beneficiaries": integer, "wanted_by": day,
		"visibility": vis})
	apiSchemas["NeedPatch"] = obj([]string{"version"}, map[string]schema{"title": str, "description": str, "category": str,
		"resource_kind": str, "street_id": nullInt, "grid_id": nullInt, "quantity": integer, "measure": str, "beneficiaries": integer,
		"wanted_by": nullDay, "visibility": vis, "version": integer})
	apiSchemas["ListReasonInput"] = obj([]string{"version", "reason"}, map[string]schema{"version": integer, "reason": str})
	if _, ok := apiSchemas["VersionInput"]; !ok {
		apiSchemas["VersionInput"] = obj([]string{"version"}, map[string]schema{"version": integer})
	}
}
