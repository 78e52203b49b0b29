/* Fault injection, vfio backend (fixture tree with the VFIO type1 emulation): every system call
 * of a context's life fails in turn - opening /dev/vfio/vfio, the group and the device, the
 * container and group ioctls (GET_API_VERSION, CHECK_EXTENSION, GROUP_GET_STATUS,
 * SET_CONTAINER, SET_IOMMU, IOMMU_GET_INFO, GET_DEVICE_FD), the buffers' mmaps and MAP_DMA,
 * UNMAP_DMA, /proc/meminfo - with its usual errno and then with EINTR; each failure is clean and
 * the context still works, and after close nothing stays mapped for DMA or pinned and no
 * descriptor or mapping is left.  Built only with FAULT=1 (tests/suites/fault.sh). */
#include <linux/vfio.h>

#include "fault.h"
#include "fixture.h"
#include "shim_vfio.h"
#include "test.h"

#define BDF "0000:00:03.0"

static const struct fault_buf bufs[] = {
	{1000, PLBUF_CACHEABLE_DEFAULT, 0, NULL, 0},
	{3 << 20, PLBUF_CACHEABLE_DEFAULT, 0, NULL, 0}, /* a chunk of its own */
	{5000, PLBUF_CACHEABLE_DEFAULT, 0, NULL, 0x0fffffff},
};

static void driver(void)
{
	shim_vfio_setup(BDF, 5);
}

/* An UNMAP_DMA the kernel refused leaves that one mapping, which it removes (and unpins) when the
 * container's descriptor closes (vfio_iommu_type1_release), and the emulation does not model. */
static int nothing_mapped(void)
{
	int allowed = fault_last_ioctl() == VFIO_IOMMU_UNMAP_DMA;

	if (shim_vfio.nmaps > allowed || (!allowed && shim_vfio.pinned) || shim_vfio_open_fds())
		fprintf(stderr, "  %d DMA mappings, %llu bytes pinned, %d VFIO descriptors left\n",
			shim_vfio.nmaps, (unsigned long long)shim_vfio.pinned, shim_vfio_open_fds());
	return shim_vfio.nmaps > allowed || (!allowed && shim_vfio.pinned) || shim_vfio_open_fds()
		       ? -1 : 0;
}

int main(void)
{
	struct fault_plan p = {"vfio", "device=" BDF " hugepages=0", bufs, 3, driver, nothing_mapped};

	if (!fault_available())
		SKIP("built without FAULT=1");
	CHECK(fault_run("vfio", &p, FAULT_ANY, 0) > 0);
	CHECK(fault_run("vfio, EINTR", &p, FAULT_ANY, EINTR) > 0);
	return 0;
}
