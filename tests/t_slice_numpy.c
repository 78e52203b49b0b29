/* plbuf__slice and plbuf__reshape against numpy, computed at test time: every case of
 * tests/slice_corpus.txt, then a few thousand generated ones, go through both plbuf and
 * tests/slice_numpy.py, and any disagreement (shape, strides, offset, or error vs. success) is a
 * failure.  Hostile strings that numpy need not see (huge, garbage bytes) are checked for clean
 * errors; ASan/UBSan builds make those checks catch undefined behaviour too.
 *
 * PLBUF_SLICE_SEED and PLBUF_SLICE_FUZZ (cases per kind) vary the generated part. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "test.h"

#define PYTHON "/usr/bin/python3"
#define SCRIPT "tests/slice_numpy.py"
#define CORPUS "tests/slice_corpus.txt"
#define ITEMSIZE 4
#define MAXLINE 4096

struct result {
	bool ok;
	int nd;
	int64_t shape[PLBUF_MAXDIM], strides[PLBUF_MAXDIM], offset;
	char msg[600];
};

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/* "5,4", "7", "()" or "" (0-d) into dims; -1 on anything else. */
static int parse_dims(const char *text, int64_t *d, int *nd)
{
	char buf[MAXLINE], *s, *tok, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", text);
	s = trim(buf);
	*nd = 0;
	if (!strcmp(s, "()"))
		return 0;
	for (tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *end;

		tok = trim(tok);
		if (!*tok)
			continue;
		if (*nd == PLBUF_MAXDIM)
			return -1;
		errno = 0;
		d[(*nd)++] = strtoll(tok, &end, 10);
		if (errno || *trim(end))
			return -1;
	}
	return 0;
}

static void fail_result(struct result *r, const char *msg)
{
	r->ok = false;
	snprintf(r->msg, sizeof(r->msg), "%s", msg);
}

static void bad_line(const char *line, const char *why)
{
	fprintf(stderr, "malformed corpus line \"%s\": %s\n", line, why);
	exit(T_EXIT_FAIL);
}

/* "SHAPE [T] [[INDEX]]": a C-contiguous base with numpy's strides, maybe transposed, maybe
 * indexed.  Returns false (with r set) when the source's own index fails. */
static bool make_source(char *src, struct result *r, const char *line)
{
	char *open = strchr(src, '['), *close = strrchr(src, ']'), *t;
	int64_t s = ITEMSIZE;

	if (open) {
		if (!close || close < open || *trim(close + 1))
			bad_line(line, "expected SHAPE [T] [[INDEX]]");
		*open++ = '\0';
		*close = '\0';
	}
	src = trim(src);
	t = src + strlen(src);
	bool transpose = t > src && t[-1] == 'T';
	if (transpose)
		t[-1] = '\0';
	if (parse_dims(src, r->shape, &r->nd))
		bad_line(line, "bad source shape");
	/* np.zeros' strides: C-contiguous, but all 0 when the array is empty */
	for (int i = r->nd - 1; i >= 0; i--) {
		r->strides[i] = s;
		s *= r->shape[i];
	}
	for (int i = 0; i < r->nd; i++)
		if (!s)
			r->strides[i] = 0;
	if (transpose) {
		for (int i = 0; i < r->nd / 2; i++) {
			int64_t a = r->shape[i], b = r->strides[i];

			r->shape[i] = r->shape[r->nd - 1 - i];
			r->strides[i] = r->strides[r->nd - 1 - i];
			r->shape[r->nd - 1 - i] = a;
			r->strides[r->nd - 1 - i] = b;
		}
	}
	r->offset = 0;
	r->ok = true;
	if (open) {
		int64_t sh[PLBUF_MAXDIM], st[PLBUF_MAXDIM];

		if (plbuf__slice(open, r->nd, r->shape, r->strides, &r->nd, sh, st, &r->offset)) {
			fail_result(r, plbuf_errmsg());
			return false;
		}
		memcpy(r->shape, sh, sizeof(sh));
		memcpy(r->strides, st, sizeof(st));
	}
	return true;
}

/* plbuf's answer for one corpus line (without its newline). */
static void run_plbuf(const char *line, struct result *r)
{
	char buf[MAXLINE], *f[4] = { 0 }, *p;
	int nf = 0;
	bool reshape = !strncmp(line, "R ", 2);

	memset(r, 0, sizeof(*r));
	snprintf(buf, sizeof(buf), "%s", reshape ? line + 2 : line);
	/* An index may itself hold '|' only as garbage, so only reshape lines split further. */
	for (p = buf, f[nf++] = p; (p = strchr(p, '|')) && nf < (reshape ? 3 : 2); f[nf++] = p)
		*p++ = '\0';
	if (nf != (reshape ? 3 : 2))
		bad_line(line, reshape ? "expected R SOURCE | ORDER | NEWSHAPE" : "expected SOURCE | INDEX");
	if (!make_source(f[0], r, line))
		return;
	int64_t ns[PLBUF_MAXDIM], sh[PLBUF_MAXDIM], st[PLBUF_MAXDIM], off;
	int nnd;

	if (!reshape) {
		if (plbuf__slice(f[1], r->nd, r->shape, r->strides, &nnd, sh, st, &off)) {
			fail_result(r, plbuf_errmsg());
			return;
		}
		r->offset += off;
	} else {
		if (parse_dims(f[2], ns, &nnd))
			bad_line(line, "bad new shape");
		if (plbuf__reshape(r->nd, r->shape, r->strides, ITEMSIZE, nnd, ns, *trim(f[1]), sh,
				   st)) {
			fail_result(r, plbuf_errmsg());
			return;
		}
	}
	r->nd = nnd;
	memcpy(r->shape, sh, sizeof(sh));
	memcpy(r->strides, st, sizeof(st));
}

/* "OK SHAPE STRIDES OFFSET" or "ERR message", as slice_numpy.py prints them. */
static int parse_numpy(char *s, struct result *r)
{
	char shape[MAXLINE], strides[MAXLINE];
	long long off;
	int nd2;

	memset(r, 0, sizeof(*r));
	if (!strncmp(s, "ERR ", 4)) {
		fail_result(r, trim(s + 4));
		return 0;
	}
	if (sscanf(s, "OK %4095s %4095s %lld", shape, strides, &off) != 3 ||
	    parse_dims(shape, r->shape, &r->nd) || parse_dims(strides, r->strides, &nd2) ||
	    nd2 != r->nd)
		return -1;
	r->ok = true;
	r->offset = off;
	return 0;
}

static void app(char *buf, size_t n, size_t *len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void app(char *buf, size_t n, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (*len >= n)
		return;
	va_start(ap, fmt);
	k = vsnprintf(buf + *len, n - *len, fmt, ap);
	va_end(ap);
	*len = k < 0 ? n : *len + (size_t)k;
}

static void show(const struct result *r, char *buf, size_t n)
{
	size_t len = 0;

	if (!r->ok) {
		snprintf(buf, n, "error: %s", r->msg);
		return;
	}
	app(buf, n, &len, "shape (");
	for (int i = 0; i < r->nd; i++)
		app(buf, n, &len, "%s%" PRId64, i ? "," : "", r->shape[i]);
	app(buf, n, &len, ") strides (");
	for (int i = 0; i < r->nd; i++)
		app(buf, n, &len, "%s%" PRId64, i ? "," : "", r->strides[i]);
	app(buf, n, &len, ") offset %" PRId64, r->offset);
}

/* Errors agree as errors.  When both sides report an index out of bounds, or a reshape size
 * mismatch, plbuf's wording is numpy's, so numpy's message must appear verbatim: that checks the
 * numbers and the axis.  (With several faults in one string the two may report different ones:
 * plbuf rejects a float like "1." while parsing, numpy only when it reaches that axis.) */
static bool same_verdict(const struct result *c, const struct result *np, const char *line)
{
	const char *m = strchr(np->msg, ':');

	if (c->ok != np->ok)
		return false;
	if (c->ok)
		return c->nd == np->nd && c->offset == np->offset &&
		       !memcmp(c->shape, np->shape, (size_t)c->nd * sizeof(int64_t)) &&
		       !memcmp(c->strides, np->strides, (size_t)c->nd * sizeof(int64_t));
	if (!c->msg[0])
		return false;
	m = m ? m + 2 : np->msg;
	if ((!strncmp(m, "index ", 6) && strstr(m, "out of bounds") && strstr(c->msg, "out of bounds")) ||
	    (!strncmp(m, "cannot reshape array of size", 28) && !strchr(line, '-')))
		return strstr(c->msg, m) != NULL;
	return true;
}

/* Runs a corpus file through both sides; returns the number of cases, adds to *bad. */
static int compare_file(const char *path, int *bad)
{
	char cmd[512], line[MAXLINE], out[MAXLINE];
	char **lines = NULL;
	int nlines = 0, ncases = 0, seen = 0;
	FILE *f = fopen(path, "r"), *py;

	CHECK(f);
	while (fgets(line, sizeof(line), f)) {
		lines = realloc(lines, (size_t)(nlines + 1) * sizeof(*lines));
		CHECK(lines);
		line[strcspn(line, "\n")] = '\0';
		lines[nlines++] = strdup(line);
	}
	fclose(f);
	snprintf(cmd, sizeof(cmd), PYTHON " " SCRIPT " %s", path);
	py = popen(cmd, "r");
	CHECK(py);
	for (int i = 0; i < nlines; i++) {
		const char *first = lines[i] + strspn(lines[i], " \t\r");
		char *rest, a[1400], b[1400];
		struct result c, np;

		if (!*first || *first == '#')
			continue;
		ncases++;
		out[0] = '\0';
		if (!fgets(out, sizeof(out), py) || strtol(out, &rest, 10) != i + 1 ||
		    parse_numpy(trim(rest), &np)) {
			fprintf(stderr, "%s:%d: no or bad numpy output for this case: %s\n", path, i + 1,
				out);
			(*bad)++;
			break;
		}
		seen++;
		run_plbuf(lines[i], &c);
		if (!same_verdict(&c, &np, lines[i])) {
			show(&c, a, sizeof(a));
			show(&np, b, sizeof(b));
			fprintf(stderr, "%s:%d: MISMATCH for `%s`\n    plbuf: %s\n    numpy: %s\n", path,
				i + 1, lines[i], a, b);
			(*bad)++;
		}
	}
	if (pclose(py) != 0) {
		fprintf(stderr, "%s: " SCRIPT " failed\n", path);
		(*bad)++;
	}
	if (seen != ncases && !*bad)
		(*bad)++;
	for (int i = 0; i < nlines; i++)
		free(lines[i]);
	free(lines);
	return ncases;
}

static uint64_t rng_state;

static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state % n);
}

#define PICK(a) (a)[rnd(sizeof(a) / sizeof((a)[0]))]

/* Index strings built from tokens, so that most are near-misses of valid Python. */
static void gen_index(char *buf, size_t n)
{
	static const char *const tok[] = {
		"0", "1", "2", "3", "-1", "-2", "4", "-4", "7", "-9", "00", "01", "1_0", "+1", "- 1",
		"99999999999999999999", "-9223372036854775808", ":", ":", ":", ":", ",", ",", ",",
		" ", " ", "...", "None", "np.newaxis", "::-1", "::2", ":-1", "1:", "-", "."
	};
	size_t len = 0;

	buf[0] = '\0';
	for (int k = (int)rnd(9); k > 0 && len < n; k--) {
		const char *t = PICK(tok);

		/* "1-9" would be Python arithmetic, which plbuf does not evaluate */
		if (len && (*t == '-' || *t == '+') && buf[len - 1] != ':' && buf[len - 1] != ',')
			len += (size_t)snprintf(buf + len, n - len, ",");
		len += (size_t)snprintf(buf + len, n - len, "%s", t);
	}
}

static void gen_shape(char *buf, size_t n, int maxnd, int maxdim, bool zeros)
{
	int nd = (int)rnd((uint32_t)maxnd + 1);
	size_t len = 0;

	if (!nd)
		snprintf(buf, n, "()");
	for (int i = 0; i < nd; i++)
		len += (size_t)snprintf(buf + len, n - len, "%s%u", i ? "," : "",
					zeros ? rnd((uint32_t)maxdim + 1) : 1 + rnd((uint32_t)maxdim));
}

/* A reshape source sliced into a strided view, and a new shape of the same size most times. */
static void gen_reshape(char *buf, size_t n)
{
	static const char *const ax[] = { ":", ":", "::-1", "::2", "::-2", "1:", ":1", "1::2" };
	static const char orders[] = "CCFFA";
	char shape[256], pre[256] = "", nshape[256] = "", tmp[256 + 24];
	int64_t sh[PLBUF_MAXDIM], st[PLBUF_MAXDIM], vsh[PLBUF_MAXDIM], vst[PLBUF_MAXDIM], off, size = 1;
	int nd, vnd, nnd = 0;
	size_t len = 0;

	gen_shape(shape, sizeof(shape), 4, 4, rnd(8) == 0);
	CHECK(!parse_dims(shape, sh, &nd));
	for (int i = 0; i < nd; i++) {
		len += (size_t)snprintf(pre + len, sizeof(pre) - len, "%s%s", i ? "," : "", PICK(ax));
		st[i] = 0;
	}
	/* The view's size decides the new shape; strides do not matter for that. */
	CHECK(!plbuf__slice(pre, nd, sh, st, &vnd, vsh, vst, &off));
	for (int i = 0; i < vnd; i++)
		size *= vsh[i];
	int64_t left = size;
	int want = 1 + (int)rnd(5);

	len = 0;
	for (int i = 0; i < want; i++) {
		int64_t d = 1;

		if (i == want - 1)
			d = left;
		else if (left == 0)
			d = rnd(3);
		else
			for (int tries = 0; tries < 4; tries++) {
				int64_t c = 1 + rnd(4);

				if (left % c == 0) {
					d = c;
					break;
				}
			}
		if (left)
			left /= d ? d : 1;
		len += (size_t)snprintf(nshape + len, sizeof(nshape) - len, "%s%" PRId64,
					nnd++ ? "," : "", rnd(10) == 0 ? d + 1 : d);
	}
	if (rnd(5) == 0 && len) /* let numpy infer the first axis */
		snprintf(tmp, sizeof(tmp), "-1%s", strchr(nshape, ',') ? strchr(nshape, ',') : "");
	else
		snprintf(tmp, sizeof(tmp), "%s", nshape);
	snprintf(buf, n, "R %s%s [%s] | %c | %s", shape, rnd(3) == 0 ? " T" : "", pre,
		 PICK(orders) ? orders[rnd(5)] : 'C', tmp);
}

static int compare_generated(uint64_t seed, int count, int *bad)
{
	char path[] = "/tmp/plbuf_slice_XXXXXX", a[256], b[1024];
	int fd = mkstemp(path), n;
	FILE *f;

	CHECK(fd >= 0);
	f = fdopen(fd, "w");
	CHECK(f);
	rng_state = seed ? seed : 1;
	for (int i = 0; i < count; i++) {
		gen_shape(a, sizeof(a), 4, 5, true);
		gen_index(b, sizeof(b));
		fprintf(f, "%s | %s\n", a, b);
		gen_reshape(b, sizeof(b));
		fprintf(f, "%s\n", b);
	}
	CHECK(fclose(f) == 0);
	n = compare_file(path, bad);
	if (*bad)
		fprintf(stderr, "generated cases kept in %s\n", path);
	else
		unlink(path);
	return n;
}

static void expect_msg(int ret, const char *want)
{
	if (ret != -EINVAL || strcmp(plbuf_errmsg(), want)) {
		fprintf(stderr, "returned %d with message\n    %s\nexpected -EINVAL with\n    %s\n", ret,
			plbuf_errmsg(), want);
		exit(T_EXIT_FAIL);
	}
}

/* Exact wording of the common errors, and inputs numpy cannot be asked about. */
static void check_direct(void)
{
	int64_t sh[2] = { 5, 4 }, st[2] = { 16, 4 }, osh[PLBUF_MAXDIM], ost[PLBUF_MAXDIM], off;
	int64_t n15 = 15, s4 = 4, ns[2] = { 4, 4 }, big[2] = { INT64_MAX, 2 }, bst[2] = { INT64_MAX, 1 };
	size_t n = 200000;
	char *s = malloc(n + 1);
	int nd;

	CHECK(s);
	expect_msg(plbuf__slice("1:5,:,:", 2, sh, st, &nd, osh, ost, &off),
		   "slice \"1:5,:,:\": too many indices for a 2-d array");
	expect_msg(plbuf__slice("x", 2, sh, st, &nd, osh, ost, &off),
		   "slice \"x\": expected an integer, ':', '...' or None at column 1");
	expect_msg(plbuf__slice(" 7", 2, sh, st, &nd, osh, ost, &off),
		   "slice \" 7\": index 7 is out of bounds for axis 0 with size 5");
	expect_msg(plbuf__slice("0, 1:2:0", 2, sh, st, &nd, osh, ost, &off),
		   "slice \"0, 1:2:0\": slice step cannot be zero (column 8)");
	expect_msg(plbuf__reshape(1, &n15, &s4, 4, 2, ns, 'C', osh, ost),
		   "cannot reshape array of size 15 into shape (4,4)");
	CHECK_ERR(plbuf__reshape(2, sh, (int64_t[]){ 32, 4 }, 4, 1, (int64_t[]){ 20 }, 'C', osh, ost),
		  EINVAL);
	CHECK(strstr(plbuf_errmsg(), "without a copy"));

	/* Overflowing offsets and sizes from bogus descriptions are errors, not wraparound. */
	CHECK_ERR(plbuf__slice("-1", 2, big, bst, &nd, osh, ost, &off), EINVAL);
	CHECK_ERR(plbuf__slice("5:, 1", 2, big, bst, &nd, osh, ost, &off), EINVAL);
	CHECK_ERR(plbuf__reshape(2, big, bst, 4, 1, (int64_t[]){ -1 }, 'C', osh, ost), EINVAL);
	CHECK_ERR(plbuf__slice("", 33, sh, st, &nd, osh, ost, &off), EINVAL);
	CHECK_ERR(plbuf__slice(NULL, 2, sh, st, &nd, osh, ost, &off), EINVAL);
	CHECK_ERR(plbuf__reshape(2, sh, st, 4, 2, (int64_t[]){ 10, 2 }, 'K', osh, ost), EINVAL);

	/* Huge strings: thousands of commas, digits, Nones; each must fail cleanly and fast. */
	const char *const unit[] = { ",", "9", "None,", "1,", ":", "-", "...,", "[", "\xff" };
	for (size_t u = 0; u < sizeof(unit) / sizeof(unit[0]); u++) {
		size_t ul = strlen(unit[u]);

		for (size_t i = 0; i + ul <= n; i += ul)
			memcpy(s + i, unit[u], ul);
		s[n - n % ul] = '\0';
		CHECK_ERR(plbuf__slice(s, 2, sh, st, &nd, osh, ost, &off), EINVAL);
		CHECK(strlen(plbuf_errmsg()) < 300);
	}
	/* A huge slice bound saturates as in Python; a huge index is out of bounds. */
	memset(s, '9', 10000);
	s[0] = ':';
	s[10000] = '\0';
	CHECK(plbuf__slice(s, 2, sh, st, &nd, osh, ost, &off) == 0 && nd == 2 && osh[0] == 5);
	CHECK_ERR(plbuf__slice(s + 1, 2, sh, st, &nd, osh, ost, &off), EINVAL);

	/* Random bytes: any verdict, but a sane one. */
	rng_state = 0x9e3779b97f4a7c15ull;
	for (int i = 0; i < 20000; i++) {
		static const char alpha[] = "0123456789:,.- +_Nonenpwaxis()\t\xff\x01";
		size_t len = rnd(40);
		int ret;

		for (size_t k = 0; k < len; k++)
			s[k] = rnd(4) ? alpha[rnd(sizeof(alpha) - 1)] : (char)(1 + rnd(255));
		s[len] = '\0';
		ret = plbuf__slice(s, 2, sh, st, &nd, osh, ost, &off);
		CHECK(ret == 0 || (ret == -EINVAL && plbuf_errmsg()[0]));
		CHECK(ret || (nd >= 0 && nd <= PLBUF_MAXDIM));
	}
	free(s);
}

int main(void)
{
	const char *seed_env = getenv("PLBUF_SLICE_SEED"), *n_env = getenv("PLBUF_SLICE_FUZZ");
	uint64_t seed = seed_env ? strtoull(seed_env, NULL, 0) : 20240601;
	int count = n_env ? atoi(n_env) : 1500, bad = 0, ncorpus, ngen;

	check_direct();
	if (access(PYTHON, X_OK))
		SKIP("%s is missing: cannot compare with numpy", PYTHON);
	if (system(PYTHON " -c 'import numpy' >/dev/null 2>&1"))
		SKIP("numpy is missing for %s (Debian: python3-numpy)", PYTHON);

	ncorpus = compare_file(CORPUS, &bad);
	ngen = compare_generated(seed, count, &bad);
	printf("%d corpus cases and %d generated cases (seed %" PRIu64 ") compared with numpy: "
	       "%d mismatches\n", ncorpus, ngen, seed, bad);
	if (ncorpus < 80) {
		fprintf(stderr, "the corpus has only %d cases\n", ncorpus);
		return T_EXIT_FAIL;
	}
	return bad ? T_EXIT_FAIL : T_EXIT_PASS;
}
