/*
 * forkcheck.h - the fork rule (include/plbuf.h, plbuf_open) checked on one open context, for the
 * t_fork_<backend> tests.
 *
 * The parent allocates a small and a large buffer and fills them, then forks.  The child must:
 * be refused an allocation from the inherited context (EPERM, never the parent's device
 * addresses), get a context of its own from plbuf_default(), see the inherited buffers' bytes,
 * view, sync and free their handles (a second free is EBADF), close the inherited context, and
 * leave the driver state (BOs, IOVA mappings, CMA buffers: what a real driver shares between the
 * two processes) exactly as the parent left it.  After the child has exited, the parent's buffers
 * hold their bytes, and new allocations never overlap them.
 *
 * A fixture's driver emulation lives in the test process, so a child's ioctls change only the
 * child's copy of it: the child compares the state before and after its own calls, which is what
 * a real driver, shared by both, would have seen.
 */
#ifndef PLBUF_TEST_FORKCHECK_H
#define PLBUF_TEST_FORKCHECK_H

#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"

/* Fills buf with the driver's state as text ("" when the test has none to give). */
typedef void (*fork_state_fn)(char *buf, size_t len);

static void fork_fill(plbuf_buf *b, unsigned char v)
{
	memset(plbuf_data(b), v, (size_t)plbuf_nbytes(b));
	CHECK(plbuf_flush(b) == 0);
}

static int fork_holds(plbuf_buf *b, unsigned char v)
{
	const unsigned char *p = plbuf_data(b);

	for (uint64_t i = 0; i < plbuf_nbytes(b); i++)
		if (p[i] != v)
			return 0;
	return 1;
}

static int fork_overlaps(plbuf_buf *a, plbuf_buf *b)
{
	uint64_t a0 = plbuf_device_address(a), a1 = a0 + plbuf_nbytes(a);
	uint64_t b0 = plbuf_device_address(b), b1 = b0 + plbuf_nbytes(b);

	return a0 < b1 && b0 < a1;
}

/* What the child does; exits with 0 when all held. */
static void fork_child(plbuf_ctx *ctx, plbuf_buf *small, plbuf_buf *big, fork_state_fn state,
		       const char *before, int normal_exit)
{
	char after[512] = "";
	int64_t n = 256;

	/* The inherited context hands out nothing: its free memory is the parent's too. */
	errno = 0;
	plbuf_buf *x = plbuf_allocate(ctx, 1, &n, "u1", NULL);
	if (x || errno != EPERM || !strstr(plbuf_errmsg(), "fork")) {
		fprintf(stderr, "child: allocate on the inherited context gave %p errno %d: %s\n",
			(void *)x, errno, plbuf_errmsg());
		_exit(1);
	}
	/* The default context is this process's own (a sim one, whatever the parent's test uses). */
	setenv("PLBUF_BACKEND", "sim", 1);
	unsetenv("PLBUF_OPTIONS");
	plbuf_ctx *d = plbuf_default();
	plbuf_buf *y = plbuf_allocate(NULL, 1, &n, "u1", NULL);
	if (!d || d == ctx || !y || plbuf_free(y) != 0) {
		fprintf(stderr, "child: default context: %s\n", plbuf_errmsg());
		_exit(1);
	}
	/* The inherited buffers stay mapped: their bytes, a view, a sync, queries. */
	plbuf_buf *v = plbuf_view(small, "1:10");
	if (!fork_holds(small, 0xa5) || !fork_holds(big, 0x5a) || !v || plbuf_free(v) != 0 ||
	    plbuf_flush(small) != 0 || plbuf_invalidate(big) != 0 || plbuf_ctx_nbanks(ctx) < 1) {
		fprintf(stderr, "child: inherited buffers: %s\n", plbuf_errmsg());
		_exit(1);
	}
	/* Freeing gives back only the child's handle; a second free is still caught. */
	if (plbuf_free(small) != 0 || plbuf_free(small) != -EBADF || plbuf_free(big) != 0) {
		fprintf(stderr, "child: free: %s\n", plbuf_errmsg());
		_exit(1);
	}
	plbuf_close(ctx);
	errno = 0;
	x = plbuf_allocate(ctx, 1, &n, "u1", NULL);
	if (x || errno != EBADF) {
		fprintf(stderr, "child: allocate on the closed context gave %p errno %d\n",
			(void *)x, errno);
		_exit(1);
	}
	if (state)
		state(after, sizeof(after));
	if (strcmp(before, after) != 0) {
		fprintf(stderr, "child: driver state changed: before \"%s\", after \"%s\"\n", before,
			after);
		_exit(1);
	}
	printf("child: refused (EPERM), own default context, freed and closed; driver state "
	       "\"%s\" unchanged\n", after);
	fflush(stdout);
	if (normal_exit)
		exit(0);
	_exit(0);
}

/* The whole check on ctx, with a small and a large buffer of the sizes given (bytes). */
static void fork_check(plbuf_ctx *ctx, int64_t nsmall, int64_t nbig, fork_state_fn state,
		       int normal_exit)
{
	char before[512] = "", after[512] = "";
	plbuf_buf *small = plbuf_allocate(ctx, 1, &nsmall, "u1", NULL);
	plbuf_buf *big = plbuf_allocate(ctx, 1, &nbig, "u1", NULL);
	uint64_t dsmall, dbig, psmall;
	int status;

	CHECK(small && big);
	fork_fill(small, 0xa5);
	fork_fill(big, 0x5a);
	dsmall = plbuf_device_address(small);
	dbig = plbuf_device_address(big);
	psmall = plbuf_physical_address(small);
	if (state)
		state(before, sizeof(before));
	fflush(NULL);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0)
		fork_child(ctx, small, big, state, before, normal_exit);
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	/* Nothing the child did reached the parent's buffers or the driver. */
	CHECK(plbuf_invalidate(small) == 0 && plbuf_invalidate(big) == 0);
	CHECK(fork_holds(small, 0xa5) && fork_holds(big, 0x5a));
	CHECK(plbuf_device_address(small) == dsmall && plbuf_device_address(big) == dbig);
	CHECK(plbuf_physical_address(small) == psmall);
	if (state)
		state(after, sizeof(after));
	if (strcmp(before, after) != 0)
		fprintf(stderr, "parent: driver state \"%s\" before fork(), \"%s\" after the child\n",
			before, after);
	CHECK(strcmp(before, after) == 0);
	/* And the parent goes on: new buffers never overlap the ones it holds. */
	plbuf_buf *more[8];
	for (int i = 0; i < 8; i++) {
		int64_t n = i % 2 ? nsmall : nsmall * 4;

		more[i] = plbuf_allocate(ctx, 1, &n, "u1", NULL);
		CHECK(more[i] && !fork_overlaps(more[i], small) && !fork_overlaps(more[i], big));
	}
	for (int i = 0; i < 8; i++)
		CHECK(plbuf_free(more[i]) == 0);
	CHECK(plbuf_free(small) == 0 && plbuf_free(big) == 0);
	printf("parent: buffers intact at 0x%llx and 0x%llx, driver state \"%s\"\n",
	       (unsigned long long)dsmall, (unsigned long long)dbig, after);
}

#endif
