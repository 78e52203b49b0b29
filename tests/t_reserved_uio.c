/* reserved: UIO maps.  The region of /sys/class/uio/uioN/maps/mapM is mapped from /dev/uioN at
 * offset M * page size (a regular file in a fixture); maps chosen by number or by the device's
 * name; uncached by default; usable without root when the node is readable and writable. */
#include <fcntl.h>
#include <unistd.h>

#include "fixture.h"
#include "test.h"

static void uio_fixture(void)
{
	long ps = sysconf(_SC_PAGESIZE);

	fx_write("/sys/class/uio/uio0/name", 0444, "dma-buf\n");
	fx_write("/sys/class/uio/uio0/maps/map0/addr", 0444, "0x10000000\n");
	fx_write("/sys/class/uio/uio0/maps/map0/size", 0444, "0x00100000\n");
	fx_write("/sys/class/uio/uio0/maps/map0/offset", 0444, "0x0\n");
	fx_write("/sys/class/uio/uio0/maps/map0/name", 0444, "low\n");
	fx_write("/sys/class/uio/uio0/maps/map1/addr", 0444, "0x20000000\n");
	fx_write("/sys/class/uio/uio0/maps/map1/size", 0444, "0x00200000\n");
	/* no offset attribute on map1: older kernels */
	CHECK(fx_file("/dev/uio0", 0666, (uint64_t)ps + (2 << 20)) == 0);
	fx_write("/sys/class/uio/uio3/name", 0444, "regs\n");
	fx_write("/sys/class/uio/uio3/maps/map0/addr", 0444, "0x40000100\n");
	fx_write("/sys/class/uio/uio3/maps/map0/size", 0444, "0x1000\n");
	fx_write("/sys/class/uio/uio3/maps/map0/offset", 0444, "0x100\n");
	fx_write("/sys/class/uio/uio4/maps/map0/addr", 0444, "0x50000800\n");
	fx_write("/sys/class/uio/uio4/maps/map0/size", 0444, "0x1000\n");
}

static uint32_t file_word(uint64_t off)
{
	char p[4096];
	uint32_t v = 0;
	int fd = open(fx_path(p, sizeof(p), "/dev/uio0"), O_RDONLY);

	CHECK(fd >= 0 && pread(fd, &v, 4, (off_t)off) == 4);
	close(fd);
	return v;
}

static int unprivileged(void *arg)
{
	plbuf_ctx *ctx = plbuf_open("reserved", "uio=uio0:1");
	int64_t shape[1] = {64};

	(void)arg;
	if (!ctx) {
		fprintf(stderr, "as nobody: %s\n", plbuf_errmsg());
		return 1;
	}
	plbuf_buf *b = plbuf_allocate(ctx, 1, shape, "u4", NULL);
	int ok = b && plbuf_device_address(b) >= 0x20000000;
	plbuf_close(ctx);
	return ok ? 0 : 2;
}

int main(void)
{
	struct plbuf_bank_info bi;
	int64_t shape[1] = {256};
	long ps = sysconf(_SC_PAGESIZE);

	uio_fixture();
	plbuf_ctx *ctx = plbuf_open("reserved", "uio=uio0:1");
	CHECK(ctx);
	CHECK(plbuf_ctx_bank(ctx, 0, &bi) == 0);
	CHECK(strcmp(bi.name, "uio0.1") == 0 && bi.base == 0x20000000 && bi.size == 2 << 20);
	plbuf_buf *b = plbuf_allocate(ctx, 1, shape, "u4", NULL);
	CHECK(b);
	uint64_t dev = plbuf_device_address(b);
	CHECK(dev >= 0x20000000 && dev < 0x20200000 && plbuf_physical_address(b) == dev);
	CHECK(plbuf_cacheable(b) == 0 && plbuf_coherent(b) == 1);
	((uint32_t *)plbuf_data(b))[5] = 0x0badcafe;
	/* map1 is at offset 1 page of /dev/uio0 */
	CHECK(file_word((uint64_t)ps + (dev - 0x20000000) + 20) == 0x0badcafe);
	/* The kernel maps UIO memory uncached: no cached buffers here. */
	struct plbuf_alloc_opts co = {.cacheable = PLBUF_CACHEABLE_YES};
	CHECK(plbuf_allocate(ctx, 1, shape, "u4", &co) == NULL);
	plbuf_close(ctx);

	/* By the device's name (map 0), and named by the user; two maps of one device. */
	ctx = plbuf_open("reserved", "uio=dma-buf,hi@uio0:map1");
	CHECK(ctx && plbuf_ctx_nbanks(ctx) == 2);
	CHECK(plbuf_ctx_bank(ctx, 0, &bi) == 0 && strcmp(bi.name, "uio0") == 0 && bi.base == 0x10000000);
	CHECK(plbuf_ctx_bank(ctx, 1, &bi) == 0 && strcmp(bi.name, "hi") == 0 && bi.base == 0x20000000);
	b = plbuf_allocate(ctx, 1, shape, "u4", NULL);
	CHECK(b);
	((uint32_t *)plbuf_data(b))[0] = 0x12345678;
	CHECK(file_word(plbuf_device_address(b) - 0x10000000) == 0x12345678);
	plbuf_close(ctx);

	/* Through the environment. */
	setenv("PLBUF_RESERVED_UIO", "uio0:1", 1);
	ctx = plbuf_open("reserved", NULL);
	CHECK(ctx && plbuf_ctx_bank(ctx, 0, &bi) == 0 && strcmp(bi.name, "uio0.1") == 0);
	plbuf_close(ctx);
	unsetenv("PLBUF_RESERVED_UIO");

	/* Errors: no such map, device, name; a map that is not page-aligned. */
	CHECK_NULL_ERR(plbuf_open("reserved", "uio=uio0:5"), ENOENT);
	CHECK(strstr(plbuf_errmsg(), "uio0 has no map5"));
	CHECK_NULL_ERR(plbuf_open("reserved", "uio=uio7"), ENOENT);
	CHECK(strstr(plbuf_errmsg(), "no UIO device uio7"));
	CHECK_NULL_ERR(plbuf_open("reserved", "uio=nosuch"), ENOENT);
	CHECK(strstr(plbuf_errmsg(), "no UIO device named nosuch"));
	CHECK_NULL_ERR(plbuf_open("reserved", "uio=regs"), EINVAL);
	CHECK(strstr(plbuf_errmsg(), "not page-aligned"));
	CHECK_NULL_ERR(plbuf_open("reserved", "uio=uio4"), EINVAL);
	CHECK(strstr(plbuf_errmsg(), "not page-aligned"));
	CHECK_NULL_ERR(plbuf_open("reserved", "uio=uio0:x"), EINVAL);
	CHECK_NULL_ERR(plbuf_open("reserved", "uio=uio0,uio0"), EINVAL); /* same name twice */

	/* No root needed: the device node's permissions decide. */
	CHECK(fx_run_unprivileged(unprivileged, NULL) == 0);
	return 0;
}
