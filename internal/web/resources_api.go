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

// /api/v1/resources: the resources list as JSON.

// resourceJSON is the API's view of a resource; remaining derives from the
// accepted claims.
type resourceJSON struct {
	ID               int64      `json:"id"`
	AllianceID       int64      `json:"alliance_id"`
	AllianceName     string     `json:"alliance_name"`
	DistrictID       int64      `json:"district_id"`
	ProviderUnitID   int64      `json:"provider_unit_id"`
	ProviderUnitName string     `json:"provider_unit_name"`
	Title            string     `json:"title"`
	Description      string     `json:"description"`
	Kind             string     `json:"kind"`
	Category         string     `json:"category"`
	ServiceSiteID    *int64     `json:"service_site_id"`
	ServiceSiteName  string     `json:"service_site_name"`
	StreetID         *int64     `json:"street_id"`
	StreetName       string     `json:"street_name"`
	Capacity         int64      `json:"capacity"`
	Measure          string     `json:"measure"`
	AcceptedQuantity int64      `json:"accepted_quantity"`
	Remaining        int64      `json:"remaining"`
	AvailableFrom    *string    `json:"available_from"`
	AvailableUntil   *string    `json:"available_until"`
	Visibility       string     `json:"visibility"`
	Status           string     `json:"status"`
	WithdrawReason   string     `json:"withdraw_reason"`
	PublishedAt      *time.Time `json:"published_at"`
	Version          int        `json:"version"`
	CreatedAt        time.Time  `json:"created_at"`
	UpdatedAt        time.Time  `json:"updated_at"`
}

func toResourceJSON(r *store.ResourceRow) resourceJSON {
	return resourceJSON{ID: r.ID, AllianceID: r.AllianceID, AllianceName: r.AllianceName, DistrictID: r.DistrictID,
		ProviderUnitID: r.ProviderUnitID, ProviderUnitName: r.ProviderUnitName, Title: r.Title, Description: r.Description,
		Kind: r.Kind, Category: r.Category, ServiceSiteID: r.ServiceSiteID, ServiceSiteName: r.ServiceSiteName, StreetID: r.StreetID,
		StreetName: r.StreetName, Capacity: r.Capacity, Measure: r.Measure, AcceptedQuantity: r.AcceptedQuantity,
		Remaining: r.Resource.Remaining(), AvailableFrom: allianceDayPtr(r.AvailableFrom), AvailableUntil: allianceDayPtr(r.AvailableUntil),
		Visibility: r.Visibility, Status: r.Status, WithdrawReason: r.WithdrawReason, PublishedAt: nrTimePtr(r.PublishedAt),
		Version: r.Version, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

func (s *Server) apiResourcesList(c echo.Context) error {
	req, err := pageRequest(c, store.ResourceSortKeys())
	if err != nil {
		return err
	}
	q, err := readResourceQuery(c)
	if err != nil {
		return err
	}
	l, err := s.resourceService().List(c.Request().Context(), actor(c), q.f, req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIList(l, toResourceJSON))
}

func (s *Server) apiResourceGet(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	r, err := s.resourceService().Get(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toResourceJSON(r))
}

// resourceBody is the body of POST /resources.
type resourceBody struct {
	AllianceID     int64   `json:"alliance_id"`
	ProviderUnitID int64   `json:"provider_unit_id"`
	Title          string  `json:"title"`
	Description    string  `json:"description"`
	Kind           string  `json:"kind"`
	Category       string  `json:"category"`
	ServiceSiteID  *int64  `json:"service_site_id"`
	StreetID       *int64  `json:"street_id"`
	Capacity       int64   `json:"capacity"`
	Measure        string  `json:"measure"`
	AvailableFrom  *string `json:"available_from"`
	AvailableUntil *string `json:"available_until"`
	Visibility     string  `json:"visibility"`
}

func (s *Server) apiResourceCreate(c echo.Context) error {
	var b resourceBody
	if err := bindJSON(c, &b); err != nil {
		return err
	}
	ve := &model.ValidationError{}
	in := service.ResourceInput{AllianceID: b.AllianceID, ProviderUnitID: b.ProviderUnitID, Title: b.Title, Description: b.Description,
		Kind: b.Kind, Category: b.Category, ServiceSiteID: b.ServiceSiteID, StreetID: b.StreetID, Capacity: b.Capacity,
		Measure: b.Measure, Visibility: b.Visibility}
	if b.AvailableFrom != nil {
		in.AvailableFrom = allianceParseDay(ve, "available_from", *b.AvailableFrom)
	}
	if b.AvailableUntil != nil {
		in.AvailableUntil = allianceParseDay(ve, "available_until", *b.AvailableUntil)
	}
	if err := ve.Err(); err != nil {
		return err
	}
	ctx, svc := c.Request().Context(), s.resourceService()
	r, err := svc.Create(ctx, actor(c), in)
	if err != nil {
		return err
	}
	row, err := svc.Get(ctx, actor(c), r.ID)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/resources/"+strconv.FormatInt(r.ID, 10))
	return c.JSON(http.StatusCreated, toResourceJSON(row))
}

// resourcePatch is the body of PATCH /resources/{id}.
type resourcePatch struct {
	Title          allianceOpt[string] `json:"title"`
	Description    allianceOpt[string] `json:"description"`
	Kind           allianceOpt[string] `json:"kind"`
	Category       allianceOpt[string] `json:"category"`
	ServiceSiteID  allianceOpt[int64]  `json:"service_site_id"`
	StreetID       allianceOpt[int64]  `json:"street_id"`
	Capacity       allianceOpt[int64]  `json:"capacity"`
	Measure        allianceOpt[string] `json:"measure"`
	AvailableFrom  allianceOpt[string] `json:"available_from"`
	AvailableUntil allianceOpt[string] `json:"available_until"`
	Visibility     allianceOpt[string] `json:"visibility"`
	Version        int                 `json:"version"`
}

func (s *Server) apiResourceUpdate(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var b resourcePatch
	if err := bindJSON(c, &b); err != nil {
		return err
	}
	ctx, svc := c.Request().Context(), s.resourceService()
	cur, err := svc.Get(ctx, actor(c), id)
	if err != nil {
		return err
	}
	if !svc.Perms(actor(c), &cur.Resource).Owner { // a reader who may not edit learns nothing more
		return model.ErrForbidden
	}
	ve := &model.ValidationError{}
	if b.Version == 0 {
		ve.Add("version", model.MsgVersionMissing)
	}
	in := service.ResourceInput{Title: cur.Title, Description: cur.Description, Kind: cur.Kind, Category: cur.Category,
		ServiceSiteID: cur.ServiceSiteID, StreetID: cur.StreetID, Capacity: cur.Capacity, Measure: cur.Measure,
		AvailableFrom: cur.AvailableFrom, AvailableUntil: cur.AvailableUntil, Visibility: cur.Visibility, Version: b.Version}
	nrSetString(b.Title, &in.Title)
	nrSetString(b.Description, &in.Description)
	nrSetString(b.Kind, &in.Kind)
	nrSetString(b.Category, &in.Category)
	nrSetString(b.Measure, &in.Measure)
	nrSetString(b.Visibility, &in.Visibility)
	nrSetInt(b.Capacity, &in.Capacity)
	if b.ServiceSiteID.Set {
		in.ServiceSiteID = b.ServiceSiteID.Value
	}
	if b.StreetID.Set {
		in.StreetID = b.StreetID.Value
	}
	nrSetDay(ve, "available_from", b.AvailableFrom, &in.AvailableFrom)
	nrSetDay(ve, "available_until", b.AvailableUntil, &in.AvailableUntil)
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
	return c.JSON(http.StatusOK, toResourceJSON(row))
}

func (s *Server) apiResourceAction(action string) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := pathID(c, "id")
		if err != nil {
			return err
		}
		var b nrActionBody
		if err := allianceBindOptional(c, &b); err != nil {
			return err
		}
		ctx, svc := c.Request().Context(), s.resourceService()
		switch action {
		case model.ListActionPublish:
			_, err = svc.Publish(ctx, actor(c), id, b.Version)
		default:
			_, err = svc.Withdraw(ctx, actor(c), id, b.Version, b.Reason)
		}
		if err != nil {
			return err
		}
		row, err := svc.Get(ctx, actor(c), id)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, toResourceJSON(row))
	}
}

func init() {
	filters := withList(map[string]string{
		"q":              "search: every word in the title or description",
		"status":         "draft | available | exhausted | withdrawn | expired",
		"kind":           "resource_kind code (GET /api/v1/dictionary/resource_kind)",
		"category":       "need_category code the resource serves",
		"visibility":     "alliance | district | city",
		"street_id":      "street id",
		"unit_id":        "provider unit id",
		"alliance_id":    "alliance id",
		"district_id":    "district code, e.g. 310104",
		"available_from": "available on some day from this one (YYYY-MM-DD)",
		"available_to":   "available on some day up to this one (YYYY-MM-DD)",
		"has_remaining":  "1: only resources with capacity left",
		"mine":           "1: only the resources you own",
		"sort":           "created_at (default, newest first) | title | available_until",
	})
	apiDocs["GET /api/v1/resources"] = apiDoc{Tag: "resources", Summary: "List the resources you may see: drafts of your own, published ones as their visibility reaches you", Response: "list:Resource", Query: filters}
	apiDocs["POST /api/v1/resources"] = apiDoc{Tag: "resources", Summary: "Create a draft resource of a member unit in its alliance; a venue names a service site of the district; answers 201", Body: "ResourceInput", Response: "Resource"}
	apiDocs["GET /api/v1/resources/:id"] = apiDoc{Tag: "resources", Summary: "One resource (404 when you may not see it)", Response: "Resource"}
	apiDocs["PATCH /api/v1/resources/:id"] = apiDoc{Tag: "resources", Summary: "Change a resource in draft or available: the fields sent change; carry version (stale: 409); another status: 422", Body: "ResourcePatch", Response: "Resource"}
	apiDocs["POST /api/v1/resources/:id/publish"] = apiDoc{Tag: "resources", Summary: "Publish a draft: it becomes available (body {\"version\": n})", Body: "VersionInput", Response: "Resource"}
	apiDocs["POST /api/v1/resources/:id/withdraw"] = apiDoc{Tag: "resources", Summary: "Withdraw an available or exhausted resource (body {\"version\": n, \"reason\": \"…\"}, reason required)", Body: "ListReasonInput", Response: "Resource"}

	day := schema{"type": "string", "format": "date", "example": "2026-12-31"}
	nullDay := schema{"type": "string", "format": "date", "nullable": true}
	nullInt := schema{"type": "integer", "format": "int64", "nullable": true}
	vis := schema{"type": "string", "enum": model.Visibilities}
	apiSchemas["Resource"] = obj(nil, map[string]schema{"id": integer, "alliance_id": integer, "alliance_name": str, "district_id": integer,
		"provider_unit_id": integer, "provider_unit_name": str, "title": str, "description": str, "kind": str, "category": str,
		"service_site_id": nullInt, "service_site_name": str, "street_id": nullInt, "street_name": str, "capacity": integer,
		"measure": str, "accepted_quantity": integer, "remaining": integer, "available_from": nullDay, "available_until": nullDay,
		"visibility": vis, "status": {"type": "string", "enum": model.ResourceStatuses}, "withdraw_reason": str,
		"published_at": {"type": "string", "format": "date-time", "nullable": true}, "version": integer,
		"created_at": dateTime, "updated_at": dateTime})
	apiSchemas["ResourceInput"] = obj([]string{"alliance_id", "provider_unit_id", "title", "kind", "capacity", "measure"}, map[string]schema{
		"alliance_id": integer, "provider_unit_id": integer, "title": str, "description": str, "kind": str, "category": str,
		"service_site_id": nullInt, "street_id": nullInt, "capacity": integer, "measure": str, "available_from": day,
		"available_until": day, "visibility": vis})
	apiSchemas["ResourcePatch"] = obj([]string{"version"}, map[string]schema{"title": str, "description": str, "kind": str,
		"category": str, "service_site_id": nullInt, "street_id": nullInt, "capacity": integer, "measure": str,
		"available_from": nullDay, "available_until": nullDay, "visibility": vis, "version": integer})
}
