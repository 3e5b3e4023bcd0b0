/*
 * sp_int.h - what the files of src/sp/ share and nobody else sees: the
 * directory's rollback mark for all-or-nothing reads. Not installed.
 */
#ifndef PCN_SP_INT_H
#define PCN_SP_INT_H

#include <stddef.h>

struct pcn_directory;

/* The directory's current size, to roll back to. */
size_t pcn__directory_mark(const struct pcn_directory *d);

/* Forget the assets added since mark (their memory is kept until the directory is freed). */
void pcn__directory_rollback(struct pcn_directory *d, size_t mark);

#endif /* PCN_SP_INT_H */
