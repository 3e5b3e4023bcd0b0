-- 0004 (PostgreSQL): a random identity for the database, so that files
-- derived from it (the engine's population snapshot) can tell its data from
-- another database's at the same data version. Never changed once set.
INSERT INTO meta (key, value)
  VALUES ('database_id', md5(random()::text || clock_timestamp()::text || pg_backend_pid()::text))
  ON CONFLICT (key) DO NOTHING;
