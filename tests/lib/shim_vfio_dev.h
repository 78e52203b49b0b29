/*
 * shim_vfio_dev.h - the device fd of tests/lib/shim_vfio.c's VFIO (the file /dev/vfio/.device),
 * answering as drivers/vfio/pci/vfio_pci_core.c of Linux 6.1 does: GET_REGION_INFO (BAR n at
 * offset n << 40, VFIO_PCI_OFFSET_SHIFT; flags READ|WRITE, and MMAP for BARs that may be mapped),
 * GET_IRQ_INFO (INTx: one, EVENTFD|MASKABLE|AUTOMASKED; MSI-X: four, EVENTFD|NORESIZE),
 * SET_IRQS (DATA_EVENTFD|ACTION_TRIGGER records the eventfd, count 0 disables; DATA_NONE|
 * ACTION_UNMASK counts unmasks), and mmap of a mappable BAR (its memory is a memfd the test can
 * read).  A BAR without MMAP is read and written with pread/pwrite at its offset of the file
 * itself, as the kernel's read/write handlers would reach the device.  Call shim_vfio_dev_setup()
 * before shim_vfio_setup(), so that this emulation, not the group's, owns the device file.
 */
#ifndef SHIM_VFIO_DEV_H
#define SHIM_VFIO_DEV_H

#include <stdint.h>

struct shim_vfio_dev {
	uint64_t bar_size[6];
	int bar_mmap[6];
	int bar_fd[6];          /* memfds behind mappable BARs */
	int irq_fd[3][8];       /* eventfds set for index/vector, -1 when none */
	int unmasks, disables;
};
extern struct shim_vfio_dev shim_vfio_dev;

/* BAR0: 4 KiB, mappable; BAR2: 256 bytes, not mappable; others absent. */
void shim_vfio_dev_setup(void);
/* Signals the eventfd of index/vector as the kernel's interrupt handler does; -1 if none is set. */
int shim_vfio_dev_fire(int index, int vector);

#endif
