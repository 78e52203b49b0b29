/* fork() while other threads allocate and free on the same context: pthread_atfork takes every
 * context's lock around the fork, so the child's copy of the pool is consistent and its locks are
 * free.  Each child is refused the inherited context, opens, uses and closes one of its own, closes
 * the inherited one (no deadlock on a lock a parent thread held) and exits; the parent's threads
 * never stop. */
#include <pthread.h>
#include <stdatomic.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"

static plbuf_ctx *ctx;
static atomic_int stop;

static void *worker(void *arg)
{
	int64_t sizes[] = {64, 1000, 70000, 300000};
	unsigned i = (unsigned)(uintptr_t)arg;

	while (!atomic_load(&stop)) {
		int64_t n = sizes[i++ % 4];
		plbuf_buf *b = plbuf_allocate(ctx, 1, &n, "u1", NULL);

		if (!b) {
			fprintf(stderr, "worker: %s\n", plbuf_errmsg());
			exit(1);
		}
		((volatile char *)plbuf_data(b))[0] = 1;
		plbuf_free(b);
	}
	return NULL;
}

int main(void)
{
	pthread_t th[2];
	int64_t n = 256;

	ctx = plbuf_open("sim", "banks=DDR0@0x40000000:64M");
	CHECK(ctx);
	for (int i = 0; i < 2; i++)
		CHECK(pthread_create(&th[i], NULL, worker, (void *)(uintptr_t)i) == 0);
	for (int k = 0; k < 20; k++) {
		int status;

		fflush(NULL);
		pid_t pid = fork();
		CHECK(pid >= 0);
		if (pid == 0) {
			errno = 0;
			if (plbuf_allocate(ctx, 1, &n, "u1", NULL) || errno != EPERM)
				_exit(1);
			plbuf_ctx *own = plbuf_open("sim", NULL);
			plbuf_buf *b = own ? plbuf_allocate(own, 1, &n, "u1", NULL) : NULL;
			struct plbuf_bank_info bi;

			if (!b || plbuf_free(b) != 0 || plbuf_ctx_bank(ctx, 0, &bi) != 0)
				_exit(2);
			plbuf_close(own);
			plbuf_close(ctx);
			_exit(0);
		}
		CHECK(waitpid(pid, &status, 0) == pid);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			fprintf(stderr, "child %d: status 0x%x\n", k, status);
			return 1;
		}
	}
	atomic_store(&stop, 1);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	struct plbuf_bank_info bi;
	CHECK(plbuf_ctx_bank(ctx, 0, &bi) == 0 && bi.free == bi.size);
	plbuf_close(ctx);
	printf("20 forks while two threads allocated: every child clean, the pool whole again\n");
	return 0;
}
