/*
 * mmio.c - register windows (PYNQ's MMIO): opened by UIO map, by physical address (/dev/mem), by
 * VFIO BAR, or as a sim device model's window (src/sim_regs.c); accessed with one load or store of
 * the width asked, between the barriers of src/arch/io.h.
 *
 * Mapped windows (UIO, /dev/mem, mappable BARs) are accessed in place, the fast path: a bounds
 * check, the barrier, the access, no system call.  A BAR VFIO will not map is accessed with
 * pread/pwrite on the device fd (the kernel does the MMIO); a sim window by its model.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/vfio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "arch/io.h"
#include "context.h"
#include "os/physmem.h"
#include "os/sys.h"
#include "sim_regs.h"

#define MMIO_MAGIC 0x6d6d696fu /* "mmio" */

enum mmio_kind { MMIO_MAP, MMIO_FD, MMIO_SIM };

struct plbuf_mmio {
	uint32_t magic;
	enum mmio_kind kind;
	volatile unsigned char *base; /* MMIO_MAP: offset 0 of the window */
	void *map;                    /* the mapping (page-aligned) and its length */
	size_t maplen;
	int fd;                       /* MMIO_FD: the device fd (not ours) and the region's offset */
	uint64_t fdoff;
	struct plbuf__simwin *sim;
	uint64_t length, addr;
	char what[96];                /* for messages: "uio0 map1", "/dev/mem 0x...", ... */
};

static struct plbuf_mmio *mmio_new(enum mmio_kind kind, uint64_t length, uint64_t addr)
{
	struct plbuf_mmio *m = calloc(1, sizeof(*m));

	if (!m)
		return plbuf__errp(ENOMEM, "out of process memory");
	m->magic = MMIO_MAGIC;
	m->kind = kind;
	m->length = length;
	m->addr = addr;
	m->fd = -1;
	return m;
}

/* Maps [off, off + len) of fd, which need not be page-aligned; base points at off. */
static int map_window(struct plbuf_mmio *m, int fd, uint64_t off, uint64_t len, const char *path)
{
	uint64_t ps = plbuf__page_size(), lo = off & ~(ps - 1);
	uint64_t span = ((off + len + ps - 1) & ~(ps - 1)) - lo;

	if ((size_t)span != span)
		return plbuf__err(EOVERFLOW, "mmio: %s: %" PRIu64 " bytes do not fit the address space",
				  m->what, len);
	m->map = plbuf__sys_mmap(NULL, (size_t)span, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)lo);
	if (m->map == MAP_FAILED) {
		int e = errno;

		m->map = NULL;
		return plbuf__err(e, "mmio: cannot map %s (%s offset 0x%" PRIx64 ", %" PRIu64
				  " bytes): %s%s", m->what, path, lo, span, strerror(e),
				  e == EPERM ? " (STRICT_DEVMEM refuses RAM and claimed ranges: map only "
				  "the IP's register range, or use its UIO device)" : "");
	}
	m->maplen = (size_t)span;
	m->base = (volatile unsigned char *)m->map + (off - lo);
	return 0;
}

/* "uio0", "/dev/uio0", "0" or a device name, to the text plbuf__uio_spec_parse() takes. */
static int uio_dev_name(const char *dev, char *out, size_t len)
{
	if (!dev || !*dev)
		return plbuf__err(EINVAL, "mmio: no UIO device given (uioN, its number, or its name)");
	if (strncmp(dev, "/dev/", 5) == 0)
		dev += 5;
	if (strspn(dev, "0123456789") == strlen(dev))
		snprintf(out, len, "uio%.20s", dev);
	else
		snprintf(out, len, "%.60s", dev);
	return 0;
}

/* Shared with irq.c: N of /dev/uioN for dev, or -errno with a message. */
int plbuf__uio_number(const char *dev);
int plbuf__uio_number(const char *dev)
{
	char name[64];
	int err = uio_dev_name(dev, name, sizeof(name));

	return err < 0 ? err : plbuf__uio_index(name);
}

PLBUF_EXPORT plbuf_mmio *plbuf_mmio_open_uio(const char *dev, int map)
{
	char name[64], spec_text[80], path[4096], node[32];
	struct plbuf_uio_spec spec;
	struct plbuf_uio_map um;
	struct plbuf_mmio *m;
	int err, fd;

	if (map < 0 || map > 4096)
		return plbuf__errp(EINVAL, "mmio: UIO map index %d is out of range", map);
	if ((err = uio_dev_name(dev, name, sizeof(name))) < 0)
		return NULL;
	snprintf(spec_text, sizeof(spec_text), "%s:%d", name, map);
	if ((err = plbuf__uio_spec_parse(spec_text, strlen(spec_text), &spec)) < 0 ||
	    (err = plbuf__uio_map_read(&spec, &um)) < 0)
		return NULL;
	if (um.size == 0)
		return plbuf__errp(EINVAL, "mmio: uio%d map%d has size 0", um.uio, map);
	if (um.offset >= plbuf__page_size())
		return plbuf__errp(EINVAL, "mmio: uio%d map%d: offset attribute 0x%" PRIx64 " is not "
				   "inside a page", um.uio, map, um.offset);
	m = mmio_new(MMIO_MAP, um.size, um.addr);
	if (!m)
		return NULL;
	snprintf(m->what, sizeof(m->what), "uio%d map%d", um.uio, map);
	snprintf(node, sizeof(node), "/dev/uio%d", um.uio);
	plbuf__path(path, sizeof(path), node);
	fd = plbuf__sys_open(path, O_RDWR | O_SYNC, 0);
	if (fd < 0) {
		err = errno;
		free(m);
		return plbuf__errp(err, "mmio: cannot open %s: %s%s", path, strerror(err),
				   err == EACCES ? " (give the user access to the device node, e.g. a "
				   "udev rule, or run as root)" : "");
	}
	/* UIO selects map N by the mmap offset N pages; the region starts `offset` into it. */
	err = map_window(m, fd, (uint64_t)map * plbuf__page_size() + um.offset, um.size, path);
	close(fd);
	if (err < 0) {
		free(m);
		return NULL;
	}
	return m;
}

PLBUF_EXPORT plbuf_mmio *plbuf_mmio_open_phys(uint64_t phys, uint64_t length)
{
	char path[4096];
	struct plbuf_mmio *m;
	int fd, err;

	if (length == 0 || phys + length < phys)
		return plbuf__errp(EINVAL, "mmio: physical range 0x%" PRIx64 " + %" PRIu64 " is empty or "
				   "wraps", phys, length);
	m = mmio_new(MMIO_MAP, length, phys);
	if (!m)
		return NULL;
	snprintf(m->what, sizeof(m->what), "/dev/mem 0x%" PRIx64 "+0x%" PRIx64, phys, length);
	plbuf__path(path, sizeof(path), "/dev/mem");
	fd = plbuf__sys_open(path, O_RDWR | O_SYNC, 0);
	if (fd < 0) {
		err = errno;
		free(m);
		return plbuf__errp(err, "mmio: cannot open %s: %s%s", path, strerror(err),
				   err == EACCES || err == EPERM ? " (root only; or use the IP's UIO device)" :
				   err == ENOENT ? " (the kernel has no /dev/mem: CONFIG_DEVMEM; use the "
				   "IP's UIO device)" : "");
	}
	err = map_window(m, fd, phys, length, path);
	close(fd);
	if (err < 0) {
		free(m);
		return NULL;
	}
	return m;
}

PLBUF_EXPORT plbuf_mmio *plbuf_mmio_open_vfio(plbuf_ctx *ctx, int bar)
{
	struct vfio_region_info ri = {.argsz = sizeof(ri)};
	struct plbuf_mmio *m;
	int fd = plbuf_vfio_device_fd(ctx), err;

	if (fd < 0)
		return plbuf__errp(EINVAL, "mmio: not a vfio context opened with device= (the BARs "
				   "belong to the device's VFIO fd)");
	if (bar < VFIO_PCI_BAR0_REGION_INDEX || bar > VFIO_PCI_BAR5_REGION_INDEX)
		return plbuf__errp(EINVAL, "mmio: BAR %d does not exist (0-5)", bar);
	ri.index = (uint32_t)bar;
	if (plbuf__sys_ioctl(fd, VFIO_DEVICE_GET_REGION_INFO, &ri) < 0)
		return plbuf__errp(errno, "mmio: VFIO_DEVICE_GET_REGION_INFO of BAR %d failed: %s", bar,
				   strerror(errno));
	if (ri.size == 0)
		return plbuf__errp(ENOENT, "mmio: the device has no BAR %d (size 0)", bar);
	if (!(ri.flags & (VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE)))
		return plbuf__errp(EACCES, "mmio: BAR %d can be neither read nor written", bar);
	m = mmio_new(MMIO_MAP, ri.size, PLBUF_NO_ADDRESS);
	if (!m)
		return NULL;
	snprintf(m->what, sizeof(m->what), "vfio BAR%d", bar);
	if (ri.flags & VFIO_REGION_INFO_FLAG_MMAP) {
		if ((err = map_window(m, fd, ri.offset, ri.size, "the VFIO device fd")) == 0)
			return m;
		/* A sparse-mmap BAR (an MSI-X table inside) may refuse the whole: use the fd. */
	}
	m->kind = MMIO_FD;
	m->fd = fd;
	m->fdoff = ri.offset;
	return m;
}

/* Shaped like plbuf_irq_open_sim on purpose: a different handle and model; only the error path
 * is shared. */
PLBUF_EXPORT plbuf_mmio *plbuf_mmio_open_sim(plbuf_ctx *ctx, const char *window)
{
	struct plbuf_mmio *m = mmio_new(MMIO_SIM, 0, PLBUF_NO_ADDRESS);

	if (!m)
		return NULL;
	m->sim = plbuf__simwin_open(ctx, window, &m->length);
	if (!m->sim) {
		int e = errno;

		free(m);
		errno = e;
		return NULL;
	}
	snprintf(m->what, sizeof(m->what), "sim window %.60s", window);
	return m;
}

PLBUF_EXPORT void plbuf_mmio_close(plbuf_mmio *m)
{
	if (!m || m->magic != MMIO_MAGIC)
		return;
	m->magic = 0;
	if (m->map)
		munmap(m->map, m->maplen);
	if (m->sim)
		plbuf__simwin_close(m->sim);
	free(m);
}

PLBUF_EXPORT uint64_t plbuf_mmio_length(const plbuf_mmio *m)
{
	return m && m->magic == MMIO_MAGIC ? m->length : 0;
}

PLBUF_EXPORT uint64_t plbuf_mmio_address(const plbuf_mmio *m)
{
	return m && m->magic == MMIO_MAGIC ? m->addr : PLBUF_NO_ADDRESS;
}

static int check(const struct plbuf_mmio *m, uint64_t off, int width, const char *fn)
{
	if (!m || m->magic != MMIO_MAGIC)
		return plbuf__err(EINVAL, "%s: not an open register window", fn);
	if (width != 1 && width != 2 && width != 4 && width != 8)
		return plbuf__err(EINVAL, "%s: width %d is not 1, 2, 4 or 8 bytes", fn, width);
	if (off >= m->length || (uint64_t)width > m->length - off)
		return plbuf__err(ERANGE, "%s: offset 0x%" PRIx64 " (+%d bytes) is outside %s (0x%" PRIx64
				  " bytes)", fn, off, width, m->what, m->length);
	/* The window's own offset (UIO's offset attribute) counts too: the bus sees the address. */
	if (((m->kind == MMIO_MAP ? (uintptr_t)m->base : 0) + off) & (uint64_t)(width - 1))
		return plbuf__err(EINVAL, "%s: offset 0x%" PRIx64 " of %s is not aligned to %d bytes "
				  "(a bus error on the board)", fn, off, m->what, width);
	return 0;
}

static int slow_access(struct plbuf_mmio *m, int write, uint64_t off, int width, uint64_t *val)
{
	if (m->kind == MMIO_SIM)
		return plbuf__simwin_access(m->sim, write, width, off, val);
	/* VFIO's read/write handlers do one access of the size given, with the kernel's barriers. */
	union { uint8_t b; uint16_t h; uint32_t w; uint64_t q; } u = {0};
	ssize_t n;

	if (write) {
		switch (width) {
		case 1: u.b = (uint8_t)*val; break;
		case 2: u.h = (uint16_t)*val; break;
		case 4: u.w = (uint32_t)*val; break;
		default: u.q = *val; break;
		}
		plbuf__io_before_write();
		n = plbuf__sys_pwrite(m->fd, &u, (size_t)width, (off_t)(m->fdoff + off));
	} else {
		n = plbuf__sys_pread(m->fd, &u, (size_t)width, (off_t)(m->fdoff + off));
	}
	if (n != width)
		return plbuf__err(n < 0 ? errno : EIO, "mmio: %s of %d bytes at 0x%" PRIx64 " of %s "
				  "failed: %s", write ? "write" : "read", width, off, m->what,
				  n < 0 ? strerror(errno) : "short transfer");
	if (!write) {
		plbuf__io_after_read();
		*val = width == 1 ? u.b : width == 2 ? u.h : width == 4 ? u.w : u.q;
	}
	return 0;
}

PLBUF_EXPORT int plbuf_mmio_read(plbuf_mmio *m, uint64_t off, int width, uint64_t *val)
{
	int err = check(m, off, width, "plbuf_mmio_read");

	if (err < 0)
		return err;
	if (!val)
		return plbuf__err(EINVAL, "plbuf_mmio_read: val is NULL");
	if (m->kind != MMIO_MAP)
		return slow_access(m, 0, off, width, val);
	switch (width) {
	case 1: *val = *(volatile uint8_t *)(m->base + off); break;
	case 2: *val = *(volatile uint16_t *)(m->base + off); break;
	case 4: *val = *(volatile uint32_t *)(m->base + off); break;
	default: *val = *(volatile uint64_t *)(m->base + off); break;
	}
	plbuf__io_after_read();
	return 0;
}

PLBUF_EXPORT int plbuf_mmio_write(plbuf_mmio *m, uint64_t off, int width, uint64_t val)
{
	int err = check(m, off, width, "plbuf_mmio_write");

	if (err < 0)
		return err;
	if (m->kind != MMIO_MAP)
		return slow_access(m, 1, off, width, &val);
	plbuf__io_before_write();
	switch (width) {
	case 1: *(volatile uint8_t *)(m->base + off) = (uint8_t)val; break;
	case 2: *(volatile uint16_t *)(m->base + off) = (uint16_t)val; break;
	case 4: *(volatile uint32_t *)(m->base + off) = (uint32_t)val; break;
	default: *(volatile uint64_t *)(m->base + off) = val; break;
	}
	return 0;
}

#define MMIO_RW(bits)                                                                              \
	PLBUF_EXPORT int plbuf_mmio_read##bits(plbuf_mmio *m, uint64_t off, uint##bits##_t *val)   \
	{                                                                                          \
		uint64_t v = 0;                                                                    \
		int err;                                                                           \
		if (!val)                                                                          \
			return plbuf__err(EINVAL, "plbuf_mmio_read" #bits ": val is NULL");        \
		if ((err = plbuf_mmio_read(m, off, bits / 8, &v)) < 0)                             \
			return err;                                                                \
		*val = (uint##bits##_t)v;                                                          \
		return 0;                                                                          \
	}                                                                                          \
	PLBUF_EXPORT int plbuf_mmio_write##bits(plbuf_mmio *m, uint64_t off, uint##bits##_t val)   \
	{                                                                                          \
		return plbuf_mmio_write(m, off, bits / 8, val);                                    \
	}

MMIO_RW(8)
MMIO_RW(16)
MMIO_RW(32)
MMIO_RW(64)
