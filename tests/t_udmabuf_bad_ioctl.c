/* u-dma-buf: an ioctl or a mapping that fails while opening makes plbuf_open fail with a message
 * naming it and nothing left open (but ENOTTY, as a 32-bit program on a 64-bit kernel gets, makes
 * plbuf use the attributes instead); an ioctl that fails during a sync makes that flush or
 * invalidate fail with a message naming it, and the next one works. */
#include <sys/ioctl.h>

#include "fixture.h"
#include "shim_udmabuf.h"
#include "test.h"

/* u-dma-buf-ioctl.h (v5.2.0), for the failures to inject */
struct drv_info { uint64_t flags; char version[16]; };
#define GET_DRV_INFO        _IOR('U', 1, struct drv_info)
#define GET_DMA_ADDR        _IOR('U', 3, uint64_t)
#define SET_SYNC_FOR_CPU    _IOW('U', 5, uint64_t)
#define SET_SYNC_FOR_DEVICE _IOW('U', 6, uint64_t)

static void open_fails(int line, int err, const char *what)
{
	int fds = fx_open_fds();
	plbuf_ctx *ctx = plbuf_open("udmabuf", "sync=driver");

	if (ctx || errno != err || !strstr(plbuf_errmsg(), what) || fx_open_fds() != fds) {
		fprintf(stderr, "line %d: %p errno %d (expected %d), fds %d (had %d): %s\n", line,
			(void *)ctx, errno, err, fx_open_fds(), fds, plbuf_errmsg());
		exit(1);
	}
	printf("ok: %s\n", plbuf_errmsg());
	fx_fail_ioctl(0, 0, 0);
	fx_fail_mmap(0, 0);
}

int main(void)
{
	struct fx_udmabuf d;

	fx_udmabuf_default(&d, "udmabuf0", 2 << 20, 0x20000000);
	CHECK(fx_udmabuf_add(&d) == 0);
	fx_udmabuf_default(&d, "udmabuf1", 2 << 20, 0x20200000);
	CHECK(fx_udmabuf_add(&d) == 0);

	fx_fail_ioctl(GET_DRV_INFO, EIO, 1);
	open_fails(__LINE__, EIO, "U_DMA_BUF_IOCTL_GET_DRV_INFO");
	/* ENOTTY (a 32-bit program on a 64-bit kernel with a driver before 5.4.0, which has no
	 * compat_ioctl): the attributes serve. */
	fx_fail_ioctl(0, ENOTTY, 1000);
	plbuf_ctx *ctx = plbuf_open("udmabuf", "sync=driver");
	struct plbuf_bank_info bi;

	CHECK(ctx && plbuf_ctx_bank(ctx, 1, &bi) == 0 && bi.base == 0x20200000 && bi.size == 2 << 20);
	int64_t shape[1] = {4096};
	plbuf_buf *b = plbuf_allocate(ctx, 1, shape, "u1", NULL);

	fx_udmabuf_clear_log();
	CHECK(b && plbuf_flush(b) == 0);
	CHECK(fx_udmabuf_nsyncs() == 1 && fx_udmabuf_sync_at(0)->via == FX_UDMABUF_SYSFS);
	CHECK(plbuf_free(b) == 0);
	plbuf_close(ctx);
	fx_fail_ioctl(0, 0, 0);
	fx_fail_ioctl(GET_DMA_ADDR, EIO, 1);
	open_fails(__LINE__, EIO, "U_DMA_BUF_IOCTL_GET_DMA_ADDR on /dev/udmabuf0");
	/* The second device's ioctl: the first device's mappings must go too. */
	fx_fail_ioctl_after(1, GET_DMA_ADDR, EFAULT, 1);
	open_fails(__LINE__, EFAULT, "GET_DMA_ADDR on /dev/udmabuf1");
	fx_fail_mmap(ENOMEM, 1);
	open_fails(__LINE__, ENOMEM, "/dev/udmabuf0");
	fx_fail_mmap_after(1, ENOMEM, 1); /* the O_SYNC mapping */
	open_fails(__LINE__, ENOMEM, "O_SYNC");
	fx_fail_mmap_after(3, EAGAIN, 1); /* udmabuf1's O_SYNC mapping */
	open_fails(__LINE__, EAGAIN, "/dev/udmabuf1");

	ctx = plbuf_open("udmabuf", "sync=driver");
	CHECK(ctx);
	b = plbuf_allocate(ctx, 1, shape, "u1", NULL);
	CHECK(b);
	fx_fail_ioctl(SET_SYNC_FOR_CPU, EFAULT, 1);
	CHECK_ERR(plbuf_invalidate(b), EFAULT);
	CHECK(strstr(plbuf_errmsg(), "U_DMA_BUF_IOCTL_SET_SYNC_FOR_CPU"));
	fx_udmabuf_clear_log();
	CHECK(plbuf_invalidate(b) == 0 && fx_udmabuf_nsyncs() == 1);
	fx_fail_ioctl(SET_SYNC_FOR_DEVICE, EINVAL, 1);
	CHECK_ERR(plbuf_flush(b), EINVAL);
	CHECK(strstr(plbuf_errmsg(), "U_DMA_BUF_IOCTL_SET_SYNC_FOR_DEVICE on /dev/udmabuf0"));
	/* An invalidate with a partial edge stops at the failing clean: no invalidate follows. */
	fx_udmabuf_clear_log();
	fx_fail_ioctl(SET_SYNC_FOR_DEVICE, EIO, 1);
	CHECK_ERR(plbuf_invalidate_range(b, 1, 10), EIO);
	CHECK(fx_udmabuf_nsyncs() == 0);
	CHECK(plbuf_flush(b) == 0);
	CHECK(plbuf_free(b) == 0);
	plbuf_close(ctx);
	return 0;
}
