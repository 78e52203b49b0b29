/* max_device_address with no bank named: the bank that can satisfy the limit is chosen (banks
 * HI@0x800000000 and LO@0x40000000, limit 0xffffffff used to give ERANGE from HI); with no room
 * below the limit while memory is free above it, the error is ERANGE (was ENOMEM, "give the bank
 * more memory"); a named bank is never replaced. */
#include "test.h"

int main(void)
{
	plbuf_ctx *ctx = plbuf_open("sim", "banks=HI@0x800000000:64M,LO@0x40000000:16M");
	struct plbuf_alloc_opts lim = {.max_device_address = 0xffffffff};
	int64_t n = 1000, m8 = 8 << 20;

	CHECK(ctx);
	plbuf_buf *a = plbuf_allocate(ctx, 1, &n, "u1", &lim);
	CHECK(a && !strcmp(plbuf_bank(a), "LO") && plbuf_device_address(a) + 999 <= 0xffffffff);
	plbuf_buf *d = plbuf_allocate(ctx, 1, &n, "u1", NULL);
	CHECK(d && !strcmp(plbuf_bank(d), "HI")); /* no limit: bank 0 as ever */

	/* A named bank above the limit stays an ERANGE. */
	struct plbuf_alloc_opts hi = lim;
	hi.bank = "HI";
	CHECK_NULL_ERR(plbuf_allocate(ctx, 1, &n, "u1", &hi), ERANGE);

	/* LO filled below a limit inside it: ERANGE, not ENOMEM, while LO and HI have room above. */
	struct plbuf_alloc_opts tight = {.max_device_address = 0x40000000 + (9 << 20) - 1};
	plbuf_buf *x = plbuf_allocate(ctx, 1, &m8, "u1", &tight);
	CHECK(x && !strcmp(plbuf_bank(x), "LO"));
	CHECK_NULL_ERR(plbuf_allocate(ctx, 1, &m8, "u1", &tight), ERANGE);
	CHECK(strstr(plbuf_errmsg(), "max_device_address") && strstr(plbuf_errmsg(), "above"));
	printf("%s\n", plbuf_errmsg());

	/* Limit below every bank. */
	struct plbuf_alloc_opts low = {.max_device_address = 0xfffff};
	CHECK_NULL_ERR(plbuf_allocate(ctx, 1, &n, "u1", &low), ERANGE);

	CHECK(plbuf_free(x) == 0 && plbuf_free(a) == 0 && plbuf_free(d) == 0);
	plbuf_close(ctx);
	return 0;
}
