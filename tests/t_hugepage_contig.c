/* hugepage: a buffer of several huge pages is physically contiguous (every 4 KiB page checked in
 * /proc/self/pagemap) exactly when the pool holds a long enough run; otherwise the error says how
 * long the longest run was.  The same for a run that must start at a multiple of 4 MiB.  Either
 * way nothing stays allocated. */
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
	hp_release(&h, MB2);
	long longest = hp_longest_run(&h, MB2);
	printf("%ld free pages, longest run %ld\n", free0, longest);
	int aligned2 = 0; /* a run of two pages starting at a multiple of 4 MiB */
	for (long i = 0; i + 1 < h.n; i++)
		aligned2 |= h.phys[i] % (2 * MB2) == 0 && h.phys[i + 1] == h.phys[i] + MB2;

	plbuf_ctx *ctx = plbuf_open("hugepage", NULL);
	CHECK(ctx);
	struct plbuf_alloc_opts ao = {.alignment = 2 * MB2};
	int64_t two[1] = {2 * (long)MB2};
	plbuf_buf *al = plbuf_allocate(ctx, 1, two, "u1", &ao);
	if (aligned2) {
		CHECK(al && plbuf_device_address(al) % (2 * MB2) == 0);
		CHECK(check_contiguous(plbuf_data(al), 2 * MB2, plbuf_device_address(al)));
		CHECK(plbuf_free(al) == 0);
	} else {
		CHECK(!al && errno == ENOMEM);
		/* When runs of two exist, the message blames the alignment, not the runs. */
		CHECK(strstr(plbuf_errmsg(), longest >= 2 ? "alignment" : "longest run"));
		printf("aligned: %s\n", plbuf_errmsg());
	}
	CHECK(hp_free(MB2) == free0);
	try_pages(ctx, 2, longest, free0);
	try_pages(ctx, 4, longest, free0);
	try_pages(ctx, longest, longest, free0);
	try_pages(ctx, longest + 1, longest, free0);
	plbuf_close(ctx);
	return 0;
}
