/*
 * csv_reader.c - measure the project's RFC 4180 reader against libcsv on the
 * same in-memory file shaped like the events table of the native bundle
 * (2 million rows by default, ~80 bytes each, some quoted fields). Prints
 * MB/s and rows/s for each; both must count the same rows and fields.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>

#include "pcn/buf.h"
#include "pcn/csv.h"
#include "pcn/date.h"
#include "pcn/parse.h"

struct counts {
    size_t rows;
    size_t fields;
};

static void cb_field(void *s, size_t len, void *ud)
{
    (void)s;
    (void)len;
    ((struct counts *)ud)->fields++;
}

static void cb_row(int c, void *ud)
{
    (void)c;
    ((struct counts *)ud)->rows++;
}

int main(int argc, char **argv)
{
    long rows = 2000000;
    struct pcn_buf b;
    struct counts ours = {0};
    struct counts theirs = {0};
    struct pcn_csv *c = NULL;
    struct csv_parser p;
    pcn_usec_t t0;
    double ours_s;
    double theirs_s;
    double mb;

    if (argc > 1) {
        int64_t v;
        if (pcn_parse_range(argv[1], strlen(argv[1]), 1, 100000000, &v) != PCN_OK) {
            fprintf(stderr, "usage: csv_reader [ROWS]\n");
            return 2;
        }
        rows = (long)v;
    }
    pcn_buf_init(&b, (size_t)1 << 34);
    if (pcn_buf_adds(&b, "patient_id,date,end_date,kind,system,code,value,unit,source\n"))
        return 1;
    for (long i = 0; i < rows; i++) {
        if (pcn_buf_addf(&b, "p%07ld,2024-%02ld-%02ld,,observation,snomed,%ld,%ld.%ld,%s,%s\n",
                         i / 40, i % 12 + 1, i % 28 + 1, 1000000 + i % 5000, 100 + i % 80, i % 10,
                         i % 7 ? "mmol/mol" : "\"mm[Hg], sitting\"", "generator") != PCN_OK)
            return 1;
    }
    mb = (double)b.len / 1e6;

    t0 = pcn_monotonic_usec();
    if (pcn_csv_new_mem(b.buf, b.len, "bench.csv", &c) != PCN_OK)
        return 1;
    while (pcn_csv_next(c, NULL) == PCN_OK) {
        ours.rows++;
        ours.fields += pcn_csv_nfields(c);
    }
    pcn_csv_free(c);
    ours_s = (double)(pcn_monotonic_usec() - t0) / 1e6;

    t0 = pcn_monotonic_usec();
    if (csv_init(&p, CSV_APPEND_NULL) != 0)
        return 1;
    if (csv_parse(&p, b.buf, b.len, cb_field, cb_row, &theirs) != b.len)
        return 1;
    csv_fini(&p, cb_field, cb_row, &theirs);
    csv_free(&p);
    theirs_s = (double)(pcn_monotonic_usec() - t0) / 1e6;

    printf("input: %.1f MB, %ld data rows\n", mb, rows);
    printf("pcn_csv (with UTF-8 validation): %.2f s, %.0f MB/s, %.2f M rows/s (%zu rows, %zu "
           "fields)\n",
           ours_s, mb / ours_s, (double)ours.rows / ours_s / 1e6, ours.rows, ours.fields);
    printf("libcsv 3.0.3:                    %.2f s, %.0f MB/s, %.2f M rows/s (%zu rows, %zu "
           "fields)\n",
           theirs_s, mb / theirs_s, (double)theirs.rows / theirs_s / 1e6, theirs.rows,
           theirs.fields);
    printf("ratio pcn_csv / libcsv throughput: %.2f\n", theirs_s / ours_s);
    pcn_buf_release(&b);
    return ours.rows == theirs.rows && ours.fields == theirs.fields ? 0 : 1;
}
