/* The run search on made-up physical addresses: descending order (as the kernel often gives
 * pages), gaps, alignment, max_dev; and the pagemap record decoder. */
#include "os/pagemap.h"
#include "test.h"

#define P (2ull << 20)

static struct plbuf_hpage pg[64];

static size_t load(const uint64_t *phys, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		pg[i].phys = phys[i];
		pg[i].idx = i;
	}
	return n;
}

int main(void)
{
	struct plbuf_run_stats st;
	uint64_t pfn;
	long r;

	CHECK(plbuf__pagemap_decode(0, &pfn) == -ENOENT);
	CHECK(plbuf__pagemap_decode(1ull << 63, &pfn) == -EPERM);
	CHECK(plbuf__pagemap_decode((1ull << 63) | (1ull << 62) | 0x1234, &pfn) == 0 && pfn == 0x1234);
	CHECK(plbuf__pagemap_decode((1ull << 63) | (0xffull << 55) | 7, &pfn) == 0 && pfn == 7);

	/* Descending: 10P..3P, all consecutive. */
	uint64_t desc[8];
	for (int i = 0; i < 8; i++)
		desc[i] = (10 - (uint64_t)i) * P;
	r = plbuf__find_run(pg, load(desc, 8), P, 8, P, UINT64_MAX, &st);
	CHECK(r == 0 && pg[0].phys == 3 * P && pg[0].idx == 7 && st.longest == 8);

	/* Gaps: runs of 2, 3, 1. */
	uint64_t gaps[] = {100 * P, 20 * P, 21 * P, 50 * P, 52 * P, 51 * P};
	r = plbuf__find_run(pg, load(gaps, 6), P, 3, P, UINT64_MAX, &st);
	CHECK(r == 2 && pg[r].phys == 50 * P && st.longest == 3);
	r = plbuf__find_run(pg, load(gaps, 6), P, 4, P, UINT64_MAX, &st);
	CHECK(r == -1 && st.longest == 3 && st.lowest == 20 * P);

	/* Alignment 4 MiB: the run 21P..23P has its aligned window at 22P. */
	uint64_t al[] = {21 * P, 22 * P, 23 * P};
	r = plbuf__find_run(pg, load(al, 3), P, 2, 2 * P, UINT64_MAX, &st);
	CHECK(r == 1 && pg[r].phys == 22 * P);
	r = plbuf__find_run(pg, load(al, 3), P, 3, 2 * P, UINT64_MAX, &st);
	CHECK(r == -1);

	/* max_dev: only pages wholly at or below it count. */
	uint64_t md[] = {5 * P, 6 * P, 7 * P, 8 * P};
	r = plbuf__find_run(pg, load(md, 4), P, 2, P, 7 * P - 1, &st);
	CHECK(r == 0 && pg[0].phys == 5 * P);
	r = plbuf__find_run(pg, load(md, 4), P, 3, P, 8 * P - 2, &st);
	CHECK(r == -1 && st.longest == 4 && st.longest_below == 2);
	r = plbuf__find_run(pg, load(md, 4), P, 1, P, 5 * P - 1, &st);
	CHECK(r == -1 && st.longest_below == 0);
	/* A page at the very top of the address space. */
	uint64_t top[] = {UINT64_MAX - P + 1};
	r = plbuf__find_run(pg, load(top, 1), P, 1, P, UINT64_MAX, &st);
	CHECK(r == 0);

	/* Duplicates never count as a run; nothing mapped finds nothing. */
	uint64_t dup[] = {4 * P, 4 * P};
	CHECK(plbuf__find_run(pg, load(dup, 2), P, 2, P, UINT64_MAX, &st) == -1 && st.longest == 1);
	CHECK(plbuf__find_run(pg, 0, P, 1, P, UINT64_MAX, &st) == -1 && st.longest == 0);
	return 0;
}
