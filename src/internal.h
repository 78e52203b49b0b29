/* Internal declarations shared by plbuf's core files.  Not installed. */
#ifndef PLBUF_INTERNAL_H
#define PLBUF_INTERNAL_H

#include <stdint.h>
#include "plbuf.h"

#define PLBUF_EXPORT __attribute__((visibility("default")))

#ifndef __has_attribute
#define __has_attribute(x) 0
#endif

/* Sets this thread's message and errno; returns -err (err may be given either sign). */
int plbuf__err(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same, returning NULL for functions that return pointers. */
void *plbuf__errp(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Empties this thread's message: a failure that was handled (a fallback took over) leaves no stale
 * sentence behind.  Cheaper than formatting an empty message. */
void plbuf__err_clear(void);
/* Whether a message was set on this thread since the last plbuf__err_clear(). */
int plbuf__err_said(void);

/* ---- slice.c: numpy basic indexing and reshape on (shape, strides) in bytes. */

/* Applies a basic-indexing string ("1:5, ::2", "-1", "...", "None") to an array described by
 * ndim/shape/strides (strides in bytes).  Writes the result's ndim, shape, strides and the byte
 * offset of its first element from the source's first element.  Returns 0 or -EINVAL with a message. */
int plbuf__slice(const char *s, int ndim, const int64_t *shape, const int64_t *strides,
		 int *ondim, int64_t *oshape, int64_t *ostrides, int64_t *offset);

/* numpy's reshape without copy: nshape_in may hold one -1.  Returns 0 or -EINVAL when the element
 * counts differ or the strides cannot express the new shape without a copy. */
int plbuf__reshape(int ndim, const int64_t *shape, const int64_t *strides, int64_t itemsize,
		   int nndim, const int64_t *nshape_in, char order,
		   int64_t *nshape, int64_t *nstrides);

#endif
