-- load/duckdb.sql - a native CSV bundle (docs/formats.md) into the tables
-- the definitions use, for DuckDB. {{NAME.csv}} are the bundle's files
-- and {{codelists.csv}} the "list,code" file written by bench/sql/run.mjs.
-- Dates become day numbers (date - 1970-01-01).
CREATE TABLE patient AS
SELECT CAST(row_number() OVER () AS INTEGER) AS id, patient_id, practice,
       CAST(CAST(date_of_birth AS DATE) - DATE '1970-01-01' AS INTEGER) AS dob,
       CAST(replace(date_of_birth, '-', '') AS INTEGER) AS dob_ymd,
       CAST(CAST(registered_from AS DATE) - DATE '1970-01-01' AS INTEGER) AS reg_from,
       CAST(CAST(registered_to AS DATE) - DATE '1970-01-01' AS INTEGER) AS reg_to,
       CAST(CAST(date_of_death AS DATE) - DATE '1970-01-01' AS INTEGER) AS death
FROM read_csv('{{patients.csv}}', header = true, all_varchar = true);

-- seq is the order of the records in the bundle (events, then medications,
-- then immunisations): the order the engine adds them to its snapshot. A
-- table created from read_csv keeps the file's order (insertion order is
-- preserved by default), so its rowid is the line order.
CREATE TABLE s_event AS
SELECT * FROM read_csv('{{events.csv}}', header = true, all_varchar = true);
CREATE TABLE s_medication AS
SELECT * FROM read_csv('{{medications.csv}}', header = true, all_varchar = true);
CREATE TABLE s_immunisation AS
SELECT * FROM read_csv('{{immunisations.csv}}', header = true, all_varchar = true);

CREATE TABLE record AS
SELECT e.rowid + 1 AS seq, p.id AS patient,
       CAST(CAST(e.date AS DATE) - DATE '1970-01-01' AS INTEGER) AS date,
       'e' AS class, e.code, CAST(e.value AS DOUBLE) AS value
FROM s_event e JOIN patient p ON p.patient_id = e.patient_id
UNION ALL
SELECT (SELECT count(*) FROM s_event) + m.rowid + 1, p.id,
       CAST(CAST(m.start_date AS DATE) - DATE '1970-01-01' AS INTEGER), 'm', m.code, NULL
FROM s_medication m JOIN patient p ON p.patient_id = m.patient_id
UNION ALL
SELECT (SELECT count(*) FROM s_event) + (SELECT count(*) FROM s_medication) + i.rowid + 1,
       p.id, CAST(CAST(i.date AS DATE) - DATE '1970-01-01' AS INTEGER), 'i', i.code, NULL
FROM s_immunisation i JOIN patient p ON p.patient_id = i.patient_id;

DROP TABLE s_event;
DROP TABLE s_medication;
DROP TABLE s_immunisation;

-- Each code's first appearance, the order of the engine's code ids.
CREATE TABLE code AS SELECT class, code, min(seq) AS first_seq FROM record GROUP BY class, code;

CREATE TABLE codelist AS
SELECT list, code FROM read_csv('{{codelists.csv}}', header = true, all_varchar = true);
