package web

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"tongxin/internal/model"
	"tongxin/internal/report"
	"tongxin/internal/service"
	"tongxin/internal/store"
)

// Claims (认领) as pages: the list with its views 待我确认 and 我的认领, a
// claim's page with accept / reject / withdraw, the claim form of a need or
// resource, and the claims fragment that a need's or resource's page loads.
// The JSON API is in claims_api.go.

func (s *Server) claimService() *service.Claims { return service.NewClaims(s.deps()) }

// claimFilterMax is the longest a text filter may be (characters).
const claimFilterMax = 50

// claimFragmentRows is how many claims a need's or resource's page shows.
const claimFragmentRows = 50

// claimMeasures maps the measure dictionary's codes to labels in loc.
func (s *Server) claimMeasures(ctx context.Context, loc string) map[string]string {
	labels, err := service.NewDictionaries(s.deps()).Labels(ctx, model.DictMeasure, loc)
	if err != nil {
		return map[string]string{}
	}
	return labels
}

func claimLabel(labels map[string]string, code string) string {
	if l, ok := labels[code]; ok {
		return l
	}
	return code
}

// claimTargetURL is the page of a need or resource, "" until that page exists.
func (s *Server) claimTargetURL(kind string, id int64) string {
	if id == 0 {
		return ""
	}
	base := "/needs/"
	if kind == model.TargetResource {
		base = "/resources/"
	}
	if _, ok := s.perms[http.MethodGet+" "+base+":id"]; !ok {
		return ""
	}
	return base + strconv.FormatInt(id, 10)
}

// claimNext is where an action goes back to: a local page of the three
// lists, else the claim's own page.
func claimNext(v, fallback string) string {
	return localPathUnder(v, fallback, "/claims", "/needs/", "/resources/", "/inbox") // redirect.go
}

// ---- 认领管理 ----

// claimQuery is the list's filter as typed; it goes back into the form.
type claimQuery struct {
	View, Status, Target, Unit, From, To string
	AllianceID                           int64
	UnitID                               int64
	// NeedID / ResourceID: the claims on one need or resource (its page links here).
	NeedID, ResourceID int64
}

// Active reports a filter that narrows the list beyond its view.
func (q claimQuery) Active() bool {
	return q.Status != "" || q.Target != "" || q.Unit != "" || q.From != "" || q.To != "" || q.AllianceID != 0 || q.UnitID != 0 ||
		q.NeedID != 0 || q.ResourceID != 0
}

// readClaimQuery reads view, status, target, alliance_id, unit (a name),
// unit_id, from and to (days). A page ignores what it does not understand;
// the API answers 400 naming the parameter.
func readClaimQuery(c echo.Context) (claimQuery, store.ClaimFilter, error) {
	api := IsAPI(c)
	ve := &model.ValidationError{}
	q := claimQuery{
		View:   strings.TrimSpace(c.QueryParam("view")),
		Status: strings.TrimSpace(c.QueryParam("status")),
		Target: strings.TrimSpace(c.QueryParam("target")),
		Unit:   strings.TrimSpace(c.QueryParam("unit")),
		From:   strings.TrimSpace(c.QueryParam("from")),
		To:     strings.TrimSpace(c.QueryParam("to")),
	}
	bad := func(field string, reset func()) {
		if api {
			ve.Add(field, "claim.bad_filter")
		}
		reset()
	}
	if q.View != service.ClaimViewDecide && q.View != service.ClaimViewMine && q.View != "" {
		bad("view", func() { q.View = "" })
	}
	if q.Status != "" && !slices.Contains(model.ClaimStatuses, q.Status) {
		bad("status", func() { q.Status = "" })
	}
	if q.Target != "" && q.Target != model.TargetNeed && q.Target != model.TargetResource {
		bad("target", func() { q.Target = "" })
	}
	for field, dst := range map[string]*int64{"alliance_id": &q.AllianceID, "unit_id": &q.UnitID, "need_id": &q.NeedID, "resource_id": &q.ResourceID} {
		if v := strings.TrimSpace(c.QueryParam(field)); v != "" {
			if *dst = allianceID(v); *dst == 0 {
				bad(field, func() {})
			}
		}
	}
	if utf8.RuneCountInString(q.Unit) > claimFilterMax || !utf8.ValidString(q.Unit) || strings.ContainsFunc(q.Unit, isControl) {
		if api {
			ve.AddArgs("unit", model.MsgTooLong, claimFilterMax)
		}
		q.Unit = ""
	}
	f := store.ClaimFilter{Status: q.Status, Target: q.Target, AllianceID: q.AllianceID, UnitID: q.UnitID, UnitName: q.Unit,
		NeedID: q.NeedID, ResourceID: q.ResourceID}
	for field, p := range map[string]*string{"from": &q.From, "to": &q.To} {
		if *p == "" {
			continue
		}
		d, err := time.ParseInLocation(time.DateOnly, *p, Shanghai)
		if err != nil {
			if api {
				ve.Add(field, model.MsgBadDate)
			}
			*p = ""
			continue
		}
		if field == "from" {
			f.From = d.UTC()
		} else {
			f.To = d.AddDate(0, 0, 1).UTC()
		}
	}
	return q, f, ve.Err()
}

// claimItem is a claim with what a row shows beside it.
type claimItem struct {
	store.ClaimRow
	MeasureLabel string
	Perms        service.ClaimPerms
	TargetURL    string
}

func (s *Server) claimItems(rows []store.ClaimRow, rights service.ClaimRights, measures map[string]string) []claimItem {
	out := make([]claimItem, 0, len(rows))
	for i := range rows {
		r := &rows[i]
		out = append(out, claimItem{ClaimRow: *r, MeasureLabel: claimLabel(measures, r.TargetMeasure), Perms: rights.For(r),
			TargetURL: s.claimTargetURL(r.Target, r.TargetID())})
	}
	return out
}

// claimsPage is the Data of claims/list.
type claimsPage struct {
	Filter    claimQuery
	Items     []claimItem
	List      *ListView
	Alliances []store.ClaimOption // hidden when fewer than two
	// Views are the tabs the user has: 待我确认 when they decide claims
	// somewhere, 我的认领 when they claim for a unit.
	CanDecide, CanClaim bool
	ViewURLs            map[string]string
	Statuses            []string
}

func (s *Server) claimsList(c echo.Context) error {
	req, err := pageRequest(c, store.ClaimSortKeys())
	if err != nil {
		return err
	}
	q, f, _ := readClaimQuery(c) // a page ignores what it does not understand
	ctx, loc, svc, a := c.Request().Context(), Locale(c), s.claimService(), actor(c)
	l, err := svc.List(ctx, a, f, q.View, req)
	var bad *model.ValidationError
	if errors.As(err, &bad) { // a stale or forged cursor: start again
		req.After, req.Before = "", ""
		l, err = svc.List(ctx, a, f, q.View, req)
	}
	if err != nil {
		return err
	}
	alliances, err := svc.Alliances(ctx, a)
	if err != nil {
		return err
	}
	uid := CurrentUser(c).ID
	page := claimsPage{Filter: q, List: newListView(c, req, l, "/claims/export"),
		Items:     s.claimItems(l.Items, svc.Rights(a), s.claimMeasures(ctx, loc)),
		CanDecide: s.authz.CanAnywhere(uid, "claim", "decide"), CanClaim: s.authz.CanAnywhere(uid, "claim", "create"),
		ViewURLs: map[string]string{"": "/claims", service.ClaimViewDecide: "/claims?view=decide", service.ClaimViewMine: "/claims?view=mine"},
		Statuses: model.ClaimStatuses}
	if len(alliances) > 1 {
		page.Alliances = alliances
	}
	title := s.cat.T(loc, "menu.claims")
	v := s.view(c, title, Crumb{Label: s.cat.T(loc, "menu.group.lists")}, Crumb{Label: title})
	v.Data = page
	return s.page(c, http.StatusOK, "claims/list", v)
}

func (s *Server) claimsExport(c echo.Context) error {
	format, err := report.ParseFormat(c.QueryParam("format"))
	if err != nil {
		return (&model.ValidationError{}).Add("format", "list.bad_format")
	}
	req, err := pageRequest(c, store.ClaimSortKeys())
	if err != nil {
		return err
	}
	q, f, _ := readClaimQuery(c)
	ctx, loc := c.Request().Context(), Locale(c)
	measures := s.claimMeasures(ctx, loc)
	cols := []report.Column{
		{Header: "ID", Width: 8}, {Header: s.cat.T(loc, "claim.target"), Width: 8}, {Header: s.cat.T(loc, "claim.target_title"), Width: 30},
		{Header: s.cat.T(loc, "claim.owner_unit"), Width: 24}, {Header: s.cat.T(loc, "claim.claimant_unit"), Width: 24},
		{Header: s.cat.T(loc, "claim.quantity"), Width: 10}, {Header: s.cat.T(loc, "claim.alliance"), Width: 24},
		{Header: s.cat.T(loc, "claim.status"), Width: 8}, {Header: s.cat.T(loc, "claim.created_at"), Width: 17},
		{Header: s.cat.T(loc, "claim.decided_by"), Width: 12}, {Header: s.cat.T(loc, "claim.decided_at"), Width: 17},
		{Header: s.cat.T(loc, "claim.reason"), Width: 30}, {Header: s.cat.T(loc, "claim.note"), Width: 40},
	}
	return s.streamExport(c, format, s.cat.T(loc, "menu.claims"), cols, func(w report.Writer) error {
		return s.claimService().Each(ctx, actor(c), f, q.View, req, func(r *store.ClaimRow) error {
			return w.WriteRow(r.ID, s.cat.T(loc, "claim.target."+r.Target), r.TargetTitle, r.OwnerUnitName, r.ClaimantUnitName,
				strconv.FormatInt(r.Quantity, 10)+" "+claimLabel(measures, r.TargetMeasure), r.AllianceName,
				s.cat.T(loc, "claim.status."+r.Status), fmtDateTime(r.CreatedAt), r.DeciderName, fmtDateTime(r.DecidedAt), r.Reason, r.Note)
		})
	})
}

// ---- 认领详情 ----

// claimShowPage is the Data of claims/show.
type claimShowPage struct {
	C            *store.ClaimRow
	Perms        service.ClaimPerms
	MeasureLabel string
	TargetURL    string
	LinkURL      string
	// Reason is what was typed in the reject form; Errors its messages;
	// Refusal the message of an action the rules refused.
	Reason  string
	Errors  map[string]string
	Refusal string
	Next    string
}

func (s *Server) claimShow(c echo.Context) error {
	return s.renderClaimShow(c, http.StatusOK, "", nil, "")
}

func (s *Server) renderClaimShow(c echo.Context, status int, reason string, ve *model.ValidationError, refusal string) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx, loc, svc, a := c.Request().Context(), Locale(c), s.claimService(), actor(c)
	cl, err := svc.Get(ctx, a, id)
	if err != nil {
		return err
	}
	p := claimShowPage{C: cl, Perms: svc.Rights(a).For(cl), MeasureLabel: claimLabel(s.claimMeasures(ctx, loc), cl.TargetMeasure),
		TargetURL: s.claimTargetURL(cl.Target, cl.TargetID()), Reason: reason, Refusal: refusal,
		Next: claimNext(c.FormValue("next"), "/claims/"+strconv.FormatInt(id, 10))}
	if cl.Target == model.TargetNeed && cl.ResourceID != nil {
		p.LinkURL = s.claimTargetURL(model.TargetResource, *cl.ResourceID)
	} else if cl.Target == model.TargetResource && cl.NeedID != nil {
		p.LinkURL = s.claimTargetURL(model.TargetNeed, *cl.NeedID)
	}
	if ve != nil {
		p.Errors = s.fieldMessages(loc, ve)
	}
	title := s.cat.T(loc, "claim.of", cl.TargetTitle)
	v := s.view(c, title, Crumb{Label: s.cat.T(loc, "menu.claims"), URL: "/claims"}, Crumb{Label: title})
	v.Data = p
	return s.page(c, status, "claims/show", v)
}

// claimAction answers the accept, reject and withdraw forms: back to the
// page the form was on with a flash, or the claim's page again with the
// refusal (a stale or over-booking accept 409, a state that does not allow
// it 422, a missing reason next to the field).
func (s *Server) claimAction(action string) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := pathID(c, "id")
		if err != nil {
			return err
		}
		version := formVersion(c)
		reason := c.FormValue("reason")
		ctx, svc, a := c.Request().Context(), s.claimService(), actor(c)
		flash := "claim.accepted_flash"
		switch action {
		case "accept":
			_, err = svc.Accept(ctx, a, id, version)
		case "reject":
			_, err = svc.Reject(ctx, a, id, version, reason)
			flash = "claim.rejected_flash"
		default:
			_, err = svc.Withdraw(ctx, a, id, version)
			flash = "claim.withdrawn_flash"
		}
		var ve *model.ValidationError
		switch {
		case errors.As(err, &ve):
			return s.renderClaimShow(c, http.StatusUnprocessableEntity, reason, ve, "")
		case errors.Is(err, model.ErrConflict), errors.Is(err, model.ErrRule):
			status, _ := classify(err)
			return s.renderClaimShow(c, status, reason, nil, s.errorText(Locale(c), err))
		case err != nil:
			return err
		}
		s.flash(c, "success", flash)
		return c.Redirect(http.StatusSeeOther, claimNext(c.FormValue("next"), "/claims/"+strconv.FormatInt(id, 10)))
	}
}

// errorText is the message of a refusal (a conflict or a rule) in loc.
func (s *Server) errorText(loc string, err error) string {
	var ce *model.ConflictError
	if errors.As(err, &ce) && ce.Message != "" {
		return s.cat.T(loc, ce.Message, ce.Args...)
	}
	var re *model.RuleError
	if errors.As(err, &re) && re.Message != "" {
		return s.cat.T(loc, re.Message, re.Args...)
	}
	_, code := classify(err)
	return s.cat.T(loc, "error."+code)
}

// ---- 认领表单 ----

// claimForm is the claim form as typed.
type claimForm struct {
	UnitID, Quantity, Note, LinkID string
}

// claimFormPage is the Data of claims/form.
type claimFormPage struct {
	T            *service.ClaimTarget
	TargetURL    string
	Action       string
	MeasureLabel string
	Units        []store.ClaimUnit
	Links        []store.ClaimLink
	Form         claimForm
	Errors       map[string]string
	Refusal      string
}

func (s *Server) claimFormGet(kind string) echo.HandlerFunc {
	return func(c echo.Context) error {
		return s.renderClaimForm(c, kind, http.StatusOK, claimForm{Quantity: "1"}, nil, "")
	}
}

func (s *Server) renderClaimForm(c echo.Context, kind string, status int, f claimForm, ve *model.ValidationError, refusal string) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx, loc, svc, a := c.Request().Context(), Locale(c), s.claimService(), actor(c)
	t, err := svc.Target(ctx, a, kind, id)
	if err != nil {
		return err
	}
	p := claimFormPage{T: t, TargetURL: s.claimTargetURL(kind, id), Action: c.Request().URL.Path, Form: f, Refusal: refusal,
		MeasureLabel: claimLabel(s.claimMeasures(ctx, loc), t.Measure)}
	if p.Units, err = svc.ClaimantUnits(ctx, a, t); err != nil {
		return err
	}
	if p.Form.UnitID == "" && len(p.Units) == 1 {
		p.Form.UnitID = strconv.FormatInt(p.Units[0].ID, 10)
	}
	if p.Links, err = svc.Links(ctx, kind, p.Units); err != nil {
		return err
	}
	if ve != nil {
		p.Errors = s.fieldMessages(loc, ve)
	}
	title := s.cat.T(loc, "claim.new."+kind)
	list := map[string]Crumb{model.TargetNeed: {Label: s.cat.T(loc, "menu.needs"), URL: "/needs"},
		model.TargetResource: {Label: s.cat.T(loc, "menu.resources"), URL: "/resources"}}[kind]
	v := s.view(c, title, list, Crumb{Label: t.Title, URL: p.TargetURL}, Crumb{Label: title})
	v.Data = p
	return s.page(c, status, "claims/form", v)
}

func (s *Server) claimCreate(kind string) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := pathID(c, "id")
		if err != nil {
			return err
		}
		f := claimForm{UnitID: strings.TrimSpace(c.FormValue("claimant_unit_id")), Quantity: strings.TrimSpace(c.FormValue("quantity")),
			Note: c.FormValue("note"), LinkID: strings.TrimSpace(c.FormValue("link_id"))}
		ve := &model.ValidationError{}
		in := service.ClaimInput{Target: kind, TargetID: id, ClaimantUnitID: allianceID(f.UnitID), Note: f.Note, LinkID: allianceID(f.LinkID)}
		if f.UnitID == "" {
			ve.Add("claimant_unit_id", model.MsgRequired)
		}
		if n, err := strconv.ParseInt(f.Quantity, 10, 64); err != nil || n <= 0 {
			ve.Add("quantity", "claim.quantity_positive")
		} else {
			in.Quantity = n
		}
		if f.LinkID != "" && in.LinkID == 0 {
			ve.Add("link_id", "claim.bad_link")
		}
		ctx, svc := c.Request().Context(), s.claimService()
		if ve.Err() != nil {
			return s.renderClaimForm(c, kind, http.StatusUnprocessableEntity, f, ve, "")
		}
		_, err = svc.Create(ctx, actor(c), in)
		switch {
		case errors.As(err, &ve):
			return s.renderClaimForm(c, kind, http.StatusUnprocessableEntity, f, ve, "")
		case errors.Is(err, model.ErrRule), errors.Is(err, model.ErrConflict):
			status, _ := classify(err)
			return s.renderClaimForm(c, kind, status, f, nil, s.errorText(Locale(c), err))
		case err != nil:
			return err
		}
		s.flash(c, "success", "claim.created")
		next := s.claimTargetURL(kind, id)
		if next == "" {
			next = "/claims?view=mine"
		}
		return c.Redirect(http.StatusSeeOther, next)
	}
}

// ---- 需求 / 资源页上的认领记录 ----

// claimFragment is the Data of claims/fragment.
type claimFragment struct {
	T         *service.ClaimTarget
	Kind      string
	Items     []claimItem
	More      bool
	Total     int64
	CanClaim  bool
	ClaimURL  string
	Next      string
	Measure   string
	ListURL   string
	Decisions bool // some row has buttons
	// Embedded: loaded by htmx into the card of the target's page (which
	// has its own 我要认领 button), so the card's inside only.
	Embedded bool
}

func (s *Server) claimsOfTarget(kind string) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := pathID(c, "id")
		if err != nil {
			return err
		}
		ctx, loc, svc, a := c.Request().Context(), Locale(c), s.claimService(), actor(c)
		t, l, err := svc.OnTarget(ctx, a, kind, id, model.PageRequest{Limit: claimFragmentRows})
		if err != nil {
			return err
		}
		measures := s.claimMeasures(ctx, loc)
		p := claimFragment{T: t, Kind: kind, Items: s.claimItems(l.Items, svc.Rights(a), measures), More: l.Next != "", Total: l.Total,
			Next: s.claimTargetURL(kind, id), Measure: claimLabel(measures, t.Measure)}
		if p.Next == "" {
			p.Next = c.Request().URL.Path
		}
		if kind == model.TargetNeed {
			p.ListURL = "/claims?target=need"
		} else {
			p.ListURL = "/claims?target=resource"
		}
		for _, it := range p.Items {
			p.Decisions = p.Decisions || it.Perms.Decide || it.Perms.Withdraw
		}
		p.Embedded = IsHTMX(c)
		if !p.Embedded && t.Claimable && s.authz.CanAnywhere(CurrentUser(c).ID, "claim", "create") {
			units, err := svc.ClaimantUnits(ctx, a, t)
			if err != nil {
				return err
			}
			if len(units) > 0 {
				p.CanClaim = true
				p.ClaimURL = c.Request().URL.Path[:len(c.Request().URL.Path)-1] // …/claims → …/claim
			}
		}
		title := s.cat.T(loc, "claim.records")
		v := s.view(c, title, Crumb{Label: t.Title, URL: p.Next}, Crumb{Label: title})
		v.Data = p
		return s.page(c, http.StatusOK, "claims/fragment", v)
	}
}
