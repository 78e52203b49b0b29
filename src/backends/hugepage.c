/*
 * hugepage - physically contiguous memory from the kernel's huge page pool, on any Linux PC.
 *
 * A chunk is one huge page (2 MiB by default) or, for a larger buffer, a run of physically
 * consecutive huge pages remapped into one virtual range.  Physical addresses come from
 * /proc/self/pagemap, one record per huge page, which the kernel shows only to CAP_SYS_ADMIN.
 * The device address is the physical address: no IOMMU is assumed (use vfio when there is one).
 *
 * Why a hugetlb memfd rather than anonymous MAP_HUGETLB: a run search maps many pages and keeps a
 * few; with a file, a kept page can be mapped again at any virtual address (MAP_FIXED over a
 * reserved range) and a rejected one given back to the pool with a punched hole, on every kernel
 * since 4.14 (anonymous hugetlb mappings could only be moved with mremap from 5.16 on).
 *
 * Hugetlb pages are never swapped, and the range is mlocked too, as DMA memory must be.
 *
 * Options: pagesize=2M|1G|...  coherent=0|1  max_pages=N (see docs/backends/hugepage.md).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "backend.h"
#include "os/meminfo.h"
#include "os/pagemap.h"
#include "os/sys.h"

#define HP_SYS "/sys/kernel/mm/hugepages"
#define GIB (1ull << 30)
#define MAX_BATCHES 64
#define MAX_SIZES 8
#ifndef MFD_HUGE_SHIFT
#define MFD_HUGE_SHIFT 26 /* linux/memfd.h, whose MFD_* clash with glibc's spelling */
#endif

#if defined(__x86_64__) || defined(__i386__)
#define HP_COHERENT_DEFAULT 1 /* PCIe snoops the CPU caches (src/arch/x86_64.c) */
#else
#define HP_COHERENT_DEFAULT 0
#endif

struct hp {
	uint64_t pgsz;       /* page size for pool chunks and most buffers */
	int fixed_size;      /* pagesize= given: never switch to 1 GiB pages on our own */
	int coherent;
	uint64_t max_pages;  /* most pages one run search may map; 0: as many as are free */
	size_t last_longest; /* longest run (pages of last_pgsz) the last search saw */
	uint64_t last_pgsz;
	/* /proc/self/pagemap, open for the context's life: an open per buffer was a third of the
	 * system calls of a fresh 2 MiB one.  The file shows the mm of the process that opened it,
	 * so a forked child opens its own (pm_pid). */
	int pm;
	pid_t pm_pid;
};

static const char *fmt_size(char *buf, size_t len, uint64_t b)
{
	if (b >= GIB && b % GIB == 0)
		snprintf(buf, len, "%llu GiB", (unsigned long long)(b >> 30));
	else if (b >= (1u << 20) && b % (1u << 20) == 0)
		snprintf(buf, len, "%llu MiB", (unsigned long long)(b >> 20));
	else
		snprintf(buf, len, "%llu KiB", (unsigned long long)(b >> 10));
	return buf;
}

static const char *hp_dir(char *buf, size_t len, uint64_t pgsz)
{
	snprintf(buf, len, HP_SYS "/hugepages-%llukB", (unsigned long long)(pgsz >> 10));
	return buf;
}

/* 0 when the pool counters of pgsz pages can be read (or do not exist: no such size); else
 * -errno with a message naming the file: an unreadable counter must not pass for "no free pages". */
static int hp_counters_readable(uint64_t pgsz)
{
	static const char *const attrs[] = {"free_hugepages", "resv_hugepages", "nr_hugepages"};
	char dir[128], path[192];
	uint64_t v;
	int err;

	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", hp_dir(dir, sizeof(dir), pgsz), attrs[i]);
		if ((err = plbuf__read_attr_u64(path, &v)) < 0 && err != -ENOENT) {
			char why[512];

			snprintf(why, sizeof(why), "%s", plbuf_errmsg());
			return plbuf__err(err, "hugepage: a pool counter is unreadable: %s", why);
		}
	}
	return 0;
}

/* A counter of the pool of pgsz pages; 0 when it does not exist (hp_counters_readable() has told
 * an unreadable one apart). */
static uint64_t hp_count(uint64_t pgsz, const char *attr)
{
	char dir[128], path[192];
	uint64_t v = 0;

	snprintf(path, sizeof(path), "%s/%s", hp_dir(dir, sizeof(dir), pgsz), attr);
	if (plbuf__read_attr_u64(path, &v) < 0)
		return 0;
	return v;
}

/* Pages of pgsz a new mapping can still get: free ones not already promised to a mapping. */
static uint64_t hp_avail(uint64_t pgsz)
{
	uint64_t f = hp_count(pgsz, "free_hugepages"), r = hp_count(pgsz, "resv_hugepages");

	return f > r ? f - r : 0;
}

/* The huge page sizes the kernel offers, ascending. */
static int hp_sizes(uint64_t *sizes, int max)
{
	char path[4096];
	struct dirent *e;
	unsigned long long kb;
	int n = 0;
	DIR *d = plbuf__sys_opendir(plbuf__path(path, sizeof(path), HP_SYS));

	/* Missing is "no hugetlbfs"; anything else (EACCES, EMFILE) is said as it is. */
	if (!d && errno != ENOENT && errno != ENOTDIR)
		return plbuf__err(errno, "hugepage: cannot open %s: %s", path, strerror(errno));
	if (!d)
		return 0;
	while ((e = readdir(d)) != NULL && n < max)
		if (sscanf(e->d_name, "hugepages-%llukB", &kb) == 1 && kb)
			sizes[n++] = (uint64_t)kb << 10;
	closedir(d);
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && sizes[j] < sizes[j - 1]; j--) {
			uint64_t t = sizes[j];

			sizes[j] = sizes[j - 1];
			sizes[j - 1] = t;
		}
	return n;
}

/* The kernel's default huge page size (Hugepagesize in /proc/meminfo), or 0. */
static uint64_t hp_default_size(void)
{
	uint64_t v;

	return plbuf__meminfo("Hugepagesize", &v) == 0 ? v : 0;
}

/* Opens /proc/self/pagemap and checks that this process may read PFNs from it: one record of a
 * page it is using (its stack).  Returns the descriptor, or -errno with a message. */
static int pagemap_open(void)
{
	char path[4096];
	volatile char probe = 1;
	uint64_t phys;
	int fd = plbuf__sys_open(plbuf__path(path, sizeof(path), "/proc/self/pagemap"),
				 O_RDONLY | O_CLOEXEC, 0);
	int err;

	if (fd < 0 && (errno == EACCES || errno == EPERM))
		return plbuf__err(EPERM, "hugepage: cannot open %s: %s: reading physical addresses "
				  "needs root (CAP_SYS_ADMIN)", path, strerror(errno));
	if (fd < 0)
		return plbuf__err(errno, "hugepage: cannot open %s: %s", path, strerror(errno));
	if ((err = plbuf__pagemap_phys(fd, (const void *)&probe, &phys)) < 0) {
		close(fd);
		return err;
	}
	return fd;
}

static int hp_probe(char *why, size_t len)
{
	uint64_t sizes[MAX_SIZES];
	int n = hp_sizes(sizes, MAX_SIZES), off = 0, err;
	char s[32];

	if (n < 0) {
		snprintf(why, len, "%s", plbuf_errmsg());
		return n;
	}
	if (n == 0) {
		snprintf(why, len, "no %s: this kernel has no hugetlbfs (CONFIG_HUGETLBFS)", HP_SYS);
		return -ENOENT;
	}
	if ((err = pagemap_open()) < 0) {
		snprintf(why, len, "needs root (CAP_SYS_ADMIN) to read physical addresses from "
			 "/proc/self/pagemap");
		return err;
	}
	close(err);
	why[0] = 0;
	for (int i = 0; i < n; i++) {
		if ((err = hp_counters_readable(sizes[i])) < 0) {
			snprintf(why, len, "%s", plbuf_errmsg());
			return err;
		}
		uint64_t a = hp_avail(sizes[i]);

		if (a && off < (int)len)
			off += snprintf(why + off, len - (size_t)off, "%s%llu free %s pages",
					off ? ", " : "", (unsigned long long)a,
					fmt_size(s, sizeof(s), sizes[i]));
	}
	if (off == 0) {
		snprintf(why, len, "no free hugepages: reserve some as root, e.g. "
			 "`echo 64 > /proc/sys/vm/nr_hugepages` (64 x 2 MiB), or hugepages=N at boot");
		return -ENOMEM;
	}
	return 0;
}

static void hp_close(struct plbuf_ctx *ctx)
{
	struct hp *h = plbuf__priv(ctx);

	/* In a forked child this closes its own copy only. */
	if (h->pm >= 0)
		close(h->pm);
}

static int hp_open(struct plbuf_ctx *ctx, struct plbuf_kv *kv)
{
	const char *ps = plbuf__kv_get(kv, "pagesize");
	uint64_t coherent, max_pages, pgsz, sizes[MAX_SIZES];
	int nsizes = hp_sizes(sizes, MAX_SIZES), err, ok = 0;
	char dir[128], s[32];
	struct plbuf_bank b;
	struct hp *h = plbuf__priv(ctx);

	h->pm = -1;
	if ((err = plbuf__kv_u64(kv, "coherent", HP_COHERENT_DEFAULT, &coherent)) < 0 ||
	    (err = plbuf__kv_u64(kv, "max_pages", 0, &max_pages)) < 0)
		return err;
	if (nsizes < 0)
		return nsizes;
	if (nsizes == 0)
		return plbuf__err(ENOENT, "hugepage: %s is missing: this kernel has no hugetlbfs "
				  "(CONFIG_HUGETLBFS); use another backend", HP_SYS);
	if (ps && plbuf__parse_size(ps, &pgsz) < 0)
		return plbuf__err(EINVAL, "hugepage: pagesize=%s is not a size such as 2M or 1G", ps);
	if (!ps && (pgsz = hp_default_size()) == 0)
		pgsz = sizes[0];
	for (int i = 0; i < nsizes; i++)
		ok |= sizes[i] == pgsz;
	if (!ok) {
		char list[128] = "";
		size_t l = 0;

		for (int i = 0; i < nsizes && l < sizeof(list); i++)
			l += (size_t)snprintf(list + l, sizeof(list) - l, "%s%s", i ? ", " : "",
					      fmt_size(s, sizeof(s), sizes[i]));
		return plbuf__err(EINVAL, "hugepage: this kernel has no %s hugepages (%s is missing); "
				  "it has: %s", fmt_size(s, sizeof(s), pgsz),
				  hp_dir(dir, sizeof(dir), pgsz), list);
	}
	if ((err = hp_counters_readable(pgsz)) < 0 || (!ps && (err = hp_counters_readable(GIB)) < 0))
		return err;
	if ((h->pm = pagemap_open()) < 0)
		return h->pm;
	if (hp_avail(pgsz) == 0 && (ps || hp_avail(GIB) == 0))
		return plbuf__err(ENOMEM, "hugepage: no free %s hugepages (%s/free_hugepages is %llu): "
				  "reserve some as root, e.g. `echo 64 > %s/nr_hugepages`, or hugepages=N "
				  "on the kernel command line (best for long physically consecutive runs)",
				  fmt_size(s, sizeof(s), pgsz), hp_dir(dir, sizeof(dir), pgsz),
				  (unsigned long long)hp_count(pgsz, "free_hugepages"), dir);

	memset(&b, 0, sizeof(b));
	snprintf(b.name, sizeof(b.name), "hugepages");
	b.size = hp_count(pgsz, "nr_hugepages") * pgsz;
	b.coherent = coherent != 0;
	b.cached_default = 1;
	if ((err = plbuf__bank_add(ctx, &b)) < 0)
		return err;
	h->pm_pid = getpid();
	h->pgsz = pgsz;
	h->fixed_size = ps != NULL;
	h->coherent = coherent != 0;
	h->max_pages = max_pages;
	/* One huge page per pool chunk: small buffers are carved out of a single page. */
	plbuf__set_chunk_size(ctx, pgsz);
	return 0;
}

/* What a search holds until it is done. */
struct search {
	int fd, pm;
	uint64_t pgsz;
	struct plbuf_hpage *pages;
	size_t mapped, cap;
	int nbatches;
	struct { void *va; size_t npages; } batch[MAX_BATCHES];
};

static void search_end(struct search *s)
{
	for (int i = 0; i < s->nbatches; i++)
		munmap(s->batch[i].va, s->batch[i].npages * s->pgsz);
	/* Pages no mapping holds any more go back to the pool with the file. */
	if (s->fd >= 0)
		close(s->fd);
	free(s->pages);
}

/* Maps want more pages of the search file and records their physical addresses.  Returns 0,
 * 1 when the kernel has no page left to give (errno tells how), or -errno with a message. */
static int search_grow(struct search *s, size_t want)
{
	uint64_t P = s->pgsz;
	char *va;

	if (s->mapped + want > s->cap) {
		size_t cap = s->mapped + want > 2 * s->cap ? s->mapped + want : 2 * s->cap;
		struct plbuf_hpage *p = realloc(s->pages, cap * sizeof(*p));

		if (!p)
			return plbuf__err(ENOMEM, "out of process memory");
		s->pages = p;
		s->cap = cap;
	}
	if (plbuf__sys_ftruncate(s->fd, (off_t)((s->mapped + want) * P)) < 0)
		return plbuf__err(errno, "hugepage: cannot size a hugetlb memfd to %zu pages: %s",
				  s->mapped + want, strerror(errno));
	/* MAP_POPULATE rather than touching: a page the kernel cannot give (a hugetlb cgroup limit)
	 * then shows as not present in pagemap instead of killing us with SIGBUS. */
	va = plbuf__sys_mmap(NULL, want * P, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
			     s->fd, (off_t)(s->mapped * P));
	if (va == MAP_FAILED) {
		if (errno == ENOMEM || errno == EAGAIN)
			return 1;
		return plbuf__err(errno, "hugepage: cannot map %zu pages of a hugetlb memfd: %s", want,
				  strerror(errno));
	}
	s->batch[s->nbatches].va = va;
	s->batch[s->nbatches].npages = want;
	s->nbatches++;
	for (size_t i = 0; i < want; i++) {
		struct plbuf_hpage *p = &s->pages[s->mapped + i];
		int err = plbuf__pagemap_phys(s->pm, va + i * P, &p->phys);

		if (err)
			return err;
		p->idx = s->mapped + i;
	}
	s->mapped += want;
	return 0;
}

static int no_run_error(const struct search *s, size_t n, uint64_t align, uint64_t max_dev,
			const struct plbuf_run_stats *st, int mmap_err, int limited)
{
	uint64_t P = s->pgsz;
	char ps[32], a[32], b[32], dir[128];

	hp_dir(dir, sizeof(dir), P);
	fmt_size(ps, sizeof(ps), P);
	if (s->mapped == 0)
		return plbuf__err(ENOMEM, "hugepage: no free %s hugepages%s%s (%s/free_hugepages is "
				  "%llu): reserve more as root, e.g. `echo %llu > %s/nr_hugepages`, or "
				  "hugepages=N at boot", ps, mmap_err ? ": " : "",
				  mmap_err ? strerror(mmap_err) : "", dir,
				  (unsigned long long)hp_count(P, "free_hugepages"),
				  (unsigned long long)(hp_count(P, "nr_hugepages") + n + 16), dir);
	if (s->mapped < n)
		return plbuf__err(ENOMEM, "hugepage: need %zu physically consecutive %s pages (%s) but "
				  "only %zu are free%s: reserve more as root, e.g. `echo %llu > "
				  "%s/nr_hugepages` (consecutive runs are likeliest when reserved at boot: "
				  "hugepages=N)", n, ps, fmt_size(a, sizeof(a), n * P), s->mapped,
				  limited ? " to this context (its max_pages option)" : "",
				  (unsigned long long)(hp_count(P, "nr_hugepages") + 2 * n), dir);
	if (st->longest_below >= n)
		return plbuf__err(ENOMEM, "hugepage: need %zu physically consecutive %s pages starting at "
				  "a multiple of %llu bytes (the alignment asked); among the %zu free pages "
				  "mapped runs of up to %zu pages exist, but none starts there: ask for a "
				  "smaller alignment, or reserve more pages", n, ps,
				  (unsigned long long)align, s->mapped, st->longest_below);
	if (st->longest >= n && max_dev != UINT64_MAX)
		return plbuf__err(ERANGE, "hugepage: need %zu physically consecutive %s page%s at or "
				  "below max_device_address 0x%llx; of the %zu free pages mapped the "
				  "lowest is at 0x%llx and the longest run below the limit is %zu pages: "
				  "reserve hugepages at boot (hugepages=N), while low memory is still free, "
				  "or raise max_device_address", n, ps, n == 1 ? "" : "s",
				  (unsigned long long)max_dev,
				  s->mapped, (unsigned long long)st->lowest, st->longest_below);
	return plbuf__err(ENOMEM, "hugepage: need %zu physically consecutive %s pages (%s) but the "
			  "longest run among the %zu free pages mapped is %zu (%s): reserve more "
			  "pages early, before memory fragments (at boot: hugepages=N on the kernel "
			  "command line), or use buffers of at most %s", n, ps,
			  fmt_size(a, sizeof(a), n * P), s->mapped, st->longest,
			  fmt_size(b, sizeof(b), st->longest * P), b);
}

/* When the first batch is the run itself (one page, or pages the kernel gave in ascending
 * physical order) its mapping is kept as it is, saving a remap per page. */
static int batch_is_run(const struct search *s, long first, size_t n)
{
	if (s->nbatches != 1 || s->mapped != n || first != 0)
		return 0;
	for (size_t j = 0; j < n; j++)
		if (s->pages[j].idx != j)
			return 0;
	return 1;
}

/* Maps the run pages[first..first+n) into one virtual range of n * P bytes, or keeps the batch
 * that is the run already. */
static int map_run(struct search *s, size_t first, size_t n, struct plbuf_chunk *out)
{
	uint64_t P = s->pgsz, len = n * P, phys;
	char *res, *va;
	int err = 0;

	if (batch_is_run(s, (long)first, n)) {
		va = s->batch[0].va;
		s->nbatches = 0; /* the chunk's mapping now, or unmapped below */
		goto lock;
	}
	res = plbuf__sys_mmap(NULL, len + P, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
			      -1, 0);
	if (res == MAP_FAILED)
		return plbuf__err(errno, "hugepage: cannot reserve %llu bytes of address space: %s",
				  (unsigned long long)(len + P), strerror(errno));
	/* Hugetlb mappings must start on a page boundary of their own size. */
	va = (char *)(((uintptr_t)res + (uintptr_t)P - 1) & ~((uintptr_t)P - 1));
	if (va > res)
		munmap(res, (size_t)(va - res));
	if (va + len < res + len + P)
		munmap(va + len, (size_t)(res + len + P - (va + len)));
	for (size_t j = 0; j < n && !err; j++) {
		void *m = plbuf__sys_mmap(va + j * P, P, PROT_READ | PROT_WRITE,
					  MAP_SHARED | MAP_FIXED | MAP_POPULATE, s->fd,
					  (off_t)(s->pages[first + j].idx * P));

		if (m == MAP_FAILED)
			err = plbuf__err(errno, "hugepage: cannot map a hugetlb memfd page at %p: %s",
					 (void *)(va + j * P), strerror(errno));
		else if ((err = plbuf__pagemap_phys(s->pm, va + j * P, &phys)) == 0 &&
			 phys != s->pages[first].phys + j * P)
			err = plbuf__err(EIO, "hugepage: page %zu of a run moved from 0x%llx to 0x%llx "
					 "while it was remapped", j,
					 (unsigned long long)(s->pages[first].phys + j * P),
					 (unsigned long long)phys);
	}
lock:
	if (!err && plbuf__sys_mlock(va, len) < 0)
		err = plbuf__err(errno, "hugepage: cannot mlock %llu bytes: %s (raise RLIMIT_MEMLOCK: "
				 "ulimit -l, or run as root)", (unsigned long long)len, strerror(errno));
	if (err) {
		munmap(va, len);
		return err;
	}
	out->va = va;
	out->dev = out->phys = s->pages[first].phys;
	out->size = len;
	out->priv_u64 = len;
	return 0;
}

/* Gives back the pages of the search file that are not in the run: the run's mapping keeps the
 * file alive, so pages left in it would stay allocated until the chunk is freed. */
static int release_rest(struct search *s, size_t first, size_t n)
{
	char *keep = calloc(s->mapped, 1);

	if (!keep)
		return plbuf__err(ENOMEM, "out of process memory");
	for (size_t j = 0; j < n; j++)
		keep[s->pages[first + j].idx] = 1;
	for (int i = 0; i < s->nbatches; i++)
		munmap(s->batch[i].va, s->batch[i].npages * s->pgsz);
	s->nbatches = 0;
	for (size_t i = 0; i < s->mapped; i++)
		if (!keep[i] && plbuf__sys_fallocate(s->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
					  (off_t)(i * s->pgsz), (off_t)s->pgsz) < 0) {
			int e = errno;

			free(keep);
			return plbuf__err(e, "hugepage: cannot give a page back with fallocate(PUNCH_HOLE) "
					  "on a hugetlb memfd: %s", strerror(e));
		}
	free(keep);
	return 0;
}

/* The context's /proc/self/pagemap, opened again in a forked child: the one it inherited shows
 * its parent's pages. */
static int pagemap_fd(struct hp *h)
{
	pid_t pid = getpid();
	int fd;

	if (h->pm >= 0 && h->pm_pid == pid)
		return h->pm;
	if (h->pm >= 0)
		close(h->pm); /* the child's copy; the parent's stays open */
	h->pm = -1;
	if ((fd = pagemap_open()) < 0)
		return fd;
	h->pm = fd;
	h->pm_pid = pid;
	return fd;
}

static int find_and_map(struct plbuf_ctx *ctx, uint64_t P, size_t n, uint64_t align,
			uint64_t max_dev, struct plbuf_chunk *out)
{
	struct hp *h = plbuf__priv(ctx);
	struct search s = {.fd = -1, .pm = -1, .pgsz = P};
	struct plbuf_run_stats st = {0, 0, UINT64_MAX};
	/* The pool's counters cost an open and a read each: they are read only when the kernel
	 * refuses a batch, to tell "no pages left" from another process taking some meanwhile. */
	uint64_t limit = h->max_pages ? h->max_pages : UINT64_MAX;
	size_t want = n;
	long first = -1;
	int err = 0, mmap_err = 0, counted = 0, shift = __builtin_ctzll(P);

	if ((s.pm = pagemap_fd(h)) < 0)
		return s.pm;
	s.fd = plbuf__sys_memfd_create("plbuf-hugepage", MFD_HUGETLB |
				       ((unsigned)shift << MFD_HUGE_SHIFT));
	if (s.fd < 0) {
		err = plbuf__err(errno, "hugepage: memfd_create(MFD_HUGETLB) of %llu-byte pages: %s",
				 (unsigned long long)P, strerror(errno));
		goto out;
	}
	/* Map in growing batches and stop at the first usable run: mapping every free page of a
	 * large pool would cost seconds of page zeroing for a request that the first pages meet. */
	while (first < 0 && s.mapped < limit && s.nbatches < MAX_BATCHES) {
		if (want > limit - s.mapped)
			want = limit - s.mapped;
		err = search_grow(&s, want);
		if (err < 0)
			goto out;
		if (err > 0) {
			int e = errno;

			err = 0;
			if (!counted) {
				uint64_t a = hp_avail(P);

				counted = 1;
				if (s.mapped + a < limit)
					limit = s.mapped + a;
				if (s.mapped + want > limit)
					continue; /* the pool is short: map what it has */
			}
			/* fewer pages than counted (another process took some) */
			mmap_err = e;
			if (want == 1)
				break;
			want /= 2;
			continue;
		}
		first = plbuf__find_run(s.pages, s.mapped, P, n, align, max_dev, &st);
		want = s.mapped;
	}
	if (st.longest > h->last_longest || P != h->last_pgsz) {
		h->last_longest = st.longest;
		h->last_pgsz = P;
	}
	if (first < 0) {
		err = no_run_error(&s, n, align, max_dev, &st, mmap_err,
				   h->max_pages && s.mapped >= h->max_pages);
		goto out;
	}
	if (!batch_is_run(&s, first, n))
		err = release_rest(&s, (size_t)first, n);
	if (!err)
		err = map_run(&s, (size_t)first, n, out);
out:
	search_end(&s);
	return err;
}

static int hp_chunk_alloc(struct plbuf_ctx *ctx, int bank, uint64_t size, uint64_t align,
			  uint64_t max_dev, int cached, struct plbuf_chunk *out)
{
	struct hp *h = plbuf__priv(ctx);
	uint64_t P = h->pgsz;
	int err;

	if (!cached && !h->coherent) {
		if (plbuf__arch_clean(NULL, 0) == -EOPNOTSUPP) /* ARMv7 */
			return plbuf__err(EOPNOTSUPP, "hugepage: huge pages can only be mapped cached, and this "
					  "CPU cannot flush cached memory from user space: usable here only with "
					  "a device that snoops the caches (coherent=1)");
		return plbuf__err(EOPNOTSUPP, "hugepage: huge pages can only be mapped cached and this "
				  "system's DMA does not snoop the caches: use cacheable=yes (the default) "
				  "with flush/invalidate, or coherent=1 if the device is coherent");
	}
	/* 1 GiB pages when the request is that large and there are enough of them. */
	if (!h->fixed_size && size >= GIB && P < GIB && hp_avail(GIB) >= (size + GIB - 1) / GIB)
		P = GIB;
	if (size > UINT64_MAX - P)
		return plbuf__err(EOVERFLOW, "hugepage: %llu bytes is too large",
				  (unsigned long long)size);
	err = find_and_map(ctx, P, (size_t)((size + P - 1) / P), align, max_dev, out);
	if (err)
		return err;
	out->bank = bank;
	out->flags = PLBUF_CHUNK_CACHED;
	if (h->coherent) {
		/* The device snoops: one mapping serves cached and uncached requests (as sim's coherent
		 * banks do), so an uncached buffer does not cost a huge page of its own. */
		out->flags |= PLBUF_CHUNK_COHERENT;
		out->va_uc = out->va;
	}
	return 0;
}

static void hp_chunk_free(struct plbuf_ctx *ctx, struct plbuf_chunk *c)
{
	/* The last mapping of the memfd goes, and with it the file and its pages. */
	munmap(c->va, c->priv_u64);
}

/* free: pages not yet promised to anyone.  largest: an estimate, since contiguity is only known
 * by mapping the pages: one page, or the longest run the last search saw if that was longer. */
static int hp_bank_stats(struct plbuf_ctx *ctx, int bank, uint64_t *free_b, uint64_t *largest)
{
	struct hp *h = plbuf__priv(ctx);
	uint64_t f = hp_avail(h->pgsz) * h->pgsz, l = f ? h->pgsz : 0;

	if (!h->fixed_size && h->pgsz < GIB)
		f += hp_avail(GIB) * GIB;
	if (h->last_pgsz && h->last_longest * h->last_pgsz > l)
		l = h->last_longest * h->last_pgsz;
	*free_b = f;
	*largest = l < f ? l : f;
	return 0;
}

static void hp_info(struct plbuf_ctx *ctx, FILE *out)
{
	struct hp *h = plbuf__priv(ctx);
	uint64_t sizes[MAX_SIZES];
	int n = hp_sizes(sizes, MAX_SIZES);
	char s[32], dir[128];

	for (int i = 0; i < n; i++)
		fprintf(out, "  %s pages: %llu free of %llu reserved%s\n", fmt_size(s, sizeof(s), sizes[i]),
			(unsigned long long)hp_avail(sizes[i]),
			(unsigned long long)hp_count(sizes[i], "nr_hugepages"),
			sizes[i] == h->pgsz ? " (used for pool chunks)" : "");
	fprintf(out, "  reserve more (root): echo N > %s/nr_hugepages; long physically consecutive "
		"runs are likeliest when reserved at boot (hugepages=N, hugepagesz=1G hugepages=N)\n",
		hp_dir(dir, sizeof(dir), h->pgsz));
	fprintf(out, "  coherent: %s; device address = physical address (no IOMMU; see vfio)\n",
		h->coherent ? "yes (the device snoops the CPU caches)" : "no (flush/invalidate by address)");
}

/* The row (backend.h).  Every backend's looks like this one on purpose: a backend is a row. */
const struct plbuf_backend plbuf__backend_hugepage = {
	.name = "hugepage",
	.summary = "physically contiguous huge pages (hugetlbfs) on a Linux PC; root",
	.rank = 900,
	.priv_size = sizeof(struct hp),
	.probe = hp_probe,
	.open = hp_open,
	.close = hp_close,
	.chunk_alloc = hp_chunk_alloc,
	.chunk_free = hp_chunk_free,
	.bank_stats = hp_bank_stats,
	.info = hp_info,
};
