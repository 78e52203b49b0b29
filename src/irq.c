/*
 * irq.c - an IP's interrupt, waited for with a timeout or polled: UIO's read/enable protocol, a
 * VFIO eventfd, or a sim device model's line (src/sim_regs.c).
 *
 * Each kind has a descriptor that polls readable while an interrupt is pending (/dev/uioN, the
 * eventfd, the line's FIFO), so one wait loop serves them all: arm, poll, then take what is pending
 * (UIO: the 4-byte event count; VFIO: the 8-byte eventfd count; sim: the counter).
 *
 * Arming (UIO: write 1 when the driver has irqcontrol; VFIO INTx: unmask, as VFIO masks it on
 * delivery) happens when the line opens and then at the start of the next wait, never at the end
 * of one: a level-triggered line (a Zynq PL interrupt, PCI INTx) stays asserted until the driver
 * has acknowledged the IP, so unmasking before that would deliver the same interrupt again.  Not
 * lost either way: a level line still asserted fires when unmasked, and the kernel replays an edge
 * that came while the line was disabled.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/vfio.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "context.h"
#include "os/sys.h"
#include "sim_regs.h"

#define IRQ_MAGIC 0x69727121u /* "irq!" */

enum irq_kind { IRQ_UIO, IRQ_VFIO, IRQ_SIM };

struct plbuf_irq {
	uint32_t magic;
	enum irq_kind kind;
	int fd;                 /* what poll() watches */
	int vfio_fd;            /* VFIO: the device fd (the context's) */
	uint32_t index, vector; /* VFIO: irq index and sub-index */
	int automasked;         /* VFIO INTx: unmask after each interrupt */
	int armed;              /* enabled / unmasked since the last interrupt taken */
	int no_irqcontrol;      /* UIO: the driver cannot enable (write answered ENOSYS) */
	int cfg_fd;             /* UIO on PCI (uio_pci_generic): the device's config space */
	int pending;            /* UIO on PCI: an interrupt found pending while masked */
	int64_t last;           /* UIO: the last event count read (-1: none yet) */
	struct plbuf__simirq *sim;
	char what[64];
};

int plbuf__uio_number(const char *dev); /* mmio.c */

static struct plbuf_irq *irq_new(enum irq_kind kind)
{
	struct plbuf_irq *q = calloc(1, sizeof(*q));

	if (!q)
		return plbuf__errp(ENOMEM, "out of process memory");
	q->magic = IRQ_MAGIC;
	q->kind = kind;
	q->fd = q->vfio_fd = q->cfg_fd = -1;
	q->last = -1;
	return q;
}

/* Arms the interrupt again: what UIO and VFIO INTx need after each delivery. */
static int rearm(struct plbuf_irq *q)
{
	if (q->armed)
		return 0;
	q->armed = 1;
	if (q->kind == IRQ_UIO && !q->no_irqcontrol) {
		int32_t one = 1;

		if (plbuf__sys_write(q->fd, &one, sizeof(one)) == (ssize_t)sizeof(one))
			return 0;
		if (errno != ENOSYS) {
			q->armed = 0;
			return plbuf__err(errno, "irq: cannot enable %s (write of 1): %s", q->what,
					  strerror(errno));
		}
		q->no_irqcontrol = 1; /* the driver has no irqcontrol */
	}
	if (q->kind == IRQ_UIO && q->no_irqcontrol && q->cfg_fd >= 0) {
		/* uio_pci_generic has no irqcontrol: its handler masks INTx with the command
		 * register's Interrupt Disable bit (bit 10), and user space clears it in config
		 * space (the kernel's UIO howto).  An interrupt that came while masked is in the
		 * status register's Interrupt Status bit: unmasking then raises a level the
		 * interrupt controller may not take as new (QEMU's does not), so it is taken here,
		 * as vfio-pci does with pci_check_and_unmask_intx(), and the line stays masked until
		 * the driver has acknowledged the device. */
		uint8_t cs[4];
		ssize_t r = plbuf__sys_pread(q->cfg_fd, cs, 4, 4);

		if (r == 4 && (cs[2] & 0x08)) {
			q->pending = 1;
			return 0;
		}
		if (r == 4 && (cs[1] & 0x4)) {
			cs[1] &= (uint8_t)~0x4;
			r = plbuf__sys_pwrite(q->cfg_fd, &cs[1], 1, 5) == 1 ? 4 : -1;
		}
		if (r != 4) {
			int e = r < 0 ? errno : EIO;

			q->armed = 0;
			return plbuf__err(e, "irq: cannot unmask %s's INTx in PCI config space: %s",
					  q->what, strerror(e));
		}
	}
	if (q->kind == IRQ_VFIO && q->automasked) {
		struct vfio_irq_set set = {
			.argsz = sizeof(set),
			.flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_UNMASK,
			.index = q->index, .start = q->vector, .count = 1,
		};

		if (plbuf__sys_ioctl(q->vfio_fd, VFIO_DEVICE_SET_IRQS, &set) < 0) {
			q->armed = 0;
			return plbuf__err(errno, "irq: cannot unmask %s (VFIO_DEVICE_SET_IRQS): %s",
					  q->what, strerror(errno));
		}
	}
	return 0;
}

PLBUF_EXPORT plbuf_irq *plbuf_irq_open_uio(const char *dev)
{
	char node[64], path[4096];
	struct plbuf_irq *q;
	int n = plbuf__uio_number(dev), err;

	if (n < 0)
		return NULL;
	q = irq_new(IRQ_UIO);
	if (!q)
		return NULL;
	snprintf(q->what, sizeof(q->what), "uio%d's interrupt", n);
	snprintf(node, sizeof(node), "/dev/uio%d", n);
	plbuf__path(path, sizeof(path), node);
	q->fd = plbuf__sys_open(path, O_RDWR | O_NONBLOCK, 0);
	if (q->fd < 0) {
		err = errno;
		free(q);
		return plbuf__errp(err, "irq: cannot open %s: %s", path, strerror(err));
	}
	/* A UIO device on PCI: its config space, to unmask INTx when the driver cannot. */
	snprintf(node, sizeof(node), "/sys/class/uio/uio%d/device/config", n);
	q->cfg_fd = plbuf__sys_open(plbuf__path(path, sizeof(path), node), O_RDWR, 0);
	/* The new descriptor counts from the device's count now: only later interrupts wake it. */
	if (rearm(q) < 0) {
		err = errno;
		close(q->fd);
		if (q->cfg_fd >= 0)
			close(q->cfg_fd);
		free(q);
		errno = err;
		return NULL;
	}
	/* Without irqcontrol and without config space, nothing is to be armed. */
	return q;
}

PLBUF_EXPORT plbuf_irq *plbuf_irq_open_vfio(plbuf_ctx *ctx, int index, int vector)
{
	struct vfio_irq_info info = {.argsz = sizeof(info)};
	/* The set and its one eventfd, as VFIO reads them: a flexible array member cannot sit
	 * inside a struct in ISO C, so the request is bytes, aligned for the set. */
	_Alignas(struct vfio_irq_set) unsigned char req[sizeof(struct vfio_irq_set) + sizeof(int32_t)];
	struct vfio_irq_set *set = (struct vfio_irq_set *)req;
	struct plbuf_irq *q;
	int dfd = plbuf_vfio_device_fd(ctx), err;

	if (dfd < 0)
		return plbuf__errp(EINVAL, "irq: not a vfio context opened with device=");
	if (index < VFIO_PCI_INTX_IRQ_INDEX || index > VFIO_PCI_MSIX_IRQ_INDEX || vector < 0)
		return plbuf__errp(EINVAL, "irq: VFIO interrupt index %d vector %d: index is 0 (INTx), "
				   "1 (MSI) or 2 (MSI-X)", index, vector);
	info.index = (uint32_t)index;
	if (plbuf__sys_ioctl(dfd, VFIO_DEVICE_GET_IRQ_INFO, &info) < 0)
		return plbuf__errp(errno, "irq: VFIO_DEVICE_GET_IRQ_INFO of index %d failed: %s", index,
				   strerror(errno));
	if ((uint32_t)vector >= info.count || !(info.flags & VFIO_IRQ_INFO_EVENTFD))
		return plbuf__errp(ENOENT, "irq: the device has %u interrupt(s) of index %d%s; vector %d "
				   "does not exist", info.count, index,
				   info.flags & VFIO_IRQ_INFO_EVENTFD ? "" : " (none signals an eventfd)",
				   vector);
	q = irq_new(IRQ_VFIO);
	if (!q)
		return NULL;
	snprintf(q->what, sizeof(q->what), "VFIO interrupt %d.%d", index, vector);
	q->vfio_fd = dfd;
	q->index = (uint32_t)index;
	q->vector = (uint32_t)vector;
	q->automasked = (info.flags & VFIO_IRQ_INFO_AUTOMASKED) != 0;
	q->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (q->fd < 0) {
		err = errno;
		free(q);
		return plbuf__errp(err, "irq: eventfd: %s", strerror(err));
	}
	memset(req, 0, sizeof(req));
	set->argsz = sizeof(req);
	set->flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	set->index = q->index;
	set->start = q->vector;
	set->count = 1;
	memcpy(set->data, &q->fd, sizeof(int32_t));
	if (plbuf__sys_ioctl(dfd, VFIO_DEVICE_SET_IRQS, req) < 0) {
		err = errno;
		close(q->fd);
		free(q);
		return plbuf__errp(err, "irq: VFIO_DEVICE_SET_IRQS (eventfd for interrupt %d.%d) failed: "
				   "%s", index, vector, strerror(err));
	}
	q->armed = 1; /* a new trigger starts unmasked */
	return q;
}

/* Shaped like plbuf_mmio_open_sim (make, open the model's end, free keeping errno) on purpose:
 * each owns a different handle and model, and the shared part is only the error path. */
PLBUF_EXPORT plbuf_irq *plbuf_irq_open_sim(plbuf_ctx *ctx, int line)
{
	struct plbuf_irq *q = irq_new(IRQ_SIM);

	if (!q)
		return NULL;
	q->sim = plbuf__simirq_open(ctx, line, &q->fd);
	if (!q->sim) {
		int e = errno;

		free(q);
		errno = e;
		return NULL;
	}
	snprintf(q->what, sizeof(q->what), "sim interrupt %d", line);
	q->armed = 1; /* a model's line needs no arming */
	return q;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* What is pending now: > 0 interrupts, 0 none (a spurious wake-up), or -errno. */
static int take(struct plbuf_irq *q)
{
	if (q->kind == IRQ_SIM)
		return (int)plbuf__simirq_take(q->sim);
	if (q->kind == IRQ_VFIO) {
		uint64_t n;

		if (plbuf__sys_read(q->fd, &n, sizeof(n)) != (ssize_t)sizeof(n))
			return errno == EAGAIN ? 0 : plbuf__err(errno, "irq: read of %s's eventfd: %s",
							       q->what, strerror(errno));
		return n > INT32_MAX ? INT32_MAX : (int)n;
	}
	uint32_t count;
	ssize_t r = plbuf__sys_read(q->fd, &count, sizeof(count));

	if (r < 0)
		return errno == EAGAIN ? 0 : plbuf__err(errno, "irq: read of %s: %s", q->what,
						       strerror(errno));
	if (r != (ssize_t)sizeof(count))
		return plbuf__err(EIO, "irq: read of %s gave %zd bytes, not UIO's 4-byte count", q->what,
				  r);
	/* UIO gives the device's total; the first read since open counts as one. */
	int n = q->last < 0 ? 1 : (int)(uint32_t)(count - (uint32_t)q->last);

	q->last = count;
	return n > 0 ? n : 1;
}

PLBUF_EXPORT int plbuf_irq_wait(plbuf_irq *q, int timeout_ms)
{
	int64_t end = now_ms() + (timeout_ms < 0 ? 0 : timeout_ms);

	if (!q || q->magic != IRQ_MAGIC)
		return plbuf__err(EINVAL, "plbuf_irq_wait: not an open interrupt");
	int err = rearm(q);

	if (err < 0)
		return err;
	if (q->pending) { /* found pending at the unmask: delivered now */
		q->pending = 0;
		q->armed = 0;
		return 1;
	}
	for (;;) {
		struct pollfd p = {.fd = q->fd, .events = POLLIN};
		int left = timeout_ms < 0 ? -1 : (int)(end - now_ms() > 0 ? end - now_ms() : 0);
		int r = poll(&p, 1, left), n;

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return plbuf__err(errno, "irq: poll of %s: %s", q->what, strerror(errno));
		if (r == 0)
			return plbuf__err(ETIMEDOUT, "irq: %s did not fire within %d ms", q->what,
					  timeout_ms);
		if (p.revents & (POLLERR | POLLNVAL))
			return plbuf__err(EIO, "irq: %s: the descriptor reports an error (device gone?)",
					  q->what);
		if ((n = take(q)) < 0)
			return n;
		if (n == 0)
			continue;
		/* UIO's and VFIO's INTx are masked now, until the next wait or plbuf_irq_enable(). */
		q->armed = q->kind == IRQ_SIM ||
			   (q->kind == IRQ_UIO && q->no_irqcontrol && q->cfg_fd < 0) ||
			   (q->kind == IRQ_VFIO && !q->automasked);
		return n;
	}
}

PLBUF_EXPORT int plbuf_irq_enable(plbuf_irq *q)
{
	if (!q || q->magic != IRQ_MAGIC)
		return plbuf__err(EINVAL, "plbuf_irq_enable: not an open interrupt");
	return rearm(q);
}

PLBUF_EXPORT int plbuf_irq_fd(const plbuf_irq *q)
{
	if (!q || q->magic != IRQ_MAGIC)
		return plbuf__err(EINVAL, "plbuf_irq_fd: not an open interrupt");
	return q->fd;
}

PLBUF_EXPORT void plbuf_irq_close(plbuf_irq *q)
{
	if (!q || q->magic != IRQ_MAGIC)
		return;
	q->magic = 0;
	if (q->kind == IRQ_VFIO) {
		struct vfio_irq_set set = {
			.argsz = sizeof(set),
			.flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER,
			.index = q->index, .start = q->vector, .count = 0,
		};

		plbuf__sys_ioctl(q->vfio_fd, VFIO_DEVICE_SET_IRQS, &set); /* disables the interrupt */
	}
	if (q->kind == IRQ_SIM)
		plbuf__simirq_close(q->sim);
	else
		close(q->fd);
	if (q->cfg_fd >= 0)
		close(q->cfg_fd);
	free(q);
}
