/* numpy basic indexing ("a[1:5, ::-2, None, ...]"), computed on an array's
 * (shape, strides in bytes) alone, so that plbuf can hand out views of DMA buffers exactly where
 * numpy would.  The reference is numpy's observable behaviour; tests/t_slice_numpy.c compares
 * every result with numpy at test time.
 *
 * The index string is parsed fully before anything is applied, so a malformed string is reported
 * as such even when an earlier index is also out of bounds (Python raises SyntaxError first too). */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* numpy refuses index tuples longer than twice its dimension limit, even when the result would fit
 * (one index per input axis plus one None per output axis plus an Ellipsis is 65). */
#define MAX_ITEMS (2 * PLBUF_MAXDIM)

enum part_kind { P_OMITTED, P_NONE, P_INT, P_ELLIPSIS };

struct part {
	enum part_kind kind;
	int64_t val;     /* P_INT: value, saturated to int64 like Python's slice indices */
	bool ovf;        /* P_INT: the literal lies outside int64 */
	size_t col;      /* 1-based column where the part starts */
	size_t end;      /* 0-based position just past the part, for messages */
};

enum item_kind { IT_INT, IT_SLICE, IT_NEWAXIS, IT_ELLIPSIS };

struct item {
	enum item_kind kind;
	struct part p[3]; /* IT_INT: p[0]; IT_SLICE: start, stop, step */
};

struct parser {
	const char *s;
	size_t pos;
	char quoted[80]; /* the string as messages show it: printable and bounded */
};

/* Copies at most len bytes of s (stopping at its end) as printable ASCII, cut with "..." to fit
 * buf: messages must stay readable whatever bytes a fuzzer sends. */
static void excerpt(const char *s, size_t len, char *buf, size_t n)
{
	size_t i, max = n - 4;

	for (i = 0; i < len && s[i] && i < max; i++)
		buf[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	if (i < len && s[i]) {
		memcpy(buf + i, "...", 3);
		i += 3;
	}
	buf[i] = '\0';
}

static int serr(const struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int serr(const struct parser *p, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return plbuf__err(EINVAL, "slice \"%s\": %s", p->quoted, msg);
}

/* Python's whitespace inside brackets, where newlines join lines. */
static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

static bool is_ident(char c, bool first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	       (!first && c >= '0' && c <= '9');
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static void skip_ws(struct parser *p)
{
	while (is_ws(p->s[p->pos]))
		p->pos++;
}

/* Reads a Python decimal integer literal preceded by any run of unary signs ("- -1" is 1).
 * Magnitudes beyond int64 set ovf and saturate, since Python clamps slice bounds that way. */
static int parse_int(struct parser *p, struct part *out)
{
	bool neg = false, all_zero = true;
	uint64_t mag = 0;
	size_t start;

	while (p->s[p->pos] == '-' || p->s[p->pos] == '+') {
		neg ^= p->s[p->pos] == '-';
		p->pos++;
		skip_ws(p);
	}
	if (!is_digit(p->s[p->pos]))
		return serr(p, "expected digits after a sign at column %zu", p->pos + 1);
	start = p->pos;
	out->ovf = false;
	for (;;) {
		char c = p->s[p->pos];

		if (c == '_' && is_digit(p->s[p->pos + 1]) && p->pos > start) {
			p->pos++;
			continue;
		}
		if (!is_digit(c))
			break;
		if (c != '0')
			all_zero = false;
		if (mag > (UINT64_MAX - 9) / 10)
			out->ovf = true;
		else
			mag = mag * 10 + (uint64_t)(c - '0');
		p->pos++;
	}
	/* Python rejects "01" (octal ambiguity), "1x", "1_" and floats such as "1." or "1e3". */
	if ((p->s[start] == '0' && !all_zero) || is_ident(p->s[p->pos], false) || p->s[p->pos] == '.')
		return serr(p, "invalid integer literal at column %zu", start + 1);
	out->end = p->pos;
	if (neg) {
		if (out->ovf || mag > (uint64_t)INT64_MAX + 1)
			out->ovf = true, out->val = INT64_MIN;
		else
			out->val = mag ? -(int64_t)(mag - 1) - 1 : 0;
	} else {
		if (out->ovf || mag > (uint64_t)INT64_MAX)
			out->ovf = true, out->val = INT64_MAX;
		else
			out->val = (int64_t)mag;
	}
	out->kind = P_INT;
	return 0;
}

/* Reads a dotted name ("np . newaxis" is legal Python) and maps it to None or Ellipsis. */
static int parse_name(struct parser *p, struct part *out)
{
	char name[32];
	size_t n = 0, start = p->pos;

	for (;;) {
		while (is_ident(p->s[p->pos], false)) {
			if (n < sizeof(name) - 1)
				name[n] = p->s[p->pos];
			n++;
			p->pos++;
		}
		size_t save = p->pos;
		skip_ws(p);
		if (p->s[p->pos] != '.' || p->s[p->pos + 1] == '.') {
			p->pos = save;
			break;
		}
		p->pos++;
		skip_ws(p);
		if (!is_ident(p->s[p->pos], true))
			return serr(p, "expected a name after '.' at column %zu", p->pos + 1);
		if (n < sizeof(name) - 1)
			name[n] = '.';
		n++;
	}
	if (n >= sizeof(name))
		n = sizeof(name) - 1;
	name[n] = '\0';
	if (!strcmp(name, "None") || !strcmp(name, "newaxis") || !strcmp(name, "np.newaxis") ||
	    !strcmp(name, "numpy.newaxis")) {
		out->kind = P_NONE;
	} else if (!strcmp(name, "Ellipsis")) {
		out->kind = P_ELLIPSIS;
	} else {
		return serr(p, "expected an integer, ':', '...' or None at column %zu", start + 1);
	}
	return 0;
}

/* One slice bound, integer index, None or Ellipsis; P_OMITTED consumes nothing. */
static int parse_part(struct parser *p, struct part *out)
{
	char c;

	skip_ws(p);
	c = p->s[p->pos];
	out->kind = P_OMITTED;
	out->col = p->pos + 1;
	out->ovf = false;
	out->val = 0;
	out->end = p->pos;
	if (c == '-' || c == '+' || is_digit(c))
		return parse_int(p, out);
	if (is_ident(c, true))
		return parse_name(p, out);
	if (c == '.' && p->s[p->pos + 1] == '.' && p->s[p->pos + 2] == '.') {
		p->pos += 3;
		out->kind = P_ELLIPSIS;
	}
	return 0;
}

static int parse_item(struct parser *p, struct item *it)
{
	struct part *a = &it->p[0];
	int ret;

	memset(it, 0, sizeof(*it));
	if ((ret = parse_part(p, a)))
		return ret;
	skip_ws(p);
	if (p->s[p->pos] != ':') {
		if (a->kind == P_OMITTED)
			return serr(p, "expected an integer, ':', '...' or None at column %zu",
				    p->pos + 1);
		it->kind = a->kind == P_INT ? IT_INT : a->kind == P_NONE ? IT_NEWAXIS : IT_ELLIPSIS;
		return 0;
	}
	it->kind = IT_SLICE;
	for (int k = 1; k < 3 && p->s[p->pos] == ':'; k++) {
		p->pos++;
		if ((ret = parse_part(p, &it->p[k])))
			return ret;
		skip_ws(p);
	}
	return 0;
}

/* Fills items[]; *n = 0 for "", whitespace or "()", which all mean a[()]. */
static int parse_index(struct parser *p, struct item *items, int *n)
{
	int ret;

	*n = 0;
	skip_ws(p);
	if (p->s[p->pos] == '(') {
		size_t save = p->pos++;

		skip_ws(p);
		if (p->s[p->pos] == ')') {
			p->pos++;
			skip_ws(p);
			if (!p->s[p->pos])
				return 0;
		}
		p->pos = save;
	}
	while (p->s[p->pos]) {
		if (*n == MAX_ITEMS)
			return serr(p, "too many indices: numpy accepts at most %d", MAX_ITEMS);
		if ((ret = parse_item(p, &items[*n])))
			return ret;
		++*n;
		skip_ws(p);
		if (!p->s[p->pos])
			break;
		if (p->s[p->pos] != ',')
			return serr(p, "expected ',' or the end of the index at column %zu", p->pos + 1);
		p->pos++;
		skip_ws(p); /* a trailing comma ends the tuple */
	}
	return 0;
}

/* numpy multiplies strides by steps in wrapping machine arithmetic ("a[::2**62]" on 4-byte items
 * has stride 0).  That only ever touches axes of length <= 1, whose stride is never used. */
static int64_t wrap_mul(int64_t a, int64_t b)
{
	return (int64_t)((uint64_t)a * (uint64_t)b);
}

/* One bound as Python's slice.indices(len) adjusts it: negatives count from the end, and
 * anything outside the axis clamps to just before or just past it. */
static int64_t bound(const struct part *pt, int64_t len, int64_t step, int64_t dflt)
{
	int64_t v = pt->val;

	if (pt->kind != P_INT)
		return dflt;
	if (v < 0) /* v + len cannot overflow: len >= 0 */
		return v + len < 0 ? (step < 0 ? -1 : 0) : v + len;
	return v >= len ? (step < 0 ? len - 1 : len) : v;
}

/* Python's slice.indices(len), then numpy's rule that an empty slice starts at 0 with step 1. */
static void slice_adjust(const struct item *it, int64_t len, int64_t *start, int64_t *n, int64_t *step)
{
	int64_t st = it->p[2].kind == P_INT ? it->p[2].val : 1, b, e;

	if (st < -INT64_MAX) /* as Python does, so that -st is representable */
		st = -INT64_MAX;
	b = bound(&it->p[0], len, st, st < 0 ? len - 1 : 0);
	e = bound(&it->p[1], len, st, st < 0 ? -1 : len);
	if (st > 0)
		*n = b < e ? (e - b - 1) / st + 1 : 0;
	else
		*n = e < b ? (b - e - 1) / -st + 1 : 0;
	if (*n == 0)
		b = 0, st = 1;
	*start = b;
	*step = st;
}

static int add_offset(const struct parser *p, int64_t *off, int64_t idx, int64_t stride)
{
	int64_t d;

	if (__builtin_mul_overflow(idx, stride, &d) || __builtin_add_overflow(*off, d, off))
		return serr(p, "the byte offset overflows int64 (shape or strides are bogus)");
	return 0;
}

int plbuf__slice(const char *s, int ndim, const int64_t *shape, const int64_t *strides,
		 int *ondim, int64_t *oshape, int64_t *ostrides, int64_t *offset)
{
	struct item items[MAX_ITEMS];
	int64_t rshape[PLBUF_MAXDIM], rstrides[PLBUF_MAXDIM], off = 0;
	int n, nell = 0, nuse = 0, nint = 0, nnew = 0, ax = 0, o = 0, ret;
	struct parser p = { .s = s };

	if (!s || !ondim || !offset)
		return plbuf__err(EINVAL, "slice: NULL string or output pointer");
	excerpt(s, SIZE_MAX, p.quoted, sizeof(p.quoted));
	if (ndim < 0 || ndim > PLBUF_MAXDIM)
		return serr(&p, "ndim %d is outside [0, %d]", ndim, PLBUF_MAXDIM);
	if (ndim > 0 && (!shape || !strides || !oshape || !ostrides))
		return serr(&p, "NULL shape or strides");
	for (int i = 0; i < ndim; i++)
		if (shape[i] < 0)
			return serr(&p, "negative dimension %lld on axis %d", (long long)shape[i], i);
	if ((ret = parse_index(&p, items, &n)))
		return ret;

	for (int i = 0; i < n; i++) {
		const struct part *pt = &items[i].p[0];
		enum item_kind k = items[i].kind;

		nell += k == IT_ELLIPSIS;
		nnew += k == IT_NEWAXIS;
		nint += k == IT_INT;
		nuse += k == IT_INT || k == IT_SLICE;
		/* numpy cannot even convert such an index, so it fails before looking at any axis */
		if (k == IT_INT && pt->ovf) {
			char num[48];

			excerpt(s + pt->col - 1, pt->end - pt->col + 1, num, sizeof(num));
			return serr(&p, "index %s does not fit in 64 bits", num);
		}
	}
	if (nell > 1)
		return serr(&p, "an index can only have a single ellipsis ('...')");
	if (nuse > ndim)
		return serr(&p, "too many indices for a %d-d array", ndim);
	if (ndim - nint + nnew > PLBUF_MAXDIM)
		return serr(&p, "the result would have %d dimensions; the limit is %d",
			    ndim - nint + nnew, PLBUF_MAXDIM);

	for (int i = 0; i < n; i++) {
		const struct item *it = &items[i];
		int64_t start, len, step;

		switch (it->kind) {
		case IT_ELLIPSIS:
			for (int k = ndim - nuse; k > 0; k--, ax++, o++) {
				rshape[o] = shape[ax];
				rstrides[o] = strides[ax];
			}
			break;
		case IT_NEWAXIS:
			rshape[o] = 1;
			rstrides[o++] = 0;
			break;
		case IT_INT: {
			int64_t v = it->p[0].val;

			if (v >= shape[ax] || v < -shape[ax])
				return serr(&p, "index %lld is out of bounds for axis %d with size %lld",
					    (long long)v, ax, (long long)shape[ax]);
			if ((ret = add_offset(&p, &off, v < 0 ? v + shape[ax] : v, strides[ax])))
				return ret;
			ax++;
			break;
		}
		case IT_SLICE:
			/* Python builds slice(..., Ellipsis) happily; numpy rejects it when it gets
			 * to this axis, so earlier axes report their errors first. */
			for (int k = 0; k < 3; k++)
				if (it->p[k].kind == P_ELLIPSIS)
					return serr(&p, "slice bounds must be integers or None, not '...' "
						    "(column %zu)", it->p[k].col);
			if (it->p[2].kind == P_INT && it->p[2].val == 0)
				return serr(&p, "slice step cannot be zero (column %zu)", it->p[2].col);
			slice_adjust(it, shape[ax], &start, &len, &step);
			if ((ret = add_offset(&p, &off, start, strides[ax])))
				return ret;
			rshape[o] = len;
			rstrides[o++] = wrap_mul(strides[ax++], step);
			break;
		}
	}
	/* Axes not mentioned are kept whole, as if a trailing '...' had been written. */
	for (; ax < ndim; ax++, o++) {
		rshape[o] = shape[ax];
		rstrides[o] = strides[ax];
	}
	*ondim = o;
	if (o) {
		memcpy(oshape, rshape, (size_t)o * sizeof(*rshape));
		memcpy(ostrides, rstrides, (size_t)o * sizeof(*rstrides));
	}
	*offset = off;
	return 0;
}
