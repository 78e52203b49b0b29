/*
 * dtype strings, read exactly as numpy.dtype(str) reads them in numpy 1.24 (Debian 12), so that a
 * buffer allocated from C has the layout Python code will see.  This file covers single dtypes:
 * byte order, one-character codes, kind+size ("f8"), names ("float64"), flexible sizes ("S5") and
 * datetimes ("M8[25s]").  dtype_record.c covers "i4,f8" records and "(2,3)f4" sub-arrays.
 *
 * The behaviour was established by running numpy, not by reading its source.  Where numpy 1.24
 * accepts a string but produces a nonsensical result (a negative itemsize), plbuf refuses it;
 * where it crashes (a datetime divisor of 0), plbuf refuses it too.  numpy's integer wrap-arounds
 * that still give a usable size ("S4294967296" is S0 on 64-bit Linux) are reproduced, because a
 * Python program given the same string sees the same layout.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dtype_impl.h"
#include "internal.h"

/* ---------------------------------------------------------------- scalar types */

/* The first 24 are in numpy's type-number order: a one-character dtype string whose character
 * code is below 24 ("\t" is 9) selects that type number in numpy, so plbuf must too. */
enum {
	T_BOOL, T_BYTE, T_UBYTE, T_SHORT, T_USHORT, T_INT, T_UINT, T_LONG, T_ULONG, T_LONGLONG,
	T_ULONGLONG, T_FLOAT, T_DOUBLE, T_LONGDOUBLE, T_CFLOAT, T_CDOUBLE, T_CLONGDOUBLE, T_OBJECT,
	T_STRING, T_UNICODE, T_VOID, T_DATETIME, T_TIMEDELTA, T_HALF,
	T_INTP, T_UINTP, T_CHAR, /* 'p', 'P', and 'c' (numpy's old one-byte string) */
};

struct scalar {
	char kind;
	unsigned char size, align;
};

/* Sizes and alignments from the C compiler, which numpy's own build used on the same platform:
 * long is 4 bytes on armhf, long double 16 on x86_64 and aarch64 but 8 on armhf, and so on. */
#define SC(k, T) { k, sizeof(T), _Alignof(T) }
static const struct scalar scalars[] = {
	[T_BOOL] = { 'b', 1, 1 },
	[T_BYTE] = SC('i', signed char),       [T_UBYTE] = SC('u', unsigned char),
	[T_SHORT] = SC('i', short),            [T_USHORT] = SC('u', unsigned short),
	[T_INT] = SC('i', int),                [T_UINT] = SC('u', unsigned int),
	[T_LONG] = SC('i', long),              [T_ULONG] = SC('u', unsigned long),
	[T_LONGLONG] = SC('i', long long),     [T_ULONGLONG] = SC('u', unsigned long long),
	[T_INTP] = SC('i', intptr_t),          [T_UINTP] = SC('u', uintptr_t),
	[T_HALF] = SC('f', uint16_t),          /* numpy stores half floats in a uint16 */
	[T_FLOAT] = SC('f', float),            [T_DOUBLE] = SC('f', double),
	[T_LONGDOUBLE] = SC('f', long double),
	/* numpy's complex types are structs of two floats: the component's alignment */
	[T_CFLOAT] = { 'c', 2 * sizeof(float), _Alignof(float) },
	[T_CDOUBLE] = { 'c', 2 * sizeof(double), _Alignof(double) },
	[T_CLONGDOUBLE] = { 'c', 2 * sizeof(long double), _Alignof(long double) },
	[T_OBJECT] = SC('O', void *),
	/* flexible types: itemsize 0 until a size is given; unicode is UCS-4 */
	[T_STRING] = { 'S', 0, 1 },            [T_UNICODE] = { 'U', 0, _Alignof(uint32_t) },
	[T_VOID] = { 'V', 0, 1 },              [T_CHAR] = { 'S', 1, 1 },
	[T_DATETIME] = SC('M', int64_t),       [T_TIMEDELTA] = SC('m', int64_t),
};

static void set_scalar(struct dt *d, int t)
{
	const struct scalar *s = &scalars[t];

	memset(d, 0, sizeof(*d));
	d->kind = s->kind;
	d->elsize = s->size;
	d->align = s->align;
	d->subndim = -1;
	d->dt_unit = -1;
	d->dt_num = 1;
	/* numpy reports '|' (order not applicable) for bytes, strings, voids and one-byte numbers */
	if (strchr("SVOb", s->kind) || (s->size == 1 && s->kind != 'U'))
		d->byteorder = '|';
	else
		d->byteorder = '=';
}

/* A one-character code, as numpy.dtype("x") takes it. */
static int char_type(unsigned char ch)
{
	static const char codes[] = "?bBhHiIlLqQfdgFDGOSUVMme";
	const char *p;

	if (ch >= 1 && ch <= T_HALF) /* numpy type numbers; 0 cannot occur in a C string */
		return ch;
	if (ch == 26) /* numpy's deprecated NPY_CHAR type number: the 'c' type */
		return T_CHAR;
	switch (ch) {
	case 'p': return T_INTP;
	case 'P': return T_UINTP;
	case 'c': return T_CHAR;
	case 'a': return T_STRING;
	}
	p = ch ? strchr(codes, ch) : NULL;
	return p ? (int)(p - codes) : -1;
}

/* numpy's kind + itemsize ("i4", "c16"), for kinds other than the flexible S, a, U, V. */
static int kind_size_type(char kind, int32_t size)
{
	switch (kind) {
	case 'b': return size == 1 ? T_BOOL : -1;
	case 'i':
	case 'u':
		switch (size) {
		case 1: return kind == 'i' ? T_BYTE : T_UBYTE;
		case 2: return kind == 'i' ? T_SHORT : T_USHORT;
		case 4: return kind == 'i' ? T_INT : T_UINT;
		case 8: return kind == 'i' ? T_LONGLONG : T_ULONGLONG;
		}
		return -1;
	case 'f':
		if (size == 2) return T_HALF;
		if (size == 4) return T_FLOAT;
		if (size == 8) return T_DOUBLE;
		return size == (int32_t)sizeof(long double) ? T_LONGDOUBLE : -1;
	case 'c':
		if (size == 8) return T_CFLOAT;
		if (size == 16) return T_CDOUBLE;
		return size == 2 * (int32_t)sizeof(long double) ? T_CLONGDOUBLE : -1;
	case 'O': return size == 4 || size == 8 ? T_OBJECT : -1; /* both, on every platform */
	case 'M': return size == 8 ? T_DATETIME : -1; /* "M08", "M 8": "M8" itself is a datetime */
	case 'm': return size == 8 ? T_TIMEDELTA : -1;
	}
	return -1;
}

/* numpy 1.24's sctypeDict, less the one-character codes and kind+size keys handled above.  The
 * capitalised aliases ("Float64", "Int32") and "float96" are gone from it: numpy rejects them. */
static const struct {
	const char *name;
	int type;
} names[] = {
	{ "bool", T_BOOL }, { "bool_", T_BOOL }, { "bool8", T_BOOL },
	{ "byte", T_BYTE }, { "ubyte", T_UBYTE }, { "short", T_SHORT }, { "ushort", T_USHORT },
	{ "intc", T_INT }, { "uintc", T_UINT },
	{ "int", T_LONG }, { "int_", T_LONG }, { "long", T_LONG },
	{ "uint", T_ULONG }, { "ulong", T_ULONG },
	{ "longlong", T_LONGLONG }, { "ulonglong", T_ULONGLONG },
	{ "intp", T_INTP }, { "int0", T_INTP }, { "uintp", T_UINTP }, { "uint0", T_UINTP },
	{ "int8", T_BYTE }, { "int16", T_SHORT }, { "int32", T_INT }, { "int64", T_LONGLONG },
	{ "uint8", T_UBYTE }, { "uint16", T_USHORT }, { "uint32", T_UINT }, { "uint64", T_ULONGLONG },
	{ "half", T_HALF }, { "single", T_FLOAT }, { "double", T_DOUBLE }, { "float", T_DOUBLE },
	{ "float_", T_DOUBLE }, { "longdouble", T_LONGDOUBLE }, { "longfloat", T_LONGDOUBLE },
	{ "float16", T_HALF }, { "float32", T_FLOAT }, { "float64", T_DOUBLE },
	{ "csingle", T_CFLOAT }, { "singlecomplex", T_CFLOAT }, { "complex64", T_CFLOAT },
	{ "cdouble", T_CDOUBLE }, { "cfloat", T_CDOUBLE }, { "complex", T_CDOUBLE },
	{ "complex_", T_CDOUBLE }, { "complex128", T_CDOUBLE },
	{ "clongdouble", T_CLONGDOUBLE }, { "clongfloat", T_CLONGDOUBLE },
	{ "longcomplex", T_CLONGDOUBLE },
	{ "object", T_OBJECT }, { "object_", T_OBJECT }, { "object0", T_OBJECT },
	{ "bytes", T_STRING }, { "bytes_", T_STRING }, { "bytes0", T_STRING },
	{ "string_", T_STRING },
	{ "str", T_UNICODE }, { "str_", T_UNICODE }, { "str0", T_UNICODE },
	{ "unicode", T_UNICODE }, { "unicode_", T_UNICODE },
	{ "void", T_VOID }, { "void0", T_VOID },
};

/* numpy looks names up with the whole string, byte order included: ">float64" is an error. */
static int name_type(const char *s, size_t n)
{
	char bits[24];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i].name) == n && memcmp(names[i].name, s, n) == 0)
			return names[i].type;
	/* float128 / complex256 exist only where long double is wider than double (not armhf) */
	if (sizeof(long double) != sizeof(double)) {
		snprintf(bits, sizeof(bits), "float%zu", 8 * sizeof(long double));
		if (strlen(bits) == n && memcmp(bits, s, n) == 0)
			return T_LONGDOUBLE;
		snprintf(bits, sizeof(bits), "complex%zu", 16 * sizeof(long double));
		if (strlen(bits) == n && memcmp(bits, s, n) == 0)
			return T_CLONGDOUBLE;
	}
	return -1;
}

/* ---------------------------------------------------------------- helpers */

long plbuf__dt_strtol(const char *s, const char *lim, const char **endp, int *overflow)
{
	const char *p = s;
	unsigned long acc = 0, cutoff;
	int neg = 0, any = 0, over = 0;

	/* strtol's isspace() in the C locale */
	while (p < lim && (*p == ' ' || (*p >= '\t' && *p <= '\r')))
		p++;
	if (p < lim && (*p == '+' || *p == '-'))
		neg = *p++ == '-';
	cutoff = neg ? (unsigned long)LONG_MAX + 1 : (unsigned long)LONG_MAX;
	for (; p < lim && *p >= '0' && *p <= '9'; p++) {
		unsigned d = (unsigned)(*p - '0');

		any = 1;
		if (over || acc > (cutoff - d) / 10)
			over = 1; /* strtol saturates (and keeps reading digits) */
		else
			acc = acc * 10 + d;
	}
	if (!any) {
		*endp = s; /* no conversion: strtol reports the start, signs and blanks unread */
		return 0;
	}
	*endp = p;
	if (overflow)
		*overflow = over;
	if (over)
		return neg ? LONG_MIN : LONG_MAX;
	if (!neg)
		return (long)acc;
	return acc == cutoff ? LONG_MIN : -(long)acc;
}

int32_t plbuf__dt_wrap32(int64_t v)
{
	uint32_t u = (uint32_t)(uint64_t)v;

	return u <= INT32_MAX ? (int32_t)u : (int32_t)(u - 0x80000000u) - INT32_MAX - 1;
}

const char *plbuf__dt_quote(char *buf, size_t bufsize, const char *s, size_t n)
{
	size_t o = 0, i;

	for (i = 0; i < n && i < 40 && o + 8 < bufsize; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\')
			buf[o++] = (char)ch;
		else
			o += (size_t)snprintf(buf + o, bufsize - o, "\\x%02x", ch);
	}
	if (i < n && o + 4 <= bufsize) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = 0;
	return buf;
}

int plbuf__dt_fail(const struct dt_ctx *c, const char *fmt, ...)
{
	char detail[400], q[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	return plbuf__err(EINVAL, "dtype \"%s\": %s", plbuf__dt_quote(q, sizeof(q), c->top, c->toplen),
			  detail);
}

static int fail_object(const struct dt_ctx *c)
{
	return plbuf__dt_fail(c, "numpy's object dtype holds Python object pointers, which DMA cannot "
			      "carry (a device cannot follow them); use a numeric, bytes (S), unicode "
			      "(U) or void (V) dtype");
}

/* Strict UTF-8: numpy only ever sees Python strings, and those never hold malformed bytes or
 * surrogates. */
static int utf8_ok(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned char b = s[i];
		uint32_t cp;
		size_t len;

		if (b < 0x80) {
			i++;
			continue;
		}
		if (b >= 0xc2 && b <= 0xdf)
			len = 2, cp = b & 0x1f;
		else if (b >= 0xe0 && b <= 0xef)
			len = 3, cp = b & 0x0f;
		else if (b >= 0xf0 && b <= 0xf4)
			len = 4, cp = b & 0x07;
		else
			return 0;
		if (n - i < len)
			return 0;
		for (size_t k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
		    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
			return 0;
		i += len;
	}
	return 1;
}

/* ---------------------------------------------------------------- datetimes */

enum { U_Y, U_M, U_W, U_D, U_h, U_m, U_s, U_ms, U_us, U_ns, U_ps, U_fs, U_as, U_COUNT };
static const char *const unit_names[U_COUNT] = {
	"Y", "M", "W", "D", "h", "m", "s", "ms", "us", "ns", "ps", "fs", "as",
};

/* "[s/2]" asks for a unit of half a second: numpy takes the first smaller unit in this list whose
 * count per original unit the divisor divides (1000 ms: "500ms").  Week's list has a fourth entry
 * with factor 0 and unit Y: numpy 1.24 turns "M8[W/13]" into "M8[0Y]" rather than an error, and
 * plbuf does the same. */
static const struct {
	int n;
	struct {
		signed char unit;
		int factor;
	} to[4];
} lower_units[U_COUNT] = {
	[U_Y] = { 3, { { U_M, 12 }, { U_W, 52 }, { U_D, 365 } } },
	[U_M] = { 3, { { U_W, 4 }, { U_D, 30 }, { U_h, 720 } } },
	[U_W] = { 4, { { U_D, 7 }, { U_h, 168 }, { U_m, 10080 }, { U_Y, 0 } } },
	[U_D] = { 3, { { U_h, 24 }, { U_m, 1440 }, { U_s, 86400 } } },
	[U_h] = { 2, { { U_m, 60 }, { U_s, 3600 } } },
	[U_m] = { 2, { { U_s, 60 }, { U_ms, 60000 } } },
	[U_s] = { 2, { { U_ms, 1000 }, { U_us, 1000000 } } },
	[U_ms] = { 2, { { U_us, 1000 }, { U_ns, 1000000 } } },
	[U_us] = { 2, { { U_ns, 1000 }, { U_ps, 1000000 } } },
	[U_ns] = { 2, { { U_ps, 1000 }, { U_fs, 1000000 } } },
	[U_ps] = { 2, { { U_fs, 1000 }, { U_as, 1000000 } } },
	[U_fs] = { 1, { { U_as, 1000 } } },
	[U_as] = { 0, { { 0, 0 } } },
};

/* Is the unit s[0..n) known?  Returns its index, -1 for "generic", -2 when unknown. */
static int unit_index(const char *s, size_t n)
{
	if (n == 7 && memcmp(s, "generic", 7) == 0)
		return -1;
	if (n == 3 && memcmp(s, "\xce\xbcs", 3) == 0) /* "μs" (Greek mu; not the micro sign) */
		return U_us;
	for (int i = 0; i < U_COUNT; i++)
		if (strlen(unit_names[i]) == n && memcmp(unit_names[i], s, n) == 0)
			return i;
	return -2;
}

/* The metadata after "M8" / "datetime64": "" (generic) or "[" [num] unit ["/" den] "]". */
static int parse_datetime(const struct dt_ctx *c, int type, const char *m, size_t n, struct dt *out)
{
	const char *end = m + n, *p, *u, *q;
	char qb[200];
	long num = 1, den = 1;
	int unit, has_den = 0, over = 0;

	set_scalar(out, type);
	if (n == 0)
		return 0;
	plbuf__dt_quote(qb, sizeof(qb), m, n);
	if (m[0] != '[' || m[n - 1] != ']')
		return plbuf__dt_fail(c, "datetime metadata \"%s\" is not of the form [unit] or "
				      "[25unit]", qb);
	num = plbuf__dt_strtol(m + 1, end, &p, &over);
	/* numpy checks the multiplier's range (0 is allowed); a number beyond long's range is
	 * refused on every platform, as on 64-bit ones, rather than saturated to INT_MAX on armhf */
	if (p == m + 1)
		num = 1;
	else if (num < 0 || num > INT_MAX || over)
		return plbuf__dt_fail(c, "datetime multiplier in \"%s\" is outside 0..%d", qb, INT_MAX);
	for (u = p; *u != '/' && *u != ']'; u++) /* the final ']' stops it */
		;
	unit = unit_index(p, (size_t)(u - p));
	if (unit == -2)
		return plbuf__dt_fail(c, "\"%s\" has an unknown datetime unit: numpy knows Y M W D h m s "
				      "ms us ns ps fs as and generic", qb);
	if (*u == '/') {
		den = plbuf__dt_strtol(u + 1, end, &q, NULL);
		if (q == u + 1)
			return plbuf__dt_fail(c, "datetime metadata \"%s\" has no number after '/'", qb);
		has_den = 1;
		u = q;
	}
	if (u != end - 1)
		return plbuf__dt_fail(c, "datetime metadata \"%s\" has extra characters before its "
				      "closing ']'", qb);
	/* numpy converts the divisor to its C int by truncation */
	den = plbuf__dt_wrap32(den);
	if (unit == -1) {
		if (has_den && den != 1)
			return plbuf__dt_fail(c, "generic datetime units take no divisor");
		return 0; /* the multiplier of a generic unit is dropped */
	}
	if (has_den && den != 1) {
		int i;

		if (den == 0) /* numpy 1.24 dies of SIGFPE here */
			return plbuf__dt_fail(c, "datetime divisor 0 (numpy 1.24 crashes on it)");
		for (i = 0; i < lower_units[unit].n; i++)
			if (lower_units[unit].to[i].factor % den == 0)
				break;
		if (i == lower_units[unit].n)
			return plbuf__dt_fail(c, "divisor %ld of \"%s\" divides no smaller unit's count "
					      "per %s", den, qb, unit_names[unit]);
		/* numpy keeps the new multiplier in a C int, wrapping it */
		num = plbuf__dt_wrap32((int64_t)num * (lower_units[unit].to[i].factor / den));
		unit = lower_units[unit].to[i].unit;
	}
	out->dt_unit = unit;
	out->dt_num = (int)num;
	return 0;
}

/* ---------------------------------------------------------------- one dtype string */

static const char *kind_name(char kind)
{
	switch (kind) {
	case 'b': return "boolean";
	case 'i': return "signed integer";
	case 'u': return "unsigned integer";
	case 'f': return "floating-point type";
	case 'c': return "complex type";
	case 'M': return "datetime";
	case 'm': return "timedelta";
	}
	return NULL;
}

int plbuf__dt_from_str(const struct dt_ctx *c, const char *s, size_t n, int depth, struct dt *out)
{
	const char *t = s, *e;
	char endian = '=', qb[200];
	size_t tn = n;
	int type = -1, sized = 0;
	int64_t flexsize = 0;

	if (depth > DT_MAX_DEPTH)
		return plbuf__dt_fail(c, "nested too deeply");
	if (n == 0)
		return plbuf__dt_fail(c, "an empty string is not a dtype");
	if (plbuf__dt_is_commastring(s, n))
		return plbuf__dt_from_commastring(c, s, n, depth + 1, out);

	if (*t == '<' || *t == '>' || *t == '=' || *t == '|') {
		endian = *t == '|' ? '=' : *t; /* '|' means "any order" */
		t++;
		tn--;
	}
	if (endian == DT_NATIVE)
		endian = '=';
	plbuf__dt_quote(qb, sizeof(qb), s, n);
	if (tn == 0)
		return plbuf__dt_fail(c, "\"%s\" is only a byte order; a type must follow it", qb);

	/* datetimes first: "M8..." (so "M80" is a bad datetime, not kind M size 80) */
	if ((tn >= 2 && t[1] == '8' && (t[0] == 'M' || t[0] == 'm')) ||
	    (tn >= 10 && memcmp(t, "datetime64", 10) == 0) ||
	    (tn >= 11 && memcmp(t, "timedelta64", 11) == 0)) {
		size_t skip = t[1] == '8' ? 2 : t[0] == 'd' ? 10 : 11;
		int ret = parse_datetime(c, t[0] == 'M' || t[0] == 'd' ? T_DATETIME : T_TIMEDELTA,
					 t + skip, tn - skip, out);

		if (ret == 0 && endian != '=')
			out->byteorder = endian;
		return ret;
	}

	if (tn == 1) {
		type = char_type((unsigned char)t[0]);
	} else {
		/* kind + size: numpy reads the size with strtol (so "i 4" and "i+4" are i4) and
		 * stores it in a C int (so "i4294967300" is i4 on 64-bit Linux) */
		long v = plbuf__dt_strtol(t + 1, t + tn, &e, NULL);
		int32_t size = plbuf__dt_wrap32(v);

		if (e == t + tn) {
			switch (t[0]) {
			case 'S':
			case 'a':
				type = T_STRING, flexsize = size;
				break;
			case 'U': /* a count of UCS-4 characters, shifted into bytes in a C int */
				type = T_UNICODE, flexsize = plbuf__dt_wrap32((int64_t)size * 4);
				break;
			case 'V':
				type = T_VOID, flexsize = size;
				break;
			default:
				sized = 1;
				if (size != 0)
					type = kind_size_type(t[0], size);
			}
		}
	}
	if (type < 0)
		type = name_type(s, n);
	if (type < 0) {
		char qd[200];

		if (sized && t[0] == 'O')
			return plbuf__dt_fail(c, "numpy's object kind O takes only size 4 or 8, and "
					      "plbuf refuses object dtypes anyway");
		if (sized && kind_name(t[0]))
			return plbuf__dt_fail(c, "numpy has no %s-byte %s", plbuf__dt_quote(
					      qd, sizeof(qd), t + 1, tn - 1), kind_name(t[0]));
		if (t != s && strchr("<>|=", t[0]))
			return plbuf__dt_fail(c, "\"%s\" has two byte-order characters; numpy takes "
					      "one", qb);
		if (t != s && name_type(t, tn) >= 0)
			return plbuf__dt_fail(c, "numpy takes a byte order only before a type code or "
					      "kind+size, not before a name like \"%s\"",
					      plbuf__dt_quote(qd, sizeof(qd), t, tn));
		return plbuf__dt_fail(c, "\"%s\" is not a numpy type name, type code or kind+size "
				      "(such as f8, <u4, S16, float32, M8[ns])", qb);
	}
	if (type == T_OBJECT)
		return fail_object(c);

	set_scalar(out, type);
	if (type == T_STRING || type == T_UNICODE || type == T_VOID) {
		if (flexsize < 0) /* numpy 1.24 builds such a dtype; nothing can allocate it */
			return plbuf__dt_fail(c, "numpy 1.24 reads this as itemsize %lld, and a "
					      "negative itemsize cannot be allocated",
					      (long long)flexsize);
		out->elsize = flexsize;
	}
	if (endian != '=' && out->byteorder != '|')
		out->byteorder = endian;
	return 0;
}

/* ---------------------------------------------------------------- output */

void plbuf__dt_format(const struct dt *d, char out[PLBUF_DTYPE_STRLEN])
{
	char bo = d->byteorder == '=' ? DT_NATIVE : d->byteorder;
	long long size = (long long)d->elsize;

	if (d->nfields > 0 || d->subndim >= 0)
		snprintf(out, PLBUF_DTYPE_STRLEN, "|V%lld", size);
	else if (d->kind == 'U') /* numpy counts characters, not bytes, in U's string */
		snprintf(out, PLBUF_DTYPE_STRLEN, "%cU%lld", bo, size / 4);
	else if ((d->kind == 'M' || d->kind == 'm') && d->dt_unit >= 0 && d->dt_num != 1)
		snprintf(out, PLBUF_DTYPE_STRLEN, "%c%c8[%d%s]", bo, d->kind, d->dt_num,
			 unit_names[d->dt_unit]);
	else if ((d->kind == 'M' || d->kind == 'm') && d->dt_unit >= 0)
		snprintf(out, PLBUF_DTYPE_STRLEN, "%c%c8[%s]", bo, d->kind, unit_names[d->dt_unit]);
	else
		snprintf(out, PLBUF_DTYPE_STRLEN, "%c%c%lld", bo, d->kind, size);
}

PLBUF_EXPORT int plbuf_dtype_parse(const char *str, struct plbuf_dtype_info *out)
{
	struct dt_ctx c;
	struct dt d;
	int ret;

	if (!out)
		return plbuf__err(EINVAL, "plbuf_dtype_parse: out is NULL");
	memset(out, 0, sizeof(*out));
	if (!str)
		return plbuf__err(EINVAL, "dtype is NULL: give a string such as \"<u4\" or \"f8\"");
	c.top = str;
	c.toplen = strlen(str);
	if (!utf8_ok((const unsigned char *)str, c.toplen))
		return plbuf__dt_fail(&c, "not valid UTF-8, so no Python string (and no numpy dtype) "
				      "can hold it");
	ret = plbuf__dt_from_str(&c, str, c.toplen, 0, &d);
	if (ret < 0)
		return ret;

	plbuf__dt_format(&d, out->str);
	out->kind = d.nfields > 0 || d.subndim >= 0 ? 'V' : d.kind;
	out->byteorder = d.nfields > 0 || d.subndim >= 0 ? '|' : d.byteorder;
	out->nfields = d.nfields;
	out->itemsize = (uint64_t)d.elsize;
	out->alignment = (uint64_t)d.align;
	if (d.subndim >= 0) {
		out->subndim = d.subndim;
		memcpy(out->subshape, d.shape, sizeof(d.shape[0]) * (size_t)d.subndim);
		memcpy(out->base, d.base_str, sizeof(out->base));
		out->base_itemsize = (uint64_t)d.base_size;
		out->base_alignment = (uint64_t)d.base_align;
	} else {
		memcpy(out->base, out->str, sizeof(out->base));
		out->base_itemsize = out->itemsize;
		out->base_alignment = out->alignment;
	}
	return 0;
}
