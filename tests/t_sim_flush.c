/* Non-coherent sim: the device sees the CPU's writes only after a flush, and the CPU sees the
 * device's writes only after an invalidate; a view flushes only the lines it spans. */
#include "test.h"

int main(void)
{
	plbuf_ctx *ctx = plbuf_open("sim", "coherent=0 line=64");
	CHECK(ctx);
	plbuf_sim_dev *dev = plbuf_sim_attach(plbuf_sim_name(ctx));
	CHECK(dev);
	int64_t shape[1] = {1024};
	plbuf_buf *b = plbuf_allocate(ctx, 1, shape, "u4", NULL);
	CHECK(b);
	CHECK(plbuf_cacheable(b) == 1 && plbuf_coherent(b) == 0);
	uint32_t *p = plbuf_data(b);
	uint32_t *d = plbuf_sim_translate(dev, plbuf_device_address(b), plbuf_nbytes(b));
	CHECK(d);

	for (int i = 0; i < 1024; i++)
		p[i] = 0x1000 + (uint32_t)i;
	CHECK(d[5] != 0x1005); /* not flushed: the device reads stale DRAM */
	CHECK(plbuf_flush(b) == 0);
	for (int i = 0; i < 1024; i++)
		CHECK(d[i] == 0x1000 + (uint32_t)i);

	/* The device writes; the CPU sees it only after invalidate. */
	for (int i = 0; i < 1024; i++)
		d[i] = 0x2000 + (uint32_t)i;
	CHECK(p[7] == 0x1007);
	CHECK(plbuf_invalidate(b) == 0);
	for (int i = 0; i < 1024; i++)
		CHECK(p[i] == 0x2000 + (uint32_t)i);

	/* Range flush: only lines 16..31 (64 B lines = 16 words) move. */
	for (int i = 0; i < 1024; i++)
		p[i] = 0x3000 + (uint32_t)i;
	CHECK(plbuf_flush_range(b, 64, 64) == 0);
	CHECK(d[15] == 0x200f && d[16] == 0x3010 && d[31] == 0x301f && d[32] == 0x2020);

	/* Invalidate of a partial line cleans that line first: the CPU's bytes beside the range
	 * survive (clean+invalidate at the edges). */
	for (int i = 0; i < 1024; i++)
		p[i] = 0x4000 + (uint32_t)i;
	CHECK(plbuf_flush(b) == 0);
	p[40] = 0xaaaa;           /* dirty in the CPU, same line as the range start */
	d[42] = 0xbbbb;           /* written by the device inside the range */
	CHECK(plbuf_invalidate_range(b, 42 * 4, 4) == 0);
	CHECK(p[40] == 0xaaaa);   /* not lost */
	/* ...and, as on real hardware, the whole dirty edge line was written back over the device's
	 * word in it: the CPU and the device must never share a cache line during a transfer, which
	 * is why plbuf aligns and sizes every buffer in whole lines. */
	CHECK(p[42] == 0x402a && d[42] == 0x402a);
	/* A line-aligned range is a pure invalidate: the device's data arrives intact. */
	d[48] = 0xcccc;
	CHECK(plbuf_invalidate_range(b, 48 * 4, 64) == 0);
	CHECK(p[48] == 0xcccc);

	CHECK(plbuf_free(b) == 0);
	plbuf_sim_detach(dev);
	plbuf_close(ctx);
	return 0;
}
