/* plbuf_dtype_parse() against numpy itself: for every string of tests/dtype_corpus.txt, numpy's
 * answer (from tests/dtype_numpy.py, run now) and plbuf's must agree field by field, and both must
 * reject the same strings.  Every mismatch is printed.  Skips when /usr/bin/python3 or its numpy
 * is missing.  An optional argument names another corpus (for ad-hoc fuzzing). */
#include <stdint.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"

#define PYTHON "/usr/bin/python3"
#define SCRIPT "tests/dtype_numpy.py"

/* The corpus escapes, as dtype_numpy.py decodes them: \\ \t \n \r \v \f \xHH, and \e (nothing).
 * Returns the decoded length, or -1 on a bad escape. */
static long decode(const char *in, char *out)
{
	size_t o = 0;

	for (size_t i = 0; in[i];) {
		if (in[i] != '\\') {
			out[o++] = in[i++];
			continue;
		}
		switch (in[i + 1]) {
		case '\\': out[o++] = '\\'; break;
		case 't': out[o++] = '\t'; break;
		case 'n': out[o++] = '\n'; break;
		case 'r': out[o++] = '\r'; break;
		case 'v': out[o++] = '\v'; break;
		case 'f': out[o++] = '\f'; break;
		case 'e': break;
		case 'x': {
			char hex[3] = { in[i + 2], in[i + 2] ? in[i + 3] : 0, 0 };
			char *end;
			long v = strtol(hex, &end, 16);

			if (!hex[0] || !hex[1] || *end)
				return -1;
			out[o++] = (char)v;
			i += 2;
			break;
		}
		default:
			return -1;
		}
		i += 2;
	}
	out[o] = 0;
	return (long)o;
}

/* The string for a report: escaped back, so that tabs and odd bytes show. */
static const char *shown(const char *s, char *buf, size_t size)
{
	size_t o = 0;

	for (; *s && o + 5 < size; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch >= 0x20 && ch < 0x7f && ch != '\\')
			buf[o++] = (char)ch;
		else
			o += (size_t)snprintf(buf + o, size - o, "\\x%02x", ch);
	}
	buf[o] = 0;
	return buf;
}

struct npans {
	int ok;
	unsigned long long itemsize, alignment, base_itemsize;
	char kind, byteorder;
	char str[PLBUF_DTYPE_STRLEN], base[PLBUF_DTYPE_STRLEN], shape[512];
	int nfields, subndim;
};

static int parse_answer(const char *line, struct npans *a)
{
	memset(a, 0, sizeof(*a));
	if (strncmp(line, "ERR", 3) == 0)
		return 0;
	a->ok = 1;
	return sscanf(line, "OK %llu %c %63s %llu %d %c %d %63s %llu %511s", &a->itemsize, &a->kind,
		      a->str, &a->alignment, &a->nfields, &a->byteorder, &a->subndim, a->base,
		      &a->base_itemsize, a->shape) == 10 ? 0 : -1;
}

static int mismatches;

#define FIELD(what, fmt, np_v, pl_v)                                                      \
	do {                                                                              \
		if ((np_v) != (pl_v)) {                                                   \
			printf("MISMATCH \"%s\": %s: numpy " fmt ", plbuf " fmt "\n", show,     \
			       what, np_v, pl_v);                                         \
			bad = 1;                                                          \
		}                                                                         \
	} while (0)

static void compare(const char *s, const char *npline)
{
	struct plbuf_dtype_info d;
	struct npans a;
	char show[600], shape[512];
	int ret, bad = 0;

	shown(s, show, sizeof(show));
	if (parse_answer(npline, &a) < 0) {
		printf("MISMATCH \"%s\": cannot read numpy's answer \"%s\"\n", show, npline);
		mismatches++;
		return;
	}
	ret = plbuf_dtype_parse(s, &d);
	if (!a.ok) {
		if (ret != -EINVAL || !plbuf_errmsg()[0]) {
			if (ret == 0)
				printf("MISMATCH \"%s\": numpy says %s, plbuf accepts it as %s\n", show,
				       npline, d.str);
			else
				printf("MISMATCH \"%s\": numpy says %s, plbuf returned %d with message "
				       "\"%s\"\n", show, npline, ret, plbuf_errmsg());
			mismatches++;
		} else if (strcmp(npline, "ERR object") == 0 && !strstr(plbuf_errmsg(), "object")) {
			printf("MISMATCH \"%s\": an object dtype, but plbuf's message does not say so: "
			       "%s\n", show, plbuf_errmsg());
			mismatches++;
		}
		return;
	}
	if (ret != 0) {
		printf("MISMATCH \"%s\": numpy accepts it (%s), plbuf returned %d: %s\n", show, a.str,
		       ret, plbuf_errmsg());
		mismatches++;
		return;
	}
	shape[0] = 0;
	for (int i = 0; i < d.subndim && i < PLBUF_MAXDIM; i++)
		snprintf(shape + strlen(shape), sizeof(shape) - strlen(shape), "%s%lld", i ? "," : "",
			 (long long)d.subshape[i]);
	if (!shape[0])
		strcpy(shape, "-");

	FIELD("itemsize", "%llu", a.itemsize, (unsigned long long)d.itemsize);
	FIELD("kind", "'%c'", a.kind, d.kind);
	FIELD("alignment", "%llu", a.alignment, (unsigned long long)d.alignment);
	FIELD("nfields", "%d", a.nfields, d.nfields);
	FIELD("byteorder", "'%c'", a.byteorder, d.byteorder);
	FIELD("subndim", "%d", a.subndim, d.subndim);
	FIELD("base.itemsize", "%llu", a.base_itemsize, (unsigned long long)d.base_itemsize);
	if (strcmp(a.str, d.str) != 0)
		printf("MISMATCH \"%s\": str: numpy %s, plbuf %s\n", show, a.str, d.str), bad = 1;
	if (strcmp(a.base, d.base) != 0)
		printf("MISMATCH \"%s\": base.str: numpy %s, plbuf %s\n", show, a.base, d.base), bad = 1;
	if (strcmp(a.shape, shape) != 0)
		printf("MISMATCH \"%s\": shape: numpy %s, plbuf %s\n", show, a.shape, shape), bad = 1;
	mismatches += bad;
}

int main(int argc, char **argv)
{
	const char *corpus = argc > 1 ? argv[1] : "tests/dtype_corpus.txt";
	char cmd[1024], *line = NULL, **cases = NULL;
	size_t cap = 0, ncases = 0, nanswers = 0, nvalid = 0;
	FILE *f, *p;
	ssize_t len;
	long dlen;
	int status;

	if (access(PYTHON, X_OK) != 0)
		SKIP("%s is missing: the dtype corpus is checked against its numpy", PYTHON);
	f = fopen(corpus, "r");
	if (!f) {
		fprintf(stderr, "cannot open %s (run from the repository root): %s\n", corpus,
			strerror(errno));
		return T_EXIT_FAIL;
	}
	while ((len = getline(&line, &cap, f)) >= 0) {
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = 0;
		if (len == 0 || line[0] == '#')
			continue;
		cases = realloc(cases, (ncases + 1) * sizeof(*cases));
		CHECK(cases);
		cases[ncases] = malloc((size_t)len + 1);
		CHECK(cases[ncases]);
		dlen = decode(line, cases[ncases]);
		if (dlen < 0 || (size_t)dlen != strlen(cases[ncases])) {
			fprintf(stderr, "%s: bad escape (or a NUL) in line \"%s\"\n", corpus, line);
			return T_EXIT_FAIL;
		}
		ncases++;
	}
	fclose(f);

	snprintf(cmd, sizeof(cmd), "%s %s '%s'", PYTHON, SCRIPT, corpus);
	p = popen(cmd, "r");
	CHECK(p);
	while ((len = getline(&line, &cap, p)) >= 0) {
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = 0;
		if (strncmp(line, "SKIP:", 5) == 0) {
			printf("%s\n", line);
			pclose(p);
			return T_EXIT_SKIP;
		}
		if (line[0] == '#') {
			printf("%s\n", line); /* numpy's version */
			continue;
		}
		if (nanswers >= ncases) {
			printf("numpy gave more answers than the corpus has strings: \"%s\"\n", line);
			mismatches++;
			break;
		}
		nvalid += strncmp(line, "OK", 2) == 0;
		compare(cases[nanswers++], line);
	}
	status = pclose(p);
	if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		printf("%s exited abnormally (status %d)\n", SCRIPT, status);
		return T_EXIT_FAIL;
	}
	if (nanswers != ncases) {
		printf("numpy answered %zu of %zu strings\n", nanswers, ncases);
		return T_EXIT_FAIL;
	}
	printf("%zu dtype strings (%zu valid, %zu invalid for numpy or plbuf): %d mismatch%s\n",
	       ncases, nvalid, ncases - nvalid, mismatches, mismatches == 1 ? "" : "es");
	for (size_t i = 0; i < ncases; i++)
		free(cases[i]);
	free(cases);
	free(line);
	return mismatches ? T_EXIT_FAIL : T_EXIT_PASS;
}
