/*
 * b_sync - flush and invalidate of a whole cached buffer in the sim backend's non-coherent mode,
 * with the DMA-API checker off and on, beside memcpy of the same size (the sim's cache model moves
 * lines between the CPU's view and device memory, as a cache clean or invalidate moves lines to
 * DRAM); and flush on coherent memory (a fence, no system call) in the sim and hugepage backends.
 *
 *   b_sync [--smoke]
 *
 * Non-coherent ops, 4 KiB to 16 MiB: "flush (clean)" finds every line clean (it compares each line
 * with what it held when last cleaned, and writes nothing back); "flush (dirty)" finds every line
 * dirty (the CPU wrote one byte of each line, untimed, before each sample) and writes them all
 * back; "invalidate" refills every line from device memory.  Contenders "plbuf-sim" (checker off)
 * and "plbuf-sim-checked" (check=1).
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

static void dirty_lines(char *p, uint64_t size)
{
	for (uint64_t i = 0; i < size; i += 64)
		p[i]++;
}

/* op 0 flush (clean), 1 flush (dirty), 2 invalidate, 3 memcpy */
static void measure(int op, plbuf_buf *b, char *src, char *dst, uint64_t size, const char *who)
{
	static const char *const name[] = {"flush (clean)", "flush (dirty)", "invalidate", "memcpy"};
	unsigned budget = size >= (4u << 20) ? 1500 : 300, batch = 1;
	struct bench_run r;
	uint64_t a;

#define SYNC_OP()                                                                          \
	do {                                                                               \
		if (op == 0 || op == 1)                                                    \
			plbuf_flush(b);                                                    \
		else if (op == 2)                                                          \
			plbuf_invalidate(b);                                               \
		else                                                                       \
			memcpy(dst, src, size);                                            \
		bench_use(dst);                                                            \
	} while (0)
	if (op != 1) {
		a = bench_ticks();
		for (int w = 0; w < 4; w++)
			SYNC_OP();
		batch = bench_batch(bench_to_ns(bench_ticks() - a) / 4);
	}
	bench_run_start(&r, 10, 5000, budget);
	while (bench_more(&r)) {
		if (op == 1)
			dirty_lines(plbuf_data(b), size);
		a = bench_ticks();
		for (unsigned j = 0; j < batch; j++)
			SYNC_OP();
		bench_record(&r, bench_ticks() - a, batch);
	}
	gbps_row(who, name[op], size, &r);
}

static void noncoherent(void)
{
	plbuf_ctx *ctx[2] = {plbuf_open("sim", "coherent=0 check=0 banks=DDR0@0x40000000:64M"),
			     plbuf_open("sim", "coherent=0 check=1 banks=DDR0@0x40000000:64M")};
	const char *who[2] = {"plbuf-sim", "plbuf-sim-checked"};

	if (!ctx[0] || !ctx[1]) {
		printf("# plbuf-sim: skipped: %s\n", plbuf_errmsg());
		plbuf_close(ctx[0]);
		plbuf_close(ctx[1]);
		return;
	}
	/* 4 KiB to 16 MiB: a sync is page-sized at the least in practice. */
	for (uint64_t size = 4096; size <= (bench_smoke ? 4096u : 16u << 20); size *= 4) {
		int64_t shape[1] = {(int64_t)size};
		plbuf_buf *b[2] = {plbuf_allocate(ctx[0], 1, shape, "u1", NULL),
				   plbuf_allocate(ctx[1], 1, shape, "u1", NULL)};
		/* Page-aligned, as the sim's views of the buffer are: memcpy's speed depends on it. */
		char *src = aligned_alloc(4096, size), *dst = aligned_alloc(4096, size);

		if (!b[0] || !b[1] || !src || !dst) {
			printf("# plbuf-sim: %llu bytes: %s\n", (unsigned long long)size, plbuf_errmsg());
			free(src);
			free(dst);
			plbuf_free(b[0]);
			plbuf_free(b[1]);
			break;
		}
		memset(src, 1, size);
		memset(dst, 2, size);
		for (int k = 0; k < 2; k++) {
			memset(plbuf_data(b[k]), 3, size);
			plbuf_flush(b[k]);
		}
		/* Interleaved: a disturbance of the (shared) machine hits every contender alike. */
		measure(3, NULL, src, dst, size, "memcpy");
		for (int op = 0; op < 3; op++)
			for (int k = 0; k < 2; k++)
				measure(op, b[k], src, dst, size, who[k]);
		plbuf_free(b[0]);
		plbuf_free(b[1]);
		free(src);
		free(dst);
	}
	plbuf_close(ctx[0]);
	plbuf_close(ctx[1]);
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
