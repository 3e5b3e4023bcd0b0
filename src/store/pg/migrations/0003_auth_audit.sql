-- 0003 (PostgreSQL): users, sessions, login throttling and the audit log,
-- as in the SQLite schema of the same version. Instants are microseconds
-- since the Unix epoch (UTC); a session row holds a hash of its token.
CREATE TABLE app_user (
  id         BIGSERIAL PRIMARY KEY,
  name       TEXT NOT NULL UNIQUE,
  role       TEXT NOT NULL CHECK (role IN ('admin', 'clinical_director', 'practice_manager',
                                           'clinician', 'link_worker', 'ppg_member', 'analyst')),
  practice   TEXT,
  pwhash     TEXT NOT NULL,
  disabled   INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
  created_at BIGINT NOT NULL
);

CREATE TABLE session (
  token_hash TEXT PRIMARY KEY,
  user_id    BIGINT NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
  csrf_token TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  revoked    INTEGER NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1))
);
CREATE INDEX session_by_user ON session (user_id);

CREATE TABLE login_attempt (
  subject TEXT NOT NULL,
  at      BIGINT NOT NULL,
  success INTEGER NOT NULL CHECK (success IN (0, 1))
);
CREATE INDEX login_attempt_subject ON login_attempt (subject, at);

-- Append-only: the trigger refuses UPDATE and DELETE (and TRUNCATE).
CREATE TABLE audit (
  id          BIGINT PRIMARY KEY,
  at          BIGINT NOT NULL,
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
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the audit log is append-only';
END;
$$;
CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit
  FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
  FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
