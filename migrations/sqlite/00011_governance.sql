-- Alliance governance (issue 8): the rotating chair (轮值制) and meetings led
-- by the annual meeting (年会制).
--
-- rotation_terms: at any date an alliance has at most one chair. The service
-- enforces it in the writing transaction (the alliance row locked FOR UPDATE on Postgres; SQLite: the immediate transaction,
-- then an overlap query, then the write); the CHECK keeps a term's dates in
-- order. district_id repeats the alliance's district so that lists scope in SQL.
-- The chair's rights are role_assignments rows with source 'rotation' and
-- rotation_term_id naming the term they are derived from.

-- +goose Up
CREATE TABLE meetings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    alliance_id INTEGER NOT NULL REFERENCES alliances (id),
    district_id INTEGER NOT NULL REFERENCES districts (id),
    committee_id INTEGER REFERENCES committees (id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    held_on DATE NOT NULL,
    start_time TEXT NOT NULL DEFAULT '',
    duration_minutes INTEGER NOT NULL DEFAULT 120,
    year INTEGER NOT NULL,
    site_id INTEGER REFERENCES service_sites (id),
    location TEXT NOT NULL DEFAULT '',
    host_unit_id INTEGER REFERENCES units (id),
    agenda TEXT NOT NULL DEFAULT '',
    minutes TEXT NOT NULL DEFAULT '',
    resolutions TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'planned',
    cancel_reason TEXT NOT NULL DEFAULT '',
    review_figures TEXT NOT NULL DEFAULT '',
    review_confirmed_at DATETIME,
    created_by INTEGER REFERENCES users (id),
    version INTEGER NOT NULL DEFAULT 1,
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT meetings_duration_check CHECK (duration_minutes > 0)
);
CREATE INDEX meetings_alliance_idx ON meetings (alliance_id, held_on, id);
CREATE INDEX meetings_district_idx ON meetings (district_id, held_on, id);
CREATE INDEX meetings_committee_idx ON meetings (committee_id, held_on);
-- One annual meeting per alliance and year (a cancelled one may be replaced).
CREATE UNIQUE INDEX meetings_annual_key ON meetings (alliance_id, year) WHERE kind = 'annual' AND status <> 'cancelled';

CREATE TABLE meeting_attendance (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    meeting_id INTEGER NOT NULL REFERENCES meetings (id),
    unit_id INTEGER NOT NULL REFERENCES units (id),
    attended BOOLEAN NOT NULL DEFAULT FALSE,
    representative TEXT NOT NULL DEFAULT '',
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE UNIQUE INDEX meeting_attendance_key ON meeting_attendance (meeting_id, unit_id);

-- What an annual meeting published (三张清单): needs, resources and projects.
-- item_kind names the table of item_id (need, resource, project).
CREATE TABLE meeting_publications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    meeting_id INTEGER NOT NULL REFERENCES meetings (id),
    item_kind TEXT NOT NULL,
    item_id INTEGER NOT NULL,
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE UNIQUE INDEX meeting_publications_key ON meeting_publications (meeting_id, item_kind, item_id);

CREATE TABLE rotation_terms (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    alliance_id INTEGER NOT NULL REFERENCES alliances (id),
    district_id INTEGER NOT NULL REFERENCES districts (id),
    unit_id INTEGER NOT NULL REFERENCES units (id),
    starts_on DATE NOT NULL,
    ends_on DATE NOT NULL,
    status TEXT NOT NULL DEFAULT 'planned',
    handover_note TEXT NOT NULL DEFAULT '',
    handed_over_on DATE,
    announced_meeting_id INTEGER REFERENCES meetings (id),
    created_by INTEGER REFERENCES users (id),
    version INTEGER NOT NULL DEFAULT 1,
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT rotation_terms_dates_check CHECK (ends_on >= starts_on)
);
CREATE INDEX rotation_terms_alliance_idx ON rotation_terms (alliance_id, starts_on, id);
CREATE INDEX rotation_terms_district_idx ON rotation_terms (district_id, starts_on, id);
CREATE INDEX rotation_terms_unit_idx ON rotation_terms (unit_id, starts_on);

-- A term's duties (host the joint meeting, half-year summary, annual summary,
-- brief): due and done days, and the meeting or document that fulfils one.
-- warned_at and due_noticed_at record the notices sent (a week before, on
-- the day): the job claims each with an UPDATE … WHERE … IS NULL, so a notice
-- goes out once however many instances run it.
CREATE TABLE rotation_duties (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    term_id INTEGER NOT NULL REFERENCES rotation_terms (id),
    kind TEXT NOT NULL,
    due_on DATE NOT NULL,
    done_on DATE,
    meeting_id INTEGER REFERENCES meetings (id),
    document TEXT NOT NULL DEFAULT '',
    warned_at DATETIME,
    due_noticed_at DATETIME,
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX rotation_duties_term_idx ON rotation_duties (term_id, due_on);
CREATE INDEX rotation_duties_open_idx ON rotation_duties (done_on, due_on);

ALTER TABLE role_assignments ADD COLUMN rotation_term_id INTEGER REFERENCES rotation_terms (id);
CREATE INDEX role_assignments_rotation_idx ON role_assignments (rotation_term_id);

-- The personal iCalendar feed (a token URL a calendar program polls). Only
-- the SHA-256 of the token is stored; a new token replaces the old one.
CREATE TABLE calendar_feeds (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users (id),
    token_hash TEXT NOT NULL,
    prefix TEXT NOT NULL,
    last_used_at DATETIME,
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE UNIQUE INDEX calendar_feeds_user_key ON calendar_feeds (user_id);
CREATE UNIQUE INDEX calendar_feeds_token_key ON calendar_feeds (token_hash);

-- Forward only.
-- +goose Down
SELECT 1;
