/* Who may attach to a sim context's memory: a process of the same user attaches by name and sees
 * what the owner flushed; a process of another user (uid 65534 when the test runs as root) gets
 * EACCES, by name and by path; and a name another user created beforehand is never taken over:
 * opening a context with that name fails with EEXIST and leaves the file alone. */
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fixture.h"
#include "test.h"

static const char *name;
static uint64_t dev_addr;

/* Another user: neither the device side nor the file itself. */
static int stranger(void *arg)
{
	char path[128];

	(void)arg;
	errno = 0;
	if (plbuf_sim_attach(name) != NULL || errno != EACCES || !plbuf_errmsg()[0]) {
		fprintf(stderr, "attach as uid %d: errno %d, %s\n", (int)geteuid(), errno,
			plbuf_errmsg());
		return 1;
	}
	snprintf(path, sizeof(path), "/dev/shm/%s", name);
	if (open(path, O_RDONLY) >= 0 || errno != EACCES) {
		fprintf(stderr, "open %s as uid %d: errno %d\n", path, (int)geteuid(), errno);
		return 1;
	}
	return 0;
}

/* The same user in another process: attaches and reads the flushed bytes. */
static int sibling(void)
{
	char got[16] = "";
	plbuf_sim_dev *d = plbuf_sim_attach(name);

	if (!d || plbuf_sim_read(d, dev_addr, got, 6) != 0 || memcmp(got, "hello", 6) != 0) {
		fprintf(stderr, "sibling: %s (read \"%.6s\")\n", plbuf_errmsg(), got);
		return 1;
	}
	plbuf_sim_detach(d);
	return 0;
}

static char squat[64];

static int squatter(void *arg)
{
	char path[128];
	int fd;

	(void)arg;
	snprintf(path, sizeof(path), "/dev/shm/%s", squat);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0666);
	if (fd < 0 || write(fd, "mine", 4) != 4)
		return 1;
	fchmod(fd, 0666);
	close(fd);
	return 0;
}

int main(void)
{
	int64_t n = 6;
	int status;

	plbuf_ctx *ctx = plbuf_open("sim", "banks=A@0x100000:1M");
	CHECK(ctx);
	name = plbuf_sim_name(ctx);
	plbuf_buf *b = plbuf_allocate(ctx, 1, &n, "u1", NULL);
	CHECK(b);
	memcpy(plbuf_data(b), "hello", 6);
	CHECK(plbuf_flush(b) == 0);
	dev_addr = plbuf_device_address(b);

	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0)
		_exit(sibling());
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	      WEXITSTATUS(status) == 0);

	if (geteuid() == 0) {
		CHECK(fx_run_unprivileged(stranger, NULL) == 0);
		/* A name another user took first. */
		snprintf(squat, sizeof(squat), "plbuf-test-squat-%d", (int)getpid());
		CHECK(fx_run_unprivileged(squatter, NULL) == 0);
		char opts[128], path[128], got[8] = "";
		struct stat st;

		snprintf(opts, sizeof(opts), "name=%s banks=A@0x100000:1M", squat);
		CHECK_NULL_ERR(plbuf_open("sim", opts), EEXIST);
		snprintf(path, sizeof(path), "/dev/shm/%s", squat);
		int fd = open(path, O_RDONLY);
		CHECK(fd >= 0 && fstat(fd, &st) == 0 && st.st_uid == 65534 && st.st_size == 4);
		CHECK(read(fd, got, 4) == 4 && memcmp(got, "mine", 4) == 0);
		close(fd);
		unlink(path);
	}
	plbuf_free(b);
	plbuf_close(ctx);
	if (geteuid() != 0)
		SKIP("another user's attempts need root (to become uid 65534); the same user's passed");
	return 0;
}
