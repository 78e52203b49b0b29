/* Contexts that come and go under threads: each thread owns a slot holding a sim context that it
 * closes and reopens now and then, while every thread allocates from and frees into every slot's
 * context, and into one shared context that lives throughout.  So threads hold cached buffers of
 * contexts that another thread then closes (plbuf_close must take them back, and the thread must
 * never touch the closed context again, even when a new context gets the same address), and
 * threads exit in waves with caches of live and of closed contexts.  At the end the shared
 * context has its start figures back; leaks are LeakSanitizer's (make check's ASan build) and
 * races ThreadSanitizer's (tests/suites/tsan.sh).  STRESS_SECONDS (default 2) bounds the run. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#include "test.h"

#define NTHREADS 4

static plbuf_ctx *shared;
static double wave_end;
static atomic_long reopens, allocs;

static struct slot {
	pthread_mutex_t m;
	pthread_cond_t idle;
	plbuf_ctx *ctx;
	int users;
} slots[NTHREADS];

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static plbuf_ctx *open_one(void)
{
	plbuf_ctx *c = plbuf_open("sim", "banks=M@0x100000:1M");

	CHECK(c);
	return c;
}

/* A few small buffers (the cached sizes) allocated, written, checked and freed on c. */
static void churn(plbuf_ctx *c, unsigned *seed)
{
	plbuf_buf *b[8];
	int n = 1 + (int)(rand_r(seed) % 8);

	for (int i = 0; i < n; i++) {
		int64_t len = 1 + (int64_t)(rand_r(seed) % 4096);

		b[i] = plbuf_allocate(c, 1, &len, "u1", NULL);
		CHECK(b[i]);
		memset(plbuf_data(b[i]), i + 1, (size_t)len);
	}
	for (int i = 0; i < n; i++) {
		CHECK(((uint8_t *)plbuf_data(b[i]))[plbuf_nbytes(b[i]) - 1] == (uint8_t)(i + 1));
		CHECK(plbuf_free(b[i]) == 0);
	}
	atomic_fetch_add(&allocs, n);
}

static void *worker(void *arg)
{
	int me = (int)(uintptr_t)arg;
	unsigned seed = (unsigned)me * 7919u + 1;

	while (now() < wave_end) {
		int r = (int)(rand_r(&seed) % 100);

		if (r < 8) { /* close and reopen my slot once nobody uses it */
			struct slot *s = &slots[me];

			pthread_mutex_lock(&s->m);
			while (s->users)
				pthread_cond_wait(&s->idle, &s->m);
			plbuf_close(s->ctx);
			s->ctx = open_one();
			pthread_mutex_unlock(&s->m);
			atomic_fetch_add(&reopens, 1);
		} else if (r < 30) {
			churn(shared, &seed);
		} else {
			struct slot *s = &slots[rand_r(&seed) % NTHREADS];
			plbuf_ctx *c;

			pthread_mutex_lock(&s->m);
			c = s->ctx;
			s->users++;
			pthread_mutex_unlock(&s->m);
			churn(c, &seed);
			pthread_mutex_lock(&s->m);
			if (--s->users == 0)
				pthread_cond_broadcast(&s->idle);
			pthread_mutex_unlock(&s->m);
		}
	}
	return NULL; /* exits with cached buffers of several contexts, some of them closed */
}

int main(void)
{
	const char *s = getenv("STRESS_SECONDS");
	double secs = s ? atof(s) : 2.0, end_all;
	struct plbuf_bank_info start, end;
	int wave = 0;

	shared = plbuf_open("sim", "banks=S@0x40000000:4M");
	CHECK(shared);
	CHECK(plbuf_ctx_bank(shared, 0, &start) == 0);
	for (int i = 0; i < NTHREADS; i++) {
		pthread_mutex_init(&slots[i].m, NULL);
		pthread_cond_init(&slots[i].idle, NULL);
		slots[i].ctx = open_one();
	}
	end_all = now() + secs;
	do {
		pthread_t t[NTHREADS];

		wave_end = now() + secs / 4;
		if (wave_end > end_all)
			wave_end = end_all;
		for (int i = 0; i < NTHREADS; i++)
			CHECK(pthread_create(&t[i], NULL, worker, (void *)(uintptr_t)i) == 0);
		for (int i = 0; i < NTHREADS; i++)
			pthread_join(t[i], NULL);
		wave++;
	} while (now() < end_all && wave < 8);
	for (int i = 0; i < NTHREADS; i++) {
		struct plbuf_bank_info b;

		CHECK(plbuf_ctx_bank(slots[i].ctx, 0, &b) == 0);
		CHECK(b.free == b.size && b.largest == b.size);
		plbuf_close(slots[i].ctx);
	}
	CHECK(plbuf_ctx_bank(shared, 0, &end) == 0);
	CHECK(end.free == start.free && end.largest == start.largest);
	churn(shared, &(unsigned){1}); /* the main thread's cache of a live context */
	plbuf_close(shared);
	printf("%d waves, %ld reopened contexts, %ld buffers\n", wave, (long)reopens, (long)allocs);
	return 0;
}
