/*
 * shim_zocl.h - a zocl that exists only in tests: a fixture tree (PLBUF_ROOT) holding the files
 * zocl creates, and an ioctl() that answers zocl's ioctls on the fixture's render node.
 *
 * Reproduced version: zocl of Xilinx/XRT, ioctl ABI of src/runtime_src/core/edge/include/
 * zynq_ioctl.h as stored at commit f5369b42 (2016-2021), BO behaviour of
 * src/runtime_src/core/edge/drm/zocl/common/zocl_bo.c at commit 0bc92719 (2016-2022): BOs
 * page-aligned and, at one page or less, two pages; bank index = flags & 0xffff; bit 24 =
 * cacheable, dropped for "MIG"/"LPDDR" (PL-DDR) banks; invalid or unused bank index -> CMA;
 * SYNC_BO rejects ranges outside the BO (EINVAL).  The structures are declared here again, from
 * the header, independently of src/backends/zocl.c, so that a slip in one is caught by the other.
 *
 * Built on tests/lib/fixture.h: the tree is the fixture root (PLBUF_ROOT) and the emulation is an
 * fx_driver that claims the render nodes it made, so fixture.c's ioctl() hands it their ioctls
 * (and fx_fail_ioctl() makes them fail on demand).  The render node is a regular file: MAP_BO
 * hands out offsets into it (from the DRM fake-offset base, as zocl does), so the backend's mmap()
 * of the node maps real shared memory.  CMA lives at cfg.cma_base in "physical" address space;
 * /proc/meminfo's CmaFree follows the allocations.
 */
#ifndef SHIM_ZOCL_H
#define SHIM_ZOCL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>

#define SHIM_ZOCL_VERSION "zocl (Xilinx/XRT zynq_ioctl.h @f5369b42, zocl_bo.c @0bc92719)"

/* zynq_ioctl.h and the DRM core's drm.h, as the kernel sees them. */
struct shim_drm_version {
	int version_major, version_minor, version_patchlevel;
	size_t name_len;
	char *name;
	size_t date_len;
	char *date;
	size_t desc_len;
	char *desc;
};
struct shim_gem_close { uint32_t handle, pad; };
struct shim_create_bo { uint64_t size; uint32_t handle, flags; };
struct shim_map_bo { uint32_t handle, pad; uint64_t offset; };
struct shim_sync_bo { uint32_t handle; int dir; uint64_t offset, size; };
struct shim_info_bo { uint32_t handle, flags; uint64_t size, paddr; };

#define SHIM_DRM_IOCTL_VERSION _IOWR('d', 0x00, struct shim_drm_version)
#define SHIM_DRM_IOCTL_GEM_CLOSE _IOW('d', 0x09, struct shim_gem_close)
#define SHIM_ZOCL_CREATE_BO _IOWR('d', 0x40 + 0, struct shim_create_bo)
#define SHIM_ZOCL_MAP_BO _IOWR('d', 0x40 + 3, struct shim_map_bo)
#define SHIM_ZOCL_SYNC_BO _IOWR('d', 0x40 + 4, struct shim_sync_bo)
#define SHIM_ZOCL_INFO_BO _IOWR('d', 0x40 + 5, struct shim_info_bo)
#define SHIM_ZOCL_SYNC_TO_DEVICE 0
#define SHIM_ZOCL_SYNC_FROM_DEVICE 1
#define SHIM_ZOCL_FLAGS_CACHEABLE (1u << 24)

/* A memory topology entry, as the image's MEM_TOPOLOGY section gives it. */
struct shim_zocl_bank {
	const char *tag;
	int type;       /* 0 DDR3, 1 DDR4, 3 streaming, 10 host ... (XRT's enum MEM_TYPE) */
	int used;
	uint64_t base, size;
};

struct shim_zocl_cfg {
	const char *driver;     /* what DRM_IOCTL_VERSION names; NULL: "zocl" */
	int minor;              /* render node minor; 0: 128 */
	int ntopo;              /* entries of topo; 0: empty mem_topology; -1: no such file */
	const struct shim_zocl_bank *topo;
	const void *raw_topology; /* when not NULL, the mem_topology file's bytes as given */
	size_t raw_len;
	uint64_t cma_base, cma_size; /* 0: 0x60000000 and 128 MiB (a PYNQ-Z2's CMA) */
};

/* What the shim knows of a BO. */
struct shim_zocl_bo {
	uint32_t handle, user_flags;
	uint64_t asked, size, paddr, map_off;
	int cacheable, live;
};

/* Builds the fixture (fx_root(), which sets PLBUF_ROOT) and returns its root.  Exits the test
 * (status 1) when the tree cannot be made. */
const char *shim_zocl_setup(const struct shim_zocl_cfg *cfg);
/* Another render node in the same tree, driven by driver (e.g. "i915"). */
void shim_zocl_add_node(int minor, const char *driver);
/* Removes the tree (fx_cleanup) and forgets every BO. */
void shim_zocl_teardown(void);

/* Number of ioctls of request req that reached the emulated driver since setup. */
int shim_zocl_calls(unsigned long req);

/* BOs not yet closed with GEM_CLOSE. */
int shim_zocl_live_bos(void);
/* The BO with this handle (live or closed), or NULL. */
const struct shim_zocl_bo *shim_zocl_bo(uint32_t handle);
/* The most recently created BO, or NULL. */
const struct shim_zocl_bo *shim_zocl_last_bo(void);
/* Reads len bytes of a BO's memory at off (what the device would see). Returns 0 or -1. */
int shim_zocl_read(uint32_t handle, uint64_t off, void *dst, size_t len);

/* The SYNC_BO calls recorded since setup or the last shim_zocl_sync_clear(). */
int shim_zocl_nsync(void);
const struct shim_sync_bo *shim_zocl_sync_get(int i);
void shim_zocl_sync_clear(void);

#endif
