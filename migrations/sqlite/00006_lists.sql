-- The three lists (三张清单): needs, resources and claims; the in-app inbox;
-- and the project tables that a need turns into (立项草稿). A need's coverage
-- and a resource's remaining capacity derive from accepted claims:
-- accepted_quantity is their sum, kept in the transaction that accepts or
-- withdraws a claim, and the CHECKs make the database refuse an over-booking.
-- district_id repeats the alliance's district so that lists scope in SQL.

-- +goose Up
CREATE TABLE needs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    alliance_id INTEGER NOT NULL REFERENCES alliances (id),
    district_id INTEGER NOT NULL REFERENCES districts (id),
    submitter_unit_id INTEGER NOT NULL REFERENCES units (id),
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    category TEXT NOT NULL,
    resource_kind TEXT NOT NULL DEFAULT '',
    street_id INTEGER REFERENCES streets (id),
    grid_id INTEGER REFERENCES grids (id),
    quantity INTEGER NOT NULL,
    measure TEXT NOT NULL,
    accepted_quantity INTEGER NOT NULL DEFAULT 0,
    beneficiaries INTEGER NOT NULL DEFAULT 0,
    wanted_by DATE,
    visibility TEXT NOT NULL DEFAULT 'alliance',
    status TEXT NOT NULL DEFAULT 'draft',
    close_reason TEXT NOT NULL DEFAULT '',
    published_at DATETIME,
    created_by INTEGER REFERENCES users (id),
    version INTEGER NOT NULL DEFAULT 1,
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT needs_quantity_check CHECK (quantity > 0),
    CONSTRAINT needs_accepted_check CHECK (accepted_quantity >= 0 AND accepted_quantity <= quantity)
);
CREATE INDEX needs_alliance_idx ON needs (alliance_id, created_at, id);
CREATE INDEX needs_district_idx ON needs (district_id, created_at, id);
CREATE INDEX needs_status_idx ON needs (status, created_at, id);
CREATE INDEX needs_submitter_idx ON needs (submitter_unit_id, created_at, id);
CREATE INDEX needs_wanted_by_idx ON needs (status, wanted_by);
CREATE INDEX needs_match_kind_idx ON needs (resource_kind, status, district_id);
CREATE INDEX needs_match_category_idx ON needs (category, status, district_id);

CREATE TABLE resources (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    alliance_id INTEGER NOT NULL REFERENCES alliances (id),
    district_id INTEGER NOT NULL REFERENCES districts (id),
    provider_unit_id INTEGER NOT NULL REFERENCES units (id),
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL,
    category TEXT NOT NULL DEFAULT '',
    service_site_id INTEGER REFERENCES service_sites (id),
    street_id INTEGER REFERENCES streets (id),
    capacity INTEGER NOT NULL,
    measure TEXT NOT NULL,
    accepted_quantity INTEGER NOT NULL DEFAULT 0,
    available_from DATE,
    available_until DATE,
    visibility TEXT NOT NULL DEFAULT 'alliance',
    status TEXT NOT NULL DEFAULT 'draft',
    withdraw_reason TEXT NOT NULL DEFAULT '',
    published_at DATETIME,
    created_by INTEGER REFERENCES users (id),
    version INTEGER NOT NULL DEFAULT 1,
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT resources_capacity_check CHECK (capacity > 0),
    CONSTRAINT resources_accepted_check CHECK (accepted_quantity >= 0 AND accepted_quantity <= capacity)
);
CREATE INDEX resources_alliance_idx ON resources (alliance_id, created_at, id);
CREATE INDEX resources_district_idx ON resources (district_id, created_at, id);
CREATE INDEX resources_status_idx ON resources (status, created_at, id);
CREATE INDEX resources_provider_idx ON resources (provider_unit_id, created_at, id);
CREATE INDEX resources_until_idx ON resources (status, available_until);
CREATE INDEX resources_match_kind_idx ON resources (kind, status, district_id);
CREATE INDEX resources_match_category_idx ON resources (category, status, district_id);

-- A claim (认领) takes part of its target: a need (to serve it) or a
-- resource (to use it). need_id and resource_id may both be set: a claim on
-- a need may name the claimant's resource that serves it, and a claim on a
-- resource the claimant's need it is for; only the target's quantity counts.
CREATE TABLE claims (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    target TEXT NOT NULL,
    need_id INTEGER REFERENCES needs (id),
    resource_id INTEGER REFERENCES resources (id),
    alliance_id INTEGER NOT NULL REFERENCES alliances (id),
    district_id INTEGER NOT NULL REFERENCES districts (id),
    claimant_unit_id INTEGER NOT NULL REFERENCES units (id),
    quantity INTEGER NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'pending',
    decided_by INTEGER REFERENCES users (id),
    decided_at DATETIME,
    reason TEXT NOT NULL DEFAULT '',
    created_by INTEGER REFERENCES users (id),
    version INTEGER NOT NULL DEFAULT 1,
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT claims_quantity_check CHECK (quantity > 0),
    CONSTRAINT claims_target_check CHECK ((target = 'need' AND need_id IS NOT NULL) OR (target = 'resource' AND resource_id IS NOT NULL))
);
CREATE INDEX claims_need_idx ON claims (need_id, status);
CREATE INDEX claims_resource_idx ON claims (resource_id, status);
CREATE INDEX claims_claimant_idx ON claims (claimant_unit_id, created_at, id);
CREATE INDEX claims_alliance_idx ON claims (alliance_id, created_at, id);
CREATE INDEX claims_district_idx ON claims (district_id, created_at, id);
CREATE INDEX claims_status_idx ON claims (status, created_at, id);

-- The in-app inbox. params holds the message's arguments as JSON; the page
-- renders kind through the catalog in the reader's language.
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL,
    subject_kind TEXT NOT NULL DEFAULT '',
    subject_id INTEGER NOT NULL DEFAULT 0,
    actor_id INTEGER REFERENCES users (id),
    params TEXT NOT NULL DEFAULT '{}',
    link TEXT NOT NULL DEFAULT '',
    read_at DATETIME,
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX notifications_user_idx ON notifications (user_id, id);
CREATE INDEX notifications_unread_idx ON notifications (user_id, read_at);

-- Projects (项目清单). The lifecycle, reviews and updates come with their
-- own migration; code is assigned at submission (NULL before).
CREATE TABLE projects (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT,
    alliance_id INTEGER NOT NULL REFERENCES alliances (id),
    district_id INTEGER NOT NULL REFERENCES districts (id),
    committee_id INTEGER REFERENCES committees (id),
    lead_unit_id INTEGER NOT NULL REFERENCES units (id),
    title TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    category TEXT NOT NULL,
    year INTEGER NOT NULL,
    starts_on DATE,
    ends_on DATE,
    budget_fen INTEGER NOT NULL DEFAULT 0,
    target_beneficiaries INTEGER NOT NULL DEFAULT 0,
    signed_meeting_id INTEGER,
    status TEXT NOT NULL DEFAULT 'draft',
    return_reason TEXT NOT NULL DEFAULT '',
    created_by INTEGER REFERENCES users (id),
    version INTEGER NOT NULL DEFAULT 1,
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT projects_budget_check CHECK (budget_fen >= 0)
);
CREATE UNIQUE INDEX projects_code_key ON projects (code);
CREATE INDEX projects_alliance_idx ON projects (alliance_id, created_at, id);
CREATE INDEX projects_district_idx ON projects (district_id, year, status);
CREATE INDEX projects_lead_idx ON projects (lead_unit_id, created_at, id);

-- Partner units and their roles (lead, partner, beneficiary …).
CREATE TABLE project_units (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id INTEGER NOT NULL REFERENCES projects (id),
    unit_id INTEGER NOT NULL REFERENCES units (id),
    role TEXT NOT NULL,
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE UNIQUE INDEX project_units_key ON project_units (project_id, unit_id);
CREATE INDEX project_units_unit_idx ON project_units (unit_id, project_id);

CREATE TABLE project_needs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id INTEGER NOT NULL REFERENCES projects (id),
    need_id INTEGER NOT NULL REFERENCES needs (id),
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE UNIQUE INDEX project_needs_key ON project_needs (project_id, need_id);
CREATE INDEX project_needs_need_idx ON project_needs (need_id);

CREATE TABLE project_resources (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id INTEGER NOT NULL REFERENCES projects (id),
    resource_id INTEGER NOT NULL REFERENCES resources (id),
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE UNIQUE INDEX project_resources_key ON project_resources (project_id, resource_id);
CREATE INDEX project_resources_resource_idx ON project_resources (resource_id);

-- Forward only.
-- +goose Down
SELECT 1;
