/*
 * edu.c - driving QEMU's edu device from user space in the test guest: registers through sysfs
 * resource0, the command register through sysfs config, DMA by polling.  See edu.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/vfio.h>
#if defined(__x86_64__) || defined(__i386__)
#include <sys/io.h>
#endif
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "edu.h"

/* BAR0 registers (QEMU's docs/specs/edu.rst). */
#define REG_ID 0x00       /* 0x010000ed: version 1.0, magic 0xed */
#define REG_ALIVE 0x04    /* reads back the complement of what was written */
#define REG_DMA_SRC 0x80
#define REG_DMA_DST 0x88
#define REG_DMA_CNT 0x90
#define REG_DMA_CMD 0x98
#define CMD_START 0x1
#define CMD_TO_RAM 0x2    /* direction edu -> RAM; clear: RAM -> edu */

#define BAR0_MAP 4096

static int read_hex(const char *path, unsigned long *out)
{
	char buf[32];
	FILE *f = fopen(path, "r");

	if (!f)
		return -errno;
	int ok = fgets(buf, sizeof buf, f) != NULL;
	fclose(f);
	if (!ok)
		return -EIO;
	*out = strtoul(buf, NULL, 16);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* BDFs of every edu device, sorted; returns how many (at most max). */
static int find_all(char bdfs[][32], int max)
{
	DIR *d = opendir("/sys/bus/pci/devices");
	char *names[64];
	int n = 0;

	if (!d)
		return -errno;
	for (struct dirent *de; (de = readdir(d)) != NULL && n < 64;) {
		char path[300];
		unsigned long ven = 0, dev = 0;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "/sys/bus/pci/devices/%s/vendor", de->d_name);
		if (read_hex(path, &ven) < 0 || ven != EDU_VENDOR)
			continue;
		snprintf(path, sizeof path, "/sys/bus/pci/devices/%s/device", de->d_name);
		if (read_hex(path, &dev) < 0 || dev != EDU_DEVICE)
			continue;
		names[n++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(names, (size_t)n, sizeof names[0], cmp_str);
	int k = 0;
	for (int i = 0; i < n; i++) {
		if (k < max && names[i])
			snprintf(bdfs[k++], 32, "%s", names[i]);
		free(names[i]);
	}
	return k;
}

static uint32_t rd32(struct edu *e, unsigned off)
{
	return *(volatile uint32_t *)(e->regs + off);
}

static void wr32(struct edu *e, unsigned off, uint32_t v)
{
	*(volatile uint32_t *)(e->regs + off) = v;
}

/* edu keeps 64-bit DMA registers and takes only whole 8-byte writes to set all 64 bits. */
static void wr64(struct edu *e, unsigned off, uint64_t v)
{
	*(volatile uint64_t *)(e->regs + off) = v;
}

int edu_open(struct edu *e, int index)
{
	char bdfs[8][32], path[160];
	int n = find_all(bdfs, 8);

	memset(e, 0, sizeof *e);
	e->cfg_fd = e->sys_cfg_fd = -1;
	if (n <= index) {
		fprintf(stderr, "edu: device %d not found (%d edu devices in /sys/bus/pci/devices); "
			"start QEMU with -device edu\n", index, n < 0 ? 0 : n);
		return -ENODEV;
	}
	snprintf(e->bdf, sizeof e->bdf, "%s", bdfs[index]);
	snprintf(e->sysdir, sizeof e->sysdir, "/sys/bus/pci/devices/%s", e->bdf);

	snprintf(path, sizeof path, "%s/config", e->sysdir);
	e->cfg_fd = open(path, O_RDWR | O_CLOEXEC);
	if (e->cfg_fd < 0) {
		int err = errno;
		fprintf(stderr, "edu: open %s: %s\n", path, strerror(err));
		return -err;
	}
	int ret = edu_command(e, 1, 1);
	if (ret < 0)
		return ret;

	snprintf(path, sizeof path, "%s/resource0", e->sysdir);
	int fd = open(path, O_RDWR | O_SYNC | O_CLOEXEC);
	if (fd < 0) {
		int err = errno;
		fprintf(stderr, "edu: open %s: %s\n", path, strerror(err));
		return -err;
	}
	void *p = mmap(NULL, BAR0_MAP, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	int err = errno;
	close(fd);
	if (p == MAP_FAILED) {
		fprintf(stderr, "edu: mmap %s: %s\n", path, strerror(err));
		return -err;
	}
	e->regs = e->sys_regs = p;
	e->sys_cfg_fd = e->cfg_fd;

	uint32_t id = rd32(e, REG_ID);
	wr32(e, REG_ALIVE, 0x12345678u);
	uint32_t alive = rd32(e, REG_ALIVE);
	if ((id & 0xff) != 0xed || alive != ~0x12345678u) {
		fprintf(stderr, "edu: %s does not answer (id %#x, liveness %#x)\n", e->bdf, id, alive);
		return -EIO;
	}
	return 0;
}

void edu_close(struct edu *e)
{
	edu_use_sysfs(e);
	if (e->sys_regs)
		munmap((void *)e->sys_regs, BAR0_MAP);
	if (e->sys_cfg_fd >= 0)
		close(e->sys_cfg_fd);
	e->regs = e->sys_regs = NULL;
	e->cfg_fd = e->sys_cfg_fd = -1;
}

static int region(int fd, unsigned index, struct vfio_region_info *ri)
{
	memset(ri, 0, sizeof *ri);
	ri->argsz = sizeof *ri;
	ri->index = index;
	if (ioctl(fd, VFIO_DEVICE_GET_REGION_INFO, ri) < 0) {
		int err = errno;
		fprintf(stderr, "edu: VFIO_DEVICE_GET_REGION_INFO %u: %s\n", index, strerror(err));
		return -err;
	}
	return 0;
}

int edu_use_vfio(struct edu *e, int device_fd)
{
	struct vfio_region_info bar, cfg;
	int ret;

	edu_use_sysfs(e);
	if (device_fd < 0) {
		fprintf(stderr, "edu: no VFIO device fd\n");
		return -EBADF;
	}
	if ((ret = region(device_fd, VFIO_PCI_BAR0_REGION_INDEX, &bar)) < 0 ||
	    (ret = region(device_fd, VFIO_PCI_CONFIG_REGION_INDEX, &cfg)) < 0)
		return ret;
	if (!(bar.flags & VFIO_REGION_INFO_FLAG_MMAP) || bar.size < BAR0_MAP) {
		fprintf(stderr, "edu: VFIO says BAR0 (%llu bytes, flags %#x) cannot be mapped\n",
			(unsigned long long)bar.size, bar.flags);
		return -EINVAL;
	}
	void *p = mmap(NULL, BAR0_MAP, PROT_READ | PROT_WRITE, MAP_SHARED, device_fd,
		       (off_t)bar.offset);
	if (p == MAP_FAILED) {
		int err = errno;
		fprintf(stderr, "edu: mmap of BAR0 through VFIO: %s\n", strerror(err));
		return -err;
	}
	e->vfio_map = p;
	e->regs = p;
	e->cfg_fd = device_fd;
	e->cfg_off = (long long)cfg.offset;
	return 0;
}

void edu_use_sysfs(struct edu *e)
{
	if (e->vfio_map)
		munmap(e->vfio_map, BAR0_MAP);
	e->vfio_map = NULL;
	e->regs = e->sys_regs;
	e->cfg_fd = e->sys_cfg_fd;
	e->cfg_off = 0;
}

int edu_command(struct edu *e, int memory, int bus_master)
{
	uint16_t cmd;

	if (pread(e->cfg_fd, &cmd, 2, (off_t)(e->cfg_off + 4)) != 2) {
		fprintf(stderr, "edu: reading the command register of %s: %s\n", e->bdf, strerror(errno));
		return -EIO;
	}
	cmd = (uint16_t)((cmd & ~0x6u) | (memory ? 0x2u : 0) | (bus_master ? 0x4u : 0));
	if (pwrite(e->cfg_fd, &cmd, 2, (off_t)(e->cfg_off + 4)) != 2) {
		fprintf(stderr, "edu: writing the command register of %s: %s\n", e->bdf, strerror(errno));
		return -EIO;
	}
	return 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int wait_idle(struct edu *e, double limit)
{
	double t0 = now();

	while (rd32(e, REG_DMA_CMD) & CMD_START) {
		if (now() - t0 > limit)
			return -ETIMEDOUT;
		struct timespec ts = {0, 2000000};
		nanosleep(&ts, NULL);
	}
	return 0;
}

int edu_dma(struct edu *e, uint64_t dev, uint32_t off, uint32_t len, int to_edu)
{
	if (len == 0 || off + len > EDU_MAX_XFER)
		return -EINVAL;
	if (wait_idle(e, 10) < 0)
		return -ETIMEDOUT;
	if (to_edu) {
		wr64(e, REG_DMA_SRC, dev);
		wr64(e, REG_DMA_DST, EDU_BUF_ADDR + off);
	} else {
		wr64(e, REG_DMA_SRC, EDU_BUF_ADDR + off);
		wr64(e, REG_DMA_DST, dev);
	}
	wr64(e, REG_DMA_CNT, len);
	wr64(e, REG_DMA_CMD, CMD_START | (to_edu ? 0 : CMD_TO_RAM));
	int ret = wait_idle(e, 10);
	if (ret < 0)
		fprintf(stderr, "edu: DMA of %u bytes at %#llx did not finish in 10 s\n", len,
			(unsigned long long)dev);
	return ret;
}

uint64_t edu_pagemap_phys(const void *va)
{
	long ps = sysconf(_SC_PAGESIZE);
	uint64_t ent = 0, v = (uint64_t)(uintptr_t)va;
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return UINT64_MAX;
	ssize_t n = pread(fd, &ent, 8, (off_t)(v / (uint64_t)ps * 8));
	close(fd);
	/* bit 63: present; bits 0-54: PFN (zero when the caller lacks CAP_SYS_ADMIN) */
	if (n != 8 || !(ent >> 63) || !(ent & ((1ull << 55) - 1)))
		return UINT64_MAX;
	return (ent & ((1ull << 55) - 1)) * (uint64_t)ps + v % (uint64_t)ps;
}

int edu_kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

int edu_kmsg_find(int fd, const char *a, const char *b, int ms, char *line, size_t len)
{
	char rec[1024];
	double t0 = now();

	if (fd < 0)
		return 0;
	for (;;) {
		ssize_t n = read(fd, rec, sizeof rec - 1);
		if (n > 0) {
			rec[n] = 0;
			char *msg = strchr(rec, ';'); /* "prio,seq,time,flags;text" */
			msg = msg ? msg + 1 : rec;
			if (strstr(msg, a) && strstr(msg, b)) {
				msg[strcspn(msg, "\n")] = 0;
				snprintf(line, len, "%s", msg);
				return 1;
			}
			continue;
		}
		if (n < 0 && errno == EPIPE) /* records overwritten: go on with the next */
			continue;
		if (now() - t0 > ms / 1000.0)
			return 0;
		struct timespec ts = {0, 10000000};
		nanosleep(&ts, NULL);
	}
}

#if defined(__aarch64__)
/* Semihosting SYS_EXIT (0x18, "HLT #0xF000" on AArch64): x1 points at {reason, subcode}, and the
 * reason ADP_Stopped_ApplicationExit (0x20026) makes QEMU exit with the subcode.  QEMU takes it
 * from user space only with -semihosting-config enable=on,userspace=on; elsewhere the
 * instruction raises SIGILL.  The subcode mimics isa-debug-exit, so the host reads the same
 * statuses on both architectures. */
void edu_debug_exit(unsigned code)
{
	uint64_t block[2] = { 0x20026, ((uint64_t)code << 1) | 1 };
	register uint64_t x0 __asm__("x0") = 0x18;
	register uint64_t x1 __asm__("x1") = (uint64_t)(uintptr_t)block;

	__asm__ volatile("hlt #0xf000" : "+r"(x0) : "r"(x1) : "memory");
}
#else
void edu_debug_exit(unsigned code)
{
	if (ioperm(0xf4, 4, 1) == 0)
		outl(code, 0xf4);
}
#endif
