-- Projects (项目清单), their lifecycle: the dates of each step, the review
-- trail (project_reviews), progress updates, attachments, funding sources,
-- service sites, the case library (cases) and the counters that hand out
-- gap-free codes (year-district-sequence) at first submission.

-- +goose Up
ALTER TABLE projects ADD COLUMN submitted_at DATETIME;
ALTER TABLE projects ADD COLUMN review_due_on DATE;
ALTER TABLE projects ADD COLUMN approved_at DATETIME;
ALTER TABLE projects ADD COLUMN started_at DATETIME;
ALTER TABLE projects ADD COLUMN completed_at DATETIME;
ALTER TABLE projects ADD COLUMN evaluated_at DATETIME;
ALTER TABLE projects ADD COLUMN cancelled_at DATETIME;
ALTER TABLE projects ADD COLUMN score INTEGER;
ALTER TABLE projects ADD COLUMN grade TEXT NOT NULL DEFAULT '';
ALTER TABLE projects ADD COLUMN evaluation_comment TEXT NOT NULL DEFAULT '';
ALTER TABLE projects ADD COLUMN closing_report TEXT NOT NULL DEFAULT '';
ALTER TABLE projects ADD COLUMN cancel_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE projects ADD COLUMN progress_percent INTEGER NOT NULL DEFAULT 0;
-- The reviewer queue: submitted projects of a district, oldest first.
CREATE INDEX projects_queue_idx ON projects (district_id, status, submitted_at, id);
CREATE INDEX projects_status_idx ON projects (status, created_at, id);
CREATE INDEX projects_year_idx ON projects (year, created_at, id);
CREATE INDEX projects_ends_idx ON projects (status, ends_on);

-- Each transition of a project: who fired it, from and to which status, the
-- comment shown on the project and a note only reviewers read.
CREATE TABLE project_reviews (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id INTEGER NOT NULL REFERENCES projects (id),
    actor_id INTEGER REFERENCES users (id),
    action TEXT NOT NULL,
    from_status TEXT NOT NULL,
    to_status TEXT NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    private_note TEXT NOT NULL DEFAULT '',
    score INTEGER,
    grade TEXT NOT NULL DEFAULT '',
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX project_reviews_project_idx ON project_reviews (project_id, id);

-- Progress reports (进展): percent done, what happened, beneficiaries served
-- (人次), volunteer hours, funds spent (fen), on a day.
CREATE TABLE project_updates (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id INTEGER NOT NULL REFERENCES projects (id),
    percent INTEGER NOT NULL,
    text TEXT NOT NULL,
    beneficiaries INTEGER NOT NULL DEFAULT 0,
    volunteer_hours INTEGER NOT NULL DEFAULT 0,
    funds_spent_fen INTEGER NOT NULL DEFAULT 0,
    happened_on DATE NOT NULL,
    created_by INTEGER REFERENCES users (id),
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT project_updates_percent_check CHECK (percent >= 0 AND percent <= 100),
    CONSTRAINT project_updates_amounts_check CHECK (beneficiaries >= 0 AND volunteer_hours >= 0 AND funds_spent_fen >= 0)
);
CREATE INDEX project_updates_project_idx ON project_updates (project_id, happened_on, id);

-- Uploaded files (photos, PDF, xlsx, docx), stored under upload_dir by their
-- SHA-256; owner_kind/owner_id say what they belong to (a project, a
-- progress update). purpose marks the evidence of a completion.
CREATE TABLE attachments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    owner_kind TEXT NOT NULL,
    owner_id INTEGER NOT NULL,
    purpose TEXT NOT NULL DEFAULT '',
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    stored_path TEXT NOT NULL,
    created_by INTEGER REFERENCES users (id),
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX attachments_owner_idx ON attachments (owner_kind, owner_id, id);

-- Where a project's money comes from (funding_source dictionary).
CREATE TABLE project_funding (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id INTEGER NOT NULL REFERENCES projects (id),
    source TEXT NOT NULL,
    amount_fen INTEGER NOT NULL,
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT project_funding_amount_check CHECK (amount_fen >= 0)
);
CREATE UNIQUE INDEX project_funding_key ON project_funding (project_id, source);

-- The service sites (党群服务阵地) where a project runs.
CREATE TABLE project_sites (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id INTEGER NOT NULL REFERENCES projects (id),
    service_site_id INTEGER NOT NULL REFERENCES service_sites (id),
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE UNIQUE INDEX project_sites_key ON project_sites (project_id, service_site_id);
CREATE INDEX project_sites_site_idx ON project_sites (service_site_id);

-- The case library (案例): an evaluated project nominated by its secretary,
-- selected (best 最佳 / excellent 优秀) or declined by the district reviewer.
CREATE TABLE cases (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id INTEGER NOT NULL REFERENCES projects (id),
    alliance_id INTEGER NOT NULL REFERENCES alliances (id),
    district_id INTEGER NOT NULL REFERENCES districts (id),
    year INTEGER NOT NULL,
    theme TEXT NOT NULL DEFAULT '',
    level TEXT NOT NULL DEFAULT '',
    write_up TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'nominated',
    nominated_by INTEGER REFERENCES users (id),
    nominated_at DATETIME NOT NULL,
    selected_by INTEGER REFERENCES users (id),
    selected_at DATETIME,
    version INTEGER NOT NULL DEFAULT 1,
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE UNIQUE INDEX cases_project_key ON cases (project_id);
CREATE INDEX cases_list_idx ON cases (year, district_id, status, id);
CREATE INDEX cases_status_idx ON cases (status, nominated_at, id);

-- Gap-free project codes: one row per district and year; next_seq is the
-- next number to hand out, taken (and incremented) in the transaction of
-- the submission that uses it, so a rollback gives it back.
CREATE TABLE project_code_counters (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    district_id INTEGER NOT NULL REFERENCES districts (id),
    year INTEGER NOT NULL,
    next_seq INTEGER NOT NULL,
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE UNIQUE INDEX project_code_counters_key ON project_code_counters (district_id, year);

-- Forward only.
-- +goose Down
SELECT 1;
