-- 0008: social prescribing (issue 18), referrals to link workers and what is
-- recorded on them: transitions, contacts, goals, connections to assets and
-- wellbeing questionnaires. Instants are microseconds since the Unix epoch.
-- Referrals name their patient by patient_id without a foreign key, so they
-- outlive a re-imported population. Every table holds patient data.

CREATE TABLE sp_referral (
  id               INTEGER PRIMARY KEY,
  version          INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
  patient_id       TEXT NOT NULL,
  source           INTEGER NOT NULL CHECK (source BETWEEN 0 AND 3),
  channel          INTEGER NOT NULL DEFAULT 0 CHECK (channel BETWEEN 0 AND 2),
  referrer         TEXT NOT NULL DEFAULT '',
  worklist         TEXT NOT NULL DEFAULT '',
  reason           TEXT NOT NULL DEFAULT '',
  needs            INTEGER NOT NULL DEFAULT 0 CHECK (needs BETWEEN 0 AND 4095),
  received_at      INTEGER NOT NULL,
  created_by       TEXT NOT NULL,
  link_worker      TEXT NOT NULL DEFAULT '',
  state            INTEGER NOT NULL DEFAULT 0 CHECK (state BETWEEN 0 AND 7),
  close_reason     INTEGER NOT NULL DEFAULT 0 CHECK (close_reason BETWEEN 0 AND 9),
  what_matters     TEXT NOT NULL DEFAULT '',
  updated_at       INTEGER NOT NULL,
  first_contact_at INTEGER,
  last_contact_at  INTEGER,
  n_contacts       INTEGER NOT NULL DEFAULT 0,
  ended_at         INTEGER,
  CHECK ((state = 5) = (close_reason <> 0))
);
CREATE INDEX sp_referral_patient ON sp_referral (patient_id);
CREATE INDEX sp_referral_worker ON sp_referral (link_worker, state);

CREATE TABLE sp_transition (
  id          INTEGER PRIMARY KEY,
  referral_id INTEGER NOT NULL REFERENCES sp_referral (id) ON DELETE CASCADE,
  from_state  INTEGER NOT NULL CHECK (from_state BETWEEN 0 AND 7),
  to_state    INTEGER NOT NULL CHECK (to_state BETWEEN 0 AND 7),
  at          INTEGER NOT NULL,
  by_user     TEXT NOT NULL,
  reason      INTEGER NOT NULL DEFAULT 0 CHECK (reason BETWEEN 0 AND 9),
  note        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sp_transition_referral ON sp_transition (referral_id, id);

CREATE TABLE sp_contact (
  id          INTEGER PRIMARY KEY,
  referral_id INTEGER NOT NULL REFERENCES sp_referral (id) ON DELETE CASCADE,
  at          INTEGER NOT NULL,
  type        INTEGER NOT NULL CHECK (type BETWEEN 0 AND 5),
  minutes     INTEGER NOT NULL CHECK (minutes BETWEEN 0 AND 480),
  successful  INTEGER NOT NULL CHECK (successful IN (0, 1)),
  by_user     TEXT NOT NULL,
  notes       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sp_contact_referral ON sp_contact (referral_id, at);

CREATE TABLE sp_goal (
  id          INTEGER PRIMARY KEY,
  referral_id INTEGER NOT NULL REFERENCES sp_referral (id) ON DELETE CASCADE,
  version     INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
  text        TEXT NOT NULL CHECK (length(text) >= 1),
  status      INTEGER NOT NULL DEFAULT 0 CHECK (status BETWEEN 0 AND 4),
  target_date INTEGER,
  updated_at  INTEGER NOT NULL
);
CREATE INDEX sp_goal_referral ON sp_goal (referral_id, id);

CREATE TABLE sp_connection (
  id           INTEGER PRIMARY KEY,
  referral_id  INTEGER NOT NULL REFERENCES sp_referral (id) ON DELETE CASCADE,
  version      INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
  asset_id     INTEGER NOT NULL REFERENCES sp_asset (id),
  connected_on INTEGER NOT NULL,
  attendance   INTEGER NOT NULL DEFAULT 0 CHECK (attendance BETWEEN 0 AND 2),
  note         TEXT NOT NULL DEFAULT '',
  updated_at   INTEGER NOT NULL
);
CREATE INDEX sp_connection_referral ON sp_connection (referral_id, id);

-- items: the answers as comma-separated whole numbers ("3,4,4,2,3,5,3").
CREATE TABLE sp_outcome (
  id          INTEGER PRIMARY KEY,
  referral_id INTEGER NOT NULL REFERENCES sp_referral (id) ON DELETE CASCADE,
  instrument  INTEGER NOT NULL CHECK (instrument BETWEEN 0 AND 2),
  at          INTEGER NOT NULL,
  recorded_by TEXT NOT NULL,
  items       TEXT NOT NULL
);
CREATE INDEX sp_outcome_referral ON sp_outcome (referral_id, at);
