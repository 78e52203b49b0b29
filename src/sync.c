/*
 * sync.c - flush and invalidate: who does the cache maintenance for a given buffer, and the one
 * home of the DMA-API edge rule.
 *
 *   coherent memory (uncached mapping, or a snooping port)  -> a fence only: no system call;
 *   a backend whose kernel must do it (u-dma-buf, zocl, sim) -> the backend's sync();
 *   otherwise                                               -> by virtual address (src/arch/).
 *
 * The range is checked first, on every kind of memory: code that syncs outside its buffer passes
 * on a PC with coherent memory and fails on a board, so it fails here too.  A backend that models
 * memory (the sim's DMA-API checker) is told of each sync, of each sync refused, and of each
 * buffer allocated and freed (its watch()).
 */
#include <errno.h>

#include "context.h"

/*
 * The DMA-API edge rule, said once for every backend that sets sync_lines (Linux's
 * dma_sync_single_for_cpu() does the same on arm64).  Caches work on whole lines, so a range is
 * widened to the lines it touches.  An invalidate drops every byte of a line, and the bytes of a
 * partial edge line outside the range belong to the CPU: that line is cleaned first (written back
 * if dirty), then invalidated with the rest.  A flush needs no such care: writing back a line the
 * CPU dirtied is what a flush is for.
 */
static int sync_lines(struct plbuf_ctx *ctx, const struct plbuf_chunk *c, uint64_t off,
		      uint64_t len, enum plbuf_sync_dir dir)
{
	uint64_t line = ctx->line_size, end = off + len;
	uint64_t lo = off & ~(line - 1), hi = (end + line - 1) & ~(line - 1);
	uint64_t tail = (end - 1) & ~(line - 1);
	int err;

	if (hi > c->size) /* a chunk may end inside a line; drivers refuse ranges past their buffer */
		hi = c->size;
	if (dir == PLBUF_SYNC_TO_DEVICE)
		return ctx->be->sync(ctx, c, lo, hi - lo, dir);
	if (off != lo && end != hi && tail <= lo + line) {
		/* both edges partial, in one line or two side by side: one clean of them all */
		if ((err = ctx->be->sync(ctx, c, lo, hi - lo, PLBUF_SYNC_TO_DEVICE)) < 0)
			return err;
	} else {
		if (off != lo && (err = ctx->be->sync(ctx, c, lo, hi - lo < line ? hi - lo : line,
						      PLBUF_SYNC_TO_DEVICE)) < 0)
			return err;
		if (end != hi && (err = ctx->be->sync(ctx, c, tail, hi - tail,
						      PLBUF_SYNC_TO_DEVICE)) < 0)
			return err;
	}
	return ctx->be->sync(ctx, c, lo, hi - lo, PLBUF_SYNC_FROM_DEVICE);
}

int plbuf__sync_mem(struct plbuf_ctx *ctx, const struct plbuf_mem *m, uint64_t off, uint64_t len,
		    enum plbuf_sync_dir dir)
{
	if (len == 0)
		return 0;
	if (m->coherent) {
		plbuf__arch_fence();
		return 0;
	}
	if (ctx->be->sync && ctx->be->sync_lines)
		return sync_lines(ctx, &m->r->c, m->off + off, len, dir);
	if (ctx->be->sync)
		return ctx->be->sync(ctx, &m->r->c, m->off + off, len, dir);
	/* DC CVAC / DC CIVAC work on whole lines and clean before they invalidate: the edge rule
	 * holds by itself. */
	int err = dir == PLBUF_SYNC_TO_DEVICE ? plbuf__arch_clean(m->va + off, len)
					      : plbuf__arch_clean_inval(m->va + off, len);
	if (err == -EOPNOTSUPP)
		return plbuf__err(EOPNOTSUPP, "%s: %s user space cannot %s a cached buffer to the "
				  "point of coherency: allocate it with cacheable=no, "
				  "or use a backend whose driver syncs (udmabuf, xlnk, zocl)",
				  ctx->be->name, plbuf__arch_name(),
				  dir == PLBUF_SYNC_TO_DEVICE ? "flush" : "invalidate");
	return err;
}

/* Tells the backend's watch() about buffer b's memory, or a sync of [off, off + len) of it. */
static int watch(const struct plbuf_buf *b, enum plbuf_watch_ev ev, int64_t off, uint64_t len,
		 const char *op, const char *msg)
{
	const struct plbuf_mem *m = &b->base->mem;
	struct plbuf_watch w = {
		.ev = ev, .c = m->r ? &m->r->c : NULL,
		.off = m->off + (uint64_t)(b->data - m->va) + (uint64_t)off, .len = len,
		.buf_dev = b->dev + (uint64_t)b->span_lo,
		.buf_len = (uint64_t)(b->span_hi - b->span_lo),
		.cached = m->cached, .coherent = m->coherent, .op = op, .msg = msg,
	};

	if (!w.c)
		return 0;
	return b->ctx->be->watch(b->ctx, &w);
}

/* Allocation (PLBUF_WATCH_ALLOC: the whole memory) and release (FREE) of a base's memory. */
int plbuf__watch_mem(const struct plbuf_buf *b, enum plbuf_watch_ev ev)
{
	const struct plbuf_mem *m = &b->mem;

	if (!b->ctx->be->watch)
		return 0;
	return watch(b, ev, -(int64_t)(uint64_t)(b->data - m->va), m->size, NULL, NULL);
}

/* A sync refused: the checker hears of it too, when the handle is one of plbuf's (freed). */
static int refused(struct plbuf_buf *b, int err, const char *op)
{
	if (b && (b->magic == PLBUF_MAGIC_DEAD || b->magic == PLBUF_MAGIC_LIVE) && b->ctx &&
	    b->ctx->be->watch)
		watch(b, PLBUF_WATCH_BAD_SYNC, 0, 0, op, plbuf_errmsg());
	return err;
}

/* [off, off+len) relative to the buffer's first element, inside its span. */
static int sync_buf(struct plbuf_buf *b, int64_t off, uint64_t len, enum plbuf_sync_dir dir,
		    const char *op)
{
	const struct plbuf_mem *m;
	int err = plbuf__check_live(b, op);

	if (err)
		return refused(b, err, op);
	if (off < b->span_lo || off > b->span_hi || len > (uint64_t)(b->span_hi - off))
		return refused(b, plbuf__err(EINVAL, "%s: range [%lld, +%llu) is outside the "
					     "buffer's bytes [%lld, %lld)", op, (long long)off,
					     (unsigned long long)len, (long long)b->span_lo,
					     (long long)b->span_hi), op);
	m = &b->base->mem;
	if (m->coherent) { /* the common case on x86 and coherent ports: keep it short */
		plbuf__arch_fence();
		return 0;
	}
	if (b->ctx->be->watch && len)
		watch(b, dir == PLBUF_SYNC_TO_DEVICE ? PLBUF_WATCH_FLUSH : PLBUF_WATCH_INVALIDATE,
		      off, len, op, NULL);
	return plbuf__sync_mem(b->ctx, m, (uint64_t)(b->data - m->va) + (uint64_t)off, len, dir);
}

int plbuf__sync(struct plbuf_buf *b, int64_t off, uint64_t len, enum plbuf_sync_dir dir)
{
	return sync_buf(b, off, len, dir, dir == PLBUF_SYNC_TO_DEVICE ? "flush" : "invalidate");
}

PLBUF_EXPORT int plbuf_flush(plbuf_buf *b)
{
	if (!b)
		return plbuf__err(EINVAL, "flush: buffer is NULL");
	return sync_buf(b, b->span_lo, (uint64_t)(b->span_hi - b->span_lo), PLBUF_SYNC_TO_DEVICE,
			"plbuf_flush");
}

PLBUF_EXPORT int plbuf_invalidate(plbuf_buf *b)
{
	if (!b)
		return plbuf__err(EINVAL, "invalidate: buffer is NULL");
	return sync_buf(b, b->span_lo, (uint64_t)(b->span_hi - b->span_lo),
			PLBUF_SYNC_FROM_DEVICE, "plbuf_invalidate");
}

PLBUF_EXPORT int plbuf_sync_to_device(plbuf_buf *b) { return plbuf_flush(b); }
PLBUF_EXPORT int plbuf_sync_from_device(plbuf_buf *b) { return plbuf_invalidate(b); }

PLBUF_EXPORT int plbuf_flush_range(plbuf_buf *b, int64_t offset, uint64_t size)
{
	return sync_buf(b, offset, size, PLBUF_SYNC_TO_DEVICE, "plbuf_flush_range");
}

PLBUF_EXPORT int plbuf_invalidate_range(plbuf_buf *b, int64_t offset, uint64_t size)
{
	return sync_buf(b, offset, size, PLBUF_SYNC_FROM_DEVICE, "plbuf_invalidate_range");
}
