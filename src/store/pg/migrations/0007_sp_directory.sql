-- 0007 (PostgreSQL): social prescribing (issue 18), the community asset
-- directory, as in the SQLite schema of the same version. No patient data.
CREATE TABLE sp_asset (
  id            BIGSERIAL PRIMARY KEY,
  version       BIGINT NOT NULL DEFAULT 1 CHECK (version >= 1),
  name          TEXT NOT NULL CHECK (char_length(name) >= 1),
  organisation  TEXT NOT NULL DEFAULT '',
  description   TEXT NOT NULL DEFAULT '',
  categories    INTEGER NOT NULL CHECK (categories BETWEEN 1 AND 4095),
  address       TEXT NOT NULL DEFAULT '',
  postcode      TEXT NOT NULL DEFAULT '',
  lsoa          TEXT NOT NULL DEFAULT '',
  lat           DOUBLE PRECISION,
  lon           DOUBLE PRECISION,
  sessions      TEXT NOT NULL DEFAULT '',
  sessions_note TEXT NOT NULL DEFAULT '',
  cost_pence    INTEGER NOT NULL DEFAULT -1 CHECK (cost_pence >= -1),
  cost_note     TEXT NOT NULL DEFAULT '',
  access        INTEGER NOT NULL DEFAULT 0 CHECK (access BETWEEN 0 AND 127),
  min_age       INTEGER NOT NULL DEFAULT 0 CHECK (min_age BETWEEN 0 AND 120),
  max_age       INTEGER NOT NULL DEFAULT 120 CHECK (max_age <= 120),
  capacity      INTEGER NOT NULL DEFAULT -1 CHECK (capacity >= -1),
  phone         TEXT NOT NULL DEFAULT '',
  email         TEXT NOT NULL DEFAULT '',
  website       TEXT NOT NULL DEFAULT '',
  route         INTEGER NOT NULL DEFAULT 1 CHECK (route BETWEEN 0 AND 3),
  route_note    TEXT NOT NULL DEFAULT '',
  last_verified INTEGER,
  active        INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
  CHECK (min_age <= max_age),
  CHECK ((lat IS NULL) = (lon IS NULL))
);

