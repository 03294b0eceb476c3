-- Change counters: on SQLite a change bumps a counter of its channel, which
-- every instance polls (store.DB.Listen). Postgres announces changes with
-- NOTIFY and does not use the table; it exists here so that both dialects
-- keep one schema.

-- +goose Up
CREATE TABLE change_counters (
    channel TEXT PRIMARY KEY,
    seq BIGINT NOT NULL DEFAULT 0
);
INSERT INTO change_counters (channel, seq) VALUES ('tongxin_authz', 0);

-- The chair unit is told once when its term starts (service.TermStartNotices):
-- the notice is claimed by setting start_noticed_at, so that of several
-- instances running the job only one sends it.
ALTER TABLE rotation_terms ADD COLUMN start_noticed_at TIMESTAMPTZ;

-- Forward only: a release never rolls a migration back.
-- +goose Down
SELECT 1;
