-- 10_registers.sql - QOF registers of defs/10_registers.pcn as SQL.
-- Each reg_NAME view holds the register's patients with practice and age.

-- af = exists(afib_cod)
CREATE VIEW reg_af AS
SELECT id AS patient, practice, age FROM pop
WHERE id IN (SELECT patient FROM ev WHERE list = 'afib_cod');

-- ast = age >= 6, latest ast_cod not resolved by a later astres_cod,
-- and asthma_med within 12 months
CREATE VIEW reg_ast AS
SELECT id AS patient, practice, age FROM pop
JOIN latest a ON a.patient = pop.id AND a.list = 'ast_cod'
LEFT JOIN latest r ON r.patient = pop.id AND r.list = 'astres_cod'
WHERE age >= 6 AND (r.d IS NULL OR r.d < a.d)
  AND id IN (SELECT patient FROM ev WHERE list = 'asthma_med' AND date > {{as_of - 12 months}});

-- chd = exists(chd_cod)
CREATE VIEW reg_chd AS
SELECT id AS patient, practice, age FROM pop
WHERE id IN (SELECT patient FROM ev WHERE list = 'chd_cod');

-- ckd = age >= 18 and the latest ckd_cod not before the latest ckd12_cod
CREATE VIEW reg_ckd AS
SELECT id AS patient, practice, age FROM pop
JOIN latest a ON a.patient = pop.id AND a.list = 'ckd_cod'
LEFT JOIN latest r ON r.patient = pop.id AND r.list = 'ckd12_cod'
WHERE age >= 18 AND (r.d IS NULL OR r.d <= a.d);

-- copd = latest copd_cod not resolved by a later copdres_cod
CREATE VIEW reg_copd AS
SELECT id AS patient, practice, age FROM pop
JOIN latest a ON a.patient = pop.id AND a.list = 'copd_cod'
LEFT JOIN latest r ON r.patient = pop.id AND r.list = 'copdres_cod'
WHERE r.d IS NULL OR r.d < a.d;

-- dem = exists(dem_cod)
CREATE VIEW reg_dem AS
SELECT id AS patient, practice, age FROM pop
WHERE id IN (SELECT patient FROM ev WHERE list = 'dem_cod');

-- dm = age >= 17, latest dm_cod not resolved by a later dmres_cod
CREATE VIEW reg_dm AS
SELECT id AS patient, practice, age FROM pop
JOIN latest a ON a.patient = pop.id AND a.list = 'dm_cod'
LEFT JOIN latest r ON r.patient = pop.id AND r.list = 'dmres_cod'
WHERE age >= 17 AND (r.d IS NULL OR r.d < a.d);

-- hyp = latest hyp_cod not resolved by a later hypres_cod
CREATE VIEW reg_hyp AS
SELECT id AS patient, practice, age FROM pop
JOIN latest a ON a.patient = pop.id AND a.list = 'hyp_cod'
LEFT JOIN latest r ON r.patient = pop.id AND r.list = 'hypres_cod'
WHERE r.d IS NULL OR r.d < a.d;

-- on_palliative (defs/00_common.pcn): palcare_cod on or after 2008-04-01
-- not superseded by a later palcareni_cod
CREATE VIEW palliative AS
SELECT p.patient FROM
  (SELECT patient, max(date) AS d FROM ev
   WHERE list = 'palcare_cod' AND date >= {{2008-04-01}} GROUP BY patient) p
LEFT JOIN latest n ON n.patient = p.patient AND n.list = 'palcareni_cod'
WHERE n.d IS NULL OR n.d < p.d;

-- pc = on_palliative
CREATE VIEW reg_pc AS
SELECT id AS patient, practice, age FROM pop
WHERE id IN (SELECT patient FROM palliative);

-- stia = exists(strk_cod) or exists(tia_cod)
CREATE VIEW reg_stia AS
SELECT id AS patient, practice, age FROM pop
WHERE id IN (SELECT patient FROM ev WHERE list IN ('strk_cod', 'tia_cod'));

-- output: af
SELECT practice, count(*) AS count FROM reg_af GROUP BY practice;
-- output: ast
SELECT practice, count(*) AS count FROM reg_ast GROUP BY practice;
-- output: chd
SELECT practice, count(*) AS count FROM reg_chd GROUP BY practice;
-- output: ckd
SELECT practice, count(*) AS count FROM reg_ckd GROUP BY practice;
-- output: copd
SELECT practice, count(*) AS count FROM reg_copd GROUP BY practice;
-- output: dem
SELECT practice, count(*) AS count FROM reg_dem GROUP BY practice;
-- output: dm
SELECT practice, count(*) AS count FROM reg_dm GROUP BY practice;
-- output: hyp
SELECT practice, count(*) AS count FROM reg_hyp GROUP BY practice;
-- output: pc
SELECT practice, count(*) AS count FROM reg_pc GROUP BY practice;
-- output: stia
SELECT practice, count(*) AS count FROM reg_stia GROUP BY practice;
