/*
 * buffer.c - allocate, free and describe buffers: the hot path.
 *
 * Handles come from a per-context free list and are never returned to libc (not even when the
 * context closes: context.c keeps closed contexts for reuse), so a stale handle still points at
 * plbuf memory whose magic says "freed": a double free is reported (-EBADF) instead of corrupting
 * the heap.  The list is a FIFO with a quarantine: a freed handle goes to its tail and is handed
 * out again only after PLBUF_HANDLE_QUARANTINE others, so that `free(a); c = alloc(); free(a)`
 * finds a still freed instead of freeing c.  (Threads' caches keep a quarantine of their own,
 * tcache.h.)
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "context.h"

#define HANDLES_PER_BLOCK 64
#define PLBUF_HANDLE_QUARANTINE 32

struct plbuf_handle_block {
	struct plbuf_handle_block *next;
	struct plbuf_buf h[HANDLES_PER_BLOCK];
};

void plbuf__handle_put(struct plbuf_ctx *ctx, struct plbuf_buf *b)
{
	b->magic = PLBUF_MAGIC_DEAD;
	b->next_free = NULL;
	if (ctx->free_tail)
		ctx->free_tail->next_free = b;
	else
		ctx->free_handles = b;
	ctx->free_tail = b;
	ctx->nfree_handles++;
}

struct plbuf_buf *plbuf__handle_get(struct plbuf_ctx *ctx)
{
	struct plbuf_buf *b;

	if (ctx->nfree_handles <= PLBUF_HANDLE_QUARANTINE) {
		struct plbuf_handle_block *blk = calloc(1, sizeof(*blk));

		if (!blk)
			return NULL;
		blk->next = ctx->handle_blocks;
		ctx->handle_blocks = blk;
		for (int i = 0; i < HANDLES_PER_BLOCK; i++)
			plbuf__handle_put(ctx, &blk->h[i]);
	}
	b = ctx->free_handles;
	ctx->free_handles = b->next_free;
	if (!ctx->free_handles)
		ctx->free_tail = NULL;
	ctx->nfree_handles--;
	b->next_free = NULL;
	b->magic = PLBUF_MAGIC_LIVE;
	b->ctx = ctx;
	b->base_dead = 0;
	return b;
}

/* ---------------------------------------------------------------- layout */

void plbuf__span(int ndim, const int64_t *shape, const int64_t *strides, uint64_t itemsize,
		 int64_t *lo, int64_t *hi)
{
	int64_t l = 0, h = (int64_t)itemsize;

	for (int i = 0; i < ndim; i++) {
		if (shape[i] == 0) {
			*lo = *hi = 0;
			return;
		}
		int64_t ext = (shape[i] - 1) * strides[i];

		if (ext < 0)
			l += ext;
		else
			h += ext;
	}
	*lo = l;
	*hi = h;
}

void plbuf__layout(struct plbuf_buf *b, uint64_t itemsize, char order)
{
	int64_t st = (int64_t)itemsize;

	if (order == 'F') {
		for (int i = 0; i < b->ndim; i++) {
			b->strides[i] = st;
			st *= b->shape[i];
		}
	} else {
		for (int i = b->ndim - 1; i >= 0; i--) {
			b->strides[i] = st;
			st *= b->shape[i];
		}
	}
	b->nbytes = (uint64_t)st;
	/* Fresh strides are positive: the bytes are [0, nbytes) (none when a dimension is 0), which
	 * is what plbuf__span would find, without another loop on the allocation path. */
	b->span_lo = 0;
	b->span_hi = st;
}

/* ---------------------------------------------------------------- dtypes, interned */

static uint32_t hash_str(const char *s)
{
	uint32_t h = 2166136261u; /* FNV-1a: short strings, no need for more */

	while (*s)
		h = (h ^ (uint8_t)*s++) * 16777619u;
	return h;
}

/* Parsed once per distinct string: numpy's grammar is not cheap and the hot path must be.
 * Called with ctx->lock held. */
static struct plbuf_dtype_entry *dtype_intern(struct plbuf_ctx *ctx, const char *str)
{
	uint32_t h = hash_str(str) & 63;
	struct plbuf_dtype_entry *e;
	size_t n;

	for (e = ctx->dtypes[h]; e; e = e->next)
		if (strcmp(e->key, str) == 0)
			return e;
	n = strlen(str);
	e = malloc(sizeof(*e) + n + 1);
	if (!e)
		return plbuf__errp(ENOMEM, "out of process memory");
	if (plbuf_dtype_parse(str, &e->info) < 0) {
		free(e);
		return NULL;
	}
	memcpy(e->key, str, n + 1);
	e->next = ctx->dtypes[h];
	ctx->dtypes[h] = e;
	ctx->ndtypes++;
	return e;
}

/* The thread's last few dtype strings first (no lock: interned entries live as long as ctx), then
 * the context's table. */
static const struct plbuf_dtype_info *dtype_get(struct plbuf_ctx *ctx, struct plbuf_tcache *tc,
						const char *str)
{
	const struct plbuf_dtype_info *dt = tc ? plbuf__tc_dtype_find(tc, str) : NULL;
	struct plbuf_dtype_entry *e;

	if (dt)
		return dt;
	pthread_mutex_lock(&ctx->lock);
	e = dtype_intern(ctx, str);
	pthread_mutex_unlock(&ctx->lock);
	if (!e)
		return NULL;
	if (tc)
		plbuf__tc_dtype_keep(tc, e->key, &e->info);
	return &e->info;
}

/* ---------------------------------------------------------------- allocate */

static int check_shape(int ndim, const int64_t *shape, const struct plbuf_dtype_info *dt,
		       uint64_t *nbytes)
{
	uint64_t n = dt->subndim ? dt->base_itemsize : dt->itemsize;

	if (ndim < 0 || ndim + dt->subndim > PLBUF_MAXDIM)
		return plbuf__err(EINVAL, "ndim %d is out of range: numpy allows 0 to %d dimensions "
				  "(including the dtype's sub-array dimensions)", ndim, PLBUF_MAXDIM);
	if (ndim > 0 && !shape)
		return plbuf__err(EINVAL, "shape is NULL for ndim %d", ndim);
	if (n == 0)
		return plbuf__err(EINVAL, "dtype \"%s\" has itemsize 0: give a size (e.g. S16, U8, V4)",
				  dt->str);
	for (int i = 0; i < ndim + dt->subndim; i++) {
		int64_t d = i < ndim ? shape[i] : dt->subshape[i - ndim];

		if (d < 0)
			return plbuf__err(EINVAL, "shape[%d] = %lld is negative", i, (long long)d);
		if (d == 0)
			return plbuf__err(EINVAL, "shape[%d] is 0: a DMA buffer must hold at least one "
					  "element", i);
		uint64_t nn;

		/* No division: this runs on every allocation. */
		if (__builtin_mul_overflow(n, (uint64_t)d, &nn) || nn > (uint64_t)INT64_MAX ||
		    nn > (uint64_t)SIZE_MAX)
			return plbuf__err(EOVERFLOW, "shape overflows: the byte size exceeds %s at "
					  "dimension %d", (uint64_t)SIZE_MAX < (uint64_t)INT64_MAX ?
					  "size_t" : "int64", i);
		n = nn;
	}
	*nbytes = n;
	return 0;
}

/* A cached buffer of class cls: its slot is aligned to the class's size, so to any alignment that
 * leads to this class; only the device-address limit remains to check.  The memory comes back
 * under the oldest handle of the thread's quarantine, and the handle it was freed under takes
 * that handle's place (see tcache.h). */
static struct plbuf_buf *tc_pop(struct plbuf_tcache *tc, int bank, int cached, int cls,
				uint64_t max_dev)
{
	struct plbuf_buf *b = plbuf__tc_pop(tc, bank, cached, cls), *h;

	if (b && b->mem.dev + b->mem.size - 1 > max_dev) {
		plbuf__tc_push(tc, bank, cached, cls, b); /* the place it just left */
		b = NULL;
	}
	if (!b)
		return NULL;
	if ((h = tc->q[tc->qi]) != NULL) {
		tc->q[tc->qi] = b;
		tc->qi = (tc->qi + 1) % PLBUF_TC_QUAR;
		h->mem = b->mem;
		memset(&b->mem, 0, sizeof(b->mem));
		b = h;
	}
	b->magic = PLBUF_MAGIC_LIVE;
	b->base_dead = 0;
	return b;
}

static int find_bank(struct plbuf_ctx *ctx, const char *name)
{
	for (int i = 0; i < ctx->nbanks; i++)
		if (strcmp(ctx->banks[i].name, name) == 0)
			return i;
	char names[256] = "";
	size_t len = 0;

	for (int i = 0; i < ctx->nbanks && len < sizeof(names) - 40; i++)
		len += (size_t)snprintf(names + len, sizeof(names) - len, "%s%s", i ? ", " : "",
					ctx->banks[i].name);
	return plbuf__err(ENOENT, "no bank \"%s\" in backend %s; its banks are: %s", name,
			  ctx->be->name, names);
}

/* With no bank named, a buffer with a device-address limit goes to the first bank, by index, that
 * does not start too high to hold it below the limit (a bank of unknown base may); bank 0 when no
 * bank qualifies (its error then says why).  Returns the bank after `after`, or -1 when none. */
static int next_default_bank(const struct plbuf_ctx *ctx, int after, uint64_t nbytes,
			     uint64_t max_dev)
{
	for (int i = after + 1; i < ctx->nbanks; i++) {
		uint64_t base = ctx->banks[i].base;

		if (max_dev == UINT64_MAX || (base <= max_dev && nbytes - 1 <= max_dev - base))
			return i;
	}
	return -1;
}

/* No memory below max_device_address: if a bank that could take the buffer (the named one, or
 * any when none was named) has room for it above the limit, the limit is what failed: ERANGE, as
 * plbuf.h says, not "give the bank more memory". */
static void limit_failure(struct plbuf_ctx *ctx, int named_bank, uint64_t nbytes, uint64_t max_dev,
			  int *err, char *msg, size_t len)
{
	for (int i = 0; i < ctx->nbanks; i++) {
		uint64_t free_b, largest;

		if (named_bank >= 0 && i != named_bank)
			continue;
		pthread_mutex_lock(&ctx->lock);
		plbuf__pool_stats(ctx, i, &free_b, &largest);
		pthread_mutex_unlock(&ctx->lock);
		if (largest >= nbytes) {
			*err = -ERANGE;
			snprintf(msg, len, "%s: no room for %llu bytes below max_device_address 0x%llx, "
				 "while bank %s has a free block of %llu bytes above it: free buffers "
				 "that lie below the limit, or reserve memory lower down",
				 ctx->be->name, (unsigned long long)nbytes,
				 (unsigned long long)max_dev, ctx->banks[i].name,
				 (unsigned long long)largest);
			return;
		}
	}
}

/*
 * Memory handed out again may still have lines in the CPU's cache from its previous user: written
 * back later, a dirty one would overwrite what the device wrote (xdna-driver#1439).
 *  - a cached, non-coherent buffer is cleaned once now;
 *  - an uncached buffer carved from a bank that also has a cached mapping of the same memory
 *    (u-dma-buf, the sim) gets that alias cleaned and invalidated, so no line of it is left to be
 *    written back behind the uncached mapping's back.
 * If this cannot be done (ARMv7 without a driver that syncs), the allocation fails: plbuf never
 * hands out cached memory whose flush cannot work.
 */
static int clean_new(struct plbuf_ctx *ctx, const struct plbuf_mem *m)
{
	const struct plbuf_chunk *c = &m->r->c;

	if (!m->coherent)
		return plbuf__sync_mem(ctx, m, 0, m->size, PLBUF_SYNC_TO_DEVICE);
	if (!m->cached && c->va_uc && c->va != c->va_uc && (c->flags & PLBUF_CHUNK_CACHED) &&
	    !(c->flags & PLBUF_CHUNK_COHERENT)) {
		struct plbuf_mem alias = *m;

		alias.va = (char *)c->va + m->off;
		alias.cached = 1;
		alias.coherent = 0;
		int err = plbuf__sync_mem(ctx, &alias, 0, m->size, PLBUF_SYNC_FROM_DEVICE);

		/* Where the alias cannot be maintained (ARMv7, no driver sync), no cached buffer can
		 * have been handed out in it either (see above), so it holds no dirty line. */
		if (err == -EOPNOTSUPP) {
			plbuf__err_clear();
			return 0;
		}
		return err;
	}
	return 0;
}

PLBUF_EXPORT plbuf_buf *plbuf_allocate(plbuf_ctx *ctx, int ndim, const int64_t *shape,
				       const char *dtype, const struct plbuf_alloc_opts *opts)
{
	static const struct plbuf_alloc_opts defaults;
	const struct plbuf_dtype_info *dt;
	struct plbuf_tcache *tc;
	struct plbuf_buf *b;
	uint64_t nbytes = 0, align, max_dev;
	int bank, cached, cls, err, named, first_err = 0;
	char order, first_msg[512];

	if (!opts)
		opts = &defaults;
	if (!ctx && !(ctx = plbuf_default()))
		return NULL;
	if (plbuf__ctx_usable(ctx, "plbuf_allocate") < 0)
		return NULL;
	order = opts->order ? opts->order : 'C';
	if (order != 'C' && order != 'F')
		return plbuf__errp(EINVAL, "order '%c' is not 'C' or 'F'", order);
	if (opts->cacheable < PLBUF_CACHEABLE_DEFAULT || opts->cacheable > PLBUF_CACHEABLE_NO)
		return plbuf__errp(EINVAL, "cacheable = %d is not one of PLBUF_CACHEABLE_*",
				   opts->cacheable);
	align = opts->alignment;
	if (align & (align - 1))
		return plbuf__errp(EINVAL, "alignment %llu is not a power of two",
				   (unsigned long long)align);
	max_dev = opts->max_device_address ? opts->max_device_address : UINT64_MAX;

	/* The banks and the interned dtypes do not change while ctx lives: only the pool needs the
	 * lock, and not even that when this thread has a buffer of the right class cached. */
	tc = plbuf__tcache_get(ctx, ctx->id);
	dt = dtype_get(ctx, tc, dtype ? dtype : "u4");
	if (!dt)
		return NULL;
	if (check_shape(ndim, shape, dt, &nbytes) < 0)
		return NULL;
	named = opts->bank && *opts->bank;
	if (named && (bank = find_bank(ctx, opts->bank)) < 0)
		return NULL;
	if (!named && (bank = next_default_bank(ctx, -1, nbytes, max_dev)) < 0)
		bank = 0;
	if (align < dt->alignment)
		align = dt->alignment;
	for (;;) {
		cached = opts->cacheable == PLBUF_CACHEABLE_DEFAULT ? ctx->banks[bank].cached_default
								     : opts->cacheable == PLBUF_CACHEABLE_YES;
		b = NULL;
		if (tc && bank < PLBUF_TC_BANKS &&
		    (cls = plbuf__pool_class(nbytes, align, ctx->line_size)) >= 0)
			b = tc_pop(tc, bank, cached, cls, max_dev);
		if (b)
			break;
		pthread_mutex_lock(&ctx->lock);
		b = plbuf__handle_get(ctx);
		if (!b) {
			pthread_mutex_unlock(&ctx->lock);
			return plbuf__errp(ENOMEM, "out of process memory");
		}
		err = plbuf__pool_alloc(ctx, bank, nbytes, align, max_dev, cached, &b->mem);
		if (err < 0)
			plbuf__handle_put(ctx, b);
		pthread_mutex_unlock(&ctx->lock);
		if (err == 0)
			break;
		/* The default bank is full below the limit: the next bank low enough may not be.  The
		 * first bank's error is the one reported if none can. */
		if (!first_err) {
			first_err = err;
			snprintf(first_msg, sizeof(first_msg), "%s", plbuf_errmsg());
		}
		if (named || (err != -ENOMEM && err != -ERANGE) ||
		    (bank = next_default_bank(ctx, bank, nbytes, max_dev)) < 0) {
			if (first_err == -ENOMEM && max_dev != UINT64_MAX)
				limit_failure(ctx, named ? bank : -1, nbytes, max_dev, &first_err,
					      first_msg, sizeof(first_msg));
			return plbuf__errp(-first_err, "%s", first_msg);
		}
	}

	b->base = b;
	atomic_store_explicit(&b->refs, 1, memory_order_relaxed);
	b->dt = dt;
	b->data = b->mem.va;
	b->dev = b->mem.dev;
	b->ndim = ndim + dt->subndim;
	for (int i = 0; i < ndim; i++)
		b->shape[i] = shape[i];
	for (int i = 0; i < dt->subndim; i++)
		b->shape[ndim + i] = dt->subshape[i];
	plbuf__layout(b, dt->subndim ? dt->base_itemsize : dt->itemsize, order);
	/* A backend that models memory backs it now (the sim: ENOMEM, not SIGBUS, on a full /dev/shm) */
	err = ctx->be->watch ? plbuf__watch_mem(b, PLBUF_WATCH_ALLOC) : 0;
	if (!err && opts->zero)
		plbuf__zero(b->data, b->mem.size, b->mem.device_mem);
	if (!err)
		err = clean_new(ctx, &b->mem);
	if (err < 0) {
		char msg[512];

		snprintf(msg, sizeof(msg), "%s", plbuf_errmsg());
		plbuf_free(b);
		return plbuf__errp(-err, "%s", msg);
	}
	return b;
}

/* ---------------------------------------------------------------- free */

/* Small buffers go to this thread's cache, handle and memory together; when that magazine is full,
 * half of it goes back to the pool in one trip through the lock.  In a forked child, a buffer of
 * an inherited context is the parent's memory: only the child's handle is given back. */
static void release_base(struct plbuf_buf *base)
{
	struct plbuf_ctx *ctx = base->ctx;
	struct plbuf_slab *s = base->mem.slab;
	struct plbuf_tcache *tc = NULL;

	if (plbuf__inherited(ctx)) {
		pthread_mutex_lock(&ctx->lock);
		memset(&base->mem, 0, sizeof(base->mem));
		plbuf__handle_put(ctx, base);
		pthread_mutex_unlock(&ctx->lock);
		return;
	}
	if (s && s->bank < PLBUF_TC_BANKS && (tc = plbuf__tcache_get(ctx, ctx->id)) != NULL) {
		base->magic = PLBUF_MAGIC_DEAD;
		if (plbuf__tc_push(tc, s->bank, s->cached, s->cls, base))
			return;
	}
	pthread_mutex_lock(&ctx->lock);
	if (tc) {
		plbuf__tcache_spill(tc, s->bank, s->cached, s->cls, base);
	} else {
		plbuf__pool_free(ctx, &base->mem);
		plbuf__handle_put(ctx, base);
	}
	pthread_mutex_unlock(&ctx->lock);
}

PLBUF_EXPORT int plbuf_free(plbuf_buf *b)
{
	if (!b)
		return 0;
	if (b->magic != PLBUF_MAGIC_LIVE || (b->base == b && b->base_dead))
		return plbuf__err(EBADF, "plbuf_free: handle %p was already freed (or its context "
				  "closed)", (void *)b);
	struct plbuf_buf *base = b->base;

	if (b != base) {
		struct plbuf_ctx *ctx = b->ctx;

		pthread_mutex_lock(&ctx->lock);
		plbuf__handle_put(ctx, b);
		pthread_mutex_unlock(&ctx->lock);
	} else {
		/* The base handle is dead from now on, even if views keep the memory. */
		base->base_dead = 1;
	}
	/* The last reference needs no atomic decrement: nobody else can hold one to race with. */
	if (atomic_load_explicit(&base->refs, memory_order_acquire) == 1 ||
	    atomic_fetch_sub_explicit(&base->refs, 1, memory_order_acq_rel) == 1) {
		if (base->ctx->be->watch)
			plbuf__watch_mem(base, PLBUF_WATCH_FREE);
		release_base(base);
	}
	return 0;
}

/* ---------------------------------------------------------------- queries */

PLBUF_EXPORT void *plbuf_data(const plbuf_buf *b) { return b->data; }
PLBUF_EXPORT uint64_t plbuf_device_address(const plbuf_buf *b) { return b->dev; }
PLBUF_EXPORT uintptr_t plbuf_virtual_address(const plbuf_buf *b) { return (uintptr_t)b->data; }
PLBUF_EXPORT uint64_t plbuf_nbytes(const plbuf_buf *b) { return b->nbytes; }
PLBUF_EXPORT int plbuf_ndim(const plbuf_buf *b) { return b->ndim; }
PLBUF_EXPORT const int64_t *plbuf_shape(const plbuf_buf *b) { return b->shape; }
PLBUF_EXPORT const int64_t *plbuf_strides(const plbuf_buf *b) { return b->strides; }
PLBUF_EXPORT const struct plbuf_dtype_info *plbuf_dtype(const plbuf_buf *b) { return b->dt; }
PLBUF_EXPORT int plbuf_coherent(const plbuf_buf *b) { return b->base->mem.coherent; }
PLBUF_EXPORT int plbuf_cacheable(const plbuf_buf *b) { return b->base->mem.cached; }
PLBUF_EXPORT const char *plbuf_backend(const plbuf_buf *b) { return b->ctx->be->name; }
PLBUF_EXPORT int plbuf_is_view(const plbuf_buf *b) { return b->base != b; }

PLBUF_EXPORT uint64_t plbuf_itemsize(const plbuf_buf *b)
{
	return b->dt->subndim ? b->dt->base_itemsize : b->dt->itemsize;
}

PLBUF_EXPORT uint64_t plbuf_physical_address(const plbuf_buf *b)
{
	const struct plbuf_mem *m = &b->base->mem;

	if (m->phys == PLBUF_NO_ADDRESS)
		return PLBUF_NO_ADDRESS;
	return m->phys + (uint64_t)(b->data - m->va);
}

PLBUF_EXPORT const char *plbuf_bank(const plbuf_buf *b)
{
	return b->ctx->banks[b->base->mem.bank].name;
}

PLBUF_EXPORT void plbuf_span(const plbuf_buf *b, int64_t *lo, int64_t *hi)
{
	*lo = b->span_lo;
	*hi = b->span_hi;
}

void plbuf__handles_release_all(struct plbuf_ctx *ctx)
{
	int inherited = plbuf__inherited(ctx);

	ctx->free_handles = ctx->free_tail = NULL;
	ctx->nfree_handles = 0;
	for (struct plbuf_handle_block *blk = ctx->handle_blocks; blk; blk = blk->next)
		for (int i = 0; i < HANDLES_PER_BLOCK; i++) {
			struct plbuf_buf *b = &blk->h[i];

			if (!inherited && b->magic == PLBUF_MAGIC_LIVE && b->base == b &&
			    (b->mem.r || b->mem.slab))
				plbuf__pool_free(ctx, &b->mem);
			memset(&b->mem, 0, sizeof(b->mem));
			plbuf__handle_put(ctx, b);
		}
}
