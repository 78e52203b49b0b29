/* Concurrency stress on one sim context: threads allocate buffers of random sizes, banks and
 * cacheability, fill each with its own pattern, flush, check it through the device side (the
 * memory file, plbuf_sim_attach), invalidate, check it again on the CPU, free some from other
 * threads, and take views.  A shared interval set under a lock holds the device-address range of
 * every live buffer: a new buffer that overlaps one of them fails the test at once.  Threads come
 * and go in waves (an exiting thread gives back its cached buffers), and another thread keeps
 * asking for the banks' figures (which drains every thread's cache).  At the end every bank has
 * its start figures back.  Runs for STRESS_SECONDS (default 2) or STRESS_OPS operations per
 * thread, whichever ends first, so that it stays short under ThreadSanitizer and valgrind. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#include "test.h"

#define NBANKS 3
#define KEEP 12      /* live buffers per thread */
#define NTHREADS 4
#define MAXLIVE (NTHREADS * KEEP + 64)

static plbuf_ctx *ctx;
static plbuf_sim_dev *dev;
static double wave_end; /* set before each wave's threads start */
static long max_ops;
static atomic_long total_ops, total_nomem;
static atomic_int stop;

/* ---- the interval set: [dev, dev + len) of every live buffer */
static pthread_mutex_t set_lock = PTHREAD_MUTEX_INITIALIZER;
static struct { uint64_t lo, hi; } set[MAXLIVE];
static int nset;

static void set_add(uint64_t lo, uint64_t len)
{
	pthread_mutex_lock(&set_lock);
	for (int i = 0; i < nset; i++)
		if (lo < set[i].hi && set[i].lo < lo + len) {
			fprintf(stderr, "overlap: [0x%llx, 0x%llx) and live [0x%llx, 0x%llx)\n",
				(unsigned long long)lo, (unsigned long long)(lo + len),
				(unsigned long long)set[i].lo, (unsigned long long)set[i].hi);
			exit(T_EXIT_FAIL);
		}
	CHECK(nset < MAXLIVE);
	set[nset].lo = lo;
	set[nset++].hi = lo + len;
	pthread_mutex_unlock(&set_lock);
}

static void set_del(uint64_t lo)
{
	pthread_mutex_lock(&set_lock);
	for (int i = 0; i < nset; i++)
		if (set[i].lo == lo) {
			set[i] = set[--nset];
			pthread_mutex_unlock(&set_lock);
			return;
		}
	pthread_mutex_unlock(&set_lock);
	fprintf(stderr, "buffer at 0x%llx is not in the set\n", (unsigned long long)lo);
	exit(T_EXIT_FAIL);
}

/* ---- buffers and their patterns */
struct buf {
	plbuf_buf *b;
	uint64_t dev, len;
	uint32_t seed;
};

static uint8_t pat(uint32_t seed, uint64_t i)
{
	return (uint8_t)((seed >> (i & 7) * 4) + i * 131 + (i >> 8));
}

static void fill(const struct buf *x)
{
	uint8_t *p = plbuf_data(x->b);

	for (uint64_t i = 0; i < x->len; i++)
		p[i] = pat(x->seed, i);
}

static int same(const uint8_t *p, const struct buf *x)
{
	for (uint64_t i = 0; i < x->len; i++)
		if (p[i] != pat(x->seed, i)) {
			fprintf(stderr, "buffer at 0x%llx (%llu bytes): byte %llu is 0x%02x, not 0x%02x\n",
				(unsigned long long)x->dev, (unsigned long long)x->len,
				(unsigned long long)i, p[i], pat(x->seed, i));
			return 0;
		}
	return 1;
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static void release(struct buf *x)
{
	CHECK(same(plbuf_data(x->b), x));
	set_del(x->dev);
	CHECK(plbuf_free(x->b) == 0);
	x->b = NULL;
}

/* A buffer handed to another thread to free. */
static struct buf handoff[NTHREADS * 4];
static pthread_mutex_t handoff_lock = PTHREAD_MUTEX_INITIALIZER;

static void *worker(void *arg)
{
	unsigned seed = (unsigned)(uintptr_t)arg;
	struct buf live[KEEP] = {{0}};
	static const char *const banks[] = {"A", "B", "C"};
	long ops = 0;

	while (!stop && ops < max_ops && now() < wave_end) {
		int i = (int)(rand_r(&seed) % KEEP), r = (int)(rand_r(&seed) % 100);
		struct buf *x = &live[i];

		ops++;
		if (x->b && r < 45) {
			release(x);
			continue;
		}
		if (x->b && r < 55) { /* give it to whoever frees hand-offs next */
			pthread_mutex_lock(&handoff_lock);
			for (int k = 0; k < NTHREADS * 4; k++)
				if (!handoff[k].b) {
					handoff[k] = *x;
					x->b = NULL;
					break;
				}
			pthread_mutex_unlock(&handoff_lock);
			continue;
		}
		if (r < 62) {
			pthread_mutex_lock(&handoff_lock);
			for (int k = 0; k < NTHREADS * 4; k++)
				if (handoff[k].b) {
					release(&handoff[k]);
					break;
				}
			pthread_mutex_unlock(&handoff_lock);
			continue;
		}
		if (x->b && r < 70) { /* a view: it syncs its own bytes only, inside its base */
			plbuf_buf *v = plbuf_view(x->b, rand_r(&seed) & 1 ? "1::3" : "::-2");
			int64_t lo, hi;

			if (!v) {
				CHECK(x->len < 2 && errno == EINVAL);
				continue;
			}
			plbuf_span(v, &lo, &hi);
			CHECK(plbuf_device_address(v) + lo >= x->dev &&
			      plbuf_device_address(v) + hi <= x->dev + x->len);
			CHECK(plbuf_flush(v) == 0 && plbuf_invalidate(v) == 0);
			CHECK(plbuf_free(v) == 0);
			CHECK(same(plbuf_data(x->b), x));
			continue;
		}
		if (x->b)
			release(x);
		/* sizes from one byte to 256 KiB, most of them small (the slab and cache paths) */
		int shift = (int)(rand_r(&seed) % 19);
		int64_t n = 1 + (int64_t)(rand_r(&seed) % (1u << shift));
		struct plbuf_alloc_opts o = {0};

		o.bank = banks[rand_r(&seed) % NBANKS];
		o.cacheable = (int)(rand_r(&seed) % 3);
		x->b = plbuf_allocate(ctx, 1, &n, "u1", &o);
		if (!x->b) {
			CHECK(errno == ENOMEM && strstr(plbuf_errmsg(), "free"));
			atomic_fetch_add(&total_nomem, 1);
			continue;
		}
		x->dev = plbuf_device_address(x->b);
		x->len = (uint64_t)n;
		x->seed = (uint32_t)rand_r(&seed);
		set_add(x->dev, x->len);
		fill(x);
		CHECK(plbuf_flush(x->b) == 0);
		const uint8_t *d = plbuf_sim_translate(dev, x->dev, x->len);

		CHECK(d && same(d, x));
		CHECK(plbuf_invalidate(x->b) == 0);
		CHECK(same(plbuf_data(x->b), x));
	}
	for (int i = 0; i < KEEP; i++)
		if (live[i].b)
			release(&live[i]);
	atomic_fetch_add(&total_ops, ops);
	return NULL;
}

/* Asks for the banks' figures all along: each call drains every thread's cache under the lock. */
static void *watcher(void *arg)
{
	(void)arg;
	while (!stop) {
		struct plbuf_bank_info bi;

		for (int i = 0; i < NBANKS; i++)
			CHECK(plbuf_ctx_bank(ctx, i, &bi) == 0 && bi.free <= bi.size);
		struct timespec t = {0, 2000000};

		nanosleep(&t, NULL);
	}
	return NULL;
}

int main(void)
{
	struct plbuf_bank_info start[NBANKS], end;
	const char *s = getenv("STRESS_SECONDS"), *o = getenv("STRESS_OPS");
	double secs = s ? atof(s) : 2.0;
	pthread_t w;

	max_ops = o ? atol(o) : 200000;
	/* a small bank that runs full, a large one, and a coherent one */
	ctx = plbuf_open("sim", "banks=A@0x100000:2M,B@0x10000000:32M,C@0x40000000:8M:coherent");
	CHECK(ctx);
	CHECK((dev = plbuf_sim_attach(plbuf_sim_name(ctx))) != NULL);
	for (int i = 0; i < NBANKS; i++)
		CHECK(plbuf_ctx_bank(ctx, i, &start[i]) == 0);
	double end_all = now() + secs;

	CHECK(pthread_create(&w, NULL, watcher, NULL) == 0);
	/* waves of threads: each exits with a full cache, which its exit gives back */
	unsigned wave = 0;

	do {
		pthread_t t[NTHREADS];
		wave_end = now() + secs / 4;
		if (wave_end > end_all)
			wave_end = end_all;
		for (int i = 0; i < NTHREADS; i++)
			CHECK(pthread_create(&t[i], NULL, worker, (void *)(uintptr_t)(wave * 97 + i + 1)) == 0);
		for (int i = 0; i < NTHREADS; i++)
			pthread_join(t[i], NULL);
		wave++;
	} while (now() < end_all && wave < 8);
	stop = 1;
	pthread_join(w, NULL);
	for (int k = 0; k < NTHREADS * 4; k++)
		if (handoff[k].b)
			release(&handoff[k]);
	CHECK(nset == 0);
	for (int i = 0; i < NBANKS; i++) {
		CHECK(plbuf_ctx_bank(ctx, i, &end) == 0);
		if (end.free != start[i].free || end.largest != start[i].largest) {
			fprintf(stderr, "bank %s: free %llu largest %llu at the end, %llu %llu at the start\n",
				end.name, (unsigned long long)end.free, (unsigned long long)end.largest,
				(unsigned long long)start[i].free, (unsigned long long)start[i].largest);
			return T_EXIT_FAIL;
		}
	}
	printf("%u waves of %d threads, %ld operations, %ld clean ENOMEM\n", wave, NTHREADS,
	       (long)total_ops, (long)total_nomem);
	plbuf_sim_detach(dev);
	plbuf_close(ctx);
	return 0;
}
