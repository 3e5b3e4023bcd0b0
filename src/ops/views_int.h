/*
 * views_int.h - shared by the list views (views.c, views_admin.c); not
 * part of the public API.
 */
#ifndef PCN_OPS_VIEWS_INT_H
#define PCN_OPS_VIEWS_INT_H

#include "pcn/error.h"
#include "pcn/table.h"

/* The one ending of every view: the walk's status RC, else the status
 * WALK_RC its callback recorded, decides. On success the table T passes to
 * the caller through RET; on failure T is freed and RET left alone. */
enum pcn_err pcn__view_finish(enum pcn_err rc, enum pcn_err walk_rc, struct pcn_table *t,
                              struct pcn_table **ret);

#endif
