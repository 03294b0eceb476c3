package web

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"tongxin/internal/model"
	"tongxin/internal/report"
	"tongxin/internal/service"
	"tongxin/internal/store"
)

// The annual meeting (年会): its sections (review, letters, signed projects,
// published lists, announced terms) saved from its page, and the meeting
// pack as a printable page and an xlsx.

func (s *Server) annualReview(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	version := formVersion(c)
	err = s.meetingService().ConfirmReview(c.Request().Context(), actor(c), id, version)
	if refused(err) {
		if _, gerr := s.meetingService().Get(c.Request().Context(), actor(c), id); gerr != nil {
			return gerr
		}
		return s.renderMeetingShow(c, statusOf(err), err)
	}
	if err != nil {
		return err
	}
	s.flash(c, "success", "annual.review_confirmed")
	return c.Redirect(http.StatusSeeOther, "/meetings/"+strconv.FormatInt(id, 10)+"#review")
}

func (s *Server) annualSection(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	version := formVersion(c)
	section := c.Param("section")
	form, _ := c.FormParams()
	var ids []int64
	for _, v := range form["ids"] {
		if n := allianceID(v); n != 0 {
			ids = append(ids, n)
		}
	}
	err = s.meetingService().SaveSection(c.Request().Context(), actor(c), id, section, ids, version)
	if refused(err) {
		if _, gerr := s.meetingService().Get(c.Request().Context(), actor(c), id); gerr != nil {
			return gerr
		}
		return s.renderMeetingShow(c, statusOf(err), err)
	}
	if err != nil {
		return err
	}
	s.flash(c, "success", "form.saved")
	return c.Redirect(http.StatusSeeOther, "/meetings/"+strconv.FormatInt(id, 10)+"#"+section)
}

type packPage struct {
	A           *service.AnnualView
	Resolutions []string
	// Numbered: the resolutions carry their own numbers (一、 1. （一）),
	// so the list adds none.
	Numbered bool
	Letters  []packLetter
}

// packLetter is a 共建责任书 signed at the meeting, dated the day of signing
// (as the meeting page and the workbook give it).
type packLetter struct {
	UnitName, Rank, SignedOn string
}

// ownNumber matches a paragraph that starts with its own number: 一、 1. 1、
// （一） (1) 第一条.
var ownNumber = regexp.MustCompile(`^\s*(（[一二三四五六七八九十百0-9]+）|\([一二三四五六七八九十百0-9]+\)|[一二三四五六七八九十百]+[、．.]|[0-9]+[、．.)）]|第[一二三四五六七八九十百0-9]+[条项])`)

// resolutions splits the resolutions into paragraphs and tells whether they
// number themselves.
func resolutions(text string) ([]string, bool) {
	ps := paragraphs(text)
	for _, p := range ps {
		if ownNumber.MatchString(p) {
			return ps, true
		}
	}
	return ps, false
}

// letterDay is the day a membership's letter was signed (the meeting's day
// when signed at it).
func letterDay(l store.LetterRow, held time.Time) string {
	if l.LetterSignedOn != nil {
		return govDay(*l.LetterSignedOn)
	}
	return govDay(held)
}

func (s *Server) annualPack(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx, loc := c.Request().Context(), Locale(c)
	a, err := s.meetingService().Annual(ctx, actor(c), id)
	if err != nil {
		return err
	}
	p := packPage{A: a}
	p.Resolutions, p.Numbered = resolutions(a.Meeting.Resolutions)
	for _, l := range a.Letters {
		if l.LetterMeetingID != nil && *l.LetterMeetingID == id {
			p.Letters = append(p.Letters, packLetter{l.UnitName, s.cat.T(loc, "membership.rank."+l.Rank), letterDay(l, a.Meeting.HeldOn)})
		}
	}
	title := s.cat.T(loc, "annual.pack_title", a.Meeting.Title)
	v := s.view(c, title, Crumb{Label: s.cat.T(loc, "menu.meetings"), URL: "/meetings"},
		Crumb{Label: a.Meeting.Title, URL: "/meetings/" + strconv.FormatInt(id, 10)}, Crumb{Label: s.cat.T(loc, "annual.pack")})
	v.Data = p
	return s.page(c, http.StatusOK, "meetings/pack", v)
}

func (s *Server) annualPackXLSX(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx, loc := c.Request().Context(), Locale(c)
	a, err := s.meetingService().Annual(ctx, actor(c), id)
	if err != nil {
		return err
	}
	T := func(k string, args ...any) string { return s.cat.T(loc, k, args...) }
	cols := []report.Column{{Header: T("annual.col_section"), Width: 16}, {Header: T("annual.col_item"), Width: 36},
		{Header: T("annual.col_detail"), Width: 30}, {Header: T("annual.col_value"), Width: 16}}
	m := a.Meeting
	return s.streamExport(c, report.XLSX, T("annual.pack_title", m.Title), cols, func(w report.Writer) error {
		rows := [][]any{
			{T("annual.sec_meeting"), T("meeting.title"), m.Title, ""},
			{T("annual.sec_meeting"), T("meeting.held_on"), govDay(m.HeldOn) + " " + m.StartTime, ""},
			{T("annual.sec_meeting"), T("meeting.location"), meetingPlace(m), ""},
			{T("annual.sec_meeting"), T("meeting.host_unit"), m.HostUnitName, ""},
			{T("annual.sec_meeting"), T("meeting.status"), T("meeting.status." + m.Status), ""},
		}
		f := a.Figures
		if a.Confirmed != nil {
			f = *a.Confirmed
		}
		year := fmt.Sprint(f.Year)
		// Money of one alliance's record: 元 with two decimals (¥12,345.00),
		// never 分 (docs/counters.md, the money rule).
		for _, r := range []struct {
			key string
			val any
		}{{"annual.fig_projects", f.Projects}, {"annual.fig_approved", f.Approved}, {"annual.fig_completed", f.Completed},
			{"annual.fig_evaluated", f.Evaluated}, {"annual.fig_cancelled", f.Cancelled}, {"annual.fig_budget", fmtMoney(f.BudgetFen)},
			{"annual.fig_beneficiaries", f.Beneficiaries}, {"annual.fig_volunteer_hours", f.VolunteerHours}, {"annual.fig_funds_spent", fmtMoney(f.FundsSpentFen)}} {
			rows = append(rows, []any{T("annual.sec_review"), T(r.key), year, r.val})
		}
		for _, l := range a.Letters {
			if l.LetterMeetingID != nil && *l.LetterMeetingID == m.ID {
				rows = append(rows, []any{T("annual.sec_letters"), l.UnitName, T("membership.rank." + l.Rank), letterDay(l, m.HeldOn)})
			}
		}
		for _, p := range a.Signed {
			code := ""
			if p.Code != nil {
				code = *p.Code
			}
			rows = append(rows, []any{T("annual.sec_signed"), p.Title, code + " " + p.LeadUnitName, fmtMoney(p.BudgetFen)})
		}
		for _, k := range []string{model.PublishNeed, model.PublishResource} {
			for _, it := range a.PublishedItems(k) {
				rows = append(rows, []any{T("annual.sec_published_" + k), it.Title, it.UnitName, ""})
			}
		}
		for _, p := range a.PublishedProjects() {
			rows = append(rows, []any{T("annual.sec_published_project"), p.Title, p.LeadUnitName, fmtMoney(p.BudgetFen)})
		}
		for _, t := range a.AnnouncedTerms() {
			rows = append(rows, []any{T("annual.sec_terms"), t.UnitName, govDay(t.StartsOn) + " ~ " + govDay(t.EndsOn), ""})
		}
		for _, at := range a.Attendance {
			if at.Recorded {
				state := T("meeting.absent")
				if at.Attended {
					state = T("meeting.present")
				}
				rows = append(rows, []any{T("annual.sec_attendance"), at.UnitName, at.Representative, state})
			}
		}
		rows = append(rows, []any{T("annual.sec_attendance"), T("meeting.attendance_rate"), fmt.Sprintf("%d/%d", a.Attended, a.Recorded),
			strconv.FormatFloat(a.Rate(), 'f', 1, 64) + "%"})
		res, numbered := resolutions(m.Resolutions)
		for i, r := range res {
			n := fmt.Sprint(i + 1)
			if numbered { // the text carries its own number
				n = ""
			}
			rows = append(rows, []any{T("annual.sec_resolutions"), n, r, ""})
		}
		for _, r := range rows {
			if err := w.WriteRow(r...); err != nil {
				return err
			}
		}
		return nil
	})
}
