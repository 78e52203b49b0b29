/* A fixed bank mapped one way only is not "full" of the other kind: a cacheable=yes buffer from a
 * u-dma-buf bank that the driver maps non-cacheable (no quirk-mmap, non-coherent device) fails
 * with EOPNOTSUPP and says what to ask for, not ENOMEM with "1048576 bytes free"; the default and
 * cacheable=no still allocate, up to the whole bank. */
#include "fixture.h"
#include "shim_udmabuf.h"
#include "test.h"

int main(void)
{
	struct fx_udmabuf d;
	struct plbuf_alloc_opts yes = {.cacheable = PLBUF_CACHEABLE_YES};
	int64_t n = 100, all = 1 << 20;

	fx_udmabuf_default(&d, "udmabuf0", 1 << 20, 0x30000000);
	d.quirk_mmap_mode = 0;
	CHECK(fx_udmabuf_add(&d) == 0);
	plbuf_ctx *ctx = plbuf_open("udmabuf", NULL);

	CHECK(ctx);
	CHECK_NULL_ERR(plbuf_allocate(ctx, 1, &n, "u1", &yes), EOPNOTSUPP);
	CHECK(strstr(plbuf_errmsg(), "udmabuf0") && strstr(plbuf_errmsg(), "cacheable=no"));
	plbuf_buf *b = plbuf_allocate(ctx, 1, &n, "u1", NULL);

	CHECK(b && plbuf_cacheable(b) == 0);
	CHECK(plbuf_free(b) == 0);
	b = plbuf_allocate(ctx, 1, &all, "u1", NULL);
	CHECK(b);
	CHECK_NULL_ERR(plbuf_allocate(ctx, 1, &n, "u1", NULL), ENOMEM); /* now it is full */
	CHECK(plbuf_free(b) == 0);
	plbuf_close(ctx);
	return 0;
}
