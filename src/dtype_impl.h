/* Private to src/dtype.c and src/dtype_record.c: the dtype being built while a string is parsed. */
#ifndef PLBUF_DTYPE_IMPL_H
#define PLBUF_DTYPE_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "plbuf.h"

/* numpy's byte-order character for "this machine's order" in dtype.str. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define DT_NATIVE '>'
#else
#define DT_NATIVE '<'
#endif

/* The numpy descriptor fields that dtype strings can set.  elsize is numpy's C int, kept wider so
 * that the wrap-arounds numpy 1.24 performs can be reproduced and checked explicitly. */
struct dt {
	char kind;      /* b i u f c m M S U V; 'V' also for records and sub-arrays */
	char byteorder; /* '=' native, '|' not applicable, else the non-native '<' or '>' */
	int64_t elsize;
	int align;
	int nfields;    /* > 0 for a record built from "a,b,..." */
	int dt_unit;    /* M/m only: index into the unit table, -1 for generic */
	int dt_num;     /* M/m only: the unit multiplier ("25" of "M8[25s]") */
	/* Sub-array ("(2,3)f4"): numpy keeps the element dtype as .base and the dims as .shape. */
	int subndim;    /* -1 when not a sub-array; 0 never survives (numpy returns the base) */
	int64_t shape[PLBUF_MAXDIM];
	char base_str[PLBUF_DTYPE_STRLEN];
	int64_t base_size;
	int base_align;
};

/* The string the caller gave, for error messages. */
struct dt_ctx {
	const char *top;
	size_t toplen;
};

/* Recursion guard: numpy's grammar nests at most three levels ("2>3i4,f8"). */
#define DT_MAX_DEPTH 6

/* dtype.c */
int plbuf__dt_fail(const struct dt_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Quotes s[0..n) for a message: at most ~40 characters, control and non-ASCII bytes escaped. */
const char *plbuf__dt_quote(char *buf, size_t bufsize, const char *s, size_t n);
/* numpy's _convert_from_str() on the bytes s[0..n). */
int plbuf__dt_from_str(const struct dt_ctx *c, const char *s, size_t n, int depth, struct dt *out);
/* dtype.str of d. */
void plbuf__dt_format(const struct dt *d, char out[PLBUF_DTYPE_STRLEN]);
/* strtol(s, &end, 10) on a string that ends at lim, with the platform's long range; *overflow
 * (when not NULL) says whether it saturated. */
long plbuf__dt_strtol(const char *s, const char *lim, const char **endp, int *overflow);
/* (int)v as numpy's C code does it: the low 32 bits, two's complement. */
int32_t plbuf__dt_wrap32(int64_t v);

/* dtype_record.c */
/* numpy's test for "this string is a comma-separated list or has a repeat prefix". */
int plbuf__dt_is_commastring(const char *s, size_t n);
/* numpy's _convert_from_commastring(): fields f0, f1, ... or one (possibly sub-array) dtype. */
int plbuf__dt_from_commastring(const struct dt_ctx *c, const char *s, size_t n, int depth,
			       struct dt *out);

#endif
