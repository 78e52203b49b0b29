/* Exhaustion: allocate until a bank is full -> ENOMEM with figures each time; free everything ->
 * the same free bytes and the same largest block as at the start. */
#include <stdlib.h>
#include "test.h"

int main(void)
{
	plbuf_ctx *ctx = plbuf_open("sim", "banks=DDR0@0x40000000:8M");
	CHECK(ctx);
	struct plbuf_bank_info start, end;
	CHECK(plbuf_ctx_bank(ctx, 0, &start) == 0);
	CHECK(start.free == 8u << 20 && start.largest == 8u << 20);

	enum { MAX = 200000 };
	plbuf_buf **bufs = calloc(MAX, sizeof(*bufs));
	int n = 0, fails = 0;
	unsigned seed = 1;
	while (n < MAX && fails < 50) {
		int64_t sz = 1 + (int64_t)(rand_r(&seed) % (seed & 1 ? 200 : 300000));
		plbuf_buf *b = plbuf_allocate(ctx, 1, &sz, "u1", NULL);
		if (!b) {
			CHECK(errno == ENOMEM && strstr(plbuf_errmsg(), "free"));
			fails++;
			continue;
		}
		bufs[n++] = b;
	}
	CHECK(fails == 50 && n > 10);
	/* Free in a scrambled order to exercise coalescing. */
	for (int i = 0; i < n; i++) {
		int j = i + (int)(rand_r(&seed) % (unsigned)(n - i));
		plbuf_buf *t = bufs[i];
		bufs[i] = bufs[j];
		bufs[j] = t;
	}
	for (int i = 0; i < n; i++)
		CHECK(plbuf_free(bufs[i]) == 0);
	CHECK(plbuf_ctx_bank(ctx, 0, &end) == 0);
	CHECK(end.free == start.free && end.largest == start.largest);
	plbuf_buf *all = plbuf_allocate(ctx, 1, (int64_t[]){8 << 20}, "u1", NULL);
	CHECK(all);
	plbuf_free(all);
	free(bufs);
	plbuf_close(ctx);
	return 0;
}
