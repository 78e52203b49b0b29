/* Stale memory files are told from live ones by the lock their owner holds, not by the pid in
 * their name: a live context whose name carries a pid that is dead here (as a process in another
 * PID namespace sharing /dev/shm has) survives another context's reaping; once its owner is
 * killed (SIGKILL: no exit hook), the next context reaps it.  Files named after a memory file (a
 * device model's "<name>.regs") are not the sim's to reap. */
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"

static int exists(const char *name)
{
	char p[128];
	struct stat st;

	snprintf(p, sizeof(p), "/dev/shm/%s", name);
	return stat(p, &st) == 0;
}

int main(void)
{
	char name[80], opts[160];
	int fds[2], status;

	/* a pid that is dead in this namespace */
	pid_t dead = fork();
	if (dead == 0)
		_exit(0);
	CHECK(dead > 0 && waitpid(dead, &status, 0) == dead);
	CHECK(kill(dead, 0) < 0 && errno == ESRCH);
	snprintf(name, sizeof(name), "plbuf-sim-%d-4242", (int)dead);
	snprintf(opts, sizeof(opts), "name=%s banks=A@0x40000000:1M", name);

	CHECK(pipe(fds) == 0);
	fflush(NULL);
	pid_t owner = fork();
	if (owner == 0) {
		plbuf_ctx *c = plbuf_open("sim", opts);
		char ok = c ? 'y' : 'n';

		if (!c)
			fprintf(stderr, "owner: %s\n", plbuf_errmsg());
		if (write(fds[1], &ok, 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(fds[1]);
	char ok = 0;
	CHECK(read(fds[0], &ok, 1) == 1 && ok == 'y');
	CHECK(exists(name));

	char other[128];
	snprintf(other, sizeof(other), "/dev/shm/%s.regs", name);
	int fd = open(other, O_RDWR | O_CREAT, 0600);
	CHECK(fd >= 0 && write(fd, "x", 1) == 1);
	close(fd);

	plbuf_ctx *ctx = plbuf_open("sim", "banks=A@0x40000000:1M"); /* reaps stale files */
	CHECK(ctx);
	CHECK(exists(name)); /* alive: its owner holds the lock */
	plbuf_close(ctx);

	kill(owner, SIGKILL);
	CHECK(waitpid(owner, &status, 0) == owner && WIFSIGNALED(status));
	CHECK(exists(name)); /* SIGKILL runs no exit hook */
	ctx = plbuf_open("sim", "banks=A@0x40000000:1M");
	CHECK(ctx);
	CHECK(!exists(name)); /* nobody holds it any more: reaped */
	CHECK(access(other, F_OK) == 0); /* not a memory file: left alone */
	unlink(other);
	plbuf_close(ctx);
	return 0;
}
