/* hugepage: a buffer of several huge pages is physically contiguous (every 4 KiB page checked in
 * /proc/self/pagemap) exactly when the pool holds a long enough run; otherwise the error says how
 * long the longest run was.  Either way nothing stays allocated. */
#include "hugepages.h"

static void try_pages(plbuf_ctx *ctx, long npages, long longest, long free0)
{
	int64_t shape[1] = {npages * (long)MB2 - 4096}; /* not a multiple: rounded up to pages */
	plbuf_buf *b = plbuf_allocate(ctx, 1, shape, "u1", NULL);
	int e = errno;

	if (longest >= npages) {
		CHECK(b);
		uint64_t dev = plbuf_device_address(b);
		CHECK(dev == plbuf_physical_address(b) && dev % MB2 == 0);
		CHECK(check_contiguous(plbuf_data(b), plbuf_nbytes(b), dev));
		memset(plbuf_data(b), 0x5a, plbuf_nbytes(b));
		CHECK(((unsigned char *)plbuf_data(b))[plbuf_nbytes(b) - 1] == 0x5a);
		CHECK(hp_free(MB2) == free0 - npages);
		CHECK(plbuf_free(b) == 0);
		printf("%ld pages at 0x%llx: contiguous\n", npages, (unsigned long long)dev);
	} else {
		CHECK(!b && e == ENOMEM);
		CHECK(strstr(plbuf_errmsg(), "longest run"));
		printf("%ld pages: %s\n", npages, plbuf_errmsg());
	}
	CHECK(hp_free(MB2) == free0);
}

int main(void)
{
	struct hp_held h;

	CHECK(hp_reserve(MB2, 64) >= 16);
	long free0 = hp_free(MB2);
	/* Ground truth: the runs among the free pages, seen by the test itself. */
	hp_hold_all(&h, MB2);
	long longest = hp_longest_run(&h, MB2);
	hp_release(&h, MB2);
	printf("%ld free pages, longest run %ld\n", free0, longest);

	plbuf_ctx *ctx = plbuf_open("hugepage", NULL);
	CHECK(ctx);
	try_pages(ctx, 2, longest, free0);
	try_pages(ctx, 4, longest, free0);
	try_pages(ctx, longest, longest, free0);
	try_pages(ctx, longest + 1, longest, free0);
	plbuf_close(ctx);
	return 0;
}
