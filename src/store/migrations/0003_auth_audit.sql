-- 0003: users, sessions, login throttling and the audit log. Instants are
-- microseconds since the Unix epoch (UTC). Tokens are never stored: a
-- session row holds a hash of its token.
CREATE TABLE app_user (
  id         INTEGER PRIMARY KEY,
  name       TEXT NOT NULL UNIQUE,
  role       TEXT NOT NULL CHECK (role IN ('admin', 'clinical_director', 'practice_manager',
                                           'clinician', 'link_worker', 'ppg_member', 'analyst')),
  practice   TEXT,
  pwhash     TEXT NOT NULL,
  disabled   INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
  created_at INTEGER NOT NULL
);

CREATE TABLE session (
  token_hash TEXT PRIMARY KEY,
  user_id    INTEGER NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
  csrf_token TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  revoked    INTEGER NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1))
) WITHOUT ROWID;
CREATE INDEX session_user ON session (user_id);

-- One row per login attempt; subject is 'user:NAME' or 'addr:ADDRESS'.
CREATE TABLE login_attempt (
  subject TEXT NOT NULL,
  at      INTEGER NOT NULL,
  success INTEGER NOT NULL CHECK (success IN (0, 1))
);
CREATE INDEX login_attempt_subject ON login_attempt (subject, at);

-- Append-only: the triggers below refuse UPDATE and DELETE. Each row's hash
-- covers the previous row's hash and the row's own fields (see audit.h),
-- so an edit made with the triggers dropped still breaks the chain.
CREATE TABLE audit (
  id          INTEGER PRIMARY KEY,
  at          INTEGER NOT NULL,
  user_name   TEXT NOT NULL,
  role        TEXT NOT NULL,
  method      TEXT NOT NULL,
  route       TEXT NOT NULL,
  object_type TEXT,
  object_id   TEXT,
  status      INTEGER NOT NULL,
  prev_hash   TEXT NOT NULL,
  hash        TEXT NOT NULL
);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
  SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
  SELECT RAISE(ABORT, 'the audit log is append-only');
END;
