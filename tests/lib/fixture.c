/*
 * fixture.c - fixture trees and the dispatch of ioctl/mmap/write to driver emulations (fixture.h).
 *
 * The definitions of ioctl(), mmap() and write() below take the place of the C library's in every
 * test program.  On a file outside the fixture (or with no fixture) they make the system call
 * directly, so the rest of the program, and tests that use no fixture, see the kernel's behaviour.
 */
/* These definitions must have the plain 32-bit-off_t/time_t names on 32-bit systems; mmap64 and
 * __ioctl_time64 are defined separately below for code built with 64-bit off_t/time_t. */
#undef _FILE_OFFSET_BITS
#undef _TIME_BITS
#define _LARGEFILE64_SOURCE 1

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fixture.h"

#define MAX_DRIVERS 8

static char root[PATH_MAX];
static pid_t root_owner;
static const struct fx_driver *drivers[MAX_DRIVERS];
static int ndrivers;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long fail_req;
static int fail_ioctl_err, fail_ioctl_count, fail_mmap_err, fail_mmap_count;
static int fail_ioctl_skip, fail_mmap_skip;

/* ---------------------------------------------------------------- the kernel's calls */

long fx_real_write(int fd, const void *buf, size_t n)
{
	return syscall(SYS_write, fd, buf, n);
}

long fx_real_ioctl(int fd, unsigned long req, void *arg)
{
	return syscall(SYS_ioctl, fd, req, arg);
}

void *fx_real_mmap(void *addr, size_t len, int prot, int flags, int fd, uint64_t off)
{
#ifdef SYS_mmap2
	/* 32-bit ABIs: the offset is passed in 4096-byte units. */
	if (off & 4095) {
		errno = EINVAL;
		return MAP_FAILED;
	}
	return (void *)syscall(SYS_mmap2, addr, len, prot, flags, fd, (unsigned long)(off >> 12));
#else
	return (void *)syscall(SYS_mmap, addr, len, prot, flags, fd, (off_t)off);
#endif
}

/* ---------------------------------------------------------------- the tree */

static int rm_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type == FTW_DP || type == FTW_D)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

void fx_cleanup(void)
{
	if (!root[0] || getpid() != root_owner)
		return;
	/* Files made read-only by a test must not stop the removal. */
	nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	root[0] = 0;
	unsetenv("PLBUF_ROOT");
}

const char *fx_root(void)
{
	static int registered;
	char tmpl[PATH_MAX];
	const char *tmp = getenv("TMPDIR");

	if (root[0])
		return root;
	snprintf(tmpl, sizeof(tmpl), "%s/plbuf-fixture-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(tmpl) || chmod(tmpl, 0755) < 0 || !realpath(tmpl, root)) {
		fprintf(stderr, "fixture: cannot create %s: %s\n", tmpl, strerror(errno));
		exit(1);
	}
	root_owner = getpid();
	setenv("PLBUF_ROOT", root, 1);
	if (!registered) {
		atexit(fx_cleanup);
		registered = 1;
	}
	return root;
}

const char *fx_path(char *buf, size_t len, const char *rel)
{
	snprintf(buf, len, "%s%s", fx_root(), rel);
	return buf;
}

int fx_mkdir(const char *rel)
{
	char p[PATH_MAX];

	fx_path(p, sizeof(p), rel);
	for (char *s = p + strlen(root) + 1; *s; s++)
		if (*s == '/') {
			*s = 0;
			if (mkdir(p, 0755) < 0 && errno != EEXIST)
				return -1;
			*s = '/';
		}
	return mkdir(p, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

static int parent_dir(const char *rel)
{
	char d[PATH_MAX];
	const char *slash = strrchr(rel, '/');

	if (!slash || slash == rel)
		return 0;
	snprintf(d, sizeof(d), "%.*s", (int)(slash - rel), rel);
	return fx_mkdir(d);
}

static int vwrite_file(const char *rel, mode_t mode, const char *fmt, va_list ap)
{
	char p[PATH_MAX], text[4096];
	int n = vsnprintf(text, sizeof(text), fmt, ap), fd;

	if (parent_dir(rel) < 0)
		return -1;
	fx_path(p, sizeof(p), rel);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return -1;
	if (fx_real_write(fd, text, (size_t)n) != n || fchmod(fd, mode) < 0) {
		close(fd);
		return -1;
	}
	return close(fd);
}

int fx_write(const char *rel, mode_t mode, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vwrite_file(rel, mode, fmt, ap);
	va_end(ap);
	return r;
}

int fx_file(const char *rel, mode_t mode, uint64_t size)
{
	char p[PATH_MAX];
	int fd;

	if (parent_dir(rel) < 0)
		return -1;
	fd = open(fx_path(p, sizeof(p), rel), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return -1;
	if (ftruncate(fd, (off_t)size) < 0 || fchmod(fd, mode) < 0) {
		close(fd);
		return -1;
	}
	return close(fd);
}

int fx_symlink(const char *target, const char *rel)
{
	char p[PATH_MAX];

	if (parent_dir(rel) < 0)
		return -1;
	return symlink(target, fx_path(p, sizeof(p), rel));
}

int fx_unlink(const char *rel)
{
	char p[PATH_MAX];

	return unlink(fx_path(p, sizeof(p), rel));
}

int fx_chmod(const char *rel, mode_t mode)
{
	char p[PATH_MAX];

	return chmod(fx_path(p, sizeof(p), rel), mode);
}

int fx_read(const char *rel, char *buf, size_t len)
{
	char p[PATH_MAX];
	int fd = open(fx_path(p, sizeof(p), rel), O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = 0;
	return (int)n;
}

/* ---------------------------------------------------------------- dispatch */

void fx_register(const struct fx_driver *d)
{
	pthread_mutex_lock(&lock);
	for (int i = 0; i < ndrivers; i++)
		if (drivers[i] == d)
			goto out;
	if (ndrivers < MAX_DRIVERS)
		drivers[ndrivers++] = d;
out:
	pthread_mutex_unlock(&lock);
}

void fx_fail_ioctl_after(int skip, unsigned long req, int err, int count)
{
	pthread_mutex_lock(&lock);
	fail_req = req;
	fail_ioctl_skip = skip;
	fail_ioctl_err = err;
	fail_ioctl_count = count;
	pthread_mutex_unlock(&lock);
}

void fx_fail_ioctl(unsigned long req, int err, int count)
{
	fx_fail_ioctl_after(0, req, err, count);
}

void fx_fail_mmap_after(int skip, int err, int count)
{
	pthread_mutex_lock(&lock);
	fail_mmap_skip = skip;
	fail_mmap_err = err;
	fail_mmap_count = count;
	pthread_mutex_unlock(&lock);
}

void fx_fail_mmap(int err, int count)
{
	fx_fail_mmap_after(0, err, count);
}

/* The driver that owns fd's file, and the file's path under the root; NULL for any other fd. */
static const struct fx_driver *owner(int fd, char *rel, size_t len)
{
	char link[64], path[PATH_MAX];
	size_t rl = strlen(root);
	ssize_t n;

	if (!root[0] || fd < 0)
		return NULL;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	if (n <= 0)
		return NULL;
	path[n] = 0;
	if (strncmp(path, root, rl) != 0 || path[rl] != '/')
		return NULL;
	snprintf(rel, len, "%s", path + rl);
	for (int i = 0; i < ndrivers; i++)
		if (drivers[i]->claims(rel))
			return drivers[i];
	return NULL;
}

static int take_failure(int *skip, int *count, int *err, int match)
{
	int e = 0;

	pthread_mutex_lock(&lock);
	if (match && *count > 0 && (*skip)-- <= 0) {
		*skip = 0;
		(*count)--;
		e = *err;
	}
	pthread_mutex_unlock(&lock);
	return e;
}

static int dispatch_ioctl(int fd, unsigned long req, void *arg)
{
	char rel[PATH_MAX];
	const struct fx_driver *d = owner(fd, rel, sizeof(rel));
	long r;
	int e;

	if (!d)
		return (int)fx_real_ioctl(fd, req, arg);
	e = take_failure(&fail_ioctl_skip, &fail_ioctl_count, &fail_ioctl_err,
			 fail_req == 0 || fail_req == req);
	if (e) {
		errno = e;
		return -1;
	}
	/* A character device without an ioctl method answers ENOTTY.  A call that succeeds leaves
	 * errno alone, whatever the emulation did to it. */
	e = errno;
	r = d->ioctl ? d->ioctl(fd, rel, req, arg) : -ENOTTY;
	if (r < 0) {
		errno = (int)-r;
		return -1;
	}
	errno = e;
	return (int)r;
}

int ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	return dispatch_ioctl(fd, req, arg);
}

static void *dispatch_mmap(void *addr, size_t len, int prot, int flags, int fd, uint64_t off)
{
	char rel[PATH_MAX];
	const struct fx_driver *d = owner(fd, rel, sizeof(rel));
	int e;

	if (!d)
		return fx_real_mmap(addr, len, prot, flags, fd, off);
	e = take_failure(&fail_mmap_skip, &fail_mmap_count, &fail_mmap_err, 1);
	if (e) {
		errno = e;
		return MAP_FAILED;
	}
	if (d->mmap) {
		void *p;

		e = errno;
		p = d->mmap(addr, len, prot, flags, fd, rel, off);
		if (p != MAP_FAILED)
			errno = e;
		return p;
	}
	return fx_real_mmap(addr, len, prot, flags, fd, off);
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return dispatch_mmap(addr, len, prot, flags, fd, (uint64_t)off);
}

ssize_t write(int fd, const void *buf, size_t n)
{
	char rel[PATH_MAX];
	const struct fx_driver *d = owner(fd, rel, sizeof(rel));
	long r;

	int e = errno;

	if (!d || !d->write)
		return (ssize_t)fx_real_write(fd, buf, n);
	r = d->write(fd, rel, buf, n);
	if (r < 0) {
		errno = (int)-r;
		return -1;
	}
	errno = e;
	return (ssize_t)r;
}

/* Code built with 64-bit off_t calls mmap64, on LP64 glibc too. */
void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off64_t off)
{
	return dispatch_mmap(addr, len, prot, flags, fd, (uint64_t)off);
}

#if !defined(__LP64__)
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 34)
int __ioctl_time64(int fd, unsigned long req, ...);
int __ioctl_time64(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	return dispatch_ioctl(fd, req, arg);
}
#endif
#endif

int fx_open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n - 1; /* the directory's own descriptor */
}

int fx_mapped_files(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[PATH_MAX + 128];
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		n += root[0] && strstr(line, root) != NULL;
	fclose(f);
	return n;
}

/* ---------------------------------------------------------------- privileges */

int fx_run_unprivileged(int (*fn)(void *), void *arg)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (geteuid() == 0 &&
		    (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0)) {
			fprintf(stderr, "fixture: cannot drop privileges: %s\n", strerror(errno));
			_exit(255);
		}
		int r = fn(arg);

		fflush(NULL);
		_exit(r & 0xff);
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}
