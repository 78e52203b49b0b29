/* Bad input: a dtype numpy rejects, and 'O', give -EINVAL with a message; the pool still works. */
#include "test.h"

int main(void)
{
	plbuf_ctx *ctx = plbuf_open("sim", NULL);
	CHECK(ctx);
	int64_t shape[1] = {4};
	const char *bad[] = {"i3", "u4x", "", "float33", "O", "object", "<>u4", "S-1", "(2,3", NULL};
	for (int i = 0; bad[i]; i++) {
		CHECK_NULL_ERR(plbuf_allocate(ctx, 1, shape, bad[i], NULL), EINVAL);
		CHECK(strstr(plbuf_errmsg(), "dtype") || strstr(plbuf_errmsg(), bad[i]));
	}
	plbuf_allocate(ctx, 1, shape, "O", NULL);
	CHECK(strstr(plbuf_errmsg(), "object") || strstr(plbuf_errmsg(), "pointer"));
	plbuf_buf *b = plbuf_allocate(ctx, 1, shape, "u4", NULL);
	CHECK(b);
	plbuf_free(b);
	plbuf_close(ctx);
	return 0;
}
