/* fork() on a hugepage context: the child is refused allocation from the inherited context (before
 * the fix it got the same huge pages, so the same device addresses, as the parent), keeps the
 * parent's buffers mapped, and freeing or closing there gives no huge page back: the pool's free
 * count and the parent's physical addresses are what they were. */
#include "hugepages.h"
#include "forkcheck.h"

static void hp_state(char *buf, size_t len)
{
	snprintf(buf, len, "free 2 MiB pages: %ld", hp_free(MB2));
}

int main(void)
{
	CHECK(hp_reserve(MB2, 8) >= 4);
	plbuf_ctx *ctx = plbuf_open("hugepage", "pagesize=2M");

	CHECK(ctx);
	/* 1.5 MiB: a chunk of its own, one page (no run of pages to find on a fragmented machine). */
	fork_check(ctx, 1000, 1536 << 10, hp_state, 0);
	plbuf_close(ctx);
	return 0;
}
