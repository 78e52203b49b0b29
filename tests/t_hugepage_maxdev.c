/* hugepage: max_device_address is honoured: with a limit that only the lowest free page meets,
 * that page is the one used; below every page, the error is ERANGE and says so. */
#include "hugepages.h"

int main(void)
{
	struct hp_held h;

	CHECK(hp_reserve(MB2, 8) >= 4);
	long free0 = hp_free(MB2);
	hp_hold_all(&h, MB2);
	uint64_t lowest = h.phys[0], highest = h.phys[h.n - 1];
	hp_release(&h, MB2);
	CHECK(lowest < highest);

	plbuf_ctx *ctx = plbuf_open("hugepage", NULL);
	CHECK(ctx);
	int64_t shape[1] = {4096};
	struct plbuf_alloc_opts o = {.max_device_address = lowest + MB2 - 1};
	plbuf_buf *b = plbuf_allocate(ctx, 1, shape, "u1", &o);
	CHECK(b);
	CHECK(plbuf_device_address(b) >= lowest);
	CHECK(plbuf_device_address(b) + 4096 - 1 <= o.max_device_address);
	CHECK(check_contiguous(plbuf_data(b), 4096, plbuf_device_address(b)));

	/* A second one fits in the same page, still below the limit. */
	plbuf_buf *b2 = plbuf_allocate(ctx, 1, shape, "u1", &o);
	CHECK(b2);
	CHECK(plbuf_device_address(b2) + 4096 - 1 <= o.max_device_address);

	if (lowest > 0) {
		o.max_device_address = lowest - 1;
		CHECK_NULL_ERR(plbuf_allocate(ctx, 1, shape, "u1", &o), ERANGE);
		CHECK(strstr(plbuf_errmsg(), "max_device_address"));
		printf("%s\n", plbuf_errmsg());
	}
	/* Still usable, and nothing leaked by the failure. */
	CHECK(hp_free(MB2) == free0 - 1);
	plbuf_buf *c = plbuf_allocate(ctx, 1, shape, "u1", NULL);
	CHECK(c);
	CHECK(plbuf_free(c) == 0 && plbuf_free(b) == 0 && plbuf_free(b2) == 0);
	plbuf_close(ctx);
	CHECK(hp_free(MB2) == free0);
	return 0;
}
