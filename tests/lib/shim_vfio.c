/* shim_vfio.c - see shim_vfio.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/vfio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fixture.h"
#include "shim_vfio.h"

struct shim_vfio shim_vfio;
static char shim_bdf[32];
static int shim_group;

static int claims(const char *rel)
{
	return strncmp(rel, "/dev/vfio/", 10) == 0;
}

static long get_info(struct vfio_iommu_type1_info *info)
{
	struct vfio_iommu_type1_info_dma_avail avail;
	struct vfio_iommu_type1_info_cap_iova_range rng;
	size_t rsize = sizeof(rng) + (size_t)shim_vfio.nranges * sizeof(struct vfio_iova_range);
	size_t caps = shim_vfio.caps ? sizeof(avail) + rsize : 0;
	uint32_t argsz = info->argsz;

	if (argsz < offsetof(struct vfio_iommu_type1_info, cap_offset))
		return -EINVAL;
	info->flags = VFIO_IOMMU_INFO_PGSIZES;
	info->iova_pgsizes = 4096 | (2 << 20) | (1 << 30);
	if (!caps)
		return 0;
	info->flags |= VFIO_IOMMU_INFO_CAPS;
	if (argsz < sizeof(*info) + caps) {
		info->argsz = (uint32_t)(sizeof(*info) + caps);
		if (argsz >= sizeof(*info))
			info->cap_offset = 0;
		return 0;
	}
	unsigned char *p = (unsigned char *)info;
	uint32_t off = sizeof(*info);

	memset(&avail, 0, sizeof(avail));
	avail.header.id = VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL;
	avail.header.version = 1;
	avail.header.next = off + sizeof(avail);
	avail.avail = (uint32_t)(shim_vfio.entry_limit - shim_vfio.nmaps);
	memcpy(p + off, &avail, sizeof(avail));
	off += sizeof(avail);
	memset(&rng, 0, sizeof(rng));
	rng.header.id = VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE;
	rng.header.version = 1;
	rng.nr_iovas = (uint32_t)shim_vfio.nranges;
	memcpy(p + off, &rng, sizeof(rng));
	for (int i = 0; i < shim_vfio.nranges; i++) {
		struct vfio_iova_range r = {shim_vfio.ranges[i].start, shim_vfio.ranges[i].end};

		memcpy(p + off + sizeof(rng) + (size_t)i * sizeof(r), &r, sizeof(r));
	}
	info->cap_offset = sizeof(*info);
	info->argsz = (uint32_t)(sizeof(*info) + caps);
	return 0;
}

/* Pinning faults the pages in: an address with nothing mapped fails as get_user_pages does.
 * msync() tells a mapped page from a hole (ENOMEM) without touching it, and qemu-user passes it
 * through with the guest's addresses translated. */
static int readable(uint64_t vaddr, uint64_t size)
{
	uintptr_t ps = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t first = (uintptr_t)vaddr & ~(ps - 1), last = (uintptr_t)(vaddr + size - 1) & ~(ps - 1);

	return msync((void *)first, 1, MS_ASYNC) == 0 && msync((void *)last, 1, MS_ASYNC) == 0;
}

/* What pinning for DMA does to the pages: write-faults them in (a huge page leaves the pool). */
static void pin(uint64_t vaddr, uint64_t size)
{
	uint64_t ps = (uint64_t)sysconf(_SC_PAGESIZE);

	for (uint64_t off = 0; off < size; off += ps) {
		volatile char *p = (volatile char *)(uintptr_t)(vaddr + off);

		*p = *p;
	}
}

static long map_dma(struct vfio_iommu_type1_dma_map *m)
{
	int valid = 0;

	if (!shim_vfio.iommu_set)
		return -EINVAL;
	if (!m->size || ((m->size | m->iova | m->vaddr) & 4095))
		return -EINVAL;
	if (m->iova + m->size - 1 < m->iova || m->vaddr + m->size - 1 < m->vaddr)
		return -EINVAL;
	if (shim_vfio_find(m->iova, m->size) || shim_vfio_find(m->iova, 1) ||
	    shim_vfio_find(m->iova + m->size - 1, 1))
		return -EEXIST;
	for (int i = 0; i < shim_vfio.nmaps; i++)
		if (shim_vfio.maps[i].iova >= m->iova &&
		    shim_vfio.maps[i].iova <= m->iova + m->size - 1)
			return -EEXIST;
	if (shim_vfio.nmaps >= shim_vfio.entry_limit || shim_vfio.nmaps >= SHIM_VFIO_MAXMAPS)
		return -ENOSPC;
	for (int i = 0; i < shim_vfio.nranges; i++)
		valid |= m->iova >= shim_vfio.ranges[i].start &&
			 m->iova + m->size - 1 <= shim_vfio.ranges[i].end;
	if (!valid)
		return -EINVAL;
	if (shim_vfio.lock_limit && shim_vfio.pinned + m->size > shim_vfio.lock_limit)
		return -ENOMEM;
	if (!readable(m->vaddr, m->size))
		return -EFAULT;
	pin(m->vaddr, m->size);
	shim_vfio.maps[shim_vfio.nmaps].vaddr = m->vaddr;
	shim_vfio.maps[shim_vfio.nmaps].iova = m->iova;
	shim_vfio.maps[shim_vfio.nmaps].size = m->size;
	shim_vfio.nmaps++;
	shim_vfio.pinned += m->size;
	return 0;
}

static long unmap_dma(struct vfio_iommu_type1_dma_unmap *u)
{
	for (int i = 0; i < shim_vfio.nmaps; i++)
		if (shim_vfio.maps[i].iova == u->iova && shim_vfio.maps[i].size == u->size) {
			shim_vfio.pinned -= u->size;
			shim_vfio.maps[i] = shim_vfio.maps[--shim_vfio.nmaps];
			return 0;
		}
	u->size = 0; /* nothing there: the kernel unmaps nothing and says so */
	return 0;
}

static long container_ioctl(unsigned long req, void *arg)
{
	unsigned long ext = (unsigned long)(uintptr_t)arg;

	switch (req) {
	case VFIO_GET_API_VERSION:
		return VFIO_API_VERSION;
	case VFIO_CHECK_EXTENSION:
		return (ext == VFIO_TYPE1v2_IOMMU && shim_vfio.type1v2) ||
		       (ext == VFIO_TYPE1_IOMMU && shim_vfio.type1);
	case VFIO_SET_IOMMU:
		if (!shim_vfio.container_set || shim_vfio.iommu_set)
			return -EINVAL;
		if (!((ext == VFIO_TYPE1v2_IOMMU && shim_vfio.type1v2) ||
		      (ext == VFIO_TYPE1_IOMMU && shim_vfio.type1)))
			return -EINVAL;
		shim_vfio.iommu_set = 1;
		return 0;
	case VFIO_IOMMU_GET_INFO:
		return shim_vfio.iommu_set ? get_info(arg) : -EINVAL;
	case VFIO_IOMMU_MAP_DMA:
		return map_dma(arg);
	case VFIO_IOMMU_UNMAP_DMA:
		return unmap_dma(arg);
	}
	return -ENOTTY;
}

static long group_ioctl(unsigned long req, void *arg)
{
	char p[PATH_MAX];
	struct vfio_group_status *st = arg;

	switch (req) {
	case VFIO_GROUP_GET_STATUS:
		st->flags = (shim_vfio.viable ? VFIO_GROUP_FLAGS_VIABLE : 0) |
			    (shim_vfio.container_set ? VFIO_GROUP_FLAGS_CONTAINER_SET : 0);
		return 0;
	case VFIO_GROUP_SET_CONTAINER:
		if (!shim_vfio.viable)
			return -EPERM;
		if (shim_vfio.container_set)
			return -EBUSY;
		shim_vfio.container_set = 1;
		return 0;
	case VFIO_GROUP_GET_DEVICE_FD:
		if (!shim_vfio.iommu_set)
			return -EINVAL;
		if (strcmp(arg, shim_bdf) != 0)
			return -ENODEV;
		shim_vfio.device_fds++;
		return open(fx_path(p, sizeof(p), "/dev/vfio/.device"), O_RDWR | O_CLOEXEC);
	}
	return -ENOTTY;
}

static long vfio_ioctl(int fd, const char *rel, unsigned long req, void *arg)
{
	char grp[32];

	(void)fd;
	if (strcmp(rel, "/dev/vfio/vfio") == 0)
		return container_ioctl(req, arg);
	snprintf(grp, sizeof(grp), "/dev/vfio/%d", shim_group);
	if (strcmp(rel, grp) == 0)
		return group_ioctl(req, arg);
	return -ENOTTY;
}

static const struct fx_driver driver = {
	.name = "vfio",
	.claims = claims,
	.ioctl = vfio_ioctl,
};

void shim_vfio_setup(const char *bdf, int group)
{
	char rel[256], target[256];

	memset(&shim_vfio, 0, sizeof(shim_vfio));
	shim_vfio.viable = shim_vfio.type1 = shim_vfio.type1v2 = shim_vfio.caps = 1;
	shim_vfio.entry_limit = 65535;
	shim_vfio.nranges = 2;
	shim_vfio.ranges[0].start = 0;
	shim_vfio.ranges[0].end = 0xfedfffffull;
	shim_vfio.ranges[1].start = 0xfef00000ull;
	shim_vfio.ranges[1].end = (1ull << 39) - 1;
	snprintf(shim_bdf, sizeof(shim_bdf), "%s", bdf);
	shim_group = group;

	fx_mkdir("/sys/bus/pci/drivers/vfio-pci");
	fx_mkdir("/sys/kernel/iommu_groups");
	snprintf(rel, sizeof(rel), "/sys/devices/pci0000:00/%s/vendor", bdf);
	fx_write(rel, 0444, "0x1234\n");
	snprintf(rel, sizeof(rel), "/sys/kernel/iommu_groups/%d/devices", group);
	fx_mkdir(rel);
	snprintf(rel, sizeof(rel), "/sys/bus/pci/devices/%s", bdf);
	snprintf(target, sizeof(target), "../../../devices/pci0000:00/%s", bdf);
	fx_symlink(target, rel);
	snprintf(rel, sizeof(rel), "/sys/kernel/iommu_groups/%d/devices/%s", group, bdf);
	snprintf(target, sizeof(target), "../../../../devices/pci0000:00/%s", bdf);
	fx_symlink(target, rel);
	snprintf(rel, sizeof(rel), "/sys/devices/pci0000:00/%s/driver", bdf);
	fx_symlink("../../../bus/pci/drivers/vfio-pci", rel);
	snprintf(rel, sizeof(rel), "/sys/devices/pci0000:00/%s/iommu_group", bdf);
	snprintf(target, sizeof(target), "../../../kernel/iommu_groups/%d", group);
	fx_symlink(target, rel);
	fx_file("/dev/vfio/vfio", 0666, 0);
	snprintf(rel, sizeof(rel), "/dev/vfio/%d", group);
	fx_file(rel, 0666, 0);
	fx_file("/dev/vfio/.device", 0666, 0);
	fx_register(&driver);
}

const struct shim_vfio_map *shim_vfio_find(uint64_t iova, uint64_t len)
{
	for (int i = 0; i < shim_vfio.nmaps; i++) {
		const struct shim_vfio_map *m = &shim_vfio.maps[i];

		if (iova >= m->iova && iova - m->iova < m->size && len <= m->size - (iova - m->iova))
			return m;
	}
	return NULL;
}

int shim_vfio_open_fds(void)
{
	char link[300], path[PATH_MAX], vfio[PATH_MAX];
	struct dirent *e;
	int n = 0;
	DIR *d = opendir("/proc/self/fd");

	fx_path(vfio, sizeof(vfio), "/dev/vfio/");
	while (d && (e = readdir(d)) != NULL) {
		snprintf(link, sizeof(link), "/proc/self/fd/%s", e->d_name);
		ssize_t l = readlink(link, path, sizeof(path) - 1);

		if (l > 0) {
			path[l] = 0;
			n += strncmp(path, vfio, strlen(vfio)) == 0;
		}
	}
	if (d)
		closedir(d);
	return n;
}
