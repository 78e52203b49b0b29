/* Fault injection, reserved backend (fixture tree): every system call of a context's life fails
 * in turn - reading /proc/iomem, opening and mapping /dev/mem,
 * reading the UIO map attributes, opening and mapping /dev/uioN - with its usual errno and then
 * with EINTR; each failure is clean and leaves no descriptor or mapping behind, and the context,
 * when it opened, still works.  Built only with FAULT=1 (tests/suites/fault.sh). */
#include <unistd.h>

#include "fault.h"
#include "fixture.h"
#include "test.h"

static const struct fault_buf bufs[] = {
	{100, PLBUF_CACHEABLE_DEFAULT, 0, "buf", 0},
	{100, PLBUF_CACHEABLE_NO, 0, "buf", 0},
	{300000, PLBUF_CACHEABLE_DEFAULT, 4096, "uio0", 0},
	{5000, PLBUF_CACHEABLE_YES, 0, "buf", 0x8000000 + (1 << 20)},
};

int main(void)
{
	long ps = sysconf(_SC_PAGESIZE);

	if (!fault_available())
		SKIP("built without FAULT=1");
	CHECK(fx_write("/proc/iomem", 0444, "00001000-0009fbff : System RAM\n"
		       "00100000-07ffffff : System RAM\n08000000-08ffffff : Reserved\n") == 0);
	CHECK(fx_file("/dev/mem", 0600, 0x9000000) == 0);
	fx_write("/sys/class/uio/uio0/name", 0444, "dma-buf\n");
	fx_write("/sys/class/uio/uio0/maps/map0/addr", 0444, "0x10000000\n");
	fx_write("/sys/class/uio/uio0/maps/map0/size", 0444, "0x00100000\n");
	fx_write("/sys/class/uio/uio0/maps/map0/offset", 0444, "0x0\n");
	CHECK(fx_file("/dev/uio0", 0666, (uint64_t)ps + (1 << 20)) == 0);

	struct fault_plan p = {"reserved", "regions=buf@0x8000000:16M uio=dma-buf", bufs, 4, NULL, NULL};

	CHECK(fault_run("reserved", &p, FAULT_ANY, 0) > 0);
	CHECK(fault_run("reserved, EINTR", &p, FAULT_ANY, EINTR) > 0);
	return 0;
}
