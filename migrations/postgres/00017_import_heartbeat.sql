-- Import jobs: a heartbeat the worker writes every few seconds while it runs
-- a job, so that a job whose worker died is taken up again within seconds
-- (the running jobs whose heartbeat is older than import.stale_after).

-- +goose Up
ALTER TABLE import_jobs ADD COLUMN heartbeat_at TIMESTAMPTZ;
