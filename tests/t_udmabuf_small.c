/* u-dma-buf buffers are often small (64 KiB): a bank smaller than a slab still serves small and
 * medium buffers, exactly up to its size, and says so when full. */
#include "fixture.h"
#include "shim_udmabuf.h"
#include "test.h"

int main(void)
{
	struct fx_udmabuf d;
	plbuf_buf *b[64];
	int n = 0;

	fx_udmabuf_default(&d, "udmabuf0", 64 << 10, 0x30000000);
	CHECK(fx_udmabuf_add(&d) == 0);
	plbuf_ctx *ctx = plbuf_open("udmabuf", NULL);

	CHECK(ctx);
	int64_t small[1] = {100}, medium[1] = {40000}, rest[1];

	b[n] = plbuf_allocate(ctx, 1, small, "u4", NULL);
	CHECK(b[n++]);
	b[n] = plbuf_allocate(ctx, 1, medium, "u1", NULL);
	CHECK(b[n++]);
	/* What is left, to the byte (whole lines). */
	uint64_t L = plbuf_ctx_line_size(ctx);

	rest[0] = (int64_t)((64 << 10) - (400 + L - 1) / L * L - (40000 + L - 1) / L * L);
	b[n] = plbuf_allocate(ctx, 1, rest, "u1", NULL);
	CHECK(b[n++]);
	for (int i = 0; i < n; i++)
		for (int k = 0; k < i; k++) {
			uint64_t a = plbuf_device_address(b[i]), a2 = plbuf_device_address(b[k]);

			CHECK(a + plbuf_nbytes(b[i]) <= a2 || a2 + plbuf_nbytes(b[k]) <= a);
			CHECK(a >= 0x30000000 && a + plbuf_nbytes(b[i]) <= 0x30000000 + (64 << 10));
		}
	CHECK_NULL_ERR(plbuf_allocate(ctx, 1, small, "u4", NULL), ENOMEM);
	printf("full: %s\n", plbuf_errmsg());
	CHECK(strstr(plbuf_errmsg(), "udmabuf0"));
	CHECK(plbuf_free(b[1]) == 0);
	b[1] = plbuf_allocate(ctx, 1, medium, "u1", NULL);
	CHECK(b[1]);
	for (int i = 0; i < n; i++)
		CHECK(plbuf_free(b[i]) == 0);
	plbuf_close(ctx);
	return 0;
}
