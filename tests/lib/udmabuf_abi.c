/*
 * udmabuf_abi.c - the u-dma-buf ABI probe (see udmabuf_abi.h).  What it asks is what
 * src/backends/udmabuf.c depends on: where the device sits in sysfs and whether it has a
 * `device` link (iommu_group is looked up through it), each attribute's presence, permissions and
 * format, the stores' range checks (sync_mode 0-7 through sysfs, any 8-bit value through
 * SET_SYNC), every ioctl's answer and error, the one-word sync command, and mmap's limits.  The
 * ioctl ABI below is this file's own transcription of u-dma-buf-ioctl.h (v5.x), kept apart from
 * the backend's and the shim's so that a slip in one shows against the others.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "udmabuf_abi.h"

struct abi_drv_info { uint64_t flags; char version[16]; };
struct abi_dev_info { uint64_t flags, size, addr; };
struct abi_sync { uint64_t flags, size, offset; };

#define ABI_GET_DRV_INFO        _IOR('U', 1, struct abi_drv_info)
#define ABI_GET_SIZE            _IOR('U', 2, uint64_t)
#define ABI_GET_DMA_ADDR        _IOR('U', 3, uint64_t)
#define ABI_GET_SYNC_OWNER      _IOR('U', 4, uint32_t)
#define ABI_SET_SYNC_FOR_CPU    _IOW('U', 5, uint64_t)
#define ABI_SET_SYNC_FOR_DEVICE _IOW('U', 6, uint64_t)
#define ABI_GET_DEV_INFO        _IOR('U', 7, struct abi_dev_info)
#define ABI_GET_SYNC            _IOR('U', 8, struct abi_sync)
#define ABI_SET_SYNC            _IOW('U', 9, struct abi_sync)
#define ABI_UNKNOWN             _IOR('U', 99, uint64_t)

static const char *const attrs[] = {
	"driver_version", "size", "phys_addr", "sync_mode", "sync_offset", "sync_size",
	"sync_direction", "sync_owner", "sync_for_cpu", "sync_for_device", "dma_coherent",
	"quirk_mmap_mode", "ioctl_version", NULL,
};

struct probe {
	const char *root, *name;
	char cls[512]; /* <root>/sys/class/u-dma-buf/<name> */
	uint64_t size, dma;
	FILE *out;
};

/* Replaces each whole-word occurrence of from in s (capacity cap) by to. */
static void subst(char *s, size_t cap, const char *from, const char *to)
{
	size_t fl = strlen(from), tl = strlen(to);
	char *p = s;

	if (!fl)
		return;
	while ((p = strstr(p, from)) != NULL) {
		int left = p == s || !((p[-1] >= '0' && p[-1] <= '9') || (p[-1] >= 'a' && p[-1] <= 'z') ||
				       (p[-1] >= 'A' && p[-1] <= 'Z') || p[-1] == '_');
		char r = p[fl];
		int right = !((r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') ||
			      r == '_');
		if (!left || !right || strlen(s) - fl + tl >= cap) {
			p += fl;
			continue;
		}
		memmove(p + tl, p + fl, strlen(p + fl) + 1);
		memcpy(p, to, tl);
		p += tl;
	}
}

static void norm(const struct probe *pr, char *s, size_t cap)
{
	char t[64];
	long ps = sysconf(_SC_PAGESIZE);
	uint64_t map = (pr->size + (uint64_t)ps - 1) / (uint64_t)ps * (uint64_t)ps;

	if (pr->dma) {
		snprintf(t, sizeof t, "0x%016llx", (unsigned long long)pr->dma);
		subst(s, cap, t, "<dma>");
		snprintf(t, sizeof t, "0x%08llx", (unsigned long long)pr->dma);
		subst(s, cap, t, "<dma>");
		snprintf(t, sizeof t, "0x%llx", (unsigned long long)pr->dma);
		subst(s, cap, t, "<dma>");
		snprintf(t, sizeof t, "%llu", (unsigned long long)pr->dma);
		subst(s, cap, t, "<dma>");
	}
	if (pr->size) {
		snprintf(t, sizeof t, "%llu", (unsigned long long)pr->size);
		subst(s, cap, t, "<size>");
		snprintf(t, sizeof t, "0x%llx", (unsigned long long)pr->size);
		subst(s, cap, t, "<size>");
		if (map != pr->size) {
			snprintf(t, sizeof t, "%llu", (unsigned long long)map);
			subst(s, cap, t, "<mapsize>");
		}
	}
	subst(s, cap, pr->name, "<name>");
}

static void emit(const struct probe *pr, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void emit(const struct probe *pr, const char *key, const char *fmt, ...)
{
	char v[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(v, sizeof v, fmt, ap);
	va_end(ap);
	for (char *c = v; *c; c++)
		if (*c == '\n')
			*c = '|';
	norm(pr, v, sizeof v);
	fprintf(pr->out, "%s %s\n", key, v);
}

static const char *err_name(int e)
{
	switch (e) {
	case 0: return "0";
	case EINVAL: return "EINVAL";
	case EACCES: return "EACCES";
	case EPERM: return "EPERM";
	case ENOTTY: return "ENOTTY";
	case ENOENT: return "ENOENT";
	case EFAULT: return "EFAULT";
	case ENOMEM: return "ENOMEM";
	case ENXIO: return "ENXIO";
	case EIO: return "EIO";
	case EBUSY: return "EBUSY";
	case ERANGE: return "ERANGE";
	default: return strerror(e);
	}
}

/* The attribute's text, or "" (and -errno) when it cannot be read. */
static int read_attr(const struct probe *pr, const char *attr, char *buf, size_t len)
{
	char path[700];
	int fd, n;

	snprintf(path, sizeof path, "%s/%s", pr->cls, attr);
	buf[0] = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = (int)read(fd, buf, len - 1);
	int e = errno;
	close(fd);
	if (n < 0)
		return -e;
	buf[n] = 0;
	return 0;
}

/* Writes text to an attribute: 0 or the errno of the open or of the write.  Which of the two
 * failed is not told: the backend cannot tell them apart either (the real kernel refuses to open
 * an attribute without a store, the fixture's shim refuses the write). */
static const char *write_attr(const struct probe *pr, const char *attr, const char *text)
{
	static char res[64];
	char path[700];
	int fd = -1;
	ssize_t w;

	snprintf(path, sizeof path, "%s/%s", pr->cls, attr);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(res, sizeof res, "%s", err_name(errno));
		return res;
	}
	w = write(fd, text, strlen(text));
	snprintf(res, sizeof res, "%s", w == (ssize_t)strlen(text) ? "0" : err_name(errno));
	close(fd);
	return res;
}

static void show_attr(const struct probe *pr, const char *key, const char *attr)
{
	char v[256];
	int e = read_attr(pr, attr, v, sizeof v);

	if (e < 0)
		emit(pr, key, "%s", err_name(-e));
	else
		emit(pr, key, "%s", v);
}

static void show_sync_state(const struct probe *pr, const char *when)
{
	char key[80];
	static const char *const s[] = {"sync_mode", "sync_offset", "sync_size", "sync_direction",
					"sync_owner", "sync_for_cpu", "sync_for_device", NULL};

	for (int i = 0; s[i]; i++) {
		snprintf(key, sizeof key, "%s.%s", when, s[i]);
		show_attr(pr, key, s[i]);
	}
}

static const char *ioc(int fd, unsigned long req, void *arg)
{
	static char res[32];

	snprintf(res, sizeof res, "%s", ioctl(fd, req, arg) == 0 ? "0" : err_name(errno));
	return res;
}

/* Where the device sits: the class link's target and the `device` link, paths below /sys. */
static void show_place(struct probe *pr)
{
	char path[700], real[PATH_MAX], link[512];
	size_t rl = pr->root ? strlen(pr->root) : 0;
	ssize_t n;

	if (realpath(pr->cls, real))
		emit(pr, "sysfs.path", "%s", real + rl);
	else
		emit(pr, "sysfs.path", "%s", err_name(errno));
	snprintf(path, sizeof path, "%s/device", pr->cls);
	n = readlink(path, link, sizeof link - 1);
	if (n < 0) {
		emit(pr, "sysfs.device", "%s", err_name(errno));
	} else {
		link[n] = 0;
		emit(pr, "sysfs.device", "%s", link);
	}
	snprintf(path, sizeof path, "%s/device/iommu_group", pr->cls);
	emit(pr, "sysfs.device.iommu_group", "%s", access(path, F_OK) == 0 ? "present" : "absent");
}

static void show_attrs(struct probe *pr)
{
	char path[700], v[256], key[80];
	struct stat st;

	for (int i = 0; attrs[i]; i++) {
		snprintf(path, sizeof path, "%s/%s", pr->cls, attrs[i]);
		snprintf(key, sizeof key, "attr.%s", attrs[i]);
		if (stat(path, &st) < 0) {
			emit(pr, key, "absent");
			continue;
		}
		int e = read_attr(pr, attrs[i], v, sizeof v);
		emit(pr, key, "mode=%04o %s", (unsigned)(st.st_mode & 07777), e < 0 ? err_name(-e) : v);
	}
}

static void probe_stores(struct probe *pr, int have_ioctl, int fd)
{
	char mode0[32];

	read_attr(pr, "sync_mode", mode0, sizeof mode0);
	emit(pr, "store.sync_mode=8", "%s", write_attr(pr, "sync_mode", "8\n"));
	emit(pr, "store.sync_mode=2", "%s", write_attr(pr, "sync_mode", "2\n"));
	show_attr(pr, "after-store.sync_mode", "sync_mode");
	emit(pr, "store.sync_direction=3", "%s", write_attr(pr, "sync_direction", "3\n"));
	emit(pr, "store.sync_offset=0x10", "%s", write_attr(pr, "sync_offset", "0x10\n"));
	show_attr(pr, "after-store.sync_offset", "sync_offset");
	emit(pr, "store.sync_offset=0", "%s", write_attr(pr, "sync_offset", "0"));
	emit(pr, "store.size=1", "%s", write_attr(pr, "size", "1\n"));
	emit(pr, "store.phys_addr=1", "%s", write_attr(pr, "phys_addr", "1\n"));
	/* SET_SYNC stores any 8-bit sync_mode, which the attribute then shows: plbuf must read it. */
	if (have_ioctl) {
		struct abi_sync a = {(uint64_t)200 << 8 | 3u << 2, 0, 0};

		emit(pr, "ioctl.SET_SYNC(mode=200)", "%s", ioc(fd, ABI_SET_SYNC, &a));
		show_attr(pr, "after-set-sync.sync_mode", "sync_mode");
		memset(&a, 0, sizeof a);
		const char *r = ioc(fd, ABI_GET_SYNC, &a);
		emit(pr, "ioctl.GET_SYNC(mode=200)", "%s flags=%#llx", r, (unsigned long long)a.flags);
	}
	emit(pr, "store.sync_mode=restore", "%s", write_attr(pr, "sync_mode", mode0));
}

static void probe_ioctls(struct probe *pr, int fd)
{
	struct abi_drv_info di;
	struct abi_dev_info dv;
	struct abi_sync sy;
	uint64_t v;
	uint32_t o;

	memset(&di, 0, sizeof di);
	const char *r = ioc(fd, ABI_GET_DRV_INFO, &di);
	emit(pr, "ioctl.GET_DRV_INFO", "%s flags=%#llx version=%.16s", r, (unsigned long long)di.flags,
	     di.version);
	v = 0;
	r = ioc(fd, ABI_GET_SIZE, &v);
	emit(pr, "ioctl.GET_SIZE", "%s %llu", r, (unsigned long long)v);
	v = 0;
	r = ioc(fd, ABI_GET_DMA_ADDR, &v);
	emit(pr, "ioctl.GET_DMA_ADDR", "%s %#llx", r, (unsigned long long)v);
	o = 7;
	r = ioc(fd, ABI_GET_SYNC_OWNER, &o);
	emit(pr, "ioctl.GET_SYNC_OWNER", "%s %u", r, o);
	memset(&dv, 0, sizeof dv);
	r = ioc(fd, ABI_GET_DEV_INFO, &dv);
	emit(pr, "ioctl.GET_DEV_INFO", "%s flags=%#llx size=%llu addr=%#llx", r,
	     (unsigned long long)dv.flags, (unsigned long long)dv.size, (unsigned long long)dv.addr);
	memset(&sy, 0, sizeof sy);
	r = ioc(fd, ABI_GET_SYNC, &sy);
	emit(pr, "ioctl.GET_SYNC", "%s flags=%#llx size=%llu offset=%#llx", r,
	     (unsigned long long)sy.flags, (unsigned long long)sy.size, (unsigned long long)sy.offset);
	emit(pr, "ioctl.unknown", "%s", ioc(fd, ABI_UNKNOWN, &v));

	/* The one-word commands plbuf sends: offset 63..32, size 31..4, direction 3..2, bit 0.
	 * They leave sync_offset / sync_size alone and set sync_owner. */
	v = (uint64_t)4096 << 32 | 4096 | 1u << 2 | 1;
	emit(pr, "ioctl.SET_SYNC_FOR_DEVICE(word 4096+4096 to-device)", "%s",
	     ioc(fd, ABI_SET_SYNC_FOR_DEVICE, &v));
	show_sync_state(pr, "after-word-for-device");
	v = (uint64_t)4096 << 32 | 4096 | 2u << 2 | 1;
	emit(pr, "ioctl.SET_SYNC_FOR_CPU(word 4096+4096 from-device)", "%s",
	     ioc(fd, ABI_SET_SYNC_FOR_CPU, &v));
	show_sync_state(pr, "after-word-for-cpu");
	/* a range past the buffer's end */
	v = (uint64_t)((pr->size + 4095) / 4096 * 4096) << 32 | 4096 | 2u << 2 | 1;
	emit(pr, "ioctl.SET_SYNC_FOR_CPU(word past the end)", "%s", ioc(fd, ABI_SET_SYNC_FOR_CPU, &v));
	/* SET_SYNC with a 64-bit range, direction unchanged (3), mode unchanged (0) */
	struct abi_sync a = {3u | 3u << 2, 4096, 0};
	emit(pr, "ioctl.SET_SYNC(for-device 0+4096)", "%s", ioc(fd, ABI_SET_SYNC, &a));
	show_sync_state(pr, "after-set-sync");
	struct abi_sync b = {1u | 3u << 2, pr->size + 4096, 0};
	emit(pr, "ioctl.SET_SYNC(for-cpu past the end)", "%s", ioc(fd, ABI_SET_SYNC, &b));
	/* give sync_offset / sync_size back (SET_SYNC stored them) */
	struct abi_sync c = {3u << 2, pr->size, 0};
	emit(pr, "ioctl.SET_SYNC(restore)", "%s", ioc(fd, ABI_SET_SYNC, &c));
}

static void probe_sysfs_sync(struct probe *pr)
{
	char w[40];

	snprintf(w, sizeof w, "%llu\n", (unsigned long long)((uint64_t)4096 << 32 | 4096 | 1u << 2 | 1));
	emit(pr, "store.sync_for_device=word", "%s", write_attr(pr, "sync_for_device", w));
	show_sync_state(pr, "after-sysfs-word");
	emit(pr, "store.sync_for_cpu=1", "%s", write_attr(pr, "sync_for_cpu", "1\n"));
	show_sync_state(pr, "after-sysfs-1");
	emit(pr, "store.sync_size=past-the-end", "%s",
	     write_attr(pr, "sync_size", pr->size > 1 ? "0x7fffffff\n" : "2\n"));
	emit(pr, "store.sync_for_cpu=1(past the end)", "%s", write_attr(pr, "sync_for_cpu", "1\n"));
	snprintf(w, sizeof w, "%llu\n", (unsigned long long)pr->size);
	emit(pr, "store.sync_size=restore", "%s", write_attr(pr, "sync_size", w));
}

static void probe_mmap(struct probe *pr, int fd, const char *dev)
{
	long ps = sysconf(_SC_PAGESIZE);
	size_t map = (size_t)((pr->size + (uint64_t)ps - 1) / (uint64_t)ps * (uint64_t)ps);
	void *p = mmap(NULL, map, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	emit(pr, "mmap(<mapsize>)", "%s", p == MAP_FAILED ? err_name(errno) : "0");
	if (p != MAP_FAILED) {
		/* the memory is the buffer: a write through one mapping is seen through another */
		int fd2 = open(dev, O_RDWR | O_SYNC | O_CLOEXEC);
		void *q = fd2 < 0 ? MAP_FAILED : mmap(NULL, map, PROT_READ | PROT_WRITE, MAP_SHARED, fd2, 0);
		emit(pr, "mmap(O_SYNC)", "%s", q == MAP_FAILED ? err_name(errno) : "0");
		if (q != MAP_FAILED) {
			((volatile unsigned char *)p)[map - 1] = 0x5a;
			emit(pr, "mmap.shared", "%s", ((volatile unsigned char *)q)[map - 1] == 0x5a ?
			     "yes" : "no");
			munmap(q, map);
		}
		if (fd2 >= 0)
			close(fd2);
		munmap(p, map);
	}
	p = mmap(NULL, map + (size_t)ps, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	emit(pr, "mmap(<mapsize>+page)", "%s", p == MAP_FAILED ? err_name(errno) : "0");
	if (p != MAP_FAILED)
		munmap(p, map + (size_t)ps);
	p = mmap(NULL, (size_t)ps, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)map);
	emit(pr, "mmap(page at <mapsize>)", "%s", p == MAP_FAILED ? err_name(errno) : "0");
	if (p != MAP_FAILED)
		munmap(p, (size_t)ps);
}

int udmabuf_abi_probe(const char *root, const char *name, int do_mmap, FILE *out)
{
	struct probe pr = {root && *root ? root : "", name, "", 0, 0, out};
	char v[256], dev[600];
	uint64_t iv = 0;

	snprintf(pr.cls, sizeof pr.cls, "%s/sys/class/u-dma-buf/%s", pr.root, name);
	if (access(pr.cls, F_OK) < 0) {
		emit(&pr, "device", "absent (%s: %s)", pr.cls, err_name(errno));
		return -1;
	}
	if (read_attr(&pr, "size", v, sizeof v) == 0)
		pr.size = strtoull(v, NULL, 0);
	if (read_attr(&pr, "phys_addr", v, sizeof v) == 0)
		pr.dma = strtoull(v, NULL, 0);
	int have_ioctl = read_attr(&pr, "ioctl_version", v, sizeof v) == 0 &&
			 (iv = strtoull(v, NULL, 0)) > 0;
	emit(&pr, "probe", "%d-bit program, %s, mmap %s", (int)(8 * sizeof(long)),
	     have_ioctl ? "ioctls" : "sysfs only", do_mmap ? "probed" : "left out");
	show_place(&pr);
	show_attrs(&pr);

	snprintf(dev, sizeof dev, "%s/dev/%s", pr.root, name);
	int fd = open(dev, O_RDWR | O_CLOEXEC);
	emit(&pr, "open(/dev/<name>)", "%s", fd < 0 ? err_name(errno) : "0");
	if (fd < 0)
		return 0;
	/* without ioctls every request is ENOTTY: probe them all the same */
	probe_ioctls(&pr, fd);
	probe_stores(&pr, have_ioctl, fd);
	probe_sysfs_sync(&pr);
	show_sync_state(&pr, "end");
	/* a failed command stays in the attribute (shown above): clear it, so that the next probe of
	 * this device (the 32-bit one) starts as this one did */
	write_attr(&pr, "sync_for_cpu", "0\n");
	write_attr(&pr, "sync_for_device", "0\n");
	if (do_mmap)
		probe_mmap(&pr, fd, dev);
	close(fd);
	return 0;
}
