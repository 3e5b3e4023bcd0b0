-- 0005 (PostgreSQL): patient partnership (docs/engagement.md), the groups.
-- Same tables and meaning as the SQLite schema of the same version: patient
-- participation groups and their members. Members are not patients: no table
-- here refers to the population tables. Dates are days since 1970-01-01;
-- NULL = none. Editable rows carry a version.

-- A practice's PPG (practice set; one per practice) or a network-level group.
CREATE TABLE ppg_group (
  id       BIGSERIAL PRIMARY KEY,
  network  TEXT NOT NULL REFERENCES network (code),
  practice TEXT REFERENCES practice (code),
  name     TEXT NOT NULL,
  formed   INTEGER,
  version  BIGINT NOT NULL DEFAULT 1,
  UNIQUE (network, name)
);
CREATE UNIQUE INDEX ppg_group_practice ON ppg_group (practice) WHERE practice IS NOT NULL;

-- Personal data of group members (not patient data). Name, e-mail, telephone
-- and postcode district are removed when consent is withdrawn; the anonymous
-- facts stay, so the group's make-up and history still count the member.
CREATE TABLE ppg_member (
  id           BIGSERIAL PRIMARY KEY,
  group_id     BIGINT NOT NULL REFERENCES ppg_group (id),
  name         TEXT,
  email        TEXT,
  phone        TEXT,
  consent      INTEGER NOT NULL CHECK (consent IN (0, 1)),
  role         TEXT NOT NULL CHECK (role IN ('member', 'chair', 'virtual')),
  age_band     TEXT NOT NULL CHECK (age_band IN ('not_stated', '0-17', '18-24', '25-34', '35-44',
                                                 '45-54', '55-64', '65-74', '75-84', '85+')),
  sex          TEXT NOT NULL CHECK (sex IN ('not_stated', 'female', 'male', 'other')),
  ethnic_group TEXT NOT NULL CHECK (ethnic_group IN ('not_stated', 'white', 'mixed', 'asian',
                                                     'black', 'other')),
  district     TEXT,
  quintile     INTEGER CHECK (quintile BETWEEN 1 AND 5),
  carer        TEXT NOT NULL CHECK (carer IN ('not_stated', 'yes', 'no')),
  disability   TEXT NOT NULL CHECK (disability IN ('not_stated', 'yes', 'no')),
  ltc          TEXT NOT NULL CHECK (ltc IN ('not_stated', 'yes', 'no')),
  joined       INTEGER NOT NULL,
  left_date    INTEGER,
  withdrawn    INTEGER,
  version      BIGINT NOT NULL DEFAULT 1,
  CHECK (left_date IS NULL OR left_date >= joined),
  CHECK (withdrawn IS NULL OR (name IS NULL AND email IS NULL AND phone IS NULL AND
                               district IS NULL AND consent = 0))
);
CREATE INDEX ppg_member_group ON ppg_member (group_id, joined);
