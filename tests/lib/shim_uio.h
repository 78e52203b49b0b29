/*
 * shim_uio.h - a UIO device's interrupt in a fixture tree.  /dev/uioN is a FIFO: the test raises
 * an interrupt by writing the device's new 4-byte event count into it (what a read of the real
 * node returns once the count has moved), and poll() behaves as on the node.  The emulation
 * takes the 4-byte writes of the enable protocol (drivers/uio/uio.c: uio_write() hands the value
 * to the driver's irqcontrol, or answers ENOSYS when the driver has none), so they never reach
 * the FIFO.
 */
#ifndef SHIM_UIO_H
#define SHIM_UIO_H

#include <stdint.h>

struct shim_uio {
	int irqcontrol;   /* the driver has irqcontrol (uio_pdrv_genirq has, some have not) */
	int enables;      /* writes of 1 */
	int disables;     /* writes of 0 */
	int bad_writes;   /* writes that were not 4 bytes (uio_write answers EINVAL) */
	uint32_t count;   /* the device's event count */
	int fifo;         /* the test's end of the FIFO */
};
extern struct shim_uio shim_uio;

/* /sys/class/uio/uio<n> named name, /dev/uio<n> a FIFO; registers the emulation. */
void shim_uio_setup(int n, const char *name);
/* The device interrupts `times` times: its count moves and the FIFO carries it. */
void shim_uio_raise(int times);

#endif
