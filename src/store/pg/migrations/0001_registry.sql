-- 0001 (PostgreSQL): the network registry. Same tables and meaning as the
-- SQLite schema of the same version; dates are days since 1970-01-01.
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
INSERT INTO meta (key, value) VALUES ('data_version', '0'), ('application', 'openpcn');

CREATE TABLE network (
  code              TEXT PRIMARY KEY,
  name              TEXT NOT NULL,
  clinical_director TEXT,
  sub_icb_code      TEXT,
  sub_icb_name      TEXT,
  icb_code          TEXT,
  icb_name          TEXT,
  region_code       TEXT,
  region_name       TEXT
);

CREATE TABLE practice (
  code         TEXT PRIMARY KEY,
  name         TEXT NOT NULL,
  postcode     TEXT,
  sub_icb_code TEXT,
  icb_code     TEXT,
  supplier     TEXT
);

CREATE TABLE membership (
  practice   TEXT NOT NULL REFERENCES practice (code),
  network    TEXT NOT NULL REFERENCES network (code),
  start_date INTEGER NOT NULL,
  end_date   INTEGER,
  PRIMARY KEY (practice, start_date),
  CHECK (end_date IS NULL OR end_date >= start_date)
);
CREATE INDEX membership_network ON membership (network);

CREATE TABLE site (
  id       BIGSERIAL PRIMARY KEY,
  practice TEXT REFERENCES practice (code) ON DELETE SET NULL,
  name     TEXT NOT NULL,
  postcode TEXT
);

CREATE TABLE list_size (
  practice TEXT NOT NULL REFERENCES practice (code),
  date     INTEGER NOT NULL,
  patients BIGINT NOT NULL CHECK (patients >= 0),
  PRIMARY KEY (practice, date)
);

CREATE TABLE list_band (
  practice TEXT NOT NULL REFERENCES practice (code),
  date     INTEGER NOT NULL,
  sex      TEXT NOT NULL CHECK (sex IN ('M', 'F')),
  age_from INTEGER NOT NULL CHECK (age_from BETWEEN 0 AND 95 AND age_from % 5 = 0),
  patients BIGINT NOT NULL CHECK (patients >= 0),
  PRIMARY KEY (practice, date, sex, age_from)
);
