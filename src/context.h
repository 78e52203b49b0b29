/* The insides of a context and of a buffer handle, shared by the core files. */
#ifndef PLBUF_CONTEXT_H
#define PLBUF_CONTEXT_H

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>

#include "arch/arch.h"
#include "backend.h"
#include "internal.h"
#include "pool.h"
#include "tcache.h"

#define PLBUF_MAGIC_LIVE 0x706c6275u /* "plbu" */
#define PLBUF_MAGIC_DEAD 0xdeadb0ffu
#define PLBUF_CTX_LIVE 0x706c6378u   /* "plcx" */
#define PLBUF_CTX_CLOSED 0xc105edc7u

/* A buffer handle: a base (which owns the memory) or a view (which points at its base). */
struct plbuf_buf {
	uint32_t magic;
	int ndim;
	struct plbuf_ctx *ctx;
	struct plbuf_buf *base;               /* itself for a base */
	const struct plbuf_dtype_info *dt;    /* interned in the context */
	char *data;                           /* first element */
	uint64_t dev;                         /* device address of the first element */
	uint64_t nbytes;
	int64_t span_lo, span_hi;             /* bytes touched, relative to data */
	/* Base only: the memory, and how many handles (base + views) keep it alive. */
	atomic_int refs;
	int base_dead;                        /* the base handle itself was freed */
	struct plbuf_mem mem;
	struct plbuf_buf *next_free;          /* the context's FIFO of free handles */
	int64_t shape[PLBUF_MAXDIM];
	int64_t strides[PLBUF_MAXDIM];
};

/* An interned dtype: parsed once per distinct string per context. */
struct plbuf_dtype_entry {
	struct plbuf_dtype_entry *next;
	struct plbuf_dtype_info info;
	char key[];
};

struct plbuf_ctx {
	uint32_t magic;                       /* PLBUF_CTX_LIVE, or PLBUF_CTX_CLOSED */
	unsigned forkgen;                     /* plbuf__forkgen when opened (see plbuf__ctx_usable) */
	const struct plbuf_backend *be;
	void *priv;                           /* the backend's: be->priv_size bytes */
	char reason[512];                     /* why the automatic choice picked be */
	size_t line_size;                     /* cache line, for alignment and sync */
	uint64_t chunk_size;                  /* dynamic banks: size of a pool chunk */
	int nbanks;
	struct plbuf_bank banks[PLBUF_MAX_BANKS];
	struct plbuf_pool pool;
	pthread_mutex_t lock;                 /* pool, handle free list, dtype table, tcaches list */
	/* Free handles, oldest first: a freed handle is handed out again only after
	 * PLBUF_HANDLE_QUARANTINE others (buffer.c), so that a stale one is still seen as freed. */
	struct plbuf_buf *free_handles, *free_tail;
	unsigned nfree_handles;
	struct plbuf_handle_block *handle_blocks;
	struct plbuf_ctx *closed_next;        /* closed contexts kept for reuse (context.c) */
	struct plbuf_dtype_entry *dtypes[64];
	int ndtypes;
	/* Per-thread caches of small buffers (tcache.c). */
	uint64_t id;                          /* unique in the process, never reused */
	struct plbuf_ctx *reg_next;           /* the registry of open contexts */
	struct plbuf_tcache *tcaches;         /* every thread's cache for this context */
};

/* Bumped in the child by fork() (a pthread_atfork handler, context.c): a context whose forkgen
 * differs was inherited from the parent.  Written only in a child that has a single thread. */
extern unsigned plbuf__forkgen;

static inline int plbuf__inherited(const struct plbuf_ctx *ctx)
{
	return ctx->forkgen != plbuf__forkgen;
}

/* Says why ctx cannot allocate (NULL, closed, or inherited across fork()); returns -errno. */
int plbuf__ctx_refuse(const struct plbuf_ctx *ctx, const char *fn);

/* 0 when ctx may hand out memory; else -errno with a message.  Two loads: the hot path. */
static inline int plbuf__ctx_usable(const struct plbuf_ctx *ctx, const char *fn)
{
	if (ctx && ctx->magic == PLBUF_CTX_LIVE && !plbuf__inherited(ctx))
		return 0;
	return plbuf__ctx_refuse(ctx, fn);
}

/* 0 for a live handle; -EINVAL / -EBADF with a message for NULL or a freed one. */
static inline int plbuf__check_live(const struct plbuf_buf *b, const char *fn)
{
	if (!b)
		return plbuf__err(EINVAL, "%s: buffer is NULL", fn);
	if (b->magic != PLBUF_MAGIC_LIVE || (b->base == b && b->base_dead))
		return plbuf__err(EBADF, "%s: buffer %p was freed", fn, (const void *)b);
	return 0;
}

/* Handles (buffer.c). */
struct plbuf_buf *plbuf__handle_get(struct plbuf_ctx *ctx);
void plbuf__handle_put(struct plbuf_ctx *ctx, struct plbuf_buf *b);
/* plbuf_close(): the memory of buffers still allocated back to the pool (unless ctx was inherited,
 * whose memory is the parent's), every handle marked freed and queued for reuse. */
void plbuf__handles_release_all(struct plbuf_ctx *ctx);
/* Fills shape/strides/span/nbytes of a handle from ndim and shape, for order 'C' or 'F'. */
void plbuf__layout(struct plbuf_buf *b, uint64_t itemsize, char order);
void plbuf__span(int ndim, const int64_t *shape, const int64_t *strides, uint64_t itemsize,
		 int64_t *lo, int64_t *hi);

/* Zeroes memory with aligned stores only where it is Device memory (copy.c). */
void plbuf__zero(void *p, uint64_t n, int device_mem);

/* Cache maintenance of [off, off+len) bytes from a buffer's first element (sync.c). */
int plbuf__sync(struct plbuf_buf *b, int64_t off, uint64_t len, enum plbuf_sync_dir dir);
int plbuf__sync_mem(struct plbuf_ctx *ctx, const struct plbuf_mem *m, uint64_t off, uint64_t len,
		    enum plbuf_sync_dir dir);
/* Tells the backend's watch() (when it has one) that a base's memory is allocated or freed (sync.c). */
int plbuf__watch_mem(const struct plbuf_buf *b, enum plbuf_watch_ev ev);

/* The registry of backends (registry.c). */
extern const struct plbuf_backend *const plbuf__backends[];
const struct plbuf_backend *plbuf__backend_find(const char *name);

#endif
