/*
 * b_alloc - allocate+free latency against size, warm and cold, for plbuf and for what users would
 * otherwise use on the same machine: glibc malloc/free, and the kernel limit for DMA memory (mmap
 * of hugepages with MAP_POPULATE, plus reading each page's physical address from pagemap, then
 * munmap).  DPDK is in b_dpdk (it needs its own process).
 *
 *   b_alloc [--smoke] [--contenders plbuf-sim,plbuf-hugepage,glibc,kernel] [--no-cold]
 *
 * warm: the same size allocated and freed over and over (the allocator's pools are hot).
 * cold: the first allocate+free of that size in a fresh process, after the allocator's setup
 *       (plbuf_open, opening pagemap) which is not counted.
 */
#include <fcntl.h>
#include <sys/mman.h>

#include "bench.h"
#include "plbuf.h"

#define HUGE_2M (2u << 20)

enum contender { PLBUF_SIM, PLBUF_HUGEPAGE, GLIBC, KERNEL, NCONT };
static const char *const names[NCONT] = {"plbuf-sim", "plbuf-hugepage", "glibc", "kernel"};

struct state {
	plbuf_ctx *ctx;
	int pagemap;
};

static int setup(enum contender c, struct state *s)
{
	memset(s, 0, sizeof(*s));
	s->pagemap = -1;
	switch (c) {
	case PLBUF_SIM:
		/* A coherent bank, as x86 DMA is: no clean at allocation. */
		s->ctx = plbuf_open("sim", "coherent=1");
		break;
	case PLBUF_HUGEPAGE:
		s->ctx = plbuf_open("hugepage", NULL);
		break;
	case GLIBC:
		return 0;
	case KERNEL:
		s->pagemap = open("/proc/self/pagemap", O_RDONLY);
		if (s->pagemap < 0) {
			printf("# kernel: skipped: /proc/self/pagemap: %s\n", strerror(errno));
			return -1;
		}
		return 0;
	default:
		return -1;
	}
	if (!s->ctx) {
		printf("# %s: skipped: %s\n", names[c], plbuf_errmsg());
		return -1;
	}
	return 0;
}

static void teardown(struct state *s)
{
	plbuf_close(s->ctx);
	if (s->pagemap >= 0)
		close(s->pagemap);
}

/* The kernel limit: what any DMA allocator must at least do to hand out size bytes of hugepage
 * memory with known physical addresses. */
static inline int kernel_alloc_free(int pagemap, uint64_t size)
{
	size_t len = (size + HUGE_2M - 1) & ~(size_t)(HUGE_2M - 1);
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_POPULATE, -1, 0);
	uint64_t rec;

	if (p == MAP_FAILED)
		return -1;
	for (size_t off = 0; off < len; off += HUGE_2M)
		if (pread(pagemap, &rec, 8, (off_t)(((uintptr_t)p + off) / 4096 * 8)) != 8 ||
		    !(rec & (1ull << 63))) {
			munmap(p, len);
			return -1;
		}
	munmap(p, len);
	return 0;
}

static inline int one(enum contender c, struct state *s, uint64_t size, const int64_t *shape)
{
	switch (c) {
	case PLBUF_SIM:
	case PLBUF_HUGEPAGE: {
		plbuf_buf *b = plbuf_allocate(s->ctx, 1, shape, "u1", NULL);

		if (!b)
			return -1;
		bench_use(b);
		return plbuf_free(b);
	}
	case GLIBC: {
		void *p = malloc(size);

		if (!p)
			return -1;
		bench_use(p);
		free(p);
		return 0;
	}
	case KERNEL:
		return kernel_alloc_free(s->pagemap, size);
	default:
		return -1;
	}
}

static int warm(enum contender c, struct state *s, uint64_t size, struct bench_acc *acc)
{
	int64_t shape[1] = {(int64_t)size};
	int small = size <= (1u << 20);
	struct bench_run r;
	double p50, p99, mean;
	uint64_t t0;
	size_t k, loops, n;

	unsigned warmup = bench_smoke ? 1 : small ? 1000 : 3, batch;

	for (unsigned i = 0; i < warmup; i++)
		if (one(c, s, size, shape) < 0)
			goto fail;
	/* The batch from a pass after the warm-up: the warm-up's first call may fetch a chunk or
	 * build a slab, and a batch sized on that would leave samples at the clock's resolution. */
	t0 = bench_ticks();
	for (unsigned i = 0; i < (warmup + 9) / 10; i++)
		if (one(c, s, size, shape) < 0)
			goto fail;
	batch = bench_batch(bench_to_ns(bench_ticks() - t0) / ((warmup + 9) / 10));
	bench_run_start(&r, small ? 700 : 5, small ? 7000 : 700, small ? 50 : 130);
	while (bench_more(&r)) {
		uint64_t a = bench_ticks();
		int err = 0;

		for (unsigned i = 0; i < batch; i++)
			err |= one(c, s, size, shape);
		bench_record(&r, bench_ticks() - a, batch);
		if (err < 0) {
			free(r.t);
			goto fail;
		}
	}
	/* The mean over a loop with no clock inside it, as a check on the per-operation figures. */
	loops = bench_smoke ? 3 : small ? 7000 : r.n < 20 ? r.n : 20;
	t0 = bench_ticks();
	for (k = 0; k < loops; k++)
		if (one(c, s, size, shape) < 0)
			break;
	mean = bench_to_ns(bench_ticks() - t0) / (double)(k ? k : 1);
	n = r.n;
	bench_run_stats(&r, &p50, &p99);
	bench_acc_add(acc, n, p50, p99, mean);
	return 0;
fail:
	printf("# %s: %llu bytes failed: %s\n", names[c], (unsigned long long)size,
	       c == GLIBC || c == KERNEL ? strerror(errno) : plbuf_errmsg());
	return -1;
}

/* Child side of a cold sample: set up, then time the very first allocate+free. */
static int cold_one(const char *name, uint64_t size)
{
	int64_t shape[1] = {(int64_t)size};
	struct state s;
	enum contender c;

	for (c = 0; c < NCONT; c++)
		if (strcmp(names[c], name) == 0)
			break;
	if (c == NCONT || setup(c, &s) < 0)
		return 1;
	uint64_t a = bench_ticks();
	int err = one(c, &s, size, shape);
	uint64_t t = bench_ticks() - a;

	teardown(&s);
	if (err < 0)
		return 1;
	printf("SAMPLE %.1f\n", bench_to_ns(t > bench_overhead ? t - bench_overhead : 0));
	return 0;
}

static void cold(enum contender c, uint64_t size, int reps)
{
	double v[64];
	int n = 0;
	char sz[32];
	char *args[] = {"b_alloc", "--cold-one", (char *)names[c], sz, NULL, NULL};

	snprintf(sz, sizeof(sz), "%llu", (unsigned long long)size);
	if (bench_smoke)
		args[4] = "--smoke";
	for (int i = 0; i < reps && n < 64; i++) {
		double x = bench_fresh(args);

		if (x >= 0)
			v[n++] = x;
	}
	if (!n) {
		printf("# %s: cold %s bytes: no sample (the child failed)\n", names[c], sz);
		return;
	}
	qsort(v, (size_t)n, sizeof(v[0]), bench_cmp_double);
	double mean = 0;

	for (int i = 0; i < n; i++)
		mean += v[i] / n;
	/* With a handful of samples, "p99" is the slowest one. */
	bench_row("alloc", names[c], "alloc+free", size, "cold", 1, (size_t)n, v[n / 2], v[n - 1],
		  mean, "ns");
}

int main(int argc, char **argv)
{
	int want[NCONT] = {1, 1, 1, 1}, do_cold = 1;
	uint64_t sizes[32];
	int nsizes;
	struct state st[NCONT];
	static struct bench_acc acc[NCONT][32];
	int ok[NCONT];

	bench_init(argc, argv);
	if (argc >= 4 && strcmp(argv[1], "--cold-one") == 0)
		return cold_one(argv[2], strtoull(argv[3], NULL, 0));
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--no-cold") == 0) {
			do_cold = 0;
		} else if (strcmp(argv[i], "--contenders") == 0 && i + 1 < argc) {
			memset(want, 0, sizeof(want));
			for (int c = 0; c < NCONT; c++)
				want[c] = strstr(argv[i + 1], names[c]) != NULL;
			i++;
		}
	}
	bench_pin(0);
	printf("# b_alloc: clock overhead %.1f ns subtracted from each sample\n",
	       bench_to_ns(bench_overhead));
	for (int c = 0; c < NCONT; c++)
		ok[c] = want[c] && setup(c, &st[c]) == 0;
	/* Size by size, every contender in turn: a disturbance of the machine hits all alike.  A
	 * failure may be another process holding the hugepages for a moment: try again before
	 * giving up on that size, and go on with the next one. */
	nsizes = bench_sizes(sizes, 32, 2);
	for (int round = 0; round < (bench_smoke ? 1 : BENCH_ROUNDS); round++)
		for (int i = 0; i < nsizes; i++)
			for (int c = 0; c < NCONT; c++)
				for (int try = 0; ok[c] && try < (bench_smoke ? 1 : 3) &&
						 warm(c, &st[c], sizes[i], &acc[c][i]) < 0; try++)
					usleep(300000);
	for (int i = 0; i < nsizes; i++)
		for (int c = 0; c < NCONT; c++)
			bench_acc_row(&acc[c][i], "alloc", names[c], "alloc+free", sizes[i]);
	for (int c = 0; c < NCONT; c++)
		if (want[c])
			teardown(&st[c]);
	if (!do_cold)
		return 0;
	nsizes = bench_sizes(sizes, 32, 4);
	for (int i = 0; i < nsizes; i++)
		for (int c = 0; c < NCONT; c++)
			if (want[c])
				cold(c, sizes[i], bench_smoke ? 1 : 7);
	return 0;
}
