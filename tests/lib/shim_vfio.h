/*
 * shim_vfio.h - a VFIO type1 that exists only in tests: a fixture tree (PLBUF_ROOT) with a PCI
 * device bound to vfio-pci in an IOMMU group, /dev/vfio/vfio and /dev/vfio/<group> as regular
 * files, and an fx_driver (tests/lib/fixture.h) that answers the container's and the group's
 * ioctls as drivers/vfio/vfio_iommu_type1.c and drivers/vfio/group.c of Linux 6.1 do: API
 * version, extensions, group status, SET_CONTAINER, SET_IOMMU, GET_INFO with its capability chain
 * (DMA-available, then IOVA ranges, each "next" an offset from the start of the reply, as the
 * kernel shifts them), MAP_DMA with the kernel's checks in its order (alignment, wrap, EEXIST for
 * an overlap, ENOSPC at dma_entry_limit, EINVAL outside the valid IOVA ranges, then pinning:
 * ENOMEM past the locked-memory limit, EFAULT for an unmapped vaddr), UNMAP_DMA (the size really
 * unmapped comes back in size), GET_DEVICE_FD.  No DMA happens: the mappings are recorded so that
 * a test can check that each buffer's device address is the IOVA of its own memory.  The
 * emulation cannot see close(): call shim_vfio_setup() again before each plbuf_open().
 */
#ifndef SHIM_VFIO_H
#define SHIM_VFIO_H

#include <stdint.h>

#define SHIM_VFIO_MAXMAPS 256

struct shim_vfio_map {
	uint64_t vaddr, iova, size;
};

struct shim_vfio {
	/* behaviour, set before plbuf_open() (shim_vfio_setup() resets it) */
	int viable;                /* VFIO_GROUP_GET_STATUS says viable */
	int type1, type1v2;        /* extensions offered */
	int caps;                  /* GET_INFO has a capability chain */
	uint64_t lock_limit;       /* bytes that may be pinned (0: none), as RLIMIT_MEMLOCK */
	int entry_limit;           /* dma_entry_limit */
	int nranges;
	struct { uint64_t start, end; } ranges[4]; /* valid IOVA ranges */
	/* state */
	int container_set, iommu_set, device_fds;
	int nmaps;
	struct shim_vfio_map maps[SHIM_VFIO_MAXMAPS];
	uint64_t pinned;
};
extern struct shim_vfio shim_vfio;

/* Creates the fixture for device bdf in IOMMU group `group` (x86's valid ranges: everything
 * below 2^39 but the MSI window 0xfee00000-0xfeefffff) and registers the emulation. */
void shim_vfio_setup(const char *bdf, int group);
/* The mapping that holds [iova, iova + len), or NULL. */
const struct shim_vfio_map *shim_vfio_find(uint64_t iova, uint64_t len);
/* Descriptors this process holds on fixture files under /dev/vfio. */
int shim_vfio_open_fds(void);

#endif
