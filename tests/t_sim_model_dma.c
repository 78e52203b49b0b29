/* A device model in the driver's process: a copy engine with registers SRC, DST, LEN, CTRL,
 * STATUS served by callbacks, which copies by device address through plbuf_sim_read/write (what
 * the device sees is DRAM, not the CPU's cache) and raises interrupt line 3.  The driver: allocate,
 * flush, program the registers, start, wait for the interrupt, invalidate, compare.  Without the
 * flush the device copies stale memory, as on a board, and the DMA-API checker reports it; a register the model refuses is a bus error
 * (-EIO); windows and lines that nobody serves are ENOENT; bounds are the window's. */
#include <poll.h>

#include "test.h"

enum { SRC = 0x00, DST = 0x08, LEN = 0x10, CTRL = 0x18, STATUS = 0x1c };

struct engine {
	plbuf_sim_dev *dev;
	plbuf_sim_model *model;
	uint64_t src, dst, len;
	uint32_t status;
	int copies;
};

static int eng_write(void *arg, uint64_t off, int width, uint64_t v)
{
	struct engine *e = arg;

	switch (off) {
	case SRC: e->src = width == 8 ? v : (e->src & ~0xffffffffull) | (uint32_t)v; return 0;
	case SRC + 4: e->src = (e->src & 0xffffffffull) | v << 32; return 0;
	case DST: e->dst = width == 8 ? v : (e->dst & ~0xffffffffull) | (uint32_t)v; return 0;
	case DST + 4: e->dst = (e->dst & 0xffffffffull) | v << 32; return 0;
	case LEN: e->len = v; return 0;
	case STATUS: e->status &= ~(uint32_t)v; return 0; /* write 1 to clear */
	case CTRL: {
		if (!(v & 1))
			return 0;
		char *tmp = malloc(e->len ? e->len : 1);
		int r = plbuf_sim_read(e->dev, e->src, tmp, e->len);

		if (r == 0)
			r = plbuf_sim_write(e->dev, e->dst, tmp, e->len);
		free(tmp);
		e->status |= r == 0 ? 1 : 2; /* done, or a DMA error */
		e->copies++;
		return plbuf_sim_model_irq(e->model, 3);
	}
	}
	return -EINVAL; /* a register that does not exist: a bus error */
}

static int eng_read(void *arg, uint64_t off, int width, uint64_t *v)
{
	struct engine *e = arg;

	if (off == STATUS) {
		*v = e->status;
		return 0;
	}
	if (off == LEN) {
		*v = e->len;
		return 0;
	}
	return -EINVAL;
}

static int copy(plbuf_mmio *r, plbuf_irq *irq, plbuf_buf *dst, plbuf_buf *src)
{
	uint32_t st;

	CHECK(plbuf_mmio_write64(r, SRC, plbuf_device_address(src)) == 0);
	CHECK(plbuf_mmio_write32(r, DST, (uint32_t)plbuf_device_address(dst)) == 0);
	CHECK(plbuf_mmio_write32(r, DST + 4, (uint32_t)(plbuf_device_address(dst) >> 32)) == 0);
	CHECK(plbuf_mmio_write32(r, LEN, (uint32_t)plbuf_nbytes(src)) == 0);
	CHECK(plbuf_mmio_write32(r, CTRL, 1) == 0);
	CHECK(plbuf_irq_wait(irq, 5000) == 1);
	CHECK(plbuf_mmio_read32(r, STATUS, &st) == 0);
	CHECK(plbuf_mmio_write32(r, STATUS, st) == 0);
	return (int)st;
}

int main(void)
{
	/* The DMA-API checker watches the model; a small bank, for 32-bit address spaces. */
	plbuf_ctx *ctx = plbuf_open("sim", "check=1 banks=DDR0@0x40000000:16M");
	CHECK(ctx);
	struct engine e = {0};
	uint64_t counts[PLBUF_SIM_NPROBLEMS];
	CHECK_NULL_ERR(plbuf_mmio_open_sim(ctx, "cdma"), ENOENT);
	CHECK_NULL_ERR(plbuf_irq_open_sim(ctx, 3), ENOENT);
	e.dev = plbuf_sim_attach(plbuf_sim_name(ctx));
	e.model = plbuf_sim_model_open(plbuf_sim_name(ctx));
	CHECK(e.dev && e.model);
	struct plbuf_sim_window_ops ops = {eng_read, eng_write};
	CHECK(plbuf_sim_model_window(e.model, "cdma", 0x100, &ops, &e) == 0);
	CHECK_ERR(plbuf_sim_model_window(e.model, "cdma", 0x100, &ops, &e), EEXIST);
	CHECK_NULL_ERR(plbuf_mmio_open_sim(ctx, "other"), ENOENT);

	plbuf_mmio *r = plbuf_mmio_open_sim(ctx, "cdma");
	plbuf_irq *irq = plbuf_irq_open_sim(ctx, 3);
	CHECK(r && irq && plbuf_mmio_length(r) == 0x100);
	CHECK(plbuf_mmio_address(r) == PLBUF_NO_ADDRESS);
	CHECK_NULL_ERR(plbuf_irq_open_sim(ctx, 32), EINVAL);

	int64_t n = 1000; /* not a whole number of 64-byte lines */
	plbuf_buf *src = plbuf_allocate(ctx, 1, &n, "u4", NULL);
	plbuf_buf *dst = plbuf_allocate(ctx, 1, &n, "u4", NULL);
	CHECK(src && dst && !plbuf_coherent(src));
	uint32_t *s = plbuf_data(src), *d = plbuf_data(dst);
	for (int i = 0; i < n; i++)
		s[i] = 0x1000u + (uint32_t)i;
	memset(d, 0, 4 * n);
	CHECK(plbuf_flush(src) == 0 && plbuf_flush(dst) == 0);
	CHECK(copy(r, irq, dst, src) == 1);
	CHECK(d[5] == 0); /* not invalidated yet: the CPU still sees its own (stale) lines */
	CHECK(plbuf_invalidate(dst) == 0);
	for (int i = 0; i < n; i++)
		CHECK(d[i] == 0x1000u + (uint32_t)i);

	CHECK(plbuf_sim_check_counts(ctx, counts, PLBUF_SIM_NPROBLEMS) == PLBUF_SIM_NPROBLEMS);
	for (int i = 0; i < PLBUF_SIM_NPROBLEMS; i++)
		CHECK(counts[i] == 0); /* a correct driver and model: no report */

	/* The forgotten flush: the device copies what DRAM holds, the old values, and the checker
	 * saw the model's plbuf_sim_read reach lines the CPU had not flushed. */
	for (int i = 0; i < n; i++)
		s[i] = 0xbad00000u + (uint32_t)i;
	CHECK(copy(r, irq, dst, src) == 1);
	CHECK(plbuf_invalidate(dst) == 0);
	CHECK(d[7] == 0x1007u);
	CHECK(plbuf_sim_check_counts(ctx, counts, PLBUF_SIM_NPROBLEMS) == PLBUF_SIM_NPROBLEMS);
	CHECK(counts[PLBUF_SIM_MISSING_FLUSH] > 0);

	/* Pollable: the descriptor is readable once the interrupt is raised. */
	struct pollfd p = {.fd = plbuf_irq_fd(irq), .events = POLLIN};
	CHECK(poll(&p, 1, 0) == 0);
	CHECK(plbuf_mmio_write32(r, LEN, 0) == 0);
	CHECK(plbuf_mmio_write32(r, CTRL, 1) == 0);
	CHECK(poll(&p, 1, 5000) == 1);
	CHECK(plbuf_irq_wait(irq, 0) == 1);
	CHECK_ERR(plbuf_irq_wait(irq, 10), ETIMEDOUT);

	/* Bus errors and bounds. */
	uint32_t v;
	CHECK_ERR(plbuf_mmio_read32(r, 0x80, &v), EIO);
	CHECK(strstr(plbuf_errmsg(), "bus error"));
	CHECK_ERR(plbuf_mmio_read32(r, 0x100, &v), ERANGE);
	/* A copy from outside every bank: the model's plbuf_sim_read fails, it reports an error. */
	CHECK(plbuf_mmio_write64(r, SRC, 0x10) == 0);
	CHECK(plbuf_mmio_write32(r, LEN, 16) == 0);
	CHECK(plbuf_mmio_write32(r, CTRL, 1) == 0);
	CHECK(plbuf_irq_wait(irq, 5000) == 1);
	CHECK(plbuf_mmio_read32(r, STATUS, &v) == 0 && (v & 2));
	CHECK(e.copies == 4);

	plbuf_irq_close(irq);
	plbuf_mmio_close(r);
	plbuf_free(src);
	plbuf_free(dst);
	plbuf_sim_model_close(e.model);
	plbuf_sim_detach(e.dev);
	plbuf_close(ctx);
	printf("in-process copy engine: flush/start/irq/invalidate, stale without flush, bus errors\n");
	return 0;
}
