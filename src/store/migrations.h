/*
 * migrations.h - the schema migrations compiled into the binary (generated
 * from src/store/migrations/NNNN_name.sql). Version N is the Nth entry.
 * Each backend keeps its own list in its own dialect; version N means the
 * same tables and meaning in both.
 */
#ifndef PCN_STORE_MIGRATIONS_H
#define PCN_STORE_MIGRATIONS_H

struct pcn__migration {
    int version;
    const char *name;
    const char *sql;
};

/* SQLite schema (src/store/migrations/). */
extern const struct pcn__migration pcn__migrations[];
extern const int pcn__migration_count;

/* PostgreSQL schema (src/store/pg/migrations/): same versions, PostgreSQL dialect. */
extern const struct pcn__migration pcn__pg_migrations[];
extern const int pcn__pg_migration_count;

#endif /* PCN_STORE_MIGRATIONS_H */
