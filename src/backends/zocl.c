/*
 * zocl - buffer objects of zocl, XRT's DRM driver for embedded platforms (PYNQ v2.6 and later on
 * Zynq UltraScale+, Versal, and Zynq-7000 images built with XRT), on /dev/dri/renderD*.
 *
 * The interface is the one XRT's own edge shim uses (no libdrm, no XRT library needed):
 *   DRM_IOCTL_VERSION            find the render node whose driver is "zocl";
 *   DRM_IOCTL_ZOCL_CREATE_BO     {size, handle, flags}: flags bits 0-15 = memory bank index,
 *                                bit 24 = cacheable (XCL_BO_FLAGS_CACHEABLE, kept by zocl);
 *   DRM_IOCTL_ZOCL_INFO_BO       {handle, flags, size, paddr}: the BO's real size and address;
 *   DRM_IOCTL_ZOCL_MAP_BO        {handle, pad, offset}: the offset to mmap() the DRM fd at;
 *   DRM_IOCTL_ZOCL_SYNC_BO       {handle, dir, offset, size}: cache maintenance of a byte range;
 *   DRM_IOCTL_GEM_CLOSE          {handle, pad}: free the BO (after munmap).
 * Layouts and numbers as in Xilinx/XRT src/runtime_src/core/edge/include/zynq_ioctl.h (stored
 * version f5369b42, 2016-2021; the four structures have had these layouts since 2019: an older
 * drm_zocl_info_bo without the flags field has the same offsets), ioctl number =
 * DRM_IOWR(DRM_COMMAND_BASE + op) with op CREATE_BO 0, MAP_BO 3, SYNC_BO 4, INFO_BO 5.  The flag
 * bits are XRT's user flags (xrt_mem.h) that zocl_convert_bo_uflags() translates.
 *
 * Memory model (zocl_bo.c, zocl_drv.c): a cacheable BO in CMA is mapped cached and SYNC_BO does the
 * kernel's dma_sync_single_for_{device,cpu} on the range; a non-cacheable BO is mapped
 * write-combine (dma_mmap_wc), so it is coherent and needs no sync; PL-DDR/LPDDR banks ("MIG",
 * "LPDDR" tags) are never cacheable.  zocl page-aligns every BO, and newer versions make a BO of
 * one page or less two pages: plbuf asks INFO_BO for the size it really got.
 *
 * Banks come from the memory topology of the loaded image, which zocl exposes as
 * /sys/class/drm/renderD*\/device/mem_topology (an xclbin MEM_TOPOLOGY section; empty before an
 * image is loaded, when zocl allocates from CMA whatever the bank index).
 *
 * Options: device=/dev/dri/renderDN  banks=I[,J...] (topology indices)  coherent=0|1 (cached
 * memory is snooped: HPC/ACP ports with coherency enabled)  chunk=SIZE (pool chunk, default 4M).
 */
/* 64-bit off_t and directory offsets on 32-bit ARM too: DRM's mmap offsets start at 256 MiB
 * there and grow with every BO, and readdir() of a 32-bit program fails with EOVERFLOW on
 * file systems that hand out 64-bit directory offsets.  (64-bit systems have them already.) */
#if !defined(_FILE_OFFSET_BITS) && !defined(__LP64__)
#define _FILE_OFFSET_BITS 64
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "backend.h"
#include "os/meminfo.h"
#include "os/memtopo.h"
#include "os/sys.h"

/* DRM core (Linux include/uapi/drm/drm.h). */
struct zocl_drm_version {
	int version_major, version_minor, version_patchlevel;
	size_t name_len;
	char *name;
	size_t date_len;
	char *date;
	size_t desc_len;
	char *desc;
};
struct zocl_gem_close { uint32_t handle, pad; };
#define ZOCL_DRM_BASE 'd'
#define ZOCL_DRM_COMMAND_BASE 0x40
#define ZOCL_IOCTL_VERSION _IOWR(ZOCL_DRM_BASE, 0x00, struct zocl_drm_version)
#define ZOCL_IOCTL_GEM_CLOSE _IOW(ZOCL_DRM_BASE, 0x09, struct zocl_gem_close)

/* zocl (zynq_ioctl.h). */
struct zocl_create_bo { uint64_t size; uint32_t handle, flags; };
struct zocl_map_bo { uint32_t handle, pad; uint64_t offset; };
struct zocl_sync_bo { uint32_t handle, dir; uint64_t offset, size; };
struct zocl_info_bo { uint32_t handle, flags; uint64_t size, paddr; };
#define ZOCL_IOCTL(op, type) _IOWR(ZOCL_DRM_BASE, ZOCL_DRM_COMMAND_BASE + (op), type)
#define ZOCL_IOCTL_CREATE_BO ZOCL_IOCTL(0, struct zocl_create_bo)
#define ZOCL_IOCTL_MAP_BO ZOCL_IOCTL(3, struct zocl_map_bo)
#define ZOCL_IOCTL_SYNC_BO ZOCL_IOCTL(4, struct zocl_sync_bo)
#define ZOCL_IOCTL_INFO_BO ZOCL_IOCTL(5, struct zocl_info_bo)
#define ZOCL_SYNC_TO_DEVICE 0
#define ZOCL_SYNC_FROM_DEVICE 1
#define ZOCL_BO_FLAGS_CACHEABLE (1u << 24)
#define ZOCL_BANK_MASK 0xffffu

#define ZOCL_MAX_NODES 64

struct zocl {
	int fd;
	char node[256];    /* path as opened (with PLBUF_ROOT) */
	char minor[32];    /* "renderD128" */
	int ver[3];
	char date[16];
	int ntopo;         /* entries in the memory topology, 0 when none */
	int topo_index[PLBUF_MAX_BANKS]; /* plbuf bank -> topology index (bank bits of the flags) */
	int range_alloc[PLBUF_MAX_BANKS]; /* PL-DDR / LPDDR: zocl refuses to cache these */
	uint64_t buddy_block; /* the page allocator's largest block, 0 unknown (cma_foreseen_short) */
};

static const char *bank_name(struct plbuf_ctx *ctx, int bank)
{
	return plbuf__bank(ctx, bank)->name;
}

/* DRM_IOCTL_VERSION: the driver's name (and version) behind an open DRM fd. */
static int drm_version(int fd, char *name, size_t namelen, int ver[3], char *date, size_t datelen)
{
	struct zocl_drm_version v;

	memset(&v, 0, sizeof(v));
	v.name = name;
	v.name_len = namelen - 1;
	v.date = date;
	v.date_len = datelen - 1;
	memset(name, 0, namelen);
	memset(date, 0, datelen);
	if (plbuf__sys_ioctl(fd, ZOCL_IOCTL_VERSION, &v) < 0)
		return -errno;
	ver[0] = v.version_major;
	ver[1] = v.version_minor;
	ver[2] = v.version_patchlevel;
	return 0;
}

static int cmp_minor(const void *a, const void *b)
{
	/* Compared, not subtracted: "renderD2147483647" against a name that atoi wraps to a
	 * negative overflowed the int (found by fuzzing). */
	long x = strtol(*(const char *const *)a + 7, NULL, 10);
	long y = strtol(*(const char *const *)b + 7, NULL, 10);

	return (x > y) - (x < y);
}

/* The render nodes under PLBUF_ROOT/dev/dri, in minor order ("renderD128", ...).  Returns the count. */
static int list_nodes(char names[][32], int max)
{
	char dir[4096];
	char *sorted[ZOCL_MAX_NODES], tmp[ZOCL_MAX_NODES][32];
	struct dirent *e;
	DIR *d = plbuf__sys_opendir(plbuf__path(dir, sizeof(dir), "/dev/dri"));
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)) != NULL && n < max && n < ZOCL_MAX_NODES)
		if (strncmp(e->d_name, "renderD", 7) == 0 && e->d_name[7] >= '0' &&
		    e->d_name[7] <= '9' && strlen(e->d_name) < 32) {
			memcpy(tmp[n], e->d_name, strlen(e->d_name) + 1); /* < 32: checked above */
			sorted[n] = tmp[n];
			n++;
		}
	closedir(d);
	qsort(sorted, (size_t)n, sizeof(sorted[0]), cmp_minor);
	for (int i = 0; i < n; i++)
		snprintf(names[i], 32, "%s", sorted[i]);
	return n;
}

/* Opens node (a path under PLBUF_ROOT) and checks that zocl drives it.  Returns the fd, or -errno
 * with a message; *driver gets the name of the driver that answered, if any. */
static int open_node(const char *node, char *driver, size_t dlen, int ver[3], char *date,
		     size_t datelen)
{
	char full[4096];
	int fd, err;

	plbuf__path(full, sizeof(full), node);
	driver[0] = 0;
	fd = plbuf__sys_open(full, O_RDWR, 0);
	if (fd < 0) {
		err = errno;
		if (err == EACCES || err == EPERM)
			return plbuf__err(err, "zocl: cannot open %s: %s; run as root, or give your "
					  "user the group of the node (ls -l %s; usually \"render\" "
					  "or \"video\")", full, strerror(err), full);
		return plbuf__err(err, "zocl: cannot open %s: %s", full, strerror(err));
	}
	err = drm_version(fd, driver, dlen, ver, date, datelen);
	if (err < 0) {
		close(fd);
		return plbuf__err(ENODEV, "zocl: DRM_IOCTL_VERSION on %s failed (%s): it is not a DRM "
				  "device node", full, strerror(-err));
	}
	if (strcmp(driver, "zocl") != 0) {
		close(fd);
		return plbuf__err(ENODEV, "zocl: %s is driven by \"%s\", not zocl; give the zocl node "
				  "with device=/dev/dri/renderDN", full, driver);
	}
	return fd;
}

/* Finds zocl's render node: the one given, or the first whose driver is "zocl". */
static int find_node(const char *want, struct zocl *z)
{
	char names[ZOCL_MAX_NODES][32], drv[32], other[200] = "", path[64], denied[512] = "";
	char dir[4096];
	int n, fd, err, seen_eacces = 0, len = 0;

	if (want) {
		const char *slash = strrchr(want, '/');

		fd = open_node(want, drv, sizeof(drv), z->ver, z->date, sizeof(z->date));
		if (fd < 0)
			return fd;
		snprintf(z->minor, sizeof(z->minor), "%.31s", slash ? slash + 1 : want);
		plbuf__path(z->node, sizeof(z->node), want);
		return fd;
	}
	n = list_nodes(names, ZOCL_MAX_NODES);
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "/dev/dri/%.31s", names[i]);
		fd = open_node(path, drv, sizeof(drv), z->ver, z->date, sizeof(z->date));
		if (fd >= 0) {
			snprintf(z->minor, sizeof(z->minor), "%.31s", names[i]);
			plbuf__path(z->node, sizeof(z->node), path);
			return fd;
		}
		err = errno;
		if (err == EACCES || err == EPERM) {
			seen_eacces = err;
			snprintf(denied, sizeof(denied), "%s", plbuf_errmsg());
		} else if (len < (int)sizeof(other) - 64) {
			len += snprintf(other + len, sizeof(other) - (size_t)len, "%s%s (%s)",
					len ? ", " : "", names[i], drv[0] ? drv : err == ENODEV ?
					"DRM_IOCTL_VERSION failed" : strerror(err));
		}
	}
	if (seen_eacces)
		return plbuf__err(seen_eacces, "%s", denied);
	plbuf__path(dir, sizeof(dir), "/dev/dri");
	if (n == 0)
		return plbuf__err(ENODEV, "zocl: no render node in %s: the zocl driver is not loaded "
				  "(PYNQ v2.6+ loads it with the overlay; otherwise modprobe zocl and "
				  "check that the device tree has a \"xlnx,zocl\" node)", dir);
	return plbuf__err(ENODEV, "zocl: no render node in %s is driven by zocl (found %s); load "
			  "zocl, or use the backend of your driver", dir, other);
}

static int zocl_probe(char *why, size_t len)
{
	struct zocl z;
	int fd;

	memset(&z, 0, sizeof(z));
	fd = find_node(NULL, &z);
	if (fd < 0) {
		snprintf(why, len, "%s", plbuf_errmsg());
		return fd;
	}
	close(fd);
	snprintf(why, len, "zocl %d.%d.%d on %s", z.ver[0], z.ver[1], z.ver[2], z.node);
	return 0;
}

/* The image's memory topology, from sysfs.  Missing (no zocl sysfs) counts as empty. */
static int read_topology(struct zocl *z, struct plbuf_memtopo_bank *topo)
{
	char rel[128], full[4096];
	void *data;
	size_t len;
	int n;

	snprintf(rel, sizeof(rel), "/sys/class/drm/%s/device/mem_topology", z->minor);
	plbuf__path(full, sizeof(full), rel);
	if (access(full, F_OK) != 0)
		return 0;
	if ((n = plbuf__memtopo_read_file(full, &data, &len)) < 0)
		return n;
	n = plbuf__memtopo_parse(data, len, full, topo, PLBUF_MEMTOPO_MAX);
	free(data);
	return n;
}

static int add_bank(struct plbuf_ctx *ctx, struct zocl *z, const struct plbuf_memtopo_bank *t,
		    int index, int coherent)
{
	struct plbuf_bank b;
	int i;

	plbuf__memtopo_bank(t, index, &b);
	for (i = 0; i < plbuf__nbanks(ctx); i++) /* topologies repeat tags (HP0 listed twice, ...) */
		if (strcmp(plbuf__bank(ctx, i)->name, b.name) == 0)
			snprintf(b.name, sizeof(b.name), "bank%d", index);
	b.coherent = coherent;
	b.fixed = 0;
	/* zocl maps PL-DDR and LPDDR banks write-combine whatever is asked. */
	i = t && (strstr(t->tag, "MIG") || strstr(t->tag, "LPDDR"));
	b.cached_default = !i;
	int k = plbuf__bank_add(ctx, &b);

	if (k < 0)
		return k;
	z->topo_index[k] = index;
	z->range_alloc[k] = i;
	return 0;
}

static int setup_banks(struct plbuf_ctx *ctx, struct zocl *z, const char *want, int coherent)
{
	struct plbuf_memtopo_bank topo[PLBUF_MEMTOPO_MAX];
	char rel[160];
	int n = read_topology(z, topo), err;

	if (n < 0)
		return n;
	z->ntopo = n;
	snprintf(rel, sizeof(rel), "/sys/class/drm/%s/device/mem_topology", z->minor);
	if (want) {
		for (const char *p = want; *p;) {
			char *end;
			long i = strtol(p, &end, 10);

			if (end == p || (*end && *end != ',') || i < 0 || i > (long)ZOCL_BANK_MASK)
				return plbuf__err(EINVAL, "zocl: banks=%s is not a list of bank indices "
						  "(banks=0,1)", want);
			if (n > 0 && (i >= n || !topo[i].used || topo[i].type == PLBUF_MEM_STREAMING))
				return plbuf__err(EINVAL, "zocl: bank %ld is not a memory bank in use in "
						  "%s (see plbuf info)", i, rel);
			if (*end && !end[1])
				return plbuf__err(EINVAL, "zocl: banks=%s ends with a comma", want);
			if ((err = add_bank(ctx, z, n > 0 ? &topo[i] : NULL, (int)i, coherent)) < 0)
				return err;
			p = *end ? end + 1 : end;
		}
		return 0;
	}
	for (int i = 0; i < n; i++)
		if (topo[i].used && topo[i].type != PLBUF_MEM_STREAMING &&
		    topo[i].type != PLBUF_MEM_STREAMING_CONNECTION &&
		    (err = add_bank(ctx, z, &topo[i], i, coherent)) < 0)
			return err;
	if (plbuf__nbanks(ctx) == 0) /* no image loaded: zocl serves any index from CMA */
		return add_bank(ctx, z, NULL, 0, coherent);
	return 0;
}

static void zocl_close(struct plbuf_ctx *ctx)
{
	struct zocl *z = plbuf__priv(ctx);

	if (z->fd >= 0)
		close(z->fd);
}

static int zocl_open(struct plbuf_ctx *ctx, struct plbuf_kv *kv)
{
	const char *device = plbuf__kv_get(kv, "device"), *banks = plbuf__kv_get(kv, "banks");
	uint64_t coherent, chunk;
	struct zocl *z = plbuf__priv(ctx);
	int err;

	z->fd = -1;
	if ((err = plbuf__kv_u64(kv, "coherent", 0, &coherent)) < 0 ||
	    (err = plbuf__kv_u64(kv, "chunk", plbuf__chunk_size(ctx), &chunk)) < 0)
		return err;
	if (chunk < plbuf__page_size() || chunk > (1ull << 31))
		return plbuf__err(EINVAL, "zocl: chunk=%llu must lie between the page size and 2G",
				  (unsigned long long)chunk);
	plbuf__set_chunk_size(ctx, chunk);
	z->fd = find_node(device, z);
	if (z->fd < 0)
		return z->fd;
	z->buddy_block = plbuf__buddy_max_block();
	return setup_banks(ctx, z, banks, coherent != 0);
}

static int gem_close(struct zocl *z, uint32_t handle)
{
	struct zocl_gem_close g = { .handle = handle };

	return plbuf__sys_ioctl(z->fd, ZOCL_IOCTL_GEM_CLOSE, &g);
}

/* CmaFree from /proc/meminfo, in bytes; 0 when unknown. */
static uint64_t cma_free(void)
{
	uint64_t v;

	return plbuf__meminfo("CmaFree", &v) == 0 ? v : 0;
}

/* A CREATE_BO that will fail is not sent when plbuf can tell beforehand: zocl (XRT up to at
 * least 963c58ee) frees the BO and then clears it on that path, corrupting the kernel heap once
 * per failed request (docs/backends/zocl.md).  zocl's dma_alloc takes CMA first and, when CMA
 * cannot, the page allocator, which gives at most one block of a page << (MAX_ORDER - 1) (4 MiB
 * with 4 KiB pages); so a request larger than that block and than CmaTotal, or than CmaFree with
 * every page on the per-CPU free lists, cannot succeed.  (Pages that movable memory borrows from
 * CMA count as used in CmaFree, so this may refuse a request that page migration could have
 * served; the message says what to do.)  Returns 0 to go ahead. */
static int cma_foreseen_short(struct plbuf_ctx *ctx, int bank, uint64_t size)
{
	struct zocl *z = plbuf__priv(ctx);
	uint64_t total, free_b, block = z->buddy_block, pcp;

	if (block == 0 || size <= block) /* first, as it costs no system call */
		return 0;
	if (plbuf__meminfo("CmaTotal", &total) < 0 || plbuf__meminfo("CmaFree", &free_b) < 0 ||
	    size <= free_b)
		return 0;
	/* Above CmaTotal nothing helps; else some of the pages on per-CPU lists may be CMA's:
	 * count them all, to refuse only the sure. */
	pcp = plbuf__pcp_free();
	if (size <= total && size <= free_b + pcp)
		return 0;
	return plbuf__err(ENOMEM, "zocl: CMA cannot give %llu contiguous bytes for bank %s: CmaFree "
			  "is %llu KiB of CmaTotal %llu KiB in /proc/meminfo (%llu KiB more wait on "
			  "per-CPU free lists), and the page allocator gives at most %llu KiB at "
			  "once.  plbuf did not send the CREATE_BO (zocl up to XRT 2.23 corrupts the "
			  "kernel heap on every CREATE_BO that fails); free buffers, drop page cache "
			  "that borrows CMA (echo 1 > "
			  "/proc/sys/vm/drop_caches), or reserve more CMA with cma=SIZE on the kernel "
			  "command line (PYNQ-Z1/Z2 boot with 128M)", (unsigned long long)size,
			  bank_name(ctx, bank), (unsigned long long)(free_b >> 10),
			  (unsigned long long)(total >> 10), (unsigned long long)(pcp >> 10),
			  (unsigned long long)(block >> 10));
}

static int create_failed(struct plbuf_ctx *ctx, int bank, uint64_t size, int err)
{
	struct zocl *z = plbuf__priv(ctx);

	if (err != ENOMEM)
		return plbuf__err(err, "zocl: DRM_IOCTL_ZOCL_CREATE_BO of %llu bytes in bank %s on %s "
				  "failed: %s (dmesg shows zocl's reason)", (unsigned long long)size,
				  bank_name(ctx, bank), z->node, strerror(err));
	if (z->range_alloc[bank])
		return plbuf__err(ENOMEM, "zocl: DRM_IOCTL_ZOCL_CREATE_BO: PL-DDR bank %s (%llu "
				  "bytes) has no free range of %llu bytes; free buffers in it or use "
				  "another bank", bank_name(ctx, bank),
				  (unsigned long long)plbuf__bank(ctx, bank)->size, (unsigned long long)size);
	return plbuf__err(ENOMEM, "zocl: DRM_IOCTL_ZOCL_CREATE_BO: CMA cannot give %llu contiguous "
			  "bytes for bank %s (CmaFree is %llu KiB in /proc/meminfo); free buffers, or "
			  "reserve more CMA with cma=SIZE on the kernel command line (PYNQ-Z1/Z2 "
			  "boot with 128M)", (unsigned long long)size, bank_name(ctx, bank),
			  (unsigned long long)(cma_free() >> 10));
}

/* An ioctl on BO handle; -errno with a message naming it when it fails. */
static int bo_ioctl(const struct zocl *z, unsigned long req, const char *name, uint32_t handle,
		    void *arg)
{
	if (plbuf__sys_ioctl(z->fd, req, arg) < 0)
		return plbuf__err(errno, "zocl: DRM_IOCTL_ZOCL_%s of BO %u on %s failed: %s (dmesg "
				  "shows zocl's reason)", name, handle, z->node, strerror(errno));
	return 0;
}

static int zocl_chunk_alloc(struct plbuf_ctx *ctx, int bank, uint64_t size, uint64_t align,
			    uint64_t max_dev, int cached, struct plbuf_chunk *out)
{
	struct zocl *z = plbuf__priv(ctx);
	uint64_t page = plbuf__page_size(), want = size;
	struct zocl_create_bo cr;
	struct zocl_info_bo info;
	struct zocl_map_bo map;
	void *va;
	int err;

	/* CMA aligns to the page (to the BO's order up to CONFIG_CMA_ALIGNMENT, which we cannot
	 * know): room for the core to find an aligned start inside. */
	if (align > page && (want = size + align - page) < size)
		return plbuf__err(EOVERFLOW, "zocl: %llu bytes aligned to %llu overflows",
				  (unsigned long long)size, (unsigned long long)align);
	if (want > SIZE_MAX)
		return plbuf__err(EOVERFLOW, "zocl: %llu bytes cannot be mapped in this process's "
				  "address space", (unsigned long long)want);
	cached = cached && !z->range_alloc[bank];
	if (!z->range_alloc[bank] && (err = cma_foreseen_short(ctx, bank, want)) < 0)
		return err;
	memset(&cr, 0, sizeof(cr));
	cr.size = want;
	cr.handle = UINT32_MAX;
	cr.flags = ((uint32_t)z->topo_index[bank] & ZOCL_BANK_MASK) |
		   (cached ? ZOCL_BO_FLAGS_CACHEABLE : 0);
	if (plbuf__sys_ioctl(z->fd, ZOCL_IOCTL_CREATE_BO, &cr) < 0)
		return create_failed(ctx, bank, want, errno);

	memset(&info, 0, sizeof(info));
	info.handle = cr.handle;
	if ((err = bo_ioctl(z, ZOCL_IOCTL_INFO_BO, "INFO_BO", cr.handle, &info)) < 0)
		goto fail_close;
	if (info.size < want || info.size > SIZE_MAX) {
		err = plbuf__err(EPROTO, "zocl: DRM_IOCTL_ZOCL_INFO_BO says BO %u holds %llu bytes, "
				 "%llu were asked: this zocl does not behave as plbuf expects",
				 cr.handle, (unsigned long long)info.size, (unsigned long long)want);
		goto fail_close;
	}
	if (info.paddr + want - 1 > max_dev || info.paddr + want - 1 < info.paddr) {
		err = plbuf__err(ERANGE, "zocl: bank %s gave %llu bytes at 0x%llx, above "
				 "max_device_address 0x%llx; place CMA lower (cma=SIZE@ADDRESS) or use "
				 "a bank the IP reaches", bank_name(ctx, bank), (unsigned long long)want,
				 (unsigned long long)info.paddr, (unsigned long long)max_dev);
		goto fail_close;
	}
	memset(&map, 0, sizeof(map));
	map.handle = cr.handle;
	if ((err = bo_ioctl(z, ZOCL_IOCTL_MAP_BO, "MAP_BO", cr.handle, &map)) < 0)
		goto fail_close;
	if ((off_t)map.offset < 0) {
		err = plbuf__err(EOVERFLOW, "zocl: DRM_IOCTL_ZOCL_MAP_BO gave BO %u the offset 0x%llx, "
				 "which mmap cannot take", cr.handle, (unsigned long long)map.offset);
		goto fail_close;
	}
	va = plbuf__sys_mmap(NULL, (size_t)info.size, PROT_READ | PROT_WRITE, MAP_SHARED, z->fd,
			     (off_t)map.offset);
	if (va == MAP_FAILED) {
		err = plbuf__err(errno, "zocl: mmap of BO %u (%llu bytes at offset 0x%llx of %s) "
				 "failed: %s (RLIMIT_AS, or dmesg for zocl's reason)", cr.handle,
				 (unsigned long long)info.size,
				 (unsigned long long)map.offset, z->node, strerror(errno));
		goto fail_close;
	}
	memset(out, 0, sizeof(*out));
	out->va = va;
	out->dev = info.paddr;
	out->phys = info.paddr;
	out->size = info.size;
	out->bank = bank;
	out->flags = cached ? PLBUF_CHUNK_CACHED : 0;
	if (cached && plbuf__bank(ctx, bank)->coherent)
		out->flags |= PLBUF_CHUNK_COHERENT;
	out->priv_u64 = cr.handle;
	return 0;
fail_close:
	gem_close(z, cr.handle);
	return err;
}

static void zocl_chunk_free(struct plbuf_ctx *ctx, struct plbuf_chunk *c)
{
	struct zocl *z = plbuf__priv(ctx);

	/* Unmap first: GEM keeps the BO alive while a mapping exists, so closing first would
	 * not free it either, but this way the memory is gone when we return. */
	munmap(c->va, (size_t)c->size);
	gem_close(z, (uint32_t)c->priv_u64);
}

static int sync_bo(struct plbuf_ctx *ctx, const struct plbuf_chunk *c, uint32_t dir, uint64_t off,
		   uint64_t len)
{
	struct zocl *z = plbuf__priv(ctx);
	struct zocl_sync_bo s = { .handle = (uint32_t)c->priv_u64, .dir = dir, .offset = off,
				  .size = len };

	if (plbuf__sys_ioctl(z->fd, ZOCL_IOCTL_SYNC_BO, &s) < 0)
		return plbuf__err(errno, "zocl: DRM_IOCTL_ZOCL_SYNC_BO %s of [%llu, +%llu) in BO %u "
				  "on %s failed: %s (dmesg shows zocl's reason)",
				  dir == ZOCL_SYNC_TO_DEVICE ? "to device" :
				  "from device", (unsigned long long)off, (unsigned long long)len,
				  s.handle, z->node, strerror(errno));
	return 0;
}

/* Only the range asked, not the whole BO as PYNQ does: whole lines, a partial edge line cleaned
 * before an invalidate (the core applies the edge rule: src/sync.c). */
static int zocl_sync(struct plbuf_ctx *ctx, const struct plbuf_chunk *c, uint64_t off,
		     uint64_t len, enum plbuf_sync_dir dir)
{
	return sync_bo(ctx, c, dir == PLBUF_SYNC_TO_DEVICE ? ZOCL_SYNC_TO_DEVICE
							  : ZOCL_SYNC_FROM_DEVICE, off, len);
}

static int zocl_bank_stats(struct plbuf_ctx *ctx, int bank, uint64_t *free_b, uint64_t *largest)
{
	struct zocl *z = plbuf__priv(ctx);

	*largest = 0; /* CMA fragmentation is not visible from user space */
	*free_b = z->range_alloc[bank] ? 0 : cma_free();
	return 0;
}

static void zocl_info(struct plbuf_ctx *ctx, FILE *out)
{
	struct zocl *z = plbuf__priv(ctx);

	fprintf(out, "  node: %s (zocl %d.%d.%d, %s)\n", z->node, z->ver[0], z->ver[1], z->ver[2],
		z->date[0] ? z->date : "no date");
	if (z->ntopo == 0)
		fprintf(out, "  memory topology: empty (no image loaded): bank0 is CMA\n");
	for (int i = 0; i < plbuf__nbanks(ctx); i++)
		fprintf(out, "  bank %s: topology index %d, %s%s\n", plbuf__bank(ctx, i)->name,
			z->topo_index[i], z->range_alloc[i] ? "PL-DDR (uncached only)" : "CMA",
			plbuf__bank(ctx, i)->coherent ? ", coherent" : "");
	fprintf(out, "  CMA free: %llu KiB; more with cma=SIZE on the kernel command line\n",
		(unsigned long long)(cma_free() >> 10));
}

/* The row (backend.h).  Every backend's looks like this one on purpose: a backend is a row. */
const struct plbuf_backend plbuf__backend_zocl = {
	.name = "zocl",
	.summary = "XRT's embedded DRM driver (PYNQ v2.6+): buffer objects on /dev/dri/renderD*",
	.rank = 30,
	.priv_size = sizeof(struct zocl),
	.probe = zocl_probe,
	.open = zocl_open,
	.close = zocl_close,
	.chunk_alloc = zocl_chunk_alloc,
	.chunk_free = zocl_chunk_free,
	.sync = zocl_sync,
	.sync_lines = 1,
	.bank_stats = zocl_bank_stats,
	.info = zocl_info,
};
