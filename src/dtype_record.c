/*
 * dtype strings with commas or repeat counts, read as numpy 1.24 reads them:
 *   "i4,f8"      a packed record with fields f0, f1 (itemsize 12, alignment 1)
 *   "(2,3)f4"    a sub-array dtype: itemsize 24, shape (2, 3), base <f4
 *   "2i4"        the same with shape (2,);  "5S" is S5: a count before a size-less flexible
 *                type is its size
 * numpy splits such a string with a regular expression (numpy/core/_internal.py's _commastring)
 * and reads each repeat count with Python's ast.literal_eval.  This file scans the same grammar
 * by hand, character class by character class, so that exactly the same strings are accepted.
 * Behaviour was established by running numpy, not by reading its source.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "dtype_impl.h"
#include "internal.h"

static int is_order(char ch)
{
	return ch == '<' || ch == '>' || ch == '|' || ch == '=';
}

static int is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

static int is_alnum(char ch) /* the regex's [A-Za-z0-9]: ASCII only */
{
	return is_digit(ch) || (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z');
}

/* Length of the whitespace character at s[i] as Python's \s sees it in a str pattern (every
 * code point str.isspace() accepts, e.g. U+00A0 and U+3000), or 0.  The input is valid UTF-8. */
static size_t space_len(const char *str, size_t i, size_t n)
{
	const unsigned char *s = (const unsigned char *)str + i;
	size_t left = n - i;

	if (s[0] == ' ' || (s[0] >= 0x09 && s[0] <= 0x0d) || (s[0] >= 0x1c && s[0] <= 0x1f))
		return 1;
	if (left >= 2 && s[0] == 0xc2 && (s[1] == 0x85 || s[1] == 0xa0))
		return 2;
	if (left < 3)
		return 0;
	if (s[0] == 0xe1 && s[1] == 0x9a && s[2] == 0x80) /* U+1680 */
		return 3;
	if (s[0] == 0xe2 && s[1] == 0x80 && ((s[2] >= 0x80 && s[2] <= 0x8a) || s[2] == 0xa8 ||
					     s[2] == 0xa9 || s[2] == 0xaf)) /* U+2000-200A/28/29/2F */
		return 3;
	if (s[0] == 0xe2 && s[1] == 0x81 && s[2] == 0x9f) /* U+205F */
		return 3;
	if (s[0] == 0xe3 && s[1] == 0x80 && s[2] == 0x80) /* U+3000 */
		return 3;
	return 0;
}

static size_t skip_space(const char *s, size_t i, size_t n)
{
	size_t w;

	while (i < n && (w = space_len(s, i, n)) > 0)
		i += w;
	return i;
}

int plbuf__dt_is_commastring(const char *s, size_t n)
{
	const char *t = s;
	size_t tn = n;
	long long brackets = 0;

	/* a repeat count first, after at most one byte-order character: "2i4", ">2i4", "()i4" */
	if (tn > 1 && is_order(t[0]))
		t++, tn--;
	if (tn >= 1 && is_digit(t[0]))
		return 1;
	if (tn >= 2 && t[0] == '(' && t[1] == ')')
		return 1;
	/* or a comma outside [] (datetime units may hold commas); numpy's count goes negative on a
	 * stray ']', after which commas no longer count */
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '[')
			brackets++;
		else if (s[i] == ']')
			brackets--;
		else if (s[i] == ',' && brackets == 0)
			return 1;
	}
	return 0;
}

/* ---------------------------------------------------------------- repeat counts */

/* What ast.literal_eval makes of a repeat count: an int, or a tuple of ints. */
struct pyval {
	int is_tuple;
	long long n;                       /* elements of a tuple (1 for an int) */
	uint64_t v[PLBUF_MAXDIM];          /* the first PLBUF_MAXDIM of them */
};
#define PYV_BIG UINT64_MAX /* larger than anything numpy would accept */

/* r[0..n) matched " *\(?[ ,0-9]*\)? *".  Returns NULL, or why Python would not parse it. */
static const char *eval_repeats(const char *r, size_t n, struct pyval *pv)
{
	size_t i = 0;
	int open = 0, close = 0, commas = 0, after_comma = 0;

	memset(pv, 0, sizeof(*pv));
	pv->n = 0;
	while (i < n && r[i] == ' ') /* literal_eval strips leading blanks */
		i++;
	if (i < n && r[i] == '(')
		open = 1, i++;
	while (i < n && r[i] != ')') {
		if (r[i] == ' ') {
			i++;
		} else if (r[i] == ',') {
			if (pv->n == 0 || after_comma)
				return "a comma with no number before it";
			after_comma = 1, commas = 1, i++;
		} else { /* digits */
			size_t d0 = i;
			uint64_t v = 0;
			int nonzero = 0;

			if (pv->n > 0 && !after_comma)
				return "two numbers with no comma between them";
			for (; i < n && is_digit(r[i]); i++) {
				nonzero |= r[i] != '0';
				if (v != PYV_BIG)
					v = v > (UINT64_MAX - 9) / 10 ? PYV_BIG : v * 10 + (uint64_t)(r[i] - '0');
			}
			if (r[d0] == '0' && nonzero)
				return "a number with a leading zero, which Python does not allow";
			if (pv->n < PLBUF_MAXDIM)
				pv->v[pv->n] = v;
			pv->n++;
			after_comma = 0;
		}
	}
	if (i < n)
		close = 1;
	if (open != close)
		return open ? "a '(' with no ')'" : "a ')' with no '('";
	if (pv->n == 0) {
		if (open && !commas) /* "()": the empty tuple */
			return (pv->is_tuple = 1, NULL);
		return "no number";
	}
	pv->is_tuple = commas;
	return NULL;
}

/* numpy's (type, count) tuple: a size for a size-less flexible type, else a sub-array shape. */
static int apply_repeats(const struct dt_ctx *c, struct dt *d, const struct pyval *pv)
{
	int64_t items = 1, nbytes;
	int nd = (int)(pv->n < PLBUF_MAXDIM ? pv->n : PLBUF_MAXDIM);
	struct dt sub;

	if (d->elsize == 0 && d->nfields == 0) {
		int64_t size;

		if (pv->is_tuple)
			return plbuf__dt_fail(c, "a shape cannot come before a size-less type (S, U, V): "
					      "numpy takes a single count there as the size");
		if (pv->v[0] > INT_MAX)
			return plbuf__dt_fail(c, "the size before a size-less type exceeds numpy's "
					      "limit of %d", INT_MAX);
		size = (int64_t)pv->v[0];
		if (d->kind == 'U' && d->subndim < 0) /* characters to bytes, in numpy's C int */
			size = plbuf__dt_wrap32(size * 4);
		if (size < 0)
			return plbuf__dt_fail(c, "numpy 1.24 turns this into itemsize %lld, and a "
					      "negative itemsize cannot be allocated", (long long)size);
		d->elsize = size; /* an empty sub-array ("2<0i4") keeps its shape: so does numpy */
		return 0;
	}
	if (pv->n > PLBUF_MAXDIM)
		return plbuf__dt_fail(c, "the sub-array shape has %lld dimensions; numpy allows at "
				      "most %d", pv->n, PLBUF_MAXDIM);
	for (int i = 0; i < nd; i++)
		if (pv->v[i] > (uint64_t)INTPTR_MAX)
			return plbuf__dt_fail(c, "a sub-array dimension does not fit numpy's intp");
	if (pv->is_tuple && pv->n == 0)
		return 0; /* (type, ()) is type */
	if (!pv->is_tuple && pv->v[0] == 1)
		return 0; /* "1i4" is i4 (numpy 1.24 warns that this will change to shape (1,)) */
	for (int i = 0; i < nd; i++) {
		if (pv->v[i] > INT_MAX)
			return plbuf__dt_fail(c, "sub-array dimension %llu exceeds numpy's limit of %d",
					      (unsigned long long)pv->v[i], INT_MAX);
		/* numpy multiplies the dimensions in order in its intp, failing on overflow even
		 * when a later dimension is 0 */
		if (pv->v[i] != 0 && items > INTPTR_MAX / (int64_t)pv->v[i])
			return plbuf__dt_fail(c, "the sub-array's element count overflows numpy's intp");
		items *= (int64_t)pv->v[i];
	}
	nbytes = items <= INT_MAX ? items * d->elsize : -1;
	if (nbytes < 0 || nbytes > INT_MAX)
		return plbuf__dt_fail(c, "the sub-array's size in bytes exceeds numpy's limit of %d",
				      INT_MAX);

	memset(&sub, 0, sizeof(sub));
	sub.kind = 'V';
	sub.byteorder = '|';
	sub.elsize = nbytes;
	sub.align = d->align; /* numpy gives a sub-array its element's alignment */
	sub.dt_unit = -1;
	sub.dt_num = 1;
	sub.subndim = nd;
	for (int i = 0; i < nd; i++)
		sub.shape[i] = (int64_t)pv->v[i];
	plbuf__dt_format(d, sub.base_str); /* a nested sub-array stays nested: base "|V12" */
	sub.base_size = d->elsize;
	sub.base_align = d->align;
	*d = sub;
	return 0;
}

/* ---------------------------------------------------------------- the list */

/* One item: its dtype text (with the byte order numpy prepends) and its repeat count. */
static int convert_item(const struct dt_ctx *c, char order, const char *s, size_t n,
			const char *rep, size_t repn, int depth, int k, struct dt *out)
{
	struct pyval pv;
	const char *why;
	char *tmp = NULL;
	int ret;

	if (repn > 0 && (why = eval_repeats(rep, repn, &pv)) != NULL) {
		char q[200];

		return plbuf__dt_fail(c, "field %d's repeat count \"%s\" is not a Python int or tuple: "
				      "%s", k, plbuf__dt_quote(q, sizeof(q), rep, repn), why);
	}
	if (n == 0 && !order)
		return plbuf__dt_fail(c, "field %d has no type", k);
	if (order) {
		tmp = malloc(n + 1);
		if (!tmp)
			return plbuf__err(ENOMEM, "out of memory parsing a dtype");
		tmp[0] = order;
		memcpy(tmp + 1, s, n);
		s = tmp;
		n++;
	}
	ret = plbuf__dt_from_str(c, s, n, depth, out);
	free(tmp);
	if (ret == 0 && repn > 0)
		ret = apply_repeats(c, out, &pv);
	return ret;
}

int plbuf__dt_from_commastring(const struct dt_ctx *c, const char *s, size_t n, int depth,
			       struct dt *out)
{
	struct dt first, item;
	int64_t total = 0;
	int k = 0, count = 0, pending_empty = 0, ret;
	size_t p = 0;
	char q[200];

	if (depth > DT_MAX_DEPTH)
		return plbuf__dt_fail(c, "nested too deeply");
	memset(&first, 0, sizeof(first));
	while (p < n) {
		char o1 = 0, o2 = 0, order;
		size_t r0, r1, d0, d1, e;

		if (k == INT_MAX)
			return plbuf__dt_fail(c, "too many fields");
		k++;
		/* numpy's pattern, one group at a time:
		 *   [<>|=]?   " *\(?[ ,0-9]*\)? *"   [<>|=]?   [A-Za-z0-9.?]*(\[[A-Za-z0-9,.]+\])?
		 * every part is optional, so the greedy scan below is the regex's match */
		if (is_order(s[p]))
			o1 = s[p++];
		r0 = p;
		while (p < n && s[p] == ' ')
			p++;
		if (p < n && s[p] == '(')
			p++;
		while (p < n && (s[p] == ' ' || s[p] == ',' || is_digit(s[p])))
			p++;
		if (p < n && s[p] == ')')
			p++;
		while (p < n && s[p] == ' ')
			p++;
		r1 = p;
		if (p < n && is_order(s[p]))
			o2 = s[p++];
		d0 = p;
		while (p < n && (is_alnum(s[p]) || s[p] == '.' || s[p] == '?'))
			p++;
		if (p < n && s[p] == '[') {
			e = p + 1;
			while (e < n && (is_alnum(s[e]) || s[e] == ',' || s[e] == '.'))
				e++;
			if (e > p + 1 && e < n && s[e] == ']')
				p = e + 1;
		}
		d1 = p;
		/* then only whitespace to the end, or a comma with any whitespace around it */
		if (p < n) {
			if (skip_space(s, p, n) == n) {
				p = n;
			} else {
				e = skip_space(s, p, n);
				if (e >= n || s[e] != ',')
					return plbuf__dt_fail(c, "field %d is not recognized at \"%s\"", k,
							      plbuf__dt_quote(q, sizeof(q), s + p, n - p));
				p = skip_space(s, e + 1, n);
			}
		}

		/* two byte orders must agree ('=' is the native one); the native order, '|' and
		 * '=' are dropped, any other is put back in front of the type */
		if (!o2) {
			order = o1;
		} else if (!o1) {
			order = o2;
		} else {
			char a = o1 == '=' ? DT_NATIVE : o1, b = o2 == '=' ? DT_NATIVE : o2;

			if (a != b)
				return plbuf__dt_fail(c, "field %d has two different byte orders, %c and %c",
						      k, o1, o2);
			order = a;
		}
		if (order == '|' || order == '=' || order == DT_NATIVE)
			order = 0;

		/* an empty item is dropped when it is the last of several ("i4,<" has one field) */
		if (pending_empty)
			return plbuf__dt_fail(c, "field %d has no type", k - 1);
		if (r0 == r1 && d0 == d1 && !order) {
			pending_empty = 1;
			continue;
		}
		ret = convert_item(c, order, s + d0, d1 - d0, s + r0, r1 - r0, depth, k, &item);
		if (ret < 0)
			return ret;
		if (count == 0)
			first = item;
		count++;
		total += item.elsize;
		if (total > INT_MAX) /* numpy 1.24 wraps to a negative size or field offset */
			return plbuf__dt_fail(c, "the record's size exceeds numpy's limit of %d bytes",
					      INT_MAX);
	}
	if (k == 1) { /* one item: that dtype itself, not a record */
		if (pending_empty)
			return plbuf__dt_fail(c, "field 1 has no type");
		*out = first;
		return 0;
	}
	/* fields f0, f1, ... packed in order: numpy's default align=False gives alignment 1 */
	memset(out, 0, sizeof(*out));
	out->kind = 'V';
	out->byteorder = '|';
	out->elsize = total;
	out->align = 1;
	out->nfields = count;
	out->subndim = -1;
	out->dt_unit = -1;
	out->dt_num = 1;
	return 0;
}
