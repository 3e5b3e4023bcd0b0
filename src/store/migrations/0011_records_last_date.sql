-- 0011: the latest date of the population's records (an event, medication or
-- immunisation), kept in meta by every commit that writes or removes records
-- (store.c), so the default as-of date no longer scans the records. Set here
-- once from the data already stored: 'none' for a database without records.
INSERT OR IGNORE INTO meta (key, value)
SELECT 'records_last_date', COALESCE(date(MAX(d) * 86400, 'unixepoch'), 'none') FROM (
  SELECT (SELECT MAX(date) FROM event WHERE patient = p.id) AS d FROM patient AS p
  UNION ALL SELECT (SELECT MAX(start_date) FROM medication WHERE patient = p.id) FROM patient AS p
  UNION ALL SELECT (SELECT MAX(date) FROM immunisation WHERE patient = p.id) FROM patient AS p);
