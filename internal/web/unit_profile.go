package web

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"tongxin/internal/model"
	"tongxin/internal/report"
)

// The unit contribution profile (成员单位贡献档案): what a member unit gave
// across all its alliances in a period (the glossary's unit_* counters),
// printable for the year-end review. ?year= picks the year (default this
// year); period/n/from/to as on the report page.

// unitProfilePage is the Data of units/profile.
type unitProfilePage struct {
	Q         reportQuery
	Years     []int
	Period    string
	Tiles     []dashTile
	Rows      []reportTotalRow
	Members   []unitProfileMember
	UnitID    int64
	UnitName  string
	District  string
	CreditNo  string
	PrintNote string
}

type unitProfileMember struct {
	Alliance string
	Rank     string
	Joined   string
	Left     string
	Letter   string
}

func (s *Server) unitProfile(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx, loc, svc := c.Request().Context(), Locale(c), s.reportService()
	year := svc.Today().Year()
	if raw := c.QueryParam("year"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 2000 || n > 2100 {
			return (&model.ValidationError{}).Add("year", "report.bad_year")
		}
		year = n
	}
	p := report.YearPeriod(year)
	prof, err := svc.UnitProfile(ctx, actor(c), id, p)
	if err != nil {
		return err
	}
	page := unitProfilePage{Q: reportQuery{Year: year}, Period: p.Label(loc), UnitID: prof.Unit.ID, UnitName: prof.Unit.Name,
		District: prof.DistrictName}
	if prof.Unit.CreditCode != nil {
		page.CreditNo = *prof.Unit.CreditCode
	}
	for y := svc.Today().Year(); y >= svc.Today().Year()-5; y-- {
		page.Years = append(page.Years, y)
	}
	for _, ct := range prof.Counters {
		page.Rows = append(page.Rows, reportTotalRow{Counter: ct, Name: ct.Name(loc), Value: ct.Format(prof.Values[ct.Key]),
			Unit: s.cat.T(loc, "report.unit."+ct.Unit), Basis: s.cat.T(loc, "report.basis."+ct.Basis)})
	}
	for _, m := range prof.Memberships {
		row := unitProfileMember{Alliance: m.AllianceName, Rank: s.cat.T(loc, "membership.rank."+m.Rank), Joined: fmtDate(m.JoinedOn)}
		if m.LeftOn != nil {
			row.Left = fmtDate(*m.LeftOn)
		}
		if m.LetterSignedOn != nil {
			row.Letter = fmtDate(*m.LetterSignedOn)
		}
		page.Members = append(page.Members, row)
	}
	title := s.cat.T(loc, "profile_unit.title", prof.Unit.Name)
	v := s.view(c, title, Crumb{Label: s.cat.T(loc, "menu.units"), URL: "/units"},
		Crumb{Label: prof.Unit.Name, URL: "/units/" + strconv.FormatInt(prof.Unit.ID, 10)}, Crumb{Label: s.cat.T(loc, "profile_unit.crumb")})
	v.Data = page
	return s.page(c, http.StatusOK, "units/profile", v)
}
