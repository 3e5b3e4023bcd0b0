-- 30_frailty.sql - the electronic frailty index of defs/30_frailty.pcn as
-- SQL: 35 coded deficits (each counts once, coded at any time) plus
-- polypharmacy (5 or more distinct medicines in the last 12 months);
-- value = deficits / 36 for people 65 and over, banded fit <= 0.12 < mild
-- <= 0.24 < moderate <= 0.36 < severe.

CREATE VIEW efi AS
SELECT pop.practice,
       CAST(coalesce(d.n, 0) + CASE WHEN m.patient IS NULL THEN 0 ELSE 1 END AS DOUBLE) / 36
         AS value
FROM pop
LEFT JOIN
  (SELECT patient, count(DISTINCT list) AS n FROM ev
   WHERE list IN ('efi_activity', 'efi_anaemia', 'efi_arthritis', 'efi_af', 'efi_cvd',
                  'efi_ckd', 'efi_diabetes', 'efi_dizziness', 'efi_dyspnoea', 'efi_falls',
                  'efi_foot', 'efi_fracture', 'efi_hearing', 'efi_hf', 'efi_valve',
                  'efi_housebound', 'efi_hypertension', 'efi_hypotension', 'efi_ihd',
                  'efi_cognitive', 'efi_mobility', 'efi_osteoporosis', 'efi_parkinsonism',
                  'efi_peptic', 'efi_pvd', 'efi_care', 'efi_respiratory', 'efi_skin_ulcer',
                  'efi_sleep', 'efi_social', 'efi_thyroid', 'efi_incontinence',
                  'efi_urinary', 'efi_visual', 'efi_weight')
   GROUP BY patient) d ON d.patient = pop.id
LEFT JOIN
  (SELECT patient FROM med WHERE date > {{as_of - 12 months}}
   GROUP BY patient HAVING count(DISTINCT code) >= 5) m ON m.patient = pop.id
WHERE pop.age >= 65;

-- output: frailty
SELECT practice,
       count(*) AS population,
       sum(CASE WHEN value <= 0.12 THEN 1 ELSE 0 END) AS fit,
       sum(CASE WHEN value > 0.12 AND value <= 0.24 THEN 1 ELSE 0 END) AS mild,
       sum(CASE WHEN value > 0.24 AND value <= 0.36 THEN 1 ELSE 0 END) AS moderate,
       sum(CASE WHEN value > 0.36 THEN 1 ELSE 0 END) AS severe
FROM efi GROUP BY practice;
