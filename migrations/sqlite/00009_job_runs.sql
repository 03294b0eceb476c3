-- Periodic jobs (service.Jobs): one row per job name records its last run, so
-- that a job runs once per interval. SQLite serves one instance; the claim is
-- the same UPDATE as on Postgres, and a process-local mutex stands in for the
-- advisory lock.

-- +goose Up
CREATE TABLE job_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    last_started_at DATETIME,
    last_finished_at DATETIME,
    last_error TEXT NOT NULL DEFAULT '',
    runs INTEGER NOT NULL DEFAULT 0,
    instance TEXT NOT NULL DEFAULT '',
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE UNIQUE INDEX job_runs_name_key ON job_runs (name);

-- Forward only.
-- +goose Down
SELECT 1;
