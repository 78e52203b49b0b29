/* Register windows by physical address through /dev/mem (a sparse file in a fixture, where offset
 * = physical address as in the kernel's /dev/mem): a window that does not start a page lands at
 * the right bytes; errors for an empty or wrapping range and a missing /dev/mem. */
#include <fcntl.h>
#include <unistd.h>

#include "fixture.h"
#include "test.h"

#define PHYS 0x43c00010ull

int main(void)
{
	char p[4096];
	uint32_t v = 0;

	CHECK(fx_file("/dev/mem", 0600, 0x43c10000ull) == 0);
	plbuf_mmio *m = plbuf_mmio_open_phys(PHYS, 0x30);
	CHECK(m && plbuf_mmio_length(m) == 0x30 && plbuf_mmio_address(m) == PHYS);
	for (uint32_t i = 0; i < 0x30; i += 4)
		CHECK(plbuf_mmio_write32(m, i, 0xa5000000u | i) == 0);
	CHECK_ERR(plbuf_mmio_write32(m, 0x30, 0), ERANGE);
	plbuf_mmio_close(m);
	int fd = open(fx_path(p, sizeof(p), "/dev/mem"), O_RDONLY);
	CHECK(fd >= 0);
	CHECK(pread(fd, &v, 4, (off_t)PHYS + 0x2c) == 4 && v == 0xa500002c);
	CHECK(pread(fd, &v, 4, (off_t)PHYS - 4) == 4 && v == 0);
	close(fd);

	CHECK_NULL_ERR(plbuf_mmio_open_phys(PHYS, 0), EINVAL);
	CHECK_NULL_ERR(plbuf_mmio_open_phys(UINT64_MAX - 8, 0x100), EINVAL);
	CHECK(fx_unlink("/dev/mem") == 0);
	CHECK_NULL_ERR(plbuf_mmio_open_phys(PHYS, 0x30), ENOENT);
	CHECK(strstr(plbuf_errmsg(), "CONFIG_DEVMEM"));
	CHECK(fx_mapped_files() == 0);
	printf("/dev/mem windows: offsets, bounds, errors\n");
	return 0;
}
