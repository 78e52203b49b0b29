/* fork() on an xlnk context (fixture): the child is refused allocation, and freeing or closing the
 * inherited context issues no xlnk free (the driver frees by physical address: a child's free
 * would have released the parent's CMA buffer). */
#include "fixture.h"
#include "shim_xlnk.h"
#include "forkcheck.h"

static void xlnk_state(char *buf, size_t len)
{
	snprintf(buf, len, "%d CMA buffers, %llu bytes free", fx_xlnk_nbufs(),
		 (unsigned long long)fx_xlnk_free_bytes());
}

int main(void)
{
	struct fx_xlnk X;

	fx_xlnk_default(&X);
	CHECK(fx_xlnk_setup(&X) == 0);
	plbuf_ctx *ctx = plbuf_open("xlnk", NULL);

	CHECK(ctx);
	fork_check(ctx, 1000, 3 << 20, xlnk_state, 0);
	plbuf_close(ctx);
	CHECK(fx_xlnk_nbufs() == 0);
	return 0;
}
