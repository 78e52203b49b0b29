/* Views: numpy slicing from a string and reshape; a view's device address is that of its first
 * element, it keeps its base alive, and flushing it moves only the lines it spans. */
#include "test.h"

int main(void)
{
	plbuf_ctx *ctx = plbuf_open("sim", "coherent=0");
	CHECK(ctx);
	plbuf_sim_dev *dev = plbuf_sim_attach(plbuf_sim_name(ctx));
	CHECK(dev);
	int64_t shape[2] = {64, 16};
	plbuf_buf *b = plbuf_allocate(ctx, 2, shape, "u4", NULL);
	CHECK(b);
	uint64_t base = plbuf_device_address(b);

	plbuf_buf *v = plbuf_view(b, "2:10, ::2");
	CHECK(v && plbuf_is_view(v));
	CHECK(plbuf_ndim(v) == 2 && plbuf_shape(v)[0] == 8 && plbuf_shape(v)[1] == 8);
	CHECK(plbuf_strides(v)[0] == 64 && plbuf_strides(v)[1] == 8);
	CHECK(plbuf_device_address(v) == base + 2 * 64);
	CHECK((char *)plbuf_data(v) == (char *)plbuf_data(b) + 128);

	/* Negative step: the first element is the last row; the span reaches backwards. */
	plbuf_buf *r = plbuf_view(b, "::-1, 3");
	CHECK(r && plbuf_ndim(r) == 1 && plbuf_shape(r)[0] == 64 && plbuf_strides(r)[0] == -64);
	CHECK(plbuf_device_address(r) == base + 63 * 64 + 12);
	int64_t lo, hi;
	plbuf_span(r, &lo, &hi);
	CHECK(lo == -63 * 64 && hi == 4);

	/* Ellipsis and integer indexing, a view of a view. */
	plbuf_buf *e = plbuf_view(v, "..., -1");
	CHECK(e && plbuf_ndim(e) == 1 && plbuf_device_address(e) == base + 128 + 7 * 8);

	/* Flushing a column view (rows 2..9 of column 0, stride 64 B) moves exactly its lines. */
	uint32_t *p = plbuf_data(b);
	for (int i = 0; i < 64 * 16; i++)
		p[i] = 0xabc00000u + (uint32_t)i;
	plbuf_buf *col = plbuf_view(b, "2:10, 0");
	CHECK(col);
	CHECK(plbuf_flush(col) == 0);
	uint32_t *d = plbuf_sim_translate(dev, base, 64 * 64);
	CHECK(d);
	CHECK(d[16 * 1] != p[16 * 1]);        /* row 1: outside the span, not flushed */
	CHECK(d[16 * 2] == p[16 * 2]);        /* row 2 col 0: flushed */
	CHECK(d[16 * 9] == p[16 * 9]);        /* row 9 col 0: flushed */
	CHECK(d[16 * 10] != p[16 * 10]);      /* row 10: outside */

	/* Reshape without copy. */
	plbuf_buf *rs = plbuf_reshape(b, 3, (int64_t[]){4, -1, 16}, 'C');
	CHECK(rs && plbuf_shape(rs)[1] == 16 && plbuf_device_address(rs) == base);
	/* b[2:10, ::2] has a uniform 8-byte step: numpy flattens it as a view, and so does plbuf. */
	plbuf_buf *flat = plbuf_reshape(v, 1, (int64_t[]){64}, 'C');
	CHECK(flat && plbuf_strides(flat)[0] == 8);
	plbuf_free(flat);
	/* b[2:10, :8] does not: flattening it needs a copy, which plbuf refuses. */
	plbuf_buf *half = plbuf_view(b, "2:10, :8");
	CHECK(half);
	CHECK_NULL_ERR(plbuf_reshape(half, 1, (int64_t[]){64}, 'C'), EINVAL);
	plbuf_free(half);

	/* Malformed slices: clear errors. */
	const char *bad[] = {"1:2:3:4", "a", "0,0,0", "..., ...", "::0", "64", "-65", "1:2,", NULL};
	for (int i = 0; bad[i]; i++) {
		if (i == 7) { /* a trailing comma is valid numpy */
			plbuf_buf *x = plbuf_view(b, bad[i]);
			CHECK(x);
			plbuf_free(x);
			continue;
		}
		CHECK_NULL_ERR(plbuf_view(b, bad[i]), EINVAL);
	}

	/* The base is freed first: views keep the memory. */
	CHECK(plbuf_free(b) == 0);
	CHECK(((uint32_t *)plbuf_data(e))[0] == p[2 * 16 + 14]);
	plbuf_free(v), plbuf_free(r), plbuf_free(e), plbuf_free(col), plbuf_free(rs);
	plbuf_sim_detach(dev);
	plbuf_close(ctx);
	return 0;
}
