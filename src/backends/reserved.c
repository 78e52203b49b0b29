/*
 * reserved - physical memory the kernel was told to leave alone (memmap= on x86, a reserved-memory
 * node in a device tree), sub-allocated by plbuf.  Each region is a fixed bank whose device
 * address is its physical address.
 *
 * Two ways in:
 *  - /dev/mem (regions=NAME@PHYS:SIZE,...): root only.  plbuf first checks /proc/iomem so that it
 *    never hands out memory the kernel owns.  Mapped cached (no O_SYNC) where the device snoops or
 *    when asked with cached=1, uncached (O_SYNC) otherwise.
 *  - a UIO map (uio=[NAME@]uioN[:M],...): the region a UIO driver exposes in
 *    /sys/class/uio/uioN/maps/mapM, mapped from /dev/uioN at offset M * page size.  The kernel
 *    maps UIO memory uncached, and the driver has vouched for the region, so no iomem check; a
 *    user the device node is given to needs no root.
 *
 * Options: regions=  uio=  cached=0|1  coherent=0|1; without regions= and uio=, the environment
 * variables PLBUF_RESERVED (regions) and PLBUF_RESERVED_UIO (uio).  See docs/backends/reserved.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "backend.h"
#include "os/physmem.h"
#include "os/sys.h"

#if defined(__x86_64__) || defined(__i386__)
#define RSV_COHERENT_DEFAULT 1 /* PCIe snoops the CPU caches */
#else
#define RSV_COHERENT_DEFAULT 0
#endif
#if defined(__aarch64__) || defined(__arm__)
#define RSV_UC_FLAGS PLBUF_CHUNK_DEVICE_MEM /* /dev/mem O_SYNC and UIO give Device memory */
#else
#define RSV_UC_FLAGS 0u
#endif

struct rregion {
	struct plbuf_region_spec spec;
	int uio, map;          /* -1 for /dev/mem */
	void *va, *va_uc;      /* mappings, NULL when absent */
};

struct reserved {
	int n;
	int cached, coherent;
	struct rregion r[PLBUF_MAX_BANKS];
};

/* The region list and the UIO list: options first, then the environment. */
static void specs(struct plbuf_kv *kv, const char **regions, const char **uio)
{
	*regions = kv ? plbuf__kv_get(kv, "regions") : NULL;
	*uio = kv ? plbuf__kv_get(kv, "uio") : NULL;
	if (!*regions && !*uio) {
		*regions = getenv("PLBUF_RESERVED");
		*uio = getenv("PLBUF_RESERVED_UIO");
		if (*regions && !**regions)
			*regions = NULL;
		if (*uio && !**uio)
			*uio = NULL;
	}
}

static int rsv_probe(char *why, size_t len)
{
	const char *regions, *uio;
	char path[4096];

	specs(NULL, &regions, &uio);
	if (!regions && !uio) {
		snprintf(why, len, "no region configured: set PLBUF_RESERVED=NAME@PHYS:SIZE (through "
			 "/dev/mem) or PLBUF_RESERVED_UIO=uioN[:M]");
		return -ENOENT;
	}
	if (regions && access(plbuf__path(path, sizeof(path), "/dev/mem"), R_OK | W_OK) != 0) {
		snprintf(why, len, "PLBUF_RESERVED is set but %s is not usable: %s (needs root and a "
			 "kernel with CONFIG_DEVMEM)", path, strerror(errno));
		return -errno;
	}
	if (uio && access(plbuf__path(path, sizeof(path), "/sys/class/uio"), F_OK) != 0) {
		snprintf(why, len, "PLBUF_RESERVED_UIO is set but %s is missing (no UIO driver loaded)",
			 path);
		return -ENOENT;
	}
	snprintf(why, len, "regions configured: %.100s%s%.100s", regions ? regions : "",
		 regions && uio ? ", " : "", uio ? uio : "");
	return 0;
}

static void rsv_close(struct plbuf_ctx *ctx)
{
	struct reserved *s = plbuf__priv(ctx);

	for (int i = 0; i < s->n; i++) {
		if (s->r[i].va_uc && s->r[i].va_uc != s->r[i].va)
			munmap(s->r[i].va_uc, s->r[i].spec.size);
		if (s->r[i].va)
			munmap(s->r[i].va, s->r[i].spec.size);
	}
}

static int check_alignment(const struct rregion *r)
{
	uint64_t ps = plbuf__page_size();

	if ((r->spec.phys | r->spec.size) & (ps - 1))
		return plbuf__err(EINVAL, "reserved: region %s at 0x%llx of 0x%llx bytes is not "
				  "page-aligned (page size %llu): give a start and size that are "
				  "multiples of it, as memmap= and reserved-memory regions are",
				  r->spec.name, (unsigned long long)r->spec.phys,
				  (unsigned long long)r->spec.size, (unsigned long long)ps);
	if (r->spec.phys > (uint64_t)INT64_MAX || (sizeof(off_t) < 8 && r->spec.phys >> 31))
		return plbuf__err(EOVERFLOW, "reserved: region %s at 0x%llx is beyond the file offsets "
				  "this build can mmap", r->spec.name, (unsigned long long)r->spec.phys);
	return 0;
}

static int add_region(struct reserved *s, const struct rregion *r)
{
	int err;

	if (s->n >= PLBUF_MAX_BANKS)
		return plbuf__err(EINVAL, "reserved: more than %d regions", PLBUF_MAX_BANKS);
	if ((err = check_alignment(r)) < 0)
		return err;
	for (int i = 0; i < s->n; i++) {
		const struct plbuf_region_spec *o = &s->r[i].spec;

		if (strcmp(o->name, r->spec.name) == 0)
			return plbuf__err(EINVAL, "reserved: two regions named %s", o->name);
		if (o->phys <= r->spec.phys + r->spec.size - 1 && r->spec.phys <= o->phys + o->size - 1)
			return plbuf__err(EINVAL, "reserved: regions %s and %s overlap", o->name,
					  r->spec.name);
	}
	s->r[s->n++] = *r;
	return 0;
}

static int parse_lists(struct reserved *s, const char *regions, const char *uio)
{
	int err;

	for (const char *p = regions; p && *p;) {
		size_t n = strcspn(p, ",");
		struct rregion r = {.uio = -1, .map = -1};
		char dflt[PLBUF_NAMELEN];

		snprintf(dflt, sizeof(dflt), "reserved%d", s->n);
		if ((err = plbuf__region_parse(p, n, dflt, &r.spec)) < 0 || (err = add_region(s, &r)) < 0)
			return err;
		p += n + (p[n] == ',');
	}
	for (const char *p = uio; p && *p;) {
		size_t n = strcspn(p, ",");
		struct plbuf_uio_spec u;
		struct plbuf_uio_map m;
		struct rregion r = {0};

		if ((err = plbuf__uio_spec_parse(p, n, &u)) < 0 || (err = plbuf__uio_map_read(&u, &m)) < 0)
			return err;
		if (m.offset)
			return plbuf__err(EINVAL, "reserved: uio%d map%d starts 0x%llx bytes into its page "
					  "(offset attribute): the region is not page-aligned", m.uio, u.map,
					  (unsigned long long)m.offset);
		r.uio = m.uio;
		r.map = u.map;
		r.spec.phys = m.addr;
		r.spec.size = m.size;
		if (u.name[0])
			snprintf(r.spec.name, sizeof(r.spec.name), "%s", u.name);
		else if (u.map)
			snprintf(r.spec.name, sizeof(r.spec.name), "uio%d.%d", m.uio, u.map);
		else
			snprintf(r.spec.name, sizeof(r.spec.name), "uio%d", m.uio);
		if ((err = add_region(s, &r)) < 0)
			return err;
		p += n + (p[n] == ',');
	}
	return 0;
}

static void *map_file(const char *dev, int oflags, const struct rregion *r, off_t off)
{
	char path[4096];
	int fd = plbuf__sys_open(plbuf__path(path, sizeof(path), dev), O_RDWR | oflags, 0);
	void *va;

	if (fd < 0) {
		int e = errno;

		plbuf__err(e, "reserved: cannot open %s: %s%s", path, strerror(e),
			   e == EACCES || e == EPERM ? " (needs root, or read/write permission on it)" :
			   e == ENOENT && r->uio < 0 ? " (the kernel has no /dev/mem: CONFIG_DEVMEM; use a "
			   "UIO map instead)" : "");
		return NULL;
	}
	va = plbuf__sys_mmap(NULL, r->spec.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, off);
	if (va == MAP_FAILED) {
		int e = errno;

		close(fd);
		plbuf__err(e, "reserved: cannot mmap %llu bytes of %s at offset 0x%llx for region %s: "
			   "%s%s", (unsigned long long)r->spec.size, path, (unsigned long long)off,
			   r->spec.name, strerror(e),
			   e == EPERM && r->uio < 0 ? " (STRICT_DEVMEM allows only memory that is "
			   "reserved from the kernel and claimed by no driver: memmap=SIZE$ADDR, or boot "
			   "with iomem=relaxed)" : "");
		return NULL;
	}
	close(fd); /* the mapping keeps what it needs */
	return va;
}

/* Maps region i and hands it to the core as bank i. */
static int map_region(struct plbuf_ctx *ctx, struct reserved *s, int i)
{
	struct rregion *r = &s->r[i];
	struct plbuf_bank b = {0};
	struct plbuf_chunk c = {0};
	char dev[32];
	int err;

	snprintf(b.name, sizeof(b.name), "%s", r->spec.name);
	b.base = r->spec.phys;
	b.size = r->spec.size;
	b.fixed = 1;
	b.coherent = s->coherent;
	if (r->uio >= 0) {
		snprintf(dev, sizeof(dev), "/dev/uio%d", r->uio);
		r->va = map_file(dev, 0, r, (off_t)((uint64_t)r->map * plbuf__page_size()));
		if (!r->va)
			return -errno;
		r->va_uc = r->va;
		c.flags = RSV_UC_FLAGS;
		b.cached_default = 0;
	} else {
		if ((err = plbuf__iomem_check("/proc/iomem", r->spec.phys, r->spec.size,
					      "reserved")) < 0)
			return err;
		if (s->cached) {
			r->va = map_file("/dev/mem", 0, r, (off_t)r->spec.phys);
			if (!r->va)
				return -errno;
			c.flags = PLBUF_CHUNK_CACHED;
		}
		if (s->cached && s->coherent) {
			/* Snooped: the cached mapping serves uncached requests too, and a second mapping of
			 * another memory type would conflict with it (x86 PAT refuses such aliases). */
			r->va_uc = r->va;
			c.flags |= PLBUF_CHUNK_COHERENT;
		} else {
			r->va_uc = map_file("/dev/mem", O_SYNC, r, (off_t)r->spec.phys);
			if (!r->va_uc)
				return -errno;
			c.flags |= RSV_UC_FLAGS;
			if (!s->cached)
				r->va = r->va_uc;
		}
		b.cached_default = s->cached;
	}
	if ((err = plbuf__bank_add(ctx, &b)) < 0)
		return err;
	c.va = r->va;
	c.va_uc = r->va_uc;
	c.dev = c.phys = r->spec.phys;
	c.size = r->spec.size;
	c.bank = err;
	return plbuf__bank_add_chunk(ctx, &c);
}

static int rsv_open(struct plbuf_ctx *ctx, struct plbuf_kv *kv)
{
	const char *regions, *uio;
	uint64_t cached, coherent;
	struct reserved *s = plbuf__priv(ctx);
	int err;

	specs(kv, &regions, &uio);
	if ((err = plbuf__kv_u64(kv, "coherent", RSV_COHERENT_DEFAULT, &coherent)) < 0 ||
	    (err = plbuf__kv_u64(kv, "cached", coherent, &cached)) < 0)
		return err;
	if (!regions && !uio)
		return plbuf__err(EINVAL, "reserved: no region given: use regions=NAME@PHYS:SIZE[,...] "
				  "(through /dev/mem) or uio=uioN[:M][,...] (a UIO map), or set "
				  "PLBUF_RESERVED / PLBUF_RESERVED_UIO; see docs/backends/reserved.md");
	s->cached = cached != 0;
	s->coherent = coherent != 0;
	err = parse_lists(s, regions, uio);
	for (int i = 0; !err && i < s->n; i++)
		err = map_region(ctx, s, i);
	return err;
}

static void rsv_info(struct plbuf_ctx *ctx, FILE *out)
{
	struct reserved *s = plbuf__priv(ctx);

	for (int i = 0; i < s->n; i++) {
		const struct rregion *r = &s->r[i];
		char src[48];

		if (r->uio >= 0)
			snprintf(src, sizeof(src), "/dev/uio%d map%d", r->uio, r->map);
		else
			snprintf(src, sizeof(src), "/dev/mem");
		fprintf(out, "  region %s: 0x%llx-0x%llx (%llu bytes) from %s, %s\n", r->spec.name,
			(unsigned long long)r->spec.phys,
			(unsigned long long)(r->spec.phys + r->spec.size - 1),
			(unsigned long long)r->spec.size, src,
			r->va != r->va_uc ? "cached and uncached mappings" :
			r->uio < 0 && s->cached ? "cached, coherent" : "uncached");
	}
	fprintf(out, "  more memory: reserve it at boot (memmap=SIZE$ADDR on x86, a reserved-memory node "
		"in the device tree) and add it to regions= or PLBUF_RESERVED\n");
}

/* The row (backend.h).  Every backend's looks like this one on purpose: a backend is a row. */
const struct plbuf_backend plbuf__backend_reserved = {
	.name = "reserved",
	.summary = "physical memory reserved at boot (memmap=, reserved-memory) via /dev/mem or UIO",
	.rank = 25,
	.priv_size = sizeof(struct reserved),
	.probe = rsv_probe,
	.open = rsv_open,
	.close = rsv_close,
	.info = rsv_info,
};
