package web

import (
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"tongxin/internal/model"
	"tongxin/internal/store"
)

// The personal iCalendar feed (会议日历): /calendar shows it and makes a new
// token; /calendar/:token/meetings.ics answers the feed (RFC 5545: CRLF line
// ends, lines folded at 75 octets, text escaped) to a calendar program,
// which authenticates by the token alone.

type calendarPage struct {
	Feed *model.CalendarFeed
	// URL is the feed's address, shown once after a new token.
	URL string
}

func (s *Server) calendarPage(c echo.Context) error {
	f, err := s.meetingService().CalendarFeed(c.Request().Context(), actor(c))
	if err != nil {
		return err
	}
	return s.renderCalendar(c, calendarPage{Feed: f})
}

func (s *Server) renderCalendar(c echo.Context, p calendarPage) error {
	loc := Locale(c)
	title := s.cat.T(loc, "calendar.title")
	v := s.view(c, title, Crumb{Label: s.cat.T(loc, "menu.meetings"), URL: "/meetings"}, Crumb{Label: title})
	v.Data = p
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return s.page(c, http.StatusOK, "meetings/calendar", v)
}

// calendarToken makes a new feed token and shows its URL once (the answer
// to the POST, never a redirect: the token must not travel in a flash).
func (s *Server) calendarToken(c echo.Context) error {
	ctx := c.Request().Context()
	token, err := s.meetingService().NewCalendarFeed(ctx, actor(c))
	if err != nil {
		return err
	}
	f, err := s.meetingService().CalendarFeed(ctx, actor(c))
	if err != nil {
		return err
	}
	base := strings.TrimRight(s.opts.BaseURL, "/")
	return s.renderCalendar(c, calendarPage{Feed: f, URL: base + "/calendar/" + token + "/meetings.ics"})
}

func (s *Server) calendarFeed(c echo.Context) error {
	rows, err := s.meetingService().FeedMeetings(c.Request().Context(), c.Param("token"))
	if err != nil {
		return err
	}
	host := "tongxin"
	if i := strings.Index(s.opts.BaseURL, "://"); i >= 0 {
		host = strings.Split(s.opts.BaseURL[i+3:], "/")[0]
	}
	body := ICalendar(rows, host, strings.TrimRight(s.opts.BaseURL, "/"), s.db.Now(), func(k string) string { return s.cat.T(LocaleZH, k) })
	h := c.Response().Header()
	h.Set(echo.HeaderCacheControl, "no-store")
	return c.Blob(http.StatusOK, "text/calendar; charset=utf-8", []byte(body))
}

// ICalendar writes the meetings as an RFC 5545 VCALENDAR. A meeting with a
// start time is an event in Asia/Shanghai (written in UTC); one without is an
// all-day event. A cancelled meeting is STATUS:CANCELLED.
func ICalendar(rows []store.MeetingRow, host, baseURL string, now time.Time, label func(string) string) string {
	var b strings.Builder
	line := func(s string) { b.WriteString(foldLine(s)) }
	line("BEGIN:VCALENDAR")
	line("VERSION:2.0")
	line("PRODID:-//Tongxin//Meetings//ZH")
	line("CALSCALE:GREGORIAN")
	line("METHOD:PUBLISH")
	line("X-WR-CALNAME:" + icsText(label("calendar.name")))
	line("X-WR-TIMEZONE:Asia/Shanghai")
	stamp := now.UTC().Format("20060102T150405Z")
	cst := time.FixedZone("CST", 8*3600)
	for _, m := range rows {
		line("BEGIN:VEVENT")
		line(fmt.Sprintf("UID:meeting-%d@%s", m.ID, host))
		line("DTSTAMP:" + stamp)
		line("LAST-MODIFIED:" + m.UpdatedAt.UTC().Format("20060102T150405Z"))
		line(fmt.Sprintf("SEQUENCE:%d", max(m.Version-1, 0)))
		d := m.HeldOn.UTC()
		if hh, mm, ok := parseHM(m.StartTime); ok {
			start := time.Date(d.Year(), d.Month(), d.Day(), hh, mm, 0, 0, cst)
			end := start.Add(time.Duration(max(m.DurationMinutes, 1)) * time.Minute)
			line("DTSTART:" + start.UTC().Format("20060102T150405Z"))
			line("DTEND:" + end.UTC().Format("20060102T150405Z"))
		} else {
			line("DTSTART;VALUE=DATE:" + d.Format("20060102"))
			line("DTEND;VALUE=DATE:" + d.AddDate(0, 0, 1).Format("20060102"))
		}
		line("SUMMARY:" + icsText("["+label("meeting.kind."+m.Kind)+"] "+m.Title))
		if place := meetingPlace(&m); place != "" {
			line("LOCATION:" + icsText(place))
		}
		desc := m.AllianceName
		if m.HostUnitName != "" {
			desc += "\n" + label("meeting.host_unit") + "：" + m.HostUnitName
		}
		if m.Agenda != "" {
			desc += "\n" + label("meeting.agenda") + "：\n" + m.Agenda
		}
		line("DESCRIPTION:" + icsText(desc))
		if baseURL != "" {
			line(fmt.Sprintf("URL:%s/meetings/%d", baseURL, m.ID))
		}
		switch m.Status {
		case model.MeetingCancelled:
			line("STATUS:CANCELLED")
		default:
			line("STATUS:CONFIRMED")
		}
		line("END:VEVENT")
	}
	line("END:VCALENDAR")
	return b.String()
}

func parseHM(s string) (int, int, bool) {
	t, err := time.Parse("15:04", s)
	if err != nil {
		return 0, 0, false
	}
	return t.Hour(), t.Minute(), true
}

// icsText escapes a TEXT value (RFC 5545 3.3.11): backslash, semicolon,
// comma and newline; other control characters are dropped.
func icsText(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == ';':
			b.WriteString(`\;`)
		case r == ',':
			b.WriteString(`\,`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r' || (r < 0x20 && r != '\t') || r == 0x7f:
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// foldLine ends a content line with CRLF, folding it so that no line is
// longer than 75 octets (a continuation starts with a space), never
// inside a UTF-8 character.
func foldLine(s string) string {
	var b strings.Builder
	n := 0
	for len(s) > 0 {
		_, size := utf8.DecodeRuneInString(s)
		if n+size > 75 {
			b.WriteString("\r\n ")
			n = 1
		}
		b.WriteString(s[:size])
		n += size
		s = s[size:]
	}
	b.WriteString("\r\n")
	return b.String()
}
