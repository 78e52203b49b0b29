/*
 * tcache.h - per-thread caches of small buffers: allocate and free without ctx->lock.
 *
 * Why: a warm allocate+free of a small buffer took two trips through ctx->lock, which also made
 * two threads slower than one.  A thread now keeps, per context, a few freed small buffers of each
 * (bank, cacheable, size class), handle and memory together, and takes them back with no lock but
 * its own cache's, which only a reclaimer ever contends for.
 *
 * What stays true: a cached buffer still holds its slab slot, so device-address ranges never
 * overlap; the pool's figures (plbuf_ctx_bank, the ENOMEM message) and a failing allocation first
 * drain every thread's cache back to the pool (plbuf__tcache_drain_all); a thread's caches are
 * drained when it exits (a pthread key destructor) and plbuf_close drains those of every thread.
 */
#ifndef PLBUF_TCACHE_H
#define PLBUF_TCACHE_H

#include <stdatomic.h>
#include <stdint.h>

#include "pool.h"

#define PLBUF_TC_BANKS 4   /* banks 0..3 are cached; others take the locked path */
#define PLBUF_TC_MAX 16    /* buffers per (bank, cacheable, class) at most */
#define PLBUF_TC_BYTES (256u << 10) /* and at most this many bytes of one class */
#define PLBUF_TC_DTYPES 4  /* last dtype strings this thread asked for */
#define PLBUF_TC_QUAR 8    /* freed handles a cache holds back before handing them out again */

struct plbuf_buf;
struct plbuf_ctx;
struct plbuf_dtype_info;

struct plbuf_tcache {
	atomic_int busy;              /* 1 while the owner or a reclaimer moves buffers */
	struct plbuf_ctx *ctx;
	struct plbuf_tcache *next;    /* ctx->tcaches, under ctx->lock */
	/* The owning thread's plbuf_tc_refs: never read, only so that a forked child, which lacks the
	 * thread and so its TLS, still reaches that memory (valgrind would call it lost). */
	void *owner_refs;
	/* The owner's alone (no reclaimer reads them): interned keys of ctx, stable while it lives. */
	const char *dt_key[PLBUF_TC_DTYPES];
	const struct plbuf_dtype_info *dt_info[PLBUF_TC_DTYPES];
	unsigned dt_next;
	/* The owner's alone: a ring of freed handles, no memory behind them.  A cached buffer is
	 * handed out under the oldest of them and the handle it was freed under takes its place, so a
	 * stale handle stays "freed" for PLBUF_TC_QUAR more allocations (buffer.c). */
	struct plbuf_buf *q[PLBUF_TC_QUAR];
	unsigned qi;
	uint8_t n[PLBUF_TC_BANKS][2][PLBUF_NCLASSES];
	struct plbuf_buf *mag[PLBUF_TC_BANKS][2][PLBUF_NCLASSES][PLBUF_TC_MAX];
};

void plbuf__tc_lock_slow(struct plbuf_tcache *tc);

static inline void plbuf__tc_lock(struct plbuf_tcache *tc)
{
	if (atomic_exchange_explicit(&tc->busy, 1, memory_order_acquire))
		plbuf__tc_lock_slow(tc);
}

static inline void plbuf__tc_unlock(struct plbuf_tcache *tc)
{
	atomic_store_explicit(&tc->busy, 0, memory_order_release);
}

/* How many buffers of class cls a cache keeps. */
static inline unsigned plbuf__tc_cap(int cls)
{
	unsigned n = PLBUF_TC_BYTES >> (cls + PLBUF_SLAB_MIN_SHIFT);

	return n > PLBUF_TC_MAX ? PLBUF_TC_MAX : n < 2 ? 2 : n;
}

/* The owner's side, each under the cache's own flag.  Takes the newest buffer kept for (bank,
 * cached, cls), or NULL when there is none. */
static inline struct plbuf_buf *plbuf__tc_pop(struct plbuf_tcache *tc, int bank, int cached,
					      int cls)
{
	struct plbuf_buf *b = NULL;
	uint8_t *n = &tc->n[bank][cached][cls];

	plbuf__tc_lock(tc);
	if (*n)
		b = tc->mag[bank][cached][cls][--*n];
	plbuf__tc_unlock(tc);
	return b;
}

/* Keeps b for (bank, cached, cls): 1, or 0 (nothing done) when that magazine is full. */
static inline int plbuf__tc_push(struct plbuf_tcache *tc, int bank, int cached, int cls,
				 struct plbuf_buf *b)
{
	uint8_t *n = &tc->n[bank][cached][cls];
	int kept = 0;

	plbuf__tc_lock(tc);
	if (*n < plbuf__tc_cap(cls)) {
		tc->mag[bank][cached][cls][(*n)++] = b;
		kept = 1;
	}
	plbuf__tc_unlock(tc);
	return kept;
}

/* The owner's last few dtype strings (its alone: no flag).  The entry interned for str, or NULL. */
static inline const struct plbuf_dtype_info *plbuf__tc_dtype_find(const struct plbuf_tcache *tc,
								  const char *str)
{
	for (int i = 0; i < PLBUF_TC_DTYPES && tc->dt_key[i]; i++) {
		/* Inline: dtype strings are a few bytes, shorter than a call to strcmp. */
		const char *a = tc->dt_key[i], *b = str;

		while (*a && *a == *b)
			a++, b++;
		if (*a == *b)
			return tc->dt_info[i];
	}
	return NULL;
}

/* Remembers an interned dtype (key and info live as long as the context), oldest out. */
static inline void plbuf__tc_dtype_keep(struct plbuf_tcache *tc, const char *key,
					const struct plbuf_dtype_info *info)
{
	unsigned i = tc->dt_next++ % PLBUF_TC_DTYPES;

	tc->dt_key[i] = key;
	tc->dt_info[i] = info;
}

#define PLBUF_TC_REFS 4 /* contexts a thread keeps a cache for at once; more are evicted */

/* This thread's caches, by context id, most recently used first (ids are never reused, so a closed
 * context, even one whose memory now holds a new context, never matches). */
struct plbuf_tc_refs {
	uint64_t id[PLBUF_TC_REFS];
	struct plbuf_tcache *tc[PLBUF_TC_REFS];
};

/* initial-exec: a plain thread-pointer-relative load, no __tls_get_addr call, on the fast path.
 * One pointer fits in the static TLS that glibc keeps spare for libraries loaded later (Python's
 * ctypes). */
extern _Thread_local struct plbuf_tc_refs *plbuf__tc_tls __attribute__((tls_model("initial-exec")));

struct plbuf_tcache *plbuf__tcache_get_slow(struct plbuf_ctx *ctx, uint64_t id);

/* This thread's cache for ctx (whose id is given), created on first use; NULL when the process is
 * out of memory (the caller then takes the locked path).  Not with ctx->lock held. */
static inline struct plbuf_tcache *plbuf__tcache_get(struct plbuf_ctx *ctx, uint64_t id)
{
	struct plbuf_tc_refs *r = plbuf__tc_tls;

	if (r && r->id[0] == id)
		return r->tc[0];
	return plbuf__tcache_get_slow(ctx, id);
}

/* Every thread's cached buffers back to the pool and their handles to the free list.  Called with
 * ctx->lock held.  Returns how many buffers it gave back. */
unsigned plbuf__tcache_drain_all(struct plbuf_ctx *ctx);

/* When plbuf__tc_push() found the magazine full: gives its oldest half back to the pool and keeps
 * b (ctx->lock held; takes the cache's flag itself). */
void plbuf__tcache_spill(struct plbuf_tcache *tc, int bank, int cached, int cls,
			 struct plbuf_buf *b);

/* Context life: a unique id and a place in the registry that exiting threads consult, so that they
 * never touch a closed context's caches. */
void plbuf__tcache_ctx_init(struct plbuf_ctx *ctx);
void plbuf__tcache_ctx_fini(struct plbuf_ctx *ctx);

/* fork(): the registry and every live context's lock are taken before it, so that the child's
 * copies are consistent, and given back (reinitialised in the child) after it (context.c). */
void plbuf__tcache_prefork(void);
void plbuf__tcache_postfork(int child);

#endif
