/* The options struct can grow: its reserved bytes must be zero, and a program that sets them (one
 * built for a newer plbuf, or one that did not zero the struct) gets EINVAL with a message saying
 * so, never options read from garbage.  A zeroed struct is every default. */
#include "test.h"

int main(void)
{
	plbuf_ctx *ctx = plbuf_open("sim", NULL);
	int64_t shape[1] = {16};
	struct plbuf_alloc_opts o;
	plbuf_buf *b;

	CHECK(ctx);
	memset(&o, 0, sizeof(o));
	CHECK((b = plbuf_allocate(ctx, 1, shape, "u4", &o)));
	plbuf_free(b);

	o.reserved[7] = 1;
	CHECK_NULL_ERR(plbuf_allocate(ctx, 1, shape, "u4", &o), EINVAL);
	printf("reserved set: %s\n", plbuf_errmsg());
	CHECK(strstr(plbuf_errmsg(), "reserved"));
	memset(&o, 0, sizeof(o));
	o.reserved0[1] = 1;
	CHECK_NULL_ERR(plbuf_allocate(ctx, 1, shape, "u4", &o), EINVAL);
	memset(&o, 0, sizeof(o));
	o.reserved2 = -1;
	CHECK_NULL_ERR(plbuf_allocate(ctx, 1, shape, "u4", &o), EINVAL);

	/* Designated initializers zero the rest, reserved bytes included. */
	struct plbuf_alloc_opts d = {.order = 'F', .zero = 1};
	CHECK((b = plbuf_allocate(ctx, 1, shape, "u4", &d)));
	plbuf_free(b);
	plbuf_close(ctx);
	return 0;
}
