/* Fault injection, xlnk backend (fixture tree with the xlnk emulation): every system call of a
 * context's life fails in turn - opening /dev/xlnk and the files it reads, the ALLOCBUF, FREEBUF
 * and CACHECTRL ioctls, the mmaps of xlnk buffers - with its usual errno and then with EINTR;
 * each failure is clean and the context still works, and after close no xlnk buffer, descriptor
 * or mapping is left.  Built only with FAULT=1 (tests/suites/fault.sh). */
#include <sys/ioctl.h>

#include "fault.h"
#include "fixture.h"
#include "shim_xlnk.h"
#include "test.h"

#define XLNK_IOCFREEBUF _IOWR('X', 3, unsigned long)

static const struct fault_buf bufs[] = {
	{1000, PLBUF_CACHEABLE_YES, 0, NULL, 0},
	{1500, PLBUF_CACHEABLE_NO, 0, NULL, 0},
	{3 << 20, PLBUF_CACHEABLE_YES, 0, NULL, 0}, /* an xlnk buffer of its own */
	{5000, PLBUF_CACHEABLE_YES, 1 << 20, NULL, 0},
};

static void driver(void)
{
	struct fx_xlnk x;

	fx_xlnk_default(&x);
	CHECK(fx_xlnk_setup(&x) == 0);
}

/* A FREEBUF the driver refused leaves that one buffer to it: the 2018-2019 driver keeps buffers
 * even after their process is gone (its release handler frees nothing), until xlnk_reset. */
static int no_buffer_left(void)
{
	int allowed = fault_last_ioctl() == XLNK_IOCFREEBUF;

	if (fx_xlnk_nbufs() > allowed || fx_xlnk_violations())
		fprintf(stderr, "  %d xlnk buffers left, %d calls on wrong memory\n", fx_xlnk_nbufs(),
			fx_xlnk_violations());
	return fx_xlnk_nbufs() > allowed || fx_xlnk_violations() ? -1 : 0;
}

int main(void)
{
	struct fault_plan p = {"xlnk", NULL, bufs, 4, driver, no_buffer_left};

	if (!fault_available())
		SKIP("built without FAULT=1");
	CHECK(fault_run("xlnk", &p, FAULT_ANY, 0) > 0);
	CHECK(fault_run("xlnk, EINTR", &p, FAULT_ANY, EINTR) > 0);
	return 0;
}
