/*
 * shim_udmabuf.h - a fixture of ikwzm's u-dma-buf driver, for tests only.
 *
 * Reproduces what u-dma-buf v5.2.0 (u-dma-buf.c, u-dma-buf-ioctl.h) shows user space, and v4.4.1
 * when built without ioctls: /sys/class/u-dma-buf/<name> (a link to
 * /sys/devices/<parent>/u-dma-buf/<name>, whose `device` link points at the parent: the driver's
 * platform device u-dma-buf.N, or the device udmabufN_bind= named) with its attributes in the
 * driver's formats and
 * permissions, /dev/<name> as a regular file of the page-rounded size, the attribute stores
 * (kstrtoull, range checks, sync_for_cpu/sync_for_device and their one-word command form), the
 * ioctls with their checks and error returns, and mmap's size check and memory type.
 *
 * Every cache sync the driver would perform is logged, however it was asked for.
 *
 * Where both run, it must answer as the real driver does: tests/qemu's ABI probe
 * (tests/lib/udmabuf_abi.c) compares the two, and t_udmabuf_abi compares the shim with the
 * transcripts recorded from the real driver (tests/qemu/abi/).
 */
#ifndef PLBUF_TEST_SHIM_UDMABUF_H
#define PLBUF_TEST_SHIM_UDMABUF_H

#include <stdint.h>

struct fx_udmabuf {
	char name[32];
	char version[24];    /* driver_version: "5.2.0" */
	int ioctl_version;   /* 2; 0 = built without ioctls: no ioctl_version attribute, ENOTTY */
	uint64_t size;       /* the size attribute; /dev/<name> is this rounded up to pages */
	uint64_t phys;       /* the dma_addr_t (phys_addr attribute, GET_DMA_ADDR) */
	int dma_addr_bytes;  /* sizeof(dma_addr_t): 8, or 4 on a Zynq-7000 kernel (phys_addr width) */
	int dma_coherent;    /* 0 or 1; -1 = kernel without IS_DMA_COHERENT: no attribute, treated
	                        as not coherent by the kernel */
	int quirk_mmap_mode; /* 1 off, 2 on (the ARM default), 3 auto, 4 page; 0 = built without
	                        quirk-mmap (no attribute) */
	int sync_mode;       /* 1, the driver's default */
	int dma_mask_bits;   /* 32, the dma_mask_bit module parameter's default */
	int of;              /* 1: a kernel with device tree (CONFIG_OF: GET_DRV_INFO's OF bits,
	                        the ARM boards); 0: x86 (Debian's amd64 kernel has no device tree) */
	char parent[96];     /* below /sys/devices: "" = platform/u-dma-buf.<slot> (module
	                        parameters); udmabufN_bind=pci/BDF: "pci0000:00/BDF" (the test makes
	                        that device's iommu_group link itself) */
};

/* Fills d with the defaults above for a 5.2.0 device. */
void fx_udmabuf_default(struct fx_udmabuf *d, const char *name, uint64_t size, uint64_t phys);
/* Creates the device's files in the fixture (replacing a device of the same name).  Returns 0. */
int fx_udmabuf_add(const struct fx_udmabuf *d);

enum fx_udmabuf_via {
	FX_UDMABUF_IOCTL_SET_SYNC,
	FX_UDMABUF_IOCTL_SYNC_FOR_CPU,
	FX_UDMABUF_IOCTL_SYNC_FOR_DEVICE,
	FX_UDMABUF_SYSFS,
};

/* One dma_sync_single_for_cpu() / _for_device() the driver performed. */
struct fx_udmabuf_sync {
	char dev[32];
	int via;             /* enum fx_udmabuf_via */
	int for_cpu;         /* 1: for_cpu (invalidate), 0: for_device (clean) */
	int dir;             /* 0 bidirectional, 1 to device, 2 from device */
	uint64_t offset, size;
};
int fx_udmabuf_nsyncs(void);
const struct fx_udmabuf_sync *fx_udmabuf_sync_at(int i);
void fx_udmabuf_clear_log(void);

/* The memory type the driver gave a mapping, as an arm64 kernel would (pgprot). */
enum fx_mt { FX_MT_CACHED, FX_MT_WRITECOMBINE, FX_MT_DEVICE };
/* The type of the driver mapping that holds va, or -1; *osync tells whether the file was opened
 * with O_SYNC. */
int fx_udmabuf_mapping(const void *va, int *osync);
/* The device's current sync_mode, and the sync_offset / sync_size / sync_direction state. */
int fx_udmabuf_sync_mode(const char *name);
int fx_udmabuf_sync_state(const char *name, uint64_t *offset, uint64_t *size, int *direction);

#endif
