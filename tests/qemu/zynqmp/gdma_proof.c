/*
 * gdma_proof.c - the guest half of tests/qemu/zynqmp.sh: proves plbuf's device addresses on QEMU's
 * ZynqMP board model (xlnx-zcu102) by having the SoC's own DMA engine, the GDMA, copy through them
 * (driver: gdma.c, on plbuf's register access).  Runs as root inside the test VM.
 *
 *   gdma_proof [--opt BACKEND=OPTIONS]... [--devmem BASE:SIZE] [--high BASE] [--range BASE:SIZE]
 *              CASE...
 *   gdma_proof --exit CODE     (ends the VM: QEMU exits with (CODE << 1) | 1)
 *
 * CASE, optionally prefixed "zynqmp-", is "devmem" (the harness alone: raw /dev/mem, no plbuf) or BACKEND[-KIND] with BACKEND one
 * of reserved, hugepage, zocl, udmabuf and KIND one of (none: the round trip), span, wrong-address,
 * views, max-address; and reserved-high, reserved-erange (the no-map region above 4 GiB given by
 * --high), udmabuf-high (a u-dma-buf buffer above 4 GiB; contexts --opt udmabuf-high= and
 * udmabuf-high-only=).  --opt gives plbuf_open() the options of a backend; --range is the memory the driver
 * says it allocates from (CMA from the kernel log, u-dma-buf's phys_addr and size), where every
 * buffer must lie.  Each case prints
 * "RESULT pass|fail|skip CASE [why]"; docs/qemu-proof.md says what each proves.  Every case has
 * its own pattern (a seed of its own), so data an earlier case left can never pass a check.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../edu.h" /* edu_debug_exit(): the exit status to the host */
#include "gdma.h"

#define FILL 0xa5u
#define MIB (1ull << 20)
#define GIB4 0x100000000ull
#define TIMEOUT_MS 5000

static struct gdma dma, dma32; /* the GDMA as it is (48 bits), and acting as a 32-bit master */
static char why[512];
static uint64_t seed = 1;
static uint64_t devmem_base, devmem_size, high_base;
static uint64_t range_base, range_size; /* --range: where the driver says its memory is */
static struct { char name[32], val[256]; } opts[8];
static int nopts;

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int fail(const char *fmt, ...)
{
	if (!why[0]) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(why, sizeof why, fmt, ap);
		va_end(ap);
	}
	return 1;
}

/* ------------------------------------------------------------------ data
 * Byte i of the pattern of seed s.  Buffers may be Device memory (/dev/mem of a no-map region:
 * aligned accesses only), so data is written and compared a byte at a time through volatile
 * pointers, never with memset/memcmp. */
static unsigned char pat(uint64_t s, uint64_t i)
{
	uint64_t z = s * 0x9e3779b97f4a7c15ull + (i >> 3) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	return (unsigned char)(z >> (8 * (i & 7)));
}

static void put_pattern(volatile unsigned char *p, uint64_t s, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		p[i] = pat(s, i);
}

static void put_fill(volatile unsigned char *p, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		p[i] = FILL;
}

/* p[0, n) holds pattern s from its byte `from` on; fail() names the first wrong byte. */
static int expect_pattern(const volatile unsigned char *p, uint64_t s, uint64_t from, uint64_t n,
			  const char *what)
{
	for (uint64_t i = 0; i < n; i++)
		if (p[i] != pat(s, from + i))
			return fail("%s: byte %llu is %#x, expected %#x", what, (unsigned long long)i,
				    p[i], pat(s, from + i));
	return 0;
}

static int expect_fill(const volatile unsigned char *p, uint64_t n, const char *what)
{
	for (uint64_t i = 0; i < n; i++)
		if (p[i] != FILL)
			return fail("%s: byte %llu is %#x, should be untouched (%#x)", what,
				    (unsigned long long)i, p[i], FILL);
	return 0;
}

/* ------------------------------------------------------------------ plbuf */
static const char *opt_for(const char *backend)
{
	for (int i = 0; i < nopts; i++)
		if (strcmp(opts[i].name, backend) == 0)
			return opts[i].val;
	return NULL;
}

static plbuf_ctx *open_ctx(const char *backend, const char *options)
{
	plbuf_ctx *ctx = plbuf_open(backend, options ? options : opt_for(backend));
	if (!ctx)
		fail("plbuf_open(%s, %s): %s", backend, options ? options : opt_for(backend),
		     plbuf_errmsg());
	return ctx;
}

static plbuf_buf *alloc(plbuf_ctx *ctx, uint64_t n, uint64_t max_dev, const char *bank)
{
	struct plbuf_alloc_opts o;
	memset(&o, 0, sizeof o);
	o.max_device_address = max_dev;
	o.bank = bank;
	int64_t shape = (int64_t)n;
	plbuf_buf *b = plbuf_allocate(ctx, 1, &shape, "u1", &o);
	if (!b)
		fail("plbuf_allocate(%llu bytes%s%s): %s", (unsigned long long)n,
		     bank ? ", bank " : "", bank ? bank : "", plbuf_errmsg());
	return b;
}

/* Without an IOMMU (none on this machine) device address == physical address, and where
 * pagemap shows the page (hugepage), it agrees. */
static int check_address(plbuf_buf *b, const char *label)
{
	uint64_t dev = plbuf_device_address(b), phys = plbuf_physical_address(b);
	uint64_t pm = edu_pagemap_phys(plbuf_data(b));
	printf("  %s: %llu bytes, device address %#llx, physical %#llx, pagemap %s%#llx, %s\n",
	       label, (unsigned long long)plbuf_nbytes(b), (unsigned long long)dev,
	       (unsigned long long)phys, pm == UINT64_MAX ? "hole " : "",
	       (unsigned long long)(pm == UINT64_MAX ? 0 : pm),
	       plbuf_cacheable(b) ? "cached" : "uncached");
	if (dev != phys)
		return fail("%s: device address %#llx != physical address %#llx", label,
			    (unsigned long long)dev, (unsigned long long)phys);
	if (pm != UINT64_MAX && pm != phys)
		return fail("%s: pagemap puts it at %#llx, plbuf at %#llx", label,
			    (unsigned long long)pm, (unsigned long long)phys);
	if (range_size && (dev < range_base || dev + plbuf_nbytes(b) > range_base + range_size))
		return fail("%s at %#llx is outside the driver's memory [%#llx, +%#llx)", label,
			    (unsigned long long)dev, (unsigned long long)range_base,
			    (unsigned long long)range_size);
	return 0;
}

/* src -> dst by the GDMA, len bytes. */
static int copy(struct gdma *g, uint64_t src, uint64_t dst, uint64_t len)
{
	printf("  GDMA%s %llu bytes: %#llx -> %#llx", g->addr_bits < 48 ? " (32-bit master)" : "",
	       (unsigned long long)len, (unsigned long long)src, (unsigned long long)dst);
	int r = gdma_copy(g, src, dst, (uint32_t)len, TIMEOUT_MS);
	printf(": ISR %#x, STATUS %u, TOTAL_BYTE %u\n", g->isr, g->status, g->total);
	if (r < 0)
		return fail("GDMA copy %#llx -> %#llx of %llu bytes: %s (ISR %#x)",
			    (unsigned long long)src, (unsigned long long)dst,
			    (unsigned long long)len, strerror(-r), g->isr);
	return 0;
}

static int flush(plbuf_buf *b)
{
	return plbuf_flush(b) < 0 ? fail("plbuf_flush: %s", plbuf_errmsg()) : 0;
}

static int invalidate(plbuf_buf *b)
{
	return plbuf_invalidate(b) < 0 ? fail("plbuf_invalidate: %s", plbuf_errmsg()) : 0;
}

/* ------------------------------------------------------------------ cases */

/* The harness alone: one page of the no-map region to the next through raw /dev/mem. */
static int devmem_case(void)
{
	if (!devmem_size)
		return fail("no --devmem region");
	int fd = open("/dev/mem", O_RDWR | O_SYNC);
	if (fd < 0)
		return fail("/dev/mem: %s", strerror(errno));
	volatile unsigned char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
					 (off_t)devmem_base);
	close(fd);
	if (p == MAP_FAILED)
		return fail("mmap /dev/mem at %#llx: %s", (unsigned long long)devmem_base,
			    strerror(errno));
	put_pattern(p, seed, 4096);
	put_fill(p + 4096, 4096);
	int r = copy(&dma, devmem_base, devmem_base + 4096, 4096) ||
		expect_pattern(p + 4096, seed, 0, 4096, "destination page");
	munmap((void *)p, 8192);
	return r;
}

/* Two buffers of size bytes; the GDMA copies all of the first to the second in one transfer
 * (so a gap in the device addresses of either, at a page or chunk boundary, would show), then
 * a piece across the first 2 MiB boundary back to the start; every byte is checked after
 * plbuf_invalidate. */
static int roundtrip(plbuf_ctx *ctx, uint64_t size, uint64_t max_dev, struct gdma *g)
{
	int ret = 1;
	plbuf_buf *a = alloc(ctx, size, max_dev, NULL), *b = alloc(ctx, size, max_dev, NULL);
	if (!a || !b || check_address(a, "source") || check_address(b, "destination"))
		goto out;
	uint64_t da = plbuf_device_address(a), db = plbuf_device_address(b);
	if (max_dev && (da + size - 1 > max_dev || db + size - 1 > max_dev)) {
		fail("buffers at %#llx and %#llx end above max_device_address %#llx",
		     (unsigned long long)da, (unsigned long long)db, (unsigned long long)max_dev);
		goto out;
	}
	volatile unsigned char *pa = plbuf_data(a), *pb = plbuf_data(b);
	put_pattern(pa, seed, size);
	put_fill(pb, size);
	if (flush(a) || flush(b) || copy(g, da, db, size) || invalidate(b) ||
	    expect_pattern(pb, seed, 0, size, "destination"))
		goto out;
	printf("  all %llu bytes arrived\n", (unsigned long long)size);
	/* the other way, across the 2 MiB boundary of the destination when the buffer has one */
	uint64_t bound = ((db | 0x1fffff) + 1) - db, off = 0, len = size;
	if (bound < size) {
		off = bound > 4096 ? bound - 4096 : 0;
		len = (off + 8192 <= size ? 8192 : size - off);
	}
	put_pattern(pb + off, seed + 1000, len);
	put_fill(pa, size);
	if (flush(a) || flush(b) || copy(g, db + off, da + off, len) || invalidate(a) ||
	    expect_fill(pa, off, "source before the piece") ||
	    expect_pattern(pa + off, seed + 1000, 0, len, "piece copied back") ||
	    expect_fill(pa + off + len, size - off - len, "source after the piece"))
		goto out;
	printf("  and %llu bytes back at offset %llu, all %llu bytes checked\n",
	       (unsigned long long)len, (unsigned long long)off, (unsigned long long)size);
	ret = 0;
out:
	plbuf_free(a);
	plbuf_free(b);
	return ret;
}

/* One page off: the source holds the pattern in its first page and a decoy in its second; the
 * GDMA given address + 4096 must deliver exactly the decoy. */
static int wrong_address(plbuf_ctx *ctx)
{
	int ret = 1;
	plbuf_buf *a = alloc(ctx, 8192, 0, NULL), *b = alloc(ctx, 4096, 0, NULL);
	if (!a || !b)
		goto out;
	volatile unsigned char *pa = plbuf_data(a), *pb = plbuf_data(b);
	put_pattern(pa, seed, 4096);
	put_pattern(pa + 4096, seed + 500, 4096);
	put_fill(pb, 4096);
	if (flush(a) || flush(b) || copy(&dma, plbuf_device_address(a) + 4096,
					 plbuf_device_address(b), 4096) || invalidate(b))
		goto out;
	if (pb[0] == pat(seed, 0) && pb[1] == pat(seed, 1) && pb[2] == pat(seed, 2)) {
		fail("the destination holds the pattern: the GDMA did not read the address given");
		goto out;
	}
	if (expect_pattern(pb, seed + 500, 0, 4096, "destination (the decoy expected)"))
		goto out;
	printf("  one page off: exactly the decoy arrived\n");
	ret = 0;
out:
	plbuf_free(a);
	plbuf_free(b);
	return ret;
}

/* Views: a slice's device address is its first element's; the GDMA copies a 1-D slice at an
 * odd offset into a slice of another buffer, and rows of a 2-D view, and nothing else moves. */
static int views(plbuf_ctx *ctx)
{
	int ret = 1;
	const uint64_t n = 65536;
	plbuf_buf *a = alloc(ctx, n, 0, NULL), *b = alloc(ctx, n, 0, NULL);
	plbuf_buf *va = NULL, *vb = NULL, *m = NULL, *rows = NULL;
	if (!a || !b)
		goto out;
	volatile unsigned char *pa = plbuf_data(a), *pb = plbuf_data(b);
	put_pattern(pa, seed, n);
	put_fill(pb, n);
	va = plbuf_view(a, "5001:9001");
	vb = plbuf_view(b, "20003:24003");
	if (!va || !vb) {
		fail("plbuf_view: %s", plbuf_errmsg());
		goto out;
	}
	uint64_t da = plbuf_device_address(va), db = plbuf_device_address(vb);
	printf("  view [5001:9001] of %#llx at %#llx, [20003:24003] of %#llx at %#llx\n",
	       (unsigned long long)plbuf_device_address(a), (unsigned long long)da,
	       (unsigned long long)plbuf_device_address(b), (unsigned long long)db);
	if (da != plbuf_device_address(a) + 5001 || db != plbuf_device_address(b) + 20003) {
		fail("a view's device address is not its buffer's plus the offset");
		goto out;
	}
	if (flush(va) || flush(vb) || copy(&dma, da, db, 4000) || invalidate(vb) ||
	    invalidate(b) || expect_fill(pb, 20003, "before the view") ||
	    expect_pattern(pb + 20003, seed, 5001, 4000, "the view") ||
	    expect_fill(pb + 24003, n - 24003, "after the view"))
		goto out;
	/* rows 10..13 of a (64, 1024) reshape of b, to rows 40..43 of the same */
	int64_t shape[2] = {64, 1024};
	m = plbuf_reshape(b, 2, shape, 'C');
	rows = m ? plbuf_view(m, "10:14") : NULL;
	plbuf_buf *dst = rows ? plbuf_view(m, "40:44") : NULL;
	if (!dst) {
		fail("plbuf_reshape/plbuf_view (rows): %s", plbuf_errmsg());
		goto out;
	}
	put_pattern(pb + 10 * 1024, seed + 7, 4096);
	put_fill(pb + 40 * 1024, 4096);
	int r = flush(rows) || flush(dst) ||
		(plbuf_device_address(rows) != plbuf_device_address(b) + 10240 &&
		 fail("rows 10: device address %#llx", (unsigned long long)plbuf_device_address(rows))) ||
		copy(&dma, plbuf_device_address(rows), plbuf_device_address(dst), 4096) ||
		invalidate(dst) || expect_pattern(pb + 40 * 1024, seed + 7, 0, 4096, "rows 40..43") ||
		expect_pattern(pb + 10 * 1024, seed + 7, 0, 4096, "rows 10..13 (the source)");
	plbuf_free(dst);
	if (r)
		goto out;
	printf("  a 1-D slice at odd offsets and 2-D rows copied by their views' addresses\n");
	ret = 0;
out:
	plbuf_free(rows);
	plbuf_free(m);
	plbuf_free(va);
	plbuf_free(vb);
	plbuf_free(a);
	plbuf_free(b);
	return ret;
}

/* A 32-bit master: with max_device_address = 4 GiB - 1, every buffer (eight of 1 MiB, and two
 * of span size) lies below 4 GiB, and the GDMA limited to 32 address bits round-trips through
 * them. */
static int max_address(plbuf_ctx *ctx, uint64_t size)
{
	int ret = 1;
	plbuf_buf *bs[8] = {0};
	uint64_t lo = UINT64_MAX, hi = 0;
	for (int i = 0; i < 8; i++) {
		if (!(bs[i] = alloc(ctx, MIB, GIB4 - 1, NULL)))
			goto out;
		uint64_t d = plbuf_device_address(bs[i]);
		lo = d < lo ? d : lo;
		hi = d + MIB - 1 > hi ? d + MIB - 1 : hi;
	}
	printf("  8 buffers of 1 MiB between %#llx and %#llx\n", (unsigned long long)lo,
	       (unsigned long long)hi);
	if (hi >= GIB4) {
		fail("a buffer ends at %#llx, above max_device_address", (unsigned long long)hi);
		goto out;
	}
	ret = roundtrip(ctx, size, GIB4 - 1, &dma32);
out:
	for (int i = 0; i < 8; i++)
		plbuf_free(bs[i]);
	return ret;
}

/* A buffer in the region above 4 GiB, without the limit: the GDMA at full width reads the
 * pattern; as a 32-bit master, given the same address, it reads what lies at address mod 4 GiB:
 * a decoy placed there (in the low region).  What max_device_address protects against. */
static int reserved_high(plbuf_ctx *ctx)
{
	int ret = 1;
	plbuf_buf *h = alloc(ctx, 4096, 0, "high"), *l = alloc(ctx, 8192, 0, "low");
	if (!h || !l || check_address(h, "high buffer"))
		goto out;
	uint64_t dh = plbuf_device_address(h), dl = plbuf_device_address(l);
	uint64_t trunc = dh & (GIB4 - 1);
	if (dh < GIB4 || trunc < dl || trunc + 4096 > dl + 8192) {
		fail("the high buffer at %#llx does not alias the low one at %#llx", (unsigned long long)dh,
		     (unsigned long long)dl);
		goto out;
	}
	volatile unsigned char *ph = plbuf_data(h), *pl = plbuf_data(l);
	put_pattern(ph, seed, 4096);
	put_pattern(pl + (trunc - dl), seed + 500, 4096); /* the decoy at the truncated address */
	put_fill(pl + (trunc == dl ? 4096 : 0), 4096);
	uint64_t dst = dl + (trunc == dl ? 4096 : 0);
	volatile unsigned char *pd = pl + (trunc == dl ? 4096 : 0);
	if (flush(h) || flush(l) || copy(&dma32, dh, dst, 4096) || invalidate(l) ||
	    expect_pattern(pd, seed + 500, 0, 4096, "32-bit master: the decoy expected"))
		goto out;
	printf("  32-bit master given %#llx read %#llx: exactly the decoy\n", (unsigned long long)dh,
	       (unsigned long long)trunc);
	put_fill(pd, 4096);
	if (flush(l) || copy(&dma, dh, dst, 4096) || invalidate(l) ||
	    expect_pattern(pd, seed, 0, 4096, "full-width GDMA: the pattern expected"))
		goto out;
	printf("  the full-width GDMA given the same address read the pattern\n");
	ret = 0;
out:
	plbuf_free(h);
	plbuf_free(l);
	return ret;
}

/* A context whose only region lies above 4 GiB refuses max_device_address = 4 GiB - 1. */
static int reserved_erange(void)
{
	char o[128];
	snprintf(o, sizeof o, "regions=high@%#llx:16M", (unsigned long long)high_base);
	plbuf_ctx *ctx = open_ctx("reserved", o);
	if (!ctx)
		return 1;
	struct plbuf_alloc_opts ao;
	memset(&ao, 0, sizeof ao);
	ao.max_device_address = GIB4 - 1;
	int64_t shape = 4096;
	plbuf_buf *b = plbuf_allocate(ctx, 1, &shape, "u1", &ao);
	int err = errno;
	int r = 0;
	if (b)
		r = fail("allocated at %#llx", (unsigned long long)plbuf_device_address(b));
	else if (err != ERANGE)
		r = fail("failed with %s, not ERANGE: %s", strerror(err), plbuf_errmsg());
	else
		printf("  refused with ERANGE: %s\n", plbuf_errmsg());
	plbuf_free(b);
	plbuf_close(ctx);
	return r;
}

/* u-dma-buf with a second buffer above 4 GiB (a device-tree node whose memory-region is a pool
 * there): a buffer from that bank lies where the driver put it, above 4 GiB, and the GDMA moves
 * its data; with max_device_address below 4 GiB plbuf takes the low bank instead, and a context
 * with only the high bank refuses (ERANGE). */
static int udmabuf_high(void)
{
	const char *sys = "/sys/class/u-dma-buf/udmabuf-high/";
	char path[128], line[64];
	uint64_t hb = 0, hs = 0;
	for (int k = 0; k < 2; k++) {
		snprintf(path, sizeof path, "%s%s", sys, k ? "size" : "phys_addr");
		FILE *f = fopen(path, "r");
		if (!f || !fgets(line, sizeof line, f)) {
			if (f)
				fclose(f);
			return fail("cannot read %s", path);
		}
		fclose(f);
		*(k ? &hs : &hb) = strtoull(line, NULL, 0);
	}
	printf("  udmabuf-high: %llu bytes at %#llx (the driver's word)\n", (unsigned long long)hs,
	       (unsigned long long)hb);
	if (hb < GIB4)
		return fail("the driver put udmabuf-high at %#llx, below 4 GiB", (unsigned long long)hb);
	plbuf_ctx *ctx = open_ctx("udmabuf", opt_for("udmabuf-high"));
	if (!ctx)
		return 1;
	int ret = 1;
	plbuf_buf *h = alloc(ctx, MIB, 0, "udmabuf-high"), *l = alloc(ctx, MIB, GIB4 - 1, NULL);
	if (!h || !l || check_address(l, "with max_device_address 0xffffffff"))
		goto out;
	uint64_t dh = plbuf_device_address(h), dl = plbuf_device_address(l);
	printf("  bank udmabuf-high: device address %#llx, physical %#llx\n", (unsigned long long)dh,
	       (unsigned long long)plbuf_physical_address(h));
	if (dh < hb || dh + MIB > hb + hs || plbuf_physical_address(h) != dh) {
		fail("the udmabuf-high buffer at %#llx is not inside the driver's [%#llx, +%#llx)",
		     (unsigned long long)dh, (unsigned long long)hb, (unsigned long long)hs);
		goto out;
	}
	if (strcmp(plbuf_bank(l), "udmabuf0") != 0) {
		fail("with the limit plbuf took bank %s", plbuf_bank(l));
		goto out;
	}
	volatile unsigned char *ph = plbuf_data(h), *pl = plbuf_data(l);
	put_pattern(ph, seed, MIB);
	put_fill(pl, MIB);
	if (flush(h) || flush(l) || copy(&dma, dh, dl, MIB) || invalidate(l) ||
	    expect_pattern(pl, seed, 0, MIB, "low buffer, copied from the high one"))
		goto out;
	put_fill(pl, 4096);
	if (flush(l) || copy(&dma32, dh, dl, 4096) || invalidate(l))
		goto out;
	if (pl[0] == pat(seed, 0) && pl[1] == pat(seed, 1) && pl[2] == pat(seed, 2) &&
	    pl[3] == pat(seed, 3)) {
		fail("the 32-bit master reached the high buffer");
		goto out;
	}
	printf("  the full-width GDMA moved all 1 MiB from above 4 GiB; the 32-bit master given the "
	       "same address did not get it\n");
	ret = 0;
out:
	plbuf_free(h);
	plbuf_free(l);
	plbuf_close(ctx);
	if (ret)
		return ret;
	ctx = open_ctx("udmabuf", opt_for("udmabuf-high-only"));
	if (!ctx)
		return 1;
	struct plbuf_alloc_opts ao;
	memset(&ao, 0, sizeof ao);
	ao.max_device_address = GIB4 - 1;
	int64_t shape = 4096;
	plbuf_buf *b = plbuf_allocate(ctx, 1, &shape, "u1", &ao);
	int err = errno;
	if (b)
		ret = fail("only udmabuf-high, and yet allocated at %#llx",
			   (unsigned long long)plbuf_device_address(b));
	else if (err != ERANGE)
		ret = fail("only udmabuf-high: %s, not ERANGE: %s", strerror(err), plbuf_errmsg());
	else
		printf("  only udmabuf-high: refused with ERANGE: %s\n", plbuf_errmsg());
	plbuf_free(b);
	plbuf_close(ctx);
	return ret;
}

static const char *const backends[] = {"reserved", "hugepage", "zocl", "udmabuf"};

static int run_case(const char *c)
{
	if (strncmp(c, "zynqmp-", 7) == 0) /* the host names them so, beside the other boots' cases */
		c += 7;
	if (strcmp(c, "devmem") == 0)
		return devmem_case();
	if (strcmp(c, "reserved-erange") == 0)
		return reserved_erange();
	for (size_t i = 0; i < sizeof backends / sizeof *backends; i++) {
		size_t l = strlen(backends[i]);
		if (strncmp(c, backends[i], l) || (c[l] && c[l] != '-'))
			continue;
		const char *kind = c[l] ? c + l + 1 : "";
		/* spans: two hugepages / zocl and u-dma-buf buffers above 4 MiB (CMA) */
		uint64_t span = strcmp(backends[i], "udmabuf") == 0 ? 6 * MIB : 3 * MIB;
		plbuf_ctx *ctx = open_ctx(backends[i], NULL);
		if (!ctx)
			return 1;
		int r;
		if (!*kind)
			r = roundtrip(ctx, 65536, 0, &dma);
		else if (strcmp(kind, "span") == 0)
			r = roundtrip(ctx, span, 0, &dma);
		else if (strcmp(kind, "wrong-address") == 0)
			r = wrong_address(ctx);
		else if (strcmp(kind, "views") == 0)
			r = views(ctx);
		else if (strcmp(kind, "max-address") == 0)
			r = max_address(ctx, span);
		else if (strcmp(kind, "high") == 0)
			r = strcmp(backends[i], "reserved") == 0 ? reserved_high(ctx) : udmabuf_high();
		else
			r = fail("unknown case");
		plbuf_close(ctx);
		return r;
	}
	return fail("unknown case");
}

int main(int argc, char **argv)
{
	int failed = 0, i;

	if (argc == 3 && strcmp(argv[1], "--exit") == 0) {
		edu_debug_exit((unsigned)strtoul(argv[2], NULL, 0));
		fprintf(stderr, "gdma_proof: semihosting exit did not end the VM\n");
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 1; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		if (strcmp(argv[i], "--opt") == 0 && i + 1 < argc && nopts < 8) {
			const char *v = argv[++i], *eq = strchr(v, '=');
			if (!eq)
				continue;
			snprintf(opts[nopts].name, sizeof opts[nopts].name, "%.*s", (int)(eq - v), v);
			snprintf(opts[nopts].val, sizeof opts[nopts].val, "%s", eq + 1);
			nopts++;
		} else if (strcmp(argv[i], "--devmem") == 0 && i + 1 < argc) {
			char *end;
			devmem_base = strtoull(argv[++i], &end, 0);
			devmem_size = *end == ':' ? strtoull(end + 1, &end, 0) : 0;
			devmem_size <<= *end == 'M' ? 20 : 0;
		} else if (strcmp(argv[i], "--range") == 0 && i + 1 < argc) {
			char *end;
			range_base = strtoull(argv[++i], &end, 0);
			range_size = *end == ':' ? strtoull(end + 1, &end, 0) : 0;
			range_size <<= *end == 'M' ? 20 : 0;
			printf("gdma_proof: the driver's memory: %#llx, %llu bytes\n",
			       (unsigned long long)range_base, (unsigned long long)range_size);
		} else if (strcmp(argv[i], "--high") == 0 && i + 1 < argc) {
			high_base = strtoull(argv[++i], NULL, 0);
		}
	}
	int r = gdma_open(&dma, 0);
	dma32.addr_bits = 32;
	if (r == 0)
		r = gdma_open(&dma32, 1);
	if (r < 0) {
		printf("gdma_proof: cannot open the GDMA's channels 0 and 1: %s\n", plbuf_errmsg());
		for (; i < argc; i++)
			printf("RESULT fail %s the GDMA's registers are out of reach\n", argv[i]);
		return 1;
	}
	for (; i < argc; i++) {
		why[0] = 0;
		seed = seed * 31 + (uint64_t)i * 977;
		printf("case %s\n", argv[i]);
		int f = run_case(argv[i]);
		printf("RESULT %s %s%s%s\n", f ? "fail" : "pass", argv[i], f ? " " : "", f ? why : "");
		failed |= f;
	}
	gdma_close(&dma);
	gdma_close(&dma32);
	return failed;
}
