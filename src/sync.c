/*
 * sync.c - flush and invalidate: who does the cache maintenance for a given buffer.
 *
 *   coherent memory (uncached mapping, or a snooping port)  -> a fence only: no system call;
 *   a backend whose kernel must do it (u-dma-buf, zocl, sim) -> the backend's sync();
 *   otherwise                                               -> by virtual address (src/arch/).
 */
#include <errno.h>

#include "context.h"

int plbuf__sync_mem(struct plbuf_ctx *ctx, const struct plbuf_mem *m, uint64_t off, uint64_t len,
		    enum plbuf_sync_dir dir)
{
	if (len == 0)
		return 0;
	if (m->coherent) {
		plbuf__arch_fence();
		return 0;
	}
	if (ctx->be->sync)
		return ctx->be->sync(ctx, &m->r->c, m->off + off, len, dir);
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

/* [off, off+len) relative to the buffer's first element, inside its span. */
int plbuf__sync(struct plbuf_buf *b, int64_t off, uint64_t len, enum plbuf_sync_dir dir)
{
	const struct plbuf_mem *m;
	int err = plbuf__check_live(b, dir == PLBUF_SYNC_TO_DEVICE ? "flush" : "invalidate");

	if (err)
		return err;
	m = &b->base->mem;
	if (m->coherent) { /* the common case on x86 and coherent ports: keep it short */
		plbuf__arch_fence();
		return 0;
	}
	if (off < b->span_lo || off > b->span_hi || len > (uint64_t)(b->span_hi - off))
		return plbuf__err(EINVAL, "sync range [%lld, +%llu) is outside the buffer's bytes "
				  "[%lld, %lld)", (long long)off, (unsigned long long)len,
				  (long long)b->span_lo, (long long)b->span_hi);
	return plbuf__sync_mem(b->ctx, m, (uint64_t)(b->data - m->va) + (uint64_t)off, len, dir);
}

PLBUF_EXPORT int plbuf_flush(plbuf_buf *b)
{
	if (!b)
		return plbuf__err(EINVAL, "flush: buffer is NULL");
	return plbuf__sync(b, b->span_lo, (uint64_t)(b->span_hi - b->span_lo), PLBUF_SYNC_TO_DEVICE);
}

PLBUF_EXPORT int plbuf_invalidate(plbuf_buf *b)
{
	if (!b)
		return plbuf__err(EINVAL, "invalidate: buffer is NULL");
	return plbuf__sync(b, b->span_lo, (uint64_t)(b->span_hi - b->span_lo),
			   PLBUF_SYNC_FROM_DEVICE);
}

PLBUF_EXPORT int plbuf_sync_to_device(plbuf_buf *b) { return plbuf_flush(b); }
PLBUF_EXPORT int plbuf_sync_from_device(plbuf_buf *b) { return plbuf_invalidate(b); }

PLBUF_EXPORT int plbuf_flush_range(plbuf_buf *b, int64_t offset, uint64_t size)
{
	return plbuf__sync(b, offset, size, PLBUF_SYNC_TO_DEVICE);
}

PLBUF_EXPORT int plbuf_invalidate_range(plbuf_buf *b, int64_t offset, uint64_t size)
{
	return plbuf__sync(b, offset, size, PLBUF_SYNC_FROM_DEVICE);
}
