/*
 * edu_dma.c - the guest half of tests/qemu: proves plbuf's device addresses by having QEMU's edu
 * device DMA through them.  Runs as root inside the test VM (started by tests/qemu/init).
 *
 *   edu_dma [--opt NAME=OPTIONS]... [--devmem BASE:SIZE] [--udmabuf-iommu] CASE...
 *   edu_dma --exit CODE     (ends the VM: QEMU exits with (CODE << 1) | 1)
 *
 * --opt gives plbuf_open() options ("@BDF@" is replaced by edu's address) for NAME: a backend,
 * or BACKEND-mask / BACKEND-high / BACKEND-erange for the contexts of the mask cases (run_case(),
 * cases.c).  Each CASE
 * prints "RESULT pass|fail|skip CASE [why]"; the exit status is 0 when every case passed.
 *
 * --udmabuf-iommu: the u-dma-buf buffers are bound behind the IOMMU (device address = IOVA).
 * CASE is "devmem", udmabuf[-KIND][@LABEL] (cases_udmabuf.c) or [mask-]BACKEND[-KIND]: run_case()
 * lists the kinds, cases.c holds them and
 * docs/qemu-proof.md says what each proves.  Patterns differ per case, so a stale copy of an
 * earlier case's data can never pass a check.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "cases.h"

#define MAXOPT 8

struct opt {
	char name[32];
	char val[256];
};

struct edu edu;
static struct opt opts[MAXOPT];
static int nopts;
uint64_t devmem_base, devmem_size;
static uint32_t seed;
char why[512];

/* Records why a case failed (the first reason wins) and returns 1. */
int fail(const char *fmt, ...)
{
	if (!why[0]) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(why, sizeof why, fmt, ap);
		va_end(ap);
	}
	return 1;
}

static const char *opt_for(const char *name)
{
	for (int i = 0; i < nopts; i++)
		if (strcmp(opts[i].name, name) == 0)
			return opts[i].val;
	return "";
}

int has_opt(const char *name)
{
	for (int i = 0; i < nopts; i++)
		if (strcmp(opts[i].name, name) == 0)
			return 1;
	return 0;
}

plbuf_ctx *open_ctx(const char *backend, const char *optname)
{
	char o[512], *at;

	snprintf(o, sizeof o, "%s", opt_for(optname));
	at = strstr(o, "@BDF@");
	if (at) {
		char rest[512];
		snprintf(rest, sizeof rest, "%s", at + 5);
		snprintf(at, sizeof o - (size_t)(at - o), "%s%s", edu.bdf, rest);
	}
	plbuf_ctx *ctx = plbuf_open(backend, o[0] ? o : NULL);
	if (!ctx) {
		fail("plbuf_open(\"%s\", \"%s\"): %s", backend, o, plbuf_errmsg());
		return NULL;
	}
	printf("  opened %s (%s)\n", backend, o);
	/* The vfio context holds the device: drive edu through the fd plbuf lends, as a user of
	 * the vfio backend would.  vfio-pci reset the device when plbuf opened it, so enable it
	 * again either way. */
	if (strcmp(backend, "vfio") == 0 && edu_use_vfio(&edu, plbuf_vfio_device_fd(ctx)) < 0) {
		fail("cannot reach edu through plbuf_vfio_device_fd()");
		close_ctx(ctx);
		return NULL;
	}
	if (edu_command(&edu, 1, 1) < 0) {
		fail("cannot set edu's command register");
		close_ctx(ctx);
		return NULL;
	}
	return ctx;
}

void close_ctx(plbuf_ctx *ctx)
{
	if (ctx && strcmp(plbuf_ctx_backend(ctx), "vfio") == 0)
		edu_use_sysfs(&edu);
	plbuf_close(ctx);
}

plbuf_buf *alloc_bytes(plbuf_ctx *ctx, uint64_t n, uint64_t max_dev)
{
	int64_t shape[1] = {(int64_t)n};
	struct plbuf_alloc_opts o = {0};

	o.max_device_address = max_dev;
	plbuf_buf *b = plbuf_allocate(ctx, 1, shape, "u1", &o);
	if (!b)
		fail("plbuf_allocate(%llu bytes, max_device_address %#llx): %s", (unsigned long long)n,
		     (unsigned long long)max_dev, plbuf_errmsg());
	return b;
}

static uint32_t next_rand(void)
{
	seed ^= seed << 13;
	seed ^= seed >> 17;
	seed ^= seed << 5;
	return seed;
}

void fill_pattern(unsigned char *p, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		p[i] = (unsigned char)(next_rand() >> 11);
	/* never the fill byte at the edges, so a lost first/last byte shows */
	if (n && p[0] == FILL)
		p[0] ^= 1;
	if (n && p[n - 1] == FILL)
		p[n - 1] ^= 1;
}

int is_iommu(const char *backend)
{
	return strcmp(backend, "vfio") == 0 || (strcmp(backend, "udmabuf") == 0 && udmabuf_iommu);
}

/* Prints a buffer's addresses and checks them against the page tables: without an IOMMU the
 * device address is the physical address the CPU's mapping really points at. */
int check_addresses(const char *backend, plbuf_buf *b, const char *label)
{
	uint64_t dev = plbuf_device_address(b), phys = plbuf_physical_address(b);
	uint64_t pm = edu_pagemap_phys(plbuf_data(b));

	char pms[24] = "-";
	if (pm != UINT64_MAX)
		snprintf(pms, sizeof pms, "%#llx", (unsigned long long)pm);
	printf("  %s: %llu bytes, device %#llx, physical %#llx, pagemap %s\n", label,
	       (unsigned long long)plbuf_nbytes(b), (unsigned long long)dev,
	       (unsigned long long)phys, pms);
	if (is_iommu(backend)) {
		/* behind an IOMMU the pages need not be physically consecutive: say whether they are */
		uint64_t n = plbuf_nbytes(b);
		uint64_t pml = edu_pagemap_phys((char *)plbuf_data(b) + n - 1);
		if (n > 4096 && pm != UINT64_MAX)
			printf("  %s: last byte at physical %#llx: pages %s\n", label,
			       (unsigned long long)pml,
			       pml == pm + n - 1 ? "physically consecutive" : "scattered");
		return 0;
	}
	if (dev != phys)
		return fail("%s: device address %#llx != physical address %#llx", label,
			    (unsigned long long)dev, (unsigned long long)phys);
	/* /dev/mem mappings are PFN maps, which pagemap shows as holes, and so are u-dma-buf's
	 * (remap_pfn_range() without an IOMMU) and zocl's BOs: there the DMA is the only witness */
	if (pm == UINT64_MAX && (strcmp(backend, "reserved") == 0 || strcmp(backend, "udmabuf") == 0 ||
				 strcmp(backend, "zocl") == 0))
		return 0;
	if (pm != phys)
		return fail("%s: physical address %#llx, but the page tables map it at %#llx", label,
			    (unsigned long long)phys, (unsigned long long)pm);
	/* the last byte too: a multi-page buffer must be physically contiguous */
	uint64_t n = plbuf_nbytes(b);
	uint64_t pml = edu_pagemap_phys((char *)plbuf_data(b) + n - 1);
	if (pml != phys + n - 1)
		return fail("%s: last byte is at physical %#llx, expected %#llx (not contiguous)",
			    label, (unsigned long long)pml, (unsigned long long)(phys + n - 1));
	return 0;
}

/* src -> edu -> dst, len bytes. */
int xfer(uint64_t src, uint64_t dst, uint32_t len)
{
	if (edu_dma(&edu, src, 0, len, 1) < 0 || edu_dma(&edu, dst, 0, len, 0) < 0)
		return fail("edu's DMA engine did not finish");
	return 0;
}

uint64_t first_mismatch(const unsigned char *a, const unsigned char *b, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return i;
	return n;
}

uint64_t count_equal(const unsigned char *a, const unsigned char *b, uint64_t n)
{
	uint64_t k = 0;

	for (uint64_t i = 0; i < n; i++)
		k += a[i] == b[i];
	return k;
}

/* The arm64 guest's own cases (tests/qemu/cases_arm64.c), when linked in: returns 1 and sets
 * *result when it knows the case.  Weak, so the x86 program links without that file. */
int extra_case(const char *name, int *result) __attribute__((weak));

static int run_case(const char *name)
{
	const char *p = name;
	int mask = strncmp(p, "mask-", 5) == 0, extra;
	char backend[32];

	if (extra_case && extra_case(name, &extra))
		return extra;

	if (mask)
		p += 5;
	if (strcmp(p, "devmem") == 0)
		return devmem_case();
	if (strncmp(p, "udmabuf", 7) == 0 && !mask)
		return udmabuf_case(p);
	size_t bl = strcspn(p, "-");
	snprintf(backend, sizeof backend, "%.*s", (int)bl, p);
	const char *kind = p[bl] ? p + bl + 1 : "";
	if (strcmp(backend, "hugepage") && strcmp(backend, "reserved") && strcmp(backend, "vfio") &&
	    strcmp(backend, "zocl"))
		return fail("unknown backend in case name");
	if (mask && strcmp(kind, "high") == 0)
		return mask_high(backend, name);
	if (mask && strcmp(kind, "erange") == 0)
		return mask_erange(backend);

	/* the mask round trip may have options of its own ("BACKEND-mask") */
	char mname[48];
	snprintf(mname, sizeof mname, "%s-mask", backend);
	plbuf_ctx *ctx = open_ctx(backend, mask && has_opt(mname) ? mname : backend);
	int ret;
	if (!ctx)
		return 1;
	if (!kind[0])
		ret = roundtrip(ctx, backend, EDU_MAX_XFER, mask ? EDU_MASK28 : 0);
	else if (mask)
		ret = fail("unknown case");
	else if (strcmp(kind, "span") == 0)
		ret = roundtrip(ctx, backend, 3u << 20, 0);
	else if (strcmp(kind, "wrong-address") == 0)
		ret = negative(ctx, backend, NEG_PAGE_OFF);
	else if (strcmp(kind, "busmaster-off") == 0)
		ret = negative(ctx, backend, NEG_NO_MASTER);
	else if (strcmp(kind, "physical-address") == 0)
		ret = negative(ctx, backend, NEG_PHYSICAL);
	else if (strcmp(kind, "unmapped-iova") == 0)
		ret = negative(ctx, backend, NEG_UNMAPPED);
	else
		ret = fail("unknown case");
	close_ctx(ctx);
	return ret;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
	int i = 1, failed = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && strcmp(argv[1], "--exit") == 0) {
		edu_debug_exit((unsigned)strtoul(argv[2], NULL, 0));
		fprintf(stderr, "edu_dma: no isa-debug-exit port at 0xf4\n");
		return 1;
	}
	for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		if (strcmp(argv[i], "--opt") == 0 && i + 1 < argc && nopts < MAXOPT) {
			const char *eq = strchr(argv[++i], '=');
			if (!eq)
				continue;
			snprintf(opts[nopts].name, sizeof opts[nopts].name, "%.*s",
				 (int)(eq - argv[i]), argv[i]);
			snprintf(opts[nopts].val, sizeof opts[nopts].val, "%s", eq + 1);
			nopts++;
		} else if (strcmp(argv[i], "--udmabuf-iommu") == 0) {
			udmabuf_iommu = 1;
		} else if (strcmp(argv[i], "--devmem") == 0 && i + 1 < argc) {
			char *end;
			devmem_base = strtoull(argv[++i], &end, 0);
			devmem_size = *end == ':' ? strtoull(end + 1, NULL, 0) : 0;
		} else {
			fprintf(stderr, "usage: edu_dma [--opt NAME=OPTIONS]... [--devmem BASE:SIZE] CASE...\n");
			return 2;
		}
	}
	if (edu_open(&edu, 0) < 0) {
		for (; i < argc; i++)
			printf("RESULT fail %s edu device not usable\n", argv[i]);
		return 1;
	}
	printf("edu at %s\n", edu.bdf);
	for (; i < argc; i++) {
		const char *name = argv[i];
		seed = 2166136261u;
		for (const char *c = name; *c; c++)
			seed = (seed ^ (unsigned char)*c) * 16777619u;
		seed |= 1;
		why[0] = 0;
		printf("case %s\n", name);
		double t0 = now();
		int r = run_case(name);
		printf("  (%.2f s)\n", now() - t0);
		if (r == 0) {
			printf("RESULT pass %s\n", name);
		} else {
			printf("RESULT fail %s %s\n", name, why[0] ? why : "(no reason recorded)");
			failed++;
		}
	}
	edu_close(&edu);
	return failed ? 1 : 0;
}
