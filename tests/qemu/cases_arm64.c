/*
 * cases_arm64.c - the cases of the guest program that need the arm64 guest (tests/qemu/arm64.sh):
 * the real zocl driver through plbuf's zocl backend, its CREATE_BO exhaustion path, and cache
 * maintenance at EL0 on every kind of mapping the backends hand out.  run_case() (edu_dma.c)
 * asks extra_case() first.  docs/qemu-proof.md says what each case proves.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cases.h"

/* plbuf's own cache maintenance (src/arch/aarch64.c), linked from libplbuf.a: the case calls the
 * loops the library runs, not a copy of them. */
int plbuf__arch_clean(void *va, size_t len);
int plbuf__arch_clean_inval(void *va, size_t len);
size_t plbuf__arch_line_size(void);

/* ------------------------------------------------------------------ kernel log */

/* Kernel log records since fd was opened (edu_kmsg_open()) that contain s; prints them. */
static int kmsg_count(int fd, const char *s, const char *label)
{
	char rec[1024];
	int n = 0;

	for (;;) {
		ssize_t r = read(fd, rec, sizeof rec - 1);
		if (r < 0 && errno == EPIPE)
			continue;
		if (r <= 0)
			break;
		rec[r] = 0;
		char *msg = strchr(rec, ';');
		msg = msg ? msg + 1 : rec;
		msg[strcspn(msg, "\n")] = 0;
		if (strstr(msg, s)) {
			n++;
			if (label)
				printf("  kernel (%s): %s\n", label, msg);
		}
	}
	return n;
}

/* Every record of the kernel log from boot on that contains s. */
static int kmsg_count_all(const char *s, const char *label)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int n = kmsg_count(fd, s, label);
	close(fd);
	return n;
}

/* ------------------------------------------------------------------ zocl */

/* CMA's figures from /proc/meminfo, in bytes. */
static void cma_figures(uint64_t *total, uint64_t *free_b)
{
	char line[128];
	unsigned long long kib;
	FILE *f = fopen("/proc/meminfo", "r");

	*total = *free_b = 0;
	while (f && fgets(line, sizeof line, f)) {
		if (sscanf(line, "CmaTotal: %llu kB", &kib) == 1)
			*total = (uint64_t)kib << 10;
		if (sscanf(line, "CmaFree: %llu kB", &kib) == 1)
			*free_b = (uint64_t)kib << 10;
	}
	if (f)
		fclose(f);
}

/* The CMA area from the boot log ("cma: Reserved 64 MiB at 0x000000007c000000"). */
static int cma_area(uint64_t *base, uint64_t *size)
{
	char rec[1024];
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC), found = 0;

	for (; fd >= 0 && !found;) {
		ssize_t r = read(fd, rec, sizeof rec - 1);
		if (r < 0 && errno == EPIPE)
			continue;
		if (r <= 0)
			break;
		rec[r] = 0;
		char *p = strstr(rec, "cma: Reserved ");
		unsigned long long mib, at;
		if (p && sscanf(p, "cma: Reserved %llu MiB at %llx", &mib, &at) == 2) {
			*base = at;
			*size = mib << 20;
			found = 1;
		}
	}
	if (fd >= 0)
		close(fd);
	return found ? 0 : -1;
}

/* Mappings of zocl's render node in this process (/proc/self/maps): one per BO plbuf holds. */
static int zocl_mappings(void)
{
	char line[512];
	int n = 0;
	FILE *f = fopen("/proc/self/maps", "r");

	while (f && fgets(line, sizeof line, f))
		n += strstr(line, "/dev/dri/renderD") != NULL;
	if (f)
		fclose(f);
	return n;
}

/* The device address of every byte of b lies in the CMA area (zocl's mappings are PFN maps,
 * which /proc/self/pagemap shows as holes: the boot log and the DMA are the witnesses). */
static int check_in_cma(plbuf_buf *b, const char *label)
{
	uint64_t base, size, d = plbuf_device_address(b), n = plbuf_nbytes(b);

	if (cma_area(&base, &size) < 0)
		return fail("no \"cma: Reserved\" line in the kernel log");
	printf("  %s: %llu bytes at device %#llx, physical %#llx; CMA is [%#llx, +%llu MiB)\n",
	       label, (unsigned long long)n, (unsigned long long)d,
	       (unsigned long long)plbuf_physical_address(b), (unsigned long long)base,
	       (unsigned long long)(size >> 20));
	if (d < base || d + n > base + size)
		return fail("%s lies outside CMA", label);
	if (plbuf_physical_address(b) != d)
		return fail("%s: physical address %#llx != device address %#llx", label,
			    (unsigned long long)plbuf_physical_address(b), (unsigned long long)d);
	return 0;
}

static plbuf_buf *alloc_opts(plbuf_ctx *ctx, uint64_t n, const char *dtype, int cacheable,
			     uint64_t max_dev)
{
	struct plbuf_alloc_opts o = {0};
	int64_t shape[1];

	o.cacheable = cacheable;
	o.max_device_address = max_dev;
	shape[0] = (int64_t)(n / (strcmp(dtype, "u4") == 0 ? 4 : 1));
	return plbuf_allocate(ctx, 1, shape, dtype, &o);
}

/* The zocl module is in and has its node. */
static int zocl_load(void)
{
	if (kmsg_count_all("Initialized zocl", "probe") < 1)
		return fail("the kernel log has no \"Initialized zocl\"");
	if (access("/dev/dri/renderD128", R_OK | W_OK) != 0)
		return fail("no /dev/dri/renderD128");
	return 0;
}

static int zocl_auto(void)
{
	plbuf_ctx *ctx = plbuf_open(NULL, NULL);
	if (!ctx)
		return fail("plbuf_open(NULL): %s", plbuf_errmsg());
	printf("  automatic choice: %s (%s)\n", plbuf_ctx_backend(ctx), plbuf_ctx_reason(ctx));
	int r = strcmp(plbuf_ctx_backend(ctx), "zocl") ? fail("picked %s", plbuf_ctx_backend(ctx)) : 0;
	plbuf_close(ctx);
	return r;
}

/* DMA src -> dst by device address, with the caller's buffers. */
static int dma_copy(uint64_t src, uint64_t dst, uint32_t len)
{
	printf("  DMA %u bytes: %#llx -> edu -> %#llx\n", len, (unsigned long long)src,
	       (unsigned long long)dst);
	return xfer(src, dst, len);
}

/* cacheable=no: write-combined, coherent, and the DMA round trip needs no sync. */
static int zocl_uncached(plbuf_ctx *ctx)
{
	int ret = 1;
	plbuf_buf *a = alloc_opts(ctx, EDU_MAX_XFER, "u1", PLBUF_CACHEABLE_NO, 0);
	plbuf_buf *b = alloc_opts(ctx, EDU_MAX_XFER, "u1", PLBUF_CACHEABLE_NO, 0);

	if (!a || !b) {
		fail("allocate cacheable=no: %s", plbuf_errmsg());
		goto out;
	}
	if (plbuf_cacheable(a) || !plbuf_coherent(a)) {
		fail("cacheable=no gave cacheable %d coherent %d", plbuf_cacheable(a),
		     plbuf_coherent(a));
		goto out;
	}
	if (check_in_cma(a, "source") || check_in_cma(b, "destination"))
		goto out;
	unsigned char *pa = plbuf_data(a), *pb = plbuf_data(b);
	fill_pattern(pa, EDU_MAX_XFER);
	memset(pb, FILL, EDU_MAX_XFER);
	if (dma_copy(plbuf_device_address(a), plbuf_device_address(b), EDU_MAX_XFER))
		goto out;
	uint64_t m = first_mismatch(pa, pb, EDU_MAX_XFER);
	if (m != EDU_MAX_XFER) {
		fail("byte %llu is %#x, expected %#x", (unsigned long long)m, pb[m], pa[m]);
		goto out;
	}
	printf("  write-combined round trip: all %u bytes arrived\n", EDU_MAX_XFER);
	ret = 0;
out:
	plbuf_free(a);
	plbuf_free(b);
	return ret;
}

/* The cacheable default, ranges and views: a view's device address is where the device finds the
 * view's elements; range syncs accept the span and refuse what lies outside it; freeing
 * everything gives CMA back. */
static int zocl_api(plbuf_ctx *ctx)
{
	int ret = 1;
	plbuf_buf *a = NULL, *b = NULL, *va = NULL, *vb = NULL;

	a = alloc_opts(ctx, 16384, "u4", PLBUF_CACHEABLE_DEFAULT, 0);
	b = alloc_opts(ctx, 16384, "u4", PLBUF_CACHEABLE_DEFAULT, 0);
	if (!a || !b) {
		fail("allocate: %s", plbuf_errmsg());
		goto out;
	}
	printf("  default: cacheable %d, coherent %d, bank %s\n", plbuf_cacheable(a),
	       plbuf_coherent(a), plbuf_bank(a));
	if (!plbuf_cacheable(a) || plbuf_coherent(a)) {
		fail("the default is not cached and non-coherent (cacheable %d, coherent %d)",
		     plbuf_cacheable(a), plbuf_coherent(a));
		goto out;
	}
	if (check_in_cma(a, "a") || check_in_cma(b, "b"))
		goto out;
	/* views: elements 1000..1999 of a, and of b */
	va = plbuf_view(a, "1000:2000");
	vb = plbuf_view(b, "1000:2000");
	if (!va || !vb) {
		fail("plbuf_view: %s", plbuf_errmsg());
		goto out;
	}
	if (plbuf_device_address(va) != plbuf_device_address(a) + 4000 ||
	    plbuf_data(va) != (char *)plbuf_data(a) + 4000) {
		fail("the view's addresses are not base + 4000");
		goto out;
	}
	unsigned char *pa = plbuf_data(a), *pb = plbuf_data(b);
	fill_pattern(pa, 16384);
	memset(pb, FILL, 16384);
	/* ranges: only the view's bytes are flushed on the source side */
	if (plbuf_flush(b) < 0 || plbuf_flush_range(a, 4000, 4000) < 0 || plbuf_flush(va) < 0) {
		fail("flush: %s", plbuf_errmsg());
		goto out;
	}
	if (plbuf_flush_range(a, 16000, 1000) != -EINVAL ||
	    plbuf_invalidate_range(va, -1, 10) != -EINVAL) {
		fail("a range outside the buffer was not refused with EINVAL");
		goto out;
	}
	printf("  ranges outside the span: EINVAL (%s)\n", plbuf_errmsg());
	if (dma_copy(plbuf_device_address(va), plbuf_device_address(vb), 4000))
		goto out;
	if (plbuf_invalidate(vb) < 0 || plbuf_invalidate_range(b, 0, 4000) < 0 ||
	    plbuf_invalidate_range(b, 8000, 8384) < 0) {
		fail("invalidate: %s", plbuf_errmsg());
		goto out;
	}
	for (uint64_t i = 0; i < 16384; i++) {
		unsigned char want = i >= 4000 && i < 8000 ? pa[i] : FILL;
		if (pb[i] != want) {
			fail("byte %llu of b is %#x, expected %#x", (unsigned long long)i, pb[i], want);
			goto out;
		}
	}
	printf("  view to view by DMA: elements 1000..1999 arrived, the rest untouched\n");
	/* the base goes first; the views keep the memory until they go */
	plbuf_free(a);
	a = NULL;
	if (((unsigned char *)plbuf_data(va))[0] != pa[4000]) {
		fail("the view lost its memory when its base was freed");
		goto out;
	}
	ret = 0;
out:
	plbuf_free(va);
	plbuf_free(vb);
	plbuf_free(a);
	plbuf_free(b);
	return ret;
}

/* No CMA below the CMA area: a max_device_address under it is refused with ERANGE, and nothing
 * is left allocated. */
static int zocl_erange(plbuf_ctx *ctx)
{
	uint64_t base, size;

	if (cma_area(&base, &size) < 0)
		return fail("no \"cma: Reserved\" line in the kernel log");
	int maps0 = zocl_mappings();
	plbuf_buf *b = alloc_opts(ctx, 1 << 20, "u1", 0, base - 1);
	if (b)
		return fail("allocated at %#llx below max_device_address %#llx",
			    (unsigned long long)plbuf_device_address(b), (unsigned long long)(base - 1));
	if (errno != ERANGE && !strstr(plbuf_errmsg(), "max_device_address"))
		return fail("refused, but not with ERANGE: %s", plbuf_errmsg());
	printf("  refused: %s\n", plbuf_errmsg());
	plbuf_buf *small = alloc_opts(ctx, 64, "u1", 0, base - 1);
	if (small)
		return fail("a small buffer below CMA was allocated");
	printf("  small: %s\n", plbuf_errmsg());
	if (zocl_mappings() != maps0)
		return fail("the refused allocations left %d BOs mapped", zocl_mappings() - maps0);
	/* and a limit above the area works */
	b = alloc_opts(ctx, 1 << 20, "u1", 0, base + size - 1);
	if (!b)
		return fail("below the end of CMA: %s", plbuf_errmsg());
	plbuf_free(b);
	return 0;
}

static int err_is(int want)
{
	return errno == want;
}

/* Exhaustion: the message has the figures and says what to do.  8 MiB buffers: above the page
 * allocator's largest block (4 MiB), so only CMA can give them. */
static int zocl_enomem(plbuf_ctx *ctx)
{
	uint64_t tot, f0, base, size;
	plbuf_buf *bufs[64];
	int n = 0, ret = 1;

	cma_figures(&tot, &f0);
	plbuf_buf *big = alloc_opts(ctx, 2 * tot, "u1", 0, 0);
	if (big || !err_is(ENOMEM) || !strstr(plbuf_errmsg(), "CmaFree is") ||
	    !strstr(plbuf_errmsg(), "cma=")) {
		plbuf_free(big);
		return fail("twice CmaTotal: not ENOMEM with CMA's figures (%s)", plbuf_errmsg());
	}
	printf("  2 x CmaTotal: %s\n", plbuf_errmsg());
	while (n < 64 && (bufs[n] = alloc_opts(ctx, 8 << 20, "u1", 0, 0)) != NULL)
		n++;
	printf("  %d buffers of 8 MiB, then: %s\n", n, plbuf_errmsg());
	if (n == 0 || n == 64 || !err_is(ENOMEM) || !strstr(plbuf_errmsg(), "CmaFree is")) {
		fail("filling CMA with 8 MiB buffers did not end in ENOMEM with figures");
		goto out;
	}
	/* What zocl does with a smaller BO when CMA is full (shown, not required) */
	plbuf_buf *small = alloc_opts(ctx, 1 << 20, "u1", 0, 0);
	if (small && cma_area(&base, &size) == 0)
		printf("  with CMA full, 1 MiB still comes: at %#llx, %s CMA (zocl's dma_alloc falls "
		       "back to the page allocator)\n", (unsigned long long)plbuf_device_address(small),
		       plbuf_device_address(small) >= base && plbuf_device_address(small) < base + size ?
		       "inside" : "outside");
	else if (!small)
		printf("  with CMA full, 1 MiB: %s\n", plbuf_errmsg());
	plbuf_free(small);
	ret = 0;
out:
	while (n > 0)
		plbuf_free(bufs[--n]);
	return ret;
}

#define ZOCL_FAILED "Failed to allocate buffer" /* zocl's DRM_ERROR when CMA refuses a BO */

/* One allocation, and how many failing CREATE_BOs it cost (zocl logs each). */
static plbuf_buf *alloc_counted(plbuf_ctx *ctx, uint64_t n, int *failed_creates)
{
	int kfd = edu_kmsg_open();
	plbuf_buf *b = alloc_opts(ctx, n, "u1", 0, 0);
	int e = errno;

	*failed_creates = kmsg_count(kfd, ZOCL_FAILED, "zocl");
	close(kfd);
	errno = e;
	return b;
}

/* Pages on the per-CPU free lists, in bytes (/proc/zoneinfo): free, yet not in CmaFree, and
 * counted by plbuf's zocl backend as possibly CMA's before it calls a request hopeless. */
static uint64_t pcp_bytes(void)
{
	char line[256];
	unsigned long long n, sum = 0;
	FILE *f = fopen("/proc/zoneinfo", "r");

	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, " count: %llu", &n) == 1)
			sum += n;
	if (f)
		fclose(f);
	return (uint64_t)sum * (uint64_t)sysconf(_SC_PAGESIZE);
}

/* Fills CMA with BOs of one size (each its own BO, above the page allocator's 4 MiB) and returns
 * how many.  Every failed allocation must have cost at most one failing CREATE_BO, and one that
 * plbuf could foresee (size above CmaFree with every per-CPU page, read just before, with 1 MiB
 * to spare) none.  careful: stop instead of making a request plbuf would send although CMA may
 * refuse it (the unfixed driver).  *unforeseen counts the failing CREATE_BOs. */
static int fill_cma(plbuf_ctx *ctx, plbuf_buf **bufs, int max, uint64_t size, int careful,
		    int *unforeseen)
{
	int n = 0, fc, misses = 0;

	*unforeseen = 0;
	while (n < max) {
		uint64_t tot, fr, pcp = pcp_bytes();
		cma_figures(&tot, &fr);
		int sure = size > fr + pcp + (1u << 20);
		if (careful && fr < size + (1u << 20) && !sure) {
			printf("  stopped after %d BOs: CmaFree %llu KiB, per-CPU lists %llu KiB: the "
			       "next one might fail unforeseeably\n", n, (unsigned long long)(fr >> 10),
			       (unsigned long long)(pcp >> 10));
			break;
		}
		bufs[n] = alloc_counted(ctx, size, &fc);
		if (fc > 1)
			return fail("one allocation of %llu bytes sent %d failing CREATE_BOs",
				    (unsigned long long)size, fc);
		*unforeseen += fc;
		if (fc && sure)
			return fail("CmaFree %llu KiB + per-CPU lists %llu KiB are below the %llu KiB "
				    "asked, yet zocl was asked", (unsigned long long)(fr >> 10),
				    (unsigned long long)(pcp >> 10), (unsigned long long)(size >> 10));
		if (bufs[n]) {
			n++;
			continue;
		}
		printf("  after %d BOs (CmaFree %llu KiB, per-CPU lists %llu KiB): %s\n", n,
		       (unsigned long long)(fr >> 10), (unsigned long long)(pcp >> 10), plbuf_errmsg());
		if (++misses == 3) /* three in a row: CMA is full */
			break;
	}
	return n;
}

/* The pool's retries: at most one failing CREATE_BO per failed allocation, none that plbuf can
 * foresee (the zocl shipped corrupts the heap on each).  8 MiB BOs, above the page allocator's
 * largest block, so CMA alone decides. */
static int zocl_create_once(void)
{
	plbuf_ctx *ctx = plbuf_open("zocl", "chunk=1M");
	plbuf_buf *bufs[32];
	int n, unforeseen, fc, ret = 1;
	uint64_t tot, fr;

	if (!ctx)
		return fail("plbuf_open(zocl, chunk=1M): %s", plbuf_errmsg());
	cma_figures(&tot, &fr);
	plbuf_buf *big = alloc_counted(ctx, tot + (8 << 20), &fc);
	if (big || fc != 0) {
		plbuf_free(big);
		fail("CmaTotal + 8 MiB: %s, %d failing CREATE_BOs (none foreseeable may be sent)",
		     big ? "allocated" : "refused", fc);
		goto out0;
	}
	printf("  CmaTotal + 8 MiB: refused, no CREATE_BO sent: %s\n", plbuf_errmsg());
	n = fill_cma(ctx, bufs, 32, 8 << 20, 0, &unforeseen);
	if (n <= 0)
		goto out0;
	printf("  filled CMA with %d BOs of 8 MiB; %d failing CREATE_BOs on the way\n", n, unforeseen);
	/* fragment: free every other BO, then ask for 16 MiB: CmaFree allows it, CMA cannot */
	for (int i = 0; i < n; i += 2) {
		plbuf_free(bufs[i]);
		bufs[i] = NULL;
	}
	cma_figures(&tot, &fr);
	plbuf_buf *frag = alloc_counted(ctx, 16 << 20, &fc);
	printf("  fragmented (CmaFree %llu KiB in 8 MiB holes), 16 MiB: %s; %d failing CREATE_BO\n",
	       (unsigned long long)(fr >> 10), frag ? "allocated" : plbuf_errmsg(), fc);
	if (frag) {
		plbuf_free(frag);
		if (fr >= (16u << 20)) {
			fail("16 MiB came out of 8 MiB holes: the case is not what it means to be");
			goto out;
		}
	} else if (fc != 1 || !strstr(plbuf_errmsg(), "DRM_IOCTL_ZOCL_CREATE_BO")) {
		fail("the failed allocation sent %d failing CREATE_BOs (want exactly one)", fc);
		goto out;
	}
	ret = 0;
out:
	for (int i = 0; i < n; i++)
		plbuf_free(bufs[i]);
out0:
	plbuf_close(ctx);
	return ret;
}

/* zocl as shipped, with slub_debug=FZPU: plbuf exhausts CMA in the ways it can foresee and the
 * kernel heap stays intact.  Then, to show the check can fail, one raw CREATE_BO that CMA refuses:
 * the poison check reports the driver's write into freed memory. */
struct raw_create_bo { uint64_t size; uint32_t handle, flags; };
#define RAW_CREATE_BO _IOWR('d', 0x40, struct raw_create_bo)

static int heap_damage(int kfd, const char *label)
{
	return kmsg_count(kfd, "Poison overwritten", label) + kmsg_count(kfd, "Oops", label) +
	       kmsg_count(kfd, "BUG", label) + kmsg_count(kfd, "Redzone", label);
}

/* kmalloc traffic of the size of zocl's BO objects: small BOs, created and closed. */
static void churn(plbuf_ctx *ctx)
{
	plbuf_buf *b[32];

	for (int round = 0; round < 4; round++) {
		for (int i = 0; i < 32; i++)
			b[i] = alloc_opts(ctx, 8192 + 4096 * (unsigned)i, "u1", 0, 0);
		for (int i = 0; i < 32; i++)
			plbuf_free(b[i]);
	}
}

static int zocl_exhaust(void)
{
	plbuf_buf *bufs[32];
	uint64_t tot, fr;
	int n, unforeseen, fc, kfd = edu_kmsg_open();
	plbuf_ctx *ctx = plbuf_open("zocl", "chunk=1M");

	if (!ctx)
		return fail("plbuf_open(zocl, chunk=1M): %s", plbuf_errmsg());
	char cmdline[512] = "";
	FILE *f = fopen("/proc/cmdline", "r");
	if (f) {
		if (!fgets(cmdline, sizeof cmdline, f))
			cmdline[0] = 0;
		fclose(f);
	}
	if (!strstr(cmdline, "slub_debug=FZPU"))
		return fail("the kernel runs without slub_debug=FZPU: heap damage could go unseen");
	cma_figures(&tot, &fr);
	for (int i = 0; i < 3; i++) {
		plbuf_buf *big = alloc_counted(ctx, tot * (uint64_t)(i + 1) + 4096, &fc);
		if (big || fc)
			return fail("above CmaTotal: %s, %d CREATE_BOs failed", big ? "allocated" :
				    "refused", fc);
	}
	printf("  above CmaTotal three times: refused without CREATE_BO: %s\n", plbuf_errmsg());
	n = fill_cma(ctx, bufs, 32, 8 << 20, 1, &unforeseen);
	if (n <= 0)
		return 1;
	/* CMA is as full as 8 MiB BOs make it: now what plbuf can tell will fail, three times */
	for (int i = 1; i <= 3; i++) {
		uint64_t pcp = pcp_bytes(), want;
		cma_figures(&tot, &fr);
		want = ((fr + pcp) & ~((1ull << 20) - 1)) + ((uint64_t)i << 21);
		if (want < (8u << 20))
			want = 8u << 20;
		plbuf_buf *x = alloc_counted(ctx, want, &fc);
		printf("  %llu KiB with CmaFree %llu KiB, per-CPU lists %llu KiB: %s (%d failing "
		       "CREATE_BO)\n", (unsigned long long)(want >> 10), (unsigned long long)(fr >> 10),
		       (unsigned long long)(pcp >> 10), x ? "allocated" : plbuf_errmsg(), fc);
		plbuf_free(x);
		unforeseen += fc;
	}
	/* and small buffers while CMA is full */
	for (int i = 0; i < 8; i++) {
		plbuf_buf *s = alloc_counted(ctx, 64 + 512 * (unsigned)i, &fc);
		if (s) {
			plbuf_free(s);
		} else if (fc) {
			cma_figures(&tot, &fr);
			printf("  small buffer: zocl asked with CmaFree %llu KiB\n",
			       (unsigned long long)(fr >> 10));
			unforeseen += fc;
		}
	}
	for (int i = 0; i < n; i++)
		plbuf_free(bufs[i]);
	churn(ctx);
	plbuf_close(ctx);
	int dmg = heap_damage(kfd, "after plbuf");
	close(kfd);
	if (dmg)
		return fail("the kernel reported heap damage after exhausting CMA through plbuf");
	if (unforeseen)
		return fail("%d CREATE_BOs that CMA refused were sent: the unfixed zocl wrote into "
			    "freed memory each time", unforeseen);
	printf("  no failing CREATE_BO, no \"Poison overwritten\", no Oops\n");

	/* The control: what plbuf avoided, done by hand. */
	int fd = open("/dev/dri/renderD128", O_RDWR);
	struct raw_create_bo cr = { .size = 2 * tot, .handle = 0, .flags = 0 };
	kfd = edu_kmsg_open();
	int r = ioctl(fd, RAW_CREATE_BO, &cr);
	printf("  control: raw CREATE_BO of %llu bytes: %d (%s)\n", (unsigned long long)cr.size, r,
	       r < 0 ? strerror(errno) : "created");
	ctx = plbuf_open("zocl", NULL);
	if (ctx) {
		churn(ctx);
		plbuf_close(ctx);
	}
	close(fd);
	dmg = heap_damage(kfd, "control");
	close(kfd);
	if (!dmg)
		return fail("control: the unfixed zocl's failing CREATE_BO left no trace: the check "
			    "proves nothing");
	printf("  control: the poison check caught the driver's write into freed memory\n");
	return 0;
}

/* ------------------------------------------------------------------ cache maintenance at EL0 */

static sigjmp_buf jb;
static volatile int sig_seen;

static void on_signal(int sig)
{
	sig_seen = sig;
	siglongjmp(jb, 1);
}

/* Runs plbuf's DC CVAC and DC CIVAC loops over a buffer's whole CPU mapping, and plbuf_flush /
 * plbuf_invalidate, catching SIGILL, SIGSEGV and SIGBUS.  Data written before must read back. */
static int maint_one(plbuf_buf *b, const char *kind)
{
	struct sigaction sa = {0}, old_ill, old_segv, old_bus;
	unsigned char *p = plbuf_data(b);
	uint64_t n = plbuf_nbytes(b);
	volatile int step = 0;
	int ret = 0;

	sa.sa_handler = on_signal;
	sigaction(SIGILL, &sa, &old_ill);
	sigaction(SIGSEGV, &sa, &old_segv);
	sigaction(SIGBUS, &sa, &old_bus);
	sig_seen = 0;
	if (sigsetjmp(jb, 1) == 0) {
		/* aligned 8-byte stores: Device memory takes no unaligned access */
		for (uint64_t i = 0; i < n / 8; i++)
			((volatile uint64_t *)p)[i] = 0x0123456789abcdefull ^ i;
		step = 1;
		plbuf__arch_clean(p, n);
		step = 2;
		plbuf__arch_clean_inval(p, n);
		step = 3;
		plbuf__arch_clean((char *)p + 3, n - 67); /* unaligned edges */
		plbuf__arch_clean_inval((char *)p + 5, n - 130);
		step = 4;
		if (plbuf_flush(b) < 0 || plbuf_invalidate(b) < 0)
			ret = fail("%s: plbuf_flush/invalidate: %s", kind, plbuf_errmsg());
		step = 5;
		for (uint64_t i = 0; i < n / 8 && !ret; i++)
			if (((volatile uint64_t *)p)[i] != (0x0123456789abcdefull ^ i))
				ret = fail("%s: word %llu changed across the maintenance", kind,
					   (unsigned long long)i);
	} else {
		static const char *steps[] = { "writing", "DC CVAC", "DC CIVAC", "DC on unaligned ranges",
					       "plbuf_flush/invalidate", "reading back" };
		ret = fail("%s: signal %d during %s", kind, sig_seen, steps[step]);
	}
	sigaction(SIGILL, &old_ill, NULL);
	sigaction(SIGSEGV, &old_segv, NULL);
	sigaction(SIGBUS, &old_bus, NULL);
	if (!ret)
		printf("  %s (%llu bytes at %p, cacheable %d, coherent %d): DC CVAC and DC CIVAC "
		       "loops ran, data intact\n", kind, (unsigned long long)n, (void *)p,
		       plbuf_cacheable(b), plbuf_coherent(b));
	return ret;
}

/* DC IVAC is not allowed at EL0: the handler must see SIGILL, or it would prove nothing. */
static int ivac_traps(void *p)
{
	struct sigaction sa = {0}, old;

	sa.sa_handler = on_signal;
	sigaction(SIGILL, &sa, &old);
	sig_seen = 0;
	if (sigsetjmp(jb, 1) == 0)
		__asm__ volatile("dc ivac, %0" : : "r"(p) : "memory");
	sigaction(SIGILL, &old, NULL);
	return sig_seen == SIGILL;
}

static int cache_case(const char *backend)
{
	char on[48];
	int ret = 0, kinds = 0;

	snprintf(on, sizeof on, "%s", backend);
	plbuf_ctx *ctx = open_ctx(backend, on);
	if (!ctx)
		return 1;
	printf("  DminLine: %zu bytes\n", plbuf__arch_line_size());
	static const int modes[] = { PLBUF_CACHEABLE_YES, PLBUF_CACHEABLE_NO };
	for (int m = 0; m < 2 && !ret; m++) {
		plbuf_buf *b = alloc_opts(ctx, 65536, "u1", modes[m], 0);
		if (!b) {
			printf("  cacheable=%s: not offered (%s)\n", m ? "no" : "yes", plbuf_errmsg());
			continue;
		}
		const char *kind = plbuf_cacheable(b) ? "cached" :
				   strcmp(backend, "reserved") == 0 ? "Device (/dev/mem)" :
				   "write-combine/uncached";
		ret = maint_one(b, kind);
		if (!ret && kinds == 0 && !ivac_traps(plbuf_data(b)))
			ret = fail("DC IVAC did not raise SIGILL at EL0: the signal check is blind");
		kinds++;
		plbuf_free(b);
	}
	close_ctx(ctx);
	if (!ret && kinds == 0)
		ret = fail("no mapping of this backend could be allocated");
	if (!ret)
		printf("  DC IVAC at EL0: SIGILL, as the architecture says\n");
	return ret;
}

/* ------------------------------------------------------------------ u-dma-buf */

/* A buffer above the 4 MiB that a kernel without CMA allows: the bank is the driver's 16 MiB
 * buffer, and a 6 MiB plbuf buffer in it (two of them) is reached by DMA at its start, across a
 * 2 MiB boundary and at its end. */
static int udmabuf_large(void)
{
	struct plbuf_bank_info bi;
	plbuf_ctx *ctx = open_ctx("udmabuf", "udmabuf");

	if (!ctx)
		return 1;
	int ret = plbuf_ctx_bank(ctx, 0, &bi);
	if (ret < 0) {
		fail("plbuf_ctx_bank: %s", plbuf_errmsg());
	} else {
		printf("  bank %s: %llu bytes at device %#llx\n", bi.name, (unsigned long long)bi.size,
		       (unsigned long long)bi.base);
		ret = bi.size <= (4u << 20) ? fail("the bank is not above 4 MiB") :
		      roundtrip(ctx, "udmabuf", 6u << 20, 0);
	}
	close_ctx(ctx);
	return ret;
}

/* ------------------------------------------------------------------ dispatch */

int zocl_bench(void); /* zocl_bench.c */

int extra_case(const char *name, int *result)
{
	plbuf_ctx *ctx;

	if (strcmp(name, "zocl-load") == 0) {
		*result = zocl_load();
	} else if (strcmp(name, "zocl-auto") == 0) {
		*result = zocl_auto();
	} else if (strcmp(name, "zocl-create-once") == 0) {
		*result = zocl_create_once();
	} else if (strcmp(name, "zocl-exhaust") == 0) {
		*result = zocl_exhaust();
	} else if (strcmp(name, "udmabuf-large") == 0) {
		*result = udmabuf_large();
	} else if (strcmp(name, "bench-zocl") == 0) {
		*result = zocl_bench();
	} else if (strncmp(name, "cache-", 6) == 0) {
		*result = cache_case(name + 6);
	} else if (strcmp(name, "zocl-uncached") == 0 || strcmp(name, "zocl-api") == 0 ||
		   strcmp(name, "zocl-erange") == 0 || strcmp(name, "zocl-enomem") == 0) {
		uint64_t tot, f0, f1;
		cma_figures(&tot, &f0);
		ctx = open_ctx("zocl", "zocl");
		if (!ctx) {
			*result = 1;
			return 1;
		}
		*result = name[5] == 'u' ? zocl_uncached(ctx) : name[5] == 'a' ? zocl_api(ctx) :
			  name[6] == 'r' ? zocl_erange(ctx) : zocl_enomem(ctx);
		close_ctx(ctx);
		/* every BO mapping went with the context.  (CmaFree is shown, not compared: CMA
		 * pages just freed wait on per-CPU lists, uncounted, and movable pages borrow CMA.) */
		cma_figures(&tot, &f1);
		printf("  CmaFree %llu KiB before the context, %llu KiB after its close\n",
		       (unsigned long long)(f0 >> 10), (unsigned long long)(f1 >> 10));
		int maps = zocl_mappings();
		if (*result == 0 && maps != 0)
			*result = fail("%d mappings of zocl's node remain after the context's close",
				       maps);
	} else {
		return 0;
	}
	return 1;
}
