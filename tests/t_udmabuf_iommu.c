/* u-dma-buf behind an IOMMU (a buffer bound with udmabufN_bind= to a device in a translating
 * IOMMU domain): the address is an IOVA and the physical address unknown; with u-dma-buf 5.5 or
 * later plbuf refuses before the first mmap, which would oops the kernel (the QEMU guest shows
 * it: tests/qemu/udmabuf.sh), unless trust_iommu_mmap=1; an identity (pass-through) domain
 * translates nothing. */
#include "fixture.h"
#include "shim_udmabuf.h"
#include "test.h"

#define BDF "0000:00:01.0"

static void setup(const char *version, const char *type)
{
	struct fx_udmabuf d;

	fx_cleanup();
	fx_udmabuf_default(&d, "udmabuf0", 1 << 20, 0xfff00000);
	snprintf(d.version, sizeof(d.version), "%s", version);
	snprintf(d.parent, sizeof(d.parent), "pci0000:00/" BDF);
	d.of = 0;
	d.dma_coherent = 1;
	d.quirk_mmap_mode = 3;
	CHECK(fx_udmabuf_add(&d) == 0);
	CHECK(fx_mkdir("/sys/kernel/iommu_groups/1") == 0);
	CHECK(fx_write("/sys/kernel/iommu_groups/1/type", 0444, "%s\n", type) == 0);
	CHECK(fx_symlink("../../../kernel/iommu_groups/1", "/sys/devices/pci0000:00/" BDF "/iommu_group") == 0);
}

static uint64_t phys_of_first(plbuf_ctx *ctx)
{
	int64_t shape[1] = {4096};
	plbuf_buf *b = plbuf_allocate(ctx, 1, shape, "u1", NULL);

	CHECK(b);
	CHECK(plbuf_device_address(b) == 0xfff00000);
	uint64_t p = plbuf_physical_address(b);
	plbuf_free(b);
	return p;
}

int main(void)
{
	plbuf_ctx *ctx;

	setup("5.5.0", "DMA-FQ");
	int fds = fx_open_fds();
	CHECK_NULL_ERR(plbuf_open("udmabuf", NULL), EOPNOTSUPP);
	printf("ok: %s\n", plbuf_errmsg());
	CHECK(strstr(plbuf_errmsg(), "5.4.2") && strstr(plbuf_errmsg(), "udmabufN_bind=") &&
	      strstr(plbuf_errmsg(), "vm_insert_page") && strstr(plbuf_errmsg(), "trust_iommu_mmap=1"));
	CHECK(fx_open_fds() == fds && fx_mapped_files() == 0); /* refused before mapping */
	CHECK_NULL_ERR(plbuf_open("udmabuf", "trust_iommu_mmap=yes"), EINVAL);
	ctx = plbuf_open("udmabuf", "trust_iommu_mmap=1");
	CHECK(ctx);
	CHECK(phys_of_first(ctx) == PLBUF_NO_ADDRESS);
	plbuf_close(ctx);

	setup("5.6.1", "DMA"); /* later releases: not known to be fixed */
	CHECK_NULL_ERR(plbuf_open("udmabuf", NULL), EOPNOTSUPP);

	setup("5.4.2", "DMA-FQ"); /* maps fine behind the IOMMU */
	ctx = plbuf_open("udmabuf", NULL);
	CHECK(ctx);
	CHECK(phys_of_first(ctx) == PLBUF_NO_ADDRESS);
	plbuf_close(ctx);

	setup("5.5.0", "identity"); /* pass-through: nothing translated, the address is physical */
	ctx = plbuf_open("udmabuf", NULL);
	CHECK(ctx);
	CHECK(phys_of_first(ctx) == 0xfff00000);
	plbuf_close(ctx);
	return 0;
}
