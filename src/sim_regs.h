/*
 * sim_regs.h - what the driver side (src/mmio.c, src/irq.c) asks of the sim register side
 * (src/sim_regs.c): a sim window to access, a sim interrupt line to wait on.
 */
#ifndef PLBUF_SIM_REGS_H
#define PLBUF_SIM_REGS_H

#include <stdint.h>

#include "plbuf.h"

struct plbuf__simwin;

/* The window `window` of sim context ctx, served in this process or another; fills its length.
 * NULL with errno and a message (ENOENT while no model serves it). */
struct plbuf__simwin *plbuf__simwin_open(plbuf_ctx *ctx, const char *window, uint64_t *length);
/* One access (already checked for bounds and alignment).  0 or -EIO / -ETIMEDOUT. */
int plbuf__simwin_access(struct plbuf__simwin *w, int write, int width, uint64_t off,
			 uint64_t *val);
void plbuf__simwin_close(struct plbuf__simwin *w);

/* Interrupt line `line` of sim context ctx: opens its FIFO (the descriptor to poll) and maps the
 * counters.  Returns the state, or NULL with errno and a message. */
struct plbuf__simirq;
struct plbuf__simirq *plbuf__simirq_open(plbuf_ctx *ctx, int line, int *fd);
/* Interrupts raised since the last call (the FIFO's bytes are only a wake-up). */
uint32_t plbuf__simirq_take(struct plbuf__simirq *q);
void plbuf__simirq_close(struct plbuf__simirq *q);

#endif
