-- 0002 (PostgreSQL): coded GP records. Child rows carry their own serial id
-- so walks have a stable order (SQLite uses the rowid).
CREATE TABLE patient (
  id              BIGSERIAL PRIMARY KEY,
  patient_id      TEXT NOT NULL UNIQUE,
  nhs_number      TEXT,
  family_name     TEXT,
  given_name      TEXT,
  date_of_birth   INTEGER NOT NULL,
  sex             TEXT NOT NULL CHECK (sex IN ('U', 'M', 'F', 'I')),
  ethnicity       TEXT,
  postcode        TEXT,
  lsoa            TEXT,
  practice        TEXT,
  registered_from INTEGER,
  registered_to   INTEGER,
  date_of_death   INTEGER
);
CREATE INDEX patient_practice ON patient (practice);
CREATE INDEX patient_nhs_number ON patient (nhs_number);

CREATE TABLE event (
  id          BIGSERIAL PRIMARY KEY,
  patient     BIGINT NOT NULL REFERENCES patient (id) ON DELETE CASCADE,
  date        INTEGER NOT NULL,
  end_date    INTEGER,
  kind        INTEGER NOT NULL,
  system      TEXT NOT NULL,
  code        TEXT NOT NULL,
  value       DOUBLE PRECISION,
  unit        TEXT,
  source      TEXT,
  orig_system TEXT,
  orig_code   TEXT
);
CREATE INDEX event_patient ON event (patient, date);

CREATE TABLE medication (
  id         BIGSERIAL PRIMARY KEY,
  patient    BIGINT NOT NULL REFERENCES patient (id) ON DELETE CASCADE,
  start_date INTEGER NOT NULL,
  end_date   INTEGER,
  system     TEXT NOT NULL,
  code       TEXT NOT NULL,
  quantity   DOUBLE PRECISION,
  source     TEXT
);
CREATE INDEX medication_patient ON medication (patient, start_date);

CREATE TABLE immunisation (
  id      BIGSERIAL PRIMARY KEY,
  patient BIGINT NOT NULL REFERENCES patient (id) ON DELETE CASCADE,
  date    INTEGER NOT NULL,
  system  TEXT NOT NULL,
  code    TEXT NOT NULL,
  source  TEXT
);
CREATE INDEX immunisation_patient ON immunisation (patient, date);

CREATE TABLE encounter (
  id              BIGSERIAL PRIMARY KEY,
  patient         BIGINT NOT NULL REFERENCES patient (id) ON DELETE CASCADE,
  encounter_id    TEXT NOT NULL,
  date            INTEGER NOT NULL,
  end_date        INTEGER,
  system          TEXT,
  code            TEXT,
  encounter_class TEXT,
  source          TEXT
);
CREATE INDEX encounter_patient ON encounter (patient, date);

CREATE TABLE term (
  system TEXT NOT NULL,
  code   TEXT NOT NULL,
  term   TEXT NOT NULL,
  PRIMARY KEY (system, code)
);
