/* hugepage: when the free pages are scattered (no two physically adjacent), a two-page buffer
 * fails with ENOMEM saying the longest run was 1 page and how to get longer runs; the pages the
 * search mapped are all given back and the context still allocates single pages. */
#include "hugepages.h"

int main(void)
{
	struct hp_held h;

	CHECK(hp_reserve(MB2, 16) >= 8);
	/* Hold every page, then give back every other one in physical order: between any two free
	 * pages there is a held one. */
	hp_hold_all(&h, MB2);
	for (long i = 0; i < h.n; i += 2)
		hp_give(&h, MB2, i);
	long free0 = hp_free(MB2);
	CHECK(free0 == (h.n + 1) / 2);

	plbuf_ctx *ctx = plbuf_open("hugepage", NULL);
	CHECK(ctx);
	int64_t shape[1] = {2 * (long)MB2};
	CHECK_NULL_ERR(plbuf_allocate(ctx, 1, shape, "u1", NULL), ENOMEM);
	printf("%s\n", plbuf_errmsg());
	CHECK(strstr(plbuf_errmsg(), "need 2 physically consecutive 2 MiB pages"));
	CHECK(strstr(plbuf_errmsg(), "longest run among the"));
	CHECK(strstr(plbuf_errmsg(), "is 1 (2 MiB)"));
	CHECK(strstr(plbuf_errmsg(), "hugepages=N"));
	CHECK(hp_free(MB2) == free0);

	shape[0] = 4096;
	plbuf_buf *b = plbuf_allocate(ctx, 1, shape, "u1", NULL);
	CHECK(b);
	CHECK(check_contiguous(plbuf_data(b), 4096, plbuf_device_address(b)));
	CHECK(plbuf_free(b) == 0);
	plbuf_close(ctx);
	CHECK(hp_free(MB2) == free0);
	hp_release(&h, MB2);
	return 0;
}
