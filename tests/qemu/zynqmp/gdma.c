/*
 * gdma.c - the ZynqMP GDMA driver of the tests (gdma.h), on plbuf's register access.
 */
#include <errno.h>
#include <stdio.h>
#include <time.h>

#include "gdma.h"

/* Offsets within a channel (ZynqMP TRM, "ZDMA" registers) */
#define ISR 0x100          /* interrupt status, write 1 to clear */
#define IDS 0x10c          /* interrupt disable */
#define CTRL0 0x110        /* mode: 0x80 = simple mode, read and write */
#define SRC_DSCR0 0x128    /* simple mode source descriptor: addr[31:0], addr[48:32], size, ctrl */
#define DST_DSCR0 0x138    /* destination descriptor: the same */
#define STATUS 0x11c       /* 0 done/idle, 3 busy */
#define TOTAL_BYTE 0x188   /* bytes moved; write its value back to clear it */
#define IRQ_SRC_ACCT 0x190 /* clear on read */
#define IRQ_DST_ACCT 0x194
#define CTRL2 0x200        /* 1 starts the channel, 0 stops it */

#define ISR_DMA_DONE (1u << 10)
/* Error bits: INV_APB (0), BYTE_CNT_OVRFL (3), the interrupt counters' overflows (4, 5), the AXI
 * descriptor and data errors (6-9).  Beside them only SRC/DST_DSCR_DONE (1, 2), DMA_DONE (10). */
#define ISR_ERRORS 0x3f9u

static int wr(struct gdma *g, uint64_t off, uint32_t v)
{
	return plbuf_mmio_write32(g->regs, off, v);
}

static int rd(struct gdma *g, uint64_t off, uint32_t *v)
{
	return plbuf_mmio_read32(g->regs, off, v);
}

int gdma_open(struct gdma *g, unsigned channel)
{
	uint32_t v;
	int r;

	if (channel > 7)
		return -EINVAL;
	g->channel = channel;
	g->addr_bits = g->addr_bits ? g->addr_bits : 48;
	g->regs = plbuf_mmio_open_phys(GDMA_BASE + channel * GDMA_STRIDE, 0x1000);
	if (!g->regs)
		return -errno ? -errno : -EIO;
	/* Idle, everything acknowledged and masked: the tests poll, and the kernel's zynqmp-dma
	 * driver is kept off this channel by the device tree (its node is disabled). */
	if ((r = wr(g, CTRL2, 0)) < 0 || (r = wr(g, ISR, 0xfff)) < 0 || (r = wr(g, IDS, 0xfff)) < 0 ||
	    (r = rd(g, TOTAL_BYTE, &v)) < 0 || (r = wr(g, TOTAL_BYTE, v)) < 0 ||
	    (r = rd(g, IRQ_SRC_ACCT, &v)) < 0 || (r = rd(g, IRQ_DST_ACCT, &v)) < 0) {
		gdma_close(g);
		return r;
	}
	return 0;
}

void gdma_close(struct gdma *g)
{
	plbuf_mmio_close(g->regs);
	g->regs = NULL;
}

/* What a master of addr_bits address lines puts on the bus for addr. */
static uint64_t on_bus(const struct gdma *g, uint64_t addr)
{
	return g->addr_bits >= 64 ? addr : addr & ((1ull << g->addr_bits) - 1);
}

int gdma_copy(struct gdma *g, uint64_t src, uint64_t dst, uint32_t len, int timeout_ms)
{
	uint32_t v;
	int r;

	g->isr = g->status = g->total = 0;
	if (!len || len > GDMA_MAX_LEN)
		return -EINVAL;
	src = on_bus(g, src);
	dst = on_bus(g, dst);
	/* Clear what the last copy left: status bits, the byte counter, the interrupt counters
	 * (an 8-bit counter that overflows into an error bit if never read). */
	if ((r = wr(g, CTRL2, 0)) < 0 || (r = wr(g, ISR, 0xfff)) < 0 ||
	    (r = rd(g, TOTAL_BYTE, &v)) < 0 || (r = wr(g, TOTAL_BYTE, v)) < 0 ||
	    (r = rd(g, IRQ_SRC_ACCT, &v)) < 0 || (r = rd(g, IRQ_DST_ACCT, &v)) < 0 ||
	    (r = wr(g, IDS, 0xfff)) < 0 || (r = wr(g, CTRL0, 0x80)) < 0)
		return r;
	/* The source descriptor's control word 0x4 asks for the done interrupt (status) of the
	 * transfer; the destination's stays 0 (with it, QEMU's 8-bit counter overflows on long
	 * copies). */
	if ((r = wr(g, SRC_DSCR0 + 0, (uint32_t)src)) < 0 ||
	    (r = wr(g, SRC_DSCR0 + 4, (uint32_t)(src >> 32) & 0x1ffff)) < 0 ||
	    (r = wr(g, SRC_DSCR0 + 8, len)) < 0 || (r = wr(g, SRC_DSCR0 + 12, 0x4)) < 0 ||
	    (r = wr(g, DST_DSCR0 + 0, (uint32_t)dst)) < 0 ||
	    (r = wr(g, DST_DSCR0 + 4, (uint32_t)(dst >> 32) & 0x1ffff)) < 0 ||
	    (r = wr(g, DST_DSCR0 + 8, len)) < 0 || (r = wr(g, DST_DSCR0 + 12, 0)) < 0)
		return r;
	/* plbuf's register write orders the CPU's earlier stores and cache maintenance before it */
	if ((r = wr(g, CTRL2, 1)) < 0)
		return r;

	struct timespec t0, now;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		if ((r = rd(g, ISR, &g->isr)) < 0)
			return r;
		if (g->isr & (ISR_DMA_DONE | ISR_ERRORS))
			break;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((now.tv_sec - t0.tv_sec) * 1000 + (now.tv_nsec - t0.tv_nsec) / 1000000 > timeout_ms)
			break;
		struct timespec ts = {0, 100000};
		nanosleep(&ts, NULL);
	}
	if ((r = rd(g, STATUS, &g->status)) < 0 || (r = rd(g, TOTAL_BYTE, &g->total)) < 0)
		return r;
	wr(g, ISR, 0xfff);
	if (g->isr & ISR_ERRORS)
		return -EIO;
	if (!(g->isr & ISR_DMA_DONE))
		return -ETIMEDOUT;
	return g->total == len ? 0 : -EIO;
}
