/* u-dma-buf, sync=driver: flush and invalidate ask the driver (ioctls of v5.2.0) to clean /
 * invalidate exactly the lines the range touches, at the buffer's offset in the device; an
 * invalidate whose range starts or ends inside a line cleans that line first (the kernel would
 * drop it whole); a view syncs the span of bytes it covers; ranges too large for the one-word
 * command use SET_SYNC; uncached and coherent memory need no call at all. */
#include "fixture.h"
#include "shim_udmabuf.h"
#include "test.h"

static uint64_t L, base_off;

/* Expects the log to hold exactly the n syncs given as (for_cpu, dir, offset, size) relative
 * to the buffer, then clears it. */
static void expect(int line, int n, const uint64_t (*e)[4])
{
	if (fx_udmabuf_nsyncs() != n) {
		fprintf(stderr, "line %d: %d syncs, expected %d\n", line, fx_udmabuf_nsyncs(), n);
		for (int i = 0; i < fx_udmabuf_nsyncs(); i++) {
			const struct fx_udmabuf_sync *s = fx_udmabuf_sync_at(i);

			fprintf(stderr, "  cpu=%d dir=%d off=%llu size=%llu\n", s->for_cpu, s->dir,
				(unsigned long long)(s->offset - base_off), (unsigned long long)s->size);
		}
		exit(1);
	}
	for (int i = 0; i < n; i++) {
		const struct fx_udmabuf_sync *s = fx_udmabuf_sync_at(i);

		if (s->for_cpu != (int)e[i][0] || s->dir != (int)e[i][1] ||
		    s->offset != base_off + e[i][2] || s->size != e[i][3] ||
		    strcmp(s->dev, "udmabuf0") || s->via == FX_UDMABUF_SYSFS) {
			fprintf(stderr, "line %d: sync %d is cpu=%d dir=%d off=%llu size=%llu via %d, "
				"expected %llu %llu %llu %llu\n", line, i, s->for_cpu, s->dir,
				(unsigned long long)(s->offset - base_off), (unsigned long long)s->size,
				s->via, (unsigned long long)e[i][0], (unsigned long long)e[i][1],
				(unsigned long long)e[i][2], (unsigned long long)e[i][3]);
			exit(1);
		}
	}
	fx_udmabuf_clear_log();
}
#define EXPECT(...) do { const uint64_t e_[][4] = {__VA_ARGS__}; \
	expect(__LINE__, (int)(sizeof(e_) / sizeof(e_[0])), e_); } while (0)
#define EXPECT_NONE() CHECK(fx_udmabuf_nsyncs() == 0)

int main(void)
{
	struct fx_udmabuf d;
	int64_t shape[2] = {16, 4 * 64};

	fx_udmabuf_default(&d, "udmabuf0", 4 << 20, 0x38000000);
	CHECK(fx_udmabuf_add(&d) == 0);
	fx_udmabuf_default(&d, "coherent", 4 << 20, 0x38400000);
	d.dma_coherent = 1;
	CHECK(fx_udmabuf_add(&d) == 0);
	plbuf_ctx *ctx = plbuf_open("udmabuf", "sync=driver");
	CHECK(ctx);
	L = plbuf_ctx_line_size(ctx);
	shape[1] = 4 * (int64_t)L; /* rows of 4 lines */

	struct plbuf_alloc_opts o = {.bank = "udmabuf0"};
	plbuf_buf *b = plbuf_allocate(ctx, 2, shape, "u1", &o);

	CHECK(b);
	base_off = plbuf_device_address(b) - 0x38000000;
	uint64_t n = plbuf_nbytes(b);

	/* Allocation cleans the buffer once (dirty lines of a previous user). */
	EXPECT({0, 1, 0, n});
	/* Through the ioctls whose one-word command carries the range. */
	CHECK(plbuf_flush(b) == 0);
	CHECK(fx_udmabuf_sync_at(0)->via == FX_UDMABUF_IOCTL_SYNC_FOR_DEVICE);
	EXPECT({0, 1, 0, n});
	CHECK(plbuf_invalidate(b) == 0);
	CHECK(fx_udmabuf_sync_at(0)->via == FX_UDMABUF_IOCTL_SYNC_FOR_CPU);
	EXPECT({1, 2, 0, n});

	/* Ranges: widened to whole lines. */
	CHECK(plbuf_flush_range(b, 10, 100) == 0);
	EXPECT({0, 1, 0, (110 + L - 1) / L * L});
	CHECK(plbuf_flush_range(b, (int64_t)L, L) == 0);
	EXPECT({0, 1, L, L});
	/* Invalidate inside one line: clean it, then invalidate it. */
	CHECK(plbuf_invalidate_range(b, 3, 5) == 0);
	EXPECT({0, 1, 0, L}, {1, 2, 0, L});
	/* Both edges partial, in lines far apart: clean each edge line, invalidate the whole. */
	CHECK(plbuf_invalidate_range(b, (int64_t)L + 8, 3 * L) == 0);
	EXPECT({0, 1, L, L}, {0, 1, 4 * L, L}, {1, 2, L, 4 * L});
	/* Only the head partial. */
	CHECK(plbuf_invalidate_range(b, (int64_t)L + 8, 3 * L - 8) == 0);
	EXPECT({0, 1, L, L}, {1, 2, L, 3 * L});
	/* Only the tail partial. */
	CHECK(plbuf_invalidate_range(b, 2 * (int64_t)L, L + 1) == 0);
	EXPECT({0, 1, 3 * L, L}, {1, 2, 2 * L, 2 * L});
	/* Aligned: a pure invalidate. */
	CHECK(plbuf_invalidate_range(b, 2 * (int64_t)L, 2 * L) == 0);
	EXPECT({1, 2, 2 * L, 2 * L});

	/* A view syncs the bytes it spans: rows 2..3 are lines 8..15. */
	plbuf_buf *v = plbuf_view(b, "2:4, :");

	CHECK(v);
	CHECK(plbuf_flush(v) == 0);
	EXPECT({0, 1, 8 * L, 8 * L});
	CHECK(plbuf_invalidate(v) == 0);
	EXPECT({1, 2, 8 * L, 8 * L});
	CHECK(plbuf_free(v) == 0);
	/* A column's span runs from its first row to its last: [8, 15 rows + 16). */
	v = plbuf_view(b, ":, 8:16");
	CHECK(v);
	CHECK(plbuf_flush(v) == 0);
	EXPECT({0, 1, 0, 60 * L + L});
	CHECK(plbuf_invalidate(v) == 0);
	EXPECT({0, 1, 0, L}, {0, 1, 60 * L, L}, {1, 2, 0, 61 * L});
	/* A reversed view spans the same bytes as its base. */
	CHECK(plbuf_free(v) == 0);
	v = plbuf_view(b, "::-1");
	CHECK(v);
	CHECK(plbuf_flush(v) == 0);
	EXPECT({0, 1, 0, n});
	CHECK(plbuf_free(v) == 0);
	CHECK(plbuf_free(b) == 0);

	/* Uncached memory: allocating it drops the cached alias's lines once (one sync for the CPU,
	 * from the device), so none can be written back behind the uncached mapping; after that,
	 * flush and invalidate need no driver call.  Coherent memory never does. */
	o.cacheable = PLBUF_CACHEABLE_NO;
	b = plbuf_allocate(ctx, 2, shape, "u1", &o);
	CHECK(b && fx_udmabuf_nsyncs() == 1 && fx_udmabuf_sync_at(0)->for_cpu == 1 &&
	      fx_udmabuf_sync_at(0)->dir == 2 && fx_udmabuf_sync_at(0)->size >= plbuf_nbytes(b));
	fx_udmabuf_clear_log();
	CHECK(plbuf_flush(b) == 0 && plbuf_invalidate_range(b, 1, 1) == 0);
	CHECK(plbuf_free(b) == 0);
	o.cacheable = PLBUF_CACHEABLE_DEFAULT;
	o.bank = "coherent";
	b = plbuf_allocate(ctx, 2, shape, "u1", &o);
	CHECK(b && plbuf_cacheable(b) && plbuf_flush(b) == 0 && plbuf_invalidate(b) == 0);
	CHECK(plbuf_free(b) == 0);
	EXPECT_NONE();
	plbuf_close(ctx);

	/* Offsets and sizes the one-word command cannot hold (64-bit only: a 5 GiB buffer). */
	if (sizeof(void *) == 8) {
		fx_udmabuf_default(&d, "udmabuf0", 5ull << 30, 0x800000000ull);
		CHECK(fx_udmabuf_add(&d) == 0);
		fx_udmabuf_clear_log();
		ctx = plbuf_open("udmabuf", "sync=driver devices=udmabuf0");
		CHECK(ctx);
		int64_t big[1] = {(int64_t)(4ull << 30) + 4096}, small[1] = {4096};
		plbuf_buf *h = plbuf_allocate(ctx, 1, big, "u1", NULL);

		CHECK(h);
		base_off = plbuf_device_address(h) - 0x800000000ull;
		EXPECT({0, 1, 0, (4ull << 30) + 4096});
		CHECK(fx_udmabuf_nsyncs() == 0);
		b = plbuf_allocate(ctx, 1, small, "u1", NULL);
		CHECK(b && plbuf_device_address(b) - 0x800000000ull >= (4ull << 30));
		base_off = plbuf_device_address(b) - 0x800000000ull;
		fx_udmabuf_clear_log();
		CHECK(plbuf_invalidate(b) == 0);
		CHECK(fx_udmabuf_nsyncs() == 1 && fx_udmabuf_sync_at(0)->via == FX_UDMABUF_IOCTL_SET_SYNC);
		EXPECT({1, 2, 0, 4096});
		CHECK(plbuf_free(b) == 0 && plbuf_free(h) == 0);
		plbuf_close(ctx);
	}
	return 0;
}
