/* The spec's example with a device write, on a non-coherent sim bank: allocate n x u4 (the spec
 * uses 5: 20 bytes, not a whole line), fill, flush, let the device write 0..n-1 through
 * plbuf_sim_write, invalidate: the CPU reads the device's data, and device memory keeps it, for
 * every n from 1 to 64 and for every view [s:e] of a 64-element buffer.  The DMA-API checker runs
 * fatal meanwhile: correct use must never be reported. */
#include <stdint.h>

#include "test.h"

static plbuf_sim_dev *dev;

static void device_writes(plbuf_buf *b, uint32_t first)
{
	uint64_t n = plbuf_nbytes(b) / 4;
	uint32_t v[64], back[64];

	for (uint64_t i = 0; i < n; i++)
		v[i] = first + (uint32_t)i;
	CHECK(plbuf_sim_write(dev, plbuf_device_address(b), v, n * 4) == 0);
	CHECK(plbuf_invalidate(b) == 0);
	for (uint64_t i = 0; i < n; i++)
		if (((uint32_t *)plbuf_data(b))[i] != first + i) {
			fprintf(stderr, "%llu elements at 0x%llx: element %llu reads %u, the device "
				"wrote %u\n", (unsigned long long)n,
				(unsigned long long)plbuf_device_address(b), (unsigned long long)i,
				((uint32_t *)plbuf_data(b))[i], first + (uint32_t)i);
			exit(T_EXIT_FAIL);
		}
	CHECK(plbuf_sim_read(dev, plbuf_device_address(b), back, n * 4) == 0);
	CHECK(memcmp(back, v, n * 4) == 0);
}

int main(void)
{
	plbuf_ctx *ctx = plbuf_open("sim", "banks=DDR0@0x40000000:16M coherent=0 check=fatal");

	CHECK(ctx);
	dev = plbuf_sim_attach(plbuf_sim_name(ctx));
	CHECK(dev);
	for (int64_t n = 1; n <= 64; n++) {
		plbuf_buf *b = plbuf_allocate(ctx, 1, &n, "u4", NULL);

		CHECK(b && !plbuf_coherent(b));
		for (int64_t i = 0; i < n; i++)
			((uint32_t *)plbuf_data(b))[i] = 1000 + (uint32_t)i;
		CHECK(plbuf_flush(b) == 0);
		device_writes(b, 0);
		CHECK(plbuf_free(b) == 0);
	}
	int64_t n = 64;
	plbuf_buf *b = plbuf_allocate(ctx, 1, &n, "u4", NULL);
	int views = 0;

	CHECK(b);
	for (int s = 0; s < 64; s++)
		for (int e = s + 1; e <= 64; e++) {
			char slice[16];

			for (int i = 0; i < 64; i++)
				((uint32_t *)plbuf_data(b))[i] = 7;
			CHECK(plbuf_flush(b) == 0);
			snprintf(slice, sizeof(slice), "%d:%d", s, e);
			plbuf_buf *v = plbuf_view(b, slice);

			CHECK(v);
			device_writes(v, 100u * (uint32_t)s);
			/* and the CPU's bytes beside the view, in the view's edge lines, are intact */
			for (int i = 0; i < 64; i++)
				CHECK(i >= s && i < e ? 1 : ((uint32_t *)plbuf_data(b))[i] == 7);
			CHECK(plbuf_free(v) == 0);
			views++;
		}
	uint64_t counts[PLBUF_SIM_NPROBLEMS];

	CHECK(plbuf_sim_check_counts(ctx, counts, PLBUF_SIM_NPROBLEMS) == PLBUF_SIM_NPROBLEMS);
	for (int i = 0; i < PLBUF_SIM_NPROBLEMS; i++)
		CHECK(counts[i] == 0);
	printf("64 buffer sizes and %d views read back the device's data; the checker found nothing\n",
	       views);
	CHECK(plbuf_free(b) == 0);
	plbuf_sim_detach(dev);
	plbuf_close(ctx);
	return 0;
}
