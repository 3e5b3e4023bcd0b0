-- 0011 (PostgreSQL): the latest date of the population's records (an event,
-- medication or immunisation), kept in meta by every commit that writes or
-- removes records (store.c), so the default as-of date no longer scans the
-- records. Set here once from the data already stored: 'none' without records.
INSERT INTO meta (key, value)
  SELECT 'records_last_date',
         COALESCE(to_char(date '1970-01-01' + GREATEST((SELECT MAX(date) FROM event),
                                                       (SELECT MAX(start_date) FROM medication),
                                                       (SELECT MAX(date) FROM immunisation)),
                          'YYYY-MM-DD'),
                  'none')
  ON CONFLICT (key) DO NOTHING;
