/* Fault injection, zocl backend (fixture tree with the zocl emulation): every system call of a
 * context's life fails in turn - listing /dev/dri, opening the render node, DRM_IOCTL_VERSION,
 * reading mem_topology and /proc/meminfo, CREATE_BO, INFO_BO, MAP_BO, SYNC_BO, GEM_CLOSE, the BO
 * mmaps - with its usual errno and then with EINTR; each failure is clean and the context still
 * works, and after close no BO, descriptor or mapping is left.  Built only with FAULT=1. */
#include "fault.h"
#include "fixture.h"
#include "shim_zocl.h"
#include "test.h"

static const struct shim_zocl_bank topo[] = {
	{"HP0", 1, 1, 0x0, 2ull << 30},
	{"MIG0", 1, 1, 0x500000000ull, 256u << 20},
};

static const struct fault_buf bufs[] = {
	{1000, PLBUF_CACHEABLE_YES, 0, "HP0", 0},
	{1500, PLBUF_CACHEABLE_NO, 0, "HP0", 0},
	{3 << 20, PLBUF_CACHEABLE_YES, 0, "HP0", 0}, /* a BO of its own */
	{5000, PLBUF_CACHEABLE_DEFAULT, 0, "MIG0", 0},
};

static void driver(void)
{
	struct shim_zocl_cfg cfg = {.ntopo = 2, .topo = topo};

	shim_zocl_setup(&cfg);
}

/* A GEM_CLOSE the driver refused leaves that one handle, which the kernel closes with the
 * descriptor (drm_gem_release), and the emulation does not model. */
static int no_bo_left(void)
{
	int allowed = fault_last_ioctl() == SHIM_DRM_IOCTL_GEM_CLOSE;

	if (shim_zocl_live_bos() > allowed)
		fprintf(stderr, "  %d BOs left open\n", shim_zocl_live_bos());
	return shim_zocl_live_bos() > allowed ? -1 : 0;
}

int main(void)
{
	struct fault_plan p = {"zocl", NULL, bufs, 4, driver, no_bo_left};

	if (!fault_available())
		SKIP("built without FAULT=1");
	CHECK(fault_run("zocl", &p, FAULT_ANY, 0) > 0);
	CHECK(fault_run("zocl, EINTR", &p, FAULT_ANY, EINTR) > 0);
	return 0;
}
