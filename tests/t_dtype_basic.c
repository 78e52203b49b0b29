/* plbuf_dtype_parse() on a few strings whose numpy answers are written out here (no Python), on
 * the refusals plbuf adds to numpy's (object dtypes), and on hostile input that must fail cleanly. */
#include <stdint.h>

#include "test.h"

static struct plbuf_dtype_info d;

static void ok(const char *s, const char *str, char kind, char bo, uint64_t size, uint64_t align)
{
	int ret = plbuf_dtype_parse(s, &d);

	if (ret != 0 || strcmp(d.str, str) || d.kind != kind || d.byteorder != bo ||
	    d.itemsize != size || d.alignment != align) {
		fprintf(stderr, "\"%s\": got %d %s '%c' '%c' %llu %llu (%s); want %s '%c' '%c' %llu %llu\n",
			s, ret, d.str, d.kind, d.byteorder, (unsigned long long)d.itemsize,
			(unsigned long long)d.alignment, plbuf_errmsg(), str, kind, bo,
			(unsigned long long)size, (unsigned long long)align);
		exit(T_EXIT_FAIL);
	}
}

static void bad(const char *s, const char *msg_part)
{
	int ret = plbuf_dtype_parse(s, &d);

	if (ret != -EINVAL || !strstr(plbuf_errmsg(), msg_part) || !strstr(plbuf_errmsg(), "dtype")) {
		fprintf(stderr, "\"%.60s\": got %d \"%s\"; want -EINVAL and a message with \"%s\"\n", s,
			ret, plbuf_errmsg(), msg_part);
		exit(T_EXIT_FAIL);
	}
}

/* A string of n copies of unit followed by tail, for the hostile cases. */
static char *repeat(const char *unit, size_t n, const char *tail)
{
	size_t ul = strlen(unit), tl = strlen(tail);
	char *s = malloc(ul * n + tl + 1);

	CHECK(s);
	for (size_t i = 0; i < n; i++)
		memcpy(s + i * ul, unit, ul);
	memcpy(s + ul * n, tail, tl + 1);
	return s;
}

int main(void)
{
	char buf[64];
	char *s;

	/* array-protocol strings: numpy reports native order as '=' and one-byte types as '|' */
	ok("<u4", "<u4", 'u', '=', 4, 4);
	ok(">f8", ">f8", 'f', '>', 8, 8);
	ok("|b1", "|b1", 'b', '|', 1, 1);
	ok(">i1", "|i1", 'i', '|', 1, 1);
	ok("=i2", "<i2", 'i', '=', 2, 2);
	ok("<c16", "<c16", 'c', '=', 16, 8);
	ok(">U5", ">U5", 'U', '>', 20, 4);
	ok(">S5", "|S5", 'S', '|', 5, 1);
	ok("float32", "<f4", 'f', '=', 4, 4);
	ok("uint8", "|u1", 'u', '|', 1, 1);
	ok("?", "|b1", 'b', '|', 1, 1);
	ok("S", "|S0", 'S', '|', 0, 1);
	ok("a7", "|S7", 'S', '|', 7, 1);
	ok("c", "|S1", 'S', '|', 1, 1);
	ok("V16", "|V16", 'V', '|', 16, 1);
	ok("5S", "|S5", 'S', '|', 5, 1); /* a count before a size-less type is its size */
	ok("i 4", "<i4", 'i', '=', 4, 4); /* numpy reads the size with strtol */

	/* the platform's C types decide: long is 4 bytes on armhf, long double 8 there */
	snprintf(buf, sizeof(buf), "<i%zu", sizeof(long));
	ok("l", buf, 'i', '=', sizeof(long), _Alignof(long));
	ok("int", buf, 'i', '=', sizeof(long), _Alignof(long));
	snprintf(buf, sizeof(buf), "<i%zu", sizeof(void *));
	ok("p", buf, 'i', '=', sizeof(void *), _Alignof(intptr_t));
	snprintf(buf, sizeof(buf), "<f%zu", sizeof(long double));
	ok("g", buf, 'f', '=', sizeof(long double), _Alignof(long double));
	snprintf(buf, sizeof(buf), "<c%zu", 2 * sizeof(long double));
	ok("clongdouble", buf, 'c', '=', 2 * sizeof(long double), _Alignof(long double));

	/* datetimes */
	ok("M8[ns]", "<M8[ns]", 'M', '=', 8, _Alignof(int64_t));
	ok(">m8[25s]", ">m8[25s]", 'm', '>', 8, _Alignof(int64_t));
	ok("datetime64[D]", "<M8[D]", 'M', '=', 8, _Alignof(int64_t));
	ok("M8[s/2]", "<M8[500ms]", 'M', '=', 8, _Alignof(int64_t));
	ok("M8[generic]", "<M8", 'M', '=', 8, _Alignof(int64_t));

	/* records: packed, alignment 1 */
	ok("i4,f8", "|V12", 'V', '|', 12, 1);
	CHECK(d.nfields == 2 && d.subndim == 0 && strcmp(d.base, "|V12") == 0);
	ok("i4,<", "|V4", 'V', '|', 4, 1); /* a trailing empty item is dropped */
	CHECK(d.nfields == 1);
	ok("i4,", "<i4", 'i', '=', 4, 4);  /* one item: not a record */
	CHECK(d.nfields == 0);

	/* sub-arrays: the element's alignment, the shape apart */
	ok("(2,3)f4", "|V24", 'V', '|', 24, 4);
	CHECK(d.subndim == 2 && d.subshape[0] == 2 && d.subshape[1] == 3);
	CHECK(strcmp(d.base, "<f4") == 0 && d.base_itemsize == 4 && d.base_alignment == 4);
	ok("2i4", "|V8", 'V', '|', 8, 4);
	CHECK(d.subndim == 1 && d.subshape[0] == 2);
	ok("(2,)i4,f8", "|V16", 'V', '|', 16, 1);
	CHECK(d.nfields == 2 && d.subndim == 0);
	ok("()i4", "<i4", 'i', '=', 4, 4);

	/* object dtypes: numpy has them, DMA cannot carry them */
	bad("O", "object");
	CHECK(strstr(plbuf_errmsg(), "DMA") && strstr(plbuf_errmsg(), "pointer"));
	bad("object", "object");
	bad("O8", "object");
	bad("(2,)O", "object");
	bad("i4,O", "object");

	/* numpy rejects these */
	bad("i3", "3-byte");
	bad("", "empty");
	bad("<", "byte order");
	bad("float33", "float33");
	bad(">float64", "byte order");
	bad("Float64", "Float64");
	bad("M8[B]", "unit");
	bad("(2,3", "'('");
	bad("i4,,f8", "field 2");
	bad("M8[s/0]", "divisor"); /* numpy crashes on this one */
	bad("S-1", "negative");    /* numpy 1.24 builds an itemsize of -1 */
	bad("i4,\xff", "UTF-8");
	CHECK_ERR(plbuf_dtype_parse(NULL, &d), EINVAL);
	CHECK_ERR(plbuf_dtype_parse("u4", NULL), EINVAL);

	/* hostile input fails, or parses, without overflowing anything */
	CHECK(plbuf_dtype_parse("S99999999999999999999", &d) == 0 || d.itemsize == 0);
	bad("U2147483647", "negative");
	bad("(99999999999999999999,)i1", "");
	bad("2147483647i1,i1", "limit");
	bad("M8[99999999999999999999s]", "multiplier");
	bad("M8[ns", "");
	bad("M8[s]]", "");
	s = repeat("(", 100000, "2)i4");
	bad(s, "");
	free(s);
	s = repeat("[", 100000, ",i4");
	bad(s, "");
	free(s);
	s = repeat("9", 100000, "");
	bad(s, "");
	free(s);
	s = repeat("1,", 40, "i4");
	bad(s, "dimensions");
	free(s);
	s = repeat("i2,", 100000, "");
	ok(s, "|V200000", 'V', '|', 200000, 1);
	CHECK(d.nfields == 100000);
	free(s);
	s = repeat("f", 100000, "8");
	bad(s, "");
	free(s);
	return T_EXIT_PASS;
}
