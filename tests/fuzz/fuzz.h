/*
 * fuzz.h - helpers shared by the libFuzzer targets tests/fuzz/fz_*.c.
 *
 * Each target defines LLVMFuzzerTestOneInput(); built by `make fuzz` (clang, -fsanitize=fuzzer,
 * address,undefined, and FAULT=1 so that a target may make every system call of the library fail
 * and fuzz a parser without touching devices).  A broken invariant aborts, which libFuzzer
 * reports as a crash with the input that did it.
 */
#ifndef PLBUF_FUZZ_H
#define PLBUF_FUZZ_H

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FZ_CHECK(cond)                                                                     \
	do {                                                                               \
		if (!(cond)) {                                                             \
			fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__,      \
				#cond);                                                    \
			abort();                                                           \
		}                                                                          \
	} while (0)

int plbuf__err(int err, const char *fmt, ...);
const char *plbuf_errmsg(void);

/* Forgets the last message, so that a failure is seen to write its own. */
static inline void fz_clear_msg(void)
{
	plbuf__err(0, "%s", "");
}

/* A failure as plbuf promises them: a negative errno and a message. */
#define FZ_CLEAN_ERR(err) FZ_CHECK((err) < 0 && (err) > -4096 && plbuf_errmsg()[0])

/* A NUL-terminated copy of the input (free it). */
static inline char *fz_str(const uint8_t *d, size_t n)
{
	char *s = malloc(n + 1);

	if (!s)
		abort();
	memcpy(s, d, n);
	s[n] = 0;
	return s;
}

/* Splits s in place at each sep into at most max fields (the last takes the rest); fields that
 * are not there are "". Returns the number found. */
static inline int fz_split(char *s, char sep, char **f, int max)
{
	int n = 0;

	for (int i = 0; i < max; i++)
		f[i] = (char *)"";
	while (n < max) {
		char *e = n < max - 1 ? strchr(s, sep) : NULL;

		f[n++] = s;
		if (!e)
			break;
		*e = 0;
		s = e + 1;
	}
	return n;
}

/* Bytes taken from the front of the input, as numbers. */
struct fz_in {
	const uint8_t *p;
	size_t n;
};

static inline uint64_t fz_take(struct fz_in *in, int bytes)
{
	uint64_t v = 0;

	for (int i = 0; i < bytes && in->n; i++, in->p++, in->n--)
		v |= (uint64_t)*in->p << (8 * i);
	return v;
}

/* ---- a fixture root (PLBUF_ROOT) of this process, removed at exit */

static char fz_root_dir[PATH_MAX];

static int fz_rm_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type == FTW_DP || type == FTW_D)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

static void fz_rm_root(void)
{
	if (fz_root_dir[0])
		nftw(fz_root_dir, fz_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static inline const char *fz_root(void);

/* Empties the root (a target that builds a whole tree from each input starts here). */
static inline void fz_clear_root(void)
{
	fz_rm_root();
	if (mkdir(fz_root(), 0700) < 0 && errno != EEXIST)
		abort();
}

static inline const char *fz_root(void)
{
	const char *tmp = getenv("TMPDIR");

	if (fz_root_dir[0])
		return fz_root_dir;
	snprintf(fz_root_dir, sizeof(fz_root_dir), "%s/plbuf-fuzz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(fz_root_dir))
		abort();
	setenv("PLBUF_ROOT", fz_root_dir, 1);
	atexit(fz_rm_root);
	return fz_root_dir;
}

static inline const char *fz_path(char *buf, size_t len, const char *rel)
{
	snprintf(buf, len, "%s%s", fz_root(), rel);
	return buf;
}

/* Creates (or replaces) the file rel under the root with n bytes of data, parents included. */
static inline void fz_write(const char *rel, const void *data, size_t n)
{
	char p[PATH_MAX];
	int fd;

	fz_path(p, sizeof(p), rel);
	for (char *s = p + strlen(fz_root()) + 1; *s; s++)
		if (*s == '/') {
			*s = 0;
			mkdir(p, 0755);
			*s = '/';
		}
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		abort();
	if (n && write(fd, data, n) != (ssize_t)n)
		abort();
	close(fd);
}

static inline void fz_unlink(const char *rel)
{
	char p[PATH_MAX];

	unlink(fz_path(p, sizeof(p), rel));
}

#endif
