/* Fault injection, hugepage backend (as root, with huge pages the test reserves): every system
 * call of a context's life fails in turn (opening the pool directories and /proc/meminfo,
 * /proc/self/pagemap and its reads, memfd_create, ftruncate, the search's and the run's mmaps,
 * fallocate giving unused pages back, mlock), with its usual errno and then with EINTR; each
 * failure is clean, the context still allocates, and after close the process holds no extra
 * descriptor, mapping or huge page.  Built only with FAULT=1. */
#include "fault.h"
#include "hugepages.h"

static long held0;

/* Huge pages this process holds (mapped), from /proc/self/status: unlike free_hugepages, other
 * programs using huge pages meanwhile do not change it.  A page kept by a descriptor alone shows
 * as that descriptor, which fault_run counts. */
static long held_kib(void)
{
	char line[256];
	long kib = -1;
	FILE *f = fopen("/proc/self/status", "re");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "HugetlbPages: %ld kB", &kib) == 1)
			break;
	if (f)
		fclose(f);
	return kib;
}

static const struct fault_buf bufs[] = {
	{100, PLBUF_CACHEABLE_DEFAULT, 0, NULL, 0},
	{300000, PLBUF_CACHEABLE_YES, 65536, NULL, 0},
	/* a chunk of its own (runs of several pages need luck with a pool reserved at run time;
	 * t_hugepage_runs covers them) */
	{1536 << 10, PLBUF_CACHEABLE_DEFAULT, 0, NULL, 0},
};

static int pages_back(void)
{
	long h = held_kib();

	if (h != held0)
		fprintf(stderr, "  %ld KiB of huge pages held after close, %ld before\n", h, held0);
	return h == held0 ? 0 : -1;
}

int main(void)
{
	struct fault_plan p = {"hugepage", "pagesize=2M", bufs, 3, NULL, pages_back};

	if (!fault_available())
		SKIP("built without FAULT=1");
	CHECK(hp_reserve(MB2, 8) >= 4);
	held0 = held_kib();
	CHECK(held0 >= 0);
	CHECK(fault_run("hugepage", &p, FAULT_ANY, 0) > 0);
	CHECK(fault_run("hugepage, EINTR", &p, FAULT_ANY, EINTR) > 0);
	/* mmap failing with ENOMEM means "no page left" to the search, not an error */
	CHECK(fault_run("hugepage, mmap ENOMEM", &p, PLBUF_SYS_MMAP, ENOMEM) > 0);
	return 0;
}
