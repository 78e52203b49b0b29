/* hugepage: small buffers are carved out of one real huge page; device address = physical address
 * (checked against /proc/self/pagemap, 4 KiB page by 4 KiB page); closing gives the page back. */
#include "hugepages.h"

int main(void)
{
	CHECK(hp_reserve(MB2, 8) >= 2);
	long free0 = hp_free(MB2);
	plbuf_ctx *ctx = plbuf_open("hugepage", NULL);

	CHECK(ctx);
	CHECK(strcmp(plbuf_ctx_backend(ctx), "hugepage") == 0);
	int64_t shape[1] = {1024};
	plbuf_buf *b[3];
	for (int i = 0; i < 3; i++) {
		b[i] = plbuf_allocate(ctx, 1, shape, "u4", NULL);
		CHECK(b[i]);
		uint64_t dev = plbuf_device_address(b[i]);
		CHECK(dev == plbuf_physical_address(b[i]));
		CHECK(dev != 0 && dev != PLBUF_NO_ADDRESS);
		CHECK(check_contiguous(plbuf_data(b[i]), plbuf_nbytes(b[i]), dev));
		/* All three from the same huge page: one pool chunk. */
		CHECK(dev / MB2 == plbuf_device_address(b[0]) / MB2);
		uint32_t *p = plbuf_data(b[i]);
		for (int j = 0; j < 1024; j++)
			p[j] = (uint32_t)(i << 16 | j);
	}
	for (int i = 0; i < 3; i++) {
		uint32_t *p = plbuf_data(b[i]);
		for (int j = 0; j < 1024; j++)
			CHECK(p[j] == (uint32_t)(i << 16 | j));
	}
	CHECK(plbuf_device_address(b[0]) != plbuf_device_address(b[1]));
#if defined(__x86_64__)
	CHECK(plbuf_coherent(b[0]) == 1 && plbuf_cacheable(b[0]) == 1);
	/* cacheable=no on a snooping system: served from the same page, coherent. */
	struct plbuf_alloc_opts o = {.cacheable = PLBUF_CACHEABLE_NO};
	plbuf_buf *u = plbuf_allocate(ctx, 1, shape, "u4", &o);
	CHECK(u);
	CHECK(plbuf_coherent(u) == 1);
	CHECK(plbuf_device_address(u) / MB2 == plbuf_device_address(b[0]) / MB2);
	CHECK(plbuf_flush(u) == 0 && plbuf_invalidate(u) == 0);
	CHECK(plbuf_free(u) == 0);
#endif
	CHECK(hp_free(MB2) == free0 - 1);

	struct plbuf_bank_info bi;
	CHECK(plbuf_ctx_nbanks(ctx) == 1);
	CHECK(plbuf_ctx_bank(ctx, 0, &bi) == 0);
	CHECK(strcmp(bi.name, "hugepages") == 0);
	CHECK(bi.free >= (uint64_t)(free0 - 1) * MB2);
	CHECK(bi.largest >= MB2);

	for (int i = 0; i < 3; i++)
		CHECK(plbuf_free(b[i]) == 0);
	plbuf_close(ctx);
	CHECK(hp_free(MB2) == free0);
	return 0;
}
