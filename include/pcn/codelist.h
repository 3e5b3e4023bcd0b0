/*
 * codelist.h - read a clinical code list file (an OpenCodelists CSV or a
 * GM SDE style .txt code set) into a list of distinct codes with their
 * terms. The one reader of such files: the definition language
 * (`codelist NAME = "file"`, src/engine/parse.c) and the twin generator's
 * reference lists (src/synth/refdata.c) both call it, so a file means the
 * same codes to both. The rules (also in docs/definitions.md, "Code
 * lists"):
 *
 * The format follows the file name: a name ending in ".txt" (any case) is
 * a code set of lines, anything else is a CSV.
 *
 * .txt code set, one code per line:
 *   - a UTF-8 byte order mark at the start is skipped; lines end with LF
 *     or CRLF and must be valid UTF-8;
 *   - blank lines, and lines whose first non-blank character is '#', are
 *     skipped;
 *   - blanks (spaces, tabs) before the code are skipped (some exports put
 *     a stray tab there);
 *   - the code runs to the first tab, space or comma; the term is the rest
 *     of the line after that character, blanks trimmed ("" if none), so
 *     "code<TAB>term", "code,term", "code term" and a bare "code" all work;
 *     a line with nothing before its comma has an empty code and is skipped;
 *   - the first code line is a header, and skipped, when its code is one
 *     of the CSV code column names below ("code<TAB>term");
 *   - opts->column, term_column and extra_column must be NULL (a .txt
 *     file has no named columns).
 *
 * CSV (RFC 4180 as pcn/csv.h reads it: quoted fields, a byte order mark,
 * CRLF, UTF-8 checked):
 *   - the first record is the header;
 *   - the code column is opts->column (exact name) when given, else the
 *     column named "code", else the first column whose lower-cased name is
 *     one of code, snomedcode, snomed_code, ctv3code, ctv3_id, ctv3id,
 *     dmd_id, dmd, id; else the first column;
 *   - the term column is opts->term_column (exact) when given, else
 *     "term", else the first other column whose lower-cased name is one of
 *     term, description, dmd_name, name; else there are no terms ("");
 *   - opts->extra_column (exact) names one more column kept per code;
 *   - a named column missing from the header is an error;
 *   - a code cell is trimmed of blanks; a record whose code cell is empty
 *     or missing (a short record) is skipped.
 *
 * Both formats:
 *   - a code is 1 to PCN_CODELIST_CODE_MAX bytes of printable ASCII other
 *     than space, comma and double quote (SNOMED CT, dm+d, CTV3, Read and
 *     EMIS codes all are); anything else is an error naming file and line;
 *   - a code already read is skipped (the first occurrence and its term
 *     are kept) and counted in n_repeats: a list is a set;
 *   - a file without any code is an error;
 *   - the whole file is read into memory; more than PCN_CODELIST_FILE_MAX
 *     bytes is an error.
 *
 * Errors are one line naming the file, and the line when there is one:
 * "defs/codelists/x.csv:12: code longer than 128 bytes". Thread-safe on
 * distinct lists.
 */
#ifndef PCN_CODELIST_H
#define PCN_CODELIST_H

#include <stddef.h>

#include "pcn/error.h"

#define PCN_CODELIST_CODE_MAX 128                /* bytes in one code */
#define PCN_CODELIST_FILE_MAX ((size_t)64 << 20) /* bytes in one file */

struct pcn_arena;

/* One code of a list. Strings are owned by the list; never NULL. */
struct pcn_codelist_entry {
    const char *code;  /* read-only */
    const char *term;  /* read-only; "" when the file gives none */
    const char *extra; /* read-only; the extra column's cell, "" when none was asked */
};

/*
 * A code list. Zero-initialise (PCN_CODELIST_INIT), read one file into it
 * with pcn_codelist_read(), free its contents with pcn_codelist_release().
 */
struct pcn_codelist {
    struct pcn_codelist_entry *entries; /* read-only: n distinct codes, in file order */
    size_t n;                           /* read-only */
    size_t n_repeats;                   /* read-only: code lines skipped as repeats */
    size_t alloc;                       /* private */
    struct pcn_arena *arena;            /* private: holds the strings */
};

#define PCN_CODELIST_INIT                                                                          \
    {                                                                                              \
        NULL, 0, 0, 0, NULL                                                                        \
    }

/* Column choices for CSV files (see above). Every field may be NULL. */
struct pcn_codelist_opts {
    const char *column;       /* code column, exact name; NULL chooses one */
    const char *term_column;  /* term column, exact name; NULL chooses one */
    const char *extra_column; /* one more column to keep, exact name; NULL for none */
};

/*
 * Read the code list file at path into cl, which must be empty (as
 * initialised or released). opts may be NULL. On error cl is left empty
 * and *reterr (may be NULL) holds a one-line message: PCN_ENOTFOUND or
 * PCN_EIO when the file cannot be read ("cannot open code list"),
 * PCN_EPARSE for a malformed file or code, PCN_ELIMIT for a file over
 * PCN_CODELIST_FILE_MAX, PCN_EINVAL for options that do not fit the
 * file (a missing column; a column for a .txt file) or a list that is
 * not empty, PCN_ENOMEM.
 */
enum pcn_err pcn_codelist_read(struct pcn_codelist *cl, const char *path,
                               const struct pcn_codelist_opts *opts, struct pcn_error *reterr);

/* Free the list's contents and make it empty again. NULL-safe. */
void pcn_codelist_release(struct pcn_codelist *cl);

#endif /* PCN_CODELIST_H */
