/*
 * plbuf bench [--quick]: allocation and cache-maintenance latency on the sim backend, each beside
 * glibc in the same run.  Informative only: the tests never time anything (bench/ holds the full
 * comparison against DPDK and the kernel).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void pct(uint64_t *t, int n, uint64_t *p50, uint64_t *p99)
{
	qsort(t, (size_t)n, sizeof(*t), cmp_u64);
	*p50 = t[n / 2];
	*p99 = t[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1];
}

/* Keeps the compiler from dropping malloc/free pairs whose result is unused. */
static void *volatile sink;

static int bench_alloc(plbuf_ctx *ctx, uint64_t size, int iters, uint64_t *res)
{
	uint64_t *t = malloc(sizeof(*t) * (size_t)iters);
	int64_t shape[1] = {(int64_t)size};

	if (!t)
		return -1;
	for (int i = 0; i < iters; i++) {
		uint64_t t0 = now_ns();
		plbuf_buf *b = plbuf_allocate(ctx, 1, shape, "u1", NULL);

		if (!b) {
			fprintf(stderr, "bench: %s\n", plbuf_errmsg());
			free(t);
			return -1;
		}
		plbuf_free(b);
		t[i] = now_ns() - t0;
	}
	pct(t, iters, &res[0], &res[1]);
	for (int i = 0; i < iters; i++) {
		uint64_t t0 = now_ns();

		sink = malloc(size);
		free(sink);
		t[i] = now_ns() - t0;
	}
	pct(t, iters, &res[2], &res[3]);
	free(t);
	return 0;
}

static int bench_sync(plbuf_ctx *ctx, uint64_t size, int iters, uint64_t *res)
{
	uint64_t *t = malloc(sizeof(*t) * (size_t)iters);
	int64_t shape[1] = {(int64_t)size};
	plbuf_buf *b = plbuf_allocate(ctx, 1, shape, "u1", NULL);
	char *src = malloc(size), *dst = malloc(size);

	if (!t || !b || !src || !dst) {
		fprintf(stderr, "bench: %s\n", plbuf_errmsg());
		free(t), free(src), free(dst), plbuf_free(b);
		return -1;
	}
	memset(src, 1, size);
	memset(plbuf_data(b), 1, size);
	for (int k = 0; k < 3; k++) {
		for (int i = 0; i < iters; i++) {
			uint64_t t0 = now_ns();

			if (k == 0)
				plbuf_flush(b);
			else if (k == 1)
				plbuf_invalidate(b);
			else {
				memcpy(dst, src, size);
				sink = dst;
			}
			t[i] = now_ns() - t0;
		}
		uint64_t p99;

		pct(t, iters, &res[k], &p99);
	}
	free(t);
	free(src);
	free(dst);
	plbuf_free(b);
	return 0;
}

int cmd_bench(int argc, char **argv)
{
	int quick = argc > 1 && strcmp(argv[1], "--quick") == 0;
	plbuf_ctx *ctx = plbuf_open("sim", "coherent=1 banks=DDR0@0x40000000:1G");
	plbuf_ctx *nc = plbuf_open("sim", "coherent=0 banks=DDR0@0x40000000:1G");
	char s[32];
	uint64_t r[4];

	if (!ctx || !nc) {
		fprintf(stderr, "bench: %s\n", plbuf_errmsg());
		plbuf_close(ctx);
		return 1;
	}
	printf("allocate+free latency, ns (sim backend, coherent bank; glibc malloc+free in the same "
	       "run)\n");
	printf("%10s %10s %10s %11s %11s %9s\n", "size", "plbuf p50", "plbuf p99", "malloc p50",
	       "malloc p99", "p50 ratio");
	for (uint64_t size = 64; size <= (64u << 20); size *= 4) {
		int iters = size >= (4u << 20) ? (quick ? 5 : 50) : (quick ? 200 : 5000);

		if (bench_alloc(ctx, size, iters, r) < 0)
			goto out;
		printf("%10s %10llu %10llu %11llu %11llu %8.2fx\n", cli_size(size, s, sizeof(s)),
		       (unsigned long long)r[0], (unsigned long long)r[1], (unsigned long long)r[2],
		       (unsigned long long)r[3], r[2] ? (double)r[0] / (double)r[2] : 0.0);
	}
	printf("\nflush / invalidate of a whole cached buffer, ns p50 (sim, non-coherent bank: each\n"
	       "moves every line between the CPU's view and device memory), beside memcpy of the same "
	       "size\n");
	printf("%10s %10s %11s %10s\n", "size", "flush", "invalidate", "memcpy");
	for (uint64_t size = 4096; size <= (16u << 20); size *= 16) {
		if (bench_sync(nc, size, quick ? 10 : 200, r) < 0)
			goto out;
		printf("%10s %10llu %11llu %10llu\n", cli_size(size, s, sizeof(s)),
		       (unsigned long long)r[0], (unsigned long long)r[1], (unsigned long long)r[2]);
	}
	int64_t one[1] = {4096};
	plbuf_buf *b = plbuf_allocate(ctx, 1, one, "u1", NULL);
	uint64_t t0 = now_ns();

	for (int i = 0; i < 100000; i++)
		plbuf_flush(b);
	printf("\nflush of a coherent buffer (a fence, no system call): %.1f ns\n",
	       (double)(now_ns() - t0) / 100000.0);
	plbuf_free(b);
out:
	plbuf_close(ctx);
	plbuf_close(nc);
	return 0;
}
