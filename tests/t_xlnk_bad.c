/* xlnk failures: CMA exhausted (the message says how much was asked, how much is free and how to
 * get more), xlnk's 4095 buffer ids used up by other programs, ALLOCBUF / mmap / CACHECTRL
 * failing, /dev/xlnk without permission, a kernel whose xlnk predates the interface plbuf
 * speaks: each fails with a message naming what failed, and leaves no xlnk buffer, mapping or
 * descriptor behind. */
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "fixture.h"
#include "shim_xlnk.h"
#include "test.h"

#define ALLOCBUF  _IOWR('X', 2, unsigned long)
#define CACHECTRL _IOWR('X', 24, unsigned long)

static struct fx_xlnk X;

static plbuf_buf *alloc(plbuf_ctx *ctx, int64_t n)
{
	int64_t shape[1] = {n};

	return plbuf_allocate(ctx, 1, shape, "u1", NULL);
}

static int denied(void *arg)
{
	(void)arg;
	plbuf_ctx *ctx = plbuf_open("xlnk", NULL);

	if (ctx || errno != EACCES || !strstr(plbuf_errmsg(), "/dev/xlnk")) {
		fprintf(stderr, "%p errno %d: %s\n", (void *)ctx, errno, plbuf_errmsg());
		return 1;
	}
	printf("ok: %s\n", plbuf_errmsg());
	return 0;
}

int main(void)
{
	char msg[512];
	int fds;

	fx_xlnk_default(&X);
	X.cma_size = 16 << 20;
	CHECK(fx_xlnk_setup(&X) == 0);
	fds = fx_open_fds();
	plbuf_ctx *ctx = plbuf_open("xlnk", NULL);

	CHECK(ctx);
	/* More than CMA holds. */
	CHECK_NULL_ERR(alloc(ctx, 32 << 20), ENOMEM);
	snprintf(msg, sizeof(msg), "%s", plbuf_errmsg());
	printf("ok: %s\n", msg);
	CHECK(strstr(msg, "33554432 bytes") && strstr(msg, "16777216 bytes of CMA are free") &&
	      strstr(msg, "nr_free_cma") && strstr(msg, "cma="));
	CHECK(fx_xlnk_nbufs() == 0);
	/* Below a max_device_address that CMA does not reach. */
	struct plbuf_alloc_opts o = {.max_device_address = 0xfffffff};
	int64_t one[1] = {4096};

	CHECK_NULL_ERR(plbuf_allocate(ctx, 1, one, "u1", &o), ERANGE);
	printf("ok: %s\n", plbuf_errmsg());
	CHECK(strstr(plbuf_errmsg(), "max_device_address") && fx_xlnk_nbufs() == 0);

	/* ALLOCBUF and mmap failing. */
	fx_fail_ioctl(ALLOCBUF, EFAULT, 1);
	CHECK_NULL_ERR(alloc(ctx, 100), EFAULT);
	CHECK(strstr(plbuf_errmsg(), "ALLOCBUF"));
	fx_fail_mmap(EAGAIN, 1);
	CHECK_NULL_ERR(alloc(ctx, 100), EAGAIN);
	printf("ok: %s\n", plbuf_errmsg());
	CHECK(strstr(plbuf_errmsg(), "map buffer") && fx_xlnk_nbufs() == 0);

	/* CACHECTRL failing (sync=driver context). */
	plbuf_ctx *drv = plbuf_open("xlnk", "sync=driver");

	CHECK(drv);
	plbuf_buf *b = alloc(drv, 4096);

	CHECK(b);
	fx_fail_ioctl(CACHECTRL, EINVAL, 1);
	CHECK_ERR(plbuf_flush(b), EINVAL);
	CHECK(strstr(plbuf_errmsg(), "CACHECTRL (flush)"));
	CHECK(plbuf_flush(b) == 0);
	CHECK(plbuf_free(b) == 0);
	plbuf_close(drv);

	/* Every id taken by other programs (4095 one-page buffers): enough memory is free. */
	plbuf_close(ctx);
	CHECK(fx_open_fds() == fds);
	X.cma_size = 128 << 20;
	CHECK(fx_xlnk_setup(&X) == 0);
	fds = fx_open_fds();
	ctx = plbuf_open("xlnk", NULL);
	CHECK(ctx);
	char path[4096];
	int xfd = open(fx_path(path, sizeof(path), "/dev/xlnk"), O_RDWR);
	unsigned char args[128];

	CHECK(xfd >= 0);
	for (int i = 0; i < 4095; i++) {
		memset(args, 0, sizeof(args));
		uint32_t len = 16;

		memcpy(args, &len, 4);
		CHECK(ioctl(xfd, ALLOCBUF, args) == 0);
	}
	CHECK(fx_xlnk_nbufs() == 4095);
	CHECK_NULL_ERR(alloc(ctx, 100), ENOMEM);
	printf("ok: %s\n", plbuf_errmsg());
	CHECK(strstr(plbuf_errmsg(), "4095 buffer ids"));
	close(xfd);
	plbuf_close(ctx);
	CHECK(fx_open_fds() == fds && fx_xlnk_violations() == 0);

	/* A kernel of linux-xlnx 2017.4 (PYNQ v2.1/v2.2). */
	snprintf(X.osrelease, sizeof(X.osrelease), "4.9.0-xilinx-v2017.4");
	CHECK(fx_xlnk_setup(&X) == 0);
	fds = fx_open_fds();
	CHECK_NULL_ERR(plbuf_open("xlnk", NULL), ENOTSUP);
	printf("ok: %s\n", plbuf_errmsg());
	CHECK(strstr(plbuf_errmsg(), "v2017.4") && strstr(plbuf_errmsg(), "force=1"));
	CHECK(fx_open_fds() == fds);
	ctx = plbuf_open("xlnk", "force=1");
	CHECK(ctx);
	plbuf_close(ctx);

	/* No permission on /dev/xlnk (crw------- root). */
	fx_xlnk_default(&X);
	CHECK(fx_xlnk_setup(&X) == 0);
	CHECK(fx_run_unprivileged(denied, NULL) == 0);
	/* No xlnk at all. */
	fx_cleanup();
	fx_root();
	CHECK_NULL_ERR(plbuf_open("xlnk", NULL), ENOENT);
	CHECK(strstr(plbuf_errmsg(), "/dev/xlnk"));
	return 0;
}
