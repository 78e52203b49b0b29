/*
 * sysfs.c - reading driver files (/sys attributes, /proc) under an optional root.
 *
 * PLBUF_ROOT is the one test hook of the backends: it prefixes every /dev, /sys and /proc path, so
 * that a fixture tree reproducing a driver's files can stand in for a driver that cannot be loaded
 * on the test machine.  Nothing else in a backend knows about tests.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "backend.h"
#include "os/sys.h"

const char *plbuf__path(char *buf, size_t len, const char *path)
{
	const char *root = getenv("PLBUF_ROOT");

	snprintf(buf, len, "%s%s", root && *root ? root : "", path);
	return buf;
}

int plbuf__read_attr(const char *path, char *buf, size_t len)
{
	char full[4096];
	ssize_t n;
	int fd;

	plbuf__path(full, sizeof(full), path);
	fd = plbuf__sys_open(full, O_RDONLY, 0);
	if (fd < 0)
		return plbuf__err(errno, "cannot open %s: %s", full, strerror(errno));
	n = plbuf__sys_pread(fd, buf, len - 1, 0);
	if (n < 0) {
		int e = errno;

		close(fd);
		return plbuf__err(e, "cannot read %s: %s", full, strerror(e));
	}
	close(fd);
	buf[n] = 0;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = 0;
	return (int)n;
}

int plbuf__read_attr_u64(const char *path, uint64_t *out)
{
	char buf[64], *end;
	int n = plbuf__read_attr(path, buf, sizeof(buf));

	if (n < 0)
		return n;
	errno = 0;
	unsigned long long v = strtoull(buf, &end, 0);

	/* strtoull takes " -1" (and "+1") too: a number starts with a digit. */
	if (n == 0 || errno || *end || buf[0] < '0' || buf[0] > '9')
		return plbuf__err(EINVAL, "%s%s holds \"%s\", not a number",
				  getenv("PLBUF_ROOT") ? getenv("PLBUF_ROOT") : "", path, buf);
	*out = v;
	return 0;
}

size_t plbuf__page_size(void)
{
	static size_t ps;

	if (!ps)
		ps = (size_t)sysconf(_SC_PAGESIZE);
	return ps;
}
