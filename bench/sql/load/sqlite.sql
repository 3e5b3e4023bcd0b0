-- load/sqlite.sql - a native CSV bundle (docs/formats.md) into the tables
-- the definitions use, for the sqlite3 shell. {{NAME.csv}} are the
-- bundle's files and {{codelists.csv}} the "list,code" file written by
-- bench/sql/run.mjs.
-- Dates become day numbers (unixepoch / 86400: every date is at midnight).
.bail on
.import --csv {{patients.csv}} s_patient
.import --csv {{events.csv}} s_event
.import --csv {{medications.csv}} s_medication
.import --csv {{immunisations.csv}} s_immunisation
.import --csv {{codelists.csv}} s_codelist

CREATE TABLE patient (
  id INTEGER PRIMARY KEY, patient_id TEXT NOT NULL UNIQUE, practice TEXT,
  dob INTEGER NOT NULL, dob_ymd INTEGER NOT NULL,
  reg_from INTEGER, reg_to INTEGER, death INTEGER);
INSERT INTO patient
SELECT rowid, patient_id, NULLIF(practice, ''),
       unixepoch(date_of_birth) / 86400, CAST(replace(date_of_birth, '-', '') AS INTEGER),
       unixepoch(NULLIF(registered_from, '')) / 86400,
       unixepoch(NULLIF(registered_to, '')) / 86400,
       unixepoch(NULLIF(date_of_death, '')) / 86400
FROM s_patient;

-- seq is the order of the records in the bundle (events, then medications,
-- then immunisations): the order the engine adds them to its snapshot.
CREATE TABLE record (
  seq INTEGER PRIMARY KEY, patient INTEGER NOT NULL, date INTEGER NOT NULL,
  class TEXT NOT NULL, code TEXT NOT NULL, value REAL);
INSERT INTO record
SELECT e.rowid, p.id, unixepoch(e.date) / 86400, 'e', e.code, CAST(NULLIF(e.value, '') AS REAL)
FROM s_event e JOIN patient p ON p.patient_id = e.patient_id;
INSERT INTO record
SELECT (SELECT coalesce(max(rowid), 0) FROM s_event) + m.rowid,
       p.id, unixepoch(m.start_date) / 86400, 'm', m.code, NULL
FROM s_medication m JOIN patient p ON p.patient_id = m.patient_id;
INSERT INTO record
SELECT (SELECT coalesce(max(rowid), 0) FROM s_event)
         + (SELECT coalesce(max(rowid), 0) FROM s_medication) + i.rowid,
       p.id, unixepoch(i.date) / 86400, 'i', i.code, NULL
FROM s_immunisation i JOIN patient p ON p.patient_id = i.patient_id;

-- Each code's first appearance, the order of the engine's code ids.
CREATE TABLE code (class TEXT NOT NULL, code TEXT NOT NULL, first_seq INTEGER NOT NULL,
  PRIMARY KEY (class, code)) WITHOUT ROWID;
INSERT INTO code SELECT class, code, min(seq) FROM record GROUP BY class, code;

CREATE TABLE codelist (list TEXT NOT NULL, code TEXT NOT NULL, PRIMARY KEY (list, code))
  WITHOUT ROWID;
INSERT INTO codelist SELECT list, code FROM s_codelist;

DROP TABLE s_patient;
DROP TABLE s_event;
DROP TABLE s_medication;
DROP TABLE s_immunisation;
DROP TABLE s_codelist;

-- What an analyst would index for these queries: records by code (covering
-- the columns the queries read), medications by date, code lists by code.
CREATE INDEX record_code ON record (code, patient, date, value);
CREATE INDEX record_class ON record (class, date, patient, code);
CREATE INDEX codelist_code ON codelist (code, list);
ANALYZE;
