/* u-dma-buf built without ioctls (the sysfs interface of v4.4.1): addresses and sizes come from
 * phys_addr and size (a 32-bit kernel's %pad), syncs are one write of the one-word command to
 * sync_for_device / sync_for_cpu, which leaves sync_offset and sync_size alone, and ranges the
 * word cannot hold go through sync_offset, sync_size and sync_direction first. */
#include <fcntl.h>
#include <unistd.h>

#include "fixture.h"
#include "shim_udmabuf.h"
#include "test.h"

static void check_sync(int i, int for_cpu, int dir, uint64_t off, uint64_t size)
{
	const struct fx_udmabuf_sync *s = fx_udmabuf_sync_at(i);

	CHECK(s);
	if (s->via != FX_UDMABUF_SYSFS || s->for_cpu != for_cpu || s->dir != dir ||
	    s->offset != off || s->size != size) {
		fprintf(stderr, "sync %d: via %d cpu %d dir %d off %llu size %llu\n", i, s->via,
			s->for_cpu, s->dir, (unsigned long long)s->offset,
			(unsigned long long)s->size);
		exit(1);
	}
}

int main(void)
{
	struct fx_udmabuf d;
	char text[64];

	fx_udmabuf_default(&d, "udmabuf0", 3 << 20, 0x1f000000);
	snprintf(d.version, sizeof(d.version), "4.4.1");
	d.ioctl_version = 0;
	d.dma_addr_bytes = 4;
	CHECK(fx_udmabuf_add(&d) == 0);
	CHECK(fx_read("/sys/class/u-dma-buf/udmabuf0/phys_addr", text, sizeof(text)) > 0);
	CHECK(!strcmp(text, "0x1f000000\n"));
	/* Another program's settings, which the one-word command must leave alone: stored the
	 * way a shell's echo would. */
	char path[4096];
	int fd = open(fx_path(path, sizeof(path), "/sys/class/u-dma-buf/udmabuf0/sync_size"),
		      O_WRONLY);

	CHECK(fd >= 0 && write(fd, "4096\n", 5) == 5 && close(fd) == 0);
	fd = open(fx_path(path, sizeof(path), "/sys/class/u-dma-buf/udmabuf0/sync_direction"),
		  O_WRONLY);
	CHECK(fd >= 0 && write(fd, "3", 1) < 0 && errno == EINVAL && close(fd) == 0);

	plbuf_ctx *ctx = plbuf_open("udmabuf", "sync=driver");
	CHECK(ctx);
	struct plbuf_bank_info bi;

	CHECK(plbuf_ctx_bank(ctx, 0, &bi) == 0 && bi.base == 0x1f000000 && bi.size == 3 << 20);
	uint64_t L = plbuf_ctx_line_size(ctx);
	int64_t shape[1] = {1 << 20};
	plbuf_buf *b = plbuf_allocate(ctx, 1, shape, "u1", NULL);

	CHECK(b);
	uint64_t off = plbuf_device_address(b) - 0x1f000000;

	fx_udmabuf_clear_log();
	CHECK(plbuf_flush_range(b, 5, 2 * L) == 0);
	CHECK(fx_udmabuf_nsyncs() == 1);
	check_sync(0, 0, 1, off, 3 * L);
	CHECK(fx_read("/sys/class/u-dma-buf/udmabuf0/sync_for_device", text, sizeof(text)) > 0);
	CHECK(!strcmp(text, "0\n")); /* done: the driver clears the command */
	CHECK(fx_read("/sys/class/u-dma-buf/udmabuf0/sync_owner", text, sizeof(text)) > 0);
	CHECK(!strcmp(text, "1\n"));
	fx_udmabuf_clear_log();
	CHECK(plbuf_invalidate_range(b, 2 * (int64_t)L, 5 * L) == 0);
	CHECK(fx_udmabuf_nsyncs() == 1);
	check_sync(0, 1, 2, off + 2 * L, 5 * L);
	CHECK(fx_read("/sys/class/u-dma-buf/udmabuf0/sync_offset", text, sizeof(text)) > 0);
	CHECK(!strcmp(text, "0x0\n"));
	CHECK(fx_read("/sys/class/u-dma-buf/udmabuf0/sync_size", text, sizeof(text)) > 0);
	CHECK(!strcmp(text, "4096\n"));
	CHECK(plbuf_free(b) == 0);
	plbuf_close(ctx);

	/* Past 4 GiB (64-bit only): the three attributes, then "1". */
	if (sizeof(void *) == 8) {
		fx_udmabuf_default(&d, "udmabuf0", 5ull << 30, 0x900000000ull);
		snprintf(d.version, sizeof(d.version), "4.4.1");
		d.ioctl_version = 0;
		CHECK(fx_udmabuf_add(&d) == 0);
		ctx = plbuf_open("udmabuf", "sync=driver");
		CHECK(ctx);
		int64_t big[1] = {(int64_t)(4ull << 30) + 4096}, small[1] = {4096};
		plbuf_buf *h = plbuf_allocate(ctx, 1, big, "u1", NULL);

		CHECK(h);
		b = plbuf_allocate(ctx, 1, small, "u1", NULL);
		CHECK(b);
		off = plbuf_device_address(b) - 0x900000000ull;
		CHECK(off >= (4ull << 30));
		fx_udmabuf_clear_log();
		CHECK(plbuf_flush(b) == 0);
		CHECK(fx_udmabuf_nsyncs() == 1);
		check_sync(0, 0, 1, off, 4096);
		CHECK(fx_read("/sys/class/u-dma-buf/udmabuf0/sync_offset", text, sizeof(text)) > 0);
		snprintf(text + 32, 32, "0x%llx\n", (unsigned long long)off);
		CHECK(!strcmp(text, text + 32));
		CHECK(plbuf_free(b) == 0 && plbuf_free(h) == 0);
		plbuf_close(ctx);
	}
	return 0;
}
