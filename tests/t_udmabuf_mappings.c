/* u-dma-buf: cached buffers come from the mapping the driver makes cached, uncached ones from
 * its O_SYNC mapping, which plbuf first makes write-combine (sync_mode 2) because the default
 * (1, non-cached) is Device memory on arm64; uncached=keep leaves sync_mode alone, and the
 * buffer is then marked as Device memory.  Devices whose plain mapping is not cached (no
 * quirk-mmap, or SYNC_ALWAYS) offer no cached memory, and coherent devices report coherent. */
#include "context.h"
#include "fixture.h"
#include "shim_udmabuf.h"
#include "test.h"

static plbuf_buf *alloc(plbuf_ctx *ctx, const char *bank, int cacheable)
{
	struct plbuf_alloc_opts o = {.bank = bank, .cacheable = cacheable};
	int64_t shape[1] = {1000};
	plbuf_buf *b = plbuf_allocate(ctx, 1, shape, "u4", &o);

	CHECK(b);
	return b;
}

static int mapping(plbuf_buf *b, int *osync)
{
	return fx_udmabuf_mapping(plbuf_data(b), osync);
}

int main(void)
{
	struct fx_udmabuf d;
	plbuf_buf *b;
	int osync;

	fx_udmabuf_default(&d, "udmabuf0", 2 << 20, 0x30000000); /* sync_mode 1, quirk on */
	CHECK(fx_udmabuf_add(&d) == 0);
	fx_udmabuf_default(&d, "udmabuf1", 2 << 20, 0x30200000);
	CHECK(fx_udmabuf_add(&d) == 0);
	fx_udmabuf_default(&d, "noquirk", 2 << 20, 0x30400000);
	d.quirk_mmap_mode = 1;
	CHECK(fx_udmabuf_add(&d) == 0);
	fx_udmabuf_default(&d, "always", 2 << 20, 0x30600000);
	d.sync_mode = 5; /* SYNC_ALWAYS | non-cached */
	CHECK(fx_udmabuf_add(&d) == 0);
	fx_udmabuf_default(&d, "hpc", 2 << 20, 0x30800000);
	d.dma_coherent = 1;
	d.quirk_mmap_mode = 3; /* auto: off for a coherent device, dma_mmap_coherent() is cached */
	d.sync_mode = 3;
	CHECK(fx_udmabuf_add(&d) == 0);

	plbuf_ctx *ctx = plbuf_open("udmabuf", "devices=udmabuf0,noquirk,always,hpc");
	CHECK(ctx);
	CHECK(plbuf_ctx_nbanks(ctx) == 4);
	CHECK(fx_udmabuf_sync_mode("udmabuf0") == 2); /* asked for write-combine */
	CHECK(fx_udmabuf_sync_mode("udmabuf1") == 1); /* not opened, not touched */

	/* Default and cacheable=yes: the cached mapping. */
	b = alloc(ctx, "udmabuf0", PLBUF_CACHEABLE_DEFAULT);
	CHECK(plbuf_cacheable(b) == 1 && plbuf_coherent(b) == 0);
	CHECK(mapping(b, &osync) == FX_MT_CACHED && !osync);
	CHECK(plbuf_free(b) == 0);
	/* Uncached: the O_SYNC mapping, write-combine, same memory. */
	plbuf_buf *c = alloc(ctx, "udmabuf0", PLBUF_CACHEABLE_YES);
	b = alloc(ctx, "udmabuf0", PLBUF_CACHEABLE_NO);
	CHECK(plbuf_cacheable(b) == 0 && plbuf_coherent(b) == 1);
	CHECK(mapping(b, &osync) == FX_MT_WRITECOMBINE && osync);
	CHECK(!b->base->mem.device_mem);
	CHECK(plbuf_device_address(b) != plbuf_device_address(c));
	uint32_t *u = plbuf_data(b), *k = plbuf_data(c);
	uint64_t delta = plbuf_device_address(b) - plbuf_device_address(c);

	u[3] = 0x12345678; /* the two mappings alias one buffer */
	CHECK(k[delta / 4 + 3] == 0x12345678);
	CHECK(plbuf_free(b) == 0 && plbuf_free(c) == 0);

	/* Without quirk-mmap the driver maps a non-coherent device's memory non-cacheable. */
	b = alloc(ctx, "noquirk", PLBUF_CACHEABLE_DEFAULT);
	CHECK(plbuf_cacheable(b) == 0 && plbuf_coherent(b) == 1);
	CHECK(mapping(b, &osync) == FX_MT_WRITECOMBINE && !osync);
	CHECK(plbuf_free(b) == 0);
	/* SYNC_ALWAYS: no cached mapping at all; write-combine once plbuf asked for it. */
	CHECK(fx_udmabuf_sync_mode("always") == 6);
	b = alloc(ctx, "always", PLBUF_CACHEABLE_DEFAULT);
	CHECK(plbuf_cacheable(b) == 0 && mapping(b, &osync) == FX_MT_WRITECOMBINE);
	CHECK(plbuf_free(b) == 0);
	/* A coherent device: cached and coherent; sync_mode 3 is left as it is. */
	struct plbuf_bank_info bi;

	CHECK(plbuf_ctx_bank(ctx, 3, &bi) == 0 && !strcmp(bi.name, "hpc") && bi.coherent);
	CHECK(fx_udmabuf_sync_mode("hpc") == 3);
	b = alloc(ctx, "hpc", PLBUF_CACHEABLE_DEFAULT);
	CHECK(plbuf_cacheable(b) == 1 && plbuf_coherent(b) == 1 && mapping(b, NULL) == FX_MT_CACHED);
	CHECK(plbuf_free(b) == 0);
	b = alloc(ctx, "hpc", PLBUF_CACHEABLE_NO);
	CHECK(plbuf_cacheable(b) == 0 && mapping(b, &osync) == FX_MT_WRITECOMBINE && osync);
	CHECK(plbuf_free(b) == 0);
	plbuf_close(ctx);

	/* uncached=keep: sync_mode 1 stays, and the uncached buffer is Device memory. */
	ctx = plbuf_open("udmabuf", "devices=udmabuf1 uncached=keep");
	CHECK(ctx);
	CHECK(fx_udmabuf_sync_mode("udmabuf1") == 1);
	b = alloc(ctx, "udmabuf1", PLBUF_CACHEABLE_NO);
	CHECK(mapping(b, &osync) == FX_MT_DEVICE && osync);
	CHECK(b->base->mem.device_mem && plbuf_coherent(b));
	uint32_t v = 0xa5a5a5a5, r = 0;

	CHECK(plbuf_write(b, 8, &v, 4) == 0 && plbuf_read(b, 8, &r, 4) == 0 && r == v);
	CHECK(plbuf_free(b) == 0);
	plbuf_close(ctx);
	CHECK_NULL_ERR(plbuf_open("udmabuf", "uncached=maybe"), EINVAL);
	return 0;
}
