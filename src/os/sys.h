/*
 * sys.h - the system calls backends make, through one door.
 *
 * In a normal build these are the calls themselves.  A build with -DPLBUF_FAULT_INJECTION (the
 * fault-injection tests only, never a library you install) asks plbuf__fault() first, so a test can
 * make the Nth open/mmap/ioctl/... fail with a chosen errno and check that nothing leaks and the
 * context still works.
 */
#ifndef PLBUF_SYS_H
#define PLBUF_SYS_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

enum plbuf_sys_call {
	PLBUF_SYS_OPEN, PLBUF_SYS_MMAP, PLBUF_SYS_IOCTL, PLBUF_SYS_READ, PLBUF_SYS_WRITE,
	PLBUF_SYS_FTRUNCATE, PLBUF_SYS_SHM_OPEN, PLBUF_SYS_MLOCK, PLBUF_SYS_FALLOCATE,
	PLBUF_SYS_NCALLS
};

#ifdef PLBUF_FAULT_INJECTION
/* Returns 0 to let the call through, or an errno to fail it with (tests/lib/fault.c sets it). */
int plbuf__fault(enum plbuf_sys_call call);
/* The request of the ioctl being asked about: a test tells a failed release (GEM_CLOSE, FREEBUF,
 * UNMAP_DMA), whose object the kernel keeps, from the others. */
extern unsigned long plbuf__fault_ioctl;
#define PLBUF__FAULT(call, failval)                                                            \
	do {                                                                                   \
		int e_ = plbuf__fault(call);                                                   \
		if (e_) {                                                                      \
			errno = e_;                                                            \
			return failval;                                                        \
		}                                                                              \
	} while (0)
#else
#define PLBUF__FAULT(call, failval) do { } while (0)
#endif

static inline int plbuf__sys_open(const char *path, int flags, mode_t mode)
{
	PLBUF__FAULT(PLBUF_SYS_OPEN, -1);
	return open(path, flags | O_CLOEXEC, mode);
}

/* Opening a directory (a sysfs class) or a text file (/proc/meminfo, /proc/iomem) is an open too. */
static inline FILE *plbuf__sys_fopen(const char *path, const char *mode)
{
	PLBUF__FAULT(PLBUF_SYS_OPEN, NULL);
	return fopen(path, mode);
}

static inline DIR *plbuf__sys_opendir(const char *path)
{
	PLBUF__FAULT(PLBUF_SYS_OPEN, NULL);
	return opendir(path);
}

/* memfd_create makes a descriptor: an open for the fault tests. */
static inline int plbuf__sys_memfd_create(const char *name, unsigned flags)
{
	PLBUF__FAULT(PLBUF_SYS_OPEN, -1);
	return memfd_create(name, flags | MFD_CLOEXEC);
}

static inline int plbuf__sys_fallocate(int fd, int mode, off_t off, off_t len)
{
	PLBUF__FAULT(PLBUF_SYS_FALLOCATE, -1);
	return fallocate(fd, mode, off, len);
}

static inline void *plbuf__sys_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	PLBUF__FAULT(PLBUF_SYS_MMAP, MAP_FAILED);
	return mmap(addr, len, prot, flags, fd, off);
}

static inline int plbuf__sys_ioctl(int fd, unsigned long req, void *arg)
{
#ifdef PLBUF_FAULT_INJECTION
	plbuf__fault_ioctl = req;
#endif
	PLBUF__FAULT(PLBUF_SYS_IOCTL, -1);
	return ioctl(fd, req, arg);
}

static inline ssize_t plbuf__sys_pread(int fd, void *buf, size_t n, off_t off)
{
	PLBUF__FAULT(PLBUF_SYS_READ, -1);
	return pread(fd, buf, n, off);
}

/* Register windows and interrupts (src/mmio.c, src/irq.c): a VFIO BAR without mmap, UIO's
 * interrupt count. */
static inline ssize_t plbuf__sys_pwrite(int fd, const void *buf, size_t n, off_t off)
{
	PLBUF__FAULT(PLBUF_SYS_WRITE, -1);
	return pwrite(fd, buf, n, off);
}

static inline ssize_t plbuf__sys_read(int fd, void *buf, size_t n)
{
	PLBUF__FAULT(PLBUF_SYS_READ, -1);
	return read(fd, buf, n);
}

static inline ssize_t plbuf__sys_write(int fd, const void *buf, size_t n)
{
	PLBUF__FAULT(PLBUF_SYS_WRITE, -1);
	return write(fd, buf, n);
}

static inline int plbuf__sys_ftruncate(int fd, off_t len)
{
	PLBUF__FAULT(PLBUF_SYS_FTRUNCATE, -1);
	return ftruncate(fd, len);
}

static inline int plbuf__sys_shm_open(const char *name, int flags, mode_t mode)
{
	PLBUF__FAULT(PLBUF_SYS_SHM_OPEN, -1);
	return shm_open(name, flags | O_CLOEXEC, mode);
}

static inline int plbuf__sys_mlock(const void *addr, size_t len)
{
	PLBUF__FAULT(PLBUF_SYS_MLOCK, -1);
	return mlock(addr, len);
}

#endif
