package service

import (
	"context"
	"slices"
	"strconv"

	"tongxin/internal/model"
	"tongxin/internal/store"
)

// Personal information (个人信息, docs/access.md "Personal information").
//
// One decision: whoever holds `unit personal` on a unit's chain sees its
// contact person (name, phone) in full, whoever holds `user personal` (sys)
// sees accounts' phones and e-mails in full; everyone else who may read them
// gets them masked by the model's mask functions. The services apply it on
// every read path (lists, pages, the API, exports), never the templates.
// Exports that hand out unmasked personal data leave an export.personal audit
// row with their row counts; erasing a contact's data on request leaves a
// tombstone in the live row and an audit row without the data.

// Action codes of personal information.
const (
	ActionExportPersonal   = "export.personal"
	ActionUnitEraseContact = "unit.erase_contact"
	ActionUserErase        = "user.erase"
)

// Export kinds recorded by export.personal.
const (
	ExportKindUnits = "units"
	ExportKindUsers = "users"
)

// maskAuditChanges stores the personal fields of an audit row masked: the
// audit log is append-only, so what it holds cannot be erased on request
// later. Other shapes of changes pass unchanged.
func maskAuditChanges(changes any) any {
	m, ok := changes.(map[string]Change)
	if !ok {
		return changes
	}
	var out map[string]Change
	for k, c := range m {
		mask, personal := model.PersonalFields[k]
		if !personal {
			continue
		}
		if out == nil {
			out = make(map[string]Change, len(m))
			for k2, c2 := range m {
				out[k2] = c2
			}
		}
		out[k] = Change{maskAuditValue(mask, c[0]), maskAuditValue(mask, c[1])}
	}
	if out == nil {
		return changes
	}
	return out
}

func maskAuditValue(mask func(string) string, v any) any {
	if s, ok := v.(string); ok {
		return mask(s)
	}
	return v
}

// ---- units ----

// unitContactAccess is one actor's right to see units' contacts in full,
// resolved once per request from the `unit personal` scope: a sys grant,
// districts, and units (their own, and the current members of the alliances
// of their grants).
type unitContactAccess struct {
	all       bool
	districts map[int64]bool
	units     map[int64]bool
}

// contactAccess resolves the actor's unitContactAccess.
func (s *Units) contactAccess(ctx context.Context, actor model.Actor) (*unitContactAccess, error) {
	sc := s.authz.Scope(actor.UserID, "unit", "personal")
	a := &unitContactAccess{all: sc.All, districts: map[int64]bool{}, units: map[int64]bool{}}
	for _, d := range sc.Districts {
		a.districts[d] = true
	}
	for _, u := range sc.Units {
		a.units[u] = true
	}
	if !sc.All && len(sc.Alliances) > 0 {
		ids, err := s.db.CurrentMemberUnitIDs(ctx, sc.Alliances)
		if err != nil {
			return nil, err
		}
		for _, u := range ids {
			a.units[u] = true
		}
	}
	return a, nil
}

// full reports whether the actor sees u's contact in full.
func (a *unitContactAccess) full(u *model.Unit) bool {
	return a.all || a.districts[u.DistrictID] || a.units[u.ID]
}

// apply masks u's contact unless the actor sees it in full; it reports
// whether u left with unmasked personal data.
func (a *unitContactAccess) apply(u *model.Unit) bool {
	if !a.full(u) {
		u.MaskContact()
		return false
	}
	return hasContact(u)
}

func hasContact(u *model.Unit) bool {
	return (u.ContactName != "" && u.ContactName != model.ErasedName) || u.ContactPhone != ""
}

// MaySeeContact reports whether the actor sees the contact of the unit
// whose chain is given in full (the one decision for a single unit).
func (s *Units) MaySeeContact(actor model.Actor, chain []string) bool {
	return s.authz.Can(actor.UserID, chain, "unit", "personal")
}

// maskRows masks the contacts of a page of units as the actor may see them.
func (s *Units) maskRows(ctx context.Context, actor model.Actor, rows []store.UnitRow) error {
	if len(rows) == 0 {
		return nil
	}
	a, err := s.contactAccess(ctx, actor)
	if err != nil {
		return err
	}
	for i := range rows {
		a.apply(&rows[i].Unit)
	}
	return nil
}

// View loads one unit the actor may read, its contact masked unless the
// actor may see it (the API's GET).
func (s *Units) View(ctx context.Context, actor model.Actor, id int64) (*model.Unit, error) {
	u, chain, err := s.load(ctx, actor, id, "read")
	if err != nil {
		return nil, err
	}
	if !s.MaySeeContact(actor, chain) {
		u.MaskContact()
	}
	return u, nil
}

// UnitExportFilter is the filter as an export.personal row records it: the
// fields that are set.
func UnitExportFilter(f store.UnitFilter) map[string]string {
	out := map[string]string{}
	for k, v := range map[string]string{"q": f.Query, "kind": f.Kind, "status": f.Status} {
		if v != "" {
			out[k] = v
		}
	}
	if f.DistrictID != 0 {
		out["district_id"] = strconv.FormatInt(f.DistrictID, 10)
	}
	if f.StreetID != 0 {
		out["street_id"] = strconv.FormatInt(f.StreetID, 10)
	}
	return out
}

// Export calls fn for every unit matching f that the actor may read, the
// contacts masked as on the list. When rows left with unmasked contact data,
// an export.personal row records the kind, format, filter, the rows written
// and how many of them carried personal data; it is written after the last
// row is read and before the caller closes the file (an xlsx leaves the
// server only then), also when the export breaks off half-way.
func (s *Units) Export(ctx context.Context, actor model.Actor, f store.UnitFilter, format string, fn func(*store.UnitRow) error) error {
	a, err := s.contactAccess(ctx, actor)
	if err != nil {
		return err
	}
	var rows, personal int64
	err = s.Each(ctx, actor, f, func(r *store.UnitRow) error {
		full := a.full(&r.Unit) && hasContact(&r.Unit) // Each masked the others
		if err := fn(r); err != nil {
			return err
		}
		rows++
		if full {
			personal++
		}
		return nil
	})
	return auditPersonalExport(ctx, s.db, actor, ExportKindUnits, format, UnitExportFilter(f), rows, personal, err)
}

// auditPersonalExport writes the export.personal row of an export that
// handed out personal rows (none: nothing is written) and returns the
// export's own error first.
func auditPersonalExport(ctx context.Context, db *store.DB, actor model.Actor, kind, format string, filter map[string]string, rows, personal int64, exportErr error) error {
	if personal == 0 {
		return exportErr
	}
	// A download that broke off still handed out what it wrote: record it
	// even though the request's context may be cancelled.
	ctx = context.WithoutCancel(ctx)
	err := db.WithTx(ctx, func(ctx context.Context) error {
		return audit(ctx, db, actor, ActionExportPersonal, "export", kind, model.DomainSys, map[string]any{
			"kind": kind, "format": format, "filter": filter, "rows": rows, "personal_rows": personal, "complete": exportErr == nil})
	})
	if exportErr != nil {
		return exportErr
	}
	return err
}

// EraseContact erases a unit's contact person on request: the name becomes
// the tombstone (已删除), the phone empty, and when is recorded. The audit
// row says who erased whose data and carries none of it. The district admin
// and the system admin may (unit erase); an erased contact is a RuleError.
func (s *Units) EraseContact(ctx context.Context, actor model.Actor, id int64, version int) (*model.Unit, error) {
	if _, _, err := s.load(ctx, actor, id, "erase"); err != nil {
		return nil, err
	}
	var out *model.Unit
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		before, err := s.db.UnitByID(ctx, id)
		if err != nil {
			return err
		}
		if err := model.CheckVersion(version, before.Version); err != nil {
			return err
		}
		if before.ContactErased() {
			return model.Rule("already_erased", MsgContactErased)
		}
		if err := s.db.EraseUnitContact(ctx, id); err != nil {
			return err
		}
		if err := audit(ctx, s.db, actor, ActionUnitEraseContact, "unit", id, model.DomainOf(model.DomainDistrict, before.DistrictID),
			map[string]any{"fields": []string{"contact_name", "contact_phone"}}); err != nil {
			return err
		}
		out, err = s.db.UnitByID(ctx, id)
		return err
	})
	return out, err
}

// Msg keys of erasure refusals.
const (
	MsgContactErased     = "pii.already_erased"
	MsgEraseActiveUser   = "pii.erase_active_user"
	MsgEraseSelf         = "pii.erase_self"
	MsgEraseAdminAccount = "pii.erase_admin_account"
)

// ---- users ----

// MaySeeUserPersonal reports whether the actor sees accounts' phones and
// e-mails in full (user personal: the system admin).
func (s *Users) MaySeeUserPersonal(actor model.Actor) bool {
	return s.authz.Can(actor.UserID, SysChain, "user", "personal")
}

// maskUsers masks the phones and e-mails of users the actor may not see.
func (s *Users) maskUsers(actor model.Actor, us ...*model.User) {
	if s.MaySeeUserPersonal(actor) {
		return
	}
	for _, u := range us {
		u.MaskPersonal()
	}
}

// UserExportFilter is the filter as an export.personal row records it.
func UserExportFilter(f store.UserFilter) map[string]string {
	out := map[string]string{}
	for k, v := range map[string]string{"q": f.Query, "status": f.Status, "role": f.Role, "domain": f.Domain} {
		if v != "" {
			out[k] = v
		}
	}
	return out
}

// Export calls fn for every account matching f (as Each, masked as Each
// masks them) and records an export.personal row when accounts left with
// their phone or e-mail unmasked (see Units.Export).
func (s *Users) Export(ctx context.Context, actor model.Actor, f store.UserFilter, format string, fn func(*model.User) error) error {
	full := s.MaySeeUserPersonal(actor)
	var rows, personal int64
	err := s.Each(ctx, actor, f, func(u *model.User) error {
		if err := fn(u); err != nil {
			return err
		}
		rows++
		if full && (u.Phone != "" || u.Email != "") {
			personal++
		}
		return nil
	})
	return auditPersonalExport(ctx, s.db, actor, ExportKindUsers, format, UserExportFilter(f), rows, personal, err)
}

// ErasePersonal erases an account's personal data on request: the display
// name becomes the tombstone (已删除), phone and e-mail empty, and when is
// recorded; the username stays (the audit log names the account by it).
// Only the system admin may (user erase), only of a disabled account (a
// working colleague corrects their own data at 个人中心), never their own
// nor one of the three administrators'. The audit row carries no data.
func (s *Users) ErasePersonal(ctx context.Context, actor model.Actor, id int64, version int) (*model.User, error) {
	if err := s.authz.Check(actor.UserID, SysChain, "user", "erase"); err != nil {
		return nil, err
	}
	if id == actor.UserID {
		return nil, model.Rule("erase_self", MsgEraseSelf)
	}
	for _, ra := range s.authz.Roles(id) {
		if slices.Contains(model.ThreeAdmins, ra.Role) {
			return nil, model.Rule("admin_account", MsgEraseAdminAccount)
		}
	}
	var out *model.User
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		before, err := s.db.UserByID(ctx, id)
		if err != nil {
			return err
		}
		if err := model.CheckVersion(version, before.Version); err != nil {
			return err
		}
		switch {
		case before.PersonalErased():
			return model.Rule("already_erased", MsgContactErased)
		case before.Status != model.UserDisabled:
			return model.Rule("user_active", MsgEraseActiveUser)
		}
		if err := s.db.EraseUserPersonal(ctx, id); err != nil {
			return err
		}
		if err := audit(ctx, s.db, actor, ActionUserErase, "user", id, model.DomainSys,
			map[string]any{"fields": []string{"display_name", "phone", "email"}}); err != nil {
			return err
		}
		out, err = s.db.UserByID(ctx, id)
		return err
	})
	return out, err
}

// ErasableContact loads a unit whose contact the actor may erase (the
// confirmation page), its contact in full.
func (s *Units) ErasableContact(ctx context.Context, actor model.Actor, id int64) (*model.Unit, error) {
	u, _, err := s.load(ctx, actor, id, "erase")
	return u, err
}

// Erasable loads an account whose personal data the actor may erase (the
// confirmation page), in full.
func (s *Users) Erasable(ctx context.Context, actor model.Actor, id int64) (*model.User, error) {
	if err := s.authz.Check(actor.UserID, SysChain, "user", "erase"); err != nil {
		return nil, err
	}
	return s.db.UserByID(ctx, id)
}
