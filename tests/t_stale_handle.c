/* A stale handle: `free(a); c = alloc(); free(a)` used to return 0 and silently free c, because
 * handles were reused last-freed-first.  Freed handles now wait (a FIFO after a quarantine, in the
 * context and in each thread's cache) before they are handed out again: the second free is EBADF
 * and c lives on.  Small buffers (thread cache), large ones (the pool), views. */
#include "test.h"

static void one(plbuf_ctx *ctx, int64_t n)
{
	plbuf_buf *a = plbuf_allocate(ctx, 1, &n, "u1", NULL);

	CHECK(a && plbuf_free(a) == 0);
	plbuf_buf *c = plbuf_allocate(ctx, 1, &n, "u1", NULL);
	CHECK(c && c != a);
	CHECK_ERR(plbuf_free(a), EBADF);
	memset(plbuf_data(c), 3, (size_t)n);
	CHECK(plbuf_flush(c) == 0 && plbuf_free(c) == 0);
	CHECK_ERR(plbuf_free(c), EBADF);
}

int main(void)
{
	plbuf_ctx *ctx = plbuf_open("sim", "banks=DDR0@0x40000000:64M");
	CHECK(ctx);
	for (int i = 0; i < 100; i++) {
		one(ctx, 64);
		one(ctx, 1000);
		one(ctx, 200000);
		one(ctx, 4 << 20);
	}

	/* Views: a freed view's handle is not the next view. */
	int64_t n = 4096;
	plbuf_buf *b = plbuf_allocate(ctx, 1, &n, "u1", NULL);
	plbuf_buf *v = plbuf_view(b, "0:100");
	CHECK(b && v && plbuf_free(v) == 0);
	plbuf_buf *w = plbuf_view(b, "100:200");
	CHECK(w && w != v);
	CHECK_ERR(plbuf_free(v), EBADF);
	CHECK(plbuf_free(w) == 0 && plbuf_free(b) == 0);

	/* Within the quarantine, interleaved lives: the stale handle is caught every time. */
	plbuf_buf *stale[6];
	for (int i = 0; i < 6; i++) {
		int64_t k = 64 << (i % 3);

		stale[i] = plbuf_allocate(ctx, 1, &k, "u1", NULL);
		CHECK(stale[i] && plbuf_free(stale[i]) == 0);
	}
	plbuf_buf *live[6];
	for (int i = 0; i < 6; i++) {
		int64_t k = 64 << (i % 3);

		live[i] = plbuf_allocate(ctx, 1, &k, "u1", NULL);
		CHECK(live[i]);
	}
	for (int i = 0; i < 6; i++)
		CHECK_ERR(plbuf_free(stale[i]), EBADF);
	for (int i = 0; i < 6; i++)
		CHECK(plbuf_free(live[i]) == 0);
	plbuf_close(ctx);
	printf("stale handles: every second free was EBADF and left the new buffer alone\n");
	return 0;
}
