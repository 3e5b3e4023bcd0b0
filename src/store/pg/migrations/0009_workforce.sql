-- 0009 (PostgreSQL): the workforce and finance domain. Dates are days since 1970-01-01
-- (NULL = none); WTE in millionths (1000000 = 1.0); money in pence.
-- A post is one person in one role at one band and WTE for one employer.
-- History is never overwritten: a post is only ever ended (a change of
-- band, WTE, cost or employer ends it and starts another), and `version`
-- counts its changes for optimistic concurrency.
CREATE TABLE staff_post (
  id            BIGSERIAL PRIMARY KEY,
  version       BIGINT NOT NULL DEFAULT 1,
  network       TEXT NOT NULL REFERENCES network (code),
  person        TEXT NOT NULL,
  name          TEXT,
  role          TEXT NOT NULL,
  band          TEXT,
  wte           BIGINT NOT NULL CHECK (wte > 0 AND wte <= 1000000),
  employer      TEXT NOT NULL
                CHECK (employer IN ('network', 'lead_practice', 'practice', 'subcontractor')),
  employer_code TEXT,
  start_date    INTEGER NOT NULL,
  end_date      INTEGER,
  cost          BIGINT CHECK (cost IS NULL OR cost >= 0),
  cost_per      TEXT NOT NULL CHECK (cost_per IN ('year', 'month')),
  funding       TEXT NOT NULL CHECK (funding IN ('arrs', 'practice', 'other')),
  CHECK (end_date IS NULL OR end_date >= start_date)
);
CREATE INDEX staff_post_network ON staff_post (network, person, start_date);

-- The sites a post works at and its sessions a week there (a practice ODS
-- code or a site's name), in the order given.
CREATE TABLE staff_post_site (
  post     BIGINT NOT NULL REFERENCES staff_post (id) ON DELETE CASCADE,
  seq      INTEGER NOT NULL,
  site     TEXT NOT NULL,
  sessions INTEGER NOT NULL CHECK (sessions BETWEEN 0 AND 14),
  PRIMARY KEY (post, seq)
);

-- NHS England's workforce census by row (a person, or a contracted
-- service), for comparing networks; a re-import of a census day replaces it.
CREATE TABLE census_staff (
  id          BIGSERIAL PRIMARY KEY,
  census_date INTEGER NOT NULL,
  network     TEXT NOT NULL,
  role        TEXT NOT NULL,
  fte         BIGINT NOT NULL CHECK (fte >= 0),
  person      TEXT NOT NULL,
  contracted  INTEGER NOT NULL CHECK (contracted IN (0, 1))
);
CREATE INDEX census_staff_network ON census_staff (census_date, network);

-- A network's finance inputs for a contract year (-1: unknown), with the
-- allocations and network agreement rules that go with them.
CREATE TABLE network_finance (
  network      TEXT NOT NULL REFERENCES network (code),
  year         TEXT NOT NULL,
  version      BIGINT NOT NULL DEFAULT 1,
  adjusted     BIGINT NOT NULL DEFAULT -1,
  weighted     BIGINT NOT NULL DEFAULT -1,
  beds         BIGINT NOT NULL DEFAULT -1,
  iif_points   BIGINT NOT NULL DEFAULT -1,
  caip_percent INTEGER NOT NULL DEFAULT -1 CHECK (caip_percent BETWEEN -1 AND 100),
  london       TEXT NOT NULL DEFAULT '' CHECK (london IN ('', 'outer', 'inner')),
  PRIMARY KEY (network, year)
);

CREATE TABLE network_finance_item (
  network  TEXT NOT NULL,
  year     TEXT NOT NULL,
  seq      INTEGER NOT NULL,
  kind     TEXT NOT NULL CHECK (kind IN ('allocation', 'method', 'top_slice', 'share')),
  line     TEXT NOT NULL,
  value    TEXT NOT NULL,
  practice TEXT,
  label    TEXT,
  PRIMARY KEY (network, year, seq),
  FOREIGN KEY (network, year) REFERENCES network_finance (network, year) ON DELETE CASCADE
);
