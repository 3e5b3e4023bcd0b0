/*
 * migrations.h - the schema migrations compiled into the binary (generated
 * from src/store/migrations/NNNN_name.sql). Version N is the Nth entry.
 * The SQL is written for SQLite; a PostgreSQL backend keeps its own list
 * with the same version numbers.
 */
#ifndef PCN_STORE_MIGRATIONS_H
#define PCN_STORE_MIGRATIONS_H

struct pcn__migration {
    int version;
    const char *name;
    const char *sql;
};

extern const struct pcn__migration pcn__migrations[];
extern const int pcn__migration_count;

#endif /* PCN_STORE_MIGRATIONS_H */
