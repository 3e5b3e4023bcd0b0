-- 0003 (PostgreSQL): users, sessions, login throttling and the audit log.
-- Same tables and meaning as the SQLite schema of the same version (see
-- src/store/migrations/0003_auth_audit.sql). The backend's calls for them
-- are not written yet (they return PCN_EUNSUPPORTED); the schema keeps both
-- backends at the same version.
CREATE TABLE app_user (
  id         BIGSERIAL PRIMARY KEY,
  name       TEXT NOT NULL UNIQUE,
  role       TEXT NOT NULL CHECK (role IN ('admin', 'clinical_director', 'practice_manager',
                                           'clinician', 'link_worker', 'ppg_member', 'analyst')),
  practice   TEXT,
  pwhash     TEXT NOT NULL,
  disabled   SMALLINT NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
  created_at BIGINT NOT NULL
);

CREATE TABLE session (
  token_hash TEXT PRIMARY KEY,
  user_id    BIGINT NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
  csrf_token TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  revoked    SMALLINT NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1))
);
CREATE INDEX session_by_user ON session (user_id);

CREATE TABLE login_attempt (
  subject TEXT NOT NULL,
  at      BIGINT NOT NULL,
  success SMALLINT NOT NULL CHECK (success IN (0, 1))
);
CREATE INDEX login_attempt_subject ON login_attempt (subject, at);

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
CREATE TRIGGER audit_no_update BEFORE UPDATE OR DELETE ON audit
  FOR EACH ROW EXECUTE FUNCTION audit_append_only();
