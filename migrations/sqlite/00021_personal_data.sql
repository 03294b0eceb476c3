-- Personal information (个人信息): a contact's personal data may be erased
-- on request (service.Units.EraseContact, service.Users.ErasePersonal). The
-- live row keeps a tombstone (已删除) and records when; the audit log is
-- left as it is (append-only) and covered by its retention and archive.

-- +goose Up
ALTER TABLE units ADD COLUMN contact_erased_at DATETIME;
ALTER TABLE users ADD COLUMN erased_at DATETIME;

-- Forward only: a release never rolls a migration back.
-- +goose Down
SELECT 1;
