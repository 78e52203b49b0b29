/* hugepage: a 1 GiB buffer uses a 1 GiB page by itself when the kernel has one free (device
 * address aligned to 1 GiB, contiguous 4 KiB page by 4 KiB page); when none can be reserved,
 * pagesize=1G says there are none and how to reserve them. */
#include "hugepages.h"

int main(void)
{
	hp_reserve(MB2, 2);
	if (hp_reserve(GB1, 1) != 1) {
		/* Memory too fragmented for a gigantic page at run time: check the message instead. */
		hp_reserve(GB1, 0);
		CHECK_NULL_ERR(plbuf_open("hugepage", "pagesize=1G"), ENOMEM);
		CHECK(strstr(plbuf_errmsg(), "hugepages-1048576kB/nr_hugepages"));
		printf("no 1 GiB page could be reserved; checked the error: %s\n", plbuf_errmsg());
		return 0;
	}
	long free2 = hp_free(MB2);
	plbuf_ctx *ctx = plbuf_open("hugepage", NULL);
	CHECK(ctx);
	int64_t shape[1] = {(int64_t)GB1};
	plbuf_buf *b = plbuf_allocate(ctx, 1, shape, "u1", NULL);
	CHECK(b);
	uint64_t dev = plbuf_device_address(b);
	printf("1 GiB buffer on a 1 GiB page at 0x%llx\n", (unsigned long long)dev);
	CHECK(dev % GB1 == 0 && dev == plbuf_physical_address(b));
	CHECK(hp_free(GB1) == 0 && hp_free(MB2) == free2);
	CHECK(check_contiguous(plbuf_data(b), GB1, dev));
	memset(plbuf_data(b), 0xa5, GB1);
	CHECK(((unsigned char *)plbuf_data(b))[GB1 - 1] == 0xa5);
	CHECK(plbuf_free(b) == 0);
	CHECK(hp_free(GB1) == 1);
	plbuf_close(ctx);

	/* pagesize=1G: small buffers come out of the 1 GiB page too. */
	ctx = plbuf_open("hugepage", "pagesize=1G");
	CHECK(ctx);
	shape[0] = 4096;
	b = plbuf_allocate(ctx, 1, shape, "u1", NULL);
	CHECK(b);
	CHECK(hp_free(GB1) == 0);
	CHECK(check_contiguous(plbuf_data(b), 4096, plbuf_device_address(b)));
	plbuf_close(ctx);
	CHECK(hp_free(GB1) == 1);
	return 0;
}
