/* vfio over an emulated VFIO type1 (tests/lib/shim_vfio.c): the whole open sequence; each buffer's
 * device address is the IOVA at which its own memory was mapped with VFIO_IOMMU_MAP_DMA; IOVAs
 * start at iova_base and stay at or below a 28-bit max_device_address; large buffers get one
 * IOVA-contiguous mapping; the MSI window is never used; free and close unmap everything and
 * close every descriptor; 2 MiB huge pages when there are some. */
#include <sys/mman.h>

#include "fixture.h"
#include "hugepages.h"
#include "shim_vfio.h"

#define BDF "0000:00:03.0"

/* The buffer's device address is the IOVA of its own bytes. */
static void check_mapped(plbuf_buf *b)
{
	uint64_t dev = plbuf_device_address(b);
	const struct shim_vfio_map *m = shim_vfio_find(dev, plbuf_nbytes(b));

	CHECK(m);
	CHECK(m->vaddr + (dev - m->iova) == (uintptr_t)plbuf_data(b));
	CHECK(plbuf_physical_address(b) == PLBUF_NO_ADDRESS);
	CHECK(dev + plbuf_nbytes(b) - 1 < 0xfee00000 || dev > 0xfeefffff);
}

int main(void)
{
	int64_t shape[1] = {1024};

	shim_vfio_setup(BDF, 5);
	plbuf_ctx *ctx = plbuf_open("vfio", "device=00:03.0 hugepages=0");
	CHECK(ctx);
	CHECK(plbuf_vfio_device_fd(ctx) >= 0 && shim_vfio.device_fds == 1);
	CHECK(shim_vfio.container_set && shim_vfio.iommu_set);
	plbuf_buf *b[3];
	for (int i = 0; i < 3; i++) {
		b[i] = plbuf_allocate(ctx, 1, shape, "u4", NULL);
		CHECK(b[i]);
		check_mapped(b[i]);
		memset(plbuf_data(b[i]), i, plbuf_nbytes(b[i]));
	}
	/* One 2 MiB chunk at iova_base (1 MiB) holds them. */
	CHECK(shim_vfio.nmaps == 1 && shim_vfio.maps[0].iova == 0x100000);
	CHECK(shim_vfio.maps[0].size == 2 << 20);
#if defined(__x86_64__)
	CHECK(plbuf_coherent(b[0]) && plbuf_cacheable(b[0]));
#endif
	/* A 28-bit device: every byte at or below 0x0fffffff. */
	struct plbuf_alloc_opts o = {.max_device_address = 0x0fffffff};
	int64_t mb[1] = {1 << 20};
	plbuf_buf *m[20];
	for (int i = 0; i < 20; i++) {
		m[i] = plbuf_allocate(ctx, 1, mb, "u1", &o);
		CHECK(m[i]);
		check_mapped(m[i]);
		CHECK(plbuf_device_address(m[i]) + (1 << 20) - 1 <= 0x0fffffff);
	}
	/* More than fits below 256 MiB: ERANGE, and the figures. */
	int64_t too[1] = {300 << 20};
	CHECK_NULL_ERR(plbuf_allocate(ctx, 1, too, "u1", &o), ERANGE);
	printf("%s\n", plbuf_errmsg());
	CHECK(strstr(plbuf_errmsg(), "max_device_address 0xfffffff"));
	/* Without the limit the same request is one IOVA-contiguous mapping. */
	plbuf_buf *big = plbuf_allocate(ctx, 1, too, "u1", NULL);
	CHECK(big);
	check_mapped(big);
	int maps = shim_vfio.nmaps;
	for (int i = 0; i < 20; i++)
		CHECK(plbuf_free(m[i]) == 0);
	CHECK(plbuf_free(big) == 0);
	CHECK(shim_vfio.nmaps < maps);
	for (int i = 0; i < 3; i++)
		CHECK(plbuf_free(b[i]) == 0);
	plbuf_close(ctx);
	CHECK(shim_vfio.nmaps == 0 && shim_vfio.pinned == 0);
	CHECK(shim_vfio_open_fds() == 0);

	/* Just below the MSI window: the next chunk goes above it. */
	shim_vfio_setup(BDF, 5);
	ctx = plbuf_open("vfio", "group=5 iova_base=0xfec00000 hugepages=0");
	CHECK(ctx);
	CHECK(plbuf_vfio_device_fd(ctx) == -1 && errno == EINVAL); /* group only: no device fd */
	plbuf_buf *w1 = plbuf_allocate(ctx, 1, mb, "u1", NULL);
	int64_t mb2[1] = {2 << 20};
	plbuf_buf *w2 = plbuf_allocate(ctx, 1, mb2, "u1", NULL);
	CHECK(w1 && w2);
	check_mapped(w1);
	check_mapped(w2);
	CHECK(plbuf_device_address(w2) >= 0xfef00000);
	plbuf_close(ctx);
	CHECK(shim_vfio.nmaps == 0 && shim_vfio_open_fds() == 0);

	/* Environment instead of options; the automatic choice takes vfio first. */
	shim_vfio_setup(BDF, 5);
	setenv("PLBUF_VFIO_DEVICE", BDF, 1);
	ctx = plbuf_open(NULL, "hugepages=0");
	CHECK(ctx && strcmp(plbuf_ctx_backend(ctx), "vfio") == 0);
	printf("automatic choice: vfio (%s)\n", plbuf_ctx_reason(ctx));
	plbuf_close(ctx);
	unsetenv("PLBUF_VFIO_DEVICE");

	/* With huge pages free, chunks are 2 MiB pages at 2 MiB-aligned IOVAs. */
	if (hp_reserve(MB2, 4) >= 2) {
		shim_vfio_setup(BDF, 5);
		ctx = plbuf_open("vfio", "device=" BDF);
		CHECK(ctx);
		long free0 = hp_free(MB2);
		plbuf_buf *h = plbuf_allocate(ctx, 1, shape, "u4", NULL);
		CHECK(h);
		check_mapped(h);
		CHECK(hp_free(MB2) == free0 - 1);
		CHECK(shim_vfio.maps[0].iova % MB2 == 0 && shim_vfio.maps[0].vaddr % MB2 == 0);
		plbuf_close(ctx);
		CHECK(hp_free(MB2) == free0);
	}
	return 0;
}
