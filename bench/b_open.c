/*
 * b_open - what opening a context costs: plbuf_open and plbuf_close of the sim backend (which
 * creates and maps its 512 MiB sparse shared-memory file) and of the hugepage backend, warm (again
 * and again in one process) and cold (the first open of a fresh process).  DPDK's rte_eal_init is
 * in b_dpdk.
 *
 *   b_open [--smoke]
 */
#include "bench.h"
#include "plbuf.h"

static const char *const backends[] = {"sim", "hugepage"};
static const char *const names[] = {"plbuf-sim", "plbuf-hugepage"};

static int cold_one(const char *backend)
{
	uint64_t a = bench_ticks();
	plbuf_ctx *ctx = plbuf_open(backend, NULL);
	uint64_t t = bench_ticks() - a;

	if (!ctx)
		return 1;
	plbuf_close(ctx);
	printf("SAMPLE %.1f\n", bench_to_ns(t > bench_overhead ? t - bench_overhead : 0));
	return 0;
}

int main(int argc, char **argv)
{
	bench_init(argc, argv);
	if (argc >= 3 && strcmp(argv[1], "--cold-one") == 0)
		return cold_one(argv[2]);
	bench_pin(0);
	for (int k = 0; k < 2; k++) {
		struct bench_run ro, rc;
		double p50, p99, mean = 0;
		plbuf_ctx *ctx = plbuf_open(backends[k], NULL);

		if (!ctx) {
			printf("# %s: skipped: %s\n", names[k], plbuf_errmsg());
			continue;
		}
		plbuf_close(ctx);
		bench_run_start(&ro, 50, 2000, 500);
		bench_run_start(&rc, 50, 2000, 500);
		while (bench_more(&ro)) {
			uint64_t a = bench_ticks();

			ctx = plbuf_open(backends[k], NULL);
			bench_record(&ro, bench_ticks() - a, 1);
			if (!ctx)
				break;
			a = bench_ticks();
			plbuf_close(ctx);
			bench_record(&rc, bench_ticks() - a, 1);
		}
		for (size_t i = 0; i < ro.n; i++)
			mean += ro.t[i] / (double)ro.n;
		size_t n = ro.n;

		bench_run_stats(&ro, &p50, &p99);
		bench_row("open", names[k], "plbuf_open", 0, "warm", 1, n, p50, p99, mean, "ns");
		mean = 0;
		for (size_t i = 0; i < rc.n; i++)
			mean += rc.t[i] / (double)rc.n;
		n = rc.n;
		bench_run_stats(&rc, &p50, &p99);
		bench_row("open", names[k], "plbuf_close", 0, "warm", 1, n, p50, p99, mean, "ns");

		double v[16];
		int m = 0;
		char *args[] = {"b_open", "--cold-one", (char *)backends[k],
				bench_smoke ? "--smoke" : NULL, NULL};

		for (int i = 0; i < (bench_smoke ? 1 : 9); i++) {
			double x = bench_fresh(args);

			if (x >= 0)
				v[m++] = x;
		}
		if (!m)
			continue;
		qsort(v, (size_t)m, sizeof(v[0]), bench_cmp_double);
		mean = 0;
		for (int i = 0; i < m; i++)
			mean += v[i] / m;
		bench_row("open", names[k], "plbuf_open", 0, "cold", 1, (size_t)m, v[m / 2], v[m - 1],
			  mean, "ns");
	}
	return 0;
}
