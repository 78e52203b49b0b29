/* A forked child that only calls exit(0), or that closes the context it inherited, leaves the
 * parent's sim memory file alone: only the process that created a file removes it (the exit hook
 * used to unlink every file the process had open, the child's copy of the list included).  The
 * parent's context keeps working and a device model can still attach to it. */
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

static void child(int close_it, plbuf_ctx *ctx)
{
	int status;

	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		if (close_it)
			plbuf_close(ctx);
		exit(0); /* runs the atexit hooks */
	}
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	      WEXITSTATUS(status) == 0);
}

int main(void)
{
	char name[80], dname[80];
	int64_t n = 16;

	setenv("PLBUF_BACKEND", "sim", 1);
	plbuf_ctx *ctx = plbuf_open("sim", "banks=A@0x40000000:1M"), *def = plbuf_default();
	CHECK(ctx && def && !strcmp(plbuf_ctx_backend(def), "sim"));
	snprintf(name, sizeof(name), "%s", plbuf_sim_name(ctx));
	snprintf(dname, sizeof(dname), "%s", plbuf_sim_name(def));
	CHECK(exists(name) && exists(dname));

	child(0, ctx);
	CHECK(exists(name) && exists(dname));
	child(1, ctx);
	CHECK(exists(name) && exists(dname));

	plbuf_buf *b = plbuf_allocate(ctx, 1, &n, "u1", NULL);
	CHECK(b);
	memcpy(plbuf_data(b), "parent's data", 14);
	CHECK(plbuf_flush(b) == 0);
	plbuf_sim_dev *d = plbuf_sim_attach(name);
	char got[16] = "";
	CHECK(d && plbuf_sim_read(d, plbuf_device_address(b), got, 14) == 0);
	CHECK(!strcmp(got, "parent's data"));
	plbuf_sim_detach(d);
	CHECK(plbuf_free(b) == 0);
	plbuf_close(ctx);
	CHECK(!exists(name)); /* its creator does remove it */
	return 0;
}
