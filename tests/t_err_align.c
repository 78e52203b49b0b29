/* An alignment no bank can satisfy is named in the error (it used to read "cannot allocate 64
 * bytes: 536870912 bytes free", as if the bank were full). */
#include "test.h"

int main(void)
{
	plbuf_ctx *ctx = plbuf_open("sim", "banks=DDR0@0x40000000:512M");
	struct plbuf_alloc_opts tib = {.alignment = 1ull << 40};
	int64_t n = 64;

	CHECK(ctx);
	CHECK_NULL_ERR(plbuf_allocate(ctx, 1, &n, "u1", &tib), ENOMEM);
	printf("%s\n", plbuf_errmsg());
	CHECK(strstr(plbuf_errmsg(), "aligned to 1099511627776") && strstr(plbuf_errmsg(), "alignment"));
	/* One that fits in size but not in place (bank at 0x40000000, 2 GiB alignment) too. */
	struct plbuf_alloc_opts g2 = {.alignment = 2ull << 30};
	CHECK_NULL_ERR(plbuf_allocate(ctx, 1, &n, "u1", &g2), ENOMEM);
	CHECK(strstr(plbuf_errmsg(), "aligned to 2147483648"));
	/* And the context still serves. */
	plbuf_buf *b = plbuf_allocate(ctx, 1, &n, "u1", NULL);
	CHECK(b && plbuf_free(b) == 0);
	plbuf_close(ctx);
	return 0;
}
