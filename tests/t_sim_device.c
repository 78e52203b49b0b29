/* The sim device side: attach by name, translate inside one bank only, read/write. */
#include "test.h"

int main(void)
{
	plbuf_ctx *ctx = plbuf_open("sim", "banks=A@0x10000000:1M,B@0x20000000:1M coherent=1");
	CHECK(ctx);
	CHECK_NULL_ERR(plbuf_sim_attach("plbuf-no-such-file"), ENOENT);
	plbuf_sim_dev *dev = plbuf_sim_attach(plbuf_sim_name(ctx));
	CHECK(dev);
	CHECK(plbuf_sim_translate(dev, 0x10000000, 1 << 20));
	CHECK_NULL_ERR(plbuf_sim_translate(dev, 0x10000000, (1 << 20) + 1), ERANGE);
	CHECK_NULL_ERR(plbuf_sim_translate(dev, 0x0fffffff, 2), ERANGE);
	CHECK_NULL_ERR(plbuf_sim_translate(dev, 0x300000000ull, 1), ERANGE);

	plbuf_buf *b = plbuf_allocate(ctx, 1, (int64_t[]){100}, "u1", &(struct plbuf_alloc_opts){.bank = "B"});
	CHECK(b);
	memset(plbuf_data(b), 0x5a, 100);
	char got[100];
	CHECK(plbuf_sim_read(dev, plbuf_device_address(b), got, 100) == 0);
	CHECK(got[0] == 0x5a && got[99] == 0x5a); /* coherent: no flush needed */
	CHECK(plbuf_sim_write(dev, plbuf_device_address(b) + 10, "hello", 5) == 0);
	CHECK(memcmp((char *)plbuf_data(b) + 10, "hello", 5) == 0);
	CHECK(plbuf_sim_read(dev, 0x20100000, got, 1) == -ERANGE);
	/* no buffer: a clear error, not a crash (models that move bytes themselves declare them) */
	CHECK(plbuf_sim_read(dev, plbuf_device_address(b), NULL, 4) == -EINVAL && strstr(plbuf_errmsg(), "declare_read"));
	CHECK(plbuf_sim_write(dev, plbuf_device_address(b), NULL, 4) == -EINVAL);
	CHECK(plbuf_sim_read(dev, plbuf_device_address(b), NULL, 0) == 0);
	CHECK(plbuf_sim_name(ctx) && plbuf_sim_name(NULL) == NULL);
	plbuf_free(b);
	plbuf_sim_detach(dev);
	plbuf_close(ctx);
	return 0;
}
