-- 20_indicators.sql - QOF-style indicators of defs/20_qof_indicators.pcn as
-- SQL. An indicator counts a denominator patient in the numerator when
-- the numerator holds; otherwise the exclusion (palliative care here)
-- removes the patient; otherwise the patient fails (docs/definitions.md,
-- "indicator"). Each view has one row per denominator patient with num
-- and excl as 0/1; the outputs turn that into the three measures.

-- The value of the latest record of a list in the last 12 months
-- (last(LIST, within 12 months).value; null when that record has none).
-- Records on the same date are ordered as the engine orders them
-- (docs/definitions.md, "Event queries"): by code (in the order codes first
-- appear in the data), then by load order; the last one wins.
CREATE VIEW last12 AS
SELECT patient, list, value FROM
  (SELECT r.patient, c.list, r.value,
          row_number() OVER (PARTITION BY r.patient, c.list
                             ORDER BY r.date DESC, k.first_seq DESC, r.seq DESC) AS n
   FROM record r
   JOIN codelist c ON c.code = r.code
   JOIN code k ON k.class = r.class AND k.code = r.code
   WHERE r.date > {{as_of - 12 months}} AND r.date <= {{as_of}}
     AND c.list IN ('hba1c_cod', 'sbp_cod', 'dbp_cod')) x
WHERE n = 1;

-- coded_moderate_frailty or coded_severe_frailty (defs/00_common.pcn): the
-- latest frailty code is a moderate or severe one (a tie goes to them).
CREATE VIEW frail_modsev AS
SELECT patient FROM
  (SELECT patient,
          max(CASE WHEN list = 'mildfrail_cod' THEN date END) AS mild,
          max(CASE WHEN list <> 'mildfrail_cod' THEN date END) AS modsev
   FROM ev WHERE list IN ('mildfrail_cod', 'modfrail_cod', 'sevfrail_cod')
   GROUP BY patient) f
WHERE modsev IS NOT NULL AND (mild IS NULL OR modsev >= mild);

-- dm_hba1c: dm without moderate/severe frailty; latest HbA1c in 12 months <= 58
CREATE VIEW ind_dm_hba1c AS
SELECT d.practice,
       CASE WHEN h.value <= 58 THEN 1 ELSE 0 END AS num,
       CASE WHEN pal.patient IS NULL THEN 0 ELSE 1 END AS excl
FROM reg_dm d
LEFT JOIN last12 h ON h.patient = d.patient AND h.list = 'hba1c_cod'
LEFT JOIN palliative pal ON pal.patient = d.patient
WHERE d.patient NOT IN (SELECT patient FROM frail_modsev);

-- hyp_bp_u80: hyp under 80; latest systolic in 12 months <= 140 and the
-- latest diastolic missing or <= 90
CREATE VIEW ind_hyp_bp_u80 AS
SELECT h.practice,
       CASE WHEN s.value <= 140 AND (d.value IS NULL OR d.value <= 90) THEN 1 ELSE 0 END AS num,
       CASE WHEN pal.patient IS NULL THEN 0 ELSE 1 END AS excl
FROM reg_hyp h
LEFT JOIN last12 s ON s.patient = h.patient AND s.list = 'sbp_cod'
LEFT JOIN last12 d ON d.patient = h.patient AND d.list = 'dbp_cod'
LEFT JOIN palliative pal ON pal.patient = h.patient
WHERE h.age < 80;

-- af_anticoag: af; anticoagulant prescribed in the last 6 months
CREATE VIEW ind_af_anticoag AS
SELECT a.practice,
       CASE WHEN a.patient IN (SELECT patient FROM ev
                               WHERE list = 'anticoag_med' AND date > {{as_of - 6 months}})
            THEN 1 ELSE 0 END AS num,
       CASE WHEN pal.patient IS NULL THEN 0 ELSE 1 END AS excl
FROM reg_af a
LEFT JOIN palliative pal ON pal.patient = a.patient;

-- output: dm_hba1c
SELECT practice,
       sum(CASE WHEN num = 1 OR excl = 0 THEN 1 ELSE 0 END) AS denominator,
       sum(num) AS numerator,
       sum(CASE WHEN num = 0 AND excl = 1 THEN 1 ELSE 0 END) AS excluded
FROM ind_dm_hba1c GROUP BY practice;
-- output: hyp_bp_u80
SELECT practice,
       sum(CASE WHEN num = 1 OR excl = 0 THEN 1 ELSE 0 END) AS denominator,
       sum(num) AS numerator,
       sum(CASE WHEN num = 0 AND excl = 1 THEN 1 ELSE 0 END) AS excluded
FROM ind_hyp_bp_u80 GROUP BY practice;
-- output: af_anticoag
SELECT practice,
       sum(CASE WHEN num = 1 OR excl = 0 THEN 1 ELSE 0 END) AS denominator,
       sum(num) AS numerator,
       sum(CASE WHEN num = 0 AND excl = 1 THEN 1 ELSE 0 END) AS excluded
FROM ind_af_anticoag GROUP BY practice;
