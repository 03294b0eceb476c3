-- Personal API tokens (Authorization: Bearer txn_…). Only the SHA-256 of the
-- secret is stored; the secret is shown once, at creation.

-- +goose Up
CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL, -- lower-case hex SHA-256 of the whole secret
    prefix TEXT NOT NULL,     -- the secret's first 8 characters, shown in lists
    expires_at DATETIME,      -- NULL: never expires
    last_used_at DATETIME,    -- written at most once a minute
    revoked_at DATETIME,
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE UNIQUE INDEX api_tokens_token_hash_key ON api_tokens (token_hash);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id, created_at, id);

-- Forward only: a release never rolls a migration back.
-- +goose Down
SELECT 1;
