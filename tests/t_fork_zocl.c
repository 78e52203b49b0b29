/* fork() on a zocl context (fixture): the child is refused allocation, and freeing or closing the
 * inherited context closes no BO (GEM handles belong to the DRM file, which parent and child
 * share: a child's GEM_CLOSE would have closed the parent's BO). */
#include "shim_zocl.h"
#include "forkcheck.h"

static const struct shim_zocl_bank topo[] = {
	{ "HP0", 1, 1, 0x0, 2ull << 30 },
};

static void zocl_state(char *buf, size_t len)
{
	snprintf(buf, len, "%d live BOs", shim_zocl_live_bos());
}

int main(void)
{
	struct shim_zocl_cfg cfg = { .ntopo = 1, .topo = topo };

	shim_zocl_setup(&cfg);
	plbuf_ctx *ctx = plbuf_open("zocl", NULL);

	CHECK(ctx);
	fork_check(ctx, 1000, 3 << 20, zocl_state, 0);
	plbuf_close(ctx);
	CHECK(shim_zocl_live_bos() == 0);
	return 0;
}
