-- 0004: a random identity for the database, so that files derived from it
-- (the engine's population snapshot) can tell its data from another
-- database's at the same data version. Never changed once set.
INSERT OR IGNORE INTO meta (key, value) VALUES ('database_id', lower(hex(randomblob(16))));
