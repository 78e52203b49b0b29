/* When a process using the hugepage backend is killed (SIGKILL), the kernel gives its huge pages
 * back to the pool: free_hugepages returns to what it was before the process allocated (a pool
 * chunk, a buffer of several pages' worth and its own chunk). */
#include <signal.h>
#include <sys/wait.h>

#include "hugepages.h"

int main(void)
{
	int fds[2], status;
	char c;

	CHECK(hp_reserve(MB2, 8) >= 4);
	long free0 = hp_free(MB2);

	CHECK(pipe(fds) == 0);
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		plbuf_ctx *ctx = plbuf_open("hugepage", "pagesize=2M");
		int64_t small = 1000, big = 1536 << 10;
		plbuf_buf *a = ctx ? plbuf_allocate(ctx, 1, &small, "u1", NULL) : NULL;
		plbuf_buf *b = ctx ? plbuf_allocate(ctx, 1, &big, "u1", NULL) : NULL;

		if (!a || !b) {
			fprintf(stderr, "child: %s\n", plbuf_errmsg());
			_exit(1);
		}
		memset(plbuf_data(b), 1, (size_t)big);
		if (write(fds[1], "r", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	CHECK(pid > 0);
	close(fds[1]); /* so that a child that dies early makes read() return 0, not hang */
	CHECK(read(fds[0], &c, 1) == 1);
	long during = hp_free(MB2);

	printf("free 2 MiB pages: %ld before, %ld while the child holds its buffers\n", free0, during);
	CHECK(during <= free0 - 2);
	kill(pid, SIGKILL);
	CHECK(waitpid(pid, &status, 0) == pid && WIFSIGNALED(status));
	long after = hp_free(MB2);

	printf("after SIGKILL: %ld\n", after);
	CHECK(after == free0);
	return 0;
}
