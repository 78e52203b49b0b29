/* Bad input: an unknown bank, a size larger than any bank, a maximum device address that no
 * memory satisfies.  Each a clear error; the next allocation works. */
#include "test.h"

int main(void)
{
	plbuf_ctx *ctx = plbuf_open("sim", "banks=DDR0@0x40000000:16M,HIGH@0x800000000:16M");
	CHECK(ctx);
	int64_t small[1] = {1024}, huge[1] = {(int64_t)64 << 20};

	struct plbuf_alloc_opts nob = {.bank = "DDR9"};
	CHECK_NULL_ERR(plbuf_allocate(ctx, 1, small, "u1", &nob), ENOENT);
	CHECK(strstr(plbuf_errmsg(), "DDR9") && strstr(plbuf_errmsg(), "HIGH"));

	CHECK_NULL_ERR(plbuf_allocate(ctx, 1, huge, "u1", NULL), ENOMEM);
	CHECK(strstr(plbuf_errmsg(), "67108864") && strstr(plbuf_errmsg(), "free"));

	/* The HIGH bank is above 4 GiB: a 32-bit AXI master cannot reach it. */
	struct plbuf_alloc_opts hi32 = {.bank = "HIGH", .max_device_address = 0xffffffff};
	CHECK_NULL_ERR(plbuf_allocate(ctx, 1, small, "u1", &hi32), ERANGE);
	CHECK(strstr(plbuf_errmsg(), "max_device_address"));

	/* DDR0 below 4 GiB satisfies the same limit. */
	struct plbuf_alloc_opts lo32 = {.bank = "DDR0", .max_device_address = 0xffffffff};
	plbuf_buf *b = plbuf_allocate(ctx, 1, small, "u1", &lo32);
	CHECK(b && plbuf_device_address(b) + 1024 - 1 <= 0xffffffff);
	plbuf_free(b);

	/* A limit inside the bank: the whole buffer must lie at or below it. */
	struct plbuf_alloc_opts lim = {.max_device_address = 0x40000000 + 8192 - 1};
	plbuf_buf *x = plbuf_allocate(ctx, 1, (int64_t[]){8192}, "u1", &lim);
	CHECK(x && plbuf_device_address(x) == 0x40000000);
	/* The rest of the bank is free, but above the limit: ERANGE, as plbuf.h says. */
	CHECK_NULL_ERR(plbuf_allocate(ctx, 1, (int64_t[]){8192}, "u1", &lim), ERANGE);
	plbuf_free(x);

	b = plbuf_allocate(ctx, 1, small, "u1", NULL);
	CHECK(b);
	plbuf_free(b);
	plbuf_close(ctx);
	return 0;
}
