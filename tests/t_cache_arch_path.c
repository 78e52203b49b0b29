/* A cached buffer from a backend that has no kernel sync call is flushed and invalidated by the
 * CPU architecture's by-address maintenance (src/sync.c -> src/arch/), through the public API.
 * The backend here is the sim backend's row with its sync taken away, defined in this program:
 * its non-coherent bank's cached memory is then plain process memory that only src/arch/ touches.
 *   aarch64: DC CVAC / DC CIVAC over the buffer (cross.sh checks the lines from the EXPECT-DC
 *            lines below), 0, data intact;  x86_64: a fence, 0;
 *   32-bit ARM: -EOPNOTSUPP and a message that names the way out (cacheable=no or a backend whose
 *            driver syncs): plbuf never claims a flush it could not do.
 * On every architecture, an uncached buffer and a buffer in a coherent bank need only a fence:
 * flush and invalidate succeed and touch no cache line. */
#include <stdint.h>

#include "context.h"
#include "test.h"

#if defined(__aarch64__) || defined(__x86_64__)
#define CAN_MAINTAIN 1
#else
#define CAN_MAINTAIN 0
#endif

static struct plbuf_backend nosync;

static void expect_dc(const char *op, const void *va, uint64_t len)
{
	printf("EXPECT-DC %s %#lx %llu\n", op, (unsigned long)(uintptr_t)va, (unsigned long long)len);
}

/* flush or invalidate (whole or a range) of a non-coherent cached buffer. */
static void check_sync(plbuf_buf *b, int ret, const char *what)
{
	if (CAN_MAINTAIN) {
		if (ret != 0) {
			fprintf(stderr, "%s: %d (%s)\n", what, ret, plbuf_errmsg());
			exit(T_EXIT_FAIL);
		}
		return;
	}
	CHECK_ERR(ret, EOPNOTSUPP);
	printf("%s: %s\n", what, plbuf_errmsg());
	CHECK(strstr(plbuf_errmsg(), "cacheable=no") && strstr(plbuf_errmsg(), "nosync") &&
	      strstr(plbuf_errmsg(), plbuf__arch_name()));
	(void)b;
}

int main(void)
{
	plbuf_ctx *ctx = plbuf_open("sim", "banks=HP0@0x40000000:1M,HPC0@0x50000000:1M:coherent");
	CHECK(ctx);
	const struct plbuf_backend *sim = ctx->be;

	nosync = *sim;
	nosync.name = "nosync";
	nosync.sync = NULL;
	nosync.watch = NULL; /* the sim's cache model and checker watch the sim's own sync only */
	ctx->be = &nosync;
	setvbuf(stdout, NULL, _IOLBF, 0);

	/* Cached, non-coherent: the architecture's maintenance, or an honest error. */
	int64_t shape[1] = {1000};
	struct plbuf_alloc_opts hp = {.bank = "HP0"};
	if (!CAN_MAINTAIN) {
		/* Cached memory that cannot be cleaned is never handed out: the allocation, whose
		 * clean fails, is refused with the reason.  (A backend opened without a sync op also
		 * defaults to uncached there: context.c.) */
		struct plbuf_alloc_opts want = {.bank = "HP0", .cacheable = PLBUF_CACHEABLE_YES};
		CHECK_NULL_ERR(plbuf_allocate(ctx, 1, shape, "u4", &want), EOPNOTSUPP);
		check_sync(NULL, -errno, "allocation of a cached buffer");
		goto uncached;
	}
	plbuf_buf *b = plbuf_allocate(ctx, 1, shape, "u4", &hp);
	CHECK(b);
	CHECK(plbuf_cacheable(b) == 1 && plbuf_coherent(b) == 0);
	/* the clean at allocation (buffer.c), over the whole allocation */
	expect_dc("cvac", b->mem.va, b->mem.size);
	uint32_t *p = plbuf_data(b);
	for (int i = 0; i < 1000; i++)
		p[i] = 0x5000 + (uint32_t)i;

	expect_dc("cvac", p, 4000);
	check_sync(b, plbuf_flush(b), "flush");
	expect_dc("civac", p, 4000);
	check_sync(b, plbuf_invalidate(b), "invalidate");
	expect_dc("cvac", (char *)p + 4, 100);
	check_sync(b, plbuf_flush_range(b, 4, 100), "flush_range");
	expect_dc("civac", (char *)p + 1001, 1);
	check_sync(b, plbuf_invalidate_range(b, 1001, 1), "invalidate_range");
	/* A strided view syncs the span it touches, from its first element. */
	plbuf_buf *v = plbuf_view(b, "10:500:7");
	CHECK(v);
	expect_dc("cvac", (char *)p + 40, (500 - 1 - 10) / 7 * 7 * 4 + 4);
	check_sync(v, plbuf_flush(v), "flush of a view");
	for (int i = 0; i < 1000; i++)
		CHECK(p[i] == 0x5000 + (uint32_t)i);
	CHECK(plbuf_free(v) == 0);

	CHECK(plbuf_free(b) == 0);
uncached:;
	/* Uncached memory is coherent: a fence, no cache line touched.  Only its allocation cleans
	 * and invalidates the bank's cached alias of it once (buffer.c), so that no dirty line of a
	 * previous cached user is written back behind the uncached mapping. */
	struct plbuf_alloc_opts uc = {.bank = "HP0", .cacheable = PLBUF_CACHEABLE_NO};
	plbuf_buf *u = plbuf_allocate(ctx, 1, shape, "u4", &uc);
	CHECK(u);
	expect_dc("civac", (char *)u->mem.r->c.va + u->mem.off, u->mem.size);
	CHECK(plbuf_cacheable(u) == 0 && plbuf_coherent(u) == 1);
	CHECK(plbuf_flush(u) == 0 && plbuf_invalidate(u) == 0 && plbuf_flush_range(u, 4, 8) == 0);

	/* So is cached memory in a coherent bank (ZynqMP HPC / ACP). */
	struct plbuf_alloc_opts hpc = {.bank = "HPC0"};
	plbuf_buf *c = plbuf_allocate(ctx, 1, shape, "u4", &hpc);
	CHECK(c);
	CHECK(plbuf_cacheable(c) == 1 && plbuf_coherent(c) == 1);
	CHECK(plbuf_flush(c) == 0 && plbuf_invalidate(c) == 0 && plbuf_invalidate_range(c, 3, 5) == 0);

	CHECK(plbuf_free(u) == 0 && plbuf_free(c) == 0);
	ctx->be = sim;
	plbuf_close(ctx);
	printf("%s: cached non-coherent %s; uncached and coherent: fence only\n", plbuf__arch_name(),
	       CAN_MAINTAIN ? "maintained by address" : "refused with -EOPNOTSUPP");
	return T_EXIT_PASS;
}
