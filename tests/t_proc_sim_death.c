/* When the process that owns a sim context is killed (SIGKILL: no atexit), a device model that
 * attached to its memory keeps reading what was flushed: the memory lives as long as a mapping of
 * it.  The file stays in /dev/shm until the next sim context of the same user reaps it, after
 * which the attached model still reads the same bytes.  (t_sim_file covers exit and close.) */
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"

static int exists(const char *n)
{
	char p[128];
	struct stat st;

	snprintf(p, sizeof(p), "/dev/shm/%s", n);
	return stat(p, &st) == 0;
}

int main(void)
{
	int fds[2], status;
	char name[64] = "";
	uint64_t addr = 0;

	CHECK(pipe(fds) == 0);
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		plbuf_ctx *c = plbuf_open("sim", "banks=A@0x100000:1M");
		int64_t n = 4096;
		plbuf_buf *b = c ? plbuf_allocate(c, 1, &n, "u1", NULL) : NULL;

		if (!b)
			_exit(1);
		memset(plbuf_data(b), 0xa5, 4096);
		plbuf_flush(b);
		dprintf(fds[1], "%s %llu\n", plbuf_sim_name(c),
			(unsigned long long)plbuf_device_address(b));
		pause();
		_exit(0);
	}
	CHECK(pid > 0);
	close(fds[1]); /* so that a child that dies early gives EOF, not a hang */
	FILE *f = fdopen(fds[0], "r");
	unsigned long long a;

	CHECK(f && fscanf(f, "%63s %llu", name, &a) == 2);
	addr = a;
	plbuf_sim_dev *d = plbuf_sim_attach(name);
	CHECK(d);
	kill(pid, SIGKILL);
	CHECK(waitpid(pid, &status, 0) == pid && WIFSIGNALED(status));

	unsigned char got[4096];
	CHECK(plbuf_sim_read(d, addr, got, sizeof(got)) == 0);
	CHECK(got[0] == 0xa5 && got[4095] == 0xa5);
	CHECK(exists(name)); /* nobody removed it: SIGKILL runs no atexit */

	plbuf_ctx *ctx = plbuf_open("sim", "banks=A@0x100000:1M"); /* reaps the dead one's file */
	CHECK(ctx && !exists(name));
	memset(got, 0, sizeof(got));
	CHECK(plbuf_sim_read(d, addr, got, sizeof(got)) == 0);
	CHECK(got[0] == 0xa5 && got[4095] == 0xa5);
	plbuf_sim_detach(d);
	plbuf_close(ctx);
	fclose(f);
	return 0;
}
