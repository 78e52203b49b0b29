/* Calls on a closed context fail with EBADF instead of reading freed memory, as long as its memory
 * has not been reused by a later plbuf_open (context.c keeps the last closed ones aside); the
 * handles of its buffers read as freed even after that. */
#include "test.h"

int main(void)
{
	int64_t n = 100, big = 1 << 20;
	struct plbuf_bank_info bi;
	char text[256];

	plbuf_ctx *ctx = plbuf_open("sim", "banks=DDR0@0x40000000:16M");
	CHECK(ctx);
	plbuf_buf *a = plbuf_allocate(ctx, 1, &n, "u1", NULL);
	plbuf_buf *l = plbuf_allocate(ctx, 1, &big, "u1", NULL);
	CHECK(a && l && plbuf_free(a) == 0);
	a = plbuf_allocate(ctx, 1, &n, "u1", NULL);
	CHECK(a);
	plbuf_close(ctx);

	CHECK_NULL_ERR(plbuf_allocate(ctx, 1, &n, "u1", NULL), EBADF);
	CHECK_ERR(plbuf_ctx_nbanks(ctx), EBADF);
	CHECK_ERR(plbuf_ctx_bank(ctx, 0, &bi), EBADF);
	CHECK_ERR(plbuf_ctx_describe(ctx, text, sizeof(text)), EBADF);
	CHECK_ERR(plbuf_free(a), EBADF);
	CHECK_ERR(plbuf_free(l), EBADF);
	CHECK_NULL_ERR(plbuf_view(l, "0:10"), EBADF);
	plbuf_close(ctx);
	CHECK(strstr(plbuf_errmsg(), "already closed"));

	/* Many contexts opened and closed: the closed ones' memory is reused, boundedly, and handles
	 * of long-closed contexts still read as freed. */
	for (int i = 0; i < 50; i++) {
		plbuf_ctx *c = plbuf_open("sim", "banks=DDR0@0x40000000:1M");
		plbuf_buf *x = c ? plbuf_allocate(c, 1, &n, "u1", NULL) : NULL;

		CHECK(x);
		plbuf_close(c);
	}
	CHECK_ERR(plbuf_free(a), EBADF);
	printf("closed contexts: EBADF from every call tried; their handles stay freed\n");
	return 0;
}
