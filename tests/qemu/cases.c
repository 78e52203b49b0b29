/*
 * cases.c - the cases of the guest program tests/qemu/edu_dma.c: a positive round trip, the
 * negative cases (wrong address, IOMMU faults, bus mastering off), and the cases of edu's 28-bit
 * DMA mask (max_device_address).  docs/qemu-proof.md says what each proves.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cases.h"

/* Positive case: buffers of size bytes (below max_dev when it is not 0); copies a few chunks of
 * the first to the second through edu by device address, and checks every byte of the second:
 * the chunks hold the pattern, the rest still holds the fill. */
int roundtrip(plbuf_ctx *ctx, const char *backend, uint64_t size, uint64_t max_dev)
{
	int ret = 1;
	plbuf_buf *a = alloc_bytes(ctx, size, max_dev), *b = alloc_bytes(ctx, size, max_dev);
	if (!a || !b)
		goto out;
	if (check_addresses(backend, a, "source") || check_addresses(backend, b, "destination"))
		goto out;
	uint64_t da = plbuf_device_address(a), db = plbuf_device_address(b);
	if (max_dev && (da + size - 1 > max_dev || db + size - 1 > max_dev)) {
		fail("buffers at %#llx and %#llx end above max_device_address %#llx",
		     (unsigned long long)da, (unsigned long long)db, (unsigned long long)max_dev);
		goto out;
	}
	unsigned char *pa = plbuf_data(a), *pb = plbuf_data(b);
	fill_pattern(pa, size);
	memset(pb, FILL, size);
	if (plbuf_flush(a) < 0 || plbuf_flush(b) < 0) {
		fail("plbuf_flush: %s", plbuf_errmsg());
		goto out;
	}

	/* Chunks: the start, one across the first 2 MiB boundary of the source's device
	 * addresses (a hugepage or IOMMU mapping boundary), and the end. */
	uint64_t offs[3];
	int n = 0;
	offs[n++] = 0;
	if (size > EDU_MAX_XFER) {
		uint64_t bound = (da | 0x1fffff) + 1;
		if (bound - da > EDU_MAX_XFER / 2 && bound - da + EDU_MAX_XFER / 2 <= size)
			offs[n++] = bound - da - EDU_MAX_XFER / 2;
		offs[n++] = size - EDU_MAX_XFER;
	}
	for (int i = 0; i < n; i++) {
		uint32_t len = size < EDU_MAX_XFER ? (uint32_t)size : EDU_MAX_XFER;
		printf("  DMA %u bytes: %#llx -> edu -> %#llx\n", len,
		       (unsigned long long)(da + offs[i]), (unsigned long long)(db + offs[i]));
		if (xfer(da + offs[i], db + offs[i], len))
			goto out;
	}
	if (plbuf_invalidate(b) < 0) {
		fail("plbuf_invalidate: %s", plbuf_errmsg());
		goto out;
	}
	for (uint64_t i = 0; i < size; i++) {
		int in = 0;
		for (int k = 0; k < n; k++)
			in |= i >= offs[k] && i < offs[k] + EDU_MAX_XFER;
		unsigned char want = in ? pa[i] : FILL;
		if (pb[i] != want) {
			fail("byte %llu of the destination is %#x, expected %#x (%s)",
			     (unsigned long long)i, pb[i], want, in ? "copied by DMA" : "untouched");
			goto out;
		}
	}
	printf("  %d chunk(s) copied, all %llu bytes checked\n", n, (unsigned long long)size);
	ret = 0;
out:
	plbuf_free(a);
	plbuf_free(b);
	return ret;
}

/* The IOMMU reported a blocked access at addr's page since kfd was opened (edu_kmsg_open()).
 * Returns 0, or 1 after fail(). */
static int expect_dmar_fault(int kfd, uint64_t addr)
{
	char line[300];
	uint64_t fa;

#if defined(__aarch64__)
	/* SMMUv3: "event 0x10 received:" (F_TRANSLATION), then the event's four words, one
	 * record each; the third is the input address (the IOVA). */
	if (!edu_kmsg_find(kfd, "arm-smmu-v3", "event 0x10 received", 2000, line, sizeof line))
		return fail("no SMMUv3 translation fault in the kernel log for the access at %#llx",
			    (unsigned long long)addr);
	printf("  kernel: %s\n", line);
	for (int i = 0; i < 3; i++)
		if (!edu_kmsg_find(kfd, "arm-smmu-v3", "0x", 2000, line, sizeof line))
			return fail("the SMMUv3 event record is cut short");
	printf("  kernel: %s (input address)\n", line);
	fa = strtoull(strstr(line, "0x"), NULL, 16);
#else
	if (!edu_kmsg_find(kfd, "DMAR", "fault addr", 2000, line, sizeof line))
		return fail("no DMAR fault in the kernel log for the access at %#llx",
			    (unsigned long long)addr);
	printf("  kernel: %s\n", line);
	fa = strtoull(strstr(line, "fault addr") + 10, NULL, 16);
#endif
	if ((fa ^ addr) >> 12)
		return fail("the IOMMU faulted at %#llx, not at the address given, %#llx",
			    (unsigned long long)fa, (unsigned long long)addr);
	return 0;
}

/* Negative cases: edu is given a wrong source address (or bus mastering is off); the destination
 * must not receive the pattern.  The source buffer holds the pattern in its first page and a
 * decoy in its second, so "one page off" must yield exactly the decoy: edu reads what it is
 * told, no more and no less. */
int negative(plbuf_ctx *ctx, const char *backend, enum neg_kind kind)
{
	int ret = 1, kfd = -1;
	const uint32_t len = EDU_MAX_XFER;
	plbuf_buf *a = alloc_bytes(ctx, 8192, 0), *b = alloc_bytes(ctx, len, 0);
	plbuf_buf *c = alloc_bytes(ctx, len, 0);
	if (!a || !b || !c)
		goto out;
	check_addresses(backend, a, "source");
	why[0] = 0; /* the address checks are the positive cases' business */
	unsigned char *pa = plbuf_data(a), *pb = plbuf_data(b), *pc = plbuf_data(c);
	fill_pattern(pa, 8192); /* pattern in [0, len), decoy in [4096, 4096 + len) */
	memset(pb, FILL, len);
	memset(pc, FILL, len);
	plbuf_flush(a);
	plbuf_flush(b);
	plbuf_flush(c);
	uint64_t src = plbuf_device_address(a), dst = plbuf_device_address(b);

	switch (kind) {
	case NEG_PAGE_OFF:
		src += 4096;
		break;
	case NEG_PHYSICAL:
		src = edu_pagemap_phys(pa);
		if (src == UINT64_MAX) {
			fail("no physical address for the source in /proc/self/pagemap");
			goto out;
		}
		if (src == plbuf_device_address(a)) {
			fail("the IOVA equals the physical address %#llx: nothing to prove",
			     (unsigned long long)src);
			goto out;
		}
		break;
	case NEG_UNMAPPED:
		/* far from every mapping plbuf made in this fresh context */
		src += 0x40000000ull;
		break;
	case NEG_NO_MASTER:
		if (edu_command(&edu, 1, 0) < 0) {
			fail("cannot clear bus mastering");
			goto out;
		}
		break;
	}
	printf("  DMA %u bytes: %#llx (%s) -> edu -> %#llx\n", len, (unsigned long long)src,
	       kind == NEG_NO_MASTER ? "bus mastering off" : "wrong", (unsigned long long)dst);
#if defined(__aarch64__)
	/* The SMMUv3 driver prints events under a ratelimit of 10 records per 5 s, and one event
	 * is five records: wait out an earlier case's before this one must be seen. */
	static int faulted;
	if (kind == NEG_PHYSICAL || kind == NEG_UNMAPPED) {
		if (faulted++)
			sleep(6);
	}
#endif
	kfd = edu_kmsg_open();
	int x = xfer(src, dst, len);
	if (kind == NEG_NO_MASTER && edu_command(&edu, 1, 1) < 0)
		x = fail("cannot set bus mastering again");
	if (x)
		goto out;
	plbuf_invalidate(b);
	uint64_t same = count_equal(pa, pb, len);
	printf("  %llu of %u bytes equal the pattern\n", (unsigned long long)same, len);
	if (memcmp(pa, pb, len) == 0) {
		fail("the wrong address yielded the data");
		goto out;
	}
	if (kind == NEG_PAGE_OFF) {
		uint64_t m = first_mismatch(pa + 4096, pb, len);
		if (m != len) {
			fail("one page off, byte %llu is %#x, expected the decoy's %#x",
			     (unsigned long long)m, pb[m], pa[4096 + m]);
			goto out;
		}
		printf("  edu delivered the bytes one page further, exactly\n");
	}
	if (kind == NEG_NO_MASTER) {
		/* edu's write to RAM was dropped; show that its read was dropped too */
		if (first_mismatch(pb, pc, len) != len) {
			fail("edu wrote to RAM with bus mastering off");
			goto out;
		}
		if (edu_dma(&edu, plbuf_device_address(c), 0, len, 0) < 0) {
			fail("edu's DMA engine did not finish");
			goto out;
		}
		plbuf_invalidate(c);
		if (memcmp(pa, pc, len) == 0) {
			fail("edu read RAM with bus mastering off");
			goto out;
		}
		printf("  neither the read nor the write reached memory\n");
	}
	/* the IOMMU, not luck, kept the data out: it reports the blocked read */
	if ((kind == NEG_PHYSICAL || kind == NEG_UNMAPPED) && expect_dmar_fault(kfd, src))
		goto out;
	ret = 0;
out:
	if (kfd >= 0)
		close(kfd);
	plbuf_free(a);
	plbuf_free(b);
	plbuf_free(c);
	return ret;
}

/* edu with its default 28-bit mask, plbuf without max_device_address: a buffer above 256 MiB is
 * reached at its address modulo 256 MiB, so the data does not arrive.  The case looks for a high
 * buffer whose truncated address falls inside another of its buffers and puts a decoy there: edu
 * must then deliver exactly the decoy.  Behind an IOMMU the truncated IOVA is unmapped instead
 * and must fault.  "CLAMP" lines let the host find QEMU's own report of each truncation in its
 * log (same format as QEMU's).
 *
 * Contexts: reserved opens "reserved" (below) and "reserved-high" (above 256 MiB); other
 * backends one context, with the options "BACKEND-high" when given (vfio: an iova_base just
 * below 256 MiB, so that the second chunk lands above it). */
#define MAXBUF 128

static plbuf_buf *covering(plbuf_buf **v, int n, uint64_t addr, uint64_t len)
{
	for (int i = 0; i < n; i++) {
		uint64_t d = plbuf_device_address(v[i]);
		if (addr >= d && addr + len <= d + plbuf_nbytes(v[i]))
			return v[i];
	}
	return NULL;
}

int mask_high(const char *backend, const char *casename)
{
	const uint64_t bsize = 2u << 20; /* a hugepage each, so that each lands somewhere new */
	const uint32_t len = EDU_MAX_XFER;
	int ret = 1, n = 0, low_done = 0;
	plbuf_buf *v[MAXBUF] = {0}, *hi = NULL, *lo = NULL, *b = NULL;
	int sep = strcmp(backend, "reserved") == 0, kfd = -1;
	char hname[48];
	snprintf(hname, sizeof hname, "%s-high", backend);
	plbuf_ctx *lctx = open_ctx(backend, sep || !has_opt(hname) ? backend : hname);
	plbuf_ctx *hctx = sep ? open_ctx(backend, hname) : lctx;
	if (!lctx || !hctx)
		goto out;
	/* the destination first: it must get the room below the mask */
	b = alloc_bytes(lctx, len, EDU_MASK28);
	if (!b)
		goto out;
	while (n < MAXBUF - 1 && !lo && !(hi && is_iommu(backend))) {
		plbuf_buf *x = alloc_bytes(hctx, bsize, 0);
		if (x)
			v[n++] = x;
		if (sep && !low_done) {
			plbuf_buf *y = alloc_bytes(lctx, bsize, EDU_MASK28);
			if (y)
				v[n++] = y;
			low_done = !y;
		}
		if (!x)
			break;
		for (int i = 0; i < n && !lo; i++) {
			uint64_t d = plbuf_device_address(v[i]);
			if (d <= EDU_MASK28)
				continue;
			hi = v[i];
			lo = covering(v, n, d & EDU_MASK28, len);
		}
	}
	if (!hi) {
		fail("no buffer above 256 MiB after %d allocations of 2 MiB (%s)", n,
		     why[0] ? why : "all below");
		goto out;
	}
	why[0] = 0;
	uint64_t src = plbuf_device_address(hi), trunc = src & EDU_MASK28;
	check_addresses(backend, hi, "source (above 256 MiB)");
	if (lo)
		check_addresses(backend, lo, "buffer at the truncated address");
	check_addresses(backend, b, "destination (below 256 MiB)");
	why[0] = 0;
	unsigned char *ph = plbuf_data(hi), *pb = plbuf_data(b), *decoy = NULL;
	fill_pattern(ph, len);
	if (lo) {
		decoy = (unsigned char *)plbuf_data(lo) + (trunc - plbuf_device_address(lo));
		fill_pattern(decoy, len);
		plbuf_flush(lo);
	}
	memset(pb, FILL, len);
	plbuf_flush(hi);
	plbuf_flush(b);
	printf("CLAMP %s %#.16llx %#.16llx\n", casename, (unsigned long long)src,
	       (unsigned long long)trunc);
	kfd = edu_kmsg_open();
	if (xfer(src, plbuf_device_address(b), len))
		goto out;
	plbuf_invalidate(b);
	if (memcmp(ph, pb, len) == 0) {
		fail("edu read the buffer above 256 MiB despite its 28-bit mask");
		goto out;
	}
	if (decoy) {
		uint64_t m = first_mismatch(decoy, pb, len);
		if (m != len) {
			fail("byte %llu is %#x, not the decoy's %#x at the truncated address %#llx",
			     (unsigned long long)m, pb[m], decoy[m], (unsigned long long)trunc);
			goto out;
		}
		printf("  edu read %#llx instead of %#llx: exactly the decoy placed there\n",
		       (unsigned long long)trunc, (unsigned long long)src);
	} else if (is_iommu(backend)) {
		if (expect_dmar_fault(kfd, trunc))
			goto out;
		printf("  edu reached for IOVA %#llx instead of %#llx, which the IOMMU blocked\n",
		       (unsigned long long)trunc, (unsigned long long)src);
	} else {
		printf("  edu read %#llx instead of %#llx (none of the %d buffers is there)\n",
		       (unsigned long long)trunc, (unsigned long long)src, n);
	}
	ret = 0;
out:
	if (kfd >= 0)
		close(kfd);
	for (int i = 0; i < n; i++)
		plbuf_free(v[i]);
	plbuf_free(b);
	if (hctx && hctx != lctx)
		close_ctx(hctx);
	close_ctx(lctx);
	return ret;
}

/* No memory below the limit: plbuf must refuse with ERANGE rather than hand out memory the
 * device cannot reach.  Hugepages are 2 MiB-aligned and the kernel keeps the first MiB, so none
 * lies below 2 MiB; for the others the options "BACKEND-erange" leave nothing below 256 MiB
 * (a region above it; an iova_base above it). */
int mask_erange(const char *backend)
{
	int hp = strcmp(backend, "hugepage") == 0;
	uint64_t limit = hp ? 0x1fffff : EDU_MASK28;
	char ename[48];
	snprintf(ename, sizeof ename, "%s-erange", backend);
	plbuf_ctx *ctx = open_ctx(backend, has_opt(ename) ? ename : backend);
	if (!ctx)
		return 1;
	int64_t shape[1] = {EDU_MAX_XFER};
	struct plbuf_alloc_opts o = {0};
	o.max_device_address = limit;
	errno = 0;
	plbuf_buf *b = plbuf_allocate(ctx, 1, shape, "u1", &o);
	int err = errno, ret = 0;
	if (b)
		ret = fail("allocated at %#llx despite max_device_address %#llx",
			   (unsigned long long)plbuf_device_address(b), (unsigned long long)limit);
	else if (err != ERANGE)
		ret = fail("failed with %s, expected ERANGE: %s", strerror(err), plbuf_errmsg());
	else
		printf("  refused with ERANGE: %s\n", plbuf_errmsg());
	plbuf_free(b);
	close_ctx(ctx);
	return ret;
}

/* The harness itself, without plbuf: edu copies one page of a memmap= region to the next,
 * through /dev/mem.  When this fails the harness is broken, not plbuf. */
int devmem_case(void)
{
	if (!devmem_size)
		return fail("no --devmem region given");
	int fd = open("/dev/mem", O_RDWR | O_SYNC | O_CLOEXEC);
	if (fd < 0)
		return fail("open /dev/mem: %s", strerror(errno));
	unsigned char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
				(off_t)devmem_base);
	close(fd);
	if (p == MAP_FAILED)
		return fail("mmap /dev/mem at %#llx: %s", (unsigned long long)devmem_base,
			    strerror(errno));
	fill_pattern(p, EDU_MAX_XFER);
	memset(p + 4096, FILL, EDU_MAX_XFER);
	int ret = xfer(devmem_base, devmem_base + 4096, EDU_MAX_XFER);
	if (!ret && memcmp(p, p + 4096, EDU_MAX_XFER) != 0)
		ret = fail("the copy differs at byte %llu",
			   (unsigned long long)first_mismatch(p, p + 4096, EDU_MAX_XFER));
	munmap(p, 8192);
	return ret;
}
