/*
 * vfio - memory for a PCIe device behind an IOMMU, through VFIO type1.
 *
 * Behind an IOMMU a device never sees physical addresses: it sees I/O virtual addresses (IOVAs)
 * that the IOMMU translates.  So a buffer needs no physical contiguity at all, only a contiguous
 * IOVA range: each chunk is ordinary memory (2 MiB huge pages when there are free ones, so the
 * IOMMU can use large pages too) mapped with VFIO_IOMMU_MAP_DMA at IOVAs plbuf assigns from its own
 * allocator (src/os/iova.c), lowest first, inside the ranges the IOMMU reports as valid.
 * device address = IOVA; physical address = PLBUF_NO_ADDRESS, because it would be of no use to the
 * device (the IOMMU faults on it) and a page-by-page answer would not describe a buffer anyway.
 *
 * VFIO pins the pages it maps (and charges them to RLIMIT_MEMLOCK), so no mlock here: it would
 * charge the same pages twice.
 *
 * The group can be opened only once, so plbuf holds it for the life of the context; when opened
 * by device= it also holds the device's fd, which plbuf_vfio_device_fd() lends to the caller for
 * the device's regions (BARs, config space).  Opening the device fd resets the device.
 *
 * Options: device=DDDD:BB:DD.F | group=N, iova_base=, iova_limit=, coherent=0|1, hugepages=0|1;
 * PLBUF_VFIO_DEVICE / PLBUF_VFIO_GROUP when neither is given.  See docs/backends/vfio.md.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/vfio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "backend.h"
#include "os/iova.h"
#include "os/meminfo.h"
#include "os/pcidev.h"
#include "os/sys.h"

#define IOVA_BASE_DEFAULT 0x100000ull /* 1 MiB: keeps 0 and small offsets invalid */
#define HUGE_2M (2ull << 20)
#define MAX_VALID 16

#if defined(__x86_64__) || defined(__i386__)
#define VFIO_COHERENT_DEFAULT 1
#else
#define VFIO_COHERENT_DEFAULT 0
#endif

struct vfio {
	int container, group, device;
	int groupno;
	char bdf[16];
	int type;                 /* VFIO_TYPE1v2_IOMMU or VFIO_TYPE1_IOMMU */
	uint64_t pgsize;          /* smallest IOMMU page */
	int coherent, hugepages;
	struct plbuf_iova iova;
	struct plbuf_iova_range valid[MAX_VALID];
	int nvalid;
	uint64_t mapped;          /* bytes mapped now, and in how many mappings */
	unsigned nmaps;
};

static int vfio_probe(char *why, size_t len)
{
	const char *dev = getenv("PLBUF_VFIO_DEVICE"), *grp = getenv("PLBUF_VFIO_GROUP");
	char bdf[16], path[4096];
	int groupno = -1;

	if ((!dev || !*dev) && (!grp || !*grp)) {
		snprintf(why, len, "not configured: set PLBUF_VFIO_DEVICE=DDDD:BB:DD.F (a device bound to "
			 "vfio-pci), or open \"vfio\" with device=");
		return -ENOENT;
	}
	if (dev && *dev) {
		if (plbuf__pci_addr_parse(dev, bdf, sizeof(bdf)) < 0) {
			snprintf(why, len, "PLBUF_VFIO_DEVICE=%.40s is not a PCI address such as "
				 "0000:01:00.0", dev);
			return -EINVAL;
		}
		if (plbuf__pci_vfio_check(bdf, &groupno) < 0) {
			snprintf(why, len, "%s", plbuf_errmsg());
			return -ENODEV;
		}
	}
	if (access(plbuf__path(path, sizeof(path), "/dev/vfio/vfio"), R_OK | W_OK) != 0) {
		snprintf(why, len, "%s: %s (modprobe vfio-pci, as root)", path, strerror(errno));
		return -ENOENT;
	}
	if (groupno >= 0)
		snprintf(why, len, "device %s (vfio-pci) in IOMMU group %d", bdf, groupno);
	else
		snprintf(why, len, "IOMMU group %.20s", grp);
	return 0;
}

static void vfio_close(struct plbuf_ctx *ctx)
{
	struct vfio *v = plbuf__priv(ctx);

	if (v->device >= 0)
		close(v->device);
	if (v->group >= 0)
		close(v->group); /* detaches it from the container */
	if (v->container >= 0)
		close(v->container);
	plbuf__iova_destroy(&v->iova);
}

static int open_node(const char *rel, const char *hint_enoent, const char *hint_ebusy)
{
	char path[4096];
	int fd = plbuf__sys_open(plbuf__path(path, sizeof(path), rel), O_RDWR, 0);

	if (fd < 0) {
		int e = errno;

		return plbuf__err(e, "vfio: cannot open %s: %s%s", path, strerror(e),
				  e == ENOENT ? hint_enoent : e == EBUSY ? hint_ebusy :
				  e == EACCES || e == EPERM ? " (needs root, or read/write access to it)" : "");
	}
	return fd;
}

static int vioctl(int fd, unsigned long req, void *arg, const char *name, const char *file)
{
	int r = plbuf__sys_ioctl(fd, req, arg);

	if (r < 0)
		return plbuf__err(errno, "vfio: %s on %s failed: %s%s", name, file, strerror(errno),
				  errno == ENOTTY ? " (not a VFIO device node?)" : "");
	return r;
}

static int get_info(struct vfio *v)
{
	size_t len = sizeof(struct vfio_iommu_type1_info);
	struct vfio_iommu_type1_info *info = calloc(1, len);
	int err;

	if (!info)
		return plbuf__err(ENOMEM, "out of process memory");
	info->argsz = (uint32_t)len;
	err = vioctl(v->container, VFIO_IOMMU_GET_INFO, info, "VFIO_IOMMU_GET_INFO", "/dev/vfio/vfio");
	if (!err && info->argsz > len && info->argsz <= 65536) {
		/* The capabilities follow the struct: ask again with room for them. */
		size_t want = info->argsz;
		void *p = realloc(info, want);

		if (!p) {
			free(info);
			return plbuf__err(ENOMEM, "out of process memory");
		}
		info = p;
		memset(info, 0, want);
		info->argsz = (uint32_t)want;
		len = want;
		err = vioctl(v->container, VFIO_IOMMU_GET_INFO, info, "VFIO_IOMMU_GET_INFO",
			     "/dev/vfio/vfio");
	}
	if (!err) {
		v->pgsize = (info->flags & VFIO_IOMMU_INFO_PGSIZES) && info->iova_pgsizes ?
			    info->iova_pgsizes & -info->iova_pgsizes : 4096;
		v->nvalid = plbuf__vfio_iova_ranges(info, len < info->argsz ? len : info->argsz,
						    v->valid, MAX_VALID);
		if (v->nvalid < 0)
			err = plbuf__err(EPROTO, "vfio: VFIO_IOMMU_GET_INFO returned a malformed "
					 "capability chain");
	}
	free(info);
	return err < 0 ? err : 0;
}

static int setup_container(struct vfio *v)
{
	struct vfio_group_status st = {.argsz = sizeof(st)};
	char rel[64], devs[512];
	int r, err;

	v->container = open_node("/dev/vfio/vfio", " (load VFIO as root: modprobe vfio-pci; the "
				 "kernel needs CONFIG_VFIO)", "");
	if (v->container < 0)
		return v->container;
	if ((r = vioctl(v->container, VFIO_GET_API_VERSION, NULL, "VFIO_GET_API_VERSION",
			"/dev/vfio/vfio")) < 0)
		return r;
	if (r != VFIO_API_VERSION)
		return plbuf__err(EPROTO, "vfio: /dev/vfio/vfio speaks VFIO API %d, plbuf %d", r,
				  VFIO_API_VERSION);
	if (plbuf__sys_ioctl(v->container, VFIO_CHECK_EXTENSION,
			     (void *)(uintptr_t)VFIO_TYPE1v2_IOMMU) > 0)
		v->type = VFIO_TYPE1v2_IOMMU;
	else if (plbuf__sys_ioctl(v->container, VFIO_CHECK_EXTENSION,
				  (void *)(uintptr_t)VFIO_TYPE1_IOMMU) > 0)
		v->type = VFIO_TYPE1_IOMMU;
	else
		return plbuf__err(EOPNOTSUPP, "vfio: VFIO has no type1 IOMMU driver: modprobe "
				  "vfio_iommu_type1 (VFIO's no-IOMMU mode is not supported: there device "
				  "addresses are physical; use the hugepage or reserved backend)");
	snprintf(rel, sizeof(rel), "/dev/vfio/%d", v->groupno);
	v->group = open_node(rel, " (is the device bound to vfio-pci?)", " (the group is open "
			     "already, in this or another process: a VFIO group can be opened once)");
	if (v->group < 0)
		return v->group;
	if ((err = vioctl(v->group, VFIO_GROUP_GET_STATUS, &st, "VFIO_GROUP_GET_STATUS", rel)) < 0)
		return err;
	if (!(st.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		plbuf__iommu_group_devices(v->groupno, devs, sizeof(devs));
		return plbuf__err(EBUSY, "vfio: IOMMU group %d is not viable: every device in it must be "
				  "bound to vfio-pci or to no driver; its devices: %s", v->groupno,
				  devs[0] ? devs : "(see /sys/kernel/iommu_groups/N/devices)");
	}
	if ((err = vioctl(v->group, VFIO_GROUP_SET_CONTAINER, &v->container,
			  "VFIO_GROUP_SET_CONTAINER", rel)) < 0 ||
	    (err = vioctl(v->container, VFIO_SET_IOMMU, (void *)(uintptr_t)v->type, "VFIO_SET_IOMMU",
			  "/dev/vfio/vfio")) < 0)
		return err;
	return get_info(v);
}

static int setup_iova(struct vfio *v, uint64_t base, uint64_t last)
{
	char list[256] = "";
	size_t off = 0;
	int err = plbuf__iova_init(&v->iova, v->valid, v->nvalid, base, last);

	if (err == -ENOSPC) {
		for (int i = 0; i < v->nvalid && off < sizeof(list); i++)
			off += (size_t)snprintf(list + off, sizeof(list) - off, "%s0x%llx-0x%llx",
						i ? ", " : "", (unsigned long long)v->valid[i].start,
						(unsigned long long)v->valid[i].end);
		return plbuf__err(EINVAL, "vfio: no valid IOVA between iova_base 0x%llx and iova_limit "
				  "0x%llx; the IOMMU accepts %s", (unsigned long long)base,
				  (unsigned long long)last, list[0] ? list : "(it did not say)");
	}
#if defined(__x86_64__) || defined(__i386__)
	/* The MSI window: the kernel leaves it out of the valid ranges, but older kernels report
	 * none, and a DMA there would be taken for an interrupt. */
	if (!err)
		err = plbuf__iova_exclude(&v->iova, 0xfee00000ull, 0xfeefffffull);
#endif
	return err < 0 ? plbuf__err(err, "out of process memory") : 0;
}

static int vfio_open(struct plbuf_ctx *ctx, struct plbuf_kv *kv)
{
	const char *dev = plbuf__kv_get(kv, "device"), *grp = plbuf__kv_get(kv, "group");
	uint64_t base, last, coherent, huge;
	struct plbuf_bank b = {0};
	struct vfio *v = plbuf__priv(ctx);
	char *end;
	int err;

	v->container = v->group = v->device = -1;
	if ((err = plbuf__kv_u64(kv, "iova_base", IOVA_BASE_DEFAULT, &base)) < 0 ||
	    (err = plbuf__kv_u64(kv, "iova_limit", UINT64_MAX, &last)) < 0 ||
	    (err = plbuf__kv_u64(kv, "coherent", VFIO_COHERENT_DEFAULT, &coherent)) < 0 ||
	    (err = plbuf__kv_u64(kv, "hugepages", 1, &huge)) < 0)
		return err;
	if (!dev && !grp) {
		dev = getenv("PLBUF_VFIO_DEVICE");
		grp = getenv("PLBUF_VFIO_GROUP");
		dev = dev && *dev ? dev : NULL;
		grp = grp && *grp ? grp : NULL;
	}
	if (!dev && !grp)
		return plbuf__err(EINVAL, "vfio: no device given: use device=DDDD:BB:DD.F (its PCI address, "
				  "`lspci -D`; bound to vfio-pci) or group=N, or set PLBUF_VFIO_DEVICE");
	v->groupno = -1;
	v->coherent = coherent != 0;
	v->hugepages = huge != 0;
	if (dev && plbuf__pci_addr_parse(dev, v->bdf, sizeof(v->bdf)) < 0)
		return plbuf__err(EINVAL, "vfio: device=%s is not a PCI address such as 0000:01:00.0",
				  dev);
	if (dev && (err = plbuf__pci_vfio_check(v->bdf, &v->groupno)) < 0)
		return err;
	if (grp) {
		long g = strtol(grp, &end, 10);

		if (!isdigit((unsigned char)*grp) || *end || g > 1000000 ||
		    (v->groupno >= 0 && g != v->groupno))
			return plbuf__err(EINVAL, "vfio: group=%s is not %s", grp, v->groupno >= 0 ?
					  "the device's IOMMU group" : "a group number");
		v->groupno = (int)g;
	}
	if ((err = setup_container(v)) < 0 || (err = setup_iova(v, base, last)) < 0)
		return err;
	if (dev) {
		v->device = plbuf__sys_ioctl(v->group, VFIO_GROUP_GET_DEVICE_FD, v->bdf);
		if (v->device < 0)
			return plbuf__err(errno, "vfio: VFIO_GROUP_GET_DEVICE_FD for %s failed: %s",
					  v->bdf, strerror(errno));
	}
	snprintf(b.name, sizeof(b.name), "iova");
	b.base = v->iova.free[0].start;
	b.coherent = v->coherent;
	b.cached_default = 1;
	if ((err = plbuf__bank_add(ctx, &b)) < 0)
		return err;
	/* 2 MiB chunks: one huge page each, and one IOMMU large page where the IOMMU has them. */
	plbuf__set_chunk_size(ctx, HUGE_2M);
	return 0;
}

static int has_cap(int cap)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d) < 0)
		return 0;
	return (d[cap / 32].effective >> (cap % 32)) & 1;
}

static int map_error(struct vfio *v, int e, uint64_t len, uint64_t iova)
{
	struct rlimit rl = {0, 0};

	getrlimit(RLIMIT_MEMLOCK, &rl);
	if (e == ENOMEM && rl.rlim_cur != RLIM_INFINITY && !has_cap(CAP_IPC_LOCK))
		return plbuf__err(ENOMEM, "vfio: VFIO_IOMMU_MAP_DMA of %llu bytes failed: pinning them "
				  "would pass RLIMIT_MEMLOCK (%llu bytes; this context has %llu pinned "
				  "already): raise it (ulimit -l unlimited; LimitMEMLOCK=infinity for a "
				  "systemd service; memlock in /etc/security/limits.conf), or run with "
				  "CAP_IPC_LOCK", (unsigned long long)len, (unsigned long long)rl.rlim_cur,
				  (unsigned long long)v->mapped);
	if (e == ENOSPC)
		return plbuf__err(ENOMEM, "vfio: VFIO_IOMMU_MAP_DMA failed: vfio_iommu_type1's limit of "
				  "DMA mappings is reached (%u made by this context): free buffers, or "
				  "raise it: modprobe vfio_iommu_type1 dma_entry_limit=N", v->nmaps);
	return plbuf__err(e, "vfio: VFIO_IOMMU_MAP_DMA of %llu bytes at IOVA 0x%llx failed: %s%s",
			  (unsigned long long)len, (unsigned long long)iova, strerror(e),
			  e == ENOMEM ? " (out of memory to pin)" : "");
}

static int iova_error(struct vfio *v, uint64_t len, uint64_t align, uint64_t max_dev)
{
	uint64_t f, l, fa, la, tmp;

	plbuf__iova_stats(&v->iova, max_dev, &f, &l);
	plbuf__iova_stats(&v->iova, UINT64_MAX, &fa, &la);
	if (max_dev != UINT64_MAX && plbuf__iova_alloc(&v->iova, len, align, UINT64_MAX, &tmp) == 0) {
		plbuf__iova_free(&v->iova, tmp, len);
		return plbuf__err(ERANGE, "vfio: no IOVA range of %llu bytes at or below "
				  "max_device_address 0x%llx: %llu bytes of IOVA free below it, the largest "
				  "range %llu bytes (%llu mapped by this context): free buffers, or lower "
				  "iova_base", (unsigned long long)len, (unsigned long long)max_dev,
				  (unsigned long long)f, (unsigned long long)l,
				  (unsigned long long)v->mapped);
	}
	return plbuf__err(ENOMEM, "vfio: IOVA space exhausted: no free range of %llu bytes (%llu "
			  "bytes free, the largest range %llu bytes; %llu bytes mapped in %u mappings): "
			  "free buffers, or widen the space with iova_base / iova_limit",
			  (unsigned long long)len, (unsigned long long)fa, (unsigned long long)la,
			  (unsigned long long)v->mapped, v->nmaps);
}

static int vfio_chunk_alloc(struct plbuf_ctx *ctx, int bank, uint64_t size, uint64_t align,
			    uint64_t max_dev, int cached, struct plbuf_chunk *out)
{
	struct vfio *v = plbuf__priv(ctx);
	uint64_t pg = v->pgsize > plbuf__page_size() ? v->pgsize : plbuf__page_size();
	uint64_t len, iova = 0, ialign;
	void *va = MAP_FAILED;
	int huge = 0, err;

	if (!cached && !v->coherent) {
		if (plbuf__arch_clean(NULL, 0) == -EOPNOTSUPP) /* ARMv7 */
			return plbuf__err(EOPNOTSUPP, "vfio: ordinary memory can only be mapped cached, and this "
					  "CPU cannot flush cached memory from user space: usable here only with "
					  "a device that snoops the caches (coherent=1)");
		return plbuf__err(EOPNOTSUPP, "vfio: ordinary memory can only be mapped cached and this "
				  "system's DMA does not snoop the caches: use cacheable=yes (the default) "
				  "with flush/invalidate, or coherent=1 if the device is coherent");
	}
	if (size > UINT64_MAX - HUGE_2M)
		return plbuf__err(EOVERFLOW, "vfio: %llu bytes is too large", (unsigned long long)size);
	len = (size + pg - 1) & ~(pg - 1);
	if (v->hugepages && len >= HUGE_2M) {
		uint64_t hl = (size + HUGE_2M - 1) & ~(HUGE_2M - 1);

		va = plbuf__sys_mmap(NULL, hl, PROT_READ | PROT_WRITE,
				     MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
		if (va != MAP_FAILED) {
			len = hl;
			huge = 1;
		}
	}
	if (va == MAP_FAILED)
		va = plbuf__sys_mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (va == MAP_FAILED)
		return plbuf__err(errno, "vfio: cannot map %llu bytes of memory: %s",
				  (unsigned long long)len, strerror(errno));
	ialign = align > pg ? align : pg;
	if (huge && ialign < HUGE_2M)
		ialign = HUGE_2M; /* same offset in a 2 MiB page on both sides: IOMMU large pages */
	err = plbuf__iova_alloc(&v->iova, len, ialign, max_dev, &iova);
	if (err) {
		munmap(va, len);
		return err == -ENOSPC ? iova_error(v, len, ialign, max_dev)
				      : plbuf__err(-err, "vfio: IOVA allocator: %s", strerror(-err));
	}
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.vaddr = (uintptr_t)va,
		.iova = iova,
		.size = len,
	};
	if (plbuf__sys_ioctl(v->container, VFIO_IOMMU_MAP_DMA, &map) < 0) {
		int e = errno;

		munmap(va, len);
		plbuf__iova_free(&v->iova, iova, len);
		return map_error(v, e, len, iova);
	}
	v->mapped += len;
	v->nmaps++;
	out->va = va;
	out->va_uc = v->coherent ? va : NULL; /* snooped: one mapping serves uncached requests */
	out->dev = iova;
	out->phys = PLBUF_NO_ADDRESS;
	out->size = len;
	out->bank = bank;
	out->flags = PLBUF_CHUNK_CACHED | (v->coherent ? PLBUF_CHUNK_COHERENT : 0);
	out->priv_u64 = len;
	return 0;
}

static void vfio_chunk_free(struct plbuf_ctx *ctx, struct plbuf_chunk *c)
{
	struct vfio *v = plbuf__priv(ctx);
	struct vfio_iommu_type1_dma_unmap um = {.argsz = sizeof(um), .iova = c->dev, .size = c->size};

	if (plbuf__sys_ioctl(v->container, VFIO_IOMMU_UNMAP_DMA, &um) < 0) {
		/* The device may still reach the pages: keep them and their IOVAs out of use. */
		return;
	}
	v->mapped -= c->size;
	v->nmaps--;
	munmap(c->va, c->priv_u64);
	plbuf__iova_free(&v->iova, c->dev, c->size);
}

/* IOVA space is rarely the limit; memory is.  An estimate: free IOVA capped by MemAvailable. */
static int vfio_bank_stats(struct plbuf_ctx *ctx, int bank, uint64_t *free_b, uint64_t *largest)
{
	struct vfio *v = plbuf__priv(ctx);
	uint64_t avail;

	plbuf__iova_stats(&v->iova, UINT64_MAX, free_b, largest);
	if (plbuf__meminfo("MemAvailable", &avail) == 0) {
		if (*free_b > avail)
			*free_b = avail;
		if (*largest > avail)
			*largest = avail;
	}
	return 0;
}

static void vfio_info(struct plbuf_ctx *ctx, FILE *out)
{
	struct vfio *v = plbuf__priv(ctx);
	struct rlimit rl = {0, 0};

	getrlimit(RLIMIT_MEMLOCK, &rl);
	fprintf(out, "  device %s, IOMMU group %d, %s, IOMMU page %llu bytes\n",
		v->bdf[0] ? v->bdf : "(group only)", v->groupno,
		v->type == VFIO_TYPE1v2_IOMMU ? "type1v2" : "type1", (unsigned long long)v->pgsize);
	for (int i = 0; i < v->nvalid; i++)
		fprintf(out, "  valid IOVA range 0x%llx-0x%llx\n", (unsigned long long)v->valid[i].start,
			(unsigned long long)v->valid[i].end);
	fprintf(out, "  mapped: %llu bytes in %u mappings; RLIMIT_MEMLOCK %s%s\n",
		(unsigned long long)v->mapped, v->nmaps,
		rl.rlim_cur == RLIM_INFINITY ? "unlimited" : "limited (ulimit -l to raise it)",
		has_cap(CAP_IPC_LOCK) ? " (CAP_IPC_LOCK: not enforced)" : "");
	fprintf(out, "  device address = IOVA; physical address: none (the device sees only IOVAs)\n");
}

/* The device's VFIO fd (for VFIO_DEVICE_GET_REGION_INFO and the BARs), owned by the context;
 * -1 with errno EINVAL when ctx is not a vfio context or was opened by group only. */
PLBUF_EXPORT int plbuf_vfio_device_fd(const plbuf_ctx *ctx)
{
	if (!ctx || strcmp(plbuf_ctx_backend(ctx), "vfio") != 0 ||
	    ((const struct vfio *)plbuf__priv(ctx))->device < 0) {
		errno = EINVAL;
		return -1;
	}
	return ((const struct vfio *)plbuf__priv(ctx))->device;
}

/* The row (backend.h).  Every backend's looks like this one on purpose: a backend is a row. */
const struct plbuf_backend plbuf__backend_vfio = {
	.name = "vfio",
	.summary = "a PCIe device behind an IOMMU (VFIO type1): device addresses are IOVAs",
	.rank = 20,
	.priv_size = sizeof(struct vfio),
	.probe = vfio_probe,
	.open = vfio_open,
	.close = vfio_close,
	.chunk_alloc = vfio_chunk_alloc,
	.chunk_free = vfio_chunk_free,
	.bank_stats = vfio_bank_stats,
	.info = vfio_info,
};
