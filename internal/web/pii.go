package web

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"tongxin/internal/model"
)

// Personal information (个人信息): erasing a contact's personal data on
// request. A GET page says what will be erased and asks to confirm (the
// button asks once more); the POST erases. The masking itself is the
// services' (service/pii.go); pages and exports show what they are given.

// erasePage is the Data of pii/erase.
type erasePage struct {
	// Object names what is erased (a unit's name, an account's username).
	Object string
	// Fields are the labels of the fields that will be emptied.
	Fields []string
	// Values are the values they hold now, in the order of Fields.
	Values []string
	Action string // where the form posts
	Back   string // the object's page
	// Version guards the erasure against a concurrent edit.
	Version int
	// Refusal, when set, says why it cannot be erased (no button then).
	Refusal string
}

func (s *Server) unitEraseConfirm(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	u, err := s.unitService().ErasableContact(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	loc := Locale(c)
	t := func(k string, a ...any) string { return s.cat.T(loc, k, a...) }
	back := "/units/" + strconv.FormatInt(id, 10)
	p := erasePage{Object: u.Name, Fields: []string{t("unit.contact_name"), t("unit.contact_phone")},
		Values: []string{u.ContactName, u.ContactPhone}, Action: back + "/erase-contact", Back: back, Version: u.Version}
	if u.ContactErased() {
		p.Refusal = t("pii.already_erased")
	}
	title := t("pii.erase_contact")
	v := s.view(c, title, Crumb{Label: t("menu.units"), URL: "/units"}, Crumb{Label: u.Name, URL: back}, Crumb{Label: title})
	v.Data = p
	return s.page(c, http.StatusOK, "pii/erase", v)
}

func (s *Server) unitEraseContact(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	u, err := s.unitService().EraseContact(c.Request().Context(), actor(c), id, formVersion(c))
	if err != nil {
		return err
	}
	s.flash(c, "success", "pii.contact_erased", u.Name)
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/units/%d", id))
}

func (s *Server) apiUnitEraseContact(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	version, err := bodyVersion(c)
	if err != nil {
		return err
	}
	u, err := s.unitService().EraseContact(c.Request().Context(), actor(c), id, version)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toUnitJSON(u))
}

func (s *Server) userEraseConfirm(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	u, err := s.users.Erasable(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	loc := Locale(c)
	t := func(k string, a ...any) string { return s.cat.T(loc, k, a...) }
	back := "/admin/users/" + strconv.FormatInt(id, 10)
	p := erasePage{Object: u.Username, Fields: []string{t("user.display_name"), t("user.phone"), t("user.email")},
		Values: []string{u.DisplayName, u.Phone, u.Email}, Action: back + "/erase", Back: back, Version: u.Version}
	switch {
	case u.PersonalErased():
		p.Refusal = t("pii.already_erased")
	case u.Status != model.UserDisabled:
		p.Refusal = t("pii.erase_active_user")
	}
	title := t("pii.erase_user")
	v := s.view(c, title, Crumb{Label: t("menu.users"), URL: "/admin/users"}, Crumb{Label: u.Username, URL: back}, Crumb{Label: title})
	v.Data = p
	return s.page(c, http.StatusOK, "pii/erase", v)
}

func (s *Server) userErase(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	u, err := s.users.ErasePersonal(c.Request().Context(), actor(c), id, formVersion(c))
	if err != nil {
		return err
	}
	s.flash(c, "success", "pii.user_erased", u.Username)
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/admin/users/%d", id))
}

func (s *Server) apiUserErase(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	version, err := bodyVersion(c)
	if err != nil {
		return err
	}
	u, err := s.users.ErasePersonal(c.Request().Context(), actor(c), id, version)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toUserJSON(u))
}

func init() {
	apiDocs["POST /api/v1/units/:id/erase-contact"] = apiDoc{Tag: "units", Summary: "Erase the unit's contact person on request " +
		"(district admin, system admin): the name becomes 已删除, the phone empty; the audit row carries no data; body {version}; " +
		"an erased contact answers 422", Body: "UnitAction", Response: "Unit"}
	apiDocs["POST /api/v1/users/:id/erase"] = apiDoc{Tag: "users", Summary: "Erase a disabled account's personal data on request " +
		"(system admin): display name 已删除, phone and e-mail empty, the username stays; not one's own nor one of the three " +
		"administrators' (422); body {version}", Body: "VersionInput", Response: "User"}
}
