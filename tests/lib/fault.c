/*
 * fault.c - the test-only definition of plbuf__fault() and the fault loop (fault.h).
 *
 * Linked into every test program; only a library built with -DPLBUF_FAULT_INJECTION calls it.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fault.h"
#include "plbuf.h"

int plbuf__fault(enum plbuf_sys_call call);

unsigned long plbuf__fault_ioctl;
static unsigned long last_ioctl;
static atomic_long seen[PLBUF_SYS_NCALLS + 1];
static atomic_long fired, left;
static atomic_int last_kind = -1, last_err;
static int arm_kind = -1, arm_err;
static long arm_at;

static const char *const names[PLBUF_SYS_NCALLS + 1] = {"open", "mmap", "ioctl", "read", "write", "ftruncate",
				    "shm_open", "mlock", "fallocate", "any"};

/* The errno a kernel would give most often for each kind of call. */
static int usual_errno(int kind)
{
	switch (kind) {
	case PLBUF_SYS_OPEN: return EACCES;
	case PLBUF_SYS_SHM_OPEN: return EMFILE;
	case PLBUF_SYS_MMAP: return ENOMEM;
	case PLBUF_SYS_FTRUNCATE: return ENOSPC;
	case PLBUF_SYS_MLOCK: return EAGAIN;
	case PLBUF_SYS_FALLOCATE: return EIO;
	default: return EIO;
	}
}

int plbuf__fault(enum plbuf_sys_call call)
{
	long n_kind, n_all, n;

	if ((int)call < 0 || call >= PLBUF_SYS_NCALLS)
		return 0;
	n_kind = atomic_fetch_add(&seen[call], 1) + 1;
	n_all = atomic_fetch_add(&seen[PLBUF_SYS_NCALLS], 1) + 1;
	if (arm_kind < 0)
		return 0;
	if (arm_kind != FAULT_ANY && arm_kind != (int)call)
		return 0;
	n = arm_kind == FAULT_ANY ? n_all : n_kind;
	if (n < arm_at)
		return 0;
	for (;;) {
		long l = atomic_load(&left);

		if (l == 0)
			return 0;
		if (l < 0 || atomic_compare_exchange_weak(&left, &l, l - 1))
			break;
	}
	int e = arm_err ? arm_err : usual_errno((int)call);

	atomic_fetch_add(&fired, 1);
	atomic_store(&last_kind, (int)call);
	last_ioctl = call == PLBUF_SYS_IOCTL ? plbuf__fault_ioctl : 0;
	atomic_store(&last_err, e);
	return e;
}

void fault_reset(void)
{
	arm_kind = -1;
	for (int i = 0; i <= PLBUF_SYS_NCALLS; i++)
		atomic_store(&seen[i], 0);
	atomic_store(&fired, 0);
	atomic_store(&left, 0);
	atomic_store(&last_kind, -1);
	atomic_store(&last_err, 0);
}

void fault_arm(int kind, long count, int err, long times)
{
	fault_reset();
	last_ioctl = 0;
	arm_at = count;
	arm_err = err;
	atomic_store(&left, times);
	arm_kind = kind;
}

long fault_calls(int kind)
{
	return kind >= 0 && kind <= PLBUF_SYS_NCALLS ? atomic_load(&seen[kind]) : 0;
}

long fault_fired(void)
{
	return atomic_load(&fired);
}

int fault_last_kind(void)
{
	return atomic_load(&last_kind);
}

unsigned long fault_last_ioctl(void)
{
	return last_ioctl;
}

int fault_last_err(void)
{
	return atomic_load(&last_err);
}

const char *fault_kind_name(int kind)
{
	return kind >= 0 && kind <= PLBUF_SYS_NCALLS ? names[kind] : "?";
}

int fault_available(void)
{
#ifdef PLBUF_FAULT_INJECTION
	return 1;
#else
	return 0;
#endif
}

/* ---------------------------------------------------------------- what a failure leaves */

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n - 1;
}

/* Mappings of files other than the program and its libraries: what a backend maps (a /dev/shm
 * file, a device node or fixture file, hugetlbfs or anonymous huge pages, a memfd). */
static int count_file_maps(void)
{
	char line[PATH_MAX + 128], exe[PATH_MAX];
	ssize_t el = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	FILE *f = fopen("/proc/self/maps", "re");
	int n = 0;

	exe[el > 0 ? el : 0] = 0;
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		const char *path = strchr(line, '/');

		line[strcspn(line, "\n")] = 0;
		if (!path || strstr(path, ".so") || (exe[0] && strcmp(path, exe) == 0))
			continue;
		n++;
	}
	fclose(f);
	return n;
}

void fault_snapshot(struct fault_state *s)
{
	s->fds = count_fds();
	s->file_maps = count_file_maps();
}

int fault_compare(const struct fault_state *b, const struct fault_state *a, char *why, size_t len)
{
	why[0] = 0;
	if (a->fds != b->fds)
		snprintf(why, len, "%d descriptors open, %d before", a->fds, b->fds);
	else if (a->file_maps != b->file_maps)
		snprintf(why, len, "%d file mappings, %d before", a->file_maps, b->file_maps);
	return why[0] != 0;
}

/* ---------------------------------------------------------------- a life of a context */

int plbuf__err(int err, const char *fmt, ...);

#define MAXBUFS 16

static char first_failure[600];

/* The step's result r (0 or -errno) must be clean; returns r, or 1 when it is not. */
static int clean(const char *step, int r)
{
	if (r == 0)
		return 0;
	if (!first_failure[0])
		snprintf(first_failure, sizeof(first_failure), "%s: %s", step, plbuf_errmsg());
	if (r < 0 && r > -4096 && plbuf_errmsg()[0])
		return r;
	fprintf(stderr, "  %s failed with %d and message \"%s\"\n", step, r, plbuf_errmsg());
	return 1;
}

/* After a failure: a small buffer is still allocated, written, flushed and freed. */
static int still_works(plbuf_ctx *ctx, const struct fault_buf *b)
{
	struct plbuf_alloc_opts o = {.bank = b->bank};
	int64_t n = 1000;
	plbuf_buf *x = plbuf_allocate(ctx, 1, &n, "u1", &o);

	if (!x) {
		fprintf(stderr, "  the context no longer allocates: %s\n", plbuf_errmsg());
		return 1;
	}
	memset(plbuf_data(x), 0x5a, 1000);
	if (plbuf_flush(x) != 0 || plbuf_invalidate(x) != 0 ||
	    ((unsigned char *)plbuf_data(x))[999] != 0x5a) {
		fprintf(stderr, "  the context no longer syncs: %s\n", plbuf_errmsg());
		plbuf_free(x);
		return 1;
	}
	return plbuf_free(x) == 0 ? 0 : 1;
}

int fault_life(const struct fault_plan *p)
{
	plbuf_buf *bufs[MAXBUFS] = {0};
	int first = 0, r;

	plbuf__err(0, "%s", "");
	first_failure[0] = 0;
	plbuf_ctx *ctx = plbuf_open(p->backend, p->options);

	if (!ctx)
		return clean("plbuf_open", errno ? -errno : 1);
	for (int i = 0; i < p->nbufs && i < MAXBUFS; i++) {
		const struct fault_buf *b = &p->bufs[i];
		struct plbuf_alloc_opts o = {.cacheable = b->cacheable, .bank = b->bank,
					     .alignment = b->align, .max_device_address = b->max_dev};
		char step[64];

		plbuf__err(0, "%s", "");
		bufs[i] = plbuf_allocate(ctx, 1, &b->n, "u1", &o);
		snprintf(step, sizeof(step), "allocate #%d (%lld bytes)", i, (long long)b->n);
		if (!bufs[i]) {
			r = clean(step, errno ? -errno : 1);
			if (r > 0 || still_works(ctx, b) > 0)
				goto broken;
			if (!first)
				first = r;
			continue;
		}
		memset(plbuf_data(bufs[i]), i + 1, (size_t)b->n);
		plbuf__err(0, "%s", "");
		snprintf(step, sizeof(step), "flush #%d", i);
		if ((r = clean(step, plbuf_flush(bufs[i]))) == 0) {
			plbuf__err(0, "%s", "");
			snprintf(step, sizeof(step), "invalidate #%d", i);
			r = clean(step, plbuf_invalidate(bufs[i]));
		}
		if (r == 0 && b->n > 2) {
			plbuf_buf *v = plbuf_view(bufs[i], "1:-1");

			if (!v)
				r = clean("view", -errno);
			else if ((r = clean("flush of a view", plbuf_flush(v))) == 0)
				r = clean("invalidate of a view", plbuf_invalidate(v));
			if (v)
				plbuf_free(v);
		}
		if (r > 0 || (r < 0 && still_works(ctx, b) > 0))
			goto broken;
		if (r < 0 && !first)
			first = r;
	}
	for (int i = 0; i < p->nbufs && i < MAXBUFS; i++)
		if (bufs[i] && plbuf_free(bufs[i]) != 0) {
			fprintf(stderr, "  plbuf_free #%d: %s\n", i, plbuf_errmsg());
			bufs[i] = NULL;
			goto broken;
		}
	plbuf_close(ctx);
	return first;
broken:
	for (int i = 0; i < p->nbufs && i < MAXBUFS; i++)
		if (bufs[i])
			plbuf_free(bufs[i]);
	plbuf_close(ctx);
	return 1;
}

int fault_run(const char *what, const struct fault_plan *p, int kind, int err)
{
	struct fault_state before, after;
	char why[200];
	long k, graceful = 0, calls;

	if (!fault_available()) {
		fprintf(stderr, "%s: the library has no fault hook (build with FAULT=1)\n", what);
		return -1;
	}
	/* once without faults: what a life costs, and lazy set-ups (stdio, caches) out of the way */
	fault_reset();
	if (p->setup)
		p->setup();
	if (fault_life(p) != 0) {
		fprintf(stderr, "%s: fails with no fault injected: %s\n", what, first_failure);
		return -1;
	}
	calls = fault_calls(kind);
	for (k = 1; k < 100000; k++) {
		if (p->setup) /* outside the snapshots: a fixture may keep files of its own */
			p->setup();
		fault_snapshot(&before);
		fault_arm(kind, k, err, 1);
		int r = fault_life(p);
		long hit = fault_fired();
		int fk = fault_last_kind(), fe = fault_last_err();

		unsigned long fi = last_ioctl;

		fault_reset();
		last_ioctl = fi; /* for p->check: a failed release leaves its object to the kernel */
		fault_snapshot(&after);
		if (!hit) {
			if (r) {
				fprintf(stderr, "%s: failed (%d, %s) with no fault injected\n", what, r,
					first_failure);
				return -1;
			}
			printf("%s: %ld %s calls in a life, each failed once with %s: %ld refused "
			       "cleanly, %ld survived\n", what, calls, fault_kind_name(kind),
			       err ? strerror(err) : "its usual errno", k - 1 - graceful, graceful);
			return (int)(k - 1);
		}
		graceful += r == 0;
		if (getenv("FAULT_VERBOSE"))
			printf("  %s #%ld (%s): %s\n", fault_kind_name(fk), k, strerror(fe),
			       r == 0 ? "survived" : first_failure);
		if (r > 0) {
			fprintf(stderr, "%s: with %s #%ld failing (%s) the promises above were broken\n",
				what, fault_kind_name(fk), k, strerror(fe));
			return -1;
		}
		if (fault_compare(&before, &after, why, sizeof(why)) || (p->check && p->check() < 0)) {
			fprintf(stderr, "%s: after %s #%ld failed with %s (result %d, %s): %s\n", what,
				fault_kind_name(fk), k, strerror(fe), r, first_failure, why);
			return -1;
		}
	}
	fprintf(stderr, "%s: still failing after %ld injected faults\n", what, k);
	return -1;
}
