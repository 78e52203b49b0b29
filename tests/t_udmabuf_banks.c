/* u-dma-buf: every /dev/udmabufN is a bank with the driver's address, size and coherency;
 * buffers allocated by bank name lie inside their bank, never overlap, and their bytes are the
 * bank's bytes at (device address - base); closing leaves no descriptor or mapping. */
#include <fcntl.h>
#include <unistd.h>

#include "fixture.h"
#include "shim_udmabuf.h"
#include "test.h"

static void check_bytes(const char *dev, uint64_t off, uint8_t v)
{
	char path[4096], rel[64];
	uint8_t b = 0;
	int fd;

	snprintf(rel, sizeof(rel), "/dev/%s", dev);
	fd = open(fx_path(path, sizeof(path), rel), O_RDONLY);
	CHECK(fd >= 0);
	CHECK(pread(fd, &b, 1, (off_t)off) == 1);
	close(fd);
	CHECK(b == v);
}

int main(void)
{
	struct fx_udmabuf d0, d1, d2;
	struct plbuf_bank_info bi;

	/* Listed out of order, and with udmabuf10 after udmabuf2 in version order. */
	fx_udmabuf_default(&d1, "udmabuf2", 2 << 20, 0x3e000000);
	d1.dma_coherent = 1;
	CHECK(fx_udmabuf_add(&d1) == 0);
	fx_udmabuf_default(&d0, "udmabuf0", (4 << 20) + 100, 0x3f000000); /* not page-sized */
	CHECK(fx_udmabuf_add(&d0) == 0);
	fx_udmabuf_default(&d2, "udmabuf10", 2 << 20, 0x812340000ull); /* above 32 bits */
	CHECK(fx_udmabuf_add(&d2) == 0);

	int fds = fx_open_fds();
	plbuf_ctx *ctx = plbuf_open("udmabuf", NULL);
	CHECK(ctx);
	CHECK(plbuf_ctx_nbanks(ctx) == 3);
	/* One descriptor per device, for its ioctls; a cached and an O_SYNC mapping each. */
	CHECK(fx_open_fds() == fds + 3 && fx_mapped_files() == 6);
	CHECK(plbuf_ctx_bank(ctx, 0, &bi) == 0);
	CHECK(!strcmp(bi.name, "udmabuf0") && bi.base == 0x3f000000 && bi.size == (4 << 20) + 100 &&
	      !bi.coherent);
	CHECK(plbuf_ctx_bank(ctx, 1, &bi) == 0);
	CHECK(!strcmp(bi.name, "udmabuf2") && bi.base == 0x3e000000 && bi.size == 2 << 20 &&
	      bi.coherent);
	CHECK(plbuf_ctx_bank(ctx, 2, &bi) == 0);
	CHECK(!strcmp(bi.name, "udmabuf10") && bi.base == 0x812340000ull && bi.size == 2 << 20);

	/* Several buffers per bank, by name: inside the bank, disjoint. */
	const char *names[3] = {"udmabuf0", "udmabuf2", "udmabuf10"};
	const uint64_t base[3] = {0x3f000000, 0x3e000000, 0x812340000ull};
	const uint64_t size[3] = {(4 << 20) + 100, 2 << 20, 2 << 20};
	plbuf_buf *b[3][4];

	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 4; j++) {
			struct plbuf_alloc_opts o = {0};
			int64_t shape[1] = {j == 3 ? 2000 : 100 + j};

			o.bank = names[i];
			o.cacheable = j == 2 ? PLBUF_CACHEABLE_NO : PLBUF_CACHEABLE_DEFAULT;
			b[i][j] = plbuf_allocate(ctx, 1, shape, "u4", &o);
			CHECK(b[i][j]);
			CHECK(!strcmp(plbuf_bank(b[i][j]), names[i]));
			uint64_t a = plbuf_device_address(b[i][j]), n = plbuf_nbytes(b[i][j]);

			CHECK(a >= base[i] && a + n <= base[i] + size[i]);
			CHECK(plbuf_physical_address(b[i][j]) == a);
			CHECK(a % plbuf_ctx_line_size(ctx) == 0);
			for (int k = 0; k < j; k++) {
				uint64_t a2 = plbuf_device_address(b[i][k]), n2 = plbuf_nbytes(b[i][k]);

				CHECK(a + n <= a2 || a2 + n2 <= a);
			}
			/* What the CPU writes is the bank's memory at the device address. */
			memset(plbuf_data(b[i][j]), 0x40 + 4 * i + j, n);
			check_bytes(names[i], a - base[i], (uint8_t)(0x40 + 4 * i + j));
			check_bytes(names[i], a - base[i] + n - 1, (uint8_t)(0x40 + 4 * i + j));
			CHECK(plbuf_coherent(b[i][j]) == (i == 1 || j == 2));
		}
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 4; j++)
			CHECK(plbuf_free(b[i][j]) == 0);
	/* No bank of that name: the error names the banks there are. */
	struct plbuf_alloc_opts o = {.bank = "udmabuf1"};
	int64_t one[1] = {1};

	CHECK_NULL_ERR(plbuf_allocate(ctx, 1, one, "u1", &o), ENOENT);
	plbuf_close(ctx);
	CHECK(fx_open_fds() == fds && fx_mapped_files() == 0);
	return 0;
}
