/*
 * shim_udmabuf.c - u-dma-buf v5.2.0 (and v4.4.1 without ioctls) as seen from user space; see
 * shim_udmabuf.h.  Written from the driver's public source (ikwzm/udmabuf: u-dma-buf.c,
 * u-dma-buf-ioctl.h); the ABI below is this file's own transcription of it, kept independent of
 * src/backends/udmabuf.c so that a mistake in one is caught by the other.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fixture.h"
#include "shim_udmabuf.h"

/* ---- the ioctl ABI of u-dma-buf-ioctl.h (v5.2.0), magic 'U' */
struct shim_drv_info { uint64_t flags; char version[16]; };
struct shim_dev_info { uint64_t flags, size, addr; };
struct shim_sync_args { uint64_t flags, size, offset; };
struct shim_export_args { uint64_t flags, size, offset, addr; int fd; };

#define SHIM_GET_DRV_INFO        _IOR('U', 1, struct shim_drv_info)
#define SHIM_GET_SIZE            _IOR('U', 2, uint64_t)
#define SHIM_GET_DMA_ADDR        _IOR('U', 3, uint64_t)
#define SHIM_GET_SYNC_OWNER      _IOR('U', 4, uint32_t)
#define SHIM_SET_SYNC_FOR_CPU    _IOW('U', 5, uint64_t)
#define SHIM_SET_SYNC_FOR_DEVICE _IOW('U', 6, uint64_t)
#define SHIM_GET_DEV_INFO        _IOR('U', 7, struct shim_dev_info)
#define SHIM_GET_SYNC            _IOR('U', 8, struct shim_sync_args)
#define SHIM_SET_SYNC            _IOW('U', 9, struct shim_sync_args)
#define SHIM_EXPORT              _IOWR('U', 10, struct shim_export_args)

/* Where the driver's devices sit: /sys/devices/<parent>/u-dma-buf/<name> (dev_of() finds them
 * through the class link). */
#define CLASSDIR "/sys/class/u-dma-buf/"
#define MAX_DEVS 16
#define MAX_LOG 256
#define MAX_MAPS 64

struct shim_dev {
	int used;
	struct fx_udmabuf p;
	char dir[200];       /* /sys/devices/<parent>/u-dma-buf/<name> */
	uint64_t alloc_size;
	int sync_mode, sync_direction, sync_owner;
	uint64_t sync_offset, sync_size, sync_for_cpu, sync_for_device;
};

static struct shim_dev devs[MAX_DEVS];
static struct fx_udmabuf_sync log_[MAX_LOG];
static int nlog;
static struct { void *va; size_t len; int osync, mt; } maps[MAX_MAPS];
static int nmaps;

static struct shim_dev *find(const char *name, size_t n)
{
	for (int i = 0; i < MAX_DEVS; i++)
		if (devs[i].used && strlen(devs[i].p.name) == n && !strncmp(devs[i].p.name, name, n))
			return &devs[i];
	return NULL;
}

/* The device of a path under the root, and whether it is the /dev node or which attribute. */
static struct shim_dev *dev_of(const char *rel, const char **attr)
{
	const char *name, *slash;

	*attr = NULL;
	if (!strncmp(rel, "/dev/", 5))
		return find(rel + 5, strlen(rel + 5));
	if (!strncmp(rel, CLASSDIR, strlen(CLASSDIR))) {
		name = rel + strlen(CLASSDIR);
		slash = strchr(name, '/');
		if (!slash)
			return NULL;
		*attr = slash + 1;
		return find(name, (size_t)(slash - name));
	}
	for (int i = 0; i < MAX_DEVS; i++) {
		size_t n = strlen(devs[i].dir);

		if (devs[i].used && !strncmp(rel, devs[i].dir, n) && rel[n] == '/') {
			*attr = rel + n + 1;
			return &devs[i];
		}
	}
	return NULL;
}

/* Replaces the contents of an attribute file that exists (a test may have removed it). */
static void update(const struct shim_dev *d, const char *attr, const char *fmt, ...)
{
	char rel[300], path[4096], text[64];
	va_list ap;
	int fd, n;

	snprintf(rel, sizeof(rel), "%s/%s", d->dir, attr);
	fd = open(fx_path(path, sizeof(path), rel), O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	fx_real_write(fd, text, (size_t)n);
	close(fd);
}

/* What the driver's show functions print for the attributes that change. */
static void show_sync(const struct shim_dev *d)
{
	update(d, "sync_mode", "%d\n", d->sync_mode);
	update(d, "sync_offset", "0x%llx\n", (unsigned long long)d->sync_offset);
	update(d, "sync_size", "%llu\n", (unsigned long long)d->sync_size);
	update(d, "sync_direction", "%d\n", d->sync_direction);
	update(d, "sync_owner", "%d\n", d->sync_owner);
	update(d, "sync_for_cpu", "%llu\n", (unsigned long long)d->sync_for_cpu);
	update(d, "sync_for_device", "%llu\n", (unsigned long long)d->sync_for_device);
}

/* Every attribute, as the driver creates them, with their permissions. */
static void show(struct shim_dev *d)
{
	char f[300];
	const char *dir = d->dir;
	const struct fx_udmabuf *p = &d->p;

#define ATTR(name, mode, ...) (snprintf(f, sizeof(f), "%s/" name, dir), fx_write(f, mode, __VA_ARGS__))
	ATTR("driver_version", 0444, "%s\n", p->version);
	ATTR("size", 0444, "%llu\n", (unsigned long long)p->size);
	/* %pad: 0x and the dma_addr_t in full width, lower case. */
	ATTR("phys_addr", 0444, "0x%0*llx\n", p->dma_addr_bytes * 2, (unsigned long long)p->phys);
	ATTR("sync_mode", 0664, "%d\n", d->sync_mode);
	ATTR("sync_offset", 0664, "0x%llx\n", (unsigned long long)d->sync_offset);
	ATTR("sync_size", 0664, "%llu\n", (unsigned long long)d->sync_size);
	ATTR("sync_direction", 0664, "%d\n", d->sync_direction);
	ATTR("sync_owner", 0444, "%d\n", d->sync_owner);
	ATTR("sync_for_cpu", 0664, "%llu\n", (unsigned long long)d->sync_for_cpu);
	ATTR("sync_for_device", 0664, "%llu\n", (unsigned long long)d->sync_for_device);
	if (p->quirk_mmap_mode) {
		ATTR("quirk_mmap_mode", 0444, "%d\n", p->quirk_mmap_mode);
		ATTR("debug_vma", 0664, "0\n");
	}
	if (p->dma_coherent >= 0)
		ATTR("dma_coherent", 0444, "%d\n", p->dma_coherent);
	if (p->ioctl_version > 0)
		ATTR("ioctl_version", 0444, "%d\n", p->ioctl_version);
#undef ATTR
}

void fx_udmabuf_default(struct fx_udmabuf *d, const char *name, uint64_t size, uint64_t phys)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "%s", name);
	snprintf(d->version, sizeof(d->version), "5.2.0");
	d->ioctl_version = 2;
	d->size = size;
	d->phys = phys;
	d->dma_addr_bytes = 8;
	d->dma_coherent = 0;
	d->quirk_mmap_mode = 2;
	d->sync_mode = 1;
	d->dma_mask_bits = 32;
	d->of = 1;
}

int fx_udmabuf_add(const struct fx_udmabuf *p);

static int claims(const char *rel)
{
	const char *attr;

	return dev_of(rel, &attr) != NULL;
}

static void log_sync(struct shim_dev *d, int via, int for_cpu, int dir, uint64_t off, uint64_t size)
{
	struct fx_udmabuf_sync *s;

	if (nlog >= MAX_LOG)
		return;
	s = &log_[nlog++];
	snprintf(s->dev, sizeof(s->dev), "%s", d->p.name);
	s->via = via;
	s->for_cpu = for_cpu;
	s->dir = dir;
	s->offset = off;
	s->size = size;
}

/* udmabuf_sync_command_argments() + dma_sync_single_for_*(): a command word with more than bit 0
 * set carries offset (bits 63..32), size (bits 31..4) and direction (bits 3..2) itself;
 * otherwise the sync_offset / sync_size / sync_direction attributes apply. */
static int do_sync(struct shim_dev *d, int for_cpu, int via)
{
	uint64_t cmd = for_cpu ? d->sync_for_cpu : d->sync_for_device, off;
	size_t size;
	int dir;

	if (!cmd)
		return 0;
	if (cmd & ~(uint64_t)1) {
		off = cmd >> 32;
		size = (size_t)(cmd & 0xFFFFFFF0u);
		dir = (int)((cmd >> 2) & 3);
	} else {
		off = d->sync_offset;
		size = (size_t)d->sync_size;
		dir = d->sync_direction;
	}
	if (off + size > d->p.size)
		return -EINVAL;
	if (dir != 1 && dir != 2)
		dir = 0;
	log_sync(d, via, for_cpu, dir, off, size);
	if (for_cpu) {
		d->sync_for_cpu = 0;
		d->sync_owner = 0;
	} else {
		d->sync_for_device = 0;
		d->sync_owner = 1;
	}
	return 0;
}

/* kstrtoull(buf, 0, &v): optional '+', 0x (hex) / 0 (octal) prefixes, one trailing newline. */
static int kstrtoull0(const char *s, uint64_t *v)
{
	unsigned base = 10;
	uint64_t r = 0;
	int digits = 0;

	if (*s == '+')
		s++;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && isxdigit((unsigned char)s[2])) {
		base = 16;
		s += 2;
	} else if (s[0] == '0') {
		base = 8;
	}
	for (; *s; s++, digits++) {
		unsigned c = (unsigned char)*s, dv;

		if (c >= '0' && c <= '9')
			dv = c - '0';
		else if (c >= 'a' && c <= 'f')
			dv = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			dv = c - 'A' + 10;
		else
			break;
		if (dv >= base)
			break;
		if (r > (UINT64_MAX - dv) / base)
			return -ERANGE;
		r = r * base + dv;
	}
	if (!digits)
		return -EINVAL;
	if (*s == '\n')
		s++;
	if (*s)
		return -EINVAL;
	*v = r;
	return 0;
}

/* DEF_ATTR_SET(): parse, range check, set, post action. */
static long store(int fd, const char *rel, const void *buf, size_t n)
{
	const char *attr;
	struct shim_dev *d = dev_of(rel, &attr);
	char text[4096];
	uint64_t v;
	int err;

	if (!attr) /* the node: read()/write() copy to and from the buffer like a file */
		return fx_real_write(fd, buf, n);
	if (n == 0)
		return 0;
	if (n >= sizeof(text))
		n = sizeof(text) - 1;
	memcpy(text, buf, n);
	text[n] = 0;
	if (!strcmp(attr, "sync_mode") || !strcmp(attr, "sync_offset") ||
	    !strcmp(attr, "sync_size") || !strcmp(attr, "sync_direction") ||
	    !strcmp(attr, "sync_for_cpu") || !strcmp(attr, "sync_for_device") ||
	    !strcmp(attr, "debug_vma")) {
		if ((err = kstrtoull0(text, &v)) < 0)
			return err;
	} else {
		return -EACCES; /* no store method: kernfs refuses to open it for writing */
	}
	err = 0;
	if (!strcmp(attr, "sync_mode")) {
		if (v > 7)
			return -EINVAL;
		d->sync_mode = (int)v;
	} else if (!strcmp(attr, "sync_offset")) {
		d->sync_offset = v;
	} else if (!strcmp(attr, "sync_size")) {
		if (v > SIZE_MAX)
			return -EINVAL;
		d->sync_size = v;
	} else if (!strcmp(attr, "sync_direction")) {
		if (v > 2)
			return -EINVAL;
		d->sync_direction = (int)v;
	} else if (!strcmp(attr, "sync_for_cpu")) {
		d->sync_for_cpu = v;
		err = do_sync(d, 1, FX_UDMABUF_SYSFS);
	} else if (!strcmp(attr, "sync_for_device")) {
		d->sync_for_device = v;
		err = do_sync(d, 0, FX_UDMABUF_SYSFS);
	} else if (v > 3) { /* debug_vma */
		return -EINVAL;
	}
	show_sync(d);
	return err < 0 ? err : (long)n;
}

static long ud_ioctl(int fd, const char *rel, unsigned long req, void *arg)
{
	const char *attr;
	struct shim_dev *d = dev_of(rel, &attr);
	const struct fx_udmabuf *p = &d->p;
	long r = 0;

	(void)fd;
	if (attr || p->ioctl_version <= 0) /* no unlocked_ioctl: the VFS answers ENOTTY */
		return -ENOTTY;
	switch (req) {
	case SHIM_GET_DRV_INFO: {
		struct shim_drv_info i = {0};

		/* IN_KERNEL_FUNCTIONS; the OF bits only on a kernel with device tree (measured on
		 * x86: 0x30102) */
		i.flags = (uint64_t)(p->ioctl_version & 0xff) | 1u << 8;
		if (p->of)
			i.flags |= 1u << 12 | 1u << 13;
		if (p->quirk_mmap_mode)
			i.flags |= 1u << 16 | 1u << 17;
		/* strscpy(): at most 15 characters and the NUL */
		size_t vl = strnlen(p->version, sizeof(i.version) - 1);

		memcpy(i.version, p->version, vl);
		memcpy(arg, &i, sizeof(i));
		return 0;
	}
	case SHIM_GET_SIZE:
		memcpy(arg, &p->size, sizeof(uint64_t));
		return 0;
	case SHIM_GET_DMA_ADDR:
		memcpy(arg, &p->phys, sizeof(uint64_t));
		return 0;
	case SHIM_GET_SYNC_OWNER: {
		uint32_t o = (uint32_t)d->sync_owner;

		memcpy(arg, &o, sizeof(o));
		return 0;
	}
	case SHIM_GET_DEV_INFO: {
		struct shim_dev_info i = {0};

		i.flags = (uint64_t)(p->dma_mask_bits & 0xff);
		if (p->dma_coherent > 0)
			i.flags |= 1u << 9;
		i.flags |= (uint64_t)(p->quirk_mmap_mode & 7) << 10;
		i.size = p->size;
		i.addr = p->phys;
		memcpy(arg, &i, sizeof(i));
		return 0;
	}
	case SHIM_GET_SYNC: {
		struct shim_sync_args s = {0};

		s.flags = (uint64_t)(d->sync_direction & 3) << 2 | (uint64_t)(d->sync_mode & 0xff) << 8 |
			  (uint64_t)(d->sync_owner & 1) << 16;
		s.size = d->sync_size;
		s.offset = d->sync_offset;
		memcpy(arg, &s, sizeof(s));
		return 0;
	}
	case SHIM_SET_SYNC: {
		struct shim_sync_args s;
		int cmd, dir, mode;

		memcpy(&s, arg, sizeof(s));
		cmd = (int)(s.flags & 3);
		dir = (int)((s.flags >> 2) & 3);
		mode = (int)((s.flags >> 8) & 0xff);
		if (dir <= 2)
			d->sync_direction = dir;
		if (mode > 0)
			d->sync_mode = mode;
		d->sync_offset = s.offset;
		if ((size_t)s.size > 0)
			d->sync_size = (size_t)s.size;
		if (cmd == 1) {
			d->sync_for_cpu = 1;
			r = do_sync(d, 1, FX_UDMABUF_IOCTL_SET_SYNC);
		} else if (cmd == 3) {
			d->sync_for_device = 1;
			r = do_sync(d, 0, FX_UDMABUF_IOCTL_SET_SYNC);
		}
		break;
	}
	case SHIM_SET_SYNC_FOR_CPU:
		memcpy(&d->sync_for_cpu, arg, sizeof(uint64_t));
		r = do_sync(d, 1, FX_UDMABUF_IOCTL_SYNC_FOR_CPU);
		break;
	case SHIM_SET_SYNC_FOR_DEVICE:
		memcpy(&d->sync_for_device, arg, sizeof(uint64_t));
		r = do_sync(d, 0, FX_UDMABUF_IOCTL_SYNC_FOR_DEVICE);
		break;
	default: /* EXPORT (version 2) makes a dma-buf, which a fixture cannot: not emulated */
		return -ENOTTY;
	}
	show_sync(d); /* the SET ioctls changed what sysfs shows */
	return r;
}

/* udmabuf_object_mmap() on arm64: the sync_mode's pgprot when opened with O_SYNC (or when
 * sync_mode has SYNC_ALWAYS), then either quirk-mmap (keeps it) or dma_mmap_coherent(), which
 * makes the mapping Normal non-cacheable for a device that is not coherent. */
static int mem_type(const struct shim_dev *d, int osync)
{
	int mt = FX_MT_CACHED, q = d->p.quirk_mmap_mode, coherent = d->p.dma_coherent > 0, quirk;

	if (osync || (d->sync_mode & 4)) {
		if ((d->sync_mode & 3) == 1)
			mt = FX_MT_DEVICE;
		else if ((d->sync_mode & 3) >= 2)
			mt = FX_MT_WRITECOMBINE;
	}
	quirk = q == 2 || q == 4 || (q == 3 && (d->p.dma_coherent < 0 || !coherent));
	if (!quirk && !coherent)
		mt = FX_MT_WRITECOMBINE;
	return mt;
}

static void *ud_mmap(void *addr, size_t len, int prot, int flags, int fd, const char *rel,
		     uint64_t off)
{
	const char *attr;
	struct shim_dev *d = dev_of(rel, &attr);
	uint64_t ps = (uint64_t)sysconf(_SC_PAGESIZE);
	int fl = fcntl(fd, F_GETFL);
	void *va;

	if (attr)
		return fx_real_mmap(addr, len, prot, flags, fd, off);
	if (off / ps + (len + ps - 1) / ps > d->alloc_size / ps) {
		errno = EINVAL;
		return MAP_FAILED;
	}
	va = fx_real_mmap(addr, len, prot, flags, fd, off);
	if (va != MAP_FAILED) {
		int i = nmaps < MAX_MAPS ? nmaps++ : MAX_MAPS - 1;

		maps[i].va = va;
		maps[i].len = len;
		maps[i].osync = fl >= 0 && (fl & O_SYNC) == O_SYNC;
		maps[i].mt = mem_type(d, maps[i].osync);
	}
	return va;
}

static const struct fx_driver driver = {
	.name = "u-dma-buf",
	.claims = claims,
	.ioctl = ud_ioctl,
	.mmap = ud_mmap,
	.write = store,
};

int fx_udmabuf_add(const struct fx_udmabuf *p)
{
	struct shim_dev *d = find(p->name, strlen(p->name));
	uint64_t ps = (uint64_t)sysconf(_SC_PAGESIZE);
	char f[300], target[300], parent[120];

	fx_register(&driver);
	for (int i = 0; !d && i < MAX_DEVS; i++)
		if (!devs[i].used)
			d = &devs[i];
	if (!d)
		return -1;
	memset(d, 0, sizeof(*d));
	d->used = 1;
	d->p = *p;
	d->alloc_size = (p->size + ps - 1) / ps * ps;
	d->sync_mode = p->sync_mode;
	/* The driver's platform device starts it at the size (not page-rounded); a buffer bound to
	 * another device (udmabufN_bind=) skips that probe and starts at 0 (both seen in QEMU). */
	d->sync_size = p->parent[0] && strncmp(p->parent, "platform/", 9) ? 0 : p->size;
	if (p->parent[0])
		snprintf(parent, sizeof(parent), "%s", p->parent);
	else
		snprintf(parent, sizeof(parent), "platform/u-dma-buf.%d", (int)(d - devs));
	snprintf(d->dir, sizeof(d->dir), "/sys/devices/%s/u-dma-buf/%s", parent, p->name);
	fx_mkdir(d->dir);
	/* device -> the parent, three levels up */
	snprintf(f, sizeof(f), "%s/device", d->dir);
	snprintf(target, sizeof(target), "../../../%s", strrchr(parent, '/') ? strrchr(parent, '/') + 1 :
		 parent);
	fx_unlink(f);
	fx_symlink(target, f);
	snprintf(f, sizeof(f), "%s/dev", d->dir);
	fx_write(f, 0444, "%d:%d\n", 245, (int)(d - devs));
	snprintf(f, sizeof(f), "%s/uevent", d->dir);
	fx_write(f, 0644, "MAJOR=245\nMINOR=%d\nDEVNAME=%s\n", (int)(d - devs), p->name);
	show(d);
	snprintf(f, sizeof(f), "/sys/class/u-dma-buf/%s", p->name);
	snprintf(target, sizeof(target), "../..%s", d->dir + 4);
	fx_unlink(f);
	fx_symlink(target, f);
	snprintf(f, sizeof(f), "/dev/%s", p->name);
	return fx_file(f, 0600, d->alloc_size);
}

int fx_udmabuf_nsyncs(void)
{
	return nlog;
}

const struct fx_udmabuf_sync *fx_udmabuf_sync_at(int i)
{
	return i >= 0 && i < nlog ? &log_[i] : NULL;
}

void fx_udmabuf_clear_log(void)
{
	nlog = 0;
}

int fx_udmabuf_mapping(const void *va, int *osync)
{
	for (int i = nmaps - 1; i >= 0; i--)
		if ((const char *)va >= (const char *)maps[i].va &&
		    (const char *)va < (const char *)maps[i].va + maps[i].len) {
			if (osync)
				*osync = maps[i].osync;
			return maps[i].mt;
		}
	return -1;
}

int fx_udmabuf_sync_mode(const char *name)
{
	struct shim_dev *d = find(name, strlen(name));

	return d ? d->sync_mode : -1;
}

int fx_udmabuf_sync_state(const char *name, uint64_t *offset, uint64_t *size, int *direction)
{
	struct shim_dev *d = find(name, strlen(name));

	if (!d)
		return -1;
	*offset = d->sync_offset;
	*size = d->sync_size;
	*direction = d->sync_direction;
	return 0;
}
