/*
 * backend.h - what a backend is: a row of function pointers (struct plbuf_backend) and the memory
 * it hands out (struct plbuf_chunk).  A backend lives in src/backends/<name>.c, fills one row and
 * contains nothing else; src/registry.c lists the rows.
 *
 * Division of labour.  A backend knows how to get contiguous memory from its kernel interface, what
 * device address and physical address it has, and (if the kernel must do it) how to sync it.  The
 * core (pool.c) carves buffers out of chunks, keeps device-address ranges disjoint, enforces
 * alignment and the maximum device address, and does cache maintenance by virtual address when the
 * backend has no sync of its own (sync.c, src/arch/).
 *
 * Two kinds of bank:
 *  - fixed: the memory exists in full when the context opens (sim, reserved, u-dma-buf).  open()
 *    adds one chunk per bank with plbuf__bank_add_chunk(); the core sub-allocates inside it and
 *    never calls chunk_alloc for that bank.
 *  - dynamic: memory is obtained on demand (hugepage, vfio, xlnk, zocl, xrt).  The core calls
 *    chunk_alloc() for a pool chunk (plbuf__chunk_size(), carved into small buffers) or for one large
 *    buffer, and chunk_free() when it is empty again.
 */
#ifndef PLBUF_BACKEND_H
#define PLBUF_BACKEND_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "plbuf.h"
#include "arch/arch.h" /* cache maintenance by address, for a backend's sync=cpu */
#include "internal.h"  /* plbuf__err(), PLBUF_EXPORT */

#define PLBUF_MAX_BANKS 64

struct plbuf_ctx;
struct plbuf_kv;

/* Chunk flags. */
#define PLBUF_CHUNK_CACHED   0x1u /* va is a cached mapping */
#define PLBUF_CHUNK_COHERENT 0x2u /* the device snoops the CPU caches for this memory */
#define PLBUF_CHUNK_DEVICE_MEM 0x4u /* va_uc is Device memory (arm64 nGnRE): aligned access only */

/* Contiguous device memory as the backend hands it out. */
struct plbuf_chunk {
	void *va;            /* CPU mapping (cached if PLBUF_CHUNK_CACHED) */
	void *va_uc;         /* fixed banks only: a second, uncached mapping of the same memory, or NULL */
	uint64_t dev;        /* device address of byte 0 */
	uint64_t phys;       /* CPU physical address of byte 0, or PLBUF_NO_ADDRESS */
	uint64_t size;       /* bytes */
	unsigned flags;      /* PLBUF_CHUNK_* */
	int bank;            /* its bank: the index plbuf__bank_add() returned */
	void *priv;          /* the backend's own (fd, BO handle, id, mapping length, ...) */
	uint64_t priv_u64;
};

enum plbuf_sync_dir {
	PLBUF_SYNC_TO_DEVICE = 1,   /* flush: clean the CPU's lines to memory */
	PLBUF_SYNC_FROM_DEVICE = 2, /* invalidate: drop the CPU's lines (edges cleaned first) */
};

/* An event for a backend's watch(): a buffer's memory, or a sync of it. */
enum plbuf_watch_ev {
	PLBUF_WATCH_ALLOC,      /* its memory is about to be used (may fail: ENOMEM) */
	PLBUF_WATCH_FREE,       /* its memory is given back */
	PLBUF_WATCH_FLUSH,      /* before a flush of [off, off + len): the exact bytes */
	PLBUF_WATCH_INVALIDATE, /* before an invalidate of [off, off + len) */
	PLBUF_WATCH_BAD_SYNC,   /* a sync the core refused (msg says why): a freed buffer, a range
	                           outside it */
};
struct plbuf_watch {
	enum plbuf_watch_ev ev;
	const struct plbuf_chunk *c; /* the buffer's chunk */
	uint64_t off, len;           /* bytes of c concerned */
	uint64_t buf_dev, buf_len;   /* the buffer (or view): its span's device address and bytes */
	int cached, coherent;        /* how the buffer maps its memory */
	const char *op;              /* "plbuf_flush", "plbuf_invalidate_range", ... */
	const char *msg;             /* BAD_SYNC: the core's error message */
};

/* Rows look alike, and so do the few lines of open() and close() around the private state: that
 * is the point of a table (`duplicates` lists them as pairs; they are deliberate). */
struct plbuf_backend {
	const char *name;
	const char *summary;
	/* Order of the automatic choice: lower is tried first.  The automatic choice takes the first
	 * backend whose probe() succeeds; sim has the highest rank so it is the fallback. */
	int rank;
	/* Can this backend be opened here?  Returns 0 and may describe what it found in why, or a
	 * negative errno and says in why what is missing and how to get it.  No side effects. */
	int (*probe)(char *why, size_t whylen);
	/* Bytes of the backend's private state (plbuf__priv()): the core allocates them zeroed before
	 * open() and frees them after close().  0 for none. */
	size_t priv_size;
	/* Opens the backend: parses its options (plbuf__kv_*), adds its banks (plbuf__bank_add), may
	 * set the line and chunk sizes.  For fixed banks, adds their chunks.  Returns 0 or -errno
	 * with plbuf__err().  On failure it just returns: the core then undoes the open (frees the
	 * pool's chunks, calls close()). */
	int (*open)(struct plbuf_ctx *ctx, struct plbuf_kv *kv);
	/* Releases what open() took, and any chunk still allocated.  Also called after a failed
	 * open(), on whatever it had reached: so an open() marks descriptors in its zeroed private
	 * state as absent (-1) before anything that can fail. */
	void (*close)(struct plbuf_ctx *ctx);
	/* Dynamic banks: contiguous memory of at least size bytes, aligned to align (a power of two,
	 * at least the page size) in device address space, wholly at or below max_dev (UINT64_MAX for
	 * no limit), cached or not as asked.  Returns 0 and fills *out (out->size may be larger), or
	 * -ENOMEM / -ERANGE with a message that says which limit was hit and how to raise it. */
	int (*chunk_alloc)(struct plbuf_ctx *ctx, int bank, uint64_t size, uint64_t align,
			   uint64_t max_dev, int cached, struct plbuf_chunk *out);
	void (*chunk_free)(struct plbuf_ctx *ctx, struct plbuf_chunk *c);
	/* Cache maintenance that only the kernel (or the backend's model of memory) can do, for
	 * [off, off + len) of chunk c.  With sync_lines set, the core applies the DMA-API edge rule
	 * (src/sync.c) and hands whole lines: TO_DEVICE cleans them, FROM_DEVICE only invalidates
	 * them, any partial edge line having been cleaned just before.  Without it, the exact bytes,
	 * and the backend (or its kernel) must not lose the bytes next to them.  NULL when the core's
	 * by-address maintenance (src/arch/) is right for this backend's cached memory. */
	int (*sync)(struct plbuf_ctx *ctx, const struct plbuf_chunk *c, uint64_t off, uint64_t len,
		    enum plbuf_sync_dir dir);
	int sync_lines;
	/* What a backend that models memory (the sim's checker) is told besides the syncs; NULL for
	 * the others.  Returns 0, or -errno for PLBUF_WATCH_ALLOC, which then fails. */
	int (*watch)(struct plbuf_ctx *ctx, const struct plbuf_watch *w);
	/* Dynamic banks: bytes the backend could still hand out for bank, and the largest single
	 * chunk (e.g. the longest run of physically consecutive hugepages).  May be NULL. */
	int (*bank_stats)(struct plbuf_ctx *ctx, int bank, uint64_t *free, uint64_t *largest);
	/* Extra lines for `plbuf info` (free pages, reservation hints...).  May be NULL. */
	void (*info)(struct plbuf_ctx *ctx, FILE *out);
};

/* ---- helpers the core offers to backends (context.c, options.c, os/sysfs.c) */

/* The backend's private state: priv_size zeroed bytes, or NULL when priv_size is 0. */
void *plbuf__priv(const struct plbuf_ctx *ctx);
/* The pool's chunk size for dynamic banks (4 MiB unless open() changes it), and the cache line
 * size buffers are aligned to and synced by (the architecture's unless open() changes it; read it
 * with plbuf_ctx_line_size()). */
uint64_t plbuf__chunk_size(const struct plbuf_ctx *ctx);
void plbuf__set_chunk_size(struct plbuf_ctx *ctx, uint64_t bytes);
void plbuf__set_line_size(struct plbuf_ctx *ctx, size_t bytes);

/* A bank as a backend declares it. */
struct plbuf_bank {
	char name[PLBUF_NAMELEN];
	uint64_t base;        /* lowest device address, 0 if unknown */
	uint64_t size;        /* capacity in bytes, 0 if unknown */
	int coherent;         /* cached memory in this bank is coherent with the device */
	int fixed;            /* memory given in full at open (see above) */
	int cached_default;   /* what PLBUF_CACHEABLE_DEFAULT means in this bank */
};

/* Adds a bank; returns its index or -errno. */
int plbuf__bank_add(struct plbuf_ctx *ctx, const struct plbuf_bank *b);
/* The banks added so far, and bank i of them (0 <= i < plbuf__nbanks()). */
int plbuf__nbanks(const struct plbuf_ctx *ctx);
const struct plbuf_bank *plbuf__bank(const struct plbuf_ctx *ctx, int i);
/* Fixed banks: hands the core the memory of bank c->bank to sub-allocate. */
int plbuf__bank_add_chunk(struct plbuf_ctx *ctx, const struct plbuf_chunk *c);

/* key=value options.  plbuf__kv_get returns NULL when absent and marks the key as used; keys left
 * unused after open() are reported as an error (a typo must not be silently ignored). */
const char *plbuf__kv_get(struct plbuf_kv *kv, const char *key);
int plbuf__kv_u64(struct plbuf_kv *kv, const char *key, uint64_t dflt, uint64_t *out);
/* sync=auto|driver|cpu, the option of backends whose driver can do cache maintenance too: *by_va
 * is 1 when it is done by address from user space (cpu; auto where the CPU can reach the point of
 * coherency), 0 when through the driver (driver; auto elsewhere).  Returns 0, or -EINVAL /
 * -EOPNOTSUPP (cpu where the CPU cannot) with a message that starts with who. */
int plbuf__kv_sync(struct plbuf_kv *kv, const char *who, int *by_va);
/* Parses "123", "0x1000", "4K", "16M", "2G" (binary units). Returns 0 or -EINVAL. */
int plbuf__parse_size(const char *s, uint64_t *out);

/* Path under PLBUF_ROOT (fixture trees), e.g. plbuf__path(buf, sizeof buf, "/sys/class/uio").
 * Returns buf. */
const char *plbuf__path(char *buf, size_t len, const char *path);
/* Reads a small text file (sysfs attribute) under PLBUF_ROOT into buf, newline stripped.
 * Returns its length or -errno with a message naming the file. */
int plbuf__read_attr(const char *path, char *buf, size_t len);
/* Reads an unsigned number (decimal or 0x hex) from a sysfs attribute under PLBUF_ROOT. */
int plbuf__read_attr_u64(const char *path, uint64_t *out);

/* The page size of the system. */
size_t plbuf__page_size(void);

#endif
