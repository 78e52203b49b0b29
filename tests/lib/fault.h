/*
 * fault.h - making the library's system calls fail, for the fault-injection tests (t_fault_*.c).
 *
 * A library built with -DPLBUF_FAULT_INJECTION (make FAULT=1; tests/suites/fault.sh builds one in
 * its own directory) asks plbuf__fault() before every call of src/os/sys.h's door; tests/lib/fault.c
 * defines it here, with counters and one armed fault.  In an ordinary build nothing calls it.
 *
 * fault_run() is the method: run a whole life of a context (open, allocate, sync, free, close)
 * with call k failing, for k = 1, 2, ... until a life passes without reaching call k; at each
 * failure check that the error is clean (a negative errno and a message) and that the context
 * still works, and after each life that no descriptor, mapping or driver object was left behind.
 * Leaked heap memory is LeakSanitizer's (the suite builds with SAN=1), reported at exit.
 */
#ifndef PLBUF_TEST_FAULT_H
#define PLBUF_TEST_FAULT_H

#include <stddef.h>
#include <stdint.h>

#include "os/sys.h"

#define FAULT_ANY PLBUF_SYS_NCALLS

/* The count-th and following calls of kind (FAULT_ANY: of any kind), counted from now, fail with
 * err (0: a usual errno for that kind of call) - times calls in all, -1 for every one. */
void fault_arm(int kind, long count, int err, long times);
/* Disarms and zeroes the counters. */
void fault_reset(void);
/* Calls of kind (FAULT_ANY: all) since the last reset or arm. */
long fault_calls(int kind);
/* How many calls the armed fault failed, and the kind and errno of the last one. */
long fault_fired(void);
int fault_last_kind(void);
int fault_last_err(void);
/* The request of the last ioctl failed (0 when it was not an ioctl), kept until the next run. */
unsigned long fault_last_ioctl(void);
const char *fault_kind_name(int kind);

/* What a failure must leave as it found: open descriptors and the mappings of files the backend
 * maps (/dev/shm, device nodes, fixture files, hugetlbfs), by name. */
struct fault_state {
	int fds;
	int file_maps;
};
void fault_snapshot(struct fault_state *s);
/* 0 when after equals before; else 1 and why says what differs. */
int fault_compare(const struct fault_state *before, const struct fault_state *after, char *why,
		  size_t len);

/* A whole life of a context, which the fault loop runs again and again: open, allocate each
 * buffer of the list, write it, flush, invalidate, take a view of it and flush that, free all,
 * close.  A step that fails must fail cleanly (a negative errno and a message); the context
 * must then still serve (a new small buffer is allocated, written, flushed and freed), and the
 * life goes on to the next step. */
struct fault_buf {
	int64_t n;            /* bytes (dtype u1) */
	int cacheable;        /* enum plbuf_cacheable */
	uint64_t align;
	const char *bank;
	uint64_t max_dev;
};
struct fault_plan {
	const char *backend, *options;
	const struct fault_buf *bufs;
	int nbufs;
	/* Called before each life, outside the snapshots: puts a fixture's driver state back. */
	void (*setup)(void);
	/* The backend's own leftovers after close (a BO, an xlnk id, a pinned page, a huge page),
	 * compared with the start: returns 0, or prints what is left and returns -1.  May be NULL. */
	int (*check)(void);
};
/* Returns 0, the first step's negative errno, or 1 after printing a broken promise. */
int fault_life(const struct fault_plan *p);

/* The loop: call k of kind (FAULT_ANY: of any kind) fails with err (0: a usual errno for the
 * kind) during a life of p, for k = 1, 2, ... until a life passes without reaching call k.  After
 * each, the process must hold the descriptors and file mappings it held before and p->check must
 * pass.  Prints a line of figures; returns the number of calls failed, or -1 on a failure. */
int fault_run(const char *what, const struct fault_plan *p, int kind, int err);

/* Whether the library under test has the hook (a build without it never calls plbuf__fault). */
int fault_available(void);

#endif
