/* fork() on a sim context: the child is refused allocation from the inherited context (before
 * the fix it got the very device addresses the parent held), keeps the parent's buffers mapped,
 * and nothing it frees or closes reaches the parent's buffers; the parent's sim file stays. */
#include <sys/stat.h>
#include <unistd.h>

#include "forkcheck.h"

static const char *name;

static void sim_state(char *buf, size_t len)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), "/dev/shm/%s", name);
	snprintf(buf, len, "%s %s", name, stat(path, &st) == 0 ? "present" : "missing");
}

int main(void)
{
	char opts[128];

	/* A name of its own, outside plbuf-sim-<pid>-<n>: another PID namespace's sim reaper (seen on
	 * a shared machine) takes such a file of a live process for a dead one's. */
	snprintf(opts, sizeof(opts), "banks=DDR0@0x40000000:64M name=plbuf-forktest-%d", (int)getpid());
	plbuf_ctx *ctx = plbuf_open("sim", opts);

	CHECK(ctx);
	name = plbuf_sim_name(ctx);
	CHECK(name && name[0]);
	fork_check(ctx, 1000, 3 << 20, sim_state, 0);
	/* A device model still reaches the parent's memory by name. */
	plbuf_sim_dev *dev = plbuf_sim_attach(name);
	CHECK(dev);
	plbuf_sim_detach(dev);
	plbuf_close(ctx);
	return 0;
}
