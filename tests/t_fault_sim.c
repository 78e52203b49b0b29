/* Fault injection, sim backend: every system call of a context's life (the memory file's
 * shm_open, ftruncate and mmaps, the CPU view's mmap, the directory scan that reaps stale files)
 * fails in turn, with its usual errno and then with EINTR; each failure is clean, leaves no
 * descriptor, mapping or /dev/shm file behind, and the context, when it opened, still works.
 * The device side (plbuf_sim_attach) likewise.  Built only with FAULT=1 (tests/suites/fault.sh). */
#include <dirent.h>

#include "fault.h"
#include "test.h"

static const struct fault_buf bufs[] = {
	{100, PLBUF_CACHEABLE_DEFAULT, 0, NULL, 0},
	{100, PLBUF_CACHEABLE_NO, 0, NULL, 0},
	{300000, PLBUF_CACHEABLE_YES, 4096, "B", 0},
	{5000, PLBUF_CACHEABLE_DEFAULT, 0, "B", 0x40000000 + (1 << 20)},
};

static int shm_files;

static int count_shm(void)
{
	char prefix[64];
	DIR *d = opendir("/dev/shm");
	struct dirent *e;
	int n = 0;

	snprintf(prefix, sizeof(prefix), "plbuf-sim-%d-", (int)getpid());
	if (!d)
		return -1;
	while ((e = readdir(d)) != NULL)
		n += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
	closedir(d);
	return n;
}

static int no_file_left(void)
{
	int n = count_shm();

	if (n != shm_files)
		fprintf(stderr, "  %d memory files of this process in /dev/shm, %d before\n", n,
			shm_files);
	return n == shm_files ? 0 : -1;
}

int main(void)
{
	struct fault_plan p = {"sim", "banks=A@0x100000:4M,B@0x40000000:4M:coherent", bufs,
			       (int)(sizeof(bufs) / sizeof(bufs[0])), NULL, no_file_left};

	if (!fault_available())
		SKIP("built without FAULT=1");
	shm_files = count_shm();
	CHECK(fault_run("sim", &p, FAULT_ANY, 0) > 0);
	CHECK(fault_run("sim, EINTR", &p, FAULT_ANY, EINTR) > 0);

	/* the device side */
	plbuf_ctx *ctx = plbuf_open("sim", "banks=A@0x100000:1M");
	struct fault_state before, after;
	char why[200];
	long k;

	CHECK(ctx);
	for (k = 1;; k++) {
		fault_snapshot(&before);
		fault_arm(FAULT_ANY, k, 0, 1);
		plbuf_sim_dev *d = plbuf_sim_attach(plbuf_sim_name(ctx));
		long hit = fault_fired();

		fault_reset();
		if (d) {
			CHECK(plbuf_sim_translate(d, 0x100000, 4096) != NULL);
			plbuf_sim_detach(d);
		} else {
			CHECK(hit && errno > 0 && plbuf_errmsg()[0]);
		}
		fault_snapshot(&after);
		if (fault_compare(&before, &after, why, sizeof(why))) {
			fprintf(stderr, "sim attach, call %ld failing: %s\n", k, why);
			return T_EXIT_FAIL;
		}
		if (!hit)
			break;
	}
	printf("sim attach: %ld calls, each failed once, cleanly\n", k - 1);
	CHECK(k > 2);
	plbuf_close(ctx);
	return 0;
}
