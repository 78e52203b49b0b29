/*
 * fault.h - making the library's system calls fail, for the fault-injection tests (t_fault_*.c).
 *
 * A library built with -DPLBUF_FAULT_INJECTION (make FAULT=1; tests/suites/fault.sh builds one in
 * its own directory) asks plbuf__fault() before every call of src/sys.h's door; tests/lib/fault.c
 * defines it here, with counters and one armed fault.  In an ordinary build nothing calls it.
 *
 * fault_loop() is the method: run an operation with call k failing, for k = 1, 2, ... until the
 * operation succeeds without reaching call k; after each failure check that the error is clean (a
 * negative errno and a message), that no descriptor or mapping of the backend was left behind, and
 * that the context still works.  Leaked heap memory is LeakSanitizer's (the suite builds with
 * SAN=1) and is reported at exit.
 */
#ifndef PLBUF_TEST_FAULT_H
#define PLBUF_TEST_FAULT_H

#include <stddef.h>

#include "sys.h"

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
const char *fault_kind_name(int kind);

/* What a failure must leave as it found: open descriptors and the mappings of files the backend
 * maps (/dev/shm, device nodes, fixture files, hugetlbfs), by name. */
struct fault_state {
	int fds;
	int file_maps;
	long anon_kib;
};
void fault_snapshot(struct fault_state *s);
/* Empty when after equals before; else says what differs. */
int fault_compare(const struct fault_state *before, const struct fault_state *after, char *why,
		  size_t len);

/* The loop described at the top.  op returns 0 or a negative errno (and must release what it made
 * when it succeeds, so that the state is the same as before it); works(arg) checks that the
 * context still serves (returns 0, or prints why and returns -1); either may be NULL.  kind limits
 * the faults to one kind of call (FAULT_ANY for all).  Returns the number of failed runs (the
 * calls the operation makes), or -1 after printing what went wrong. */
int fault_loop(const char *what, int kind, int (*op)(void *), int (*works)(void *), void *arg);

/* Whether the library under test has the hook (a build without it never calls plbuf__fault). */
int fault_available(void);

#endif
