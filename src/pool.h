/*
 * pool.h - the sub-allocator.  Each bank is a list of regions (backend chunks).  Inside a region,
 * a range allocator keeps the free device-address ranges, address-ordered and coalesced, so ranges
 * never overlap.  Small buffers (<= PLBUF_SLAB_MAX) come from slabs: a range cut into equal slots,
 * taken and given back with no system call and no search.
 */
#ifndef PLBUF_POOL_H
#define PLBUF_POOL_H

#include <stdint.h>

#include "backend.h"

#define PLBUF_SLAB_MIN_SHIFT 6  /* 64 B */
#define PLBUF_SLAB_MAX_SHIFT 16 /* 64 KiB */
#define PLBUF_SLAB_MAX (1u << PLBUF_SLAB_MAX_SHIFT)
#define PLBUF_NCLASSES (PLBUF_SLAB_MAX_SHIFT - PLBUF_SLAB_MIN_SHIFT + 1)
#define PLBUF_MAX_BANKS_POOL 64

struct plbuf_range {
	uint64_t off, len;
	struct plbuf_range *next;
};

struct plbuf_region {
	struct plbuf_chunk c;
	struct plbuf_region *next;
	struct plbuf_range *free;  /* address-ordered free ranges (offsets into c) */
	uint64_t used;             /* bytes handed out (slabs count whole) */
	int fixed;                 /* given by the backend at open; never returned */
	int dedicated;             /* holds exactly one large buffer */
};

struct plbuf_slab {
	struct plbuf_region *r;
	uint64_t off;              /* of slot 0 in the region */
	uint32_t slot_size, nslots, nfree;
	int cls, cached, bank;
	struct plbuf_slab *prev, *next; /* in its class's list of slabs with free slots */
	uint32_t *stack;           /* free slot indices */
};

/* One allocation, as buffers hold it. */
struct plbuf_mem {
	struct plbuf_region *r;
	struct plbuf_slab *slab;   /* NULL for a range allocation */
	uint32_t slot;
	int bank;
	int cached, coherent, device_mem;
	uint64_t off, size;        /* in the region */
	char *va;
	uint64_t dev, phys;
};

struct plbuf_sclass {
	struct plbuf_slab *avail;  /* slabs with a free slot */
	struct plbuf_slab *spare;  /* one empty slab kept to avoid churn; dropped under pressure */
};

struct plbuf_pool {
	struct plbuf_region *regions[PLBUF_MAX_BANKS_POOL];
	struct plbuf_sclass cls[PLBUF_MAX_BANKS_POOL][2][PLBUF_NCLASSES];
	uint64_t slab_bytes;       /* size of a slab's range */
	uint64_t refused;          /* smallest chunk the backend refused during the allocation
	                              under way (0: none); see grow() */
};

struct plbuf_ctx;

/* The slab class of a buffer of size bytes aligned to align, on a context whose cache line is line
 * bytes; -1 when it is too large for slabs.  size must not exceed INT64_MAX. */
static inline int plbuf__pool_class(uint64_t size, uint64_t align, uint64_t line)
{
	uint64_t need;

	if (align < line)
		align = line;
	size = (size + line - 1) & ~(line - 1);
	need = size > align ? size : align;
	if (need > PLBUF_SLAB_MAX)
		return -1;
	if (need <= (1u << PLBUF_SLAB_MIN_SHIFT))
		return 0;
	return 64 - __builtin_clzll(need - 1) - PLBUF_SLAB_MIN_SHIFT;
}

/* All called with ctx->lock held. */
int plbuf__pool_alloc(struct plbuf_ctx *ctx, int bank, uint64_t size, uint64_t align,
		      uint64_t max_dev, int cached, struct plbuf_mem *out);
void plbuf__pool_free(struct plbuf_ctx *ctx, struct plbuf_mem *m);
/* Free bytes and the largest allocation that would succeed in bank now. */
void plbuf__pool_stats(struct plbuf_ctx *ctx, int bank, uint64_t *free, uint64_t *largest);
int plbuf__pool_add_fixed(struct plbuf_ctx *ctx, const struct plbuf_chunk *c);
void plbuf__pool_destroy(struct plbuf_ctx *ctx);

#endif
