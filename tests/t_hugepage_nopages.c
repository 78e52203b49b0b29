/* hugepage: with no huge pages reserved the probe says how to reserve them and opening fails
 * with ENOMEM saying the same; with too few, a larger buffer fails saying how many are free. */
#include "hugepages.h"

static int probe(const char *name, struct plbuf_probe_info *pi)
{
	int n = plbuf_probe(0, NULL);

	for (int i = 0; i < n; i++) {
		plbuf_probe(i, pi);
		if (strcmp(pi->name, name) == 0)
			return 1;
	}
	return 0;
}

int main(void)
{
	struct plbuf_probe_info pi;

	hp_reserve(GB1, 0);
	CHECK(hp_reserve(MB2, 0) == 0);
	CHECK(probe("hugepage", &pi));
	CHECK(pi.usable == 0);
	printf("probe: %s\n", pi.why);
	CHECK(strstr(pi.why, "nr_hugepages"));
	CHECK_NULL_ERR(plbuf_open("hugepage", NULL), ENOMEM);
	printf("open: %s\n", plbuf_errmsg());
	CHECK(strstr(plbuf_errmsg(), "nr_hugepages"));
	CHECK_NULL_ERR(plbuf_open("hugepage", "pagesize=1G"), ENOMEM);
	CHECK(strstr(plbuf_errmsg(), "1 GiB"));
	CHECK_NULL_ERR(plbuf_open("hugepage", "pagesize=4M"), EINVAL);
	CHECK(strstr(plbuf_errmsg(), "it has: 2 MiB"));

	CHECK(hp_reserve(MB2, 2) == 2);
	CHECK_NULL_ERR(plbuf_open("hugepage", "pagesiz=2M"), EINVAL);
	CHECK(probe("hugepage", &pi) && pi.usable == 1);
	plbuf_ctx *ctx = plbuf_open("hugepage", NULL);
	CHECK(ctx);
	int64_t shape[1] = {3 * (long)MB2};
	CHECK_NULL_ERR(plbuf_allocate(ctx, 1, shape, "u1", NULL), ENOMEM);
	printf("alloc: %s\n", plbuf_errmsg());
	CHECK(strstr(plbuf_errmsg(), "only 2 are free"));
	CHECK(hp_free(MB2) == 2);
	plbuf_close(ctx);

	/* max_pages bounds the search. */
	ctx = plbuf_open("hugepage", "max_pages=1");
	CHECK(ctx);
	shape[0] = 2 * (long)MB2;
	CHECK_NULL_ERR(plbuf_allocate(ctx, 1, shape, "u1", NULL), ENOMEM);
	CHECK(strstr(plbuf_errmsg(), "max_pages"));
	plbuf_close(ctx);
	CHECK(hp_free(MB2) == 2);
	return 0;
}
