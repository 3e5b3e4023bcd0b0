/*
 * bundle_write.c - the native CSV bundle writer (pcn/bundle.h): a record
 * sink that appends one CSV line per record to the six files of a bundle
 * directory. Lines are built in a reusable buffer and written through
 * large stdio buffers; the first write error is kept and reported at close.
 */
#include "pcn/bundle.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "ingest/bundle_int.h"
#include "pcn/alloc.h"
#include "pcn/buf.h"
#include "pcn/csv.h"
#include "pcn/date.h"
#include "pcn/parse.h"
#include "util/common.h"

#define WRITE_BUFFER_SIZE ((size_t)1 << 20)

const struct pcn_bundle_table_def pcn__bundle_tables[PCN_BUNDLE_N_TABLES] = {
    [PCN_BUNDLE_PATIENTS] = {"patients.csv",
                             13,
                             {"patient_id", "nhs_number", "family_name", "given_name",
                              "date_of_birth", "sex", "ethnicity", "postcode", "lsoa", "practice",
                              "registered_from", "registered_to", "date_of_death"},
                             (1u << 0) | (1u << 4)},
    [PCN_BUNDLE_TERMS] = {"terms.csv", 3, {"system", "code", "term"}, 7u},
    [PCN_BUNDLE_EVENTS] = {"events.csv",
                           11,
                           {"patient_id", "date", "end_date", "kind", "system", "code", "value",
                            "unit", "source", "orig_system", "orig_code"},
                           (1u << 0) | (1u << 1) | (1u << 4) | (1u << 5)},
    [PCN_BUNDLE_MEDICATIONS] = {"medications.csv",
                                9,
                                {"patient_id", "start_date", "end_date", "system", "code",
                                 "quantity", "course", "duration_days", "source"},
                                (1u << 0) | (1u << 1) | (1u << 3) | (1u << 4)},
    [PCN_BUNDLE_IMMUNISATIONS] = {"immunisations.csv",
                                  5,
                                  {"patient_id", "date", "system", "code", "source"},
                                  (1u << 0) | (1u << 1) | (1u << 2) | (1u << 3)},
    [PCN_BUNDLE_ENCOUNTERS] = {"encounters.csv",
                               14,
                               {"encounter_id", "patient_id", "date", "end_date", "system", "code",
                                "encounter_class", "mode", "role", "clinician", "site",
                                "booked_date", "attendance", "source"},
                               (1u << 0) | (1u << 1) | (1u << 2)},
};

struct pcn_bundle_writer {
    char *dir;
    FILE *files[PCN_BUNDLE_N_TABLES];
    char *bufs[PCN_BUNDLE_N_TABLES]; /* stdio buffers */
    struct pcn_buf line;
    struct pcn_error err; /* first failure */
};

static enum pcn_err writer_fail(struct pcn_bundle_writer *w, enum pcn_bundle_table t, int errnum)
{
    if (w->err.code == PCN_OK)
        (void)pcn_error_set(&w->err, PCN_EIO, "%s/%s: write error: %s", w->dir,
                            pcn__bundle_tables[t].file, strerror(errnum));
    return PCN_EIO;
}

/* Write the line buffer (plus newline) to table t and empty it. */
static enum pcn_err writer_flush_line(struct pcn_bundle_writer *w, enum pcn_bundle_table t,
                                      struct pcn_error *reterr)
{
    enum pcn_err rc = pcn_buf_addch(&w->line, '\n');

    if (rc != PCN_OK)
        return pcn_error_set(reterr, rc, "%s: record too long", pcn__bundle_tables[t].file);
    if (fwrite(w->line.buf, 1, w->line.len, w->files[t]) != w->line.len) {
        rc = writer_fail(w, t, errno);
        *reterr = w->err;
        return rc;
    }
    pcn_buf_reset(&w->line);
    return PCN_OK;
}

static enum pcn_err writer_open_file(struct pcn_bundle_writer *w, enum pcn_bundle_table t,
                                     struct pcn_error *reterr)
{
    const struct pcn_bundle_table_def *def = &pcn__bundle_tables[t];
    struct pcn_buf path = PCN_BUF_INIT;
    enum pcn_err rc = pcn_buf_addf(&path, "%s/%s", w->dir, def->file);

    if (rc != PCN_OK) {
        pcn_buf_release(&path);
        return pcn_error_set(reterr, rc, "%s: path too long", w->dir);
    }
    w->files[t] = fopen(path.buf, "we");
    if (!w->files[t]) {
        rc = pcn_error_set(reterr, PCN_EIO, "%s: %s", path.buf, strerror(errno));
        pcn_buf_release(&path);
        return rc;
    }
    pcn_buf_release(&path);
    w->bufs[t] = pcn_malloc(WRITE_BUFFER_SIZE);
    if (w->bufs[t] && setvbuf(w->files[t], w->bufs[t], _IOFBF, WRITE_BUFFER_SIZE) != 0)
        PCN_FREE_AND_NULL(w->bufs[t]);
    for (size_t i = 0; i < def->n_cols && rc == PCN_OK; i++)
        rc = pcn_buf_addf(&w->line, "%s%s", i ? "," : "", def->cols[i]);
    if (rc != PCN_OK)
        return pcn_error_set(reterr, rc, "out of memory");
    return writer_flush_line(w, t, reterr);
}

enum pcn_err pcn_bundle_writer_open(const char *dir, struct pcn_bundle_writer **ret,
                                    struct pcn_error *reterr)
{
    struct pcn_bundle_writer *w = NULL;
    enum pcn_err rc;

    if (!dir || !ret)
        return pcn_error_set(reterr, PCN_EINVAL, "no bundle directory");
    if (mkdir(dir, 0777) != 0 && errno != EEXIST)
        return pcn_error_set(reterr, PCN_EIO, "%s: %s", dir, strerror(errno));
    w = pcn_calloc(1, sizeof(*w));
    if (!w)
        return pcn_error_set(reterr, PCN_ENOMEM, "out of memory");
    pcn_buf_init(&w->line, PCN_CSV_MAX_RECORD * 4);
    w->dir = pcn_strdup(dir);
    if (!w->dir) {
        rc = pcn_error_set(reterr, PCN_ENOMEM, "out of memory");
        goto out;
    }
    for (int t = 0; t < PCN_BUNDLE_N_TABLES; t++) {
        rc = writer_open_file(w, (enum pcn_bundle_table)t, reterr);
        if (rc != PCN_OK)
            goto out;
    }
    *ret = w;
    w = NULL;
    rc = PCN_OK;
out:
    (void)pcn_bundle_writer_close(w, NULL);
    return rc;
}

enum pcn_err pcn_bundle_writer_close(struct pcn_bundle_writer *w, struct pcn_error *reterr)
{
    enum pcn_err rc;

    if (!w)
        return PCN_OK;
    for (int t = 0; t < PCN_BUNDLE_N_TABLES; t++) {
        if (w->files[t] && fclose(w->files[t]) != 0)
            (void)writer_fail(w, (enum pcn_bundle_table)t, errno);
        pcn_free(w->bufs[t]);
    }
    rc = w->err.code;
    if (rc != PCN_OK && reterr)
        *reterr = w->err;
    pcn_buf_release(&w->line);
    pcn_free(w->dir);
    pcn_free(w);
    return rc;
}

/* ---- field formatting ---- */

static enum pcn_err add_str(struct pcn_buf *b, const char *s, bool is_first)
{
    enum pcn_err rc = is_first ? PCN_OK : pcn_buf_addch(b, ',');

    if (rc == PCN_OK && s)
        rc = pcn_csv_write_field(b, s, strlen(s));
    return rc;
}

static enum pcn_err add_date(struct pcn_buf *b, int32_t d)
{
    char tmp[PCN_DATE_STR_SIZE];

    pcn_date_format(d, tmp);
    return add_str(b, tmp, false);
}

static enum pcn_err add_num(struct pcn_buf *b, bool has, double v)
{
    char tmp[64];

    if (!has)
        return pcn_buf_addch(b, ',');
    if (pcn_format_double(v, tmp, sizeof(tmp)) < 0)
        return PCN_EINVAL;
    return add_str(b, tmp, false);
}

static enum pcn_err finish(struct pcn_bundle_writer *w, enum pcn_bundle_table t, enum pcn_err rc,
                           struct pcn_error *reterr)
{
    if (rc != PCN_OK) {
        pcn_buf_reset(&w->line);
        return pcn_error_set(reterr, rc, "%s: cannot format record: %s", pcn__bundle_tables[t].file,
                             pcn_err_str(rc));
    }
    return writer_flush_line(w, t, reterr);
}

static enum pcn_err w_patient(void *ctx, const struct pcn_patient *p, struct pcn_error *reterr)
{
    struct pcn_bundle_writer *w = ctx;
    struct pcn_buf *b = &w->line;
    char sex[2] = {pcn_sex_letter(p->sex), 0};
    enum pcn_err rc = add_str(b, p->patient_id, true);

    if (rc == PCN_OK)
        rc = add_str(b, p->nhs_number, false);
    if (rc == PCN_OK)
        rc = add_str(b, p->family_name, false);
    if (rc == PCN_OK)
        rc = add_str(b, p->given_name, false);
    if (rc == PCN_OK)
        rc = add_date(b, p->date_of_birth);
    if (rc == PCN_OK)
        rc = add_str(b, sex, false);
    if (rc == PCN_OK)
        rc = add_str(b, p->ethnicity, false);
    if (rc == PCN_OK)
        rc = add_str(b, p->postcode, false);
    if (rc == PCN_OK)
        rc = add_str(b, p->lsoa, false);
    if (rc == PCN_OK)
        rc = add_str(b, p->practice, false);
    if (rc == PCN_OK)
        rc = add_date(b, p->registered_from);
    if (rc == PCN_OK)
        rc = add_date(b, p->registered_to);
    if (rc == PCN_OK)
        rc = add_date(b, p->date_of_death);
    return finish(w, PCN_BUNDLE_PATIENTS, rc, reterr);
}

static enum pcn_err w_event(void *ctx, const struct pcn_event *e, struct pcn_error *reterr)
{
    struct pcn_bundle_writer *w = ctx;
    struct pcn_buf *b = &w->line;
    enum pcn_err rc = add_str(b, e->patient_id, true);

    if (rc == PCN_OK)
        rc = add_date(b, e->date);
    if (rc == PCN_OK)
        rc = add_date(b, e->end_date);
    if (rc == PCN_OK)
        rc = add_str(b, pcn_event_kind_name(e->kind), false);
    if (rc == PCN_OK)
        rc = add_str(b, e->system, false);
    if (rc == PCN_OK)
        rc = add_str(b, e->code, false);
    if (rc == PCN_OK)
        rc = add_num(b, e->has_value, e->value);
    if (rc == PCN_OK)
        rc = add_str(b, e->unit, false);
    if (rc == PCN_OK)
        rc = add_str(b, e->source, false);
    if (rc == PCN_OK)
        rc = add_str(b, e->orig_system, false);
    if (rc == PCN_OK)
        rc = add_str(b, e->orig_code, false);
    return finish(w, PCN_BUNDLE_EVENTS, rc, reterr);
}

static enum pcn_err w_medication(void *ctx, const struct pcn_medication *m,
                                 struct pcn_error *reterr)
{
    struct pcn_bundle_writer *w = ctx;
    struct pcn_buf *b = &w->line;
    enum pcn_err rc = add_str(b, m->patient_id, true);

    if (rc == PCN_OK)
        rc = add_date(b, m->start_date);
    if (rc == PCN_OK)
        rc = add_date(b, m->end_date);
    if (rc == PCN_OK)
        rc = add_str(b, m->system, false);
    if (rc == PCN_OK)
        rc = add_str(b, m->code, false);
    if (rc == PCN_OK)
        rc = add_num(b, m->has_quantity, m->quantity);
    if (rc == PCN_OK)
        rc = add_str(b, pcn_course_name(m->course), false);
    if (rc == PCN_OK)
        rc = add_num(b, m->duration_days > 0, m->duration_days);
    if (rc == PCN_OK)
        rc = add_str(b, m->source, false);
    return finish(w, PCN_BUNDLE_MEDICATIONS, rc, reterr);
}

static enum pcn_err w_immunisation(void *ctx, const struct pcn_immunisation *i,
                                   struct pcn_error *reterr)
{
    struct pcn_bundle_writer *w = ctx;
    struct pcn_buf *b = &w->line;
    enum pcn_err rc = add_str(b, i->patient_id, true);

    if (rc == PCN_OK)
        rc = add_date(b, i->date);
    if (rc == PCN_OK)
        rc = add_str(b, i->system, false);
    if (rc == PCN_OK)
        rc = add_str(b, i->code, false);
    if (rc == PCN_OK)
        rc = add_str(b, i->source, false);
    return finish(w, PCN_BUNDLE_IMMUNISATIONS, rc, reterr);
}

static enum pcn_err w_encounter(void *ctx, const struct pcn_encounter *e, struct pcn_error *reterr)
{
    struct pcn_bundle_writer *w = ctx;
    struct pcn_buf *b = &w->line;
    enum pcn_err rc = add_str(b, e->encounter_id, true);

    if (rc == PCN_OK)
        rc = add_str(b, e->patient_id, false);
    if (rc == PCN_OK)
        rc = add_date(b, e->date);
    if (rc == PCN_OK)
        rc = add_date(b, e->end_date);
    if (rc == PCN_OK)
        rc = add_str(b, e->system, false);
    if (rc == PCN_OK)
        rc = add_str(b, e->code, false);
    if (rc == PCN_OK)
        rc = add_str(b, e->encounter_class, false);
    if (rc == PCN_OK)
        rc = add_str(b, pcn_contact_mode_name(e->mode), false);
    if (rc == PCN_OK)
        rc = add_str(b, pcn_encounter_role_name(e->role), false);
    if (rc == PCN_OK)
        rc = add_str(b, e->clinician, false);
    if (rc == PCN_OK)
        rc = add_str(b, e->site, false);
    if (rc == PCN_OK)
        rc = add_date(b, e->has_booked ? e->booked_date : PCN_DATE_NONE);
    if (rc == PCN_OK)
        rc = add_str(b, pcn_encounter_attendance_name(e->attendance), false);
    if (rc == PCN_OK)
        rc = add_str(b, e->source, false);
    return finish(w, PCN_BUNDLE_ENCOUNTERS, rc, reterr);
}

static enum pcn_err w_term(void *ctx, const struct pcn_term *t, struct pcn_error *reterr)
{
    struct pcn_bundle_writer *w = ctx;
    struct pcn_buf *b = &w->line;
    enum pcn_err rc = add_str(b, t->system, true);

    if (rc == PCN_OK)
        rc = add_str(b, t->code, false);
    if (rc == PCN_OK)
        rc = add_str(b, t->term, false);
    return finish(w, PCN_BUNDLE_TERMS, rc, reterr);
}

static const struct pcn_sink_ops writer_ops = {
    .patient = w_patient,
    .event = w_event,
    .medication = w_medication,
    .immunisation = w_immunisation,
    .encounter = w_encounter,
    .term = w_term,
};

void pcn_bundle_writer_sink(struct pcn_bundle_writer *w, struct pcn_sink *ret)
{
    ret->ops = &writer_ops;
    ret->ctx = w;
}
