/*
 * cdma_driver.c - a user-space driver for plbuf's test DMA device (tests/cosim/cdma_regs.v: an
 * AXI-Lite register block in front of verilog-axi's axi_cdma), written with plbuf's public API
 * only.  The same source runs against the RTL under Verilator (the register window and interrupt
 * of a sim context, served by tests/cosim/cdma_rtl.cpp) and on a board (a UIO device or a /dev/mem
 * window): only the way the window is opened differs (open_device() below).
 *
 * The driver does what a DMA driver must: flush the source, write the device addresses and the
 * length, start, wait for the interrupt, read the status, invalidate the destination.  The test
 * around it copies many sizes and alignments (views of larger buffers with guard bytes around them,
 * the spec's 5 x u4, a 2-D view), checks each byte and that nothing outside the destination moved,
 * shows that a buffer the IP cannot reach is refused through max_device_address, and (sim only)
 * that a forgotten flush makes the engine copy stale memory.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <plbuf.h>

enum {
	REG_ID = 0x00, REG_CTRL = 0x04, REG_STATUS = 0x08, REG_SRC = 0x10, REG_DST = 0x18,
	REG_LEN = 0x20, REG_INFO = 0x24, REG_COUNT = 0x28,
};
#define CTRL_START 1u
#define CTRL_IRQ_EN 2u
#define STATUS_BUSY 1u
#define STATUS_DONE 2u
#define CDMA_ID 0x504c4344u

struct cdma {
	plbuf_mmio *regs;
	plbuf_irq *irq; /* NULL: poll STATUS */
	unsigned addr_bits, data_bytes, len_bits;
	uint64_t max_dev; /* for max_device_address */
};

static int failures;
#define EXPECT(cond, ...)                                                                          \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);            \
			fprintf(stderr, __VA_ARGS__);                                              \
			fprintf(stderr, " (plbuf: %s)\n", plbuf_errmsg());                         \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

static int reg_write(struct cdma *d, uint64_t off, uint32_t v)
{
	int r = plbuf_mmio_write32(d->regs, off, v);

	EXPECT(r == 0, "register write 0x%" PRIx64, off);
	return r;
}

static uint32_t reg_read(struct cdma *d, uint64_t off)
{
	uint32_t v = 0;

	EXPECT(plbuf_mmio_read32(d->regs, off, &v) == 0, "register read 0x%" PRIx64, off);
	return v;
}

/* The driver proper: copies src's bytes to dst by DMA.  Returns the engine's error code (0), or
 * -1 when it did not finish. */
static int cdma_copy(struct cdma *d, plbuf_buf *dst, plbuf_buf *src)
{
	uint64_t s = plbuf_device_address(src), t = plbuf_device_address(dst);
	uint64_t len = plbuf_nbytes(src);
	uint32_t st;

	if (plbuf_flush(src) < 0 || plbuf_flush(dst) < 0) /* dst: no dirty line may land later */
		return -1;
	reg_write(d, REG_SRC, (uint32_t)s);
	reg_write(d, REG_SRC + 4, (uint32_t)(s >> 32));
	reg_write(d, REG_DST, (uint32_t)t);
	reg_write(d, REG_DST + 4, (uint32_t)(t >> 32));
	reg_write(d, REG_LEN, (uint32_t)len);
	/* The start: plbuf's write barrier orders it after the flushes above. */
	reg_write(d, REG_CTRL, CTRL_START | (d->irq ? CTRL_IRQ_EN : 0));
	if (d->irq) {
		int n = plbuf_irq_wait(d->irq, 60000);

		EXPECT(n >= 1, "interrupt after a copy of %" PRIu64 " bytes", len);
		if (n < 1)
			return -1;
	} else {
		time_t end = time(NULL) + 60;

		while (!(reg_read(d, REG_STATUS) & STATUS_DONE) && time(NULL) < end)
			;
	}
	st = reg_read(d, REG_STATUS);
	reg_write(d, REG_STATUS, STATUS_DONE); /* clears the interrupt */
	if (!(st & STATUS_DONE) || (st & STATUS_BUSY))
		return -1;
	/* After the status read (plbuf's read barrier), so nothing is read early. */
	if (plbuf_invalidate(dst) < 0)
		return -1;
	return (int)(st >> 4 & 0xf);
}

/* ---------------------------------------------------------------- the test */

static uint64_t rng = 88172645463325252ull;
static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void fill(plbuf_buf *b, uint64_t seed)
{
	uint8_t *p = plbuf_data(b);

	for (uint64_t i = 0; i < plbuf_nbytes(b); i++)
		p[i] = (uint8_t)((seed + i) * 2654435761u >> 13);
}

/* Copies len bytes from src+so to dst+do (views of the two big buffers) and checks the copy and
 * the guard bytes around it. */
static void copy_case(struct cdma *d, plbuf_buf *src, plbuf_buf *dst, uint64_t so, uint64_t dof,
		      uint64_t len, uint64_t seed)
{
	char slice[64];
	uint64_t n = plbuf_nbytes(dst);
	uint8_t *sp = plbuf_data(src), *dp = plbuf_data(dst);

	fill(src, seed);
	memset(dp, 0x5a, n);
	snprintf(slice, sizeof(slice), "%" PRIu64 ":%" PRIu64, so, so + len);
	plbuf_buf *sv = plbuf_view(src, slice);
	snprintf(slice, sizeof(slice), "%" PRIu64 ":%" PRIu64, dof, dof + len);
	plbuf_buf *dv = plbuf_view(dst, slice);

	EXPECT(sv && dv, "views %s", slice);
	if (!sv || !dv)
		return;
	/* The whole destination is clean before the copy: the guards are in memory too. */
	plbuf_flush(dst);
	int err = cdma_copy(d, dv, sv);

	EXPECT(err == 0, "copy of %" PRIu64 " bytes 0x%" PRIx64 " -> 0x%" PRIx64 ": engine error %d",
	       len, plbuf_device_address(sv), plbuf_device_address(dv), err);
	if (memcmp(dp + dof, sp + so, len) != 0) {
		uint64_t i = 0;

		while (dp[dof + i] == sp[so + i])
			i++;
		EXPECT(0, "copy of %" PRIu64 " bytes (src +%" PRIu64 ", dst +%" PRIu64 "): first wrong "
		       "byte %" PRIu64 " (0x%02x, expected 0x%02x)", len, so, dof, i, dp[dof + i],
		       sp[so + i]);
	}
	for (uint64_t i = 0; i < n; i++)
		if ((i < dof || i >= dof + len) && dp[i] != 0x5a) {
			EXPECT(0, "copy of %" PRIu64 " bytes to +%" PRIu64 " changed byte %" PRIu64
			       " outside it", len, dof, i);
			break;
		}
	plbuf_free(sv);
	plbuf_free(dv);
}

static void spec_example(struct cdma *d, plbuf_ctx *ctx, const struct plbuf_alloc_opts *o)
{
	/* pynq-allocate.rst: allocate(shape=(5,), dtype='u4'), input_buffer[:] = range(5). */
	int64_t five = 5;
	plbuf_buf *in = plbuf_allocate(ctx, 1, &five, "u4", o);
	plbuf_buf *out = plbuf_allocate(ctx, 1, &five, "u4", o);

	EXPECT(in && out, "5 x u4");
	if (!in || !out)
		return;
	uint32_t *a = plbuf_data(in), *b = plbuf_data(out);

	for (int i = 0; i < 5; i++) {
		a[i] = (uint32_t)i;
		b[i] = 0xffffffffu;
	}
	EXPECT(cdma_copy(d, out, in) == 0, "5 x u4 copy");
	for (int i = 0; i < 5; i++)
		EXPECT(b[i] == (uint32_t)i, "5 x u4: out[%d] = %u", i, b[i]);

	/* A 2-D array and a view of its middle rows: (6, 7) u2, rows 2:5. */
	int64_t shape[2] = {6, 7};
	plbuf_buf *m = plbuf_allocate(ctx, 2, shape, "u2", o);
	plbuf_buf *z = plbuf_allocate(ctx, 2, shape, "u2", o);

	EXPECT(m && z, "(6,7) u2");
	if (m && z) {
		uint16_t *mp = plbuf_data(m), *zp = plbuf_data(z);

		for (int i = 0; i < 42; i++) {
			mp[i] = (uint16_t)(1000 + i);
			zp[i] = 0;
		}
		plbuf_buf *mv = plbuf_view(m, "2:5, :"), *zv = plbuf_view(z, "1:4");

		EXPECT(mv && zv && plbuf_nbytes(mv) == 42 && plbuf_nbytes(zv) == 42, "row views");
		if (mv && zv) {
			EXPECT(cdma_copy(d, zv, mv) == 0, "row-view copy");
			for (int i = 0; i < 42; i++) {
				uint16_t want = i >= 7 && i < 28 ? (uint16_t)(1000 + 14 + i - 7) : 0;

				EXPECT(zp[i] == want, "2-D: z[%d] = %u, expected %u", i, zp[i], want);
			}
		}
		plbuf_free(mv);
		plbuf_free(zv);
	}
	plbuf_free(m);
	plbuf_free(z);
	plbuf_free(in);
	plbuf_free(out);
}

/* Memory above 4 GiB: a master that reaches it copies there (40 bits: bank HIGH is at 2^39);
 * a 32-bit one is refused a buffer there through max_device_address, where without it the engine
 * would silently drop the high bits of the address. */
static void reach(struct cdma *d, plbuf_ctx *ctx, const char *high_bank)
{
	int64_t n = 12345;
	struct plbuf_alloc_opts o = {.bank = high_bank, .max_device_address = d->max_dev};
	plbuf_buf *s = plbuf_allocate(ctx, 1, &n, "u1", &o);

	if (!s) {
		EXPECT(errno == ERANGE && d->max_dev && d->max_dev < 0xffffffffffull,
		       "a buffer in %s for a %u-bit master", high_bank, d->addr_bits);
		printf("  %u-bit master: a buffer in %s is refused (%s)\n", d->addr_bits, high_bank,
		       plbuf_errmsg());
		return;
	}
	plbuf_buf *t = plbuf_allocate(ctx, 1, &n, "u1", &o);

	EXPECT(t != NULL, "a second buffer in %s", high_bank);
	if (t) {
		fill(s, 99);
		memset(plbuf_data(t), 0, (size_t)n);
		EXPECT(cdma_copy(d, t, s) == 0 && !memcmp(plbuf_data(t), plbuf_data(s), (size_t)n),
		       "a copy in %s", high_bank);
		printf("  %u-bit master: %lld bytes copied 0x%" PRIx64 " -> 0x%" PRIx64 " (bank %s)\n",
		       d->addr_bits, (long long)n, plbuf_device_address(s), plbuf_device_address(t),
		       high_bank);
	}
	plbuf_free(s);
	plbuf_free(t);
}

/* The DMA-API checker, while the RTL runs: a copy whose source was not flushed is reported as a
 * missing flush (the engine's AXI reads reach the lines the CPU dirtied), a destination freed
 * without an invalidate after the engine wrote it as a missing invalidate.  And nothing else: the
 * correct copies before it left no report. */
static void forget(struct cdma *d, plbuf_ctx *ctx, const struct plbuf_alloc_opts *o)
{
	uint64_t c0[PLBUF_SIM_NPROBLEMS], c1[PLBUF_SIM_NPROBLEMS], c2[PLBUF_SIM_NPROBLEMS];
	int64_t n = 4096;

	EXPECT(plbuf_sim_check_counts(ctx, c0, PLBUF_SIM_NPROBLEMS) == PLBUF_SIM_NPROBLEMS,
	       "checker counts");
	for (int i = 0; i < PLBUF_SIM_NPROBLEMS; i++)
		EXPECT(c0[i] == 0, "the checker reported problem %d %llu times during correct copies", i,
		       (unsigned long long)c0[i]);
	plbuf_buf *s = plbuf_allocate(ctx, 1, &n, "u1", o), *t = plbuf_allocate(ctx, 1, &n, "u1", o);

	EXPECT(s && t, "buffers");
	if (!s || !t)
		return;
	/* 1: the source's new bytes are not flushed. */
	memset(plbuf_data(s), 1, 4096);
	plbuf_flush(s);
	plbuf_flush(t);
	memset(plbuf_data(s), 2, 4096);
	reg_write(d, REG_SRC, (uint32_t)plbuf_device_address(s));
	reg_write(d, REG_SRC + 4, (uint32_t)(plbuf_device_address(s) >> 32));
	reg_write(d, REG_DST, (uint32_t)plbuf_device_address(t));
	reg_write(d, REG_DST + 4, (uint32_t)(plbuf_device_address(t) >> 32));
	reg_write(d, REG_LEN, 4096);
	reg_write(d, REG_CTRL, CTRL_START | CTRL_IRQ_EN);
	EXPECT(plbuf_irq_wait(d->irq, 60000) >= 1, "interrupt");
	reg_write(d, REG_STATUS, STATUS_DONE);
	plbuf_sim_check_counts(ctx, c1, PLBUF_SIM_NPROBLEMS);
	EXPECT(c1[PLBUF_SIM_MISSING_FLUSH] > 0, "no missing flush reported");
	printf("  checker: a forgotten flush reported while the RTL ran (%llu report(s))\n",
	       (unsigned long long)c1[PLBUF_SIM_MISSING_FLUSH]);
	/* 2: the destination, written by the engine, freed without an invalidate. */
	plbuf_flush(s);
	reg_write(d, REG_CTRL, CTRL_START | CTRL_IRQ_EN);
	EXPECT(plbuf_irq_wait(d->irq, 60000) >= 1, "interrupt");
	reg_write(d, REG_STATUS, STATUS_DONE);
	plbuf_free(t);
	plbuf_sim_check_counts(ctx, c2, PLBUF_SIM_NPROBLEMS);
	EXPECT(c2[PLBUF_SIM_MISSING_INVALIDATE] > c1[PLBUF_SIM_MISSING_INVALIDATE],
	       "no missing invalidate reported");
	printf("  checker: a forgotten invalidate reported at free (%llu report(s))\n",
	       (unsigned long long)c2[PLBUF_SIM_MISSING_INVALIDATE]);
	plbuf_free(s);
}

static void usage(void)
{
	fprintf(stderr, "usage: cdma_driver [--sim NAME [--banks SPEC] | --uio DEV | --phys ADDR] "
		"[--copies N] [--seed S] [--high BANK] [--stale] [--check]\n");
}

int cdma_driver_main(int argc, char **argv);
int cdma_driver_main(int argc, char **argv)
{
	const char *sim = NULL, *uio = NULL, *banks = "LOW@0x40000000:64M,HIGH@0x8000000000:64M";
	const char *high = "HIGH";
	uint64_t phys = 0;
	int copies = 100, stale = 0, check = 0;
	struct cdma d = {0};
	plbuf_ctx *ctx;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--sim") && v)
			sim = argv[++i];
		else if (!strcmp(a, "--banks") && v)
			banks = argv[++i];
		else if (!strcmp(a, "--uio") && v)
			uio = argv[++i];
		else if (!strcmp(a, "--phys") && v)
			phys = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(a, "--copies") && v)
			copies = atoi(argv[++i]);
		else if (!strcmp(a, "--seed") && v)
			rng = strtoull(argv[++i], NULL, 0) | 1;
		else if (!strcmp(a, "--high") && v)
			high = argv[++i];
		else if (!strcmp(a, "--stale"))
			stale = 1;
		else if (!strcmp(a, "--check"))
			check = 1;
		else {
			usage();
			return 2;
		}
	}
	/* How the device is reached: the only board-specific lines. */
	if (sim) {
		char opts[512];

		snprintf(opts, sizeof(opts), "name=%s banks=%s%s", sim, banks, check ? " check=1" : "");
		ctx = plbuf_open("sim", opts);
		if (!ctx) {
			fprintf(stderr, "cdma: %s\n", plbuf_errmsg());
			return 1;
		}
		/* The RTL simulator may still be starting: PLBUF_SIM_MODEL_WAIT makes the open wait. */
		setenv("PLBUF_SIM_MODEL_WAIT", "60", 0);
		d.regs = plbuf_mmio_open_sim(ctx, "cdma");
		d.irq = d.regs ? plbuf_irq_open_sim(ctx, 0) : NULL;
	} else {
		ctx = plbuf_default();
		if (uio) {
			d.regs = plbuf_mmio_open_uio(uio, 0);
			d.irq = d.regs ? plbuf_irq_open_uio(uio) : NULL;
		} else if (phys) {
			d.regs = plbuf_mmio_open_phys(phys, 0x100);
		}
	}
	if (!ctx || !d.regs || (sim && !d.irq)) {
		fprintf(stderr, "cdma: cannot reach the device: %s\n", plbuf_errmsg());
		usage();
		return 1;
	}

	uint32_t id = reg_read(&d, REG_ID), info = reg_read(&d, REG_INFO);

	if (id != CDMA_ID) {
		fprintf(stderr, "cdma: ID register reads 0x%08x, not 0x%08x\n", id, CDMA_ID);
		return 1;
	}
	d.addr_bits = info & 0xff;
	d.data_bytes = info >> 8 & 0xff;
	d.len_bits = info >> 16 & 0xff;
	d.max_dev = d.addr_bits >= 64 ? 0 : (1ull << d.addr_bits) - 1;
	printf("cdma: %u-bit addresses, %u-byte data bus, copies up to %u bytes; backend %s\n",
	       d.addr_bits, d.data_bytes, (1u << d.len_bits) - 1, plbuf_ctx_backend(ctx));

	struct plbuf_alloc_opts o = {.max_device_address = d.max_dev};
	int64_t big = 256 << 10;
	plbuf_buf *src = plbuf_allocate(ctx, 1, &big, "u1", &o);
	plbuf_buf *dst = plbuf_allocate(ctx, 1, &big, "u1", &o);

	if (!src || !dst) {
		fprintf(stderr, "cdma: allocation failed: %s\n", plbuf_errmsg());
		return 1;
	}
	printf("  buffers at 0x%" PRIx64 " and 0x%" PRIx64 "\n", plbuf_device_address(src),
	       plbuf_device_address(dst));

	/* Sizes around the bus width, the burst length (16 beats), 4 KiB pages; offsets that put
	 * both ends at every byte lane. */
	static const uint64_t sizes[] = {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 63, 64, 65, 127,
					 128, 129, 255, 256, 257, 1000, 4095, 4096, 4097, 8192, 12289,
					 65536, 100003};
	static const uint64_t offs[][2] = {{0, 0}, {1, 0}, {0, 1}, {3, 5}, {7, 7}, {8, 1}, {13, 4090},
					   {4095, 2}, {64, 4096}};
	int ncases = 0;

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		for (size_t j = 0; j < sizeof(offs) / sizeof(offs[0]); j++)
			if ((i + j) % 3 == 0 || sizes[i] < 64) {
				copy_case(&d, src, dst, offs[j][0], offs[j][1], sizes[i], i * 31 + j);
				ncases++;
			}
	for (int k = 0; k < copies; k++) {
		uint64_t len = 1 + rnd() % (rnd() % 4 ? 4096 : 65536);
		uint64_t so = rnd() % (uint64_t)(big - (int64_t)len), dof = rnd() % (uint64_t)(big - (int64_t)len);

		copy_case(&d, src, dst, so, dof, len, rnd());
		ncases++;
	}
	printf("  %d copies of 1..%d bytes at every alignment checked, guards intact\n", ncases,
	       100003);
	spec_example(&d, ctx, &o);
	printf("  spec's 5 x u4 and a 2-D row view copied\n");
	if (sim)
		reach(&d, ctx, high);

	if (sim && stale) {
		/* The forgotten flush: the CPU's new bytes are still in its cache; the engine reads
		 * memory, which holds the old ones.  Exactly what happens on a non-coherent board. */
		int64_t n = 4096;
		plbuf_buf *s = plbuf_allocate(ctx, 1, &n, "u1", &o), *t = plbuf_allocate(ctx, 1, &n, "u1", &o);

		if (s && t && !plbuf_coherent(s)) {
			memset(plbuf_data(s), 1, 4096);
			plbuf_flush(s);
			memset(plbuf_data(s), 2, 4096); /* and no flush */
			reg_write(&d, REG_SRC, (uint32_t)plbuf_device_address(s));
			reg_write(&d, REG_SRC + 4, (uint32_t)(plbuf_device_address(s) >> 32));
			reg_write(&d, REG_DST, (uint32_t)plbuf_device_address(t));
			reg_write(&d, REG_DST + 4, (uint32_t)(plbuf_device_address(t) >> 32));
			reg_write(&d, REG_LEN, 4096);
			plbuf_flush(t);
			reg_write(&d, REG_CTRL, CTRL_START | CTRL_IRQ_EN);
			EXPECT(plbuf_irq_wait(d.irq, 60000) >= 1, "interrupt");
			reg_write(&d, REG_STATUS, STATUS_DONE);
			plbuf_invalidate(t);
			EXPECT(((uint8_t *)plbuf_data(t))[100] == 1, "without the flush the engine copied "
			       "the CPU's unflushed bytes (%u)", ((uint8_t *)plbuf_data(t))[100]);
			printf("  a forgotten flush: the engine copied stale memory, as on a board\n");
		}
		plbuf_free(s);
		plbuf_free(t);
	}
	if (sim && check)
		forget(&d, ctx, &o);
	printf("  the engine counted %u copies\n", reg_read(&d, REG_COUNT));
	plbuf_free(src);
	plbuf_free(dst);
	plbuf_irq_close(d.irq);
	plbuf_mmio_close(d.regs);
	if (sim)
		plbuf_close(ctx);
	printf("cdma: %s (%d failures)\n", failures ? "FAIL" : "ok", failures);
	return failures ? 1 : 0;
}
