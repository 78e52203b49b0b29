/* fork() on a vfio context (fixture): the child is refused allocation, and freeing or closing the
 * inherited context unmaps no IOVA (the container is shared with the parent: a child's
 * VFIO_IOMMU_UNMAP_DMA would have taken the parent's buffers away from the device). */
#include "fixture.h"
#include "shim_vfio.h"
#include "forkcheck.h"

#define BDF "0000:00:03.0"

static void vfio_state(char *buf, size_t len)
{
	snprintf(buf, len, "%d IOVA mappings, %llu bytes pinned", shim_vfio.nmaps,
		 (unsigned long long)shim_vfio.pinned);
}

int main(void)
{
#if defined(__arm__)
	/* ARMv7 user space can neither flush cached memory nor map it uncached: vfio there serves
	 * coherent devices only (as in t_vfio_limits). */
	const char *opts = "device=" BDF " hugepages=0 coherent=1";
#else
	const char *opts = "device=" BDF " hugepages=0";
#endif
	shim_vfio_setup(BDF, 5);
	plbuf_ctx *ctx = plbuf_open("vfio", opts);

	CHECK(ctx);
	fork_check(ctx, 1000, 3 << 20, vfio_state, 0);
	plbuf_close(ctx);
	CHECK(shim_vfio.nmaps == 0);
	return 0;
}
