/*
 * shim_zocl.c - the zocl fixture and ioctl emulation of shim_zocl.h (see there for the version
 * reproduced).  Linked into every test binary, inert until a test calls shim_zocl_setup().
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixture.h"
#include "shim_zocl.h"

_Static_assert(sizeof(struct shim_create_bo) == 16, "drm_zocl_create_bo is 16 bytes");
_Static_assert(sizeof(struct shim_map_bo) == 16, "drm_zocl_map_bo is 16 bytes");
_Static_assert(sizeof(struct shim_sync_bo) == 24, "drm_zocl_sync_bo is 24 bytes");
_Static_assert(sizeof(struct shim_info_bo) == 24, "drm_zocl_info_bo is 24 bytes");
_Static_assert(sizeof(struct shim_gem_close) == 8, "drm_gem_close is 8 bytes");

#define MAX_NODES 8
#define MAX_BOS 4096
#define MAX_SYNCS 4096
#define MAX_TOPO 16
#define CMA_ALIGNMENT_ORDER 8 /* CONFIG_CMA_ALIGNMENT's default: CMA aligns BOs up to 1 MiB */

struct node {
	int minor, fd;
	char driver[32];
	char rel[32]; /* "/dev/dri/renderD128" */
};

static struct {
	int active;
	const char *root;
	struct node nodes[MAX_NODES];
	int nnodes;
	struct shim_zocl_bank topo[MAX_TOPO];
	char tags[MAX_TOPO][17];
	int ntopo;
	uint64_t cma_base, cma_size, map_next;
	struct shim_zocl_bo bos[MAX_BOS];
	int bo_fd[MAX_BOS]; /* the node file that holds each BO's memory */
	int nbos;
	struct shim_sync_bo syncs[MAX_SYNCS];
	int nsyncs;
	struct { unsigned long req; int n; } calls[16];
	int ncalls;
} S;

static void die(const char *what)
{
	fprintf(stderr, "shim_zocl: %s: %s\n", what, strerror(errno));
	exit(1);
}

static uint64_t page(void)
{
	return (uint64_t)sysconf(_SC_PAGESIZE);
}

static void write_file(const char *rel, const void *data, size_t len, mode_t mode)
{
	char p[512];
	int fd;

	fx_path(p, sizeof(p), rel);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0 || (len && fx_real_write(fd, data, len) != (long)len))
		die(p);
	close(fd);
}

/* /proc/meminfo's CMA lines, kept up to date as BOs come and go. */
static void write_meminfo(void)
{
	uint64_t used = 0;
	char buf[256];

	for (int i = 0; i < S.nbos; i++)
		if (S.bos[i].live && S.bos[i].paddr >= S.cma_base &&
		    S.bos[i].paddr < S.cma_base + S.cma_size)
			used += S.bos[i].size;
	snprintf(buf, sizeof(buf), "MemTotal:        1012572 kB\nCmaTotal:  %10llu kB\n"
		 "CmaFree:   %10llu kB\n", (unsigned long long)(S.cma_size >> 10),
		 (unsigned long long)((S.cma_size - used) >> 10));
	write_file("/proc/meminfo", buf, strlen(buf), 0444);
	/* MAX_ORDER 11, as Debian's arm64 kernel with 4 KiB pages: blocks of at most 4 MiB */
	snprintf(buf, sizeof(buf), "Node 0, zone   Normal      1      1      1      1      1      1"
		 "      1      1      1      1      0\n");
	write_file("/proc/buddyinfo", buf, strlen(buf), 0444);
	snprintf(buf, sizeof(buf), "Node 0, zone   Normal\n  pagesets\n    cpu: 0\n"
		 "              count: 0\n              high:  0\n");
	write_file("/proc/zoneinfo", buf, strlen(buf), 0444);
}

/* The MEM_TOPOLOGY layout: int32 count, pad to 8, 40-byte records. */
static void write_topology(int minor, const struct shim_zocl_cfg *cfg)
{
	char rel[128];
	unsigned char buf[8 + 40 * MAX_TOPO];
	int32_t n = cfg->ntopo;

	snprintf(rel, sizeof(rel), "/sys/class/drm/renderD%d/device", minor);
	if (fx_mkdir(rel) < 0)
		die(rel);
	strcat(rel, "/mem_topology");
	if (cfg->raw_topology) {
		write_file(rel, cfg->raw_topology, cfg->raw_len, 0444);
		return;
	}
	if (n < 0)
		return;
	memset(buf, 0, sizeof(buf));
	memcpy(buf, &n, 4);
	for (int i = 0; i < n; i++) {
		unsigned char *m = buf + 8 + 40 * i;
		uint64_t kib = cfg->topo[i].size >> 10, base = cfg->topo[i].base;

		m[0] = (unsigned char)cfg->topo[i].type;
		m[1] = (unsigned char)cfg->topo[i].used;
		memcpy(m + 8, &kib, 8);
		memcpy(m + 16, &base, 8);
		size_t tl = strlen(cfg->topo[i].tag);

		memcpy(m + 24, cfg->topo[i].tag, tl < 15 ? tl : 15);
	}
	write_file(rel, buf, n ? 8 + 40 * (size_t)n : 0, 0444);
}

static int claims(const char *rel)
{
	for (int i = 0; i < S.nnodes; i++)
		if (strcmp(rel, S.nodes[i].rel) == 0)
			return 1;
	return 0;
}

static long zocl_ioctl(int fd, const char *rel, unsigned long req, void *arg);

static const struct fx_driver driver = {
	.name = "zocl",
	.claims = claims,
	.ioctl = zocl_ioctl,
};

void shim_zocl_add_node(int minor, const char *drv)
{
	char p[512];
	struct node *nd = &S.nodes[S.nnodes];

	snprintf(nd->rel, sizeof(nd->rel), "/dev/dri/renderD%d", minor);
	if (fx_file(nd->rel, 0600, 0) < 0)
		die(nd->rel);
	nd->fd = open(fx_path(p, sizeof(p), nd->rel), O_RDWR | O_CLOEXEC);
	if (nd->fd < 0)
		die(p);
	nd->minor = minor;
	snprintf(nd->driver, sizeof(nd->driver), "%s", drv);
	S.nnodes++;
}

const char *shim_zocl_setup(const struct shim_zocl_cfg *cfg)
{
	static const struct shim_zocl_cfg dflt = { .ntopo = 0 };

	if (!cfg)
		cfg = &dflt;
	memset(&S, 0, sizeof(S));
	S.root = fx_root();
	S.active = 1;
	S.cma_base = cfg->cma_base ? cfg->cma_base : 0x60000000;
	S.cma_size = cfg->cma_size ? cfg->cma_size : 128u << 20;
	/* DRM's fake mmap offsets start at DRM_FILE_PAGE_OFFSET_START (zocl_drv.c's
	 * ZOCL_FILE_PAGE_OFFSET): 4 GiB on 64-bit, 256 MiB on 32-bit. */
	S.map_next = sizeof(long) == 8 ? 0x100000ull * 4096 : 0x10000ull * 4096;
	S.ntopo = cfg->ntopo > 0 ? (cfg->ntopo > MAX_TOPO ? MAX_TOPO : cfg->ntopo) : 0;
	for (int i = 0; i < S.ntopo; i++) {
		S.topo[i] = cfg->topo[i];
		snprintf(S.tags[i], sizeof(S.tags[i]), "%s", cfg->topo[i].tag);
		S.topo[i].tag = S.tags[i];
	}
	if (fx_mkdir("/dev/dri") < 0 || fx_mkdir("/proc") < 0)
		die("mkdir");
	fx_register(&driver);
	shim_zocl_add_node(cfg->minor ? cfg->minor : 128, cfg->driver ? cfg->driver : "zocl");
	write_topology(cfg->minor ? cfg->minor : 128, cfg);
	write_meminfo();
	return S.root;
}

void shim_zocl_teardown(void)
{
	if (!S.active)
		return;
	for (int i = 0; i < S.nnodes; i++)
		close(S.nodes[i].fd);
	fx_cleanup();
	memset(&S, 0, sizeof(S));
}

int shim_zocl_calls(unsigned long req)
{
	for (int i = 0; i < S.ncalls; i++)
		if (S.calls[i].req == req)
			return S.calls[i].n;
	return 0;
}

int shim_zocl_live_bos(void)
{
	int n = 0;

	for (int i = 0; i < S.nbos; i++)
		n += S.bos[i].live;
	return n;
}

const struct shim_zocl_bo *shim_zocl_bo(uint32_t handle)
{
	return handle >= 1 && handle <= (uint32_t)S.nbos ? &S.bos[handle - 1] : NULL;
}

const struct shim_zocl_bo *shim_zocl_last_bo(void)
{
	return S.nbos ? &S.bos[S.nbos - 1] : NULL;
}

int shim_zocl_read(uint32_t handle, uint64_t off, void *dst, size_t len)
{
	const struct shim_zocl_bo *bo = shim_zocl_bo(handle);

	if (!bo || off + len > bo->size)
		return -1;
	return pread(S.bo_fd[handle - 1], dst, len, (off_t)(bo->map_off + off)) == (ssize_t)len ? 0
												       : -1;
}

int shim_zocl_nsync(void)
{
	return S.nsyncs;
}

const struct shim_sync_bo *shim_zocl_sync_get(int i)
{
	return i >= 0 && i < S.nsyncs ? &S.syncs[i] : NULL;
}

void shim_zocl_sync_clear(void)
{
	S.nsyncs = 0;
}

/* ------------------------------------------------------------------ the driver */

static struct shim_zocl_bo *lookup(uint32_t handle)
{
	struct shim_zocl_bo *bo = handle >= 1 && handle <= (uint32_t)S.nbos ? &S.bos[handle - 1]
									     : NULL;

	return bo && bo->live ? bo : NULL;
}

/* First fit in [lo, hi) among the live BOs, aligned to align. */
static int place(uint64_t lo, uint64_t hi, uint64_t size, uint64_t align, uint64_t *out)
{
	uint64_t a = (lo + align - 1) & ~(align - 1);

	for (;;) {
		int moved = 0;

		if (a + size > hi || a + size < a)
			return -ENOMEM;
		for (int i = 0; i < S.nbos; i++) {
			const struct shim_zocl_bo *b = &S.bos[i];

			if (b->live && a < b->paddr + b->size && b->paddr < a + size) {
				a = (b->paddr + b->size + align - 1) & ~(align - 1);
				moved = 1;
			}
		}
		if (!moved) {
			*out = a;
			return 0;
		}
	}
}

static int create_bo(struct node *nd, struct shim_create_bo *a)
{
	uint64_t pg = page(), size = (a->size + pg - 1) & ~(pg - 1), paddr, align = pg;
	unsigned bank = a->flags & 0xffff;
	int cacheable = (a->flags & SHIM_ZOCL_FLAGS_CACHEABLE) != 0, err, range = 0;
	struct shim_zocl_bo *bo;

	if (size == 0 || a->size > UINT64_MAX - pg)
		return -EINVAL;
	if (size <= pg) /* "to ensure to allocate memory from CMA always" */
		size = 2 * pg;
	if (S.nbos >= MAX_BOS)
		return -ENOMEM;
	if (bank < (unsigned)S.ntopo && S.topo[bank].used &&
	    (strstr(S.topo[bank].tag, "MIG") || strstr(S.topo[bank].tag, "LPDDR")))
		range = 1;
	if (range) {
		cacheable = 0; /* "Cache is not supported and turned off for PL-DDR or LPDDR" */
		err = place(S.topo[bank].base, S.topo[bank].base + S.topo[bank].size, size, pg, &paddr);
	} else {
		for (int o = 0; o < CMA_ALIGNMENT_ORDER && (pg << o) < size; o++)
			align = pg << (o + 1);
		err = place(S.cma_base, S.cma_base + S.cma_size, size, align, &paddr);
	}
	if (err)
		return err;
	if (ftruncate(nd->fd, (off_t)(S.map_next + size)) != 0)
		return -ENOMEM;
	S.bo_fd[S.nbos] = nd->fd;
	bo = &S.bos[S.nbos++];
	memset(bo, 0, sizeof(*bo));
	bo->handle = (uint32_t)S.nbos;
	bo->user_flags = a->flags;
	bo->asked = a->size;
	bo->size = size;
	bo->paddr = paddr;
	bo->map_off = S.map_next;
	bo->cacheable = cacheable;
	bo->live = 1;
	S.map_next += size;
	a->handle = bo->handle;
	write_meminfo();
	return 0;
}

static int sync_bo(const struct shim_sync_bo *a)
{
	struct shim_zocl_bo *bo = lookup(a->handle);

	if (!bo)
		return -EINVAL;
	if (a->offset > bo->size || a->size > bo->size || a->offset + a->size > bo->size)
		return -EINVAL;
	if (a->dir != SHIM_ZOCL_SYNC_TO_DEVICE && a->dir != SHIM_ZOCL_SYNC_FROM_DEVICE)
		return -EINVAL;
	if (S.nsyncs < MAX_SYNCS)
		S.syncs[S.nsyncs++] = *a;
	return 0;
}

static int version(struct node *nd, struct shim_drm_version *v)
{
	size_t len = strlen(nd->driver);
	static const char date[] = "20220101", desc[] = "Zynq BO manager";

	/* drm_copy_field(): copies what fits, reports the full length. */
	if (v->name && v->name_len)
		memcpy(v->name, nd->driver, len < v->name_len ? len : v->name_len);
	if (v->date && v->date_len)
		memcpy(v->date, date, sizeof(date) - 1 < v->date_len ? sizeof(date) - 1 : v->date_len);
	if (v->desc && v->desc_len)
		memcpy(v->desc, desc, sizeof(desc) - 1 < v->desc_len ? sizeof(desc) - 1 : v->desc_len);
	v->name_len = len;
	v->date_len = sizeof(date) - 1;
	v->desc_len = sizeof(desc) - 1;
	v->version_major = 2;
	v->version_minor = 13;
	v->version_patchlevel = 0;
	return 0;
}

static void count(unsigned long req)
{
	for (int i = 0; i < S.ncalls; i++)
		if (S.calls[i].req == req) {
			S.calls[i].n++;
			return;
		}
	if (S.ncalls < (int)(sizeof(S.calls) / sizeof(S.calls[0]))) {
		S.calls[S.ncalls].req = req;
		S.calls[S.ncalls++].n = 1;
	}
}

static long zocl_ioctl(int fd, const char *rel, unsigned long req, void *arg)
{
	struct shim_zocl_bo *bo;
	struct node *nd = NULL;

	(void)fd;
	for (int i = 0; i < S.nnodes; i++)
		if (strcmp(rel, S.nodes[i].rel) == 0)
			nd = &S.nodes[i];
	if (!nd)
		return -ENODEV;
	count(req);

	if (req == SHIM_DRM_IOCTL_VERSION)
		return version(nd, arg);
	if (strcmp(nd->driver, "zocl") != 0)
		return -EINVAL; /* some other DRM driver: none of zocl's ioctls exist there */
	if (req == SHIM_ZOCL_CREATE_BO)
		return create_bo(nd, arg);
	if (req == SHIM_ZOCL_SYNC_BO)
		return sync_bo(arg);
	if (req == SHIM_ZOCL_INFO_BO) {
		struct shim_info_bo *a = arg;

		if (!(bo = lookup(a->handle)))
			return -EINVAL;
		a->size = bo->size;
		a->paddr = bo->paddr;
		a->flags = bo->user_flags;
		return 0;
	}
	if (req == SHIM_ZOCL_MAP_BO) {
		struct shim_map_bo *a = arg;

		if (!(bo = lookup(a->handle)))
			return -EINVAL;
		a->offset = bo->map_off;
		return 0;
	}
	if (req == SHIM_DRM_IOCTL_GEM_CLOSE) {
		struct shim_gem_close *a = arg;

		if (!(bo = lookup(a->handle)))
			return -EINVAL;
		bo->live = 0;
		write_meminfo();
		return 0;
	}
	return -EINVAL;
}

