-- Change counters: Postgres announces a change to every instance with
-- NOTIFY; SQLite has no such thing, so a change bumps a counter of its
-- channel in the writing transaction and every instance polls it
-- (store.DB.Listen). Role assignments, user status, memberships and
-- committee convenors also bump the authorization channel by trigger, so that a writer that forgets to
-- announce (a script, the generator, the demo seed) still reaches every
-- running server.

-- +goose Up
CREATE TABLE change_counters (
    channel TEXT PRIMARY KEY,
    seq BIGINT NOT NULL DEFAULT 0
);
INSERT INTO change_counters (channel, seq) VALUES ('tongxin_authz', 0);

-- +goose StatementBegin
CREATE TRIGGER role_assignments_authz_insert AFTER INSERT ON role_assignments BEGIN
    UPDATE change_counters SET seq = seq + 1 WHERE channel = 'tongxin_authz';
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER role_assignments_authz_update AFTER UPDATE ON role_assignments BEGIN
    UPDATE change_counters SET seq = seq + 1 WHERE channel = 'tongxin_authz';
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER role_assignments_authz_delete AFTER DELETE ON role_assignments BEGIN
    UPDATE change_counters SET seq = seq + 1 WHERE channel = 'tongxin_authz';
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER users_authz_status AFTER UPDATE OF status ON users WHEN old.status IS NOT new.status BEGIN
    UPDATE change_counters SET seq = seq + 1 WHERE channel = 'tongxin_authz';
END;
-- +goose StatementEnd

-- Memberships and committee convenors give the derived roles alliance_member
-- and committee_convenor (internal/authz/derived.go).
-- +goose StatementBegin
CREATE TRIGGER memberships_authz_insert AFTER INSERT ON memberships BEGIN
    UPDATE change_counters SET seq = seq + 1 WHERE channel = 'tongxin_authz';
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER memberships_authz_update AFTER UPDATE ON memberships BEGIN
    UPDATE change_counters SET seq = seq + 1 WHERE channel = 'tongxin_authz';
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER memberships_authz_delete AFTER DELETE ON memberships BEGIN
    UPDATE change_counters SET seq = seq + 1 WHERE channel = 'tongxin_authz';
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER committees_authz_insert AFTER INSERT ON committees BEGIN
    UPDATE change_counters SET seq = seq + 1 WHERE channel = 'tongxin_authz';
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER committees_authz_update AFTER UPDATE OF convenor_unit_id, status ON committees BEGIN
    UPDATE change_counters SET seq = seq + 1 WHERE channel = 'tongxin_authz';
END;
-- +goose StatementEnd

-- The chair unit is told once when its term starts (service.TermStartNotices):
-- the notice is claimed by setting start_noticed_at, so that of several
-- instances running the job only one sends it.
ALTER TABLE rotation_terms ADD COLUMN start_noticed_at DATETIME;

-- Forward only: a release never rolls a migration back.
-- +goose Down
SELECT 1;
