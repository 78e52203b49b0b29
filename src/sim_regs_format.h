/*
 * sim_regs_format.h - the layout of a sim context's register file, /dev/shm/<name>.regs, shared by
 * drivers (plbuf_mmio_open_sim(), plbuf_irq_open_sim()) and device models (plbuf_sim_model_*()),
 * which may be different processes: an RTL simulator serves it from its own.
 *
 * Why a second file rather than a region of the sim memory file (src/sim_format.h): the memory
 * file is the backend's (its layout, its cache model, its checker), created and sized when the
 * context opens; registers belong to device models, which come and go while the context lives.
 * Named after the context, the file is found by the same name a model attaches to, and a dead
 * process's file is removed like its memory file by the sim backend's reaper of stale
 * plbuf-sim-* files: every process using it (model or driver) holds a shared flock on it, so a
 * reaper that removes the files nobody holds locked never takes a live one.
 *
 * Each window has a mailbox: a driver takes the mailbox's lock, writes its request, bumps `req`
 * and rings the doorbell (a futex the model sleeps on); the model answers into it and sets
 * `ack` = `req` (a futex the driver sleeps on).  One request is in flight per window, as on a bus
 * whose slave answers one access at a time.  Interrupts are counters; the FIFOs
 * /dev/shm/<name>.irqN carry a byte per interrupt only to make them pollable.
 */
#ifndef PLBUF_SIM_REGS_FORMAT_H
#define PLBUF_SIM_REGS_FORMAT_H

#include <stdint.h>

#define PLBUF_SIMREGS_MAGIC "PLBUFREG"
#define PLBUF_SIMREGS_VERSION 1
#define PLBUF_SIMREGS_MAX_WINDOWS 16
#define PLBUF_SIMREGS_MAX_IRQS 32
#define PLBUF_SIMREGS_SIZE 8192

struct plbuf_simregs_mailbox {
	uint32_t lock;     /* drivers' mutex: 0 free, 1 held, 2 held with waiters (a futex) */
	uint32_t req;      /* number of the last request posted */
	uint32_t ack;      /* number of the last request answered (a futex) */
	uint32_t op;       /* 1 write, 0 read */
	uint32_t width;    /* 1, 2, 4, 8 */
	int32_t status;    /* the answer: 0, or -errno for a bus error */
	uint64_t offset;
	uint64_t value;    /* the write's value, or the read's answer */
};

struct plbuf_simregs_window {
	char name[32];
	uint64_t length;
	uint32_t live;      /* 1 once declared, set last */
	uint32_t callbacks; /* 1: answered by plbuf_sim_model_serve(), 0: by next/reply */
	struct plbuf_simregs_mailbox mb;
};

struct plbuf_simregs_hdr {
	char magic[8];             /* set last by the creator */
	uint32_t version;
	uint32_t model_pid;        /* the process serving the windows, to tell a dead model */
	uint32_t doorbell;         /* bumped with every request (a futex) */
	uint32_t pad;
	uint32_t irq_count[PLBUF_SIMREGS_MAX_IRQS];
	struct plbuf_simregs_window windows[PLBUF_SIMREGS_MAX_WINDOWS];
};

_Static_assert(sizeof(struct plbuf_simregs_hdr) <= PLBUF_SIMREGS_SIZE, "register file header");

#endif
