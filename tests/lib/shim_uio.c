/* shim_uio.c - see shim_uio.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixture.h"
#include "shim_uio.h"

struct shim_uio shim_uio;
static char node[32];

static int claims(const char *rel)
{
	return strcmp(rel, node) == 0;
}

static long uio_write(int fd, const char *rel, const void *buf, size_t n)
{
	int32_t v;

	(void)fd;
	(void)rel;
	if (n != sizeof(v)) {
		shim_uio.bad_writes++;
		return -EINVAL;
	}
	if (!shim_uio.irqcontrol)
		return -ENOSYS;
	memcpy(&v, buf, sizeof(v));
	if (v)
		shim_uio.enables++;
	else
		shim_uio.disables++;
	return (long)n;
}

static const struct fx_driver driver = {
	.name = "uio",
	.claims = claims,
	.write = uio_write,
};

void shim_uio_setup(int n, const char *name)
{
	char rel[64], p[4096];

	memset(&shim_uio, 0, sizeof(shim_uio));
	shim_uio.irqcontrol = 1;
	snprintf(rel, sizeof(rel), "/sys/class/uio/uio%d/name", n);
	fx_write(rel, 0444, "%s\n", name);
	snprintf(node, sizeof(node), "/dev/uio%d", n);
	fx_mkdir("/dev");
	mkfifo(fx_path(p, sizeof(p), node), 0666);
	shim_uio.fifo = open(p, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	fx_register(&driver);
}

void shim_uio_raise(int times)
{
	shim_uio.count += (uint32_t)times;
	fx_real_write(shim_uio.fifo, &shim_uio.count, sizeof(shim_uio.count));
}
