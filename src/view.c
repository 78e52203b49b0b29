/*
 * view.c - views of a buffer: numpy basic indexing (plbuf_view) and no-copy reshape
 * (plbuf_reshape).  A view is a handle of its own that points at its base and holds a reference
 * on it, so the memory outlives the base handle until the last view is freed.  The index and
 * shape arithmetic lives in slice.c and reshape.c; this file only makes the handle.
 */
#include <errno.h>
#include <string.h>

#include "context.h"

static plbuf_buf *make_view(plbuf_buf *b, int ndim, const int64_t *shape, const int64_t *strides,
			    int64_t offset)
{
	struct plbuf_ctx *ctx = b->ctx;
	struct plbuf_buf *base = b->base, *v;

	pthread_mutex_lock(&ctx->lock);
	v = plbuf__handle_get(ctx);
	pthread_mutex_unlock(&ctx->lock);
	if (!v)
		return plbuf__errp(ENOMEM, "out of process memory");
	atomic_fetch_add_explicit(&base->refs, 1, memory_order_relaxed);
	v->base = base;
	v->dt = b->dt;
	v->ndim = ndim;
	memcpy(v->shape, shape, sizeof(int64_t) * (size_t)ndim);
	memcpy(v->strides, strides, sizeof(int64_t) * (size_t)ndim);
	v->data = b->data + offset;
	v->dev = b->dev + (uint64_t)offset;
	uint64_t n = plbuf_itemsize(b);

	for (int i = 0; i < ndim; i++)
		n *= (uint64_t)shape[i];
	v->nbytes = n;
	plbuf__span(ndim, shape, strides, plbuf_itemsize(b), &v->span_lo, &v->span_hi);
	return v;
}

PLBUF_EXPORT plbuf_buf *plbuf_view(plbuf_buf *b, const char *slice)
{
	int64_t shape[PLBUF_MAXDIM], strides[PLBUF_MAXDIM], off;
	int ndim;

	if (plbuf__check_live(b, "plbuf_view") < 0)
		return NULL;
	int err = plbuf__slice(slice ? slice : "", b->ndim, b->shape, b->strides, &ndim, shape,
			       strides, &off);

	if (err < 0) {
		errno = -err;
		return NULL;
	}
	return make_view(b, ndim, shape, strides, off);
}

PLBUF_EXPORT plbuf_buf *plbuf_reshape(plbuf_buf *b, int ndim, const int64_t *shape, char order)
{
	int64_t nshape[PLBUF_MAXDIM], nstrides[PLBUF_MAXDIM];

	if (plbuf__check_live(b, "plbuf_reshape") < 0)
		return NULL;
	if (ndim < 0 || ndim > PLBUF_MAXDIM || (ndim && !shape))
		return plbuf__errp(EINVAL, "plbuf_reshape: ndim %d is out of range 0..%d", ndim,
				   PLBUF_MAXDIM);
	int err = plbuf__reshape(b->ndim, b->shape, b->strides, (int64_t)plbuf_itemsize(b), ndim,
				 shape, order ? order : 'C', nshape, nstrides);

	if (err < 0) {
		errno = -err;
		return NULL;
	}
	return make_view(b, ndim, nshape, nstrides, 0);
}
