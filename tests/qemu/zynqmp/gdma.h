/*
 * gdma.h - a driver for the ZynqMP's general-purpose DMA engine (GDMA, "xlnx.zdma") written for
 * plbuf's tests: it copies N bytes between two device addresses in the engine's simple mode and
 * says how the copy ended.  It reaches the registers only through plbuf's register access
 * (plbuf_mmio_open_phys(): /dev/mem), as a user of plbuf would drive a PL IP.  Test code for the
 * QEMU ZynqMP proof (tests/qemu/zynqmp.sh); the register sequence is in ../shared/FACTS.md.
 */
#ifndef PLBUF_QEMU_GDMA_H
#define PLBUF_QEMU_GDMA_H

#include <stdint.h>

#include "plbuf.h"

#define GDMA_BASE 0xfd500000ull   /* channel 0; channel n at GDMA_BASE + n * GDMA_STRIDE */
#define GDMA_STRIDE 0x10000ull
#define GDMA_MAX_LEN 0x3fffffffu  /* the descriptor's 30-bit size field */

struct gdma {
	plbuf_mmio *regs;
	unsigned channel;
	int addr_bits;   /* the master's address width: 48 (the GDMA, the default) or less, to
	                    act as a narrower master: gdma_copy() then drops the higher address
	                    bits, as such a master's bus does (a destination above its reach
	                    lands in other memory: the caller's business) */
	uint32_t isr;    /* of the last copy: ISR, STATUS and TOTAL_BYTE once it ended */
	uint32_t status;
	uint32_t total;
};

/* Maps channel `channel` (0-7) and leaves it idle with its interrupts masked.  Returns 0 or a
 * negative errno (plbuf_errmsg() says why). */
int gdma_open(struct gdma *g, unsigned channel);
void gdma_close(struct gdma *g);
/* Copies len bytes (1..GDMA_MAX_LEN) from device address src to dst and waits (polling the
 * DMA_DONE bit, at most timeout_ms) for the end.  Returns 0 when the engine reports done with
 * no error bit and TOTAL_BYTE == len; -EIO when the engine flags an error; -ETIMEDOUT; or an
 * errno of the register access.
 * g->isr, g->status, g->total hold what the engine said. */
int gdma_copy(struct gdma *g, uint64_t src, uint64_t dst, uint32_t len, int timeout_ms);

#endif
