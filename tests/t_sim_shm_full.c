/* A /dev/shm smaller than the sim's bank (Docker's default is 64 MiB, the default bank 512 MiB):
 * allocations fail with ENOMEM and a message that says /dev/shm is full and how big it is, never
 * with SIGBUS; freeing makes room again; and a /dev/shm with no room at all fails plbuf_open the
 * same way.  Runs in a private mount namespace with a 1 MiB tmpfs on /dev/shm (needs root). */
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"

static int fill(const char *opts, int64_t n, int *count)
{
	plbuf_ctx *ctx = plbuf_open("sim", opts);
	plbuf_buf *b[64];
	int k = 0;

	CHECK(ctx);
	while (k < 64 && (b[k] = plbuf_allocate(ctx, 1, &n, "u1", NULL)) != NULL) {
		memset(plbuf_data(b[k]), 0x5a, (size_t)n); /* every page touched */
		CHECK(plbuf_flush(b[k]) == 0);
		k++;
	}
	CHECK(k < 64);
	CHECK_NULL_ERR(plbuf_allocate(ctx, 1, &n, "u1", NULL), ENOMEM);
	printf("%s: %d buffers of %lld bytes, then: %s\n", opts, k, (long long)n, plbuf_errmsg());
	CHECK(strstr(plbuf_errmsg(), "/dev/shm is full") && strstr(plbuf_errmsg(), "1024 KiB"));
	CHECK(k > 0);
	CHECK(plbuf_free(b[k - 1]) == 0); /* the pages stay backed: the same size fits again */
	b[k - 1] = plbuf_allocate(ctx, 1, &n, "u1", NULL);
	CHECK(b[k - 1]);
	for (int i = 0; i < k; i++)
		CHECK(plbuf_free(b[i]) == 0);
	plbuf_close(ctx);
	*count = k;
	return 0;
}

static int run(void)
{
	int k;

	if (unshare(CLONE_NEWNS) < 0 || mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("tmpfs", "/dev/shm", "tmpfs", 0, "size=1M,mode=1777") < 0) {
		printf("SKIP: cannot mount a small tmpfs on /dev/shm: %s\n", strerror(errno));
		return T_EXIT_SKIP;
	}
	fill("", 256 << 10, &k); /* the default bank: 512 MiB, non-coherent */
	fill("coherent=1", 256 << 10, &k);
	CHECK(k == 3); /* 1 MiB less the header page: three */
	/* nothing left at all */
	int fd = open("/dev/shm/filler", O_RDWR | O_CREAT, 0600);
	CHECK(fd >= 0);
	for (char page[4096] = ""; write(fd, page, sizeof(page)) == sizeof(page);)
		;
	CHECK_NULL_ERR(plbuf_open("sim", NULL), ENOMEM);
	printf("full: %s\n", plbuf_errmsg());
	CHECK(strstr(plbuf_errmsg(), "/dev/shm is full"));
	close(fd);
	return 0;
}

int main(void)
{
	int status;

	if (geteuid() != 0)
		SKIP("mounting a small tmpfs on /dev/shm in a private mount namespace needs root");
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		int rc = run();

		fflush(NULL);
		_exit(rc);
	}
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
	if (WIFSIGNALED(status)) {
		fprintf(stderr, "the test process died of signal %d (%s)\n", WTERMSIG(status),
			strsignal(WTERMSIG(status)));
		return T_EXIT_FAIL;
	}
	return WEXITSTATUS(status);
}
