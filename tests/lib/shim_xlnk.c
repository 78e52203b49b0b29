/*
 * shim_xlnk.c - xlnk of linux-xlnx 2018.x-2019.1 (PYNQ v2.3-v2.5) as seen from user space; see
 * shim_xlnk.h.  Written from the driver's public source (drivers/staging/apf/xlnk.c, xlnk.h,
 * xlnk-ioctl.h, xlnk-sysdef.h); the ABI below is this file's own transcription, kept apart from
 * src/backends/xlnk.c so that a mistake in one shows in the other.
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

#include "fixture.h"
#include "shim_xlnk.h"

/* xlnk-sysdef.h: "intptr" fields are u32 or u64 after the kernel's pointers; the union's
 * members are packed, so its size is that of the largest: dmasubmit on 64-bit (96 bytes),
 * dmaregister on 32-bit (88 bytes). */
#if UINTPTR_MAX == 0xffffffffu
typedef uint32_t shim_intptr;
#define SHIM_ARGS_SIZE 88
#else
typedef uint64_t shim_intptr;
#define SHIM_ARGS_SIZE 96
#endif
struct __attribute__((packed)) shim_allocbuf { uint32_t len; int32_t id; shim_intptr phyaddr; uint8_t cacheable; };
struct __attribute__((packed)) shim_freebuf { uint32_t id; shim_intptr buf; };
struct __attribute__((packed)) shim_cachectrl { shim_intptr phys_addr; uint32_t size; int32_t action; };

/* xlnk-ioctl.h */
#define SHIM_IOC_MAGIC 'X'
#define SHIM_IOCALLOCBUF  _IOWR('X', 2, unsigned long)
#define SHIM_IOCFREEBUF   _IOWR('X', 3, unsigned long)
#define SHIM_IOCCACHECTRL _IOWR('X', 24, unsigned long)
#define SHIM_IOCRECRES    _IOWR('X', 101, unsigned long)
#define SHIM_IOC_MAXNR    101

#define POOL 4096          /* XLNK_BUF_POOL_SIZE */
#define CMA_ALIGN_ORDER 8  /* CONFIG_CMA_ALIGNMENT */
#define MAX_LOG 256
#define MAX_MAPS 256

static struct {
	int active, cma_fd;
	struct fx_xlnk cfg;
	uint64_t page, npages;
	unsigned char *used;              /* CMA pages in use */
	struct { int used; uint64_t phys, len; int cacheable; } buf[POOL];
	struct fx_xlnk_cachectrl log[MAX_LOG];
	int nlog, violations;
	struct { void *va; size_t len; int id, cacheable; } maps[MAX_MAPS];
	int nmaps;
} x;

static int claims(const char *rel)
{
	return x.active && !strcmp(rel, "/dev/xlnk");
}

static void violation(const char *what, long v)
{
	fprintf(stderr, "xlnk fixture: the real driver would misbehave here: %s (%ld)\n", what, v);
	x.violations++;
}

static uint64_t free_pages(void)
{
	uint64_t n = 0;

	for (uint64_t i = 0; i < x.npages; i++)
		n += !x.used[i];
	return n;
}

static void write_proc(void)
{
	uint64_t fp = free_pages();

	fx_write("/proc/vmstat", 0444, "nr_free_pages 123456\nnr_zone_inactive_anon 1024\n"
		 "nr_free_cma %llu\nnr_unevictable 0\n", (unsigned long long)fp);
	fx_write("/proc/meminfo", 0444, "MemTotal:         511092 kB\nMemFree:          300000 kB\n"
		 "CmaTotal:         %llu kB\nCmaFree:          %llu kB\n",
		 (unsigned long long)(x.cfg.cma_size >> 10),
		 (unsigned long long)(fp * x.page >> 10));
}

/* dma_alloc_attrs() from CMA: first fit, aligned to the buffer's order (at most 2^8 pages). */
static int cma_alloc(uint64_t len, uint64_t *phys)
{
	uint64_t n = (len + x.page - 1) / x.page, align = 1;

	if (len == 0)
		return -1;
	while (align < n && align < (1u << CMA_ALIGN_ORDER))
		align <<= 1;
	for (uint64_t s = 0; s + n <= x.npages; s += align) {
		uint64_t k = 0;

		while (k < n && !x.used[s + k])
			k++;
		if (k == n) {
			memset(x.used + s, 1, n);
			*phys = x.cfg.cma_base + s * x.page;
			return 0;
		}
	}
	return -1;
}

static void cma_free(uint64_t phys, uint64_t len)
{
	uint64_t s = (phys - x.cfg.cma_base) / x.page, n = (len + x.page - 1) / x.page;

	memset(x.used + s, 0, n);
}

/* xlnk_allocbuf(): memory first, then the lowest free id; with no id left the memory is not
 * given back (as in the driver). */
static int allocbuf(uint32_t len, unsigned cacheable)
{
	uint64_t phys;

	if (cma_alloc(len, &phys) < 0)
		return -ENOMEM;
	for (int id = 1; id < POOL; id++)
		if (!x.buf[id].used) {
			x.buf[id].used = 1;
			x.buf[id].phys = phys;
			x.buf[id].len = len;
			x.buf[id].cacheable = cacheable != 0;
			return id;
		}
	return -ENOMEM;
}

static int mapped(int id)
{
	unsigned char v;

	for (int i = 0; i < x.nmaps; i++)
		if (x.maps[i].id == id && mincore(x.maps[i].va, 1, &v) == 0)
			return 1;
	return 0;
}

static int freebuf(int id)
{
	if (id <= 0 || id >= POOL || !x.buf[id].used)
		return -ENOMEM;
	if (mapped(id))
		violation("FREEBUF of a buffer still mapped", id);
	cma_free(x.buf[id].phys, x.buf[id].len);
	memset(&x.buf[id], 0, sizeof(x.buf[id]));
	for (int i = 0; i < x.nmaps; i++)
		if (x.maps[i].id == id)
			x.maps[i].id = -1;
	return 0;
}

/* xlnk_buf_find_by_phys_addr() */
static int find_phys(uint64_t addr)
{
	for (int id = 1; id < POOL; id++)
		if (x.buf[id].used && x.buf[id].phys <= addr && x.buf[id].phys + x.buf[id].len > addr)
			return id;
	return 0;
}

static long xl_ioctl(int fd, const char *rel, unsigned long code, void *arg)
{
	unsigned char args[SHIM_ARGS_SIZE];
	long r = 0;

	(void)fd;
	(void)rel;
	if (_IOC_TYPE(code) != SHIM_IOC_MAGIC || _IOC_NR(code) > SHIM_IOC_MAXNR)
		return -ENOTTY;
	switch (code) {
	case SHIM_IOCALLOCBUF: {
		struct shim_allocbuf a;
		int id;

		memcpy(args, arg, sizeof(args)); /* copy_from_user(sizeof(union xlnk_args)) */
		memcpy(&a, args, sizeof(a));
		id = allocbuf(a.len, a.cacheable);
		if (id <= 0)
			break;
		a.id = id;
		a.phyaddr = (shim_intptr)x.buf[id].phys;
		memcpy(args, &a, sizeof(a));
		memcpy(arg, args, sizeof(args));
		write_proc();
		return 0;
	}
	case SHIM_IOCFREEBUF: {
		struct shim_freebuf f;

		memcpy(args, arg, sizeof(args));
		memcpy(&f, args, sizeof(f));
		r = freebuf((int)f.id);
		write_proc();
		return r;
	}
	case SHIM_IOCCACHECTRL: {
		struct shim_cachectrl c;
		int id;

		memcpy(args, arg, sizeof(args));
		memcpy(&c, args, sizeof(c));
		if (c.action != 0 && c.action != 1)
			return -EINVAL;
		id = find_phys(c.phys_addr);
		if (!id) /* "Illegal cachecontrol on non-sds_alloc memory" */
			return -EINVAL;
		if (x.nlog < MAX_LOG)
			x.log[x.nlog++] = (struct fx_xlnk_cachectrl){c.phys_addr, c.size, c.action, id};
		return 0;
	}
	case SHIM_IOCRECRES: /* xlnk_recover_resource(): every buffer of every process */
		for (int id = 1; id < POOL; id++)
			if (x.buf[id].used)
				freebuf(id);
		write_proc();
		return 0;
	default: /* the DMA and device ioctls: not emulated */
		return -EINVAL;
	}
	return -ENOMEM;
}

/* xlnk_mmap(): buffer id = offset >> 16; the driver checks neither the id nor the length. */
static void *xl_mmap(void *addr, size_t len, int prot, int flags, int fd, const char *rel,
		     uint64_t off)
{
	uint64_t id = off >> 16;
	void *va;

	(void)fd;
	(void)rel;
	if (id == 0 || id >= POOL || !x.buf[id].used) {
		violation("mmap of a buffer id that is not allocated", (long)id);
		errno = EINVAL;
		return MAP_FAILED;
	}
	if (len > (x.buf[id].len + x.page - 1) / x.page * x.page)
		violation("mmap longer than the buffer", (long)len);
	va = fx_real_mmap(addr, len, prot, flags, x.cma_fd, x.buf[id].phys - x.cfg.cma_base);
	if (va != MAP_FAILED) {
		int i = x.nmaps < MAX_MAPS ? x.nmaps++ : MAX_MAPS - 1;

		x.maps[i].va = va;
		x.maps[i].len = len;
		x.maps[i].id = (int)id;
		x.maps[i].cacheable = x.buf[id].cacheable;
	}
	return va;
}

static const struct fx_driver driver = {
	.name = "xlnk",
	.claims = claims,
	.ioctl = xl_ioctl,
	.mmap = xl_mmap,
};

void fx_xlnk_default(struct fx_xlnk *c)
{
	memset(c, 0, sizeof(*c));
	c->cma_base = 0x16000000;
	c->cma_size = 128 << 20;
	snprintf(c->osrelease, sizeof(c->osrelease), "4.19.0-xilinx-v2019.1");
}

int fx_xlnk_setup(const struct fx_xlnk *c)
{
	char path[4096];

	fx_register(&driver);
	if (x.cma_fd > 0)
		close(x.cma_fd);
	free(x.used);
	memset(&x, 0, sizeof(x));
	x.cfg = *c;
	x.page = (uint64_t)sysconf(_SC_PAGESIZE);
	x.npages = c->cma_size / x.page;
	x.used = calloc(x.npages, 1);
	if (!x.used || fx_file("/.fixture-cma", 0600, c->cma_size) < 0 ||
	    fx_file("/dev/xlnk", 0600, 0) < 0)
		return -1;
	x.cma_fd = open(fx_path(path, sizeof(path), "/.fixture-cma"), O_RDWR | O_CLOEXEC);
	if (x.cma_fd < 0)
		return -1;
	fx_write("/sys/devices/virtual/xlnk/xlnk/dev", 0444, "244:0\n");
	fx_write("/sys/devices/virtual/xlnk/xlnk/uevent", 0644, "MAJOR=244\nMINOR=0\nDEVNAME=xlnk\n");
	fx_symlink("../../devices/virtual/xlnk/xlnk", "/sys/class/xlnk/xlnk");
	if (c->osrelease[0])
		fx_write("/proc/sys/kernel/osrelease", 0444, "%s\n", c->osrelease);
	write_proc();
	x.active = 1;
	return 0;
}

int fx_xlnk_ncachectrl(void)
{
	return x.nlog;
}

const struct fx_xlnk_cachectrl *fx_xlnk_cachectrl_at(int i)
{
	return i >= 0 && i < x.nlog ? &x.log[i] : NULL;
}

void fx_xlnk_clear_log(void)
{
	x.nlog = 0;
}

int fx_xlnk_nbufs(void)
{
	int n = 0;

	for (int id = 1; id < POOL; id++)
		n += x.buf[id].used;
	return n;
}

uint64_t fx_xlnk_free_bytes(void)
{
	return free_pages() * x.page;
}

int fx_xlnk_violations(void)
{
	return x.violations;
}

int fx_xlnk_mapping(const void *va, int *id)
{
	for (int i = x.nmaps - 1; i >= 0; i--)
		if ((const char *)va >= (const char *)x.maps[i].va &&
		    (const char *)va < (const char *)x.maps[i].va + x.maps[i].len && x.maps[i].id > 0) {
			if (id)
				*id = x.maps[i].id;
			return x.maps[i].cacheable;
		}
	return -1;
}
