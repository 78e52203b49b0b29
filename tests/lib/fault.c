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

static atomic_long seen[PLBUF_SYS_NCALLS + 1];
static atomic_long fired, left;
static atomic_int last_kind = -1, last_err;
static int arm_kind = -1, arm_err;
static long arm_at;

static const char *const names[] = {"open", "mmap", "ioctl", "read", "write", "ftruncate",
				    "shm_open", "mlock", "any"};

/* The errno a kernel would give most often for each kind of call. */
static int usual_errno(int kind)
{
	switch (kind) {
	case PLBUF_SYS_OPEN: return EACCES;
	case PLBUF_SYS_SHM_OPEN: return EMFILE;
	case PLBUF_SYS_MMAP: return ENOMEM;
	case PLBUF_SYS_FTRUNCATE: return ENOSPC;
	case PLBUF_SYS_MLOCK: return EAGAIN;
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
	s->anon_kib = 0;
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

int fault_loop(const char *what, int kind, int (*op)(void *), int (*works)(void *), void *arg)
{
	struct fault_state before, after;
	char why[200];
	long k;

	if (!fault_available()) {
		fprintf(stderr, "%s: the library has no fault hook (build with FAULT=1)\n", what);
		return -1;
	}
	for (k = 1; k < 100000; k++) {
		fault_snapshot(&before);
		fault_arm(kind, k, 0, 1);
		int err = op(arg);
		long hit = fault_fired();
		int fk = fault_last_kind(), fe = fault_last_err();

		fault_reset();
		fault_snapshot(&after);
		if (!hit) {
			if (err) {
				fprintf(stderr, "%s: failed (%d: %s) with no fault injected\n", what, err,
					plbuf_errmsg());
				return -1;
			}
			return (int)(k - 1);
		}
		if (err > 0 || (err < 0 && !plbuf_errmsg()[0])) {
			fprintf(stderr, "%s: %s #%ld failing with %s gave %d and message \"%s\"\n", what,
				fault_kind_name(fk), k, strerror(fe), err, plbuf_errmsg());
			return -1;
		}
		if (fault_compare(&before, &after, why, sizeof(why))) {
			fprintf(stderr, "%s: after %s #%ld failed with %s (result %d: %s): %s\n", what,
				fault_kind_name(fk), k, strerror(fe), err, err ? plbuf_errmsg() : "",
				why);
			return -1;
		}
		if (works && works(arg) < 0) {
			fprintf(stderr, "%s: the context does not work after %s #%ld failed with %s\n",
				what, fault_kind_name(fk), k, strerror(fe));
			return -1;
		}
	}
	fprintf(stderr, "%s: still failing after %ld injected faults\n", what, k);
	return -1;
}
