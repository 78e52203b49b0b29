/* zocl: a failed allocation sends at most one CREATE_BO that fails, and none that plbuf can tell
 * will fail: larger than CmaFree and than the largest block the page allocator gives (zocl falls
 * back to it when CMA cannot; /proc/buddyinfo says MAX_ORDER).  zocl up to XRT 963c58ee corrupts
 * the kernel heap on every CREATE_BO that fails (docs/backends/zocl.md).  The messages give the
 * figures and what to do.  The same is checked against the real zocl in tests/qemu/arm64.sh. */
#include "test.h"
#include "fixture.h"
#include "shim_zocl.h"

static plbuf_buf *alloc(plbuf_ctx *ctx, int64_t n)
{
	int64_t shape[] = { n };

	return plbuf_allocate(ctx, 1, shape, "u1", NULL);
}

static int creates(void)
{
	return shim_zocl_calls(SHIM_ZOCL_CREATE_BO);
}

int main(void)
{
	struct shim_zocl_cfg cfg = { .cma_size = 64u << 20 };
	plbuf_buf *b[8], *small;
	plbuf_ctx *ctx;
	int n;

	shim_zocl_setup(&cfg);
	/* 1 MiB chunks: every buffer of more than 512 KiB gets a BO of its own */
	ctx = plbuf_open("zocl", "chunk=1M");
	CHECK(ctx);

	/* Foreseeable: more than CMA holds, more than a 4 MiB block.  Nothing is sent. */
	CHECK_NULL_ERR(alloc(ctx, 65 << 20), ENOMEM);
	printf("above CmaFree: %s\n", plbuf_errmsg());
	CHECK(creates() == 0);
	CHECK(strstr(plbuf_errmsg(), "CmaFree is 65536 KiB of CmaTotal 65536 KiB"));
	CHECK(strstr(plbuf_errmsg(), "at most 4096 KiB at once"));
	CHECK(strstr(plbuf_errmsg(), "did not send"));

	/* Fill CMA with 8 MiB BOs; then every further one is foreseeable. */
	for (int i = 0; i < 8; i++) {
		b[i] = alloc(ctx, 8 << 20);
		CHECK(b[i]);
	}
	CHECK(creates() == 8);
	CHECK_NULL_ERR(alloc(ctx, 8 << 20), ENOMEM);
	CHECK(strstr(plbuf_errmsg(), "CmaFree is 0 KiB"));
	CHECK(creates() == 8);

	/* A small buffer needs a 1 MiB chunk, which the page allocator might give: zocl is asked,
	 * once (the shim, unlike the kernel, has no page allocator to fall back to). */
	CHECK_NULL_ERR(alloc(ctx, 64), ENOMEM);
	printf("small, CMA full: %s\n", plbuf_errmsg());
	CHECK(creates() == 9);
	CHECK(strstr(plbuf_errmsg(), "DRM_IOCTL_ZOCL_CREATE_BO"));

	/* Fragmented: 32 MiB free in 8 MiB holes.  16 MiB passes the CmaFree check, so zocl is
	 * asked, once, and its refusal is the answer. */
	for (int i = 0; i < 8; i += 2) {
		CHECK(plbuf_free(b[i]) == 0);
		b[i] = NULL;
	}
	n = creates();
	CHECK_NULL_ERR(alloc(ctx, 16 << 20), ENOMEM);
	printf("fragmented: %s\n", plbuf_errmsg());
	CHECK(creates() == n + 1);
	CHECK(strstr(plbuf_errmsg(), "DRM_IOCTL_ZOCL_CREATE_BO"));
	CHECK(strstr(plbuf_errmsg(), "CmaFree is 32768 KiB"));

	/* A small buffer now fits a hole. */
	small = alloc(ctx, 4096);
	CHECK(small);
	CHECK(plbuf_free(small) == 0);
	for (int i = 0; i < 8; i++)
		CHECK(plbuf_free(b[i]) == 0);

	/* All back (what the pool kept goes back first): the whole of CMA in one CREATE_BO. */
	n = creates();
	b[0] = alloc(ctx, 64 << 20);
	CHECK(b[0]);
	CHECK(creates() == n + 1);
	CHECK(plbuf_free(b[0]) == 0);
	plbuf_close(ctx);
	CHECK(shim_zocl_live_bos() == 0);
	shim_zocl_teardown();
	return 0;
}
