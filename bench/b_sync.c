/*
 * b_sync - flush and invalidate of a whole cached buffer in the sim backend's non-coherent mode
 * (each moves every line between the CPU's view and device memory, as a cache clean or invalidate
 * moves lines to DRAM), beside memcpy of the same size; and flush on coherent memory (a fence,
 * no system call) in the sim and hugepage backends.
 *
 *   b_sync [--smoke]
 *
 * Rows: unit GB/s for the throughputs (size / time: p50 from the median time, p99 from the 99th
 * percentile time), unit ns for the coherent flush.
 */
#include "bench.h"
#include "plbuf.h"

static void gbps_row(const char *contender, const char *op, uint64_t size, struct bench_run *r)
{
	double p50, p99, n = (double)r->n;

	bench_run_stats(r, &p50, &p99);
	bench_row("sync", contender, op, size, "warm", 1, (size_t)n, (double)size / p50,
		  (double)size / p99, (double)size / p50, "GB/s");
}

static void noncoherent(void)
{
	plbuf_ctx *ctx = plbuf_open("sim", "coherent=0 banks=DDR0@0x40000000:256M");
	uint64_t sizes[32];
	int n;

	if (!ctx) {
		printf("# plbuf-sim: skipped: %s\n", plbuf_errmsg());
		return;
	}
	/* 4 KiB to 64 MiB: a sync is page-sized at the least in practice. */
	n = 0;
	for (uint64_t sz = 4096; sz <= (bench_smoke ? 4096u : 64u << 20); sz *= 4)
		sizes[n++] = sz;
	for (int i = 0; i < n; i++) {
		uint64_t size = sizes[i];
		int64_t shape[1] = {(int64_t)size};
		plbuf_buf *b = plbuf_allocate(ctx, 1, shape, "u1", NULL);
		/* Page-aligned, as the sim's two views of the buffer are: memcpy's speed depends on it. */
		char *src = aligned_alloc(4096, size), *dst = aligned_alloc(4096, size);

		if (!b || !src || !dst) {
			printf("# plbuf-sim: %llu bytes: %s\n", (unsigned long long)size, plbuf_errmsg());
			free(src);
			free(dst);
			plbuf_free(b);
			break;
		}
		memset(src, 1, size);
		memset(dst, 2, size);
		memset(plbuf_data(b), 3, size);
		unsigned budget = size >= (16u << 20) ? 1500 : 300;

		for (int k = 0; k < 3; k++) {
			struct bench_run r;
			unsigned batch;
			uint64_t a = bench_ticks();

#define SYNC_OP()                                   \
	do {                                        \
		if (k == 0)                         \
			plbuf_flush(b);             \
		else if (k == 1)                    \
			plbuf_invalidate(b);        \
		else                                \
			memcpy(dst, src, size);     \
		bench_use(dst);                     \
	} while (0)
			for (int w = 0; w < 4; w++)
				SYNC_OP();
			batch = bench_batch(bench_to_ns(bench_ticks() - a) / 4);
			bench_run_start(&r, 10, 5000, budget);
			while (bench_more(&r)) {
				a = bench_ticks();
				for (unsigned j = 0; j < batch; j++)
					SYNC_OP();
				bench_record(&r, bench_ticks() - a, batch);
			}
			gbps_row(k == 2 ? "memcpy" : "plbuf-sim-noncoherent",
				 k == 0 ? "flush" : k == 1 ? "invalidate" : "memcpy", size, &r);
		}
		plbuf_free(b);
		free(src);
		free(dst);
	}
	plbuf_close(ctx);
}

static void coherent(const char *backend, const char *opts, const char *contender)
{
	plbuf_ctx *ctx = plbuf_open(backend, opts);
	int64_t n = 4096;
	plbuf_buf *b = ctx ? plbuf_allocate(ctx, 1, &n, "u1", NULL) : NULL;
	unsigned batch = bench_smoke ? 1 : 100;
	struct bench_run r;
	double p50, p99;

	if (!b) {
		printf("# %s: skipped: %s\n", contender, plbuf_errmsg());
		plbuf_close(ctx);
		return;
	}
	bench_run_start(&r, 1000, 1000, 1000);
	while (bench_more(&r)) {
		uint64_t a = bench_ticks();

		for (unsigned i = 0; i < batch; i++)
			plbuf_flush(b);
		bench_record(&r, bench_ticks() - a, batch);
	}
	bench_run_stats(&r, &p50, &p99);
	bench_row("sync", contender, "flush (coherent)", 4096, "warm", 1, r.n, p50, p99, p50, "ns");
	plbuf_free(b);
	plbuf_close(ctx);
}

int main(int argc, char **argv)
{
	bench_init(argc, argv);
	bench_pin(0);
	noncoherent();
	coherent("sim", "coherent=1", "plbuf-sim");
	coherent("hugepage", NULL, "plbuf-hugepage");
	return 0;
}
