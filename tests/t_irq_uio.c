/* UIO interrupts: the line is enabled (a 4-byte write of 1) at open and again after each
 * interrupt; a wait returns how many interrupts came (from UIO's event count), times out with
 * -ETIMEDOUT; the descriptor polls readable when one is pending; a driver without irqcontrol
 * (write answered ENOSYS) still delivers; errors for a missing device. */
#include <poll.h>

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
	CHECK(shim_uio.enables == 2);
	CHECK(poll(&p, 1, 0) == 0);

	/* Three interrupts before the driver looks: one wake-up, a count of three. */
	shim_uio_raise(3);
	CHECK(plbuf_irq_wait(q, 0) == 3);
	CHECK(shim_uio.enables == 3 && shim_uio.bad_writes == 0);
	CHECK_ERR(plbuf_irq_wait(q, 0), ETIMEDOUT);
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

	CHECK_NULL_ERR(plbuf_irq_open_uio("nothing_here"), ENOENT);
	CHECK_ERR(plbuf_irq_wait(NULL, 0), EINVAL);
	CHECK_ERR(plbuf_irq_fd(NULL), EINVAL);
	printf("uio interrupts: enable protocol, counts, poll, timeout\n");
	return 0;
}
