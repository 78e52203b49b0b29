/* vfio's failures over an emulated VFIO type1, each a clear message and nothing left behind (no
 * mapping, no descriptor) with the context still usable: IOVA space exhausted; an empty IOVA
 * window; RLIMIT_MEMLOCK (as an unprivileged user); dma_entry_limit; a group that is not viable;
 * no type1 driver; failing ioctls at each step of the open sequence. */
#include <linux/vfio.h>

#include "fixture.h"
#include "shim_vfio.h"
#include "test.h"

#define BDF "0000:00:03.0"

static int memlock_child(void *arg)
{
	int64_t mb2[1] = {2 << 20};
	plbuf_ctx *ctx;

	(void)arg;
	shim_vfio.lock_limit = 4 << 20;
	ctx = plbuf_open("vfio", "device=" BDF " hugepages=0");
	if (!ctx) {
		fprintf(stderr, "child open: %s\n", plbuf_errmsg());
		return 1;
	}
	plbuf_buf *a = plbuf_allocate(ctx, 1, mb2, "u1", NULL);
	plbuf_buf *b = plbuf_allocate(ctx, 1, mb2, "u1", NULL);
	errno = 0;
	plbuf_buf *c = plbuf_allocate(ctx, 1, mb2, "u1", NULL);
	int e = errno;
	printf("as nobody: %s\n", plbuf_errmsg());
	int ok = a && b && !c && e == ENOMEM && strstr(plbuf_errmsg(), "RLIMIT_MEMLOCK") &&
		 strstr(plbuf_errmsg(), "ulimit -l") && shim_vfio.nmaps == 2;
	plbuf_close(ctx);
	return ok && shim_vfio.nmaps == 0 ? 0 : 2;
}

static void open_fails(const char *opts, int err, const char *words)
{
	CHECK_NULL_ERR(plbuf_open("vfio", opts), err);
	printf("%s\n", plbuf_errmsg());
	CHECK(strstr(plbuf_errmsg(), words));
	CHECK(shim_vfio_open_fds() == 0 && shim_vfio.nmaps == 0);
}

int main(void)
{
	int64_t mb2[1] = {2 << 20};

#if defined(__arm__)
	/* ARMv7 user space can neither flush cached memory nor map it uncached: vfio there serves
	 * coherent devices only. */
	setenv("PLBUF_OPTIONS", "coherent=1", 1);
#endif

	/* 4 MiB of IOVA space: two 2 MiB buffers, then none; one freed, one again. */
	shim_vfio_setup(BDF, 5);
	plbuf_ctx *ctx = plbuf_open("vfio", "device=" BDF " iova_limit=0x4fffff hugepages=0");
	CHECK(ctx);
	plbuf_buf *a = plbuf_allocate(ctx, 1, mb2, "u1", NULL), *b = plbuf_allocate(ctx, 1, mb2, "u1", NULL);
	CHECK(a && b);
	CHECK_NULL_ERR(plbuf_allocate(ctx, 1, mb2, "u1", NULL), ENOMEM);
	printf("%s\n", plbuf_errmsg());
	CHECK(strstr(plbuf_errmsg(), "IOVA space exhausted") && strstr(plbuf_errmsg(), "iova_limit"));
	CHECK(shim_vfio.nmaps == 2);
	CHECK(plbuf_free(a) == 0);
	a = plbuf_allocate(ctx, 1, mb2, "u1", NULL);
	CHECK(a);
	plbuf_close(ctx);
	CHECK(shim_vfio.nmaps == 0 && shim_vfio_open_fds() == 0);
	shim_vfio_setup(BDF, 5); /* the emulation cannot see close(): a fresh group each time */
	open_fails("device=" BDF " iova_base=0xfee00000 iova_limit=0xfeefffff", EINVAL,
		   "no valid IOVA between");

	/* RLIMIT_MEMLOCK: enforced for a process without CAP_IPC_LOCK. */
	shim_vfio_setup(BDF, 5);
	CHECK(fx_run_unprivileged(memlock_child, NULL) == 0);

	/* dma_entry_limit. */
	shim_vfio_setup(BDF, 5);
	shim_vfio.entry_limit = 2;
	ctx = plbuf_open("vfio", "device=" BDF " hugepages=0");
	CHECK(ctx);
	a = plbuf_allocate(ctx, 1, mb2, "u1", NULL);
	b = plbuf_allocate(ctx, 1, mb2, "u1", NULL);
	CHECK(a && b);
	CHECK_NULL_ERR(plbuf_allocate(ctx, 1, mb2, "u1", NULL), ENOMEM);
	printf("%s\n", plbuf_errmsg());
	CHECK(strstr(plbuf_errmsg(), "dma_entry_limit"));
	plbuf_close(ctx);
	CHECK(shim_vfio.nmaps == 0 && shim_vfio_open_fds() == 0);

	/* A group that is not viable names its devices and their drivers. */
	shim_vfio_setup(BDF, 5);
	shim_vfio.viable = 0;
	fx_symlink("../../../../devices/pci0000:00/0000:00:03.1", "/sys/kernel/iommu_groups/5/devices/0000:00:03.1");
	fx_mkdir("/sys/bus/pci/drivers/snd_hda_intel");
	fx_symlink("../../../bus/pci/drivers/snd_hda_intel", "/sys/devices/pci0000:00/0000:00:03.1/driver");
	open_fails("device=" BDF, EBUSY, "0000:00:03.1 (snd_hda_intel)");
	CHECK(strstr(plbuf_errmsg(), "not viable"));

	/* No type1 driver in VFIO. */
	shim_vfio_setup(BDF, 5);
	shim_vfio.type1 = shim_vfio.type1v2 = 0;
	open_fails("device=" BDF, EOPNOTSUPP, "vfio_iommu_type1");
	/* type1 without v2 is enough. */
	shim_vfio_setup(BDF, 5);
	shim_vfio.type1v2 = 0;
	ctx = plbuf_open("vfio", "device=" BDF);
	CHECK(ctx);
	plbuf_close(ctx);
	/* No capability chain (kernels before 5.4): still works, and on x86 the MSI window is still
	 * avoided (elsewhere only the kernel's ranges can say where the MSI doorbell is). */
	shim_vfio_setup(BDF, 5);
	shim_vfio.caps = 0;
	ctx = plbuf_open("vfio", "device=" BDF " iova_base=0xfee00000 hugepages=0");
	CHECK(ctx);
#if defined(__x86_64__) || defined(__i386__)
	a = plbuf_allocate(ctx, 1, mb2, "u1", NULL);
	CHECK(a && plbuf_device_address(a) >= 0xfef00000);
#endif
	plbuf_close(ctx);

	/* Each ioctl of the open sequence failing in turn. */
	static const struct { unsigned long req; const char *name; } steps[] = {
		{VFIO_GET_API_VERSION, "VFIO_GET_API_VERSION"},
		{VFIO_GROUP_GET_STATUS, "VFIO_GROUP_GET_STATUS"},
		{VFIO_GROUP_SET_CONTAINER, "VFIO_GROUP_SET_CONTAINER"},
		{VFIO_SET_IOMMU, "VFIO_SET_IOMMU"},
		{VFIO_IOMMU_GET_INFO, "VFIO_IOMMU_GET_INFO"},
		{VFIO_GROUP_GET_DEVICE_FD, "VFIO_GROUP_GET_DEVICE_FD"},
	};
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		shim_vfio_setup(BDF, 5);
		fx_fail_ioctl(steps[i].req, EIO, 1);
		open_fails("device=" BDF, EIO, steps[i].name);
	}
	/* A failing MAP_DMA: nothing mapped, the memory and the IOVAs given back. */
	shim_vfio_setup(BDF, 5);
	ctx = plbuf_open("vfio", "device=" BDF " hugepages=0");
	CHECK(ctx);
	fx_fail_ioctl(VFIO_IOMMU_MAP_DMA, EFAULT, 1);
	CHECK_NULL_ERR(plbuf_allocate(ctx, 1, mb2, "u1", NULL), EFAULT);
	CHECK(strstr(plbuf_errmsg(), "VFIO_IOMMU_MAP_DMA"));
	a = plbuf_allocate(ctx, 1, mb2, "u1", NULL);
	CHECK(a && plbuf_device_address(a) == 0x100000);
	plbuf_close(ctx);
	CHECK(shim_vfio.nmaps == 0 && shim_vfio_open_fds() == 0);
	return 0;
}
