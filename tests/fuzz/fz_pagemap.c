/*
 * Fuzzes the reading of /proc/self/pagemap records (plbuf__pagemap_decode, and
 * plbuf__pagemap_phys on a file of records) and the search for physically consecutive huge pages
 * (plbuf__find_run).  A run it returns must be what was asked: n pages, each the next one's
 * neighbour, the first aligned, the last byte at or below max_dev.
 *
 * Input: byte 0 page size (2 MiB or 1 GiB or 4 KiB), byte 1 n, byte 2 log2 of the alignment,
 * bytes 3-10 max_dev, then 8-byte records (their PFNs, small multiples when byte 0 says so).
 */
#include "fuzz.h"
#include "os/pagemap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t sizes[] = {2ull << 20, 1ull << 30, 4096};
	struct plbuf_hpage pages[512];
	struct plbuf_run_stats st;
	struct fz_in in = {data, size};
	size_t k = 0;

	if (size > 11 + 8 * 512)
		return 0;
	unsigned b0 = (unsigned)fz_take(&in, 1);
	uint64_t pgsz = sizes[b0 % 3];
	size_t n = (size_t)fz_take(&in, 1);
	uint64_t align = 1ull << (fz_take(&in, 1) % 64);
	uint64_t max_dev = fz_take(&in, 8);
	int dense = (b0 & 0x80) != 0; /* PFNs near each other, so that runs exist */

	while (in.n >= 8 && k < 512) {
		uint64_t rec = fz_take(&in, 8), pfn = 0;
		int err = plbuf__pagemap_decode(rec, &pfn);

		FZ_CHECK(err == 0 || err == -ENOENT || err == -EPERM);
		if (err)
			continue;
		FZ_CHECK(pfn && pfn <= PLBUF_PAGEMAP_PFN_MASK);
		if (dense)
			pfn &= 0xff;
		pages[k].phys = pfn * pgsz; /* may wrap, as a hostile record could make it */
		pages[k].idx = k;
		k++;
	}
	long i = plbuf__find_run(pages, k, pgsz, n, align, max_dev, &st);

	FZ_CHECK(st.longest_below <= st.longest && st.longest <= k);
	for (size_t j = 1; j < k; j++)
		FZ_CHECK(pages[j - 1].phys <= pages[j].phys);
	if (i >= 0) {
		FZ_CHECK(n > 0 && (size_t)i + n <= k);
		FZ_CHECK((pages[i].phys & ((align < pgsz ? pgsz : align) - 1)) == 0);
		for (size_t j = 1; j < n; j++)
			FZ_CHECK(pages[i + j].phys == pages[i + j - 1].phys + pgsz);
		uint64_t last = pages[i + n - 1].phys;

		FZ_CHECK(last <= max_dev && pgsz - 1 <= max_dev - last);
	}
	return 0;
}
