/* The checker with a device model in a thread of the same process (t_sim_check covers the same
 * thread and another process): the model computes out = in + 1 through plbuf_sim_read / _write,
 * handed each job through a mutex, while the CPU thread flushes in and invalidates out.  Correct
 * rounds are never reported; the one round whose flush is left out is reported once, as a missing
 * flush, from the model's thread, and its results are stale.  Run under ThreadSanitizer too
 * (tests/suites/tsan.sh): the hand-over orders every access of the two threads. */
#include <pthread.h>
#include <stdint.h>

#include "test.h"

#define N 1024
#define ROUNDS 20
#define FORGET 7

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int job, done, stop;
static uint64_t in_addr, out_addr;
static plbuf_sim_dev *dev;
static pthread_t model;
static _Thread_local int in_model;
static int reports_from_model, reports_elsewhere;

static void on_report(const struct plbuf_sim_report *r, void *arg)
{
	(void)arg;
	if (in_model && r->problem == PLBUF_SIM_MISSING_FLUSH)
		__atomic_fetch_add(&reports_from_model, 1, __ATOMIC_RELAXED);
	else
		__atomic_fetch_add(&reports_elsewhere, 1, __ATOMIC_RELAXED);
}

static void *run_model(void *arg)
{
	static uint32_t buf[N];

	(void)arg;
	in_model = 1;
	pthread_mutex_lock(&mu);
	for (;;) {
		while (!job && !stop)
			pthread_cond_wait(&cv, &mu);
		if (stop)
			break;
		job = 0;
		pthread_mutex_unlock(&mu);
		if (plbuf_sim_read(dev, in_addr, buf, sizeof(buf)) < 0)
			abort();
		for (int i = 0; i < N; i++)
			buf[i]++;
		if (plbuf_sim_write(dev, out_addr, buf, sizeof(buf)) < 0)
			abort();
		pthread_mutex_lock(&mu);
		done = 1;
		pthread_cond_broadcast(&cv);
	}
	pthread_mutex_unlock(&mu);
	return NULL;
}

int main(void)
{
	plbuf_ctx *ctx = plbuf_open("sim", "banks=DDR0@0x40000000:1M check=1");
	int64_t n = N;
	int stale = 0;

	CHECK(ctx);
	dev = plbuf_sim_attach(plbuf_sim_name(ctx));
	plbuf_buf *in = plbuf_allocate(ctx, 1, &n, "u4", NULL), *out = plbuf_allocate(ctx, 1, &n, "u4", NULL);
	CHECK(dev && in && out);
	in_addr = plbuf_device_address(in);
	out_addr = plbuf_device_address(out);
	plbuf_sim_set_check_callback(on_report, NULL);
	CHECK(pthread_create(&model, NULL, run_model, NULL) == 0);
	uint32_t *pin = plbuf_data(in), *pout = plbuf_data(out);

	for (uint32_t r = 0; r < ROUNDS; r++) {
		for (int i = 0; i < N; i++)
			pin[i] = r * 10000 + (uint32_t)i;
		if (r != FORGET)
			CHECK(plbuf_flush(in) == 0);
		pthread_mutex_lock(&mu);
		job = 1;
		pthread_cond_broadcast(&cv);
		while (!done)
			pthread_cond_wait(&cv, &mu);
		done = 0;
		pthread_mutex_unlock(&mu);
		CHECK(plbuf_invalidate(out) == 0);
		int bad = 0;

		for (int i = 0; i < N; i++)
			bad += pout[i] != r * 10000 + (uint32_t)i + 1;
		CHECK(r == FORGET ? bad == N : bad == 0);
		stale += bad != 0;
	}
	pthread_mutex_lock(&mu);
	stop = 1;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	CHECK(pthread_join(model, NULL) == 0);
	uint64_t counts[PLBUF_SIM_NPROBLEMS];

	CHECK(plbuf_sim_check_counts(ctx, counts, PLBUF_SIM_NPROBLEMS) == PLBUF_SIM_NPROBLEMS);
	printf("%d rounds, %d stale; reports from the model's thread: %d, elsewhere: %d; counts "
	       "%llu %llu %llu %llu\n", ROUNDS, stale, reports_from_model, reports_elsewhere,
	       (unsigned long long)counts[0], (unsigned long long)counts[1],
	       (unsigned long long)counts[2], (unsigned long long)counts[3]);
	CHECK(reports_from_model == 1 && reports_elsewhere == 0);
	CHECK(counts[0] == 1 && counts[1] == 0 && counts[2] == 0 && counts[3] == 0);
	plbuf_sim_set_check_callback(NULL, NULL);
	CHECK(plbuf_free(in) == 0 && plbuf_free(out) == 0);
	plbuf_sim_detach(dev);
	plbuf_close(ctx);
	return 0;
}
