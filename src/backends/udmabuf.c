/*
 * udmabuf - ikwzm's u-dma-buf driver, versions 4.x and 5.x.
 *
 * Each buffer the driver allocated (/dev/NAME and /sys/class/u-dma-buf/NAME/, NAME udmabufN by
 * default) is a fixed bank that plbuf sub-allocates.  The ABI below is plbuf's own transcription
 * of u-dma-buf.c and u-dma-buf-ioctl.h of v5.2.0 (ioctl version 2; version 1 has the same ioctls
 * but EXPORT) and, for drivers built without ioctls, of the sysfs interface of v4.4.1.
 *
 * Address and size: the GET_DMA_ADDR / GET_SIZE ioctls when the driver has them (the ioctl_version
 * attribute, confirmed by GET_DRV_INFO), else the phys_addr / size attributes.  Either is a
 * dma_addr_t: an IOVA if the device sits behind an IOMMU, which is what the IP must be given.
 *
 * Mappings.  The driver picks the memory type when the file is mapped: without O_SYNC, cached
 * (on ARM only thanks to its quirk-mmap; without it dma_mmap_coherent() maps a non-coherent
 * device's memory non-cacheable); with O_SYNC, the type sync_mode names: 1 non-cached, which on
 * arm64 is Device memory where an unaligned access or a plain memset raises SIGBUS, 2 write-
 * combine, 3 "dma-coherent" (write-combine too), 0 unchanged.  sync_mode 4..7 applies it without
 * O_SYNC as well.  plbuf maps each buffer both ways, cached for cacheable buffers and O_SYNC for
 * the others, and since 1 is the driver's default it first asks for 2 unless uncached=keep.
 *
 * Sync of cached buffers of a non-coherent device.  On ARMv7 only the kernel reaches the outer
 * cache, so the driver does it: dma_sync_single_for_device() to clean (flush), _for_cpu() to
 * invalidate, asked through SET_SYNC_FOR_DEVICE / SET_SYNC_FOR_CPU, whose one-word command
 * carries the range (leaving the sync_offset / sync_size other users may rely on alone), SET_SYNC
 * for ranges the word cannot hold, or the sysfs attributes of a driver without ioctls.  The
 * kernel invalidates whole lines without cleaning them, so the core hands whole lines and cleans a
 * partial edge line first (the DMA-API edge rule, src/sync.c).  The driver keeps the command in the
 * device, unlocked on the ioctl path, so plbuf serialises its own syncs per device.
 * Where user space can clean and invalidate to the point of coherency by address (aarch64, and
 * x86 where DMA snoops anyway), sync=auto does that instead (src/arch/): the same maintenance,
 * exact, without a system call.  sync=driver forces the driver, sync=cpu the CPU.
 *
 * Options: devices=NAME,...  (default: all of /sys/class/u-dma-buf, in name order)
 *          sync=auto|driver|cpu  uncached=wc|keep
 *          trust_iommu_mmap=1  (map a u-dma-buf >= 5.5 bound behind an IOMMU: check_iommu_mmap())
 */
/* A 32-bit program's readdir() fails with EOVERFLOW on file systems with 64-bit directory
 * offsets (a fixture tree on ext4); sysfs never has them, but the fixture must work too. */
#ifndef _FILE_OFFSET_BITS
#define _FILE_OFFSET_BITS 64
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "backend.h"
#include "os/meminfo.h"
#include "os/sys.h"

/* ---- u-dma-buf-ioctl.h (v5.2.0): magic 'U'; both structures are 24 bytes on every ABI. */
struct udmabuf_drv_info {
	uint64_t flags;      /* bits 7..0: ioctl version */
	char version[16];    /* DRIVER_VERSION */
};
struct udmabuf_sync_args {
	uint64_t flags;      /* bits 1..0 command (1 for cpu, 3 for device), 3..2 direction,
	                        15..8 sync_mode (0: unchanged) */
	uint64_t size, offset;
};
_Static_assert(sizeof(struct udmabuf_drv_info) == 24 && sizeof(struct udmabuf_sync_args) == 24,
	       "u-dma-buf ioctl structures");
#define UDMABUF_GET_DRV_INFO        _IOR('U', 1, struct udmabuf_drv_info)
#define UDMABUF_GET_SIZE            _IOR('U', 2, uint64_t)
#define UDMABUF_GET_DMA_ADDR        _IOR('U', 3, uint64_t)
#define UDMABUF_SET_SYNC_FOR_CPU    _IOW('U', 5, uint64_t)
#define UDMABUF_SET_SYNC_FOR_DEVICE _IOW('U', 6, uint64_t)
#define UDMABUF_GET_SYNC            _IOR('U', 8, struct udmabuf_sync_args)
#define UDMABUF_SET_SYNC            _IOW('U', 9, struct udmabuf_sync_args)
#define UDMABUF_DIR_TO_DEVICE   1u
#define UDMABUF_DIR_FROM_DEVICE 2u
#define UDMABUF_DIR_UNCHANGED   3u /* SET_SYNC leaves sync_direction as it is */

#define CLASS "/sys/class/u-dma-buf"

enum mem_type { MT_CACHED, MT_WC, MT_DEVICE };
static const char *const mt_name[] = {"cached", "write-combine", "non-cached (Device memory)"};

struct udev {
	char name[PLBUF_NAMELEN];
	char version[24];
	int fd;
	int ioctl_version;     /* 0: sysfs only */
	int vmaj, vmin;        /* driver_version */
	int sysfs_word;        /* sync_for_* take the one-word command (v4.4.1 and later) */
	int sync_mode, coherent, quirk;
	char mode_note[200];   /* why sync_mode could not be made write-combine */
	uint64_t dma, size, map_len;
	void *map, *map_uc;
	pthread_mutex_t *lock; /* serialises this device's driver syncs */
};

struct udmabuf {
	int by_va, keep_mode, trust_iommu_mmap, n;
	struct udev d[PLBUF_MAX_BANKS];
	pthread_mutex_t locks[PLBUF_MAX_BANKS];
};

/* ---------------------------------------------------------------- files and ioctls */

static const char *attr_path(char *buf, size_t len, const struct udev *d, const char *attr)
{
	snprintf(buf, len, CLASS "/%s/%s", d->name, attr);
	return buf;
}

static int has_attr(const struct udev *d, const char *attr)
{
	char rel[160], full[4096];

	plbuf__path(full, sizeof(full), attr_path(rel, sizeof(rel), d, attr));
	return access(full, F_OK) == 0 || errno != ENOENT;
}

/* An attribute holding a number no larger than max. */
static int read_num(const struct udev *d, const char *attr, uint64_t max, uint64_t *v)
{
	char rel[160], full[4096];
	int err = plbuf__read_attr_u64(attr_path(rel, sizeof(rel), d, attr), v);

	if (err == 0 && *v > max)
		return plbuf__err(EINVAL, "u-dma-buf %s: %s holds %llu, more than the driver ever "
				  "writes there (%llu)", d->name, plbuf__path(full, sizeof(full), rel),
				  (unsigned long long)*v, (unsigned long long)max);
	return err;
}

static int write_attr(const struct udev *d, const char *attr, uint64_t v)
{
	char rel[160], full[4096], text[24];
	int n = snprintf(text, sizeof(text), "%llu", (unsigned long long)v), fd, e;
	ssize_t w;

	plbuf__path(full, sizeof(full), attr_path(rel, sizeof(rel), d, attr));
	fd = plbuf__sys_open(full, O_WRONLY, 0);
	if (fd < 0)
		return plbuf__err(errno, "u-dma-buf %s: cannot open %s for writing: %s%s", d->name,
				  full, strerror(errno), errno == EACCES ? " (the attributes are "
				  "root's: run as root, or use a u-dma-buf built with ioctls)" : "");
	w = plbuf__sys_write(fd, text, (size_t)n);
	e = w < 0 ? errno : EIO;
	close(fd);
	if (w != n)
		return plbuf__err(e, "u-dma-buf %s: writing %s to %s failed: %s", d->name, text, full,
				  strerror(e));
	return 0;
}

static int dev_ioctl(const struct udev *d, unsigned long req, const char *req_name, void *arg)
{
	if (plbuf__sys_ioctl(d->fd, req, arg) < 0)
		return plbuf__err(errno, "u-dma-buf %s: ioctl %s on /dev/%s failed: %s", d->name,
				  req_name, d->name, strerror(errno));
	return 0;
}

/* ---------------------------------------------------------------- opening one device */

static int check_version(struct udev *d)
{
	char rel[160], full[4096];
	int maj, min, pat, end = 0;
	uint64_t iv;
	int err = plbuf__read_attr(attr_path(rel, sizeof(rel), d, "driver_version"), d->version,
				   sizeof(d->version));

	if (err < 0)
		return err;
	if (sscanf(d->version, "%d.%d.%d%n", &maj, &min, &pat, &end) != 3 ||
	    (d->version[end] && d->version[end] != '-'))
		return plbuf__err(EINVAL, "u-dma-buf %s: %s holds \"%s\", not a version like 5.2.0",
				  d->name, plbuf__path(full, sizeof(full), rel), d->version);
	if (maj < 4 || maj > 5)
		return plbuf__err(ENOTSUP, "u-dma-buf %s: driver version %s is not supported: plbuf "
				  "speaks the interface of u-dma-buf 4.x and 5.x", d->name, d->version);
	d->vmaj = maj;
	d->vmin = min;
	d->sysfs_word = maj > 4 || min > 4 || (min == 4 && pat >= 1);
	if (!has_attr(d, "ioctl_version"))
		return 0; /* built without ioctls: sysfs only */
	if ((err = read_num(d, "ioctl_version", 255, &iv)) < 0)
		return err;
	if (iv > 2)
		return plbuf__err(ENOTSUP, "u-dma-buf %s: ioctl version %llu (driver %s) is not "
				  "supported: plbuf knows ioctl versions 1 and 2", d->name,
				  (unsigned long long)iv, d->version);
	d->ioctl_version = (int)iv;
	return 0;
}

static int read_geometry(struct udev *d)
{
	uint64_t v;
	int err;

	struct udmabuf_drv_info info;

	memset(&info, 0, sizeof(info));
	/* Drivers before 5.4.0 have no compat_ioctl: a 32-bit program on a 64-bit kernel gets ENOTTY
	 * there, and the attributes serve it as they serve a driver built without ioctls.  5.4.0 and
	 * later answer it (checked in the QEMU guest by a 32-bit program). */
	if (d->ioctl_version > 0 &&
	    (err = dev_ioctl(d, UDMABUF_GET_DRV_INFO, "U_DMA_BUF_IOCTL_GET_DRV_INFO", &info)) < 0) {
		if (err != -ENOTTY)
			return err;
		d->ioctl_version = 0;
	}
	if (d->ioctl_version > 0) {
		if ((err = dev_ioctl(d, UDMABUF_GET_DMA_ADDR, "U_DMA_BUF_IOCTL_GET_DMA_ADDR", &d->dma)) ||
		    (err = dev_ioctl(d, UDMABUF_GET_SIZE, "U_DMA_BUF_IOCTL_GET_SIZE", &d->size)))
			return err;
		if ((int)(info.flags & 0xff) != d->ioctl_version)
			return plbuf__err(EPROTO, "u-dma-buf %s: GET_DRV_INFO reports ioctl version %d "
					  "but ioctl_version says %d", d->name, (int)(info.flags & 0xff),
					  d->ioctl_version);
	} else if ((err = read_num(d, "phys_addr", UINT64_MAX, &d->dma)) < 0 ||
		   (err = read_num(d, "size", UINT64_MAX, &d->size)) < 0) {
		return err;
	}
	if (d->size == 0 || d->dma + d->size - 1 < d->dma || d->size > SIZE_MAX - 65536)
		return plbuf__err(EINVAL, "u-dma-buf %s: a buffer of %llu bytes at 0x%llx is not one "
				  "plbuf can map", d->name, (unsigned long long)d->size,
				  (unsigned long long)d->dma);
	/* Optional attributes: a kernel without IS_DMA_COHERENT has no dma_coherent (the buffer is
	 * then taken as not coherent, the safe side), a driver without quirk-mmap no
	 * quirk_mmap_mode. */
	int coherent_known = has_attr(d, "dma_coherent");
	uint64_t q = 0;

	if (coherent_known && (err = read_num(d, "dma_coherent", 1, &v)) < 0)
		return err;
	d->coherent = coherent_known && v;
	if (has_attr(d, "quirk_mmap_mode") && (err = read_num(d, "quirk_mmap_mode", 4, &q)) < 0)
		return err;
	d->quirk = q == 2 || q == 4 || (q == 3 && !d->coherent);
	/* The attribute's store takes 0-7, but SET_SYNC stores any 8-bit value, which another
	 * program may have left: the driver's mmap looks at bits 2..0 only, and so does plbuf. */
	if ((err = read_num(d, "sync_mode", 255, &v)) < 0)
		return err;
	d->sync_mode = (int)v & 7;
	return 0;
}

/* Asks for write-combine instead of non-cached, through the attribute (root's) or, failing that,
 * SET_SYNC, which needs only the device node but also sets sync_offset and, unless told to keep
 * it, sync_direction: both are given back as they were. */
static void prefer_write_combine(struct udev *d)
{
	int mode = d->sync_mode & 3, want = (d->sync_mode & 4) | 2;

	if (mode == 2 || mode == 3)
		return;
	if (write_attr(d, "sync_mode", (uint64_t)want) == 0) {
		d->sync_mode = want;
		return;
	}
	snprintf(d->mode_note, sizeof(d->mode_note), "%s", plbuf_errmsg());
	if (d->ioctl_version > 0) {
		struct udmabuf_sync_args a;

		memset(&a, 0, sizeof(a));
		if (plbuf__sys_ioctl(d->fd, UDMABUF_GET_SYNC, &a) == 0) {
			a.flags = (uint64_t)want << 8 | UDMABUF_DIR_UNCHANGED << 2;
			a.size = 0;
			if (plbuf__sys_ioctl(d->fd, UDMABUF_SET_SYNC, &a) == 0) {
				d->sync_mode = want;
				d->mode_note[0] = 0;
				return;
			}
		}
	}
	plbuf__err_clear(); /* not a failure of plbuf_open: info() tells */
}

/* The memory type the driver gives a mapping (udmabuf_object_mmap()). */
static enum mem_type map_type(const struct udev *d, int osync)
{
	enum mem_type t = MT_CACHED;

	if (osync || (d->sync_mode & 4)) {
		if ((d->sync_mode & 3) == 1)
			t = MT_DEVICE;
		else if ((d->sync_mode & 3) >= 2)
			t = MT_WC;
	}
	if (!d->quirk && !d->coherent) /* dma_mmap_coherent(): non-cacheable, whatever was asked */
		t = MT_WC;
	return t;
}

/* 1 when the buffer's device sits behind an IOMMU that translates (udmabufN_bind= to a device in
 * an IOMMU domain that is not identity-mapped): the driver's address is then an IOVA, and the
 * kernel maps the buffer through the IOMMU's DMA ops. */
static int iommu_translated(const struct udev *d)
{
	char rel[160], full[4096], type[32];

	plbuf__path(full, sizeof(full), attr_path(rel, sizeof(rel), d, "device/iommu_group"));
	if (access(full, F_OK) != 0)
		return 0;
	plbuf__path(full, sizeof(full), attr_path(rel, sizeof(rel), d, "device/iommu_group/type"));
	if (access(full, F_OK) == 0 && plbuf__read_attr(rel, type, sizeof(type)) >= 0 &&
	    strcmp(type, "identity") == 0)
		return 0; /* pass-through: the device address is the physical one */
	return 1;
}

/* u-dma-buf 5.5.0 marks the mapping VM_PFNMAP before it calls dma_mmap_coherent(); behind a
 * translating IOMMU that ends in vm_insert_page(), and the kernel stops at its BUG_ON (an oops
 * at mm/memory.c:2055 on Debian 12's 6.1, seen in the QEMU guest; an upstream regression of its
 * commit b268678; 5.4.2 maps such buffers fine).  No release fixes it yet, so every 5.5 or later
 * driver is taken as affected unless the user says otherwise; this must be known before the
 * first mmap, which is the crash. */
static int check_iommu_mmap(const struct udmabuf *u, const struct udev *d)
{
	char rel[160], full[4096];

	if (u->trust_iommu_mmap || d->vmaj < 5 || (d->vmaj == 5 && d->vmin < 5) || !iommu_translated(d))
		return 0;
	plbuf__path(full, sizeof(full), attr_path(rel, sizeof(rel), d, "device/iommu_group"));
	return plbuf__err(EOPNOTSUPP, "u-dma-buf %s: driver %s with the buffer bound behind an IOMMU "
			  "(%s): mapping it would crash the kernel (u-dma-buf 5.5.0 sets VM_PFNMAP "
			  "before dma_mmap_coherent(), which then hits the BUG_ON in vm_insert_page(), "
			  "mm/memory.c; an upstream regression of commit b268678), so plbuf does not "
			  "map it.  Use u-dma-buf 5.4.2, or load the buffer without udmabufN_bind= so "
			  "that no IOMMU translates it; with a u-dma-buf release that fixes it, pass "
			  "trust_iommu_mmap=1", d->name, d->version, full);
}

static int map_node(struct udev *d, int osync, void **out)
{
	char full[4096], rel[96];
	int fd = d->fd;

	snprintf(rel, sizeof(rel), "/dev/%s", d->name);
	plbuf__path(full, sizeof(full), rel);
	if (osync && (fd = plbuf__sys_open(full, O_RDWR | O_SYNC, 0)) < 0)
		return plbuf__err(errno, "u-dma-buf %s: cannot open %s with O_SYNC: %s", d->name, full,
				  strerror(errno));
	*out = plbuf__sys_mmap(NULL, d->map_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	int e = errno;

	if (osync)
		close(fd); /* the mapping keeps the memory type it was made with */
	if (*out == MAP_FAILED) {
		*out = NULL;
		return plbuf__err(e, "u-dma-buf %s: cannot map %llu bytes of %s%s: %s", d->name,
				  (unsigned long long)d->map_len, full, osync ? " (O_SYNC)" : "",
				  strerror(e));
	}
	return 0;
}

static int dev_open(struct plbuf_ctx *ctx, struct udmabuf *u, struct udev *d)
{
	char full[4096], rel[160];
	uint64_t page = plbuf__page_size();
	struct plbuf_chunk c = {0};
	struct plbuf_bank b = {0};
	enum mem_type plain, uc;
	int err, bank;

	snprintf(rel, sizeof(rel), "/dev/%s", d->name);
	plbuf__path(full, sizeof(full), rel);
	d->fd = plbuf__sys_open(full, O_RDWR, 0);
	if (d->fd < 0)
		return plbuf__err(errno, "u-dma-buf %s: cannot open %s: %s%s", d->name, full,
				  strerror(errno), errno == EACCES ? " (give users access with a udev "
				  "rule such as KERNEL==\"udmabuf[0-9]*\", MODE=\"0666\", or run as root)" :
				  errno == ENOENT ? " (sysfs has the device but /dev does not: is udev "
				  "running?)" : "");
	if ((err = read_geometry(d)) < 0 || (err = check_iommu_mmap(u, d)) < 0)
		return err;
	if (!u->keep_mode)
		prefer_write_combine(d);
	d->map_len = (d->size + page - 1) / page * page;
	plain = map_type(d, 0);
	uc = map_type(d, 1);
	if ((err = map_node(d, 0, &d->map)) < 0)
		return err;
	c.va = d->map;
	if (plain == MT_CACHED) {
		c.flags = PLBUF_CHUNK_CACHED | (d->coherent ? PLBUF_CHUNK_COHERENT : 0);
		if (uc != MT_CACHED) {
			if ((err = map_node(d, 1, &d->map_uc)) < 0)
				return err;
			c.va_uc = d->map_uc;
			c.flags |= uc == MT_DEVICE ? PLBUF_CHUNK_DEVICE_MEM : 0;
		}
	} else if (plain == MT_DEVICE) {
		c.flags = PLBUF_CHUNK_DEVICE_MEM;
	}
	snprintf(b.name, sizeof(b.name), "%s", d->name);
	b.base = d->dma;
	b.size = d->size;
	b.coherent = d->coherent;
	b.fixed = 1;
	b.cached_default = plain == MT_CACHED;
	if ((bank = plbuf__bank_add(ctx, &b)) < 0)
		return bank;
	c.bank = bank;
	c.dev = d->dma;
	/* Behind an IOMMU the driver's address is an IOVA, and the CPU's is not known. */
	c.phys = iommu_translated(d) ? PLBUF_NO_ADDRESS : d->dma;
	c.size = d->size;
	c.priv = d;
	return plbuf__bank_add_chunk(ctx, &c);
}

/* One dma_sync_single_for_cpu() / _for_device() of [off, off + size) of the buffer. */
static int drv_sync(const struct udev *d, int for_cpu, unsigned dir, uint64_t off, uint64_t size)
{
	/* The one-word command: offset in bits 63..32, size in 31..4, direction in 3..2, bit 0. */
	int word_ok = off <= UINT32_MAX && size <= 0xfffffff0u && !(size & 15);
	uint64_t word = off << 32 | size | (uint64_t)dir << 2 | 1;
	const char *attr = for_cpu ? "sync_for_cpu" : "sync_for_device";
	int err;

	if (d->ioctl_version > 0) {
		struct udmabuf_sync_args a = {(for_cpu ? 1u : 3u) | dir << 2, size, off};

		if (!word_ok)
			return dev_ioctl(d, UDMABUF_SET_SYNC, "U_DMA_BUF_IOCTL_SET_SYNC", &a);
		return for_cpu ? dev_ioctl(d, UDMABUF_SET_SYNC_FOR_CPU,
					   "U_DMA_BUF_IOCTL_SET_SYNC_FOR_CPU", &word)
			       : dev_ioctl(d, UDMABUF_SET_SYNC_FOR_DEVICE,
					   "U_DMA_BUF_IOCTL_SET_SYNC_FOR_DEVICE", &word);
	}
	if (d->sysfs_word && word_ok)
		return write_attr(d, attr, word);
	if ((err = write_attr(d, "sync_offset", off)) < 0 ||
	    (err = write_attr(d, "sync_size", size)) < 0 ||
	    (err = write_attr(d, "sync_direction", dir)) < 0)
		return err;
	return write_attr(d, attr, 1);
}

/* Whole lines (the core applies the edge rule: src/sync.c): dma_sync_single_for_device() cleans
 * them, _for_cpu() invalidates them. */
static int ud_sync(struct plbuf_ctx *ctx, const struct plbuf_chunk *c, uint64_t off, uint64_t len,
		   enum plbuf_sync_dir dir)
{
	struct udmabuf *u = plbuf__priv(ctx);
	struct udev *d = c->priv;
	int err;

	if (u->by_va)
		return dir == PLBUF_SYNC_TO_DEVICE ? plbuf__arch_clean((char *)c->va + off, len)
						   : plbuf__arch_clean_inval((char *)c->va + off, len);
	pthread_mutex_lock(d->lock);
	if (dir == PLBUF_SYNC_TO_DEVICE)
		err = drv_sync(d, 0, UDMABUF_DIR_TO_DEVICE, off, len);
	else
		err = drv_sync(d, 1, UDMABUF_DIR_FROM_DEVICE, off, len);
	pthread_mutex_unlock(d->lock);
	return err;
}

/* ---------------------------------------------------------------- the backend */

/* How to get a /dev/udmabufN, for every message that finds none.  The size limit is the one that
 * surprises: without CMA, dma_alloc_coherent() gets at most one buddy block (4 MiB), and a larger
 * buffer fails in the driver's probe, after insmod has already succeeded. */
static const char *how_to_get(void)
{
	/* No buffer of our own: a thread-local one would take static TLS that a library dlopen()ed
	 * by Python cannot have (glibc refuses to load it: "cannot allocate memory in static TLS
	 * block").  Two fixed texts, by whether the kernel has CMA. */
#define HOW_TO_GET "get one by loading the driver with buffers (insmod u-dma-buf.ko " \
		"udmabuf0=0x400000 udmabuf1=..., or modprobe u-dma-buf udmabuf0=...), by a device-tree " \
		"node (compatible = \"ikwzm,u-dma-buf\"), or at run time with echo \"create udmabuf0 " \
		"0x400000\" > /dev/u-dma-buf-mgr.  "
#define MAX_4M " one buffer is at most 4 MiB: a larger size makes the driver's probe fail (dmesg: " \
		"a page-allocator WARNING, then dma_alloc_coherent() failed, -12) while insmod still succeeds, " \
		"and no /dev/udmabufN appears"
	uint64_t cma;

	if (plbuf__meminfo("CmaTotal", &cma) == 0)
		return HOW_TO_GET "This kernel has CMA (its size: cma= on the kernel command line); on "
		       "a kernel without it, like Debian's amd64," MAX_4M;
	return HOW_TO_GET "This kernel has no CMA (no CmaTotal in /proc/meminfo; Debian's amd64 "
	       "kernel has none), so" MAX_4M;
#undef HOW_TO_GET
#undef MAX_4M
}

static int ud_probe(char *why, size_t len)
{
	char full[4096];
	DIR *dir = plbuf__sys_opendir(plbuf__path(full, sizeof(full), CLASS));
	struct dirent *e;
	int n = 0;

	if (!dir) {
		snprintf(why, len, "no %s: the u-dma-buf driver is not loaded (insmod u-dma-buf.ko "
			 "udmabuf0=SIZE; without CMA, SIZE <= 4 MiB)", full);
		return -ENODEV;
	}
	while ((e = readdir(dir)) != NULL)
		n += e->d_name[0] != '.';
	closedir(dir);
	if (!n) {
		snprintf(why, len, "u-dma-buf is loaded but has no buffer (%s is empty; without CMA "
			 "a buffer above 4 MiB fails to probe: see dmesg)", full);
		return -ENODEV;
	}
	snprintf(why, len, "%d u-dma-buf buffer%s in %s", n, n > 1 ? "s" : "", full);
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strverscmp(((const struct udev *)a)->name, ((const struct udev *)b)->name);
}

static int add_name(struct udmabuf *u, const char *s, size_t n)
{
	if (u->n >= PLBUF_MAX_BANKS)
		return plbuf__err(EINVAL, "u-dma-buf: more than %d devices", PLBUF_MAX_BANKS);
	if (n == 0 || n >= PLBUF_NAMELEN || memchr(s, '/', n) || (n <= 2 && s[0] == '.'))
		return plbuf__err(EINVAL, "u-dma-buf: \"%.*s\" is not a device name", (int)n, s);
	for (int i = 0; i < u->n; i++)
		if (strlen(u->d[i].name) == n && !strncmp(u->d[i].name, s, n))
			return plbuf__err(EINVAL, "u-dma-buf: device %.*s is listed twice", (int)n, s);
	snprintf(u->d[u->n].name, PLBUF_NAMELEN, "%.*s", (int)n, s);
	u->d[u->n++].fd = -1;
	return 0;
}

static int list_devices(struct udmabuf *u, const char *devices)
{
	char full[4096], rel[160];
	struct dirent *e;
	DIR *dir;
	int err = 0;

	if (devices) {
		for (const char *p = devices; *p;) {
			size_t n = strcspn(p, ",");

			if ((err = add_name(u, p, n)) < 0)
				return err;
			p += n + (p[n] == ',');
		}
		for (int i = 0; i < u->n; i++)
			if (!has_attr(&u->d[i], ""))
				return plbuf__err(ENOENT, "u-dma-buf: no device %s (%s does not exist); "
						  "%s", u->d[i].name,
						  attr_path(rel, sizeof(rel), &u->d[i], ""), how_to_get());
		return 0;
	}
	if (!(dir = plbuf__sys_opendir(plbuf__path(full, sizeof(full), CLASS)))) {
		int e0 = errno;

		return plbuf__err(e0 == ENOENT ? ENODEV : e0, "u-dma-buf: cannot read %s: %s (the "
				  "driver is not loaded); %s", full, strerror(e0), how_to_get());
	}
	errno = 0;
	while (!err && (e = readdir(dir)) != NULL)
		if (e->d_name[0] != '.')
			err = add_name(u, e->d_name, strlen(e->d_name));
	if (!err && errno)
		err = plbuf__err(errno, "u-dma-buf: cannot read %s: %s", full, strerror(errno));
	closedir(dir);
	if (!err && u->n == 0)
		err = plbuf__err(ENODEV, "u-dma-buf: the driver is loaded but %s lists no buffer; %s",
				 full, how_to_get());
	qsort(u->d, (size_t)u->n, sizeof(u->d[0]), by_name);
	return err;
}

static void ud_close(struct plbuf_ctx *ctx)
{
	struct udmabuf *u = plbuf__priv(ctx);

	for (int i = 0; i < u->n; i++) {
		struct udev *d = &u->d[i];

		if (d->map)
			munmap(d->map, d->map_len);
		if (d->map_uc)
			munmap(d->map_uc, d->map_len);
		if (d->fd >= 0)
			close(d->fd);
		if (d->lock)
			pthread_mutex_destroy(d->lock);
	}
}

static int ud_open(struct plbuf_ctx *ctx, struct plbuf_kv *kv)
{
	const char *unc = plbuf__kv_get(kv, "uncached"), *devices = plbuf__kv_get(kv, "devices");
	const char *trust = plbuf__kv_get(kv, "trust_iommu_mmap");
	struct udmabuf *u = plbuf__priv(ctx);
	int err;

	if (unc && strcmp(unc, "wc") && strcmp(unc, "keep"))
		return plbuf__err(EINVAL, "u-dma-buf: uncached=%s is not wc or keep", unc);
	if (trust && strcmp(trust, "0") && strcmp(trust, "1"))
		return plbuf__err(EINVAL, "u-dma-buf: trust_iommu_mmap=%s is not 0 or 1", trust);
	if ((err = plbuf__kv_sync(kv, "u-dma-buf", &u->by_va)) < 0)
		return err;
	u->keep_mode = unc && !strcmp(unc, "keep");
	u->trust_iommu_mmap = trust && !strcmp(trust, "1");
	err = list_devices(u, devices);
	/* Versions first: an unsupported driver is reported before anything is opened. */
	for (int i = 0; !err && i < u->n; i++) {
		pthread_mutex_init(&u->locks[i], NULL);
		u->d[i].lock = &u->locks[i];
		err = check_version(&u->d[i]);
	}
	for (int i = 0; !err && i < u->n; i++)
		err = dev_open(ctx, u, &u->d[i]);
	return err;
}

static void ud_info(struct plbuf_ctx *ctx, FILE *out)
{
	struct udmabuf *u = plbuf__priv(ctx);

	for (int i = 0; i < u->n; i++) {
		const struct udev *d = &u->d[i];

		fprintf(out, "  %s: u-dma-buf %s (%s), %llu bytes at 0x%llx, %scoherent; cached "
			"mapping %s, uncached buffers %s (sync_mode %d)\n", d->name, d->version,
			d->ioctl_version ? "ioctls" : "sysfs", (unsigned long long)d->size,
			(unsigned long long)d->dma, d->coherent ? "" : "not ",
			mt_name[map_type(d, 0)], mt_name[map_type(d, 1)], d->sync_mode);
		if (d->mode_note[0])
			fprintf(out, "    sync_mode stays %d: %s\n", d->sync_mode, d->mode_note);
	}
	fprintf(out, "  cache maintenance of cached buffers: %s; more buffers: u-dma-buf module "
		"parameters (udmabuf0=SIZE ...; at most 4 MiB each without CMA) or device-tree "
		"nodes\n", u->by_va ? "by address from user space" :
		"through the driver (dma_sync_single_for_*)");
}

/* The row (backend.h).  Every backend's looks like this one on purpose: a backend is a row. */
const struct plbuf_backend plbuf__backend_udmabuf = {
	.name = "udmabuf",
	.summary = "ikwzm's u-dma-buf driver: /dev/udmabufN buffers, one bank each",
	.rank = 28,
	.priv_size = sizeof(struct udmabuf),
	.probe = ud_probe,
	.open = ud_open,
	.close = ud_close,
	.sync = ud_sync,
	.sync_lines = 1,
	.info = ud_info,
};
