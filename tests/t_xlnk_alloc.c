/* xlnk: one bank, "cma", the size of the kernel's CMA area; small buffers share one xlnk
 * buffer, large ones get their own; addresses lie in CMA and never overlap, and the bytes the
 * CPU writes are the CMA bytes at that physical address; cacheable buffers are xlnk buffers
 * allocated cacheable, the others are mapped non-cached by the driver (Device memory: aligned
 * accesses only); an alignment larger than CMA's (1 MiB) is honoured; every xlnk buffer is freed
 * (after being unmapped) by plbuf_close. */
#include <fcntl.h>
#include <unistd.h>

#include "context.h"
#include "fixture.h"
#include "shim_xlnk.h"
#include "test.h"

static struct fx_xlnk X;

static void check_cma(plbuf_buf *b, uint8_t v)
{
	char path[4096];
	uint64_t off = plbuf_device_address(b) - X.cma_base;
	uint8_t got[2] = {0, 0};
	int fd = open(fx_path(path, sizeof(path), "/.fixture-cma"), O_RDONLY);

	CHECK(fd >= 0);
	CHECK(pread(fd, &got[0], 1, (off_t)off) == 1);
	CHECK(pread(fd, &got[1], 1, (off_t)(off + plbuf_nbytes(b) - 1)) == 1);
	close(fd);
	CHECK(got[0] == v && got[1] == v);
}

int main(void)
{
	struct plbuf_bank_info bi;
	plbuf_buf *b[8];

	fx_xlnk_default(&X);
	CHECK(fx_xlnk_setup(&X) == 0);
	int fds = fx_open_fds();
	plbuf_ctx *ctx = plbuf_open("xlnk", NULL);

	CHECK(ctx);
	CHECK(plbuf_ctx_nbanks(ctx) == 1 && plbuf_ctx_bank(ctx, 0, &bi) == 0);
	CHECK(!strcmp(bi.name, "cma") && bi.size == X.cma_size && !bi.coherent);

	int ids[8];

	for (int i = 0; i < 8; i++) {
		struct plbuf_alloc_opts o = {0};
		int64_t shape[1] = {i == 6 ? 3 << 20 : i < 5 ? 1000 : 1500};

		o.cacheable = i == 5 ? PLBUF_CACHEABLE_NO : PLBUF_CACHEABLE_DEFAULT;
		o.alignment = i == 7 ? 4 << 20 : 0;
		b[i] = plbuf_allocate(ctx, 1, shape, "u4", &o);
		CHECK(b[i]);
		uint64_t a = plbuf_device_address(b[i]), n = plbuf_nbytes(b[i]);
		int id = 0;

		CHECK(a >= X.cma_base && a + n <= X.cma_base + X.cma_size);
		CHECK(plbuf_physical_address(b[i]) == a);
		for (int k = 0; k < i; k++) {
			uint64_t a2 = plbuf_device_address(b[k]), n2 = plbuf_nbytes(b[k]);

			CHECK(a + n <= a2 || a2 + n2 <= a);
		}
		/* Cached buffers come from xlnk buffers allocated cacheable, and are mapped so. */
		CHECK(fx_xlnk_mapping(plbuf_data(b[i]), &id) == (i == 5 ? 0 : 1) && id > 0);
		ids[i] = id;
		CHECK(plbuf_cacheable(b[i]) == (i != 5) && plbuf_coherent(b[i]) == (i == 5));
		CHECK(b[i]->base->mem.device_mem == (i == 5));
		if (i == 5) {
			uint32_t v = 0x5a5a5a5a;

			for (uint64_t k = 0; k < n; k += 4)
				CHECK(plbuf_write(b[i], k, &v, 4) == 0);
		} else {
			memset(plbuf_data(b[i]), 0x30 + i, n);
		}
		check_cma(b[i], i == 5 ? 0x5a : (uint8_t)(0x30 + i));
	}
	CHECK(plbuf_device_address(b[7]) % (4 << 20) == 0);
	/* The five small cached buffers share one xlnk buffer; the uncached one, the 12 MiB one and
	 * the aligned one have their own. */
	printf("xlnk buffers: %d\n", fx_xlnk_nbufs());
	for (int i = 1; i < 5; i++)
		CHECK(ids[i] == ids[0]);
	CHECK(ids[5] != ids[0] && ids[6] != ids[0] && ids[7] != ids[0] && ids[5] != ids[6] &&
	      ids[5] != ids[7] && ids[6] != ids[7]);
	CHECK(fx_xlnk_nbufs() == 4);
	for (int i = 0; i < 8; i++)
		CHECK(plbuf_free(b[i]) == 0);
	plbuf_close(ctx);
	CHECK(fx_xlnk_nbufs() == 0 && fx_xlnk_free_bytes() == X.cma_size);
	CHECK(fx_xlnk_violations() == 0 && fx_open_fds() == fds && fx_mapped_files() == 0);

	/* coherent=1 (HPC/ACP ports): cached buffers need no maintenance. */
	ctx = plbuf_open("xlnk", "coherent=1");
	CHECK(ctx && plbuf_ctx_bank(ctx, 0, &bi) == 0 && bi.coherent);
	int64_t shape[1] = {100};

	b[0] = plbuf_allocate(ctx, 1, shape, "u4", NULL);
	CHECK(b[0] && plbuf_cacheable(b[0]) && plbuf_coherent(b[0]));
	plbuf_close(ctx); /* with the buffer still allocated: freed with the context */
	CHECK(fx_xlnk_nbufs() == 0 && fx_xlnk_violations() == 0);
	return 0;
}
