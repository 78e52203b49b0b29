/* A sim context in another PID namespace that shares /dev/shm (containers of one pod): its memory
 * file is plbuf-sim-<its pid there>-0, and that pid is dead (or another process) here.  A sim
 * context opened here, which reaps stale files, must leave it alone: staleness is the owner's lock,
 * not a pid (tests/t_sim_stale_lock.c covers the same rule without namespaces).  Needs root for
 * unshare(CLONE_NEWPID). */
#include <sched.h>
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

/* pid 1 of the new namespace: forks until a child gets a pid from `want` on (qemu-user's threads
 * take pids too: not always `want` itself), which opens a context. */
static int ns_init(pid_t want, int up, int down)
{
	for (;;) {
		pid_t c = fork();

		if (c < 0)
			return 1;
		if (c == 0) {
			if (getpid() < want)
				_exit(0);
			plbuf_ctx *ctx = plbuf_open("sim", "banks=A@0x40000000:1M");
			char name[80] = "", go;

			if (ctx)
				snprintf(name, sizeof(name), "%s", plbuf_sim_name(ctx));
			if (write(up, name, sizeof(name)) != sizeof(name) || read(down, &go, 1) != 1)
				_exit(1);
			plbuf_close(ctx);
			_exit(ctx ? 0 : 1);
		}
		int st;

		if (waitpid(c, &st, 0) != c)
			return 1;
		if (c >= want)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
	}
}

int main(void)
{
	int up[2], down[2], st;
	pid_t want = 0;
	char name[80];

	if (geteuid() != 0)
		SKIP("unshare(CLONE_NEWPID) needs root");
	/* 16 pids in a row that are dead in this namespace, which the other one will hand out */
	for (pid_t p = 300; p < 20000 && !want; p++) {
		int k = 0;

		while (k < 16 && kill(p + k, 0) < 0 && errno == ESRCH)
			k++;
		if (k == 16)
			want = p;
		else
			p += k;
	}
	CHECK(want);
	CHECK(pipe(up) == 0 && pipe(down) == 0);
	fflush(NULL);
	pid_t outer = fork();
	if (outer == 0) {
		if (unshare(CLONE_NEWPID) < 0) {
			printf("SKIP: unshare(CLONE_NEWPID): %s\n", strerror(errno));
			fflush(NULL);
			_exit(77);
		}
		pid_t init = fork(); /* pid 1 there */
		if (init == 0)
			_exit(ns_init(want, up[1], down[0]));
		_exit(init > 0 && waitpid(init, &st, 0) == init && WIFEXITED(st) ? WEXITSTATUS(st) : 1);
	}
	close(up[1]);
	close(down[0]);
	if (read(up[0], name, sizeof(name)) != sizeof(name)) {
		CHECK(waitpid(outer, &st, 0) == outer);
		if (WIFEXITED(st) && WEXITSTATUS(st) == 77)
			return T_EXIT_SKIP;
		fprintf(stderr, "the namespace's context did not start (status %d)\n", st);
		return T_EXIT_FAIL;
	}
	int there = 0;

	CHECK(sscanf(name, "plbuf-sim-%d-0", &there) == 1 && there >= want && there < want + 16);
	printf("context in the other PID namespace: /dev/shm/%s (pid %d there)\n", name, there);
	CHECK(exists(name));
	if (kill(there, 0) == 0 || errno != ESRCH)
		printf("note: pid %d was taken here meanwhile; the pid rule would not have fired\n",
		       there);

	plbuf_ctx *ctx = plbuf_open("sim", "banks=A@0x40000000:1M"); /* reaps stale files */
	CHECK(ctx);
	CHECK(exists(name)); /* live: its owner holds the lock */
	plbuf_close(ctx);

	CHECK(write(down[1], "g", 1) == 1);
	CHECK(waitpid(outer, &st, 0) == outer && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(!exists(name)); /* its owner removed it when it closed */
	return 0;
}
