/*
 * pagemap.c - see pagemap.h.
 *
 * The run search follows the idea of DPDK's legacy memory mode: the kernel hands out huge pages in
 * no useful order (often descending physical addresses, spdk#707), so map several, sort them by
 * physical address and look for a long enough run of neighbours.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "os/pagemap.h"
#include "os/sys.h"

int plbuf__pagemap_decode(uint64_t rec, uint64_t *pfn)
{
	if (!(rec & PLBUF_PAGEMAP_PRESENT))
		return -ENOENT;
	if ((rec & PLBUF_PAGEMAP_PFN_MASK) == 0)
		return -EPERM;
	*pfn = rec & PLBUF_PAGEMAP_PFN_MASK;
	return 0;
}

int plbuf__pagemap_phys(int fd, const void *va, uint64_t *phys)
{
	uint64_t ps = (uint64_t)sysconf(_SC_PAGESIZE), rec, pfn;
	off_t off = (off_t)((uintptr_t)va / ps * sizeof(rec));
	ssize_t n = plbuf__sys_pread(fd, &rec, sizeof(rec), off);
	int err;

	if (n != (ssize_t)sizeof(rec))
		return plbuf__err(n < 0 ? errno : EIO, "cannot read the record of %p in "
				  "/proc/self/pagemap: %s", va, n < 0 ? strerror(errno) : "short read");
	err = plbuf__pagemap_decode(rec, &pfn);
	if (err == -EPERM)
		return plbuf__err(EPERM, "/proc/self/pagemap shows PFN 0 for %p: the kernel hides "
				  "physical addresses from processes without CAP_SYS_ADMIN in the initial "
				  "user namespace; run as root", va);
	if (err)
		return plbuf__err(EFAULT, "/proc/self/pagemap: page at %p is not present (record "
				  "0x%016llx)", va, (unsigned long long)rec);
	*phys = pfn * ps + (uintptr_t)va % ps;
	return 0;
}

static int by_phys(const void *a, const void *b)
{
	const struct plbuf_hpage *x = a, *y = b;

	return x->phys < y->phys ? -1 : x->phys > y->phys;
}

long plbuf__find_run(struct plbuf_hpage *pages, size_t k, uint64_t pgsz, size_t n, uint64_t align,
		     uint64_t max_dev, struct plbuf_run_stats *st)
{
	struct plbuf_run_stats s = {0, 0, UINT64_MAX};
	long found = -1;
	size_t start = 0;

	if (align < pgsz)
		align = pgsz;
	if (k)
		qsort(pages, k, sizeof(*pages), by_phys);
	for (size_t i = 0; i < k; i++) {
		if (i > 0 && pages[i].phys != pages[i - 1].phys + pgsz)
			start = i;
		if (pages[i].phys < s.lowest)
			s.lowest = pages[i].phys;
		size_t len = i - start + 1;

		if (len > s.longest)
			s.longest = len;
		/* [start..i] is consecutive; the part of it at or below max_dev is what counts. */
		if (pages[i].phys > max_dev || pgsz - 1 > max_dev - pages[i].phys)
			continue;
		if (len > s.longest_below)
			s.longest_below = len;
		if (found < 0 && n && len >= n) {
			size_t first = i + 1 - n;

			if ((pages[first].phys & (align - 1)) == 0)
				found = (long)first;
		}
	}
	if (st)
		*st = s;
	return found;
}
