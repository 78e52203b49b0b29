/*
 * bench.h - what every bench/ program shares: a clock fine enough for 10 ns operations, sampling
 * within a time budget, percentiles, fresh-process ("cold") samples, and the CSV rows that
 * bench/run.sh gathers into bench/out/results.csv.
 *
 * CSV columns: bench,contender,op,size,state,threads,n,p50,p99,mean,unit
 *   latency rows: unit "ns", p50/p99 per operation with the clock's own cost subtracted (a sample
 *   is one operation, or the mean of a few for operations shorter than 0.5 us), mean over a tight
 *   loop (no clock inside it); allocation rows are medians of BENCH_ROUNDS sweeps, n their samples
 *   in all; throughput rows: unit "GB/s" or "Mops/s".
 * Lines starting with '#' are comments (what was skipped, and why).
 *
 * Every program takes --smoke: one tiny pass so that `make check` proves it still runs, with no
 * timing worth reading.
 */
#ifndef PLBUF_BENCH_H
#define PLBUF_BENCH_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <sched.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#endif

extern char **environ;

static int bench_smoke;
static double bench_ns_per_tick = 1.0;
static uint64_t bench_overhead; /* ticks the clock itself takes, subtracted from every sample */

static inline uint64_t bench_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The TSC where it is invariant (x86: lfence keeps the operations being timed inside the
 * brackets), else CLOCK_MONOTONIC. */
/* CPU time this thread has used, for throughput per CPU-second beside wall-clock time. */
static inline uint64_t bench_thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline uint64_t bench_ticks(void)
{
#if defined(__x86_64__) || defined(__i386__)
	uint64_t t;

	_mm_lfence();
	t = __rdtsc();
	_mm_lfence();
	return t;
#else
	return bench_mono_ns();
#endif
}

static inline int bench_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static inline int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static inline void bench_init(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--smoke") == 0)
			bench_smoke = 1;
#if defined(__x86_64__) || defined(__i386__)
	uint64_t n0 = bench_mono_ns(), t0 = bench_ticks(), n1, t1;

	do
		n1 = bench_mono_ns();
	while (n1 - n0 < (bench_smoke ? 2000000u : 50000000u));
	t1 = bench_ticks();
	bench_ns_per_tick = (double)(n1 - n0) / (double)(t1 - t0);
#endif
	enum { N = 20001 };
	static uint64_t t[N];

	for (int i = 0; i < N; i++) {
		uint64_t a = bench_ticks();

		t[i] = bench_ticks() - a;
	}
	qsort(t, N, sizeof(t[0]), bench_cmp_u64);
	bench_overhead = t[N / 2];
}

static inline double bench_to_ns(uint64_t ticks)
{
	return (double)ticks * bench_ns_per_tick;
}

/* Samples within a budget: at least min, at most max, and no more once budget_ms has passed.
 * A sample is the mean of k consecutive operations, k chosen (bench_batch) so that a sample lasts
 * well over the clock's resolution: on some virtual machines the TSC moves in 10 ns steps. */
struct bench_run {
	double *t;                /* ns per operation, the clock's cost subtracted */
	size_t n, min, max;
	uint64_t deadline;        /* in ns of CLOCK_MONOTONIC */
};

static inline void bench_run_start(struct bench_run *r, size_t min, size_t max, unsigned budget_ms)
{
	if (bench_smoke) {
		min = max = 3;
		budget_ms = 0;
	}
	if (max < min)
		max = min;
	r->t = malloc(sizeof(*r->t) * max);
	if (!r->t) {
		perror("bench: malloc");
		exit(1);
	}
	r->n = 0;
	r->min = min;
	r->max = max;
	r->deadline = bench_mono_ns() + (uint64_t)budget_ms * 1000000u;
}

static inline int bench_more(struct bench_run *r)
{
	if (r->n >= r->max)
		return 0;
	if (r->n < r->min)
		return 1;
	/* The clock is read every 64 samples only, so as not to disturb the caches much. */
	return (r->n & 63) || bench_mono_ns() < r->deadline;
}

/* Records k operations that took ticks in all. */
static inline void bench_record(struct bench_run *r, uint64_t ticks, unsigned k)
{
	uint64_t t = ticks > bench_overhead ? ticks - bench_overhead : 0;

	r->t[r->n++] = bench_to_ns(t) / k;
}

/* How many operations of about est_ns each make one sample. */
static inline unsigned bench_batch(double est_ns)
{
	if (bench_smoke || est_ns >= 500)
		return 1;
	unsigned k = (unsigned)(1000 / (est_ns > 1 ? est_ns : 1));

	return k < 1 ? 1 : k > 256 ? 256 : k;
}

/* p50 and p99 of the samples, in ns per operation. */
static inline void bench_run_stats(struct bench_run *r, double *p50, double *p99)
{
	size_t n = r->n;

	qsort(r->t, n, sizeof(r->t[0]), bench_cmp_double);
	*p50 = r->t[n / 2];
	*p99 = r->t[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1];
	free(r->t);
	r->t = NULL;
}

static inline void bench_row(const char *bench, const char *contender, const char *op,
			     uint64_t size, const char *state, int threads, size_t n, double p50,
			     double p99, double mean, const char *unit)
{
	printf("%s,%s,%s,%llu,%s,%d,%zu,%.2f,%.2f,%.2f,%s\n", bench, contender, op,
	       (unsigned long long)size, state, threads, n, p50, p99, mean, unit);
	fflush(stdout);
}

/* Warm measurements are swept ROUNDS times over every size and contender, and each figure is the
 * median of its rounds: a burst of other work on the machine spoils one round, not the figure. */
#define BENCH_ROUNDS 3

struct bench_acc {
	int k;
	size_t n;
	double p50[BENCH_ROUNDS], p99[BENCH_ROUNDS], mean[BENCH_ROUNDS];
};

static inline void bench_acc_add(struct bench_acc *a, size_t n, double p50, double p99,
				 double mean)
{
	if (a->k >= BENCH_ROUNDS)
		return;
	a->p50[a->k] = p50;
	a->p99[a->k] = p99;
	a->mean[a->k++] = mean;
	a->n += n;
}

static inline double bench_median(double *v, int k)
{
	qsort(v, (size_t)k, sizeof(v[0]), bench_cmp_double);
	return k % 2 ? v[k / 2] : (v[k / 2 - 1] + v[k / 2]) / 2;
}

static inline void bench_acc_row(struct bench_acc *a, const char *bench, const char *contender,
				 const char *op, uint64_t size)
{
	if (!a->k)
		return;
	bench_row(bench, contender, op, size, "warm", 1, a->n, bench_median(a->p50, a->k),
		  bench_median(a->p99, a->k), bench_median(a->mean, a->k), "ns");
}

/* The sizes of the latency-against-size curves: 64 B to 64 MiB by factors of step (2 or 4). */
static inline int bench_sizes(uint64_t *out, int max, unsigned step)
{
	int n = 0;

	if (bench_smoke) {
		out[n++] = 64;
		out[n++] = 4096;
		return n;
	}
	for (uint64_t s = 64; s <= (64u << 20) && n < max; s *= step)
		out[n++] = s;
	return n;
}

/* Runs this program again as `exe args...` in a fresh process and reads the number it prints
 * after "SAMPLE ": a cold sample, which no allocator state of this process can warm.  Returns < 0
 * on failure. */
static inline double bench_fresh(char *const args[])
{
	int fd[2];
	pid_t pid;
	char buf[4096];
	ssize_t len = 0, k;
	int st;
	posix_spawn_file_actions_t fa;

	if (pipe(fd) < 0)
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fd[1], 1);
	posix_spawn_file_actions_addclose(&fa, fd[0]);
	fflush(stdout);
	if (posix_spawn(&pid, "/proc/self/exe", &fa, NULL, args, environ) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		close(fd[0]);
		close(fd[1]);
		return -1;
	}
	posix_spawn_file_actions_destroy(&fa);
	close(fd[1]);
	while (len < (ssize_t)sizeof(buf) - 1 &&
	       (k = read(fd[0], buf + len, sizeof(buf) - 1 - (size_t)len)) > 0)
		len += k;
	close(fd[0]);
	buf[len] = 0;
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return -1;
	/* The child may print other things (a library's log): the sample is the "SAMPLE" line. */
	char *m = strstr(buf, "SAMPLE ");

	return m ? strtod(m + 7, NULL) : -1;
}

/* Keeps the process on one CPU, so that migrations do not land in the samples. */
static inline void bench_pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

/* Keeps the compiler from dropping work whose result is unused. */
static inline void bench_use(const void *p)
{
	__asm__ __volatile__("" : : "r"(p) : "memory");
}

#endif
