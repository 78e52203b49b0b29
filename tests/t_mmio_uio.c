/* Register windows of UIO maps: /sys/class/uio/uioN/maps/mapM names the region, /dev/uioN maps it
 * at offset M pages, starting `offset` bytes into that page (a regular file in a fixture, so what
 * the window writes lands in the file where the kernel's mapping would put it).  The device by
 * node, number or name; 8/16/32/64-bit accesses; bounds and alignment refused; clear errors. */
#include <fcntl.h>
#include <unistd.h>

#include "fixture.h"
#include "test.h"

static long ps;

static uint64_t file_u64(uint64_t off)
{
	char p[4096];
	uint64_t v = 0;
	int fd = open(fx_path(p, sizeof(p), "/dev/uio2"), O_RDONLY);

	CHECK(fd >= 0 && pread(fd, &v, 8, (off_t)off) == 8);
	close(fd);
	return v;
}

int main(void)
{
	ps = sysconf(_SC_PAGESIZE);
	fx_write("/sys/class/uio/uio2/name", 0444, "cdma_regs\n");
	fx_write("/sys/class/uio/uio2/maps/map0/addr", 0444, "0xa0000000\n");
	fx_write("/sys/class/uio/uio2/maps/map0/size", 0444, "0x1000\n");
	fx_write("/sys/class/uio/uio2/maps/map0/offset", 0444, "0x0\n");
	/* A small register block that does not start a page (the kernel's offset attribute). */
	fx_write("/sys/class/uio/uio2/maps/map1/addr", 0444, "0xa0010100\n");
	fx_write("/sys/class/uio/uio2/maps/map1/size", 0444, "0x40\n");
	fx_write("/sys/class/uio/uio2/maps/map1/offset", 0444, "0x100\n");
	CHECK(fx_file("/dev/uio2", 0666, 2 * (uint64_t)ps) == 0);

	int before = fx_open_fds();
	const char *names[] = {"uio2", "/dev/uio2", "2", "cdma_regs"};

	for (int i = 0; i < 4; i++) {
		plbuf_mmio *m = plbuf_mmio_open_uio(names[i], 0);

		CHECK(m);
		CHECK(plbuf_mmio_length(m) == 0x1000 && plbuf_mmio_address(m) == 0xa0000000);
		CHECK(plbuf_mmio_write32(m, 0x10 + 8 * i, 0xc0de0000u + i) == 0);
		plbuf_mmio_close(m);
		CHECK((uint32_t)file_u64(0x10 + 8 * i) == 0xc0de0000u + i);
	}

	plbuf_mmio *m = plbuf_mmio_open_uio("cdma_regs", 1);
	CHECK(m && plbuf_mmio_length(m) == 0x40 && plbuf_mmio_address(m) == 0xa0010100);
	CHECK(plbuf_mmio_write64(m, 0x8, 0x1122334455667788ull) == 0);
	CHECK(plbuf_mmio_write8(m, 0x10, 0xab) == 0);
	CHECK(plbuf_mmio_write16(m, 0x12, 0xcdef) == 0);
	CHECK(file_u64((uint64_t)ps + 0x108) == 0x1122334455667788ull);
	CHECK((file_u64((uint64_t)ps + 0x110) & 0xffffffff) == 0xcdef00ab);
	uint8_t b;
	uint16_t h;
	uint32_t w;
	uint64_t q;
	CHECK(plbuf_mmio_read8(m, 0x10, &b) == 0 && b == 0xab);
	CHECK(plbuf_mmio_read16(m, 0x12, &h) == 0 && h == 0xcdef);
	CHECK(plbuf_mmio_read32(m, 0x8, &w) == 0 && w == 0x55667788);
	CHECK(plbuf_mmio_read64(m, 0x8, &q) == 0 && q == 0x1122334455667788ull);
	CHECK(plbuf_mmio_read(m, 0xc, 4, &q) == 0 && q == 0x11223344);
	/* The last register is fine, one past it is not; misaligned and odd widths are refused. */
	CHECK(plbuf_mmio_read32(m, 0x3c, &w) == 0);
	CHECK_ERR(plbuf_mmio_read32(m, 0x40, &w), ERANGE);
	CHECK_ERR(plbuf_mmio_write64(m, 0x3c, 0), ERANGE);
	CHECK_ERR(plbuf_mmio_write32(m, UINT64_MAX - 1, 0), ERANGE);
	CHECK_ERR(plbuf_mmio_read32(m, 0x2, &w), EINVAL);
	CHECK_ERR(plbuf_mmio_write(m, 0, 3, 0), EINVAL);
	CHECK_ERR(plbuf_mmio_read32(m, 0, NULL), EINVAL);
	plbuf_mmio_close(m);
	CHECK_ERR(plbuf_mmio_write32(NULL, 0, 0), EINVAL);

	/* No such map, device or name. */
	CHECK_NULL_ERR(plbuf_mmio_open_uio("uio2", 2), ENOENT);
	CHECK(strstr(plbuf_errmsg(), "map2"));
	CHECK_NULL_ERR(plbuf_mmio_open_uio("uio7", 0), ENOENT);
	CHECK_NULL_ERR(plbuf_mmio_open_uio("no_such_ip", 0), ENOENT);
	CHECK_NULL_ERR(plbuf_mmio_open_uio(NULL, 0), EINVAL);
	CHECK_NULL_ERR(plbuf_mmio_open_uio("uio2", -1), EINVAL);
	/* The node missing although sysfs has the device. */
	CHECK(fx_unlink("/dev/uio2") == 0);
	CHECK_NULL_ERR(plbuf_mmio_open_uio("uio2", 0), ENOENT);
	CHECK(strstr(plbuf_errmsg(), "/dev/uio2"));
	CHECK(fx_open_fds() == before && fx_mapped_files() == 0);
	printf("uio windows: by node, number and name; offsets, widths, bounds checked\n");
	return 0;
}
