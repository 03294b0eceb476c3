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

// Claims under /api/v1: the list (with the views), one claim, create, and
// the actions accept, reject and withdraw, over the same service as the pages.

// claimJSON is the API's view of a claim.
type claimJSON struct {
	ID               int64      `json:"id"`
	Target           string     `json:"target"`
	NeedID           *int64     `json:"need_id"`
	ResourceID       *int64     `json:"resource_id"`
	TargetTitle      string     `json:"target_title"`
	TargetRemaining  int64      `json:"target_remaining"`
	Measure          string     `json:"measure"`
	AllianceID       int64      `json:"alliance_id"`
	AllianceName     string     `json:"alliance_name"`
	DistrictID       int64      `json:"district_id"`
	OwnerUnitID      int64      `json:"owner_unit_id"`
	OwnerUnitName    string     `json:"owner_unit_name"`
	ClaimantUnitID   int64      `json:"claimant_unit_id"`
	ClaimantUnitName string     `json:"claimant_unit_name"`
	Quantity         int64      `json:"quantity"`
	Note             string     `json:"note"`
	Status           string     `json:"status"`
	DecidedBy        *int64     `json:"decided_by"`
	DecidedAt        *time.Time `json:"decided_at"`
	Reason           string     `json:"reason"`
	Version          int        `json:"version"`
	CreatedAt        time.Time  `json:"created_at"`
	UpdatedAt        time.Time  `json:"updated_at"`
}

func toClaimJSON(c *store.ClaimRow) claimJSON {
	out := claimJSON{ID: c.ID, Target: c.Target, NeedID: c.NeedID, ResourceID: c.ResourceID, TargetTitle: c.TargetTitle,
		TargetRemaining: c.TargetRemaining(), Measure: c.TargetMeasure, AllianceID: c.AllianceID, AllianceName: c.AllianceName,
		DistrictID: c.DistrictID, OwnerUnitID: c.OwnerUnitID, OwnerUnitName: c.OwnerUnitName, ClaimantUnitID: c.ClaimantUnitID,
		ClaimantUnitName: c.ClaimantUnitName, Quantity: c.Quantity, Note: c.Note, Status: c.Status, DecidedBy: c.DecidedBy,
		Reason: c.Reason, Version: c.Version, CreatedAt: c.CreatedAt.UTC(), UpdatedAt: c.UpdatedAt.UTC()}
	if c.DecidedAt != nil {
		t := c.DecidedAt.UTC()
		out.DecidedAt = &t
	}
	return out
}

func (s *Server) apiClaimsList(c echo.Context) error {
	req, err := pageRequest(c, store.ClaimSortKeys())
	if err != nil {
		return err
	}
	q, f, err := readClaimQuery(c)
	if err != nil {
		return err
	}
	l, err := s.claimService().List(c.Request().Context(), actor(c), f, q.View, req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIList(l, toClaimJSON))
}

func (s *Server) apiClaimGet(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	cl, err := s.claimService().Get(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toClaimJSON(cl))
}

// claimBody is the body of POST /claims: target says which of need_id and
// resource_id is claimed; the other, when set, is the claimant's own
// resource (serving the need) or need (the resource is for).
type claimBody struct {
	Target         string `json:"target"`
	NeedID         *int64 `json:"need_id"`
	ResourceID     *int64 `json:"resource_id"`
	ClaimantUnitID int64  `json:"claimant_unit_id"`
	Quantity       int64  `json:"quantity"`
	Note           string `json:"note"`
}

func (s *Server) apiClaimCreate(c echo.Context) error {
	var b claimBody
	if err := bindJSON(c, &b); err != nil {
		return err
	}
	in := service.ClaimInput{Target: b.Target, ClaimantUnitID: b.ClaimantUnitID, Quantity: b.Quantity, Note: b.Note}
	target, link := b.NeedID, b.ResourceID
	if b.Target == model.TargetResource {
		target, link = b.ResourceID, b.NeedID
	}
	ve := &model.ValidationError{}
	switch {
	case b.Target != model.TargetNeed && b.Target != model.TargetResource:
		ve.Add("target", "claim.bad_target")
	case target == nil || *target <= 0:
		ve.Add(b.Target+"_id", model.MsgRequired)
	default:
		in.TargetID = *target
	}
	if link != nil {
		in.LinkID = *link
	}
	if err := ve.Err(); err != nil {
		return err
	}
	ctx, svc := c.Request().Context(), s.claimService()
	cl, err := svc.Create(ctx, actor(c), in)
	if err != nil {
		return err
	}
	row, err := svc.Get(ctx, actor(c), cl.ID)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/claims/"+strconv.FormatInt(cl.ID, 10))
	return c.JSON(http.StatusCreated, toClaimJSON(row))
}

// claimActionBody is the body of an action; version is required (missing:
// 400, stale: 409), reason is required to reject.
type claimActionBody struct {
	Version int    `json:"version"`
	Reason  string `json:"reason"`
}

func (s *Server) apiClaimAction(action string) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := pathID(c, "id")
		if err != nil {
			return err
		}
		var b claimActionBody
		if err := allianceBindOptional(c, &b); err != nil {
			return err
		}
		ctx, svc, a := c.Request().Context(), s.claimService(), actor(c)
		switch action {
		case "accept":
			_, err = svc.Accept(ctx, a, id, b.Version)
		case "reject":
			_, err = svc.Reject(ctx, a, id, b.Version, b.Reason)
		default:
			_, err = svc.Withdraw(ctx, a, id, b.Version)
		}
		if err != nil {
			return err
		}
		row, err := svc.Get(ctx, a, id)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, toClaimJSON(row))
	}
}

func init() {
	filters := withList(map[string]string{
		"view":        "decide (待我确认: pending claims you may accept or reject) | mine (我的认领: claims of your units)",
		"status":      "pending | accepted | rejected | withdrawn",
		"target":      "need | resource",
		"alliance_id": "the target's alliance",
		"unit_id":     "claimant or owner unit",
		"unit":        "claimant or owner unit name contains",
		"need_id":     "claims on this need",
		"resource_id": "claims on this resource",
		"from":        "claimed on or after this day (YYYY-MM-DD, Asia/Shanghai)",
		"to":          "claimed on or before this day",
		"sort":        "created (default, newest first) | quantity",
	})
	apiDocs["GET /api/v1/claims"] = apiDoc{Tag: "claims", Summary: "List the claims you may read: of your units, on your units' or alliance's needs and resources, or in your district", Response: "list:Claim", Query: filters}
	apiDocs["POST /api/v1/claims"] = apiDoc{Tag: "claims", Summary: "Claim part of a need or resource your unit can see (not your own) for a unit you are the contact of; quantity at most what remains; answers 201 with the pending claim", Body: "ClaimInput", Response: "Claim"}
	apiDocs["GET /api/v1/claims/:id"] = apiDoc{Tag: "claims", Summary: "One claim", Response: "Claim"}
	apiDocs["POST /api/v1/claims/:id/accept"] = apiDoc{Tag: "claims", Summary: "Accept a pending claim (the target's owner unit contact or alliance secretary); 409 with the remaining amount when it would exceed the need's quantity or the resource's capacity; 422 when the claim is no longer pending; carry version (missing: 400; stale: 409)", Body: "ClaimAction", Response: "Claim"}
	apiDocs["POST /api/v1/claims/:id/reject"] = apiDoc{Tag: "claims", Summary: "Reject a pending claim with a reason (required); carry version, a stale one answers 409", Body: "ClaimAction", Response: "Claim"}
	apiDocs["POST /api/v1/claims/:id/withdraw"] = apiDoc{Tag: "claims", Summary: "Withdraw a pending claim of your unit (carry version; stale: 409); an accepted claim cannot be withdrawn (422)", Body: "ClaimAction", Response: "Claim"}

	nullInt := schema{"type": "integer", "format": "int64", "nullable": true}
	target := schema{"type": "string", "enum": []string{model.TargetNeed, model.TargetResource}}
	apiSchemas["Claim"] = obj(nil, map[string]schema{"id": integer, "target": target, "need_id": nullInt, "resource_id": nullInt,
		"target_title": str, "target_remaining": integer, "measure": str, "alliance_id": integer, "alliance_name": str,
		"district_id": integer, "owner_unit_id": integer, "owner_unit_name": str, "claimant_unit_id": integer, "claimant_unit_name": str,
		"quantity": integer, "note": str, "status": {"type": "string", "enum": model.ClaimStatuses}, "decided_by": nullInt,
		"decided_at": nullTime, "reason": str, "version": integer, "created_at": dateTime, "updated_at": dateTime})
	apiSchemas["ClaimInput"] = obj([]string{"target", "claimant_unit_id", "quantity"}, map[string]schema{"target": target,
		"need_id": nullInt, "resource_id": nullInt, "claimant_unit_id": integer, "quantity": integer, "note": str})
	apiSchemas["ClaimAction"] = obj([]string{"version"}, map[string]schema{"version": {"type": "integer", "description": "the claim's version read; stale answers 409"}, "reason": str})
}
