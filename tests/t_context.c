/* Contexts: explicit backends, PLBUF_BACKEND and PLBUF_OPTIONS, unknown names and options. */
#include <stdlib.h>
#include "test.h"

int main(void)
{
	CHECK_NULL_ERR(plbuf_open("nosuch", NULL), ENOENT);
	CHECK(strstr(plbuf_errmsg(), "sim"));
	CHECK_NULL_ERR(plbuf_open("sim", "colour=blue"), EINVAL);
	CHECK(strstr(plbuf_errmsg(), "colour"));
	CHECK_NULL_ERR(plbuf_open("sim", "banks=DDR0@0x1000:0"), EINVAL);
	CHECK_NULL_ERR(plbuf_open("sim", "banks=A@0x0:1M,B@0x80000:1M"), EINVAL); /* overlap */
	CHECK_NULL_ERR(plbuf_open("sim", "line=48"), EINVAL);
	CHECK_NULL_ERR(plbuf_open("sim", "novalue"), EINVAL);

	setenv("PLBUF_BACKEND", "sim", 1);
	setenv("PLBUF_OPTIONS", "banks=X@0x10000000:1M,Y@0x20000000:2M:coherent", 1);
	plbuf_ctx *ctx = plbuf_open(NULL, NULL);
	CHECK(ctx && strcmp(plbuf_ctx_backend(ctx), "sim") == 0);
	CHECK(plbuf_ctx_nbanks(ctx) == 2);
	struct plbuf_bank_info bi;
	CHECK(plbuf_ctx_bank(ctx, 1, &bi) == 0);
	CHECK(strcmp(bi.name, "Y") == 0 && bi.base == 0x20000000 && bi.size == 2 << 20 && bi.coherent);
	CHECK_ERR(plbuf_ctx_bank(ctx, 2, &bi), ENOENT);

	/* Per-bank coherency: a coherent bank's cached buffers need no sync. */
	struct plbuf_alloc_opts oy = {.bank = "Y"}, ox = {.bank = "X"};
	plbuf_buf *y = plbuf_allocate(ctx, 1, (int64_t[]){16}, "u4", &oy);
	plbuf_buf *x = plbuf_allocate(ctx, 1, (int64_t[]){16}, "u4", &ox);
	CHECK(y && x && plbuf_coherent(y) && !plbuf_coherent(x) && plbuf_cacheable(x));
	struct plbuf_alloc_opts unc = {.bank = "X", .cacheable = PLBUF_CACHEABLE_NO};
	plbuf_buf *u = plbuf_allocate(ctx, 1, (int64_t[]){16}, "u4", &unc);
	CHECK(u && plbuf_coherent(u) && !plbuf_cacheable(u));
	plbuf_free(y), plbuf_free(x), plbuf_free(u);
	plbuf_close(ctx);

	/* The default context follows the same variables. */
	CHECK(plbuf_default() == plbuf_default());
	CHECK(strcmp(plbuf_ctx_backend(plbuf_default()), "sim") == 0);
	plbuf_buf *d = plbuf_allocate(NULL, 1, (int64_t[]){5}, NULL, NULL); /* one-line allocate */
	CHECK(d && strcmp(plbuf_backend(d), "sim") == 0 && plbuf_nbytes(d) == 20);
	CHECK(plbuf_free(d) == 0);
	plbuf_close(NULL);
	return 0;
}
