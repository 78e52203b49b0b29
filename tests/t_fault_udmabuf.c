/* Fault injection, udmabuf backend (fixture tree with the u-dma-buf 5.2.0 and 4.4.1
 * emulations, sync=driver): every system call of a context's life fails in turn - listing
 * /sys/class/u-dma-buf, reading the attributes, opening /dev/udmabufN (plain and O_SYNC), the
 * GET_DRV_INFO / GET_DMA_ADDR / GET_SIZE / GET_SYNC / SET_SYNC* ioctls, writing sync_mode and the
 * sync attributes, both mmaps - with its usual errno, then with EINTR, then ioctls with ENOTTY
 * (a 32-bit program on a 64-bit kernel); each failure is clean, the context still works, and
 * after close no descriptor or mapping is left.  Built only with FAULT=1. */
#include "fault.h"
#include "fixture.h"
#include "shim_udmabuf.h"
#include "test.h"

static const struct fault_buf bufs[] = {
	{100, PLBUF_CACHEABLE_YES, 0, "udmabuf0", 0},
	{5000, PLBUF_CACHEABLE_NO, 0, "udmabuf0", 0},
	{100, PLBUF_CACHEABLE_DEFAULT, 0, "udmabuf1", 0}, /* no quirk-mmap: uncached only */
	{300000, PLBUF_CACHEABLE_NO, 4096, "udmabuf1", 0},
};

/* Each life starts from the driver's defaults (sync_mode 1), which the backend then changes. */
static void devices(void)
{
	struct fx_udmabuf d;

	fx_udmabuf_default(&d, "udmabuf0", 1 << 20, 0x30000000);
	CHECK(fx_udmabuf_add(&d) == 0);
	fx_udmabuf_default(&d, "udmabuf1", 1 << 20, 0x38000000);
	snprintf(d.version, sizeof(d.version), "4.4.1");
	d.ioctl_version = 0;
	d.quirk_mmap_mode = 0;
	CHECK(fx_udmabuf_add(&d) == 0);
}

int main(void)
{
	struct fault_plan p = {"udmabuf", "sync=driver", bufs, 4, devices, NULL};

	if (!fault_available())
		SKIP("built without FAULT=1");
	CHECK(fault_run("udmabuf", &p, FAULT_ANY, 0) > 0);
	CHECK(fault_run("udmabuf, EINTR", &p, FAULT_ANY, EINTR) > 0);
	CHECK(fault_run("udmabuf, ioctl ENOTTY", &p, PLBUF_SYS_IOCTL, ENOTTY) > 0);
	return 0;
}
