/* zocl: when an ioctl (or the mmap) fails, the allocation or sync fails with the driver's errno
 * and a message naming the ioctl and what to do; no BO is left behind and the context keeps
 * working.  CMA exhaustion says how much CMA is free and how to get more. */
#include "test.h"
#include "fixture.h"
#include "shim_zocl.h"

static plbuf_buf *alloc(plbuf_ctx *ctx, int64_t n)
{
	int64_t shape[] = { n };

	return plbuf_allocate(ctx, 1, shape, "u1", NULL);
}

static void expect_fail(plbuf_ctx *ctx, int err, const char *what)
{
	int before = shim_zocl_live_bos();

	CHECK_NULL_ERR(alloc(ctx, 1 << 20), err);
	printf("%s: %s\n", what, plbuf_errmsg());
	CHECK(strstr(plbuf_errmsg(), what));
	CHECK(shim_zocl_live_bos() == before);
}

int main(void)
{
	struct shim_zocl_cfg cfg = { .cma_size = 8u << 20 };
	plbuf_ctx *ctx;
	plbuf_buf *b, *c;

	shim_zocl_setup(&cfg);
	ctx = plbuf_open("zocl", NULL);
	CHECK(ctx);

	/* More than CMA has, more than a 4 MiB block: refused before asking zocl
	 * (t_zocl_create_once has the details). */
	CHECK_NULL_ERR(alloc(ctx, 16 << 20), ENOMEM);
	printf("CMA full: %s\n", plbuf_errmsg());
	CHECK(strstr(plbuf_errmsg(), "CREATE_BO"));
	CHECK(strstr(plbuf_errmsg(), "CmaFree is 8192 KiB"));
	CHECK(strstr(plbuf_errmsg(), "cma="));
	CHECK(shim_zocl_live_bos() == 0);
	CHECK(shim_zocl_calls(SHIM_ZOCL_CREATE_BO) == 0);

	fx_fail_ioctl(SHIM_ZOCL_CREATE_BO, EINVAL, 1);
	expect_fail(ctx, EINVAL, "DRM_IOCTL_ZOCL_CREATE_BO");
	fx_fail_ioctl(SHIM_ZOCL_INFO_BO, EIO, 1);
	expect_fail(ctx, EIO, "DRM_IOCTL_ZOCL_INFO_BO");
	fx_fail_ioctl(SHIM_ZOCL_MAP_BO, EFAULT, 1);
	expect_fail(ctx, EFAULT, "DRM_IOCTL_ZOCL_MAP_BO");
	fx_fail_mmap(EAGAIN, 1);
	expect_fail(ctx, EAGAIN, "mmap of BO");
	fx_fail_ioctl(0, 0, 0);
	fx_fail_mmap(0, 0);

	/* A sync the driver refuses. */
	b = alloc(ctx, 1 << 20);
	CHECK(b);
	fx_fail_ioctl(SHIM_ZOCL_SYNC_BO, EIO, 1);
	CHECK_ERR(plbuf_flush(b), EIO);
	printf("sync: %s\n", plbuf_errmsg());
	CHECK(strstr(plbuf_errmsg(), "DRM_IOCTL_ZOCL_SYNC_BO"));
	fx_fail_ioctl(SHIM_ZOCL_SYNC_BO, EIO, 1);
	CHECK_ERR(plbuf_invalidate_range(b, 1, 100), EIO);
	CHECK(strstr(plbuf_errmsg(), "from device") || strstr(plbuf_errmsg(), "to device"));

	/* Still working. */
	CHECK(plbuf_flush(b) == 0 && plbuf_invalidate(b) == 0);
	c = alloc(ctx, 1 << 20);
	CHECK(c);
	CHECK(plbuf_free(c) == 0 && plbuf_free(b) == 0);
	plbuf_close(ctx);
	CHECK(shim_zocl_live_bos() == 0);
	shim_zocl_teardown();
	return 0;
}
