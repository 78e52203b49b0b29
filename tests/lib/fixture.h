/*
 * fixture.h - fixture trees and driver emulation for backend tests.
 *
 * A fixture is a temporary directory that stands for /: the backend sees it through PLBUF_ROOT,
 * its only test hook.  Driver files live in it as the driver creates them (sysfs attributes in
 * the driver's formats, device nodes as regular files the size of the memory behind them).
 *
 * What a regular file cannot do — ioctls, a driver's mmap, a sysfs attribute's store — is
 * emulated here, in the test program only: this file defines ioctl(), mmap() and write(), which
 * the library's calls bind to because tests link the static libplbuf.a.  A call on a file of the
 * fixture goes to the driver emulation that claims its path (tests/lib/shim_<driver>.c); every
 * other call goes to the kernel unchanged.  Programs that never create a fixture are unaffected.
 */
#ifndef PLBUF_TEST_FIXTURE_H
#define PLBUF_TEST_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The fixture root, created on first use (mode 0755, so that a test may drop privileges and
 * still reach it) and removed at exit.  Sets PLBUF_ROOT. */
const char *fx_root(void);
/* Removes the tree and unsets PLBUF_ROOT; the next fx_root() makes a new one. */
void fx_cleanup(void);

/* Paths are relative to the root and start with '/': fx_write("/sys/class/x/attr", ...). */
const char *fx_path(char *buf, size_t len, const char *rel);
int fx_mkdir(const char *rel);                                   /* mkdir -p, mode 0755 */
int fx_write(const char *rel, mode_t mode, const char *fmt, ...)  /* create or replace a file */
	__attribute__((format(printf, 3, 4)));
int fx_file(const char *rel, mode_t mode, uint64_t size);        /* a sparse file of size bytes */
int fx_symlink(const char *target, const char *rel);
int fx_unlink(const char *rel);
int fx_chmod(const char *rel, mode_t mode);
/* Reads a fixture file into buf (NUL-terminated, trailing newline kept).  Returns its length or -1. */
int fx_read(const char *rel, char *buf, size_t len);

/* ---- driver emulation (for shim_<driver>.c) */

struct fx_driver {
	const char *name;
	/* 1 if this driver owns the file at rel (a path under the root, e.g. "/dev/xlnk"). */
	int (*claims)(const char *rel);
	/* The driver's ioctl: returns what the kernel would (>= 0), or -errno. */
	long (*ioctl)(int fd, const char *rel, unsigned long req, void *arg);
	/* The driver's mmap, or NULL for a plain mapping of the file.  Returns the address, or
	 * MAP_FAILED with errno set.  fx_real_mmap() does the mapping itself. */
	void *(*mmap)(void *addr, size_t len, int prot, int flags, int fd, const char *rel,
		      uint64_t off);
	/* A sysfs attribute's store: returns n, or -errno.  NULL: plain file write. */
	long (*write)(int fd, const char *rel, const void *buf, size_t n);
};
/* Registers a driver once (a second call with the same pointer is ignored). */
void fx_register(const struct fx_driver *d);

/* The next count ioctls with request number req (0: any request) on a fixture file fail with err
 * before reaching the driver, as if the driver had returned -err. */
void fx_fail_ioctl(unsigned long req, int err, int count);
/* The next count mmaps of fixture files fail with err. */
void fx_fail_mmap(int err, int count);
/* The same, after letting skip matching calls through first. */
void fx_fail_ioctl_after(int skip, unsigned long req, int err, int count);
void fx_fail_mmap_after(int skip, int err, int count);

/* The kernel's own calls, for the emulations. */
void *fx_real_mmap(void *addr, size_t len, int prot, int flags, int fd, uint64_t off);
long fx_real_ioctl(int fd, unsigned long req, void *arg);
long fx_real_write(int fd, const void *buf, size_t n);

/* Number of open file descriptors of this process (to check that a failure leaked none). */
int fx_open_fds(void);
/* Number of this process's mappings of files under the fixture root (from /proc/self/maps). */
int fx_mapped_files(void);

/* Runs fn in a child process with the privileges of an ordinary user (uid/gid 65534 when the test
 * runs as root, unchanged otherwise), so that file permissions apply.  Returns fn's return value,
 * or -1 if the child could not run or died. */
int fx_run_unprivileged(int (*fn)(void *), void *arg);

#endif
