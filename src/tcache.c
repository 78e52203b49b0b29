/*
 * tcache.c - per-thread caches of small buffers (see tcache.h): finding this thread's cache for a
 * context, and giving cached buffers back to the pool when a thread exits, when the pool must tell
 * the truth about free memory, and when a context closes.
 *
 * Lock order: registry lock, then ctx->lock, then a cache's busy flag.  The owner's fast path
 * takes only its cache's flag; a reclaimer holds ctx->lock and takes each cache's flag in turn.
 */
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "context.h"
#include "tcache.h"

#define TC_REFS PLBUF_TC_REFS

_Thread_local struct plbuf_tc_refs *plbuf__tc_tls;
static pthread_key_t key;
static pthread_once_t key_once = PTHREAD_ONCE_INIT;
static int key_ok;

/* Live contexts, so that an exiting thread can tell whether the context of a cache it holds is
 * still open before touching that cache. */
static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct plbuf_ctx *reg_head;
static uint64_t reg_next_id;

void plbuf__tc_lock_slow(struct plbuf_tcache *tc)
{
	for (unsigned spins = 0;; spins++) {
		while (atomic_load_explicit(&tc->busy, memory_order_relaxed)) {
			/* The holder may have been preempted: let it run. */
			if (++spins > 64)
				sched_yield();
#if defined(__x86_64__) || defined(__i386__)
			else
				__builtin_ia32_pause();
#endif
		}
		if (!atomic_exchange_explicit(&tc->busy, 1, memory_order_acquire))
			return;
	}
}

/* Gives one cache's buffers back (ctx->lock held). */
static unsigned drain_one(struct plbuf_ctx *ctx, struct plbuf_tcache *tc)
{
	unsigned count = 0;

	plbuf__tc_lock(tc);
	for (int b = 0; b < PLBUF_TC_BANKS; b++)
		for (int c = 0; c < 2; c++)
			for (int k = 0; k < PLBUF_NCLASSES; k++) {
				for (unsigned i = 0; i < tc->n[b][c][k]; i++) {
					struct plbuf_buf *h = tc->mag[b][c][k][i];

					plbuf__pool_free(ctx, &h->mem);
					plbuf__handle_put(ctx, h);
				}
				count += tc->n[b][c][k];
				tc->n[b][c][k] = 0;
			}
	plbuf__tc_unlock(tc);
	return count;
}

unsigned plbuf__tcache_drain_all(struct plbuf_ctx *ctx)
{
	unsigned count = 0;

	for (struct plbuf_tcache *tc = ctx->tcaches; tc; tc = tc->next)
		count += drain_one(ctx, tc);
	return count;
}

void plbuf__tcache_spill(struct plbuf_tcache *tc, int bank, int cached, int cls,
			 struct plbuf_buf *b)
{
	struct plbuf_buf **m = tc->mag[bank][cached][cls];
	unsigned n, k;

	plbuf__tc_lock(tc);
	n = tc->n[bank][cached][cls];
	k = n / 2 ? n / 2 : n;
	/* The oldest ones: the newest are the likeliest to be warm in the CPU's caches. */
	for (unsigned i = 0; i < k; i++) {
		plbuf__pool_free(tc->ctx, &m[i]->mem);
		plbuf__handle_put(tc->ctx, m[i]);
	}
	memmove(m, m + k, sizeof(*m) * (n - k));
	m[n - k] = b;
	tc->n[bank][cached][cls] = (uint8_t)(n - k + 1);
	plbuf__tc_unlock(tc);
}

static void unlink_tc(struct plbuf_ctx *ctx, struct plbuf_tcache *tc)
{
	struct plbuf_tcache **pp = &ctx->tcaches;

	while (*pp && *pp != tc)
		pp = &(*pp)->next;
	if (*pp)
		*pp = tc->next;
}

/* A cache's quarantined handles back to the context's free list (ctx->lock held). */
static void quarantine_release(struct plbuf_ctx *ctx, struct plbuf_tcache *tc)
{
	for (int i = 0; i < PLBUF_TC_QUAR; i++)
		if (tc->q[i]) {
			plbuf__handle_put(ctx, tc->q[i]);
			tc->q[i] = NULL;
		}
}

/* Forgets this thread's cache in slot i; drains and frees it if its context is still open (if not,
 * plbuf_close has already done both).  In a forked child, the cached buffers of an inherited
 * context are the parent's memory: the cache is dropped without giving them to the pool. */
static void release_ref(struct plbuf_tc_refs *r, int i)
{
	struct plbuf_ctx *ctx;

	if (!r->tc[i])
		return;
	pthread_mutex_lock(&reg_lock);
	for (ctx = reg_head; ctx && ctx->id != r->id[i]; ctx = ctx->reg_next)
		;
	if (ctx) {
		pthread_mutex_lock(&ctx->lock);
		unlink_tc(ctx, r->tc[i]);
		if (!plbuf__inherited(ctx))
			drain_one(ctx, r->tc[i]);
		quarantine_release(ctx, r->tc[i]);
		pthread_mutex_unlock(&ctx->lock);
		free(r->tc[i]);
	}
	pthread_mutex_unlock(&reg_lock);
	r->id[i] = 0;
	r->tc[i] = NULL;
}

/* Thread exit: what the thread cached goes back to its contexts, so that it is not lost to them. */
static void thread_exit(void *arg)
{
	struct plbuf_tc_refs *r = arg;

	for (int i = 0; i < TC_REFS; i++)
		release_ref(r, i);
	free(r);
	plbuf__tc_tls = NULL;
}

static void key_create(void)
{
	key_ok = pthread_key_create(&key, thread_exit) == 0;
}

struct plbuf_tcache *plbuf__tcache_get_slow(struct plbuf_ctx *ctx, uint64_t id)
{
	struct plbuf_tc_refs *r = plbuf__tc_tls;
	struct plbuf_tcache *tc;
	int i;

	for (i = 1; r && i < TC_REFS; i++)
		if (r->id[i] == id) {
			/* Most recently used first, so that the fast path finds it at once. */
			tc = r->tc[i];
			memmove(&r->id[1], &r->id[0], sizeof(r->id[0]) * (size_t)i);
			memmove(&r->tc[1], &r->tc[0], sizeof(r->tc[0]) * (size_t)i);
			r->id[0] = id;
			r->tc[0] = tc;
			return tc;
		}
	pthread_once(&key_once, key_create);
	if (!key_ok)
		return NULL;
	if (!r) {
		r = calloc(1, sizeof(*r));
		if (!r)
			return NULL;
		if (pthread_setspecific(key, r) != 0) {
			free(r);
			return NULL;
		}
		plbuf__tc_tls = r;
	}
	tc = calloc(1, sizeof(*tc));
	if (!tc)
		return NULL;
	tc->ctx = ctx;
	tc->owner_refs = r;
	release_ref(r, TC_REFS - 1); /* the least recently used, if every slot is taken */
	pthread_mutex_lock(&ctx->lock);
	for (int k = 0; k < PLBUF_TC_QUAR; k++) {
		/* Out of process memory, the ring stays short: tc_pop then reuses handles at once. */
		if ((tc->q[k] = plbuf__handle_get(ctx)) == NULL)
			break;
		tc->q[k]->magic = PLBUF_MAGIC_DEAD;
	}
	tc->next = ctx->tcaches;
	ctx->tcaches = tc;
	pthread_mutex_unlock(&ctx->lock);
	memmove(&r->id[1], &r->id[0], sizeof(r->id[0]) * (TC_REFS - 1));
	memmove(&r->tc[1], &r->tc[0], sizeof(r->tc[0]) * (TC_REFS - 1));
	r->id[0] = id;
	r->tc[0] = tc;
	return tc;
}

void plbuf__tcache_ctx_init(struct plbuf_ctx *ctx)
{
	pthread_mutex_lock(&reg_lock);
	ctx->id = ++reg_next_id;
	ctx->reg_next = reg_head;
	reg_head = ctx;
	pthread_mutex_unlock(&reg_lock);
}

void plbuf__tcache_ctx_fini(struct plbuf_ctx *ctx)
{
	struct plbuf_ctx **pp;

	/* Out of the registry first: from here on no exiting thread touches ctx's caches. */
	pthread_mutex_lock(&reg_lock);
	for (pp = &reg_head; *pp && *pp != ctx; pp = &(*pp)->reg_next)
		;
	if (*pp)
		*pp = ctx->reg_next;
	pthread_mutex_unlock(&reg_lock);
	/* A forked child keeps an inherited context's caches as they were (context.c keeps the whole
	 * context): they hold the parent's memory and reach the TLS of threads the child lacks. */
	if (plbuf__inherited(ctx))
		return;
	pthread_mutex_lock(&ctx->lock);
	while (ctx->tcaches) {
		struct plbuf_tcache *tc = ctx->tcaches;

		ctx->tcaches = tc->next;
		drain_one(ctx, tc);
		free(tc);
	}
	pthread_mutex_unlock(&ctx->lock);
}

void plbuf__tcache_prefork(void)
{
	pthread_mutex_lock(&reg_lock);
	for (struct plbuf_ctx *c = reg_head; c; c = c->reg_next)
		pthread_mutex_lock(&c->lock);
}

void plbuf__tcache_postfork(int child)
{
	/* The child has one thread, the one that forked and holds these locks: it may unlock them.
	 * Reinitialising as well leaves no doubt about a mutex state copied mid-fork. */
	for (struct plbuf_ctx *c = reg_head; c; c = c->reg_next) {
		pthread_mutex_unlock(&c->lock);
		if (child)
			pthread_mutex_init(&c->lock, NULL);
	}
	pthread_mutex_unlock(&reg_lock);
	if (child)
		pthread_mutex_init(&reg_lock, NULL);
}
