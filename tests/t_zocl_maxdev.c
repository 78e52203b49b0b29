/* zocl: a BO above max_device_address is given back and the allocation fails with ERANGE and a
 * message saying where the memory was and how to place CMA lower; below it succeeds. */
#include "test.h"
#include "shim_zocl.h"

int main(void)
{
	struct shim_zocl_cfg cfg = { .cma_base = 0x70000000 };
	struct plbuf_alloc_opts opts;
	int64_t shape[] = { 4096 };
	plbuf_ctx *ctx;
	plbuf_buf *b;

	shim_zocl_setup(&cfg);
	ctx = plbuf_open("zocl", NULL);
	CHECK(ctx);
	memset(&opts, 0, sizeof(opts));
	opts.max_device_address = 0x3fffffff; /* a 30-bit AXI master */
	CHECK_NULL_ERR(plbuf_allocate(ctx, 1, shape, "u4", &opts), ERANGE);
	printf("%s\n", plbuf_errmsg());
	CHECK(strstr(plbuf_errmsg(), "max_device_address 0x3fffffff"));
	CHECK(strstr(plbuf_errmsg(), "0x70000000"));
	CHECK(shim_zocl_live_bos() == 0);

	opts.max_device_address = 0xffffffff;
	b = plbuf_allocate(ctx, 1, shape, "u4", &opts);
	CHECK(b && plbuf_device_address(b) + 16384 - 1 <= 0xffffffff);
	CHECK(plbuf_free(b) == 0);
	plbuf_close(ctx);
	CHECK(shim_zocl_live_bos() == 0);
	shim_zocl_teardown();
	return 0;
}
