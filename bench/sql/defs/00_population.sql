-- 00_population.sql - what every definition below starts from.
-- Tables (bench/sql/load/*.sql): patient, record (events, medications and
-- immunisations as (patient, date, class, code, value), class e/m/i),
-- codelist (list, code). Dates are day numbers; {{...}} are filled in by
-- bench/sql/run.mjs as integer literals (docs/internals/engine.md,
-- "Cross-check").

-- Registered and alive on the as-of date, with age in whole years
-- (a birthday on the as-of date counts).
CREATE VIEW pop AS
SELECT id, practice,
       (({{as_of_ymd}} - dob_ymd) - ({{as_of_ymd}} - dob_ymd) % 10000) / 10000 AS age
FROM patient
WHERE (reg_from IS NULL OR reg_from <= {{as_of}})
  AND (reg_to IS NULL OR reg_to >= {{as_of}})
  AND (death IS NULL OR death > {{as_of}})
  AND dob <= {{as_of}};

-- Records up to the as-of date, once per code list holding their code.
CREATE VIEW ev AS
SELECT r.patient, r.date, r.value, c.list
FROM record r JOIN codelist c ON c.code = r.code
WHERE r.date <= {{as_of}};

-- The built-in list `medications`: every medication record.
CREATE VIEW med AS
SELECT patient, date, code FROM record WHERE class = 'm' AND date <= {{as_of}};

-- last(LIST).date for every patient and list.
CREATE VIEW latest AS
SELECT patient, list, max(date) AS d FROM ev GROUP BY patient, list;
