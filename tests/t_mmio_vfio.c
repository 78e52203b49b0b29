/* VFIO BARs and interrupts of a vfio context's device, over the emulated VFIO of
 * tests/lib/shim_vfio.c and shim_vfio_dev.c: a mappable BAR is mapped (writes land in its
 * memory), one without VFIO_REGION_INFO_FLAG_MMAP is reached with pread/pwrite at its region
 * offset; absent BARs and contexts without a device are refused; INTx through an eventfd
 * (VFIO_DEVICE_SET_IRQS), unmasked at the next wait (after the driver has handled the device),
 * or by plbuf_irq_enable; an MSI-X vector; the interrupt disabled at
 * close.  What this proves is our reading of the kernel's interface; no real device is here. */
#include <fcntl.h>
#include <linux/vfio.h>
#include <poll.h>
#include <unistd.h>

#include "fixture.h"
#include "shim_vfio.h"
#include "shim_vfio_dev.h"
#include "test.h"

int main(void)
{
	char p[4096];
	uint32_t v;

	shim_vfio_dev_setup();
	shim_vfio_setup("0000:00:03.0", 5);
	plbuf_ctx *ctx = plbuf_open("vfio", "device=00:03.0 hugepages=0");
	CHECK(ctx);

	plbuf_mmio *bar0 = plbuf_mmio_open_vfio(ctx, 0);
	CHECK(bar0 && plbuf_mmio_length(bar0) == 4096);
	CHECK(plbuf_mmio_address(bar0) == PLBUF_NO_ADDRESS);
	CHECK(plbuf_mmio_write32(bar0, 0x40, 0x12345678) == 0);
	CHECK(plbuf_mmio_write64(bar0, 0xff8, 0xa1b2c3d4e5f60718ull) == 0);
	CHECK(pread(shim_vfio_dev.bar_fd[0], &v, 4, 0x40) == 4 && v == 0x12345678);
	CHECK(plbuf_mmio_read32(bar0, 0xffc, &v) == 0 && v == 0xa1b2c3d4);
	CHECK_ERR(plbuf_mmio_read32(bar0, 0x1000, &v), ERANGE);
	plbuf_mmio_close(bar0);

	plbuf_mmio *bar2 = plbuf_mmio_open_vfio(ctx, 2);
	CHECK(bar2 && plbuf_mmio_length(bar2) == 256);
	CHECK(plbuf_mmio_write16(bar2, 0x10, 0xbeef) == 0);
	int fd = open(fx_path(p, sizeof(p), "/dev/vfio/.device"), O_RDONLY);
	uint16_t h = 0;
	CHECK(fd >= 0 && pread(fd, &h, 2, (2ll << 40) + 0x10) == 2 && h == 0xbeef);
	close(fd);
	CHECK(plbuf_mmio_read16(bar2, 0x10, &h) == 0 && h == 0xbeef);
	CHECK_ERR(plbuf_mmio_write32(bar2, 0x100, 0), ERANGE);
	plbuf_mmio_close(bar2);

	CHECK_NULL_ERR(plbuf_mmio_open_vfio(ctx, 1), ENOENT);
	CHECK_NULL_ERR(plbuf_mmio_open_vfio(ctx, 6), EINVAL);
	plbuf_ctx *sim = plbuf_open("sim", NULL);
	CHECK_NULL_ERR(plbuf_mmio_open_vfio(sim, 0), EINVAL);
	CHECK_NULL_ERR(plbuf_irq_open_vfio(sim, 0, 0), EINVAL);
	plbuf_close(sim);

	/* INTx: the eventfd, masked by VFIO on delivery, unmasked by the wait. */
	plbuf_irq *intx = plbuf_irq_open_vfio(ctx, VFIO_PCI_INTX_IRQ_INDEX, 0);
	CHECK(intx && shim_vfio_dev.irq_fd[0][0] == plbuf_irq_fd(intx));
	CHECK_ERR(plbuf_irq_wait(intx, 10), ETIMEDOUT);
	CHECK(shim_vfio_dev_fire(0, 0) == 0);
	struct pollfd pf = {.fd = plbuf_irq_fd(intx), .events = POLLIN};
	CHECK(poll(&pf, 1, 1000) == 1);
	/* Taken: VFIO masked it; it stays masked while the driver acknowledges the device. */
	CHECK(plbuf_irq_wait(intx, 1000) == 1 && shim_vfio_dev.unmasks == 0);
	CHECK(shim_vfio_dev_fire(0, 0) == 0 && shim_vfio_dev_fire(0, 0) == 0);
	/* The next wait unmasks first. */
	CHECK(plbuf_irq_wait(intx, 1000) == 2 && shim_vfio_dev.unmasks == 1);
	CHECK(plbuf_irq_enable(intx) == 0 && shim_vfio_dev.unmasks == 2);
	plbuf_irq_close(intx);
	CHECK(shim_vfio_dev.disables == 1 && shim_vfio_dev.irq_fd[0][0] == -1);

	/* MSI-X vector 3: no unmask (edge), out-of-range vectors refused. */
	plbuf_irq *msix = plbuf_irq_open_vfio(ctx, VFIO_PCI_MSIX_IRQ_INDEX, 3);
	CHECK(msix && shim_vfio_dev.irq_fd[2][3] == plbuf_irq_fd(msix));
	CHECK(shim_vfio_dev_fire(2, 3) == 0);
	CHECK(plbuf_irq_wait(msix, 1000) == 1 && shim_vfio_dev.unmasks == 2);
	plbuf_irq_close(msix);
	CHECK_NULL_ERR(plbuf_irq_open_vfio(ctx, VFIO_PCI_MSIX_IRQ_INDEX, 4), ENOENT);
	CHECK_NULL_ERR(plbuf_irq_open_vfio(ctx, VFIO_PCI_MSI_IRQ_INDEX, 0), ENOENT);
	CHECK_NULL_ERR(plbuf_irq_open_vfio(ctx, 7, 0), EINVAL);
	plbuf_close(ctx);
	printf("vfio BARs (mapped and by pread/pwrite) and interrupts (INTx with unmask, MSI-X)\n");
	return 0;
}
