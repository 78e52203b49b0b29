/* u-dma-buf: a sysfs attribute that is missing or malformed, a device that is not there, or no
 * driver at all: plbuf_open fails with a message naming the file, and leaves no descriptor or
 * mapping behind. */
#include "fixture.h"
#include "shim_udmabuf.h"
#include "test.h"

#define DIR0 "/sys/devices/platform/u-dma-buf.0/u-dma-buf/udmabuf0/"

static void setup(int ioctls)
{
	struct fx_udmabuf d;

	fx_cleanup();
	fx_udmabuf_default(&d, "udmabuf0", 2 << 20, 0x20000000);
	if (!ioctls) {
		snprintf(d.version, sizeof(d.version), "4.4.1");
		d.ioctl_version = 0;
	}
	CHECK(fx_udmabuf_add(&d) == 0);
	fx_udmabuf_default(&d, "udmabuf1", 2 << 20, 0x20200000);
	CHECK(fx_udmabuf_add(&d) == 0);
}

/* Opening fails with err and a message that contains what. */
static void expect_fail(int line, const char *options, int err, const char *what)
{
	int fds = fx_open_fds();
	plbuf_ctx *ctx = plbuf_open("udmabuf", options);

	if (ctx || errno != err || !strstr(plbuf_errmsg(), what) || fx_open_fds() != fds) {
		fprintf(stderr, "line %d: open gave %p errno %d (expected %d), %d fds (had %d): %s\n",
			line, (void *)ctx, errno, err, fx_open_fds(), fds, plbuf_errmsg());
		exit(1);
	}
	printf("ok: %s\n", plbuf_errmsg());
}
#define FAIL(opts, err, what) expect_fail(__LINE__, opts, err, what)

int main(void)
{
	/* No driver, an empty class, a device that does not exist, a bad name. */
	fx_root();
	FAIL(NULL, ENODEV, "/sys/class/u-dma-buf");
	CHECK(fx_mkdir("/sys/class/u-dma-buf") == 0);
	FAIL(NULL, ENODEV, "lists no buffer");
	setup(1);
	FAIL("devices=udmabuf0,udmabuf7", ENOENT, "/sys/class/u-dma-buf/udmabuf7");
	FAIL("devices=../udmabuf0", EINVAL, "not a device name");
	FAIL("devices=udmabuf0,udmabuf0", EINVAL, "twice");

	/* Missing attributes: the error names the file. */
	const char *required[] = {"driver_version", "sync_mode"};

	for (int i = 0; i < 2; i++) {
		char rel[128];

		setup(1);
		snprintf(rel, sizeof(rel), DIR0 "%s", required[i]);
		CHECK(fx_unlink(rel) == 0);
		FAIL(NULL, ENOENT, required[i]);
	}
	/* Without ioctls, phys_addr and size are needed too (with them, they are not read). */
	setup(0);
	CHECK(fx_unlink(DIR0 "phys_addr") == 0);
	FAIL(NULL, ENOENT, "udmabuf0/phys_addr");
	setup(0);
	CHECK(fx_unlink(DIR0 "size") == 0);
	FAIL(NULL, ENOENT, "udmabuf0/size");
	setup(1);
	CHECK(fx_unlink(DIR0 "phys_addr") == 0 && fx_unlink(DIR0 "size") == 0);
	plbuf_ctx *ctx = plbuf_open("udmabuf", NULL);

	CHECK(ctx);
	plbuf_close(ctx);

	/* Malformed values. */
	struct { int ioctls; const char *attr, *text; } bad[] = {
		{1, "driver_version", "five\n"},
		{1, "driver_version", "5.2\n"},
		{1, "driver_version", "5.2.0rc1\n"},
		{1, "driver_version", "\n"},
		{1, "ioctl_version", "two\n"},
		{1, "sync_mode", "\n"},
		{1, "sync_mode", "256\n"}, /* SET_SYNC stores 8 bits: 0..255 can be there */
		{1, "dma_coherent", "2\n"},
		{1, "dma_coherent", "-1\n"},
		{1, "quirk_mmap_mode", "on\n"},
		{0, "phys_addr", "0xZZ\n"},
		{0, "phys_addr", "0x3f000000 0x1\n"},
		{0, "size", "4M\n"},
		{0, "size", "0\n"},
		{0, "size", "18446744073709551615\n"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char rel[128];

		setup(bad[i].ioctls);
		snprintf(rel, sizeof(rel), DIR0 "%s", bad[i].attr);
		CHECK(fx_write(rel, 0444, "%s", bad[i].text) == 0);
		FAIL(NULL, EINVAL, !strcmp(bad[i].attr, "size") && bad[i].text[0] != '4' ?
		     "udmabuf0" : bad[i].attr);
	}
	/* A sync_mode only SET_SYNC can store (any 8-bit value; the attribute's store takes 0-7),
	 * left by another program: the driver's mmap reads bits 2..0, and plbuf opens. */
	setup(1);
	CHECK(fx_write(DIR0 "sync_mode", 0664, "200\n") == 0);
	ctx = plbuf_open("udmabuf", "uncached=keep");
	CHECK(ctx);
	plbuf_close(ctx);
	/* Optional attributes may be absent. */
	setup(1);
	CHECK(fx_unlink(DIR0 "dma_coherent") == 0 && fx_unlink(DIR0 "quirk_mmap_mode") == 0);
	ctx = plbuf_open("udmabuf", NULL);
	CHECK(ctx);
	plbuf_close(ctx);
	return 0;
}
