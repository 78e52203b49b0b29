/* The sim memory file: created 0600, owned by the user, removed by plbuf_close(), removed at exit
 * for contexts never closed (the default one), and reaped when its process was killed. */
#include <signal.h>
#include <stdlib.h>
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
	char p[128], name[64];
	struct stat st;
	plbuf_ctx *ctx = plbuf_open("sim", NULL);
	CHECK(ctx);
	snprintf(p, sizeof(p), "/dev/shm/%s", plbuf_sim_name(ctx));
	CHECK(stat(p, &st) == 0);
	CHECK((st.st_mode & 0777) == 0600 && st.st_uid == geteuid());
	snprintf(name, sizeof(name), "%s", plbuf_sim_name(ctx));
	plbuf_close(ctx);
	CHECK(!exists(name));

	/* A child that exits without closing its contexts leaves nothing behind. */
	int fds[2];
	CHECK(pipe(fds) == 0);
	pid_t pid = fork();
	if (pid == 0) {
		setenv("PLBUF_BACKEND", "sim", 1); /* not hugepage, should the host have free pages */
		plbuf_ctx *c = plbuf_default();
		dprintf(fds[1], "%s\n", c ? plbuf_sim_name(c) : "none");
		exit(0);
	}
	int status;
	close(fds[1]); /* a child that dies early gives EOF, not a hang */
	waitpid(pid, &status, 0);
	memset(name, 0, sizeof(name));
	CHECK(read(fds[0], name, sizeof(name) - 1) > 0);
	name[strcspn(name, "\n")] = 0;
	CHECK(strncmp(name, "plbuf-sim-", 10) == 0 && !exists(name));

	/* A child killed with SIGKILL leaves its file; the next context reaps it. */
	close(fds[0]);
	CHECK(pipe(fds) == 0);
	pid = fork();
	if (pid == 0) {
		plbuf_ctx *c = plbuf_open("sim", NULL);
		dprintf(fds[1], "%s\n", c ? plbuf_sim_name(c) : "none");
		pause();
		exit(0);
	}
	close(fds[1]);
	memset(name, 0, sizeof(name));
	CHECK(read(fds[0], name, sizeof(name) - 1) > 0);
	name[strcspn(name, "\n")] = 0;
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	CHECK(exists(name));
	ctx = plbuf_open("sim", NULL);
	CHECK(ctx && !exists(name));
	plbuf_close(ctx);
	return 0;
}
