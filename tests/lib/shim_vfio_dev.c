/* shim_vfio_dev.c - see shim_vfio_dev.h. */
#include <errno.h>
#include <linux/vfio.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fixture.h"
#include "shim_vfio_dev.h"

#define SHIFT 40

struct shim_vfio_dev shim_vfio_dev;

static int claims(const char *rel)
{
	return strcmp(rel, "/dev/vfio/.device") == 0;
}

static long region_info(struct vfio_region_info *ri)
{
	if (ri->argsz < offsetof(struct vfio_region_info, offset) + sizeof(ri->offset))
		return -EINVAL;
	if (ri->index >= VFIO_PCI_NUM_REGIONS)
		return -EINVAL;
	ri->offset = (uint64_t)ri->index << SHIFT;
	ri->size = ri->index < 6 ? shim_vfio_dev.bar_size[ri->index] : 0;
	ri->flags = 0;
	if (ri->size)
		ri->flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE |
			    (shim_vfio_dev.bar_mmap[ri->index] ? VFIO_REGION_INFO_FLAG_MMAP : 0);
	ri->cap_offset = 0;
	return 0;
}

static long irq_info(struct vfio_irq_info *ii)
{
	if (ii->argsz < sizeof(*ii) || ii->index >= VFIO_PCI_NUM_IRQS)
		return -EINVAL;
	ii->flags = VFIO_IRQ_INFO_EVENTFD;
	ii->count = 0;
	if (ii->index == VFIO_PCI_INTX_IRQ_INDEX) {
		ii->count = 1;
		ii->flags |= VFIO_IRQ_INFO_MASKABLE | VFIO_IRQ_INFO_AUTOMASKED;
	} else if (ii->index == VFIO_PCI_MSIX_IRQ_INDEX) {
		ii->count = 4;
		ii->flags |= VFIO_IRQ_INFO_NORESIZE;
	}
	return 0;
}

static long set_irqs(struct vfio_irq_set *s)
{
	uint32_t type = s->flags & VFIO_IRQ_SET_DATA_TYPE_MASK, act = s->flags & VFIO_IRQ_SET_ACTION_TYPE_MASK;
	uint32_t max = s->index == VFIO_PCI_INTX_IRQ_INDEX ? 1 : s->index == VFIO_PCI_MSIX_IRQ_INDEX ? 4 : 0;

	if (s->argsz < sizeof(*s) || s->index >= 3)
		return -EINVAL;
	if (s->start + s->count > max && !(act == VFIO_IRQ_SET_ACTION_TRIGGER && s->count == 0))
		return -EINVAL;
	if (type == VFIO_IRQ_SET_DATA_EVENTFD && act == VFIO_IRQ_SET_ACTION_TRIGGER) {
		if (s->argsz < sizeof(*s) + s->count * sizeof(int32_t))
			return -EINVAL;
		for (uint32_t i = 0; i < s->count; i++) {
			int32_t fd;

			memcpy(&fd, s->data + i * sizeof(fd), sizeof(fd));
			shim_vfio_dev.irq_fd[s->index][s->start + i] = fd;
		}
		return 0;
	}
	if (type == VFIO_IRQ_SET_DATA_NONE && act == VFIO_IRQ_SET_ACTION_TRIGGER && s->count == 0) {
		for (int i = 0; i < 8; i++)
			shim_vfio_dev.irq_fd[s->index][i] = -1;
		shim_vfio_dev.disables++;
		return 0;
	}
	if (type == VFIO_IRQ_SET_DATA_NONE && act == VFIO_IRQ_SET_ACTION_UNMASK &&
	    s->index == VFIO_PCI_INTX_IRQ_INDEX) {
		shim_vfio_dev.unmasks++;
		return 0;
	}
	return -EINVAL;
}

static long dev_ioctl(int fd, const char *rel, unsigned long req, void *arg)
{
	(void)fd;
	(void)rel;
	switch (req) {
	case VFIO_DEVICE_GET_REGION_INFO:
		return region_info(arg);
	case VFIO_DEVICE_GET_IRQ_INFO:
		return irq_info(arg);
	case VFIO_DEVICE_SET_IRQS:
		return set_irqs(arg);
	}
	return -ENOTTY;
}

static void *dev_mmap(void *addr, size_t len, int prot, int flags, int fd, const char *rel,
		      uint64_t off)
{
	unsigned i = (unsigned)(off >> SHIFT);
	uint64_t in = off & ((1ull << SHIFT) - 1);

	(void)fd;
	(void)rel;
	if (i >= 6 || !shim_vfio_dev.bar_mmap[i] || in + len > ((shim_vfio_dev.bar_size[i] + 4095) & ~4095ull)) {
		errno = EINVAL;
		return MAP_FAILED;
	}
	return fx_real_mmap(addr, len, prot, flags, shim_vfio_dev.bar_fd[i], in);
}

static const struct fx_driver driver = {
	.name = "vfio-device",
	.claims = claims,
	.ioctl = dev_ioctl,
	.mmap = dev_mmap,
};

void shim_vfio_dev_setup(void)
{
	memset(&shim_vfio_dev, 0, sizeof(shim_vfio_dev));
	memset(shim_vfio_dev.irq_fd, -1, sizeof(shim_vfio_dev.irq_fd));
	for (int i = 0; i < 6; i++)
		shim_vfio_dev.bar_fd[i] = -1;
	shim_vfio_dev.bar_size[0] = 4096;
	shim_vfio_dev.bar_mmap[0] = 1;
	shim_vfio_dev.bar_fd[0] = memfd_create("bar0", MFD_CLOEXEC);
	if (shim_vfio_dev.bar_fd[0] < 0 || ftruncate(shim_vfio_dev.bar_fd[0], 4096) < 0)
		perror("shim_vfio_dev: memfd");
	shim_vfio_dev.bar_size[2] = 256;
	fx_register(&driver);
}

int shim_vfio_dev_fire(int index, int vector)
{
	uint64_t one = 1;
	int fd = shim_vfio_dev.irq_fd[index][vector];

	if (fd < 0)
		return -1;
	return fx_real_write(fd, &one, sizeof(one)) == sizeof(one) ? 0 : -1;
}
