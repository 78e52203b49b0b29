/* plbuf_flush_range / plbuf_invalidate_range check the range on every kind of memory, as the header
 * promises: a coherent bank, a cacheable=no buffer and a cached one alike refuse a range outside
 * the buffer's span with -EINVAL and a message (code wrong this way passes on x86 and fails on a
 * board), accept one inside, and a view's range is checked against the view's span. */
#include <stdint.h>

#include "test.h"

static void check_ranges(plbuf_buf *b, const char *what)
{
	printf("%s: coherent %d, cacheable %d\n", what, plbuf_coherent(b), plbuf_cacheable(b));
	CHECK_ERR(plbuf_flush_range(b, (int64_t)1 << 40, 1), EINVAL);
	CHECK(strstr(plbuf_errmsg(), "outside"));
	CHECK_ERR(plbuf_invalidate_range(b, -1000, 5), EINVAL);
	CHECK_ERR(plbuf_flush_range(b, 0, plbuf_nbytes(b) + 1), EINVAL);
	CHECK_ERR(plbuf_invalidate_range(b, 1, UINT64_MAX), EINVAL);
	CHECK_ERR(plbuf_flush_range(b, INT64_MAX, 2), EINVAL);
	CHECK(plbuf_flush_range(b, 0, plbuf_nbytes(b)) == 0);
	CHECK(plbuf_invalidate_range(b, 4, 8) == 0);
	CHECK(plbuf_flush_range(b, (int64_t)plbuf_nbytes(b), 0) == 0); /* empty, at the end */
	plbuf_buf *v = plbuf_view(b, "10:20");
	CHECK(v);
	CHECK(plbuf_flush_range(v, 0, 40) == 0);
	CHECK_ERR(plbuf_flush_range(v, 0, 41), EINVAL);
	CHECK_ERR(plbuf_invalidate_range(v, -4, 4), EINVAL);
	CHECK(plbuf_free(v) == 0);
}

int main(void)
{
	int64_t n = 100;
	plbuf_ctx *coh = plbuf_open("sim", "banks=A@0x40000000:1M:coherent check=0");
	plbuf_ctx *non = plbuf_open("sim", "banks=A@0x40000000:1M check=0");
	struct plbuf_alloc_opts unc = {.cacheable = PLBUF_CACHEABLE_NO};

	CHECK(coh && non);
	plbuf_buf *a = plbuf_allocate(coh, 1, &n, "u4", NULL);
	plbuf_buf *b = plbuf_allocate(non, 1, &n, "u4", &unc);
	plbuf_buf *c = plbuf_allocate(non, 1, &n, "u4", NULL);
	CHECK(a && b && c && plbuf_coherent(a) && plbuf_coherent(b) && !plbuf_cacheable(b) &&
	      !plbuf_coherent(c));
	check_ranges(a, "coherent bank");
	check_ranges(b, "cacheable=no");
	check_ranges(c, "cached, non-coherent");
	CHECK(plbuf_free(a) == 0 && plbuf_free(b) == 0 && plbuf_free(c) == 0);
	CHECK_ERR(plbuf_flush_range(a, 0, 4), EBADF);
	plbuf_close(coh);
	plbuf_close(non);
	return 0;
}
