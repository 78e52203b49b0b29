/* UIO interrupts: the line is enabled (a 4-byte write of 1) at open, and after an interrupt
 * again at the start of the next wait or by plbuf_irq_enable(), never before the driver has
 * handled it (a level-triggered line would fire twice); a wait returns how many interrupts came (from UIO's event count), times out with
 * -ETIMEDOUT; the descriptor polls readable when one is pending; a driver without irqcontrol
 * (write answered ENOSYS) still delivers; errors for a missing device. */
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include "fixture.h"
#include "shim_uio.h"
#include "test.h"

int main(void)
{
	shim_uio_setup(1, "my_ip");
	int before = fx_open_fds();
	plbuf_irq *q = plbuf_irq_open_uio("my_ip");
	CHECK(q);
	CHECK(shim_uio.enables == 1);
	CHECK_ERR(plbuf_irq_wait(q, 20), ETIMEDOUT);

	shim_uio_raise(1);
	struct pollfd p = {.fd = plbuf_irq_fd(q), .events = POLLIN};
	CHECK(p.fd >= 0 && poll(&p, 1, 1000) == 1 && (p.revents & POLLIN));
	CHECK(plbuf_irq_wait(q, 1000) == 1);
	/* Taken: the line stays disabled (the driver acknowledges its IP now) ... */
	CHECK(shim_uio.enables == 1);
	CHECK(poll(&p, 1, 0) == 0);

	/* ... until the next wait enables it first.  Three interrupts before the driver looks: one
	 * wake-up, a count of three. */
	shim_uio_raise(3);
	CHECK(plbuf_irq_wait(q, 0) == 3);
	CHECK(shim_uio.enables == 2 && shim_uio.bad_writes == 0);
	/* For poll/epoll users: plbuf_irq_enable() after handling; once is enough. */
	CHECK(plbuf_irq_enable(q) == 0 && shim_uio.enables == 3);
	CHECK(plbuf_irq_enable(q) == 0 && shim_uio.enables == 3);
	CHECK_ERR(plbuf_irq_wait(q, 0), ETIMEDOUT);
	CHECK(shim_uio.enables == 3);
	plbuf_irq_close(q);
	CHECK(fx_open_fds() == before);

	/* No irqcontrol: nothing to enable, interrupts still counted. */
	shim_uio.irqcontrol = 0;
	q = plbuf_irq_open_uio("uio1");
	CHECK(q);
	shim_uio_raise(2);
	CHECK(plbuf_irq_wait(q, 1000) == 1); /* the first read after open counts as one */
	shim_uio_raise(1);
	CHECK(plbuf_irq_wait(q, 1000) == 1);
	plbuf_irq_close(q);

	/* No irqcontrol, on PCI (uio_pci_generic): its handler sets the command register's
	 * Interrupt Disable bit (bit 10: bit 2 of config byte 5); the wait clears it again. */
	char cfg[64] = {0};
	cfg[5] = 0x04 | 0x01;
	FILE *f;
	fx_write("/sys/class/uio/uio1/device/vendor", 0444, "0x1234\n");
	char cpath[4096];
	fx_path(cpath, sizeof(cpath), "/sys/class/uio/uio1/device/config");
	f = fopen(cpath, "w");
	CHECK(f && fwrite(cfg, 1, 64, f) == 64 && fclose(f) == 0);
	q = plbuf_irq_open_uio("uio1");
	CHECK(q);
	int cfd = open(cpath, O_RDWR);
	char b = 0;
	CHECK(cfd >= 0 && pread(cfd, &b, 1, 5) == 1 && b == 0x01); /* unmasked at open */
	b = 0x05;
	CHECK(pwrite(cfd, &b, 1, 5) == 1); /* the kernel's handler masks it */
	shim_uio_raise(1);
	CHECK(plbuf_irq_wait(q, 1000) == 1);
	CHECK(pread(cfd, &b, 1, 5) == 1 && b == 0x05); /* still masked: not yet handled */
	CHECK_ERR(plbuf_irq_wait(q, 10), ETIMEDOUT);
	CHECK(pread(cfd, &b, 1, 5) == 1 && b == 0x01); /* the next wait unmasked it */
	/* An interrupt that came while masked (the status register's Interrupt Status bit): the
	 * next wait takes it at once and leaves the line masked, as vfio-pci does. */
	b = 0x05;
	CHECK(pwrite(cfd, &b, 1, 5) == 1);
	shim_uio_raise(1);
	CHECK(plbuf_irq_wait(q, 1000) == 1); /* taken: masked until the next wait */
	b = 0x08;
	CHECK(pwrite(cfd, &b, 1, 6) == 1);
	CHECK(plbuf_irq_wait(q, 0) == 1);
	CHECK(pread(cfd, &b, 1, 5) == 1 && b == 0x05);
	b = 0;
	CHECK(pwrite(cfd, &b, 1, 6) == 1); /* the driver acknowledged the device */
	CHECK_ERR(plbuf_irq_wait(q, 10), ETIMEDOUT);
	CHECK(pread(cfd, &b, 1, 5) == 1 && b == 0x01);
	close(cfd);
	plbuf_irq_close(q);

	CHECK_NULL_ERR(plbuf_irq_open_uio("nothing_here"), ENOENT);
	CHECK_ERR(plbuf_irq_wait(NULL, 0), EINVAL);
	CHECK_ERR(plbuf_irq_fd(NULL), EINVAL);
	CHECK_ERR(plbuf_irq_enable(NULL), EINVAL);
	printf("uio interrupts: enable protocol, counts, poll, timeout\n");
	return 0;
}
