-- Failed logins counted per account AND per source address (see
-- service.Auth.Login). A row is one counter:
--   (username, source)  one account from one address: slows down after a
--                       few failures, then locks that address out of that
--                       account only (locked_until);
--   (username, '')      one account from every address: a growing delay
--                       that bounds a brute force spread over many addresses
--                       (addresses the account logged in from lately pass);
--   ('', source)        one address against every account: refused for a
--                       while after many failures (password spraying).
-- username is the normalised name typed, whether or not such an account
-- exists, so that unknown names behave exactly like known ones.

-- +goose Up
CREATE TABLE login_throttles (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL,
    source TEXT NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0,
    first_failed_at DATETIME,
    last_failed_at DATETIME,
    locked_until DATETIME,
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE UNIQUE INDEX login_throttles_key ON login_throttles (username, source);
CREATE INDEX login_throttles_source_idx ON login_throttles (source);
CREATE INDEX login_throttles_updated_idx ON login_throttles (updated_at);

-- Forward only: a release never rolls a migration back.
-- +goose Down
SELECT 1;
