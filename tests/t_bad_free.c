/* Bad input: a double free through a stale handle is detected (-EBADF), and so is use of a freed
 * buffer in flush/view; the pool is intact afterwards. */
#include "test.h"

int main(void)
{
	plbuf_ctx *ctx = plbuf_open("sim", NULL);
	CHECK(ctx);
	int64_t n[1] = {256};
	plbuf_buf *b = plbuf_allocate(ctx, 1, n, "u4", NULL);
	CHECK(b);
	CHECK(plbuf_free(b) == 0);
	CHECK_ERR(plbuf_free(b), EBADF);
	CHECK_ERR(plbuf_flush(b), EBADF);
	CHECK_ERR(plbuf_invalidate(b), EBADF);
	CHECK_NULL_ERR(plbuf_view(b, ":"), EBADF);
	CHECK_ERR(plbuf_flush(NULL), EINVAL);

	/* A base freed while a view lives: the base handle is dead, the view still works. */
	b = plbuf_allocate(ctx, 1, n, "u4", NULL);
	plbuf_buf *v = plbuf_view(b, "10:20");
	CHECK(v);
	CHECK(plbuf_free(b) == 0);
	CHECK_ERR(plbuf_free(b), EBADF);
	((uint32_t *)plbuf_data(v))[0] = 7;
	CHECK(plbuf_flush(v) == 0);
	CHECK(plbuf_free(v) == 0);
	CHECK_ERR(plbuf_free(v), EBADF);

	/* Everything came back: the whole bank can be allocated in one piece. */
	struct plbuf_bank_info bi;
	CHECK(plbuf_ctx_bank(ctx, 0, &bi) == 0);
	CHECK(bi.free == bi.size && bi.largest == bi.size);
	plbuf_buf *all = plbuf_allocate(ctx, 1, (int64_t[]){(int64_t)bi.size}, "u1", NULL);
	CHECK(all);
	plbuf_free(all);
	plbuf_close(ctx);
	return 0;
}
