-- 0001: the network registry. Dates are days since 1970-01-01; NULL = none.
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
INSERT INTO meta (key, value) VALUES ('data_version', '0');

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

-- A practice's membership of a network over time. History is never
-- overwritten: a move ends one row and starts another.
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
  id       INTEGER PRIMARY KEY,
  practice TEXT REFERENCES practice (code) ON DELETE SET NULL,
  name     TEXT NOT NULL,
  postcode TEXT
);

CREATE TABLE list_size (
  practice TEXT NOT NULL REFERENCES practice (code),
  date     INTEGER NOT NULL,
  patients INTEGER NOT NULL CHECK (patients >= 0),
  PRIMARY KEY (practice, date)
);

CREATE TABLE list_band (
  practice TEXT NOT NULL REFERENCES practice (code),
  date     INTEGER NOT NULL,
  sex      TEXT NOT NULL CHECK (sex IN ('M', 'F')),
  age_from INTEGER NOT NULL CHECK (age_from BETWEEN 0 AND 95 AND age_from % 5 = 0),
  patients INTEGER NOT NULL CHECK (patients >= 0),
  PRIMARY KEY (practice, date, sex, age_from)
);
