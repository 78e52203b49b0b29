/*
 * b_addr - the cost of asking for a buffer's device address: plbuf_device_address (a field read,
 * as PYNQ's buffer.device_address is meant to be), plbuf_physical_address, and the kernel's own
 * lookup that an allocator without a table would pay (a pread of /proc/self/pagemap).  DPDK's
 * rte_malloc_virt2iova is in b_dpdk.
 *
 *   b_addr [--smoke]
 *
 * A sample is the mean of 1000 lookups over 8 buffers (a lookup is shorter than the clock's step).
 */
#include <fcntl.h>

#include "bench.h"
#include "plbuf.h"

static void row(const char *contender, const char *op, struct bench_run *r)
{
	double p50, p99;

	bench_run_stats(r, &p50, &p99);
	bench_row("addr", contender, op, 4096, "warm", 1, r->n, p50, p99, p50, "ns");
}

static void plbuf_side(const char *backend, const char *opts, const char *contender)
{
	plbuf_ctx *ctx = plbuf_open(backend, opts);
	plbuf_buf *b[8] = {0};
	int64_t n = 4096;
	unsigned batch = bench_smoke ? 1 : 1000;
	volatile uint64_t sink = 0;

	if (!ctx) {
		printf("# %s: skipped: %s\n", contender, plbuf_errmsg());
		return;
	}
	for (int i = 0; i < 8; i++)
		if (!(b[i] = plbuf_allocate(ctx, 1, &n, "u1", NULL))) {
			printf("# %s: skipped: %s\n", contender, plbuf_errmsg());
			goto out;
		}
	for (int which = 0; which < 2; which++) {
		struct bench_run r;

		bench_run_start(&r, 1000, 1000, 1000);
		while (bench_more(&r)) {
			uint64_t a = bench_ticks(), s = 0;

			for (unsigned i = 0; i < batch; i++)
				s += which ? plbuf_physical_address(b[i & 7])
					   : plbuf_device_address(b[i & 7]);
			bench_record(&r, bench_ticks() - a, batch);
			sink += s;
		}
		row(contender, which ? "plbuf_physical_address" : "plbuf_device_address", &r);
	}
out:
	for (int i = 0; i < 8; i++)
		plbuf_free(b[i]);
	plbuf_close(ctx);
}

static void kernel_side(void)
{
	int fd = open("/proc/self/pagemap", O_RDONLY);
	char *p = malloc(8 * 4096);
	unsigned batch = bench_smoke ? 1 : 100;
	struct bench_run r;
	uint64_t rec;

	if (fd < 0 || !p) {
		printf("# kernel: skipped: /proc/self/pagemap: %s\n", strerror(errno));
		free(p);
		return;
	}
	memset(p, 1, 8 * 4096);
	bench_run_start(&r, 1000, 1000, 1000);
	while (bench_more(&r)) {
		uint64_t a = bench_ticks();

		for (unsigned i = 0; i < batch; i++)
			if (pread(fd, &rec, 8, (off_t)(((uintptr_t)p + (i & 7) * 4096) / 4096 * 8)) != 8)
				break;
		bench_record(&r, bench_ticks() - a, batch);
	}
	row("kernel", "pagemap pread", &r);
	close(fd);
	free(p);
}

int main(int argc, char **argv)
{
	bench_init(argc, argv);
	bench_pin(0);
	plbuf_side("sim", "coherent=1", "plbuf-sim");
	plbuf_side("hugepage", NULL, "plbuf-hugepage");
	kernel_side();
	return 0;
}
