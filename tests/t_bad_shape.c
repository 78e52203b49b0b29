/* Bad input: negative, zero and overflowing shapes, ndim out of range: clear errors, no leak. */
#include <stdint.h>
#include "test.h"

int main(void)
{
	plbuf_ctx *ctx = plbuf_open("sim", NULL);
	CHECK(ctx);
	int64_t neg[2] = {3, -1}, zero[2] = {0, 5}, big[3] = {INT64_MAX / 2, 4, 1};
	int64_t over[2] = {(int64_t)1 << 40, (int64_t)1 << 30};
	int64_t many[40];
	for (int i = 0; i < 40; i++)
		many[i] = 1;

	CHECK_NULL_ERR(plbuf_allocate(ctx, 2, neg, "u4", NULL), EINVAL);
	CHECK(strstr(plbuf_errmsg(), "negative"));
	CHECK_NULL_ERR(plbuf_allocate(ctx, 2, zero, "u4", NULL), EINVAL);
	CHECK_NULL_ERR(plbuf_allocate(ctx, 3, big, "u4", NULL), EOVERFLOW);
	CHECK_NULL_ERR(plbuf_allocate(ctx, 2, over, "u8", NULL), EOVERFLOW);
	CHECK_NULL_ERR(plbuf_allocate(ctx, 33, many, "u1", NULL), EINVAL);
	CHECK_NULL_ERR(plbuf_allocate(ctx, -1, many, "u1", NULL), EINVAL);
	CHECK_NULL_ERR(plbuf_allocate(ctx, 2, NULL, "u1", NULL), EINVAL);
	/* A sub-array dtype adds dimensions: 31 + 2 is too many. */
	CHECK_NULL_ERR(plbuf_allocate(ctx, 31, many, "(2,2)u1", NULL), EINVAL);

	struct plbuf_alloc_opts o = {.alignment = 48};
	CHECK_NULL_ERR(plbuf_allocate(ctx, 1, many, "u1", &o), EINVAL);
	struct plbuf_alloc_opts o2 = {.order = 'X'};
	CHECK_NULL_ERR(plbuf_allocate(ctx, 1, many, "u1", &o2), EINVAL);

	plbuf_buf *b = plbuf_allocate(ctx, 2, (int64_t[]){3, 5}, "u4", NULL);
	CHECK(b && plbuf_nbytes(b) == 60);
	plbuf_free(b);
	plbuf_close(ctx);
	return 0;
}
