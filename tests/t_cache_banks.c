/* Coherency is per bank, as on ZynqMP where the HPC and ACP ports snoop the CPU caches and the HP
 * ports do not.  With the sim backend's banks=NAME@BASE:SIZE[:coherent|:noncoherent]:
 * plbuf_ctx_bank() and plbuf_coherent() report each bank's coherency; a cached buffer in a
 * coherent bank is seen by the device without a flush and sees the device's writes without an
 * invalidate (flush / invalidate are fences and succeed); in a non-coherent bank nothing moves
 * until flush / invalidate; an uncached buffer in a non-coherent bank is coherent. */
#include <stdint.h>

#include "test.h"

static int bank_coherent(plbuf_ctx *ctx, const char *name)
{
	struct plbuf_bank_info bi;

	for (int i = 0; i < plbuf_ctx_nbanks(ctx); i++) {
		CHECK(plbuf_ctx_bank(ctx, i, &bi) == 0);
		if (strcmp(bi.name, name) == 0)
			return bi.coherent;
	}
	fprintf(stderr, "no bank %s\n", name);
	exit(T_EXIT_FAIL);
}

static plbuf_buf *alloc(plbuf_ctx *ctx, const char *bank, int cacheable)
{
	int64_t shape[1] = {256};
	struct plbuf_alloc_opts o = {.bank = bank, .cacheable = cacheable};
	plbuf_buf *b = plbuf_allocate(ctx, 1, shape, "u4", &o);

	CHECK(b);
	CHECK(strcmp(plbuf_bank(b), bank) == 0);
	return b;
}

/* Whether CPU writes reach the device, and device writes the CPU, with no flush / invalidate. */
static int moves_by_itself(plbuf_sim_dev *dev, plbuf_buf *b, uint32_t tag)
{
	uint32_t *p = plbuf_data(b);
	uint32_t *d = plbuf_sim_translate(dev, plbuf_device_address(b), plbuf_nbytes(b));
	int to_dev, to_cpu;

	CHECK(d);
	for (int i = 0; i < 256; i++)
		p[i] = tag + (uint32_t)i;
	to_dev = d[100] == tag + 100;
	d[200] = ~tag;
	to_cpu = p[200] == ~tag;
	CHECK(to_dev == to_cpu);
	/* Either way flush and invalidate succeed, and afterwards both sides agree. */
	CHECK(plbuf_flush(b) == 0);
	CHECK(d[100] == tag + 100 && d[5] == tag + 5);
	d[7] = tag ^ 0x5555;
	CHECK(plbuf_invalidate(b) == 0);
	CHECK(p[7] == (tag ^ 0x5555));
	return to_dev;
}

int main(void)
{
	/* One bank of each kind, and the default made coherent with one bank overriding it. */
	plbuf_ctx *ctx = plbuf_open("sim", "banks=HP0@0x40000000:1M,HPC0@0x50000000:1M:coherent");
	CHECK(ctx);
	plbuf_sim_dev *dev = plbuf_sim_attach(plbuf_sim_name(ctx));
	CHECK(dev);
	CHECK(bank_coherent(ctx, "HP0") == 0 && bank_coherent(ctx, "HPC0") == 1);

	plbuf_buf *hp = alloc(ctx, "HP0", PLBUF_CACHEABLE_YES);
	plbuf_buf *hpc = alloc(ctx, "HPC0", PLBUF_CACHEABLE_YES);
	plbuf_buf *hp_uc = alloc(ctx, "HP0", PLBUF_CACHEABLE_NO);
	CHECK(plbuf_cacheable(hp) == 1 && plbuf_coherent(hp) == 0);
	CHECK(plbuf_cacheable(hpc) == 1 && plbuf_coherent(hpc) == 1);
	CHECK(plbuf_cacheable(hp_uc) == 0 && plbuf_coherent(hp_uc) == 1);
	CHECK(moves_by_itself(dev, hp, 0x1000) == 0);    /* needs flush / invalidate */
	CHECK(moves_by_itself(dev, hpc, 0x2000) == 1);   /* needs neither */
	CHECK(moves_by_itself(dev, hp_uc, 0x3000) == 1); /* uncached: needs neither */
	CHECK(plbuf_free(hp) == 0 && plbuf_free(hpc) == 0 && plbuf_free(hp_uc) == 0);
	plbuf_sim_detach(dev);
	plbuf_close(ctx);

	ctx = plbuf_open("sim", "coherent=1 banks=ACP@0x40000000:1M,HP1@0x50000000:1M:noncoherent");
	CHECK(ctx);
	CHECK(bank_coherent(ctx, "ACP") == 1 && bank_coherent(ctx, "HP1") == 0);
	plbuf_buf *acp = alloc(ctx, "ACP", PLBUF_CACHEABLE_DEFAULT);
	plbuf_buf *hp1 = alloc(ctx, "HP1", PLBUF_CACHEABLE_DEFAULT);
	CHECK(plbuf_coherent(acp) == 1 && plbuf_coherent(hp1) == 0);
	CHECK(plbuf_free(acp) == 0 && plbuf_free(hp1) == 0);
	plbuf_close(ctx);
	return T_EXIT_PASS;
}
