-- Districts, users, sessions, role assignments, login events and the audit log.

-- +goose Up
CREATE TABLE districts (
    id INTEGER PRIMARY KEY, -- the administrative division code, e.g. 310104
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE UNIQUE INDEX districts_code_key ON districts (code);

INSERT INTO districts (id, code, name) VALUES
    (310101, '310101', '黄浦区'),
    (310104, '310104', '徐汇区'),
    (310105, '310105', '长宁区'),
    (310106, '310106', '静安区'),
    (310107, '310107', '普陀区'),
    (310109, '310109', '虹口区'),
    (310110, '310110', '杨浦区'),
    (310112, '310112', '闵行区'),
    (310113, '310113', '宝山区'),
    (310114, '310114', '嘉定区'),
    (310115, '310115', '浦东新区'),
    (310116, '310116', '金山区'),
    (310117, '310117', '松江区'),
    (310118, '310118', '青浦区'),
    (310120, '310120', '奉贤区'),
    (310151, '310151', '崇明区');

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL,
    display_name TEXT NOT NULL,
    phone TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'active',
    password_hash TEXT NOT NULL,
    must_change_password BOOLEAN NOT NULL DEFAULT FALSE,
    password_changed_at DATETIME,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    first_failed_at DATETIME,
    locked_until DATETIME,
    last_login_at DATETIME,
    version INTEGER NOT NULL DEFAULT 1,
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE UNIQUE INDEX users_username_key ON users (username);
CREATE INDEX users_status_idx ON users (status, id);

CREATE TABLE password_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users (id),
    password_hash TEXT NOT NULL,
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX password_history_user_idx ON password_history (user_id, id);

CREATE TABLE role_assignments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users (id),
    role TEXT NOT NULL,
    domain TEXT NOT NULL,
    valid_from DATETIME NOT NULL,
    valid_until DATETIME,
    granted_by INTEGER REFERENCES users (id),
    source TEXT NOT NULL DEFAULT 'manual',
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX role_assignments_user_idx ON role_assignments (user_id);
CREATE INDEX role_assignments_domain_idx ON role_assignments (domain, role);

-- Login sessions (alexedwards/scs data, with the owner for 在线用户 and force logout).
CREATE TABLE sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    token TEXT NOT NULL,
    data BLOB NOT NULL,
    expiry DATETIME NOT NULL,
    user_id INTEGER REFERENCES users (id),
    ip TEXT NOT NULL DEFAULT '',
    user_agent TEXT NOT NULL DEFAULT '',
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE UNIQUE INDEX sessions_token_key ON sessions (token);
CREATE INDEX sessions_expiry_idx ON sessions (expiry);
CREATE INDEX sessions_user_idx ON sessions (user_id);

CREATE TABLE login_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER REFERENCES users (id),
    username TEXT NOT NULL,
    ip TEXT NOT NULL DEFAULT '',
    user_agent TEXT NOT NULL DEFAULT '',
    result TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX login_events_created_idx ON login_events (created_at, id);
CREATE INDEX login_events_user_idx ON login_events (user_id, created_at);

-- The audit log is append-only: triggers refuse UPDATE and DELETE.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER,
    username TEXT NOT NULL DEFAULT '',
    ip TEXT NOT NULL DEFAULT '',
    request_id TEXT NOT NULL DEFAULT '',
    action TEXT NOT NULL,
    object_kind TEXT NOT NULL DEFAULT '',
    object_id TEXT NOT NULL DEFAULT '',
    domain TEXT NOT NULL DEFAULT '',
    changes TEXT NOT NULL DEFAULT '',
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX audit_log_created_idx ON audit_log (created_at, id);
CREATE INDEX audit_log_object_idx ON audit_log (object_kind, object_id);
CREATE INDEX audit_log_user_idx ON audit_log (user_id, created_at);

-- +goose StatementBegin
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
-- +goose StatementEnd

-- Forward only: a release never rolls a migration back.
-- +goose Down
SELECT 1;
