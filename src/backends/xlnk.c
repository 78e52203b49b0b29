/*
 * xlnk - the CMA allocator of PYNQ images up to v2.5: /dev/xlnk, from linux-xlnx's
 * drivers/staging/apf (DRIVER_VERSION "0.2").  One dynamic bank, "cma": every chunk is one xlnk
 * buffer.
 *
 * The ABI below is plbuf's own transcription of xlnk.h, xlnk-ioctl.h and xlnk-sysdef.h of the
 * 2018.1-2019.2 trees (PYNQ v2.3-v2.5).  The ioctl argument is a union of packed structures that
 * the driver copies whole, both ways; its "intptr" fields are as wide as the kernel's pointers.
 * The driver has no compat_ioctl, so a program's pointers are the kernel's: a 32-bit program on a
 * 64-bit kernel cannot use it (ENOTTY).  Older trees had other layouts (another mmap offset, and
 * before that pointers in ALLOCBUF) that cannot be told apart safely, so the kernel's release tag
 * is checked (force=1 overrides).
 *
 *   ALLOCBUF {len, cacheable} -> {id 1..4095, phyaddr}: dma_alloc_attrs() from CMA, cacheable
 *       or not; ids are shared by every process (4096-entry table, never freed when a process
 *       dies), so plbuf gives each one back when its chunk empties;
 *   mmap(offset id << 16): the buffer, mapped cached, or pgprot_noncached() (Device memory on
 *       arm64, strongly ordered on ARMv7: aligned accesses only) when not cacheable;
 *   FREEBUF {id}, after munmap;
 *   CACHECTRL {phys, size, action}: on a 32-bit kernel both actions clean and invalidate the L1
 *       (by kernel address) and the PL310 (by physical address); on a 64-bit kernel action 0
 *       cleans and 1 invalidates.  The driver starts at the kernel address of the buffer's first
 *       byte whatever phys says, so plbuf always passes the buffer's start and a size reaching the
 *       end of the range.  RECRES frees every buffer of every process: plbuf never sends it.
 *
 * Sync (cached buffers).  Where user space can clean and invalidate by address (aarch64) that is
 * exact and needs no system call (sync=auto; PYNQ did the same).  Otherwise (ARMv7) CACHECTRL:
 * action 0 for both directions, since on a 32-bit kernel it is a clean+invalidate of L1 and L2,
 * which is what an invalidate needs, whereas action 1 adds an invalidate of the outer cache over
 * the whole span from the buffer's start that could drop lines other buffers of the chunk dirtied
 * meanwhile.  sync=driver on a 64-bit kernel sends 0 then 1 for an invalidate.
 *
 * Options: coherent=0|1 (PL ports that snoop: HPC/ACP)  sync=auto|driver|cpu  force=0|1
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "backend.h"
#include "os/meminfo.h"
#include "os/sys.h"

/* ---- xlnk-ioctl.h, xlnk.h, xlnk-sysdef.h (2018.1-2019.2) */
#define XLNK_IOCALLOCBUF  _IOWR('X', 2, unsigned long)
#define XLNK_IOCFREEBUF   _IOWR('X', 3, unsigned long)
#define XLNK_IOCCACHECTRL _IOWR('X', 24, unsigned long)
#if UINTPTR_MAX == 0xffffffffu
typedef uint32_t xlnk_intptr;
#define XLNK_ARGS_SIZE 88 /* union xlnk_args: its largest member, dmaregister, packed */
#else
typedef uint64_t xlnk_intptr;
#define XLNK_ARGS_SIZE 96 /* dmasubmit */
#endif
union xlnk_args {
	struct __attribute__((packed)) {
		uint32_t len;
		int32_t id;          /* out */
		xlnk_intptr phyaddr; /* out */
		uint8_t cacheable;
	} allocbuf;
	struct __attribute__((packed)) {
		uint32_t id;
		xlnk_intptr buf;
	} freebuf;
	struct __attribute__((packed)) {
		xlnk_intptr phys_addr;
		uint32_t size;
		int32_t action;      /* 0 flush, 1 invalidate */
	} cachecontrol;
	unsigned char whole[XLNK_ARGS_SIZE]; /* what the driver copies in and out */
};
_Static_assert(offsetof(union xlnk_args, allocbuf.cacheable) == 8 + sizeof(xlnk_intptr) &&
	       offsetof(union xlnk_args, cachecontrol.action) == 4 + sizeof(xlnk_intptr),
	       "xlnk argument layout");
#define XLNK_MMAP_SHIFT 16   /* mmap offset of buffer id */
#define XLNK_DRIVER_SYNC_CHUNK (256u << 10)
#define XLNK_MAX_BUFFERS 4095

struct xlnk {
	int fd, by_va, coherent;
	uint64_t cma_total;
	char release[96];
};

/* A chunk: one xlnk buffer, its mapping, and where the chunk starts in it (alignment). */
struct xbuf {
	int32_t id;
	void *map;
	size_t map_len;
	uint64_t phys; /* of the xlnk buffer's first byte */
};

/* ---------------------------------------------------------------- /proc */

/* Bytes of free CMA (nr_free_cma pages in /proc/vmstat), or -1. */
static int64_t cma_free(void)
{
	char text[8192], *p;

	if (plbuf__read_attr("/proc/vmstat", text, sizeof(text)) < 0)
		return -1;
	p = strstr(text, "nr_free_cma ");
	if (!p)
		return -1;
	long long pages = strtoll(p + 12, NULL, 10);

	/* A page count no machine has (found by fuzzing: it overflowed the multiplication). */
	if (pages < 0 || pages > INT64_MAX / (int64_t)plbuf__page_size())
		return -1;
	return pages * (int64_t)plbuf__page_size();
}

/* CmaTotal from /proc/meminfo, or 0. */
static uint64_t cma_total(void)
{
	uint64_t v;

	return plbuf__meminfo("CmaTotal", &v) == 0 ? v : 0;
}

/* Kernels tagged with a linux-xlnx release older than 2018.1 carry older xlnk interfaces. */
static int check_release(struct xlnk *x, int force)
{
	const char *tag;
	int year = 0, rel = 0;

	if (plbuf__read_attr("/proc/sys/kernel/osrelease", x->release, sizeof(x->release)) < 0) {
		x->release[0] = 0;
		return 0; /* not a tagged kernel: nothing to go by */
	}
	tag = strstr(x->release, "xilinx-v");
	if (!tag || sscanf(tag + 8, "%d.%d", &year, &rel) != 2 || year >= 2018 || force)
		return 0;
	return plbuf__err(ENOTSUP, "xlnk: kernel %s is linux-xlnx v%d.%d, whose xlnk predates the "
			  "interface plbuf speaks (the 2018.1-2019.2 trees of PYNQ v2.3-v2.5): older "
			  "ones map buffers at another offset or take pointers in ALLOCBUF, and "
			  "guessing wrong maps the wrong memory; force=1 uses it anyway",
			  x->release, year, rel);
}

/* ---------------------------------------------------------------- buffers */

static int xl_ioctl(struct xlnk *x, unsigned long req, const char *name, union xlnk_args *a)
{
	int r = plbuf__sys_ioctl(x->fd, req, a);

	if (r > 0) /* the driver returns copy_to_user()'s count of bytes it could not copy */
		errno = EFAULT;
	if (r != 0)
		return plbuf__err(errno, "xlnk: ioctl %s on /dev/xlnk failed: %s%s", name,
				  strerror(errno), errno == ENOTTY && sizeof(void *) == 4 ?
				  " (a 32-bit program on a 64-bit kernel cannot use xlnk)" : "");
	return 0;
}

static void freebuf(struct xlnk *x, int32_t id)
{
	union xlnk_args a;

	memset(&a, 0, sizeof(a));
	a.freebuf.id = (uint32_t)id;
	plbuf__sys_ioctl(x->fd, XLNK_IOCFREEBUF, &a);
}

static int allocbuf(struct xlnk *x, uint64_t len, int cached, int32_t *id, uint64_t *phys)
{
	union xlnk_args a;
	int64_t fr;
	int err;

	memset(&a, 0, sizeof(a));
	a.allocbuf.len = (uint32_t)len;
	a.allocbuf.cacheable = cached != 0;
	if (xl_ioctl(x, XLNK_IOCALLOCBUF, "ALLOCBUF", &a) == 0) {
		if (a.allocbuf.id <= 0 || a.allocbuf.id > XLNK_MAX_BUFFERS) {
			err = plbuf__err(EPROTO, "xlnk: ALLOCBUF returned buffer id %d, outside 1..%d",
					 (int)a.allocbuf.id, XLNK_MAX_BUFFERS);
			return err;
		}
		*id = a.allocbuf.id;
		*phys = a.allocbuf.phyaddr;
		return 0;
	}
	err = -errno;
	fr = cma_free();
	if (err != -ENOMEM)
		return err;
	if (fr < 0)
		return plbuf__err(ENOMEM, "xlnk: ALLOCBUF of %llu bytes failed: no memory (the CMA "
				  "pool: raise it with cma=<size>M on the kernel command line; xlnk "
				  "also holds at most %d buffers system-wide)", (unsigned long long)len,
				  XLNK_MAX_BUFFERS);
	return plbuf__err(ENOMEM, "xlnk: ALLOCBUF of %llu bytes failed: %lld of %llu bytes of CMA "
			  "are free (nr_free_cma in /proc/vmstat). %s", (unsigned long long)len,
			  (long long)fr, (unsigned long long)x->cma_total, (uint64_t)fr >= len ?
			  "Enough is free, so the pool is fragmented or xlnk's 4095 buffer ids "
			  "(shared by all programs, and kept by programs that died without freeing "
			  "them) are used up: free buffers, or reset xlnk (PYNQ's xlnk_reset, which "
			  "frees every program's buffers)" :
			  "Free buffers, or boot with a larger pool: cma=<size>M on the kernel "
			  "command line (PYNQ-Z1/Z2 use 128M)");
}

static int xl_chunk_alloc(struct plbuf_ctx *ctx, int bank, uint64_t size, uint64_t align,
			  uint64_t max_dev, int cached, struct plbuf_chunk *out)
{
	struct xlnk *x = plbuf__priv(ctx);
	uint64_t page = plbuf__page_size(), len = (size + page - 1) / page * page, skip = 0;
	struct xbuf *b;
	int err;

	if (len > UINT32_MAX - align)
		return plbuf__err(ENOMEM, "xlnk: %llu bytes is more than one xlnk buffer can hold "
				  "(ALLOCBUF takes a 32-bit length)", (unsigned long long)size);
	if (!(b = calloc(1, sizeof(*b))))
		return plbuf__err(ENOMEM, "out of process memory");
	if ((err = allocbuf(x, len, cached, &b->id, &b->phys)) < 0)
		goto fail;
	/* CMA aligns a buffer to its own size's order (at most 1 MiB): a larger alignment costs
	 * a larger buffer. */
	if (b->phys & (align - 1)) {
		freebuf(x, b->id);
		b->id = 0;
		len += align - page;
		if ((err = allocbuf(x, len, cached, &b->id, &b->phys)) < 0)
			goto fail;
		skip = ((b->phys + align - 1) & ~(align - 1)) - b->phys;
	}
	if (max_dev != UINT64_MAX && b->phys + skip + size - 1 > max_dev) {
		err = plbuf__err(ERANGE, "xlnk: CMA gave 0x%llx-0x%llx, above max_device_address "
				 "0x%llx: the CMA area lies where the kernel placed it; move it with "
				 "cma=<size>@<start>-<end> on the kernel command line",
				 (unsigned long long)(b->phys + skip),
				 (unsigned long long)(b->phys + skip + size - 1),
				 (unsigned long long)max_dev);
		goto fail_free;
	}
	b->map_len = (size_t)len;
	b->map = plbuf__sys_mmap(NULL, b->map_len, PROT_READ | PROT_WRITE, MAP_SHARED, x->fd,
				 (off_t)b->id << XLNK_MMAP_SHIFT);
	if (b->map == MAP_FAILED) {
		err = plbuf__err(errno, "xlnk: cannot map buffer %d (%llu bytes) of /dev/xlnk: %s",
				 (int)b->id, (unsigned long long)len, strerror(errno));
		goto fail_free;
	}
	memset(out, 0, sizeof(*out));
	out->va = (char *)b->map + skip;
	out->dev = b->phys + skip;
	out->phys = out->dev;
	out->size = len - skip;
	out->bank = bank;
	out->flags = cached ? PLBUF_CHUNK_CACHED | (x->coherent ? PLBUF_CHUNK_COHERENT : 0)
			    : PLBUF_CHUNK_DEVICE_MEM;
	out->priv = b;
	return 0;
fail_free:
	freebuf(x, b->id);
fail:
	free(b);
	errno = -err;
	return err;
}

static void xl_chunk_free(struct plbuf_ctx *ctx, struct plbuf_chunk *c)
{
	struct xbuf *b = c->priv;

	munmap(b->map, b->map_len); /* before FREEBUF: the memory must not stay mapped */
	freebuf(plbuf__priv(ctx), b->id);
	free(b);
	c->priv = NULL;
}

static int cachectrl(struct xlnk *x, const struct xbuf *b, uint64_t size, int action)
{
	union xlnk_args a;

	memset(&a, 0, sizeof(a));
	a.cachecontrol.phys_addr = (xlnk_intptr)b->phys;
	a.cachecontrol.size = (uint32_t)size;
	a.cachecontrol.action = action;
	return xl_ioctl(x, XLNK_IOCCACHECTRL, action ? "CACHECTRL (invalidate)" :
			"CACHECTRL (flush)", &a);
}

static int xl_sync(struct plbuf_ctx *ctx, const struct plbuf_chunk *c, uint64_t off, uint64_t len,
		   enum plbuf_sync_dir dir)
{
	struct xlnk *x = plbuf__priv(ctx);
	const struct xbuf *b = c->priv;
	uint64_t line = plbuf_ctx_line_size(ctx), start = (uint64_t)((char *)c->va - (char *)b->map);
	uint64_t hi = start + ((off + len + line - 1) & ~(line - 1));
	int err;

	if (x->by_va)
		return dir == PLBUF_SYNC_TO_DEVICE ? plbuf__arch_clean((char *)c->va + off, len)
						   : plbuf__arch_clean_inval((char *)c->va + off, len);
	if (hi > b->map_len)
		hi = b->map_len;
	/* From the buffer's first byte (see the top); on a 32-bit kernel action 0 cleans and
	 * invalidates, on a 64-bit one it only cleans, and 1 then invalidates lines just cleaned. */
	err = cachectrl(x, b, hi, 0);
	if (!err && dir == PLBUF_SYNC_FROM_DEVICE && sizeof(void *) == 8)
		err = cachectrl(x, b, hi, 1);
	return err;
}

/* ---------------------------------------------------------------- the backend */

static int xl_probe(char *why, size_t len)
{
	char full[4096];

	if (access(plbuf__path(full, sizeof(full), "/dev/xlnk"), F_OK) != 0) {
		snprintf(why, len, "no %s (PYNQ images up to v2.5 have it; later ones use zocl)",
			 full);
		return -ENODEV;
	}
	snprintf(why, len, "%s: PYNQ's CMA allocator", full);
	return 0;
}

static void xl_close(struct plbuf_ctx *ctx)
{
	struct xlnk *x = plbuf__priv(ctx);

	if (x->fd >= 0)
		close(x->fd);
}

static int xl_open(struct plbuf_ctx *ctx, struct plbuf_kv *kv)
{
	uint64_t coherent, force;
	int err;
	struct plbuf_bank b = {0};
	struct xlnk *x = plbuf__priv(ctx);
	char full[4096];

	x->fd = -1;
	if ((err = plbuf__kv_u64(kv, "coherent", 0, &coherent)) < 0 ||
	    (err = plbuf__kv_u64(kv, "force", 0, &force)) < 0)
		return err;
	if ((err = plbuf__kv_sync(kv, "xlnk", &x->by_va)) < 0)
		return err;
	x->coherent = coherent != 0;
	if ((err = check_release(x, force != 0)) < 0)
		return err;
	x->fd = plbuf__sys_open(plbuf__path(full, sizeof(full), "/dev/xlnk"), O_RDWR, 0);
	if (x->fd < 0)
		return plbuf__err(errno, "xlnk: cannot open %s: %s%s", full, strerror(errno),
				  errno == EACCES ? " (PYNQ runs its programs as root: use sudo, or "
				  "give the device to a group with a udev rule)" : "");
	/* CACHECTRL starts at its xlnk buffer's first byte: small pool chunks bound what the sync of
	 * a small buffer at a chunk's end costs (and cost ids: 512 of them for 128 MiB of CMA). */
	if (!x->by_va)
		plbuf__set_chunk_size(ctx, XLNK_DRIVER_SYNC_CHUNK);
	x->cma_total = cma_total();
	snprintf(b.name, sizeof(b.name), "cma");
	b.size = x->cma_total;
	b.coherent = x->coherent;
	b.cached_default = 1;
	err = plbuf__bank_add(ctx, &b);
	return err < 0 ? err : 0;
}

static int xl_bank_stats(struct plbuf_ctx *ctx, int bank, uint64_t *free_b, uint64_t *largest)
{
	int64_t fr = cma_free();

	(void)ctx;
	(void)bank;
	if (fr < 0)
		return -ENOENT;
	*free_b = *largest = (uint64_t)fr; /* CMA does not say how fragmented it is */
	return 0;
}

static void xl_info(struct plbuf_ctx *ctx, FILE *out)
{
	struct xlnk *x = plbuf__priv(ctx);
	int64_t fr = cma_free();

	fprintf(out, "  CMA: %llu bytes, %lld free (nr_free_cma); grow it with cma=<size>M on the "
		"kernel command line.  xlnk holds at most %d buffers, shared by all programs\n",
		(unsigned long long)x->cma_total, (long long)fr, XLNK_MAX_BUFFERS);
	fprintf(out, "  kernel %s; cache maintenance of cached buffers: %s\n",
		x->release[0] ? x->release : "(release unknown)",
		x->by_va ? "by address from user space" : "CACHECTRL ioctl");
}

/* The row (backend.h).  Every backend's looks like this one on purpose: a backend is a row. */
const struct plbuf_backend plbuf__backend_xlnk = {
	.name = "xlnk",
	.summary = "PYNQ <= v2.5's /dev/xlnk CMA allocator",
	.rank = 110,
	.priv_size = sizeof(struct xlnk),
	.probe = xl_probe,
	.open = xl_open,
	.close = xl_close,
	.chunk_alloc = xl_chunk_alloc,
	.chunk_free = xl_chunk_free,
	.sync = xl_sync,
	.bank_stats = xl_bank_stats,
	.info = xl_info,
};
