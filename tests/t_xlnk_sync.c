/* xlnk, sync=driver: CACHECTRL always starts at the xlnk buffer's first byte (the driver flushes
 * from the buffer's kernel address whatever physical address it is given) and reaches the end of
 * the range, widened to lines (pool chunks are 256 KiB then, to bound that); on a 32-bit kernel action 0 (clean and invalidate) serves both
 * directions, on a 64-bit one an invalidate is 0 then 1.  sync=auto syncs by address from user
 * space where the architecture allows it (no ioctl), and through the driver on ARMv7.  Uncached
 * memory needs neither. */
#include "context.h"
#include "fixture.h"
#include "shim_xlnk.h"
#include "test.h"

static void expect(int line, uint64_t phys, uint64_t size, int invalidate)
{
	int n = fx_xlnk_ncachectrl(), want = invalidate && sizeof(void *) == 8 ? 2 : 1;

	for (int i = 0; i < n; i++) {
		const struct fx_xlnk_cachectrl *c = fx_xlnk_cachectrl_at(i);

		if (c->phys != phys || c->size != size || c->action != (i == 1)) {
			fprintf(stderr, "line %d: CACHECTRL %d: phys 0x%llx size %u action %d; expected "
				"0x%llx %llu %d\n", line, i, (unsigned long long)c->phys, c->size,
				c->action, (unsigned long long)phys, (unsigned long long)size, i == 1);
			exit(1);
		}
	}
	if (n != want) {
		fprintf(stderr, "line %d: %d CACHECTRLs, expected %d\n", line, n, want);
		exit(1);
	}
	fx_xlnk_clear_log();
}

int main(void)
{
	struct fx_xlnk x;

	fx_xlnk_default(&x);
	CHECK(fx_xlnk_setup(&x) == 0);
	plbuf_ctx *ctx = plbuf_open("xlnk", "sync=driver");

	CHECK(ctx);
	uint64_t L = plbuf_ctx_line_size(ctx);
	int64_t shape[1] = {8192};
	plbuf_buf *a = plbuf_allocate(ctx, 1, shape, "u1", NULL);
	plbuf_buf *b = plbuf_allocate(ctx, 1, shape, "u1", NULL);

	CHECK(a && b);
	/* Both in one xlnk buffer (a pool chunk) that starts at the CMA base. */
	uint64_t start = x.cma_base, offb = plbuf_device_address(b) - start;

	CHECK(plbuf_device_address(a) >= start && offb >= 8192);
	/* Driver syncs start at the chunk's first byte: chunks stay small so that they cost little. */
	CHECK(offb + 8192 <= (256 << 10));
	fx_xlnk_clear_log();
	CHECK(plbuf_flush(b) == 0);
	expect(__LINE__, start, offb + 8192, 0);
	CHECK(plbuf_invalidate(b) == 0);
	expect(__LINE__, start, offb + 8192, 1);
	CHECK(plbuf_flush_range(b, 100, 10) == 0);
	expect(__LINE__, start, offb + (110 + L - 1) / L * L, 0);
	plbuf_buf *v = plbuf_view(b, "1000:2000");

	CHECK(v && plbuf_invalidate(v) == 0);
	expect(__LINE__, start, offb + (2000 + L - 1) / L * L, 1);
	CHECK(plbuf_free(v) == 0);
	/* Uncached: nothing to do. */
	struct plbuf_alloc_opts o = {.cacheable = PLBUF_CACHEABLE_NO};
	plbuf_buf *u = plbuf_allocate(ctx, 1, shape, "u1", &o);

	CHECK(u && plbuf_flush(u) == 0 && plbuf_invalidate(u) == 0);
	CHECK(fx_xlnk_ncachectrl() == 0);
	CHECK(plbuf_free(u) == 0 && plbuf_free(a) == 0 && plbuf_free(b) == 0);
	plbuf_close(ctx);

	/* sync=auto */
	int by_va = plbuf__arch_clean(NULL, 0) != -EOPNOTSUPP;

	ctx = plbuf_open("xlnk", NULL);
	CHECK(ctx);
	a = plbuf_allocate(ctx, 1, shape, "u1", NULL);
	CHECK(a);
	fx_xlnk_clear_log();
	CHECK(plbuf_flush(a) == 0 && plbuf_invalidate(a) == 0);
	printf("%s: %d CACHECTRLs\n", plbuf__arch_name(), fx_xlnk_ncachectrl());
	CHECK(fx_xlnk_ncachectrl() == (by_va ? 0 : 2));
	CHECK(plbuf_free(a) == 0);
	plbuf_close(ctx);
	if (by_va) {
		ctx = plbuf_open("xlnk", "sync=cpu");
		CHECK(ctx);
		plbuf_close(ctx);
	} else {
		CHECK_NULL_ERR(plbuf_open("xlnk", "sync=cpu"), EOPNOTSUPP);
	}
	CHECK(fx_xlnk_nbufs() == 0 && fx_xlnk_violations() == 0);
	return 0;
}
