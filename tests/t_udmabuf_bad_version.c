/* u-dma-buf of a version plbuf does not speak (before 4.0, from 6.0 on, an ioctl version above
 * 2, or a driver whose GET_DRV_INFO contradicts its ioctl_version): plbuf_open refuses with a
 * message naming the version, before opening anything. */
#include "fixture.h"
#include "shim_udmabuf.h"
#include "test.h"

static void expect_fail(int line, const char *version, int ioctl_version, const char *attr_iv,
			int err, const char *what)
{
	struct fx_udmabuf d;
	int fds;

	fx_cleanup();
	fx_udmabuf_default(&d, "udmabuf0", 2 << 20, 0x20000000);
	snprintf(d.version, sizeof(d.version), "%s", version);
	d.ioctl_version = ioctl_version;
	CHECK(fx_udmabuf_add(&d) == 0);
	if (attr_iv)
		CHECK(fx_write("/sys/class/u-dma-buf/udmabuf0/ioctl_version", 0444, "%s\n",
			       attr_iv) == 0);
	fds = fx_open_fds();
	plbuf_ctx *ctx = plbuf_open("udmabuf", NULL);

	if (ctx || errno != err || !strstr(plbuf_errmsg(), what) || fx_open_fds() != fds) {
		fprintf(stderr, "line %d: %p errno %d (expected %d), fds %d (had %d): %s\n", line,
			(void *)ctx, errno, err, fx_open_fds(), fds, plbuf_errmsg());
		exit(1);
	}
	printf("ok: %s\n", plbuf_errmsg());
}

int main(void)
{
	expect_fail(__LINE__, "3.2.4", 0, NULL, ENOTSUP, "3.2.4");
	expect_fail(__LINE__, "2.1.3", 0, NULL, ENOTSUP, "not supported");
	expect_fail(__LINE__, "6.0.0", 2, NULL, ENOTSUP, "6.0.0");
	expect_fail(__LINE__, "5.9.0", 3, NULL, ENOTSUP, "ioctl version 3");
	/* The attribute says 1, the driver answers 2. */
	expect_fail(__LINE__, "5.2.0", 2, "1", EPROTO, "GET_DRV_INFO");
	/* Release candidates and the sysfs-only 4.x series are fine. */
	const char *good[][2] = {{"5.0.0-RC1", "2"}, {"4.4.1", "0"}, {"5.2.0", "1"}};

	for (int i = 0; i < 3; i++) {
		struct fx_udmabuf d;

		fx_cleanup();
		fx_udmabuf_default(&d, "udmabuf0", 2 << 20, 0x20000000);
		snprintf(d.version, sizeof(d.version), "%s", good[i][0]);
		d.ioctl_version = atoi(good[i][1]);
		CHECK(fx_udmabuf_add(&d) == 0);
		plbuf_ctx *ctx = plbuf_open("udmabuf", NULL);

		CHECK(ctx);
		plbuf_close(ctx);
	}
	return 0;
}
