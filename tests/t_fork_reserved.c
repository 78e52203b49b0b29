/* fork() on a reserved context (/dev/mem in a fixture): the child is refused allocation from the
 * inherited region, whose free space is the parent's too; the parent's buffers are untouched. */
#include "fixture.h"
#include "forkcheck.h"

int main(void)
{
	CHECK(fx_write("/proc/iomem", 0444,
		       "00000000-00000fff : Reserved\n"
		       "00001000-07ffffff : System RAM\n"
		       "08000000-08ffffff : Reserved\n"
		       "09000000-1fffffff : System RAM\n") == 0);
	CHECK(fx_file("/dev/mem", 0600, 0x20000000) == 0);
	plbuf_ctx *ctx = plbuf_open("reserved", "regions=buf@0x8000000:16M");

	CHECK(ctx);
	fork_check(ctx, 1000, 3 << 20, NULL, 0);
	plbuf_close(ctx);
	return 0;
}
