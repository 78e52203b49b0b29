/*
 * b_threads - allocate+free throughput of one thread against two, each thread on its own CPU and
 * its own buffers, all from one context (plbuf) or one heap (glibc).  DPDK's is in b_dpdk.
 *
 *   b_threads [--smoke] [--contenders plbuf-sim,plbuf-hugepage,glibc]
 *
 * Rows: unit Mops/s (allocate+free pairs per second, all threads together); p50 is the median of
 * the repetitions, p99 the slowest one, mean their mean.  op "2/1 paired" (unit x): two threads'
 * throughput over one thread's, repetition by repetition (one then two threads, alternately), the
 * median of those ratios in p50 and the smallest in p99.  op "alloc+free per CPU" divides by the
 * CPU time the threads were given instead of the wall-clock time: on a machine that other work
 * keeps busy, it tells contention inside the allocator (a drop) from CPUs taken by others (none).
 */
#include <pthread.h>

#include "bench.h"
#include "plbuf.h"

enum contender { PLBUF_SIM, PLBUF_HUGEPAGE, GLIBC, NCONT };
static const char *const names[NCONT] = {"plbuf-sim", "plbuf-hugepage", "glibc"};

struct job {
	enum contender c;
	plbuf_ctx *ctx;
	uint64_t size;
	long iters;
	int cpu, failed;
	pthread_barrier_t *start;
	uint64_t start_ns, end_ns, cpu_ns;
};

static void *worker(void *arg)
{
	struct job *j = arg;
	int64_t shape[1] = {(int64_t)j->size};

	bench_pin(j->cpu);
	/* Warm this thread's caches before the clock starts. */
	for (int i = 0; i < 1000; i++) {
		if (j->c == GLIBC) {
			void *p = malloc(j->size);

			bench_use(p);
			free(p);
		} else {
			plbuf_free(plbuf_allocate(j->ctx, 1, shape, "u1", NULL));
		}
	}
	pthread_barrier_wait(j->start);
	j->start_ns = bench_mono_ns();
	j->cpu_ns = bench_thread_cpu_ns();
	for (long i = 0; i < j->iters; i++) {
		if (j->c == GLIBC) {
			void *p = malloc(j->size);

			bench_use(p);
			free(p);
		} else {
			plbuf_buf *b = plbuf_allocate(j->ctx, 1, shape, "u1", NULL);

			if (!b) {
				j->failed = 1;
				break;
			}
			bench_use(b);
			plbuf_free(b);
		}
	}
	j->end_ns = bench_mono_ns();
	j->cpu_ns = bench_thread_cpu_ns() - j->cpu_ns;
	return NULL;
}

/* One repetition with n threads: pairs per microsecond, all threads together, of wall-clock time
 * (returned) and of CPU time (*per_cpu). */
static double rep(enum contender c, plbuf_ctx *ctx, uint64_t size, int n, long iters,
		  double *per_cpu)
{
	pthread_t t[2];
	struct job j[2];
	pthread_barrier_t start;
	uint64_t t0 = UINT64_MAX, end = 0, cpu = 0;

	pthread_barrier_init(&start, NULL, (unsigned)n + 1);
	for (int i = 0; i < n; i++) {
		j[i] = (struct job){c, ctx, size, iters, i, 0, &start, 0, 0, 0};
		pthread_create(&t[i], NULL, worker, &j[i]);
	}
	pthread_barrier_wait(&start);
	/* From the first thread's start to the last one's end. */
	for (int i = 0; i < n; i++) {
		pthread_join(t[i], NULL);
		if (j[i].start_ns < t0)
			t0 = j[i].start_ns;
		cpu += j[i].cpu_ns;
		if (j[i].failed)
			end = UINT64_MAX;
		else if (end != UINT64_MAX && j[i].end_ns > end)
			end = j[i].end_ns;
	}
	pthread_barrier_destroy(&start);
	if (end == UINT64_MAX)
		return -1;
	*per_cpu = (double)n * (double)iters / ((double)cpu / 1e3);
	return (double)n * (double)iters / ((double)(end - t0) / 1e3);
}

int main(int argc, char **argv)
{
	int want[NCONT] = {1, 1, 1};
	const uint64_t sizes[] = {64, 4096};
	int reps = 15;
	long iters = 2000000;

	bench_init(argc, argv);
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--contenders") == 0 && i + 1 < argc) {
			for (int c = 0; c < NCONT; c++)
				want[c] = strstr(argv[i + 1], names[c]) != NULL;
			i++;
		}
	if (bench_smoke) {
		reps = 1;
		iters = 100;
	}
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		printf("# b_threads: only one CPU online: two threads share it\n");
	for (int c = 0; c < NCONT; c++) {
		plbuf_ctx *ctx = NULL;

		if (!want[c])
			continue;
		if (c != GLIBC) {
			ctx = plbuf_open(c == PLBUF_SIM ? "sim" : "hugepage",
					 c == PLBUF_SIM ? "coherent=1" : NULL);
			if (!ctx) {
				printf("# %s: skipped: %s\n", names[c], plbuf_errmsg());
				continue;
			}
		}
		for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
			/* One thread and two in alternation, so that each pair of repetitions sees the
			 * machine in the same state; the scaling row is the median of the pairs' ratios. */
			double v[2][32], w[2][32], pair[32], mean[2] = {0, 0}, wmean[2] = {0, 0};
			int k = 0, failed = 0;

			for (int r = 0; r < reps && !failed; r++) {
				for (int n = 1; n <= 2; n++) {
					double x = rep(c, ctx, sizes[s], n, iters, &w[n - 1][k]);

					if (x < 0) {
						printf("# %s: %d threads failed: %s\n", names[c], n,
						       plbuf_errmsg());
						failed = 1;
						break;
					}
					v[n - 1][k] = x;
					mean[n - 1] += x;
					wmean[n - 1] += w[n - 1][k];
				}
				if (!failed) {
					pair[k] = v[1][k] / v[0][k];
					k++;
				}
			}
			if (!k)
				continue;
			for (int n = 1; n <= 2; n++) {
				qsort(v[n - 1], (size_t)k, sizeof(double), bench_cmp_double);
				qsort(w[n - 1], (size_t)k, sizeof(double), bench_cmp_double);
				bench_row("threads", names[c], "alloc+free", sizes[s], "warm", n,
					  (size_t)k, v[n - 1][k / 2], v[n - 1][0], mean[n - 1] / k,
					  "Mops/s");
				bench_row("threads", names[c], "alloc+free per CPU", sizes[s], "warm",
					  n, (size_t)k, w[n - 1][k / 2], w[n - 1][0], wmean[n - 1] / k,
					  "Mops/s");
			}
			double pmean = 0;

			for (int i = 0; i < k; i++)
				pmean += pair[i] / k;
			qsort(pair, (size_t)k, sizeof(double), bench_cmp_double);
			bench_row("threads", names[c], "2/1 paired", sizes[s], "warm", 2, (size_t)k,
				  pair[k / 2], pair[0], pmean, "x");
		}
		plbuf_close(ctx);
	}
	return 0;
}
