/* fork() on a u-dma-buf context (fixture): the child is refused allocation from the inherited
 * banks, whose free space is the parent's too; the parent's buffers and bytes are untouched. */
#include "fixture.h"
#include "shim_udmabuf.h"
#include "forkcheck.h"

int main(void)
{
	struct fx_udmabuf d;

	fx_udmabuf_default(&d, "udmabuf0", 16 << 20, 0x3f000000);
	CHECK(fx_udmabuf_add(&d) == 0);
	plbuf_ctx *ctx = plbuf_open("udmabuf", NULL);

	CHECK(ctx);
	fork_check(ctx, 1000, 3 << 20, NULL, 0);
	plbuf_close(ctx);
	return 0;
}
