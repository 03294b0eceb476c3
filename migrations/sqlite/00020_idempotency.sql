-- One-time keys (issue 15, point 8): a form carries a submission key, an
-- API call may carry an Idempotency-Key header. The first request with a
-- key reserves it (state 'running'), runs, then records its answer (state
-- 'done'); a second request with the same key does not run again: it gets
-- the recorded answer, or 409 while the first still runs. scope is the
-- owner of the key (form:<user id> or api:<user id>); request_hash tells a
-- retry from a different request that reuses the key. Rows expire (24 h).

-- +goose Up
CREATE TABLE idempotency_keys (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    scope TEXT NOT NULL,
    idem_key TEXT NOT NULL,
    route TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    state TEXT NOT NULL,
    status INTEGER NOT NULL DEFAULT 0,
    location TEXT NOT NULL DEFAULT '',
    content_type TEXT NOT NULL DEFAULT '',
    body BLOB,
    created_at DATETIME NOT NULL,
    expires_at DATETIME NOT NULL
);
CREATE UNIQUE INDEX idempotency_keys_key ON idempotency_keys (scope, idem_key);
CREATE INDEX idempotency_keys_expires_idx ON idempotency_keys (expires_at);

-- +goose Down
DROP TABLE idempotency_keys;
