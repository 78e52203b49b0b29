/*
 * sim_regs.h - what the driver side (src/mmio.c, src/irq.c) asks of the sim register side
 * (src/sim_regs.c): a sim window to access, a sim interrupt line to wait on.
 */
#ifndef PLBUF_SIM_REGS_H
#define PLBUF_SIM_REGS_H

#include <stdint.h>

#include "plbuf.h"
#include "sim_regs_format.h"

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

/* ---- between the register file (sim_regs.c) and the model side (sim_model.c) */
#define LOAD(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define STORE(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)

/* Futexes on the shared file (not private: the waiter and the waker are different processes). */
void plbuf__simregs_wait(uint32_t *addr, uint32_t val, int ms);
void plbuf__simregs_wake(uint32_t *addr);
int64_t plbuf__simregs_now_ms(void);
/* "/<name><suffix>" for shm_open, or -EINVAL with a message. */
int plbuf__simregs_name(char *out, size_t len, const char *name, const char *suffix);
/* Maps the register file of sim context name (creating it when create is set and it is absent:
 * *created = 1); *lockfd holds a shared flock for as long as the mapping is used. */
struct plbuf_simregs_hdr *plbuf__simregs_map(const char *name, int create, int *created,
					     int *lockfd);
/* The live window named window, or -1. */
int plbuf__simregs_find(const struct plbuf_simregs_hdr *h, const char *window);
/* The process serving the file is gone (or closed it). */
int plbuf__simregs_gone(struct plbuf_simregs_hdr *h);

/* A model of this process serving window of sim context name by callbacks (its index in
 * *index), or NULL; and one callback call, serialized with the model's others. */
struct plbuf_sim_model *plbuf__sim_model_local(const char *name, const char *window, int *index);
int plbuf__sim_model_call(struct plbuf_sim_model *m, int i, int write, int width, uint64_t off,
			  uint64_t *val);
/* The length of window i of model m. */
uint64_t plbuf__sim_model_length(struct plbuf_sim_model *m, int i);

#endif
