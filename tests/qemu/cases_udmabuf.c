/*
 * cases_udmabuf.c - the guest program's cases for the real u-dma-buf driver (tests/qemu/udmabuf.sh
 * loads it).  Case names: udmabuf[-KIND][@LABEL]; LABEL only tells apart the same case run
 * against several builds of the driver in one boot.  docs/qemu-proof.md says what each proves.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cases.h"

int udmabuf_iommu; /* the buffers sit behind the IOMMU: device address = IOVA */

/* A number from /sys/class/u-dma-buf/NAME/ATTR, read here independently of plbuf. */
static int attr_u64(const char *name, const char *attr, uint64_t *v)
{
	char path[160], buf[64];
	int fd, n;

	snprintf(path, sizeof path, "/sys/class/u-dma-buf/%s/%s", name, attr);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = (int)read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	*v = strtoull(buf, NULL, 0);
	return 0;
}

static plbuf_buf *alloc_in(plbuf_ctx *ctx, uint64_t n, const char *bank)
{
	int64_t shape[1] = {(int64_t)n};
	struct plbuf_alloc_opts o = {0};

	o.bank = bank;
	plbuf_buf *b = plbuf_allocate(ctx, 1, shape, "u1", &o);
	if (!b)
		fail("plbuf_allocate(%llu bytes in %s): %s", (unsigned long long)n, bank, plbuf_errmsg());
	return b;
}

/* Each of udmabuf0..2, chosen by name, holds its buffer inside that device's own range (as sysfs
 * gives it), and edu copies from each bank to the next by those addresses. */
static int banks(plbuf_ctx *ctx)
{
	const char *names[3] = {"udmabuf0", "udmabuf1", "udmabuf2"};
	plbuf_buf *v[3] = {0};
	int ret = 1;

	for (int i = 0; i < 3; i++) {
		uint64_t base, size;
		if (!(v[i] = alloc_in(ctx, EDU_MAX_XFER, names[i])))
			goto out;
		if (attr_u64(names[i], "phys_addr", &base) || attr_u64(names[i], "size", &size)) {
			fail("cannot read %s's phys_addr and size", names[i]);
			goto out;
		}
		uint64_t d = plbuf_device_address(v[i]);
		printf("  %s: [%#llx, +%#llx), buffer at %#llx (plbuf says bank %s)\n", names[i],
		       (unsigned long long)base, (unsigned long long)size, (unsigned long long)d,
		       plbuf_bank(v[i]));
		if (d < base || d + EDU_MAX_XFER > base + size || strcmp(plbuf_bank(v[i]), names[i])) {
			fail("the buffer asked in %s is at %#llx, outside [%#llx, +%#llx)", names[i],
			     (unsigned long long)d, (unsigned long long)base, (unsigned long long)size);
			goto out;
		}
		if (check_addresses("udmabuf", v[i], names[i]))
			goto out;
	}
	for (int i = 0; i < 3; i++) {
		plbuf_buf *s = v[i], *t = v[(i + 1) % 3];
		unsigned char *ps = plbuf_data(s), *pt = plbuf_data(t);
		fill_pattern(ps, EDU_MAX_XFER);
		memset(pt, FILL, EDU_MAX_XFER);
		plbuf_flush(s);
		plbuf_flush(t);
		printf("  DMA %s -> edu -> %s\n", names[i], names[(i + 1) % 3]);
		if (xfer(plbuf_device_address(s), plbuf_device_address(t), EDU_MAX_XFER))
			goto out;
		plbuf_invalidate(t);
		uint64_t m = first_mismatch(ps, pt, EDU_MAX_XFER);
		if (m != EDU_MAX_XFER) {
			fail("%s -> %s: byte %llu is %#x, expected %#x", names[i], names[(i + 1) % 3],
			     (unsigned long long)m, pt[m], ps[m]);
			goto out;
		}
	}
	printf("  three banks by name, three copies checked\n");
	ret = 0;
out:
	for (int i = 0; i < 3; i++)
		plbuf_free(v[i]);
	return ret;
}

/* The driver's sync commands (ioctls, or sysfs in a build without them) carry plbuf's flush
 * and invalidate: the buffer is taken as not coherent (the guest presents dma_coherent as 0) and
 * the context says sync=driver.  The driver records who owns the buffer after each command
 * (sync_owner: 1 device after sync_for_device, 0 CPU after sync_for_cpu); the data is checked
 * after a DMA between the two. */
static int sync_case(plbuf_ctx *ctx)
{
	const char *dev = "udmabuf0";
	int ret = 1;
	uint64_t owner = 9, coherent = 9;
	plbuf_buf *a = alloc_in(ctx, 3 * EDU_MAX_XFER, dev), *b = alloc_in(ctx, 3 * EDU_MAX_XFER, dev);

	if (!a || !b)
		goto out;
	attr_u64(dev, "dma_coherent", &coherent);
	printf("  %s: dma_coherent reads %llu, plbuf_coherent() %d\n", dev,
	       (unsigned long long)coherent, plbuf_coherent(a));
	if (plbuf_coherent(a)) {
		fail("plbuf takes the buffer as coherent: the driver's sync path is not taken");
		goto out;
	}
	/* plbuf cleans a fresh allocation (sync_for_device: owner 1); an invalidate gives it to the
	 * CPU, so that the flush below has a visible effect */
	if (plbuf_invalidate(a) < 0 || attr_u64(dev, "sync_owner", &owner) || owner != 0) {
		fail("after plbuf_invalidate the driver's sync_owner is %llu, not 0 (CPU): %s",
		     (unsigned long long)owner, plbuf_errmsg());
		goto out;
	}
	unsigned char *pa = plbuf_data(a), *pb = plbuf_data(b);
	fill_pattern(pa, 3 * EDU_MAX_XFER);
	memset(pb, FILL, 3 * EDU_MAX_XFER);
	/* a range in the middle, with partial lines at both ends */
	const uint64_t off = EDU_MAX_XFER + 5, len = EDU_MAX_XFER - 13;
	if (plbuf_flush(b) < 0 || plbuf_flush_range(a, (int64_t)off, (int64_t)len) < 0) {
		fail("plbuf_flush: %s", plbuf_errmsg());
		goto out;
	}
	if (attr_u64(dev, "sync_owner", &owner) || owner != 1) {
		fail("after plbuf_flush the driver's sync_owner is %llu, not 1 (device): no "
		     "sync_for_device reached the driver", (unsigned long long)owner);
		goto out;
	}
	printf("  after flush: sync_owner %llu (device)\n", (unsigned long long)owner);
	if (xfer(plbuf_device_address(a) + off, plbuf_device_address(b) + off, (uint32_t)len))
		goto out;
	if (plbuf_invalidate_range(b, (int64_t)off, (int64_t)len) < 0) {
		fail("plbuf_invalidate: %s", plbuf_errmsg());
		goto out;
	}
	if (attr_u64(dev, "sync_owner", &owner) || owner != 0) {
		fail("after plbuf_invalidate the driver's sync_owner is %llu, not 0 (CPU): no "
		     "sync_for_cpu reached the driver", (unsigned long long)owner);
		goto out;
	}
	printf("  after invalidate: sync_owner %llu (CPU)\n", (unsigned long long)owner);
	for (uint64_t i = 0; i < 3 * EDU_MAX_XFER; i++) {
		int in = i >= off && i < off + len;
		unsigned char want = in ? pa[i] : FILL;
		if (pb[i] != want) {
			fail("byte %llu is %#x, expected %#x (%s)", (unsigned long long)i, pb[i], want,
			     in ? "copied" : "untouched");
			goto out;
		}
	}
	printf("  %llu bytes copied between partial lines, all %u checked\n",
	       (unsigned long long)len, 3 * EDU_MAX_XFER);
	ret = 0;
out:
	plbuf_free(a);
	plbuf_free(b);
	return ret;
}

/* The kernel log since boot holds no oops, BUG or warning.  Returns 0, or 1 after fail(). */
static int kernel_log_clean(void)
{
	char rec[1024];
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC), n = 0;
	static const char *const bad[] = {"BUG", "Oops", "Call Trace", "WARNING", "general protection",
					  NULL};

	if (fd < 0)
		return fail("cannot read /dev/kmsg: %s", strerror(errno));
	for (;;) {
		ssize_t r = read(fd, rec, sizeof rec - 1);
		if (r < 0 && errno == EPIPE)
			continue;
		if (r <= 0)
			break;
		rec[r] = 0;
		n++;
		for (int i = 0; bad[i]; i++)
			if (strstr(rec, bad[i])) {
				close(fd);
				rec[strcspn(rec, "\n")] = 0;
				return fail("the kernel log has: %s", rec);
			}
	}
	close(fd);
	printf("  kernel log: %d records, no oops, BUG or warning\n", n);
	return 0;
}

/* u-dma-buf 5.5.0 bound behind the IOMMU: plbuf refuses before mapping, with its own message, and
 * the kernel is left as it was. */
static int refused(void)
{
	errno = 0;
	plbuf_ctx *ctx = plbuf_open("udmabuf", NULL);
	int err = errno;

	if (ctx) {
		plbuf_close(ctx);
		return fail("plbuf opened (and mapped) the buffer");
	}
	printf("  refused (%s): %s\n", strerror(err), plbuf_errmsg());
	if (err != EOPNOTSUPP || !strstr(plbuf_errmsg(), "5.4.2") ||
	    !strstr(plbuf_errmsg(), "udmabufN_bind") || !strstr(plbuf_errmsg(), "vm_insert_page"))
		return fail("expected EOPNOTSUPP naming the driver bug and the ways out, got %s: %s",
			    strerror(err), plbuf_errmsg());
	return kernel_log_clean();
}

/* No buffer at all (the guest loaded the driver with one larger than 4 MiB, whose probe failed):
 * the message says how to get one, and why this one is missing. */
static int nodev(void)
{
	errno = 0;
	plbuf_ctx *ctx = plbuf_open("udmabuf", NULL);
	int err = errno;

	if (ctx) {
		plbuf_close(ctx);
		return fail("plbuf opened a context without any u-dma-buf buffer");
	}
	printf("  %s: %s\n", strerror(err), plbuf_errmsg());
	if (err != ENODEV || !strstr(plbuf_errmsg(), "4 MiB") || !strstr(plbuf_errmsg(), "CMA") ||
	    !strstr(plbuf_errmsg(), "insmod"))
		return fail("expected ENODEV saying how to get a buffer and the 4 MiB limit without "
			    "CMA, got %s: %s", strerror(err), plbuf_errmsg());
	return 0;
}

/* Another program left a sync_mode that only SET_SYNC can store (any 8-bit value; the attribute
 * takes 0-7): plbuf must still open the device and the DMA work.  sync_mode is given back. */
static int odd_sync_mode(void)
{
	struct { uint64_t flags, size, offset; } a = {(uint64_t)200 << 8 | 3u << 2, 0, 0};
	const unsigned long set_sync = _IOW('U', 9, a); /* u-dma-buf-ioctl.h: SET_SYNC */
	uint64_t mode = 0;
	int fd = open("/dev/udmabuf1", O_RDWR | O_CLOEXEC), ret = 1;

	if (fd < 0)
		return fail("open /dev/udmabuf1: %s", strerror(errno));
	if (ioctl(fd, set_sync, &a) < 0) {
		fail("SET_SYNC(sync_mode 200): %s", strerror(errno));
		close(fd);
		return 1;
	}
	close(fd);
	if (attr_u64("udmabuf1", "sync_mode", &mode) || mode != 200)
		return fail("sync_mode reads %llu after SET_SYNC stored 200", (unsigned long long)mode);
	printf("  SET_SYNC left sync_mode %llu\n", (unsigned long long)mode);
	plbuf_ctx *ctx = open_ctx("udmabuf", "udmabuf-mode");
	if (ctx) {
		ret = roundtrip(ctx, "udmabuf", EDU_MAX_XFER, 0);
		close_ctx(ctx);
	}
	fd = open("/sys/class/u-dma-buf/udmabuf1/sync_mode", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "1\n", 2) != 2)
		ret = fail("cannot give sync_mode 1 back");
	if (fd >= 0)
		close(fd);
	return ret;
}

int udmabuf_case(const char *name)
{
	char kind[64];
	const char *p = name + strlen("udmabuf");
	int ret;

	if (*p == '-')
		p++;
	snprintf(kind, sizeof kind, "%.*s", (int)strcspn(p, "@"), p);
	if (strcmp(kind, "refused") == 0)
		return refused();
	if (strcmp(kind, "nodev") == 0)
		return nodev();
	if (strcmp(kind, "sync-mode-200") == 0)
		return odd_sync_mode();
	plbuf_ctx *ctx = open_ctx("udmabuf", strcmp(kind, "sync") == 0 ? "udmabuf-sync" : "udmabuf");
	if (!ctx)
		return 1;
	if (udmabuf_iommu) {
		/* the driver's address is an IOVA: the CPU's is not known */
		plbuf_buf *x = alloc_bytes(ctx, EDU_MAX_XFER, 0);
		uint64_t phys = x ? plbuf_physical_address(x) : 0;
		plbuf_free(x);
		if (!x || phys != PLBUF_NO_ADDRESS) {
			close_ctx(ctx);
			return x ? fail("behind the IOMMU plbuf reports physical address %#llx; it "
					"cannot know it", (unsigned long long)phys) : 1;
		}
	}
	if (!kind[0])
		ret = roundtrip(ctx, "udmabuf", EDU_MAX_XFER, 0);
	else if (strcmp(kind, "span") == 0)
		ret = roundtrip(ctx, "udmabuf", 3u << 19, 0);
	else if (strcmp(kind, "wrong-address") == 0)
		ret = negative(ctx, "udmabuf", NEG_PAGE_OFF);
	else if (strcmp(kind, "busmaster-off") == 0)
		ret = negative(ctx, "udmabuf", NEG_NO_MASTER);
	else if (strcmp(kind, "unmapped-iova") == 0)
		ret = negative(ctx, "udmabuf", NEG_UNMAPPED);
	else if (strcmp(kind, "physical-address") == 0)
		ret = negative(ctx, "udmabuf", NEG_PHYSICAL);
	else if (strcmp(kind, "banks") == 0)
		ret = banks(ctx);
	else if (strcmp(kind, "sync") == 0)
		ret = sync_case(ctx);
	else
		ret = fail("unknown case");
	close_ctx(ctx);
	return ret;
}
