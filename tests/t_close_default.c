/* plbuf_close(plbuf_default()): allowed, and the next plbuf_default() or plbuf_allocate(NULL, ...)
 * opens a new default context (before the fix it used the freed one: a hang in the thread-cache
 * lock, or under valgrind an invalid read and a misleading EOPNOTSUPP).  A call on the closed one
 * is EBADF; its buffers' handles read as freed. */
#include "test.h"

int main(void)
{
	int64_t n = 1000;

	setenv("PLBUF_BACKEND", "sim", 1);
	unsetenv("PLBUF_OPTIONS");
	plbuf_ctx *d = plbuf_default();
	plbuf_buf *a = plbuf_allocate(NULL, 1, &n, "u1", NULL);
	plbuf_buf *v = a ? plbuf_view(a, "::2") : NULL;
	CHECK(d && a && v);

	plbuf_close(d);
	plbuf_buf *b = plbuf_allocate(NULL, 1, &n, "u1", NULL);
	CHECK(b);
	CHECK(plbuf_default() != NULL && plbuf_default() != d);
	memset(plbuf_data(b), 1, 1000);
	CHECK(plbuf_flush(b) == 0);

	/* The closed context and its handles. */
	CHECK_NULL_ERR(plbuf_allocate(d, 1, &n, "u1", NULL), EBADF);
	CHECK(strstr(plbuf_errmsg(), "closed"));
	CHECK_ERR(plbuf_ctx_nbanks(d), EBADF);
	CHECK_ERR(plbuf_free(a), EBADF);
	CHECK_ERR(plbuf_free(v), EBADF);
	plbuf_close(d); /* a second close is refused, not a double free */
	CHECK(strstr(plbuf_errmsg(), "already closed"));

	/* The new default can be closed too, again and again. */
	for (int i = 0; i < 10; i++) {
		plbuf_ctx *c = plbuf_default();
		plbuf_buf *x = plbuf_allocate(NULL, 1, &n, "u1", NULL);

		CHECK(c && x && plbuf_free(x) == 0);
		plbuf_close(c);
	}
	CHECK(plbuf_free(b) == -EBADF); /* b belonged to a default closed in the loop */
	printf("the default context reopens after plbuf_close; calls on the closed one: EBADF\n");
	return 0;
}
