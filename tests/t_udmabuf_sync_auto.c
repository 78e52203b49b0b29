/* u-dma-buf, sync=auto (the default): where user space can clean and invalidate caches by
 * address (aarch64, and x86 where DMA snoops them) the driver is not asked at all; on ARMv7,
 * whose outer cache only the kernel reaches, every sync goes through the driver.  sync=cpu is
 * refused where the architecture cannot do it. */
#include "context.h"
#include "fixture.h"
#include "shim_udmabuf.h"
#include "test.h"

int main(void)
{
	struct fx_udmabuf d;
	int by_va = plbuf__arch_clean(NULL, 0) != -EOPNOTSUPP;

	fx_udmabuf_default(&d, "udmabuf0", 2 << 20, 0x10000000);
	CHECK(fx_udmabuf_add(&d) == 0);
	plbuf_ctx *ctx = plbuf_open("udmabuf", NULL);
	CHECK(ctx);
	int64_t shape[1] = {4096};
	plbuf_buf *b = plbuf_allocate(ctx, 1, shape, "u1", NULL);

	CHECK(b && plbuf_cacheable(b) && !plbuf_coherent(b));
	fx_udmabuf_clear_log();
	CHECK(plbuf_flush(b) == 0 && plbuf_invalidate_range(b, 3, 100) == 0);
	printf("%s: %d driver syncs\n", plbuf__arch_name(), fx_udmabuf_nsyncs());
	CHECK(fx_udmabuf_nsyncs() == (by_va ? 0 : 3));
	CHECK(plbuf_free(b) == 0);
	plbuf_close(ctx);

	if (by_va) {
		ctx = plbuf_open("udmabuf", "sync=cpu");
		CHECK(ctx);
		plbuf_close(ctx);
	} else {
		CHECK_NULL_ERR(plbuf_open("udmabuf", "sync=cpu"), EOPNOTSUPP);
	}
	CHECK_NULL_ERR(plbuf_open("udmabuf", "sync=sometimes"), EINVAL);
	return 0;
}
