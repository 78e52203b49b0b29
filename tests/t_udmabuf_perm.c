/* u-dma-buf without permission: a device node the user may not open makes plbuf_open fail with
 * EACCES naming the node and how to grant access; sysfs attributes the user may not write
 * (root's) are not needed: write-combine is asked for with SET_SYNC through the node, which
 * leaves the sync_offset and sync_direction other programs set as they were. */
#include <fcntl.h>
#include <unistd.h>

#include "fixture.h"
#include "shim_udmabuf.h"
#include "test.h"

static int node_denied(void *arg)
{
	(void)arg;
	plbuf_ctx *ctx = plbuf_open("udmabuf", NULL);

	if (ctx || errno != EACCES || !strstr(plbuf_errmsg(), "/dev/udmabuf0") ||
	    !strstr(plbuf_errmsg(), "udev")) {
		fprintf(stderr, "node_denied: %p errno %d: %s\n", (void *)ctx, errno, plbuf_errmsg());
		return 1;
	}
	printf("ok: %s\n", plbuf_errmsg());
	return 0;
}

static int attrs_denied(void *arg)
{
	(void)arg;
	plbuf_ctx *ctx = plbuf_open("udmabuf", NULL);
	uint64_t off, size;
	int dir;

	if (!ctx) {
		fprintf(stderr, "attrs_denied: %s\n", plbuf_errmsg());
		return 1;
	}
	if (fx_udmabuf_sync_mode("udmabuf0") != 2)
		return 2;
	if (fx_udmabuf_sync_state("udmabuf0", &off, &size, &dir) < 0 || off != 0x1000 ||
	    size != 8192 || dir != 2)
		return 3;
	plbuf_close(ctx);
	return 0;
}

int main(void)
{
	struct fx_udmabuf d;

	fx_udmabuf_default(&d, "udmabuf0", 2 << 20, 0x20000000);
	CHECK(fx_udmabuf_add(&d) == 0);
	CHECK(fx_chmod("/dev/udmabuf0", 0600) == 0); /* crw------- root, the driver's default */
	CHECK(fx_run_unprivileged(node_denied, NULL) == 0);

	/* A udev rule made the node 0666; the attributes stay root's 0664. */
	CHECK(fx_chmod("/dev/udmabuf0", 0666) == 0);
	const char *set[][2] = {{"sync_offset", "0x1000"}, {"sync_size", "8192"},
				{"sync_direction", "2"}};

	for (int i = 0; i < 3; i++) { /* through the driver's store, as root */
		char rel[128], path[4096];
		int fd;

		snprintf(rel, sizeof(rel), "/sys/class/u-dma-buf/udmabuf0/%s", set[i][0]);
		fd = open(fx_path(path, sizeof(path), rel), O_WRONLY);
		CHECK(fd >= 0 && write(fd, set[i][1], strlen(set[i][1])) > 0 && close(fd) == 0);
	}
	uint64_t off, size;
	int dir;

	CHECK(fx_udmabuf_sync_state("udmabuf0", &off, &size, &dir) == 0 && off == 0x1000 && dir == 2);
	int r = fx_run_unprivileged(attrs_denied, NULL);

	if (r)
		fprintf(stderr, "attrs_denied returned %d\n", r);
	CHECK(r == 0);
	return 0;
}
