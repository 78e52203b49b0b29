/* zocl: flush and invalidate send DRM_IOCTL_ZOCL_SYNC_BO for the bytes the buffer or view spans,
 * widened to whole cache lines, never the whole BO (PYNQ syncs the whole BO, and a strided view's
 * nbytes from its first element).  An invalidate whose range starts or ends inside a line first
 * syncs that line to the device (clean, then invalidate, as the Linux DMA API does; two partial
 * edge lines side by side in one call).  Coherent
 * (uncached) buffers send nothing. */
#include "test.h"
#include "shim_zocl.h"

static uint64_t L, base; /* line size; offset of the buffer's first byte in its BO */
static uint32_t handle;

static void expect(int i, int dir, uint64_t off, uint64_t size)
{
	const struct shim_sync_bo *s = shim_zocl_sync_get(i);

	CHECK(s);
	printf("  SYNC_BO #%d: %s [%llu, +%llu)\n", i, s->dir ? "from device" : "to device",
	       (unsigned long long)(s->offset - base), (unsigned long long)s->size);
	CHECK(s->handle == handle);
	CHECK(s->dir == dir);
	CHECK(s->offset == base + off);
	CHECK(s->size == size);
}

static uint64_t down(uint64_t x) { return x & ~(L - 1); }
static uint64_t up(uint64_t x) { return (x + L - 1) & ~(L - 1); }

/* The ioctls one sync of [lo, hi) (bytes from the buffer's start) must produce. */
static void check_sync(plbuf_buf *v, int inval, uint64_t lo, uint64_t hi)
{
	int n = 0;

	shim_zocl_sync_clear();
	CHECK((inval ? plbuf_invalidate(v) : plbuf_flush(v)) == 0);
	printf("%s of [%llu, %llu):\n", inval ? "invalidate" : "flush", (unsigned long long)lo,
	       (unsigned long long)hi);
	int head = inval && lo != down(lo), tail = inval && hi != up(hi);

	if (head && tail && up(hi) - L <= down(lo) + L) { /* edges in one line, or two adjacent */
		expect(n++, SHIM_ZOCL_SYNC_TO_DEVICE, down(lo), up(hi) - down(lo));
	} else {
		if (head)
			expect(n++, SHIM_ZOCL_SYNC_TO_DEVICE, down(lo), L);
		if (tail)
			expect(n++, SHIM_ZOCL_SYNC_TO_DEVICE, up(hi) - L, L);
	}
	expect(n++, inval ? SHIM_ZOCL_SYNC_FROM_DEVICE : SHIM_ZOCL_SYNC_TO_DEVICE, down(lo),
	       up(hi) - down(lo));
	CHECK(shim_zocl_nsync() == n);
}

int main(void)
{
	int64_t shape[] = { 64, 16 }, lo, hi;
	struct plbuf_alloc_opts opts;
	const struct shim_zocl_bo *bo;
	plbuf_ctx *ctx;
	plbuf_buf *b, *v, *u;

	shim_zocl_setup(NULL);
	ctx = plbuf_open("zocl", NULL);
	CHECK(ctx);
	L = plbuf_ctx_line_size(ctx);
	printf("line size %llu\n", (unsigned long long)L);
	CHECK(L >= 16 && 1024 % L == 0);

	b = plbuf_allocate(ctx, 2, shape, "u1", NULL);
	CHECK(b && plbuf_cacheable(b) && !plbuf_coherent(b));
	bo = shim_zocl_last_bo();
	handle = bo->handle;
	base = plbuf_device_address(b) - bo->paddr;
	CHECK(base % L == 0);

	/* The whole buffer: its 1024 bytes, not the BO's 4 MiB. */
	check_sync(b, 0, 0, 1024);
	check_sync(b, 1, 0, 1024);

	/* A sliced view, rows 1-2 and columns 5-8: bytes [21, 41), inside one line or two. */
	v = plbuf_view(b, "1:3, 5:9");
	CHECK(v);
	plbuf_span(v, &lo, &hi);
	CHECK(plbuf_data(v) == (char *)plbuf_data(b) + 21 && lo == 0 && hi == 41 - 21);
	check_sync(v, 0, 21, 41);
	check_sync(v, 1, 21, 41);
	CHECK(plbuf_free(v) == 0);

	/* A strided view, column 1: elements 1, 17, ..., 1009: its span is [1, 1010), not the 64
	 * bytes of nbytes from its first element. */
	v = plbuf_view(b, ":, 1");
	CHECK(v && plbuf_nbytes(v) == 64);
	check_sync(v, 0, 1, 1010);
	check_sync(v, 1, 1, 1010);
	CHECK(plbuf_free(v) == 0);

	/* Negative strides: the span runs backwards from the first element. */
	v = plbuf_view(b, "::-1, ::-2");
	CHECK(v);
	plbuf_span(v, &lo, &hi);
	CHECK((char *)plbuf_data(v) + lo == (char *)plbuf_data(b) + 1);
	check_sync(v, 1, 1, 1024);
	CHECK(plbuf_free(v) == 0);

	/* An explicit range. */
	shim_zocl_sync_clear();
	CHECK(plbuf_invalidate_range(b, L + 3, 2) == 0);
	expect(0, SHIM_ZOCL_SYNC_TO_DEVICE, L, L);
	expect(1, SHIM_ZOCL_SYNC_FROM_DEVICE, L, L);
	CHECK(shim_zocl_nsync() == 2);

	/* Uncached: write-combine, coherent: no ioctl at all. */
	memset(&opts, 0, sizeof(opts));
	opts.cacheable = PLBUF_CACHEABLE_NO;
	u = plbuf_allocate(ctx, 2, shape, "u1", &opts);
	CHECK(u && plbuf_coherent(u));
	shim_zocl_sync_clear();
	CHECK(plbuf_flush(u) == 0 && plbuf_invalidate(u) == 0);
	CHECK(shim_zocl_nsync() == 0);

	CHECK(plbuf_free(u) == 0 && plbuf_free(b) == 0);
	plbuf_close(ctx);
	CHECK(shim_zocl_live_bos() == 0);
	shim_zocl_teardown();
	return 0;
}
