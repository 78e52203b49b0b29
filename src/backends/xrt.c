/*
 * xrt - buffer objects through XRT's C API (Debian's libxrt-dev): Alveo cards, and Versal /
 * Zynq UltraScale+ boards running XRT.  Built only where XRT's headers are (the Makefile defines
 * PLBUF_HAVE_XRT and links -lxrt_coreutil -lxrt_core).
 *
 * The Alveo model, as PYNQ uses it: a BO is device memory on the card plus a host mirror that the
 * CPU maps (xrtBOMap); xrtBOSync(bo, dir, size, offset) moves the bytes between them by DMA.  So
 * every buffer needs flush / invalidate whatever its cacheability, and the device address
 * (xrtBOAddress) is an address in the card's memory: there is no CPU physical address
 * (plbuf_physical_address gives PLBUF_NO_ADDRESS).  The sync is given the exact byte range: the
 * mirror is ordinary snooped host memory, so there are no cache lines to widen to, and widening
 * would overwrite bytes next to the range with the other side's copy.  On an embedded platform
 * (mirror=0, the default on ARM) the mapping is the memory itself: cached BOs are synced by zocl,
 * uncached ones are write-combine and coherent.
 *
 * Why xclProbe() first: with no card, xrtDeviceOpen() throws a C++ exception through the C API,
 * which terminates the calling C program.  xclProbe() (libxrt_core) just returns 0 then, so it
 * gates every xrtDeviceOpen().
 *
 * BOs of 4 GiB or more fail in XRT (Xilinx/XRT#6131); plbuf refuses them with that reason rather
 * than splitting them (a split buffer would not be contiguous in card memory).
 *
 * Banks: the MEM_TOPOLOGY of the image (xclbin=PATH, the file loaded on the card), or bank indices
 * (banks=0,1), or bank 0.  XRT 2.13's C API has no call that returns the loaded image's topology.
 *
 * Options: device=N  xclbin=PATH  banks=I[,J...]  mirror=0|1  chunk=SIZE
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xrt.h>
#include <xrt/xrt_bo.h>
#include <xrt/xrt_device.h>

#include "backend.h"
#include "os/memtopo.h"

#define XRT_BO_LIMIT (4ull << 30) /* XRT#6131 */

struct xrt {
	xrtDeviceHandle dev;
	unsigned index, ncards;
	int mirror;                         /* host mirror + DMA (Alveo) */
	char xclbin[256];
	int topo_index[PLBUF_MAX_BANKS];    /* plbuf bank -> memory group */
	int host_only[PLBUF_MAX_BANKS];     /* HOST[n] banks: the card reaches host memory */
};

static int xrt_probe(char *why, size_t len)
{
	unsigned n = xclProbe();

	if (n == 0) {
		snprintf(why, len, "XRT found no card: xclProbe() returned 0 (no Alveo card, or its "
			 "xocl/xclmgmt drivers are not loaded; `xbutil examine` lists cards)");
		return -ENODEV;
	}
	snprintf(why, len, "XRT found %u card%s (xclProbe)", n, n > 1 ? "s" : "");
	return 0;
}

static int add_bank(struct plbuf_ctx *ctx, struct xrt *x, const struct plbuf_memtopo_bank *t,
		    int index)
{
	struct plbuf_bank b;
	int k;

	plbuf__memtopo_bank(t, index, &b);
	/* A HOST bank is host memory that the card reads over PCIe, which x86 snoops. */
	b.coherent = t && t->type == PLBUF_MEM_HOST;
	b.cached_default = 1;
	if ((k = plbuf__bank_add(ctx, &b)) < 0)
		return k;
	x->topo_index[k] = index;
	x->host_only[k] = b.coherent;
	return 0;
}

static int topology_banks(struct plbuf_ctx *ctx, struct xrt *x, const char *path)
{
	struct plbuf_memtopo_bank topo[PLBUF_MEMTOPO_MAX];
	void *data;
	size_t len;
	int n, err;

	if ((err = plbuf__memtopo_read_file(path, &data, &len)) < 0)
		return err;
	n = plbuf__memtopo_from_xclbin(data, len, path, topo, PLBUF_MEMTOPO_MAX);
	free(data);
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++)
		if (topo[i].used && topo[i].type != PLBUF_MEM_STREAMING &&
		    topo[i].type != PLBUF_MEM_STREAMING_CONNECTION &&
		    (err = add_bank(ctx, x, &topo[i], i)) < 0)
			return err;
	if (plbuf__nbanks(ctx) == 0)
		return plbuf__err(ENODEV, "xrt: %s connects no memory bank (all %d are unused or "
				  "streams)", path, n);
	snprintf(x->xclbin, sizeof(x->xclbin), "%s", path);
	return 0;
}

static int index_banks(struct plbuf_ctx *ctx, struct xrt *x, const char *list)
{
	int err;

	for (const char *p = list; *p;) {
		char *end;
		long i = strtol(p, &end, 10);

		if (end == p || (*end && *end != ',') || i < 0 || i > 0xffffff)
			return plbuf__err(EINVAL, "xrt: banks=%s is not a list of memory bank indices "
					  "(banks=0,1)", list);
		if (*end && !end[1])
			return plbuf__err(EINVAL, "xrt: banks=%s ends with a comma", list);
		if ((err = add_bank(ctx, x, NULL, (int)i)) < 0)
			return err;
		p = *end ? end + 1 : end;
	}
	return 0;
}

static void xrt_close(struct plbuf_ctx *ctx)
{
	struct xrt *x = plbuf__priv(ctx);

	if (x->dev)
		xrtDeviceClose(x->dev);
}

static int xrt_open(struct plbuf_ctx *ctx, struct plbuf_kv *kv)
{
	const char *xclbin = plbuf__kv_get(kv, "xclbin"), *banks = plbuf__kv_get(kv, "banks");
	uint64_t index, mirror, chunk;
	struct xrt *x = plbuf__priv(ctx);
	int err;

#if defined(__aarch64__) || defined(__arm__)
	const uint64_t dflt_mirror = 0;
#else
	const uint64_t dflt_mirror = 1;
#endif
	if ((err = plbuf__kv_u64(kv, "device", 0, &index)) < 0 ||
	    (err = plbuf__kv_u64(kv, "mirror", dflt_mirror, &mirror)) < 0 ||
	    (err = plbuf__kv_u64(kv, "chunk", plbuf__chunk_size(ctx), &chunk)) < 0)
		return err;
	if (chunk < plbuf__page_size() || chunk >= XRT_BO_LIMIT)
		return plbuf__err(EINVAL, "xrt: chunk=%llu must lie between the page size and 4G",
				  (unsigned long long)chunk);
	if (xclbin && banks)
		return plbuf__err(EINVAL, "xrt: give xclbin= or banks=, not both");
	plbuf__set_chunk_size(ctx, chunk);
	x->mirror = mirror != 0;
	x->ncards = xclProbe();
	if (x->ncards == 0)
		return plbuf__err(ENODEV, "xrt: no card: xclProbe() found none (no Alveo card, or its "
				  "xocl/xclmgmt drivers are not loaded; `xbutil examine` lists cards)");
	if (index >= x->ncards)
		return plbuf__err(ENODEV, "xrt: device=%llu does not exist: xclProbe() found %u "
				  "card%s (0..%u)", (unsigned long long)index, x->ncards,
				  x->ncards > 1 ? "s" : "", x->ncards - 1);
	x->index = (unsigned)index;
	x->dev = xrtDeviceOpen(x->index);
	if (!x->dev)
		return plbuf__err(ENODEV, "xrt: xrtDeviceOpen(%u) failed (%s); check the card with "
				  "`xbutil examine -d`", x->index, strerror(errno));
	if (xclbin)
		return topology_banks(ctx, x, xclbin);
	return index_banks(ctx, x, banks ? banks : "0");
}

static int xrt_chunk_alloc(struct plbuf_ctx *ctx, int bank, uint64_t size, uint64_t align,
			   uint64_t max_dev, int cached, struct plbuf_chunk *out)
{
	struct xrt *x = plbuf__priv(ctx);
	uint64_t page = plbuf__page_size(), want = size, addr;
	xrtBufferFlags flags = 0;
	xrtBufferHandle bo;
	void *va;

	if (align > page && (want = size + align - page) < size)
		want = UINT64_MAX;
	if (want >= XRT_BO_LIMIT)
		return plbuf__err(EINVAL, "xrt: %llu bytes: XRT cannot allocate a buffer object of "
				  "4 GiB or more (Xilinx/XRT#6131); use several smaller buffers",
				  (unsigned long long)want);
	if (!cached && x->mirror && !x->host_only[bank])
		return plbuf__err(EINVAL, "xrt: cacheable=no is not possible in bank %s: an XRT "
				  "buffer is a host mirror of card memory and always needs "
				  "plbuf_flush/plbuf_invalidate, which copy it by DMA; allocate it with "
				  "the default cacheability", plbuf__bank(ctx, bank)->name);
	if (x->host_only[bank])
		flags |= XRT_BO_FLAGS_HOST_ONLY;
	else if (cached)
		flags |= XRT_BO_FLAGS_CACHEABLE;
	bo = xrtBOAlloc(x->dev, (size_t)want, flags, (xrtMemoryGroup)x->topo_index[bank]);
	if (!bo)
		return plbuf__err(ENOMEM, "xrt: xrtBOAlloc(%llu bytes, bank %s = memory group %d) "
				  "failed (%s): the bank is full, or the card has no image loaded "
				  "that connects it (`xbutil examine -d %u -r memory`)",
				  (unsigned long long)want, plbuf__bank(ctx, bank)->name, x->topo_index[bank],
				  strerror(errno), x->index);
	addr = xrtBOAddress(bo);
	if (addr + want - 1 > max_dev || addr + want - 1 < addr) {
		xrtBOFree(bo);
		return plbuf__err(ERANGE, "xrt: bank %s gave device address 0x%llx, above "
				  "max_device_address 0x%llx; use a bank the IP reaches",
				  plbuf__bank(ctx, bank)->name, (unsigned long long)addr,
				  (unsigned long long)max_dev);
	}
	va = xrtBOMap(bo);
	if (!va) {
		xrtBOFree(bo);
		return plbuf__err(EIO, "xrt: xrtBOMap of a %llu-byte buffer in bank %s failed",
				  (unsigned long long)want, plbuf__bank(ctx, bank)->name);
	}
	memset(out, 0, sizeof(*out));
	out->va = va;
	out->dev = addr;
	out->phys = PLBUF_NO_ADDRESS;
	out->size = want;
	out->bank = bank;
	out->priv = bo;
	if (x->host_only[bank])
		out->flags = (cached ? PLBUF_CHUNK_CACHED : 0) | PLBUF_CHUNK_COHERENT;
	else
		out->flags = cached ? PLBUF_CHUNK_CACHED : 0;
	return 0;
}

static void xrt_chunk_free(struct plbuf_ctx *ctx, struct plbuf_chunk *c)
{
	(void)ctx;
	xrtBOFree(c->priv); /* unmaps the mirror too */
}

static int xrt_sync(struct plbuf_ctx *ctx, const struct plbuf_chunk *c, uint64_t off, uint64_t len,
		    enum plbuf_sync_dir dir)
{
	int r = xrtBOSync(c->priv, dir == PLBUF_SYNC_TO_DEVICE ? XCL_BO_SYNC_BO_TO_DEVICE
							      : XCL_BO_SYNC_BO_FROM_DEVICE,
			  (size_t)len, (size_t)off);

	(void)ctx;
	if (r != 0)
		return plbuf__err(EIO, "xrt: xrtBOSync %s of [%llu, +%llu) failed (%d)",
				  dir == PLBUF_SYNC_TO_DEVICE ? "to device" : "from device",
				  (unsigned long long)off, (unsigned long long)len, r);
	return 0;
}

static void xrt_info(struct plbuf_ctx *ctx, FILE *out)
{
	struct xrt *x = plbuf__priv(ctx);

	fprintf(out, "  card %u of %u; %s\n", x->index, x->ncards,
		x->mirror ? "host mirror + DMA (sync moves the data)" : "shared memory (embedded)");
	fprintf(out, "  banks from %s\n", x->xclbin[0] ? x->xclbin : "banks= (no xclbin= given)");
	for (int i = 0; i < plbuf__nbanks(ctx); i++)
		fprintf(out, "  bank %s: memory group %d%s\n", plbuf__bank(ctx, i)->name, x->topo_index[i],
			x->host_only[i] ? ", host memory (host_only)" : "");
}

/* The row (backend.h).  Every backend's looks like this one on purpose: a backend is a row. */
const struct plbuf_backend plbuf__backend_xrt = {
	.name = "xrt",
	.summary = "Alveo / Versal through XRT's C API: buffer objects with a host mirror",
	.rank = 40,
	.priv_size = sizeof(struct xrt),
	.probe = xrt_probe,
	.open = xrt_open,
	.close = xrt_close,
	.chunk_alloc = xrt_chunk_alloc,
	.chunk_free = xrt_chunk_free,
	.sync = xrt_sync,
	.info = xrt_info,
};
