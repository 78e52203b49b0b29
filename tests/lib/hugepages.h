/* Helpers for the hugepage tests: reserving pages in the kernel's pool for the length of one test
 * (and restoring what was there at exit), and reading the physical addresses of memory. */
#ifndef PLBUF_TEST_HUGEPAGES_H
#define PLBUF_TEST_HUGEPAGES_H

#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <unistd.h>

#include "test.h"

#define MB2 (2ull << 20)
#define GB1 (1ull << 30)

static long hp_saved[2] = {-1, -1};

static inline const char *hp_attr(uint64_t pgsz, const char *attr)
{
	static char path[128];

	snprintf(path, sizeof(path), "/sys/kernel/mm/hugepages/hugepages-%llukB/%s",
		 (unsigned long long)(pgsz >> 10), attr);
	return path;
}

static inline long hp_get(uint64_t pgsz, const char *attr)
{
	long v = -1;
	FILE *f = fopen(hp_attr(pgsz, attr), "r");

	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static inline int hp_put(uint64_t pgsz, long n)
{
	char num[32];
	int fd = open(hp_attr(pgsz, "nr_hugepages"), O_WRONLY | O_CLOEXEC), len, ok;

	if (fd < 0)
		return -1;
	len = snprintf(num, sizeof(num), "%ld\n", n);
	ok = write(fd, num, (size_t)len) == len;
	return close(fd) == 0 && ok ? 0 : -1;
}

static inline void hp_restore(void)
{
	if (hp_saved[0] >= 0)
		hp_put(MB2, hp_saved[0]);
	if (hp_saved[1] >= 0)
		hp_put(GB1, hp_saved[1]);
}

/* A test killed by the runner's timeout must not leave pages reserved: the automatic
 * choice of every later test would then find the hugepage backend usable. */
static inline void hp_on_signal(int sig)
{
	hp_restore();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Sets the pool of pgsz pages to n pages (the first call takes a lock that serialises the tests
 * that do this, and arranges for the old sizes to come back at exit).  Returns the pages the
 * kernel really has now. */
static inline long hp_reserve(uint64_t pgsz, long n)
{
	static int lock_fd = -1;

	if (geteuid() != 0)
		SKIP("the hugepage tests reserve pages in /proc/sys/vm and need root");
	if (lock_fd < 0) {
		lock_fd = open("/tmp/plbuf-hugepage-tests.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (lock_fd < 0 || flock(lock_fd, LOCK_EX) < 0) {
			perror("lock /tmp/plbuf-hugepage-tests.lock");
			exit(T_EXIT_FAIL);
		}
		hp_saved[0] = hp_get(MB2, "nr_hugepages");
		hp_saved[1] = hp_get(GB1, "nr_hugepages");
		atexit(hp_restore);
		signal(SIGTERM, hp_on_signal); /* the runner's timeout */
		signal(SIGINT, hp_on_signal);
		signal(SIGHUP, hp_on_signal);
	}
	hp_put(pgsz, n);
	return hp_get(pgsz, "nr_hugepages");
}

static inline long hp_free(uint64_t pgsz)
{
	return hp_get(pgsz, "free_hugepages");
}

/* Physical address of the byte at va, or UINT64_MAX. */
static inline uint64_t va_phys(const void *va)
{
	static int fd = -1;
	uint64_t rec, ps = (uint64_t)sysconf(_SC_PAGESIZE);

	if (fd < 0)
		fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (pread(fd, &rec, 8, (off_t)((uintptr_t)va / ps * 8)) != 8 || !(rec & (1ull << 63)))
		return UINT64_MAX;
	return (rec & ((1ull << 55) - 1)) * ps + (uintptr_t)va % ps;
}

/* Checks, 4 KiB page by 4 KiB page, that [va, va+len) is physically contiguous from phys. */
static inline int check_contiguous(const void *va, uint64_t len, uint64_t phys)
{
	uint64_t ps = (uint64_t)sysconf(_SC_PAGESIZE);

	for (uint64_t off = 0; off < len; off += ps) {
		uint64_t p = va_phys((const char *)va + off);

		if (p != phys + off) {
			fprintf(stderr, "byte %llu of the buffer is at 0x%llx, expected 0x%llx\n",
				(unsigned long long)off, (unsigned long long)p,
				(unsigned long long)(phys + off));
			return 0;
		}
	}
	return 1;
}

/* Takes every free page of the pool (in a hugetlb memfd the caller owns) and returns their
 * physical addresses sorted ascending, with the file offsets (in pages) beside them. */
struct hp_held {
	int fd;
	char *va;
	long n;
	uint64_t phys[4096];
	long idx[4096];
};

static inline void hp_hold_all(struct hp_held *h, uint64_t pgsz)
{
	long n = hp_free(pgsz) - hp_get(pgsz, "resv_hugepages");

	CHECK(n > 0 && n <= 4096);
	h->fd = memfd_create("test-hold", MFD_HUGETLB | (pgsz == GB1 ? (30u << 26) : (21u << 26)));
	CHECK(h->fd >= 0);
	CHECK(ftruncate(h->fd, (off_t)(n * (long)pgsz)) == 0);
	h->va = mmap(NULL, (size_t)n * pgsz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
		     h->fd, 0);
	CHECK(h->va != MAP_FAILED);
	h->n = n;
	for (long i = 0; i < n; i++) {
		h->phys[i] = va_phys(h->va + i * (long)pgsz);
		h->idx[i] = i;
		CHECK(h->phys[i] != UINT64_MAX);
	}
	for (long i = 1; i < n; i++)
		for (long j = i; j > 0 && h->phys[j] < h->phys[j - 1]; j--) {
			uint64_t t = h->phys[j];
			long ti = h->idx[j];

			h->phys[j] = h->phys[j - 1];
			h->idx[j] = h->idx[j - 1];
			h->phys[j - 1] = t;
			h->idx[j - 1] = ti;
		}
}

/* Gives back the page at sorted position i. */
static inline void hp_give(struct hp_held *h, uint64_t pgsz, long i)
{
	CHECK(fallocate(h->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			(off_t)(h->idx[i] * (long)pgsz), (off_t)pgsz) == 0);
}

static inline void hp_release(struct hp_held *h, uint64_t pgsz)
{
	munmap(h->va, (size_t)h->n * pgsz);
	close(h->fd);
}

/* The longest run of consecutive pages in a sorted list. */
static inline long hp_longest_run(const struct hp_held *h, uint64_t pgsz)
{
	long best = h->n ? 1 : 0, cur = 1;

	for (long i = 1; i < h->n; i++) {
		cur = h->phys[i] == h->phys[i - 1] + pgsz ? cur + 1 : 1;
		if (cur > best)
			best = cur;
	}
	return best;
}

#endif
