/* allocate() with numpy's signature: shape, dtype, order; every query answers as numpy would. */
#include "test.h"

int main(void)
{
	plbuf_ctx *ctx = plbuf_open("sim", NULL);
	CHECK(ctx);
	int64_t shape[3] = {2, 3, 4};
	plbuf_buf *b = plbuf_allocate(ctx, 3, shape, "<f8", NULL);
	CHECK(b);
	CHECK(plbuf_ndim(b) == 3 && plbuf_itemsize(b) == 8 && plbuf_nbytes(b) == 192);
	CHECK(plbuf_shape(b)[0] == 2 && plbuf_shape(b)[2] == 4);
	CHECK(plbuf_strides(b)[0] == 96 && plbuf_strides(b)[1] == 32 && plbuf_strides(b)[2] == 8);
	CHECK(plbuf_virtual_address(b) == (uintptr_t)plbuf_data(b));
	CHECK(plbuf_physical_address(b) == plbuf_device_address(b)); /* sim: one address space */
	CHECK(strcmp(plbuf_dtype(b)->str, "<f8") == 0);
	CHECK(strcmp(plbuf_backend(b), "sim") == 0 && strcmp(plbuf_bank(b), "DDR0") == 0);
	CHECK(!plbuf_is_view(b));
	CHECK(plbuf_device_address(b) % plbuf_ctx_line_size(ctx) == 0);

	/* Fortran order: first index fastest. */
	struct plbuf_alloc_opts o = {.order = 'F'};
	plbuf_buf *f = plbuf_allocate(ctx, 3, shape, "i2", &o);
	CHECK(f);
	CHECK(plbuf_strides(f)[0] == 2 && plbuf_strides(f)[1] == 4 && plbuf_strides(f)[2] == 12);

	/* 0-d: a scalar, one element. */
	plbuf_buf *s = plbuf_allocate(ctx, 0, NULL, "u4", NULL);
	CHECK(s && plbuf_ndim(s) == 0 && plbuf_nbytes(s) == 4);

	/* The default dtype is PYNQ's 'u4' (ctx = NULL, the default context: t_context.c). */
	int64_t five[1] = {5};
	plbuf_buf *d = plbuf_allocate(ctx, 1, five, NULL, NULL);
	CHECK(d && plbuf_itemsize(d) == 4 && plbuf_nbytes(d) == 20);

	/* Zero-fill, alignment, device addresses disjoint. */
	struct plbuf_alloc_opts z = {.zero = 1, .alignment = 4096};
	int64_t n[1] = {1000};
	plbuf_buf *zb = plbuf_allocate(ctx, 1, n, "u8", &z);
	CHECK(zb && plbuf_device_address(zb) % 4096 == 0);
	for (int i = 0; i < 1000; i++)
		CHECK(((uint64_t *)plbuf_data(zb))[i] == 0);
	uint64_t a0 = plbuf_device_address(b), a1 = plbuf_device_address(zb);
	CHECK(a0 + plbuf_nbytes(b) <= a1 || a1 + plbuf_nbytes(zb) <= a0);

	CHECK(plbuf_free(b) == 0 && plbuf_free(f) == 0 && plbuf_free(s) == 0);
	CHECK(plbuf_free(zb) == 0 && plbuf_free(d) == 0);
	CHECK(plbuf_free(NULL) == 0);
	plbuf_close(ctx);
	return 0;
}
