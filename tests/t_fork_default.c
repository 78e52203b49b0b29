/* fork() and the default context: the child's plbuf_default() is a context of its own, opened
 * afresh (the parent's stays inherited: allocation refused, its buffers usable); closing the default
 * context in the child touches nothing of the parent's; the parent's default goes on. */
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"

int main(void)
{
	int64_t n = 4096;
	int status;

	setenv("PLBUF_BACKEND", "sim", 1);
	unsetenv("PLBUF_OPTIONS");
	plbuf_ctx *pd = plbuf_default();
	plbuf_buf *a = plbuf_allocate(NULL, 1, &n, "u1", NULL);
	CHECK(pd && a);
	memset(plbuf_data(a), 7, 4096);
	uint64_t da = plbuf_device_address(a);

	fflush(NULL);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		plbuf_ctx *cd = plbuf_default();
		plbuf_buf *b = plbuf_allocate(NULL, 1, &n, "u1", NULL);

		if (!cd || cd == pd || !b || plbuf_backend(b)[0] != 's') {
			fprintf(stderr, "child: default: %s\n", plbuf_errmsg());
			_exit(1);
		}
		errno = 0;
		if (plbuf_allocate(pd, 1, &n, "u1", NULL) || errno != EPERM) {
			fprintf(stderr, "child: the parent's default was not refused\n");
			_exit(1);
		}
		if (((unsigned char *)plbuf_data(a))[4095] != 7 || plbuf_free(a) != 0) {
			fprintf(stderr, "child: inherited buffer\n");
			_exit(1);
		}
		/* Closing the child's default and the inherited one; the next default is new again. */
		plbuf_free(b);
		plbuf_close(cd);
		plbuf_close(pd);
		b = plbuf_allocate(NULL, 1, &n, "u1", NULL);
		if (!b || plbuf_free(b) != 0) {
			fprintf(stderr, "child: default after close: %s\n", plbuf_errmsg());
			_exit(1);
		}
		printf("child: own default context, the parent's refused (EPERM); closed both\n");
		fflush(stdout);
		_exit(0);
	}
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(plbuf_default() == pd);
	CHECK(plbuf_device_address(a) == da && ((unsigned char *)plbuf_data(a))[0] == 7);
	plbuf_buf *c = plbuf_allocate(NULL, 1, &n, "u1", NULL);
	CHECK(c && plbuf_device_address(c) != da);
	CHECK(plbuf_free(c) == 0 && plbuf_free(a) == 0);
	printf("parent: default context unchanged, buffer intact\n");
	return 0;
}
