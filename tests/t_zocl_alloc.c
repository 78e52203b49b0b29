/* zocl: buffers come from BOs created with the bank index and the cacheable bit in the flags;
 * device and physical address are the BO's INFO_BO address plus the buffer's offset; the memory
 * the CPU writes through plbuf_data() is the BO (mapped at MAP_BO's offset); cached buffers are
 * non-coherent, uncached ones coherent; PL-DDR banks are never cached; every BO is closed again. */
#include "test.h"
#include "shim_zocl.h"

static const struct shim_zocl_bank topo[] = {
	{ "HP0", 1, 1, 0x0, 2ull << 30 },
	{ "MIG0", 1, 1, 0x500000000ull, 256u << 20 },
};

/* The BO that holds b, found by address. */
static const struct shim_zocl_bo *bo_of(plbuf_buf *b)
{
	uint64_t dev = plbuf_device_address(b);

	for (uint32_t h = 1; shim_zocl_bo(h); h++) {
		const struct shim_zocl_bo *bo = shim_zocl_bo(h);

		if (bo->live && dev >= bo->paddr && dev + plbuf_nbytes(b) <= bo->paddr + bo->size)
			return bo;
	}
	return NULL;
}

static void check_memory(plbuf_buf *b)
{
	const struct shim_zocl_bo *bo = bo_of(b);
	uint64_t n = plbuf_nbytes(b), off;
	unsigned char *seen = malloc(n), *p = plbuf_data(b);

	CHECK(bo && seen);
	off = plbuf_device_address(b) - bo->paddr;
	for (uint64_t i = 0; i < n; i++)
		p[i] = (unsigned char)(i * 7 + 3);
	CHECK(shim_zocl_read(bo->handle, off, seen, n) == 0);
	CHECK(memcmp(seen, p, n) == 0);
	free(seen);
}

int main(void)
{
	struct shim_zocl_cfg cfg = { .ntopo = 2, .topo = topo };
	struct plbuf_alloc_opts opts;
	const struct shim_zocl_bo *bo;
	int64_t shape[] = { 1024 }, big[] = { 3 << 20 };
	plbuf_ctx *ctx;
	plbuf_buf *b, *u, *m, *mc, *l;

	shim_zocl_setup(&cfg);
	ctx = plbuf_open("zocl", NULL);
	CHECK(ctx);

	/* Default in a CMA bank: cached. */
	b = plbuf_allocate(ctx, 1, shape, "u4", NULL);
	CHECK(b);
	bo = bo_of(b);
	CHECK(bo);
	printf("cached: dev 0x%llx in BO %u (flags 0x%x, %llu bytes at 0x%llx)\n",
	       (unsigned long long)plbuf_device_address(b), bo->handle, bo->user_flags,
	       (unsigned long long)bo->size, (unsigned long long)bo->paddr);
	CHECK(bo->user_flags == SHIM_ZOCL_FLAGS_CACHEABLE); /* bank index 0, cacheable */
	CHECK(bo->cacheable);
	CHECK(plbuf_cacheable(b) == 1);
	CHECK(plbuf_coherent(b) == 0);
	CHECK(plbuf_physical_address(b) == plbuf_device_address(b));
	CHECK(plbuf_device_address(b) % plbuf_ctx_line_size(ctx) == 0);
	CHECK(strcmp(plbuf_bank(b), "HP0") == 0);
	check_memory(b);

	/* cacheable=no: a BO without the bit, which zocl maps write-combine: coherent. */
	memset(&opts, 0, sizeof(opts));
	opts.cacheable = PLBUF_CACHEABLE_NO;
	u = plbuf_allocate(ctx, 1, shape, "u4", &opts);
	CHECK(u);
	bo = bo_of(u);
	CHECK(bo && bo->user_flags == 0 && !bo->cacheable);
	CHECK(plbuf_cacheable(u) == 0);
	CHECK(plbuf_coherent(u) == 1);
	check_memory(u);

	/* PL-DDR: bank index 1 in the flags, memory inside the bank, never cached. */
	opts.cacheable = PLBUF_CACHEABLE_DEFAULT;
	opts.bank = "MIG0";
	m = plbuf_allocate(ctx, 1, shape, "u4", &opts);
	CHECK(m);
	bo = bo_of(m);
	CHECK(bo && bo->user_flags == 1);
	CHECK(plbuf_device_address(m) >= 0x500000000ull);
	CHECK(plbuf_device_address(m) + 4096 <= 0x500000000ull + (256u << 20));
	CHECK(plbuf_cacheable(m) == 0 && plbuf_coherent(m) == 1);
	opts.cacheable = PLBUF_CACHEABLE_YES;
	mc = plbuf_allocate(ctx, 1, shape, "u4", &opts);
	CHECK(mc);
	CHECK(plbuf_cacheable(mc) == 0 && plbuf_coherent(mc) == 1);
	CHECK((bo_of(mc)->user_flags & SHIM_ZOCL_FLAGS_CACHEABLE) == 0);
	check_memory(mc);

	/* A large buffer gets a BO of its own, of its size. */
	l = plbuf_allocate(ctx, 1, big, "u4", NULL);
	CHECK(l);
	bo = bo_of(l);
	CHECK(bo && bo->asked == (12u << 20) && bo->size == (12u << 20));
	CHECK(plbuf_device_address(l) == bo->paddr);
	check_memory(l);
	printf("live BOs with 5 buffers: %d\n", shim_zocl_live_bos());

	CHECK(plbuf_free(l) == 0);
	CHECK(plbuf_free(mc) == 0);
	CHECK(plbuf_free(m) == 0);
	CHECK(plbuf_free(u) == 0);
	CHECK(plbuf_free(b) == 0);
	plbuf_close(ctx);
	CHECK(shim_zocl_live_bos() == 0);
	shim_zocl_teardown();
	return 0;
}
