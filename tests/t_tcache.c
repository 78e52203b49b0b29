/* Per-thread caches of small buffers never hide memory: a bank's figures, a large allocation and
 * plbuf_close see what live threads keep cached; exiting threads give theirs back; a thread that
 * outlives a context never touches it again; a buffer in a cache is still a freed handle. */
#include <pthread.h>
#include <stdlib.h>

#include "context.h"
#include "test.h"

#define BANK (8u << 20)

static plbuf_ctx *ctx;
static pthread_barrier_t bar;

/* Allocates a mix of small classes, frees them all (into this thread's cache). */
static void churn(unsigned seed)
{
	plbuf_buf *b[64];

	for (int round = 0; round < 4; round++) {
		for (int i = 0; i < 64; i++) {
			int64_t n = 1 + (int64_t)(rand_r(&seed) % 65536);

			b[i] = plbuf_allocate(ctx, 1, &n, "u1", NULL);
			CHECK(b[i]);
		}
		for (int i = 0; i < 64; i++)
			CHECK(plbuf_free(b[i]) == 0);
	}
}

static int cached_count(void)
{
	int n = 0;

	pthread_mutex_lock(&ctx->lock);
	for (struct plbuf_tcache *tc = ctx->tcaches; tc; tc = tc->next)
		for (int b = 0; b < PLBUF_TC_BANKS; b++)
			for (int c = 0; c < 2; c++)
				for (int k = 0; k < PLBUF_NCLASSES; k++)
					n += tc->n[b][c][k];
	pthread_mutex_unlock(&ctx->lock);
	return n;
}

static void *worker(void *arg)
{
	churn((unsigned)(uintptr_t)arg);
	pthread_barrier_wait(&bar); /* main looks at the bank while this thread's cache is full */
	pthread_barrier_wait(&bar);
	churn((unsigned)(uintptr_t)arg + 7);
	return NULL; /* the thread's exit gives its cache back */
}

/* Frees a buffer another thread allocated. */
static void *freer(void *arg)
{
	CHECK(plbuf_free(arg) == 0);
	return NULL;
}

static void *outlive(void *arg)
{
	plbuf_ctx *mine[6];
	int64_t n = 100;

	churn(3);
	pthread_barrier_wait(&bar); /* main closes ctx now */
	pthread_barrier_wait(&bar);
	/* More contexts than a thread keeps caches for: the closed one's entry is evicted without
	 * being touched (ASan would see it). */
	for (int i = 0; i < 6; i++) {
		mine[i] = plbuf_open("sim", "banks=D@0x1000000:1M");
		CHECK(mine[i]);
		plbuf_free(plbuf_allocate(mine[i], 1, &n, "u1", NULL));
	}
	for (int i = 0; i < 6; i++)
		plbuf_close(mine[i]);
	(void)arg;
	return NULL;
}

int main(void)
{
	struct plbuf_bank_info start, now;
	pthread_t t[2];

	ctx = plbuf_open("sim", "banks=DDR0@0x40000000:8M");
	CHECK(ctx);
	CHECK(plbuf_ctx_bank(ctx, 0, &start) == 0);
	CHECK(start.free == BANK && start.largest == BANK);

	pthread_barrier_init(&bar, NULL, 3);
	for (int i = 0; i < 2; i++)
		CHECK(pthread_create(&t[i], NULL, worker, (void *)(uintptr_t)(i + 1)) == 0);
	pthread_barrier_wait(&bar);
	CHECK(cached_count() > 0);
	/* Live threads' caches count as free, and coalesce. */
	CHECK(plbuf_ctx_bank(ctx, 0, &now) == 0);
	CHECK(now.free == start.free && now.largest == start.largest);
	CHECK(cached_count() == 0);
	pthread_barrier_wait(&bar);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	/* Exited threads left nothing cached, and no cache behind. */
	CHECK(cached_count() == 0);
	pthread_mutex_lock(&ctx->lock);
	CHECK(ctx->tcaches == NULL || ctx->tcaches->next == NULL); /* at most main's own */
	pthread_mutex_unlock(&ctx->lock);

	/* The whole bank in one piece while this thread's cache holds small buffers. */
	churn(11);
	CHECK(cached_count() > 0);
	int64_t all = BANK;
	plbuf_buf *big = plbuf_allocate(ctx, 1, &all, "u1", NULL);
	CHECK(big);
	CHECK(plbuf_free(big) == 0);

	/* A cached buffer is a freed handle. */
	int64_t n = 256;
	plbuf_buf *b = plbuf_allocate(ctx, 1, &n, "u1", NULL);
	CHECK(b);
	CHECK(plbuf_free(b) == 0);
	CHECK_ERR(plbuf_free(b), EBADF);

	/* Allocated here, freed there. */
	b = plbuf_allocate(ctx, 1, &n, "u1", NULL);
	CHECK(b);
	CHECK(pthread_create(&t[0], NULL, freer, b) == 0);
	pthread_join(t[0], NULL);
	CHECK(plbuf_ctx_bank(ctx, 0, &now) == 0);
	CHECK(now.free == start.free && now.largest == start.largest);

	/* A thread holding a cache of a context that closes, then going on with other contexts. */
	pthread_barrier_destroy(&bar);
	pthread_barrier_init(&bar, NULL, 2);
	CHECK(pthread_create(&t[0], NULL, outlive, NULL) == 0);
	pthread_barrier_wait(&bar);
	plbuf_close(ctx); /* with the thread's cache still full */
	pthread_barrier_wait(&bar);
	pthread_join(t[0], NULL);
	pthread_barrier_destroy(&bar);
	return 0;
}
