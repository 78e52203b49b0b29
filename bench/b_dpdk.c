/*
 * b_dpdk - the DPDK side of the comparison (Debian's libdpdk-dev): rte_malloc/rte_free and
 * rte_memzone_reserve/free latency against size, warm and cold; rte_malloc_virt2iova and
 * rte_mem_virt2iova; rte_eal_init's time; rte_malloc from one thread against two.
 *
 *   b_dpdk [--smoke]
 *
 * One EAL per process and no fork after it: this process never starts one, it runs itself again
 * for every measurement ("--child MODE ...").  The EAL runs with --no-pci --in-memory -l 0 on the
 * machine's 2 MiB hugepages (bench/run.sh reserves them), as plbuf's hugepage backend does;
 * --smoke uses --no-huge so that it needs none.
 *
 * Memzones are reserved with RTE_MEMZONE_IOVA_CONTIG: a DMA buffer must be contiguous for the
 * device, as every plbuf buffer is.  rte_malloc gives no such promise beyond a page (it asks the
 * heap for contig=false), which is worth knowing when reading its figures.
 */
#include <pthread.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_memory.h>
#include <rte_memzone.h>

#include "bench.h"

static int eal_start(void)
{
	char *args[16];
	int n = 0;

	args[n++] = "b_dpdk";
	args[n++] = "--no-pci";
	/* --no-huge implies legacy memory, which --in-memory refuses: --no-shconf keeps it private. */
	args[n++] = bench_smoke ? "--no-shconf" : "--in-memory";
	args[n++] = "-l";
	args[n++] = "0";
	args[n++] = "--log-level=error";
	args[n++] = "--no-telemetry";
	if (bench_smoke) {
		args[n++] = "--no-huge";
		args[n++] = "-m";
		args[n++] = "256";
	}
	args[n] = NULL;
	if (rte_eal_init(n, args) < 0) {
		printf("# dpdk: rte_eal_init failed: %s\n", rte_strerror(rte_errno));
		return -1;
	}
	return 0;
}

enum contender { MALLOC, MEMZONE, NCONT };
static const char *const names[NCONT] = {"dpdk-malloc", "dpdk-memzone"};

static inline int one(enum contender c, uint64_t size)
{
	if (c == MALLOC) {
		void *p = rte_malloc(NULL, size, 64);

		if (!p)
			return -1;
		bench_use(p);
		rte_free(p);
		return 0;
	}
	const struct rte_memzone *z = rte_memzone_reserve("b_dpdk", size, SOCKET_ID_ANY,
							  RTE_MEMZONE_IOVA_CONTIG);

	if (!z)
		return -1;
	bench_use(z);
	return rte_memzone_free(z);
}

static int warm(enum contender c, uint64_t size, struct bench_acc *acc)
{
	int small = size <= (1u << 20);
	unsigned warmup = bench_smoke ? 1 : small ? 1000 : 3, batch;
	struct bench_run r;
	double p50, p99, mean;
	uint64_t t0;
	size_t k, loops, n;

	for (unsigned i = 0; i < warmup; i++)
		if (one(c, size) < 0)
			goto fail;
	/* The batch from a pass after the warm-up: the warm-up's first call may fetch a chunk or
	 * build a slab, and a batch sized on that would leave samples at the clock's resolution. */
	t0 = bench_ticks();
	for (unsigned i = 0; i < (warmup + 9) / 10; i++)
		if (one(c, size) < 0)
			goto fail;
	batch = bench_batch(bench_to_ns(bench_ticks() - t0) / ((warmup + 9) / 10));
	bench_run_start(&r, small ? 700 : 5, small ? 7000 : 700, small ? 50 : 130);
	while (bench_more(&r)) {
		uint64_t a = bench_ticks();
		int err = 0;

		for (unsigned i = 0; i < batch; i++)
			err |= one(c, size);
		bench_record(&r, bench_ticks() - a, batch);
		if (err < 0) {
			free(r.t);
			goto fail;
		}
	}
	loops = bench_smoke ? 3 : small ? 7000 : r.n < 20 ? r.n : 20;
	t0 = bench_ticks();
	for (k = 0; k < loops; k++)
		if (one(c, size) < 0)
			break;
	mean = bench_to_ns(bench_ticks() - t0) / (double)(k ? k : 1);
	n = r.n;
	bench_run_stats(&r, &p50, &p99);
	bench_acc_add(acc, n, p50, p99, mean);
	return 0;
fail:
	printf("# %s: %llu bytes failed: %s\n", names[c], (unsigned long long)size,
	       rte_strerror(rte_errno));
	return -1;
}

/* rte_malloc_virt2iova: DPDK's address lookup for heap memory; rte_mem_virt2iova: for any
 * address in its memory (a memseg search). */
static void addr(void)
{
	void *p[8];
	unsigned batch = bench_smoke ? 1 : 1000;
	volatile uint64_t sink = 0;

	for (int i = 0; i < 8; i++)
		if (!(p[i] = rte_malloc(NULL, 4096, 64))) {
			printf("# dpdk: rte_malloc failed: %s\n", rte_strerror(rte_errno));
			return;
		}
	for (int which = 0; which < 2; which++) {
		struct bench_run r;
		double p50, p99;

		bench_run_start(&r, 1000, 1000, 1000);
		while (bench_more(&r)) {
			uint64_t a = bench_ticks(), s = 0;

			for (unsigned i = 0; i < batch; i++)
				s += which ? rte_mem_virt2iova(p[i & 7]) : rte_malloc_virt2iova(p[i & 7]);
			bench_record(&r, bench_ticks() - a, batch);
			sink += s;
		}
		bench_run_stats(&r, &p50, &p99);
		bench_row("addr", which ? "dpdk-mem" : "dpdk-malloc",
			  which ? "rte_mem_virt2iova" : "rte_malloc_virt2iova", 4096, "warm", 1, r.n,
			  p50, p99, p50, "ns");
	}
	for (int i = 0; i < 8; i++)
		rte_free(p[i]);
}

struct job {
	long iters;
	int cpu, failed;
	pthread_barrier_t *start;
	uint64_t start_ns, end_ns, cpu_ns;
};

static void *worker(void *arg)
{
	struct job *j = arg;

	bench_pin(j->cpu);
	for (int i = 0; i < 1000; i++)
		rte_free(rte_malloc(NULL, 64, 64));
	pthread_barrier_wait(j->start);
	j->start_ns = bench_mono_ns();
	j->cpu_ns = bench_thread_cpu_ns();
	for (long i = 0; i < j->iters; i++) {
		void *p = rte_malloc(NULL, 64, 64);

		if (!p) {
			j->failed = 1;
			break;
		}
		bench_use(p);
		rte_free(p);
	}
	j->end_ns = bench_mono_ns();
	j->cpu_ns = bench_thread_cpu_ns() - j->cpu_ns;
	return NULL;
}

static void threads(void)
{
	int reps = bench_smoke ? 1 : 7;
	long iters = bench_smoke ? 100 : 300000;

	for (int n = 1; n <= 2; n++) {
		double v[16], w[16], mean = 0, wmean = 0;
		int k = 0;

		for (int r = 0; r < reps; r++) {
			pthread_t t[2];
			struct job j[2];
			pthread_barrier_t start;
			uint64_t t0 = UINT64_MAX, end = 0, cpu = 0;
			int failed = 0;

			pthread_barrier_init(&start, NULL, (unsigned)n);
			for (int i = 0; i < n; i++) {
				j[i] = (struct job){iters, i, 0, &start, 0, 0, 0};
				pthread_create(&t[i], NULL, worker, &j[i]);
			}
			for (int i = 0; i < n; i++) {
				pthread_join(t[i], NULL);
				failed |= j[i].failed;
				if (j[i].start_ns < t0)
					t0 = j[i].start_ns;
				if (j[i].end_ns > end)
					end = j[i].end_ns;
				cpu += j[i].cpu_ns;
			}
			pthread_barrier_destroy(&start);
			if (failed) {
				printf("# dpdk-malloc: %d threads: rte_malloc failed\n", n);
				return;
			}
			w[k] = (double)n * (double)iters / ((double)cpu / 1e3);
			wmean += w[k];
			v[k] = (double)n * (double)iters / ((double)(end - t0) / 1e3);
			mean += v[k++];
		}
		qsort(v, (size_t)k, sizeof(v[0]), bench_cmp_double);
		qsort(w, (size_t)k, sizeof(w[0]), bench_cmp_double);
		bench_row("threads", "dpdk-malloc", "alloc+free", 64, "warm", n, (size_t)k, v[k / 2],
			  v[0], mean / k, "Mops/s");
		bench_row("threads", "dpdk-malloc", "alloc+free per CPU", 64, "warm", n, (size_t)k,
			  w[k / 2], w[0], wmean / k, "Mops/s");
	}
}

static int child(int argc, char **argv)
{
	const char *mode = argv[2];

	if (strcmp(mode, "eal-init") == 0) {
		uint64_t a = bench_ticks();

		if (eal_start() < 0)
			return 1;
		uint64_t t = bench_ticks() - a;

		printf("SAMPLE %.1f\n", bench_to_ns(t));
		rte_eal_cleanup();
		return 0;
	}
	if (strcmp(mode, "cold") == 0 && argc >= 5) {
		enum contender c = strcmp(argv[3], names[MEMZONE]) == 0 ? MEMZONE : MALLOC;
		uint64_t size = strtoull(argv[4], NULL, 0);

		if (eal_start() < 0)
			return 1;
		uint64_t a = bench_ticks();
		int err = one(c, size);
		uint64_t t = bench_ticks() - a;

		rte_eal_cleanup();
		if (err < 0)
			return 1;
		printf("SAMPLE %.1f\n", bench_to_ns(t > bench_overhead ? t - bench_overhead : 0));
		return 0;
	}
	if (strcmp(mode, "warm") == 0) {
		uint64_t sizes[32];
		int n = bench_sizes(sizes, 32, 2), ok[NCONT] = {2, 2};

		if (eal_start() < 0)
			return 1;
		printf("# b_dpdk: clock overhead %.1f ns subtracted from each sample\n",
		       bench_to_ns(bench_overhead));
		/* As in b_alloc: rounds, and a failed size retried (pages held by another process
		 * for a moment); a contender is given up only after two sizes in a row failed. */
		static struct bench_acc acc[NCONT][32];

		for (int round = 0; round < (bench_smoke ? 1 : BENCH_ROUNDS); round++)
			for (int i = 0; i < n; i++)
				for (int c = 0; c < NCONT; c++) {
					int err = -1;

					for (int try = 0; ok[c] && try < (bench_smoke ? 1 : 3) && err < 0;
					     try++)
						if ((err = warm(c, sizes[i], &acc[c][i])) < 0)
							usleep(300000);
					if (ok[c])
						ok[c] = err < 0 ? ok[c] - 1 : 2;
				}
		for (int i = 0; i < n; i++)
			for (int c = 0; c < NCONT; c++)
				bench_acc_row(&acc[c][i], "alloc", names[c], "alloc+free", sizes[i]);
		addr();
		threads();
		rte_eal_cleanup();
		return 0;
	}
	return 2;
}

/* Runs `b_dpdk --child MODE args` with this process's stdout. */
static int run_child(char **args)
{
	pid_t pid;
	int st;

	fflush(stdout);
	if (posix_spawn(&pid, "/proc/self/exe", NULL, NULL, args, environ) != 0)
		return -1;
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static void cold_rows(const char *bench, const char *contender, const char *op, uint64_t size,
		      char **args, int reps)
{
	double v[64], mean = 0;
	int n = 0;

	for (int i = 0; i < reps && n < 64; i++) {
		double x = bench_fresh(args);

		if (x >= 0) {
			v[n++] = x;
			mean += x;
		}
	}
	if (!n) {
		printf("# %s: cold %s of %llu bytes: no sample (the child failed)\n", contender, op,
		       (unsigned long long)size);
		return;
	}
	qsort(v, (size_t)n, sizeof(v[0]), bench_cmp_double);
	bench_row(bench, contender, op, size, "cold", 1, (size_t)n, v[n / 2], v[n - 1], mean / n,
		  "ns");
}

int main(int argc, char **argv)
{
	char *smoke = NULL;
	uint64_t sizes[32];
	int nsizes;

	bench_init(argc, argv);
	if (argc >= 3 && strcmp(argv[1], "--child") == 0)
		return child(argc, argv);
	if (bench_smoke)
		smoke = "--smoke";
	bench_pin(0);
	{
		char *args[] = {"b_dpdk", "--child", "warm", smoke, NULL};

		if (run_child(args) != 0)
			printf("# dpdk: the warm measurements failed\n");
	}
	{
		char *args[] = {"b_dpdk", "--child", "eal-init", smoke, NULL};

		cold_rows("open", "dpdk", "rte_eal_init", 0, args, bench_smoke ? 1 : 7);
	}
	nsizes = bench_sizes(sizes, 32, 4);
	for (int i = 0; i < nsizes; i++)
		for (int c = 0; c < NCONT; c++) {
			char sz[32];
			char *args[] = {"b_dpdk", "--child", "cold", (char *)names[c], sz, smoke, NULL};

			snprintf(sz, sizeof(sz), "%llu", (unsigned long long)sizes[i]);
			cold_rows("alloc", names[c], "alloc+free", sizes[i], args, bench_smoke ? 1 : 7);
		}
	return 0;
}
