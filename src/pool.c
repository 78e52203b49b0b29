/*
 * pool.c - carving buffers out of backend chunks (see pool.h).
 *
 * Why two allocators: a DMA buffer of 64 B must not cost a system call (spdk#2645: millisecond
 * allocation latency), so small sizes come from slabs with O(1) take/give.  Larger sizes take a
 * best-fit range from a region's free list, which coalesces on free so that freeing everything gives
 * back the same largest block as at the start.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "context.h"

static int add_overflows(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b;
}

/* The first address >= x that is a multiple of a (a power of two); UINT64_MAX on overflow. */
static uint64_t align_up(uint64_t x, uint64_t a)
{
	if (add_overflows(x, a - 1))
		return UINT64_MAX;
	return (x + a - 1) & ~(a - 1);
}

/* ---------------------------------------------------------------- ranges in a region */

/* Best fit of size bytes whose device address is aligned and ends at or below max_dev. */
static int range_take(struct plbuf_region *r, uint64_t size, uint64_t align, uint64_t max_dev,
		      uint64_t *off_out)
{
	struct plbuf_range *f, *best = NULL, **bestp = NULL, **pp;
	uint64_t best_start = 0, best_left = UINT64_MAX;

	for (pp = &r->free; (f = *pp) != NULL; pp = &f->next) {
		uint64_t sdev = align_up(r->c.dev + f->off, align);
		uint64_t start, end = f->off + f->len;

		if (sdev == UINT64_MAX)
			continue;
		start = sdev - r->c.dev;
		if (start > end || end - start < size)
			continue;
		if (add_overflows(sdev, size - 1) || sdev + size - 1 > max_dev)
			continue;
		if (f->len - size < best_left) {
			best = f;
			bestp = pp;
			best_start = start;
			best_left = f->len - size;
		}
	}
	if (!best)
		return -ENOMEM;

	uint64_t head = best_start - best->off;
	uint64_t tail = best->off + best->len - (best_start + size);

	if (head && tail) {
		struct plbuf_range *n = malloc(sizeof(*n));

		if (!n)
			return -ENOMEM;
		n->off = best_start + size;
		n->len = tail;
		n->next = best->next;
		best->len = head;
		best->next = n;
	} else if (head) {
		best->len = head;
	} else if (tail) {
		best->off = best_start + size;
		best->len = tail;
	} else {
		*bestp = best->next;
		free(best);
	}
	r->used += size;
	*off_out = best_start;
	return 0;
}

/* Gives [off, off+len) back, merging with its neighbours. */
static void range_give(struct plbuf_region *r, uint64_t off, uint64_t len)
{
	struct plbuf_range **pp = &r->free, *prev = NULL, *next;

	while (*pp && (*pp)->off < off) {
		prev = *pp;
		pp = &(*pp)->next;
	}
	next = *pp;
	r->used -= len;
	if (prev && prev->off + prev->len == off) {
		prev->len += len;
		if (next && off + len == next->off) {
			prev->len += next->len;
			prev->next = next->next;
			free(next);
		}
		return;
	}
	if (next && off + len == next->off) {
		next->off = off;
		next->len += len;
		return;
	}
	struct plbuf_range *n = malloc(sizeof(*n));

	if (!n) /* Only under memory exhaustion of the process itself: the range stays lost. */
		return;
	n->off = off;
	n->len = len;
	n->next = next;
	*pp = n;
}

static void range_stats(const struct plbuf_region *r, uint64_t *free_b, uint64_t *largest)
{
	for (const struct plbuf_range *f = r->free; f; f = f->next) {
		*free_b += f->len;
		if (f->len > *largest)
			*largest = f->len;
	}
}

/* ---------------------------------------------------------------- regions */

static int region_serves(const struct plbuf_region *r, int cached)
{
	if (cached)
		return (r->c.flags & PLBUF_CHUNK_CACHED) != 0;
	return r->c.va_uc != NULL || !(r->c.flags & PLBUF_CHUNK_CACHED);
}

static struct plbuf_region *region_new(struct plbuf_ctx *ctx, const struct plbuf_chunk *c,
				       int fixed, int dedicated)
{
	struct plbuf_region *r = calloc(1, sizeof(*r));
	struct plbuf_range *f = calloc(1, sizeof(*f));

	if (!r || !f) {
		free(r);
		free(f);
		return NULL;
	}
	r->c = *c;
	r->fixed = fixed;
	r->dedicated = dedicated;
	f->off = 0;
	f->len = c->size;
	r->free = f;
	r->next = ctx->pool.regions[c->bank];
	ctx->pool.regions[c->bank] = r;
	return r;
}

static void region_destroy(struct plbuf_ctx *ctx, struct plbuf_region *r)
{
	/* A forked child's copy of an inherited context: the chunk (its BO, its IOVA mapping, its
	 * memory) is the parent's; only the child's bookkeeping goes. */
	int forget = plbuf__inherited(ctx);

	struct plbuf_region **pp = &ctx->pool.regions[r->c.bank];

	while (*pp && *pp != r)
		pp = &(*pp)->next;
	if (*pp)
		*pp = r->next;
	while (r->free) {
		struct plbuf_range *f = r->free;

		r->free = f->next;
		free(f);
	}
	if (!r->fixed && !forget && ctx->be->chunk_free)
		ctx->be->chunk_free(ctx, &r->c);
	free(r);
}

/* A dynamic region that became empty goes back to the backend, except one kept for reuse. */
static void region_maybe_release(struct plbuf_ctx *ctx, struct plbuf_region *r)
{
	if (r->fixed || r->used)
		return;
	if (!r->dedicated) {
		for (struct plbuf_region *o = ctx->pool.regions[r->c.bank]; o; o = o->next)
			if (o != r && !o->fixed && !o->dedicated && !o->used &&
			    (o->c.flags & PLBUF_CHUNK_CACHED) == (r->c.flags & PLBUF_CHUNK_CACHED))
				goto release;
		return;
	}
release:
	region_destroy(ctx, r);
}

int plbuf__pool_add_fixed(struct plbuf_ctx *ctx, const struct plbuf_chunk *c)
{
	if (c->bank < 0 || c->bank >= ctx->nbanks || c->bank >= PLBUF_MAX_BANKS_POOL)
		return plbuf__err(EINVAL, "internal: chunk for bank %d, which does not exist", c->bank);
	if (!region_new(ctx, c, 1, 0))
		return plbuf__err(ENOMEM, "out of process memory adding bank %s",
				  ctx->banks[c->bank].name);
	return 0;
}

/* ---------------------------------------------------------------- slabs */

static void slab_destroy(struct plbuf_ctx *ctx, struct plbuf_slab *s)
{
	struct plbuf_region *r = s->r;

	range_give(r, s->off, (uint64_t)s->slot_size * s->nslots);
	free(s->stack);
	free(s);
	region_maybe_release(ctx, r);
}

/* Empty slabs kept for reuse are memory too: give them back before declaring a bank full. */
static void drop_spares(struct plbuf_ctx *ctx, int bank)
{
	for (int c = 0; c < 2; c++)
		for (int k = 0; k < PLBUF_NCLASSES; k++) {
			struct plbuf_sclass *sc = &ctx->pool.cls[bank][c][k];

			if (sc->spare) {
				slab_destroy(ctx, sc->spare);
				sc->spare = NULL;
			}
		}
}

/* Idle dynamic regions kept for reuse likewise. */
static void drop_idle_regions(struct plbuf_ctx *ctx, int bank)
{
	struct plbuf_region *r = ctx->pool.regions[bank], *next;

	for (; r; r = next) {
		next = r->next;
		if (!r->fixed && !r->used)
			region_destroy(ctx, r);
	}
}

static int range_alloc(struct plbuf_ctx *ctx, int bank, uint64_t size, uint64_t align,
		       uint64_t max_dev, int cached, struct plbuf_region **rout, uint64_t *off);

static struct plbuf_slab *slab_new(struct plbuf_ctx *ctx, int bank, int cached, int cls,
				   uint64_t max_dev, int *err)
{
	uint32_t slot = 1u << (cls + PLBUF_SLAB_MIN_SHIFT);
	uint64_t bytes = ctx->pool.slab_bytes;
	struct plbuf_slab *s;

	if (bytes < 16ull * slot)
		bytes = 16ull * slot;
	/* No slab above 1/16 of a fixed bank: 256 KiB slabs let five live buffers of five sizes
	 * fill a 1 MiB bank.  Such a class takes exact ranges instead (plbuf__pool_alloc). */
	if (ctx->banks[bank].fixed && bytes > ctx->banks[bank].size / 16) {
		*err = -ENOMEM;
		return NULL;
	}
	if (!ctx->pool.refused) /* so that describe_failure() can tell whether a backend spoke */
		plbuf__err_clear();
	s = calloc(1, sizeof(*s));
	if (s)
		s->stack = malloc(sizeof(uint32_t) * (bytes / slot));
	if (!s || !s->stack) {
		if (s)
			free(s);
		*err = -ENOMEM;
		return NULL;
	}
	*err = range_alloc(ctx, bank, bytes, slot, max_dev, cached, &s->r, &s->off);
	if (*err) {
		free(s->stack);
		free(s);
		return NULL;
	}
	s->slot_size = slot;
	s->nslots = (uint32_t)(bytes / slot);
	s->cls = cls;
	s->cached = cached;
	s->bank = bank;
	for (uint32_t i = 0; i < s->nslots; i++)
		s->stack[i] = s->nslots - 1 - i;
	s->nfree = s->nslots;
	return s;
}

static void avail_link(struct plbuf_sclass *sc, struct plbuf_slab *s)
{
	s->prev = NULL;
	s->next = sc->avail;
	if (sc->avail)
		sc->avail->prev = s;
	sc->avail = s;
}

static void avail_unlink(struct plbuf_sclass *sc, struct plbuf_slab *s)
{
	if (s->prev)
		s->prev->next = s->next;
	else
		sc->avail = s->next;
	if (s->next)
		s->next->prev = s->prev;
	s->prev = s->next = NULL;
}

static uint64_t slab_last_dev(const struct plbuf_slab *s)
{
	return s->r->c.dev + s->off + (uint64_t)s->slot_size * s->nslots - 1;
}

/* A free slot of s that ends at or below max_dev, moved to the top of its stack; 0 if none.  The
 * limit is per slot: a slab that straddles it still has slots below it. */
static int slab_slot_below(struct plbuf_slab *s, uint64_t max_dev)
{
	uint64_t first = s->r->c.dev + s->off;

	if (slab_last_dev(s) <= max_dev)
		return 1;
	if (first > max_dev || max_dev - first < s->slot_size - 1)
		return 0;
	uint64_t nbelow = (max_dev - first - (s->slot_size - 1)) / s->slot_size + 1;

	for (uint32_t i = s->nfree; i-- > 0;)
		if (s->stack[i] < nbelow) {
			uint32_t t = s->stack[i];

			s->stack[i] = s->stack[s->nfree - 1];
			s->stack[s->nfree - 1] = t;
			return 1;
		}
	return 0;
}

static int slab_alloc(struct plbuf_ctx *ctx, int bank, int cls, uint64_t max_dev, int cached,
		      struct plbuf_mem *m)
{
	struct plbuf_sclass *sc = &ctx->pool.cls[bank][cached][cls];
	struct plbuf_slab *s;
	int err = 0;

	for (s = sc->avail; s; s = s->next)
		if (slab_slot_below(s, max_dev))
			break;
	if (!s && sc->spare && slab_slot_below(sc->spare, max_dev)) {
		s = sc->spare;
		sc->spare = NULL;
		avail_link(sc, s);
	}
	if (!s) {
		s = slab_new(ctx, bank, cached, cls, max_dev, &err);
		if (!s)
			return err;
		avail_link(sc, s);
	}
	m->slab = s;
	m->slot = s->stack[--s->nfree];
	m->r = s->r;
	m->off = s->off + (uint64_t)m->slot * s->slot_size;
	m->size = s->slot_size;
	if (s->nfree == 0)
		avail_unlink(sc, s);
	return 0;
}

static void slab_free(struct plbuf_ctx *ctx, struct plbuf_mem *m)
{
	struct plbuf_slab *s = m->slab;
	struct plbuf_sclass *sc = &ctx->pool.cls[s->bank][s->cached][s->cls];

	s->stack[s->nfree++] = m->slot;
	if (s->nfree == 1)
		avail_link(sc, s);
	if (s->nfree == s->nslots) {
		avail_unlink(sc, s);
		if (!sc->spare)
			sc->spare = s;
		else
			slab_destroy(ctx, s);
	}
}

/* ---------------------------------------------------------------- allocation */

static int try_regions(struct plbuf_ctx *ctx, int bank, uint64_t size, uint64_t align,
		       uint64_t max_dev, int cached, struct plbuf_region **rout, uint64_t *off)
{
	for (struct plbuf_region *r = ctx->pool.regions[bank]; r; r = r->next) {
		if (r->dedicated || !region_serves(r, cached))
			continue;
		if (range_take(r, size, align, max_dev, off) == 0) {
			*rout = r;
			return 0;
		}
	}
	return -ENOMEM;
}

/* The pool holds shared chunks of this bank (which may be idle, or made idle by a drain). */
static int holds_chunks(const struct plbuf_ctx *ctx, int bank)
{
	for (const struct plbuf_region *r = ctx->pool.regions[bank]; r; r = r->next)
		if (!r->fixed && !r->dedicated)
			return 1;
	return 0;
}

/* A new chunk from a dynamic backend: a pool chunk, or one just for this buffer when it is large. */
static int grow(struct plbuf_ctx *ctx, int bank, uint64_t size, uint64_t align, uint64_t max_dev,
		int cached, struct plbuf_region **rout, uint64_t *off)
{
	struct plbuf_chunk c;
	uint64_t page = plbuf__page_size();
	int dedicated = size > ctx->chunk_size / 2;
	uint64_t want = dedicated ? size : ctx->chunk_size;
	int err;

	if (!ctx->be->chunk_alloc)
		return -ENOMEM;
	/* One allocation asks the backend at most once for a chunk of a given size: a refused
	 * request is not repeated (nor a larger one), because a failing request can cost more than
	 * the failure.  zocl up to at least XRT 963c58ee writes into freed kernel memory on every
	 * CREATE_BO that CMA cannot satisfy (docs/backends/zocl.md). */
	if (ctx->pool.refused && want >= ctx->pool.refused)
		return -ENOMEM;
	/* Memory kept only for speed (threads' caches, empty slabs, idle chunks) goes back first
	 * when the backend says it has too little (asked only when the pool holds chunks). */
	if (ctx->be->bank_stats && holds_chunks(ctx, bank)) {
		uint64_t bf = 0, bl = 0;

		if (ctx->be->bank_stats(ctx, bank, &bf, &bl) == 0 && bf < want) {
			plbuf__tcache_drain_all(ctx);
			drop_spares(ctx, bank);
			drop_idle_regions(ctx, bank);
		}
	}
	memset(&c, 0, sizeof(c));
	err = ctx->be->chunk_alloc(ctx, bank, want, align > page ? align : page, max_dev, cached, &c);
	if (err == -ENOMEM && (!ctx->pool.refused || want < ctx->pool.refused))
		ctx->pool.refused = want;
	if (err)
		return err;
	c.bank = bank;
	struct plbuf_region *r = region_new(ctx, &c, 0, dedicated);

	if (!r) {
		ctx->be->chunk_free(ctx, &c);
		return plbuf__err(ENOMEM, "out of process memory");
	}
	err = range_take(r, size, align, max_dev, off);
	if (err) { /* The backend's chunk does not meet the request after all. */
		region_destroy(ctx, r);
		return plbuf__err(ENOMEM, "%s: chunk at 0x%llx of %llu bytes cannot hold %llu bytes "
				  "aligned to %llu", ctx->be->name, (unsigned long long)c.dev,
				  (unsigned long long)c.size, (unsigned long long)size,
				  (unsigned long long)align);
	}
	*rout = r;
	return 0;
}

static int range_alloc(struct plbuf_ctx *ctx, int bank, uint64_t size, uint64_t align,
		       uint64_t max_dev, int cached, struct plbuf_region **rout, uint64_t *off)
{
	int err;

	/* Only here, off the slab fast path (see describe_failure()).  A backend's refusal earlier
	 * in this allocation keeps its words. */
	if (!ctx->pool.refused)
		plbuf__err_clear();
	if (size <= ctx->chunk_size / 2 || ctx->banks[bank].fixed) {
		if (try_regions(ctx, bank, size, align, max_dev, cached, rout, off) == 0)
			return 0;
	}
	if (!ctx->banks[bank].fixed) {
		err = grow(ctx, bank, size, align, max_dev, cached, rout, off);
		if (err != -ENOMEM)
			return err;
	}
	/* Under pressure: release what is only kept for speed, then try once more. */
	drop_spares(ctx, bank);
	drop_idle_regions(ctx, bank);
	if (try_regions(ctx, bank, size, align, max_dev, cached, rout, off) == 0)
		return 0;
	if (!ctx->banks[bank].fixed)
		return grow(ctx, bank, size, align, max_dev, cached, rout, off);
	return -ENOMEM;
}

/* Says why an allocation failed when the backend has not already said it; returns -errno. */
static int describe_failure(struct plbuf_ctx *ctx, int bank, uint64_t size, uint64_t align,
			    uint64_t max_dev, int cached, int err)
{
	uint64_t free_b = 0, largest = 0;
	const struct plbuf_bank *b = &ctx->banks[bank];
	char aligned[64] = "";
	int serves = 0;

	if (plbuf__err_said())
		return err; /* the backend already said which limit it hit */
	/* A fixed bank mapped one way only (a u-dma-buf the driver maps non-cacheable) is not full:
	 * it never has memory of the other kind. */
	for (const struct plbuf_region *r = ctx->pool.regions[bank]; r && b->fixed; r = r->next)
		serves |= region_serves(r, cached);
	if (b->fixed && !serves)
		return plbuf__err(EOPNOTSUPP, "%s bank %s has no %s mapping: ask for cacheable=%s or "
				  "the default (`plbuf info` shows each bank's mappings)", ctx->be->name,
				  b->name, cached ? "cached" : "uncached", cached ? "no" : "yes");
	plbuf__pool_stats(ctx, bank, &free_b, &largest);
	if (align > ctx->line_size)
		snprintf(aligned, sizeof(aligned), " aligned to %llu (0x%llx)",
			 (unsigned long long)align, (unsigned long long)align);
	if (max_dev != UINT64_MAX && (b->base > max_dev || size - 1 > max_dev - b->base))
		return plbuf__err(ERANGE, "%s bank %s: %llu bytes cannot lie below "
				  "max_device_address 0x%llx: the bank starts at 0x%llx", ctx->be->name,
				  b->name, (unsigned long long)size, (unsigned long long)max_dev,
				  (unsigned long long)b->base);
	/* Room above the limit but none below it is ERANGE, as the header says, not a full bank. */
	if (max_dev != UINT64_MAX && b->fixed && largest >= size && align <= ctx->line_size)
		return plbuf__err(ERANGE, "%s bank %s: no room for %llu bytes below max_device_address "
				  "0x%llx (%llu bytes free in the bank, largest free block %llu bytes, "
				  "above the limit): free buffers that lie below it, or use a bank that "
				  "lies lower", ctx->be->name, b->name, (unsigned long long)size,
				  (unsigned long long)max_dev, (unsigned long long)free_b,
				  (unsigned long long)largest);
	if (b->fixed && b->size && align > b->size)
		return plbuf__err(ENOMEM, "%s bank %s: cannot allocate %llu bytes%s: the alignment is "
				  "larger than the whole bank (%llu bytes at 0x%llx); ask for a smaller "
				  "alignment", ctx->be->name, b->name, (unsigned long long)size, aligned,
				  (unsigned long long)b->size, (unsigned long long)b->base);
	return plbuf__err(ENOMEM, "%s bank %s: cannot allocate %llu bytes%s%s: %llu bytes free in the "
		   "bank, largest free block %llu bytes; free buffers, or give the bank more memory "
		   "(`plbuf info` says how for this backend)%s", ctx->be->name, b->name,
		   (unsigned long long)size, aligned,
		   max_dev != UINT64_MAX ? " below max_device_address" : "",
		   (unsigned long long)free_b, (unsigned long long)largest,
		   aligned[0] ? ", or ask for a smaller alignment" : "");
}

int plbuf__pool_alloc(struct plbuf_ctx *ctx, int bank, uint64_t size, uint64_t align,
		      uint64_t max_dev, int cached, struct plbuf_mem *m)
{
	uint64_t line = ctx->line_size, asked = size;
	int err, cls, retried = 0;

	if (align < line)
		align = line;
	/* Whole cache lines, so that no two buffers share a line and a sync never spills over. */
	size = align_up(size, line);
	if (size == UINT64_MAX)
		return plbuf__err(EOVERFLOW, "%llu bytes is too large", (unsigned long long)asked);
	cls = plbuf__pool_class(size, align, line);
	ctx->pool.refused = 0;
retry:
	memset(m, 0, sizeof(*m));
	if (cls >= 0 && bank < PLBUF_MAX_BANKS_POOL) {
		err = slab_alloc(ctx, bank, cls, max_dev, cached, m);
		/* A small bank (a 64 KiB u-dma-buf buffer) or a tight max_dev may leave no room for a
		 * whole slab, yet room for this buffer. */
		if (err == -ENOMEM) {
			memset(m, 0, sizeof(*m));
			m->size = size;
			err = range_alloc(ctx, bank, size, align, max_dev, cached, &m->r, &m->off);
		}
	} else {
		m->size = size;
		err = range_alloc(ctx, bank, size, align, max_dev, cached, &m->r, &m->off);
	}
	/* Buffers kept in threads' caches are free memory too: give them back, then try once more. */
	if (err == -ENOMEM && !retried && plbuf__tcache_drain_all(ctx)) {
		retried = 1;
		goto retry;
	}
	if (err)
		return describe_failure(ctx, bank, size, align, max_dev, cached, err);
	struct plbuf_chunk *c = &m->r->c;
	int really_cached = cached && (c->flags & PLBUF_CHUNK_CACHED);
	char *base = (char *)(really_cached || !c->va_uc ? c->va : c->va_uc);

	m->bank = bank;
	m->cached = really_cached;
	m->coherent = !really_cached || (c->flags & PLBUF_CHUNK_COHERENT);
	m->device_mem = !really_cached && (c->flags & PLBUF_CHUNK_DEVICE_MEM);
	m->va = base + m->off;
	m->dev = c->dev + m->off;
	m->phys = c->phys == PLBUF_NO_ADDRESS ? PLBUF_NO_ADDRESS : c->phys + m->off;
	return 0;
}

void plbuf__pool_free(struct plbuf_ctx *ctx, struct plbuf_mem *m)
{
	if (m->slab) {
		slab_free(ctx, m);
	} else if (m->r) {
		range_give(m->r, m->off, m->size);
		region_maybe_release(ctx, m->r);
	}
	memset(m, 0, sizeof(*m));
}

void plbuf__pool_stats(struct plbuf_ctx *ctx, int bank, uint64_t *free_b, uint64_t *largest)
{
	*free_b = 0;
	*largest = 0;
	if (bank < 0 || bank >= ctx->nbanks)
		return;
	/* What threads keep cached is free: count it so, and let it coalesce (not in a forked child,
	 * where the memory is the parent's and the figures are the parent's at fork()). */
	if (!plbuf__inherited(ctx)) {
		plbuf__tcache_drain_all(ctx);
		drop_spares(ctx, bank);
	}
	for (struct plbuf_region *r = ctx->pool.regions[bank]; r; r = r->next)
		if (!r->dedicated)
			range_stats(r, free_b, largest);
	if (!ctx->banks[bank].fixed && ctx->be->bank_stats) {
		uint64_t bf = 0, bl = 0;

		if (ctx->be->bank_stats(ctx, bank, &bf, &bl) == 0) {
			*free_b += bf;
			if (bl > *largest)
				*largest = bl;
		}
	}
}

void plbuf__pool_destroy(struct plbuf_ctx *ctx)
{
	for (int b = 0; b < ctx->nbanks && b < PLBUF_MAX_BANKS_POOL; b++) {
		for (int c = 0; c < 2; c++)
			for (int k = 0; k < PLBUF_NCLASSES; k++) {
				struct plbuf_sclass *sc = &ctx->pool.cls[b][c][k];
				struct plbuf_slab *s, *n;

				for (s = sc->avail; s; s = n) {
					n = s->next;
					free(s->stack);
					free(s);
				}
				if (sc->spare) {
					free(sc->spare->stack);
					free(sc->spare);
				}
				sc->avail = sc->spare = NULL;
			}
		while (ctx->pool.regions[b])
			region_destroy(ctx, ctx->pool.regions[b]);
	}
}
