package service

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"strings"

	"tongxin/internal/model"
	"tongxin/internal/store"
)

// ---- 会议日历 (iCalendar feed) ----

// The feed is a token URL a calendar program polls (it cannot log in). Its
// token is its own kind (calendar_feeds, one per user, SHA-256 stored),
// not an API token: a feed URL is pasted into other programs and travels
// further, so it must grant nothing but reading the meetings' dates, and it
// must not expire every 90 days under a calendar that polls it.

// ActionCalendarFeed is the audit action of a new feed token.
const ActionCalendarFeed = "calendar_feed.create"

// FeedTokenPrefix starts every feed token.
const FeedTokenPrefix = "txc_"

// FeedHorizonDays is how far back the feed lists meetings.
const FeedHorizonDays = 400

// FeedMax caps the meetings of a feed.
const FeedMax = 1000

// NewCalendarFeed makes (or replaces) the actor's feed token and returns it;
// it is shown once.
func (s *Meetings) NewCalendarFeed(ctx context.Context, actor model.Actor) (string, error) {
	if actor.UserID == 0 {
		return "", model.ErrUnauthenticated
	}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	token := FeedTokenPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		if err := s.db.SetCalendarFeed(ctx, actor.UserID, model.HashToken(token), token[:8]); err != nil {
			return err
		}
		return audit(ctx, s.db, actor, ActionCalendarFeed, "calendar_feed", actor.UserID, model.DomainSys, nil)
	})
	return token, err
}

// CalendarFeed returns the actor's feed (its prefix and last use), or nil.
func (s *Meetings) CalendarFeed(ctx context.Context, actor model.Actor) (*model.CalendarFeed, error) {
	return s.db.CalendarFeedOfUser(ctx, actor.UserID)
}

// FeedMeetings answers the feed of a token: the meetings the token's user
// may read (readScope: their roles' alliances and districts, and the
// alliances of the units they are the contact of), from FeedHorizonDays ago
// on. An unknown token is not found.
func (s *Meetings) FeedMeetings(ctx context.Context, token string) ([]store.MeetingRow, error) {
	if !strings.HasPrefix(token, FeedTokenPrefix) || len(token) > 100 {
		return nil, model.NotFound("calendar_feed", 0)
	}
	f, err := s.db.CalendarFeedByHash(ctx, model.HashToken(token))
	if err != nil {
		return nil, err
	}
	_ = s.db.TouchCalendarFeed(ctx, f.ID)
	sc, err := s.readScope(ctx, f.UserID)
	if err != nil {
		return nil, err
	}
	mf := store.MeetingFilter{Scope: sc, From: AllianceToday(s.db.Now()).AddDate(0, 0, -FeedHorizonDays)}
	var out []store.MeetingRow
	err = s.db.EachMeeting(ctx, mf, model.PageRequest{Sort: "held_on", Desc: true}, exportBatch, func(m *store.MeetingRow) error {
		if len(out) >= FeedMax {
			return errFeedFull
		}
		out = append(out, *m)
		return nil
	})
	if err != nil && !errors.Is(err, errFeedFull) {
		return nil, err
	}
	return out, nil
}

var errFeedFull = errors.New("feed full")
