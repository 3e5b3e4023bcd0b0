/*
 * ppg_int.h - shared by the patient partnership files of ops (ppg_repr.c
 * computes, ppg_repr_out.c renders): the representativeness result. Not
 * part of the public API (pcn/ppg_ops.h).
 */
#ifndef PCN_OPS_PPG_INT_H
#define PCN_OPS_PPG_INT_H

#include <stddef.h>
#include <stdint.h>

#include "pcn/ppg.h"
#include "pcn/ppg_ops.h"

/* The dimensions compared, in output order. */
enum repr_dim { DIM_AGE, DIM_SEX, DIM_ETH, DIM_IMD, DIM_COUNT };
#define REPR_CATS_MAX 8 /* the adult age bands */

/* Where a dimension's population figures come from. */
enum repr_source { SRC_NONE, SRC_LIST, SRC_RECORDS };

struct repr_cat {
    int64_t members;    /* current members in the category */
    int64_t population; /* registered adults in it */
};

struct repr_dimension {
    int n_cats;
    struct repr_cat cats[REPR_CATS_MAX];
    int64_t stated;       /* members compared (a value in one of the categories) */
    int64_t not_stated;   /* members who did not give it */
    int64_t not_compared; /* members with a value the list does not record (sex: other) */
    int64_t pop_total;    /* adults in the categories */
    int64_t pop_unknown;  /* adults with nothing recorded (ethnic group, neighbourhood) */
    enum repr_source source;
    int32_t source_date; /* the list size bands' date (SRC_LIST) */
    double index;        /* 0..100, -1 when not known */
};

/* One finding in plain words, ordered by size (how far the shares differ). */
struct repr_gap {
    int dim;
    int cat; /* the first category it names */
    double size;
    char text[320];
};

struct repr_point {
    int32_t date;
    int64_t members;
    double index; /* -1: not known */
};

struct repr_group {
    int64_t id;
    char name[PCN_PPG_NAME_MAX + 1];
    char practice[8]; /* "" for a network-level group */
    int64_t members;  /* current on as_of */
    int64_t under_18; /* current members under 18: not compared with the adult list */
    struct repr_dimension dims[DIM_COUNT];
    double index; /* mean of the known dimensions' indexes; -1 when none is known */
    struct repr_gap *gaps;
    size_t n_gaps, alloc_gaps;
    char (*notes)[200];
    size_t n_notes, alloc_notes;
    struct repr_point *trend;
    size_t n_trend, alloc_trend;
};

struct pcn_ppg_repr {
    char network[8];
    int32_t as_of;
    int suppress; /* counts 1..suppress-1 withheld; 0: none */
    struct repr_group *groups;
    size_t n_groups, alloc_groups;
};

/* The code and title of dimension d ("age", "Age"). */
const char *pcn__repr_dim_code(int d);
const char *pcn__repr_dim_title(int d);
/* The code and label of category c of dimension d. */
const char *pcn__repr_cat_code(int d, int c);
const char *pcn__repr_cat_label(int d, int c);

/* The gaps and notes of group g (after its dimensions are filled). */
enum pcn_err pcn__repr_gaps(struct repr_group *g, int suppress);

/* A share as a percentage ("22%", "under 1%") into out (16 bytes). */
void pcn__pct_text(double share, char *out);

#endif /* PCN_OPS_PPG_INT_H */
