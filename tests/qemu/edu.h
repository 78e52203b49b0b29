/*
 * edu.h - QEMU's "edu" PCI device (hw/misc/edu.c) as a DMA engine for proving device addresses
 * inside the test guest.  Used only by tests/qemu/edu_dma.c, which runs in the guest as /init's
 * test program; nothing here belongs to the library.
 *
 * The device: vendor 0x1234, device 0x11e8; BAR0 holds its registers; DMA copies between a device
 * address and a 4 KiB buffer inside edu at address 0x40000.  QEMU 7.2 rejects (aborts QEMU on) a
 * transfer that reaches the buffer's last byte, so transfers stay below EDU_MAX_XFER.
 */
#ifndef PLBUF_EDU_H
#define PLBUF_EDU_H

#include <stddef.h>
#include <stdint.h>

#define EDU_VENDOR 0x1234
#define EDU_DEVICE 0x11e8
#define EDU_BUF_ADDR 0x40000u /* edu's internal buffer, in its own address space */
#define EDU_MAX_XFER 4032u    /* < 4096 (see above), a multiple of the cache line */

struct edu {
	char bdf[32];                 /* "0000:00:03.0" */
	char sysdir[96];              /* /sys/bus/pci/devices/<bdf> */
	volatile unsigned char *regs; /* BAR0, as now reached */
	int cfg_fd;                   /* config space, as now reached ... */
	long long cfg_off;            /* ... at this offset */
	/* through sysfs (resource0, config), kept while a VFIO device fd is in use */
	volatile unsigned char *sys_regs;
	int sys_cfg_fd;
	void *vfio_map;               /* BAR0 mapped through the VFIO device fd, or NULL */
};

/* Finds the index'th edu device (in BDF order) and maps its registers through sysfs resource0.
 * Returns 0, or -errno after printing why. */
int edu_open(struct edu *e, int index);
void edu_close(struct edu *e);

/* From now on reaches BAR0 and config space through a VFIO device fd (the way a program using
 * plbuf's vfio backend drives its device: plbuf_vfio_device_fd()), until edu_use_sysfs().
 * Returns 0 or -errno after printing why. */
int edu_use_vfio(struct edu *e, int device_fd);
void edu_use_sysfs(struct edu *e);

/* Sets or clears the PCI command register's memory-space (bit 1) and bus-master (bit 2) bits. */
int edu_command(struct edu *e, int memory, int bus_master);

/* One DMA: to_edu copies len bytes from device address dev to edu's buffer at EDU_BUF_ADDR + off;
 * otherwise from edu's buffer to dev.  Waits for the engine (about 100 ms of guest time per
 * transfer: edu runs it from a timer).  Returns 0 or -ETIMEDOUT / -EINVAL. */
int edu_dma(struct edu *e, uint64_t dev, uint32_t off, uint32_t len, int to_edu);

/* CPU physical address of the page holding va, from /proc/self/pagemap (needs root), or
 * UINT64_MAX when unknown (not present, or PFNs hidden). */
uint64_t edu_pagemap_phys(const void *va);

/* The kernel log from now on: /dev/kmsg opened after its last record, or -1. */
int edu_kmsg_open(void);
/* Waits up to ms milliseconds for a kernel message containing both a and b; returns 1 and copies
 * it to line when one came, else 0. */
int edu_kmsg_find(int fd, const char *a, const char *b, int ms, char *line, size_t len);

/* Reports to the host: QEMU exits with status (code << 1) | 1, through the isa-debug-exit port
 * 0xf4 on x86 and semihosting on arm64.  Returns only if neither is there. */
void edu_debug_exit(unsigned code);

#endif
