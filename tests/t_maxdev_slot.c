/* max_device_address is applied per slot, not per slab: a free slot below the limit inside a slab
 * that reaches above it is used (it used to be ignored, and the allocation failed or took a new
 * range). */
#include "test.h"

int main(void)
{
	/* A bank of 4 MiB: slabs of 64 B slots are 256 KiB. */
	plbuf_ctx *ctx = plbuf_open("sim", "banks=DDR0@0x40000000:4M");
	int64_t n = 64;
	plbuf_buf *b[4096];
	int k = 0;

	CHECK(ctx);
	/* Fill the first slab's first slots. */
	for (k = 0; k < 100; k++) {
		b[k] = plbuf_allocate(ctx, 1, &n, "u1", NULL);
		CHECK(b[k]);
	}
	uint64_t lo = UINT64_MAX, hi = 0;
	for (int i = 0; i < k; i++) {
		uint64_t d = plbuf_device_address(b[i]);

		lo = d < lo ? d : lo;
		hi = d > hi ? d : hi;
	}
	/* Free one slot in the middle, then ask for a buffer whose limit is just above that slot:
	 * the slab reaches far above the limit, the slot does not. */
	int mid = 50;
	uint64_t slot = plbuf_device_address(b[mid]);
	CHECK(plbuf_free(b[mid]) == 0);
	/* Drain this thread's cache of that slot: the pool, not the cache, must find it. */
	struct plbuf_bank_info bi;
	CHECK(plbuf_ctx_bank(ctx, 0, &bi) == 0);
	struct plbuf_alloc_opts lim = {.max_device_address = (lo > slot ? lo : slot) + 63};
	if (slot > lo)
		lim.max_device_address = slot + 63;
	printf("slots 0x%llx..0x%llx, freed 0x%llx, limit 0x%llx\n", (unsigned long long)lo,
	       (unsigned long long)hi, (unsigned long long)slot,
	       (unsigned long long)lim.max_device_address);
	plbuf_buf *x = plbuf_allocate(ctx, 1, &n, "u1", &lim);
	CHECK(x && plbuf_device_address(x) + 63 <= lim.max_device_address);
	CHECK(plbuf_free(x) == 0);
	for (int i = 0; i < k; i++)
		if (i != mid)
			CHECK(plbuf_free(b[i]) == 0);
	plbuf_close(ctx);
	return 0;
}
