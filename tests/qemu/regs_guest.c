/*
 * regs_guest.c - plbuf's register windows and interrupts against a real kernel and a real (QEMU)
 * PCI device: the guest program of tests/qemu/regs.sh.  QEMU's edu device is the IP: BAR0 holds
 * its registers (ID 0x010000ed at 0x00, liveness at 0x04 reads back the complement, factorial at
 * 0x08 with status at 0x20, interrupt status 0x24, raise 0x60, acknowledge 0x64; QEMU's
 * docs/specs/edu.rst), and it raises INTx (or MSI once enabled).
 *
 *   regs_guest CASE...        runs the cases, prints "RESULT pass|fail CASE [why]"
 *   regs_guest --exit CODE    ends the VM (isa-debug-exit)
 *
 * Cases:
 *   regs-devmem     BAR0 through /dev/mem (plbuf_mmio_open_phys), as on a board without UIO maps
 *   regs-uio-irq    edu bound to uio_pci_generic: its INTx through UIO (plbuf_irq_open_uio; the
 *                   driver has no irqcontrol, so INTx is unmasked in config space), a factorial
 *                   that raises the interrupt when done; the line is level-triggered, so arming
 *                   before the acknowledge fires again (shown)
 *   regs-vfio-bar   BAR0 through VFIO (plbuf_mmio_open_vfio): mapped by the kernel's vfio-pci
 *   regs-vfio-intx  INTx through an eventfd (VFIO_DEVICE_SET_IRQS), unmasked by the next wait
 *   regs-vfio-msi   MSI through an eventfd (not in regs.sh's list: under TCG with interrupt
 *                   remapping, QEMU 7.2 rejects edu's MSI write to 0xfee00218)
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <plbuf.h>

#include "edu.h"

#define ID 0x00
#define ALIVE 0x04
#define FACT 0x08
#define STATUS 0x20
#define IRQ_STATUS 0x24
#define IRQ_RAISE 0x60
#define IRQ_ACK 0x64
#define STATUS_BUSY 0x01
#define STATUS_IRQ 0x80

static int failed;
static char why[512];

#define NEED(cond, ...)                                                                            \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			snprintf(why, sizeof why, __VA_ARGS__);                                    \
			snprintf(why + strlen(why), sizeof why - strlen(why), " (%s: %s)", #cond,   \
				 plbuf_errmsg());                                                  \
			return -1;                                                                 \
		}                                                                                  \
	} while (0)

static uint32_t rd(plbuf_mmio *m, uint64_t off)
{
	uint32_t v = 0xdeadbeef;

	plbuf_mmio_read32(m, off, &v);
	return v;
}

/* The registers a driver uses: ID, liveness (each access reaches the device), factorial. */
static int registers(plbuf_mmio *m)
{
	uint32_t v;

	NEED(rd(m, ID) == 0x010000ed, "ID reads 0x%08x", rd(m, ID));
	for (uint32_t x = 1; x; x <<= 7) {
		NEED(plbuf_mmio_write32(m, ALIVE, x) == 0, "write");
		NEED(rd(m, ALIVE) == ~x, "liveness: wrote 0x%x, read 0x%x", x, rd(m, ALIVE));
	}
	NEED(plbuf_mmio_write32(m, STATUS, 0) == 0 && plbuf_mmio_write32(m, FACT, 10) == 0, "write");
	/* edu computes in a thread of QEMU's: on a loaded host it may not run for a while, so the
	 * wait is bounded in time (5 s), not in reads. */
	for (int i = 0; i < 50000 && (rd(m, STATUS) & STATUS_BUSY); i++)
		usleep(100);
	NEED(rd(m, FACT) == 3628800, "10! reads %u", rd(m, FACT));
	NEED(plbuf_mmio_read32(m, plbuf_mmio_length(m), &v) == -ERANGE, "a read past the window");
	NEED(plbuf_mmio_read32(m, 0x2, &v) == -EINVAL, "a misaligned read");
	return 0;
}

/* Factorial with "raise an interrupt when done": the IP's completion interrupt. */
static int fact_irq(plbuf_mmio *m, plbuf_irq *q, uint32_t n, uint32_t want)
{
	NEED(plbuf_mmio_write32(m, STATUS, STATUS_IRQ) == 0, "status");
	NEED(plbuf_mmio_write32(m, FACT, n) == 0, "start");
	int r = plbuf_irq_wait(q, 5000);
	NEED(r == 1, "%u!: wait returned %d", n, r);
	NEED(rd(m, IRQ_STATUS) == 1, "interrupt status 0x%x", rd(m, IRQ_STATUS));
	NEED(rd(m, FACT) == want, "%u! reads %u", n, rd(m, FACT));
	NEED(plbuf_mmio_write32(m, IRQ_ACK, 1) == 0, "ack");
	return 0;
}

static int bar0_phys(const struct edu *e, uint64_t *phys)
{
	char path[160];
	unsigned long long start = 0, end = 0, flags = 0;
	FILE *f;

	snprintf(path, sizeof path, "%s/resource", e->sysdir);
	f = fopen(path, "r");
	if (!f || fscanf(f, "%llx %llx %llx", &start, &end, &flags) != 3) {
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	*phys = start;
	return 0;
}

static int c_devmem(struct edu *e)
{
	uint64_t phys;

	NEED(bar0_phys(e, &phys) == 0, "no BAR0 in %s/resource", e->sysdir);
	plbuf_mmio *m = plbuf_mmio_open_phys(phys, 4096);
	NEED(m, "open /dev/mem at 0x%llx", (unsigned long long)phys);
	printf("  edu BAR0 at 0x%llx through /dev/mem\n", (unsigned long long)phys);
	int r = registers(m);
	plbuf_mmio_close(m);
	return r;
}

static int c_uio_irq(struct edu *e)
{
	uint64_t phys;
	int r;

	NEED(bar0_phys(e, &phys) == 0, "no BAR0");
	plbuf_mmio *m = plbuf_mmio_open_phys(phys, 4096);
	NEED(m, "BAR0 through /dev/mem");
	plbuf_irq *q = plbuf_irq_open_uio("uio_pci_generic"); /* uio0's name */
	NEED(q, "open uio_pci_generic's interrupt");
	NEED(plbuf_irq_wait(q, 100) == -ETIMEDOUT, "an interrupt before any was raised");
	if ((r = fact_irq(m, q, 5, 120)) < 0 || (r = fact_irq(m, q, 12, 479001600)) < 0)
		return r;
	/* Level-triggered: raised and not yet acknowledged, the line stays up.  Armed again before
	 * the acknowledge, it fires again at once: why plbuf arms at the next wait, not at the end
	 * of this one. */
	NEED(plbuf_mmio_write32(m, IRQ_RAISE, 4) == 0, "raise");
	NEED(plbuf_irq_wait(q, 5000) == 1, "raised interrupt");
	NEED(plbuf_irq_enable(q) == 0, "enable before the acknowledge");
	r = plbuf_irq_wait(q, 1000);
	NEED(r == 1, "a level line armed before its acknowledge fires again (wait: %d)", r);
	NEED(plbuf_mmio_write32(m, IRQ_ACK, 4) == 0, "ack");
	r = plbuf_irq_wait(q, 300);
	NEED(r == -ETIMEDOUT, "acknowledged, then armed by the wait: nothing more (wait: %d)", r);
	/* Pollable. */
	struct pollfd p = {.fd = plbuf_irq_fd(q), .events = POLLIN};
	NEED(plbuf_mmio_write32(m, IRQ_RAISE, 8) == 0, "raise");
	NEED(poll(&p, 1, 5000) == 1, "poll");
	NEED(plbuf_irq_wait(q, 0) == 1 && plbuf_mmio_write32(m, IRQ_ACK, 8) == 0, "wait(0)");
	printf("  uio_pci_generic INTx: completion interrupts, level semantics, poll\n");
	plbuf_irq_close(q);
	plbuf_mmio_close(m);
	return 0;
}

static plbuf_ctx *vfio_ctx(struct edu *e)
{
	char opts[96];

	snprintf(opts, sizeof opts, "device=%s hugepages=0", e->bdf);
	return plbuf_open("vfio", opts);
}

static int c_vfio_bar(struct edu *e)
{
	plbuf_ctx *ctx = vfio_ctx(e);
	NEED(ctx, "vfio context");
	plbuf_mmio *m = plbuf_mmio_open_vfio(ctx, 0);
	NEED(m && plbuf_mmio_length(m) == 1 << 20, "BAR0 (edu's is 1 MiB)");
	printf("  edu BAR0 through VFIO: %llu bytes\n", (unsigned long long)plbuf_mmio_length(m));
	int r = registers(m);
	plbuf_mmio_close(m);
	NEED(plbuf_mmio_open_vfio(ctx, 1) == NULL && errno == ENOENT, "edu has no BAR1");
	plbuf_close(ctx);
	return r;
}

static int c_vfio_irq(struct edu *e, int index)
{
	plbuf_ctx *ctx = vfio_ctx(e);
	NEED(ctx, "vfio context");
	plbuf_mmio *m = plbuf_mmio_open_vfio(ctx, 0);
	NEED(m, "BAR0");
	plbuf_irq *q = plbuf_irq_open_vfio(ctx, index, 0);
	NEED(q, "interrupt index %d", index);
	int r = 0;
	for (uint32_t n = 3; n < 8 && r == 0; n++) {
		uint32_t f = 1;
		for (uint32_t i = 2; i <= n; i++)
			f *= i;
		r = fact_irq(m, q, n, f); /* each wait after the first unmasks (INTx) first */
	}
	plbuf_irq_close(q);
	plbuf_mmio_close(m);
	plbuf_close(ctx);
	if (r == 0)
		printf("  vfio %s: five completion interrupts through the eventfd\n",
		       index ? "MSI" : "INTx");
	return r;
}

int main(int argc, char **argv)
{
	struct edu e;

	if (argc == 3 && strcmp(argv[1], "--exit") == 0) {
		edu_debug_exit((unsigned)strtoul(argv[2], NULL, 0));
		return 1;
	}
	if (edu_open(&e, 0) < 0) {
		for (int i = 1; i < argc; i++)
			printf("RESULT fail %s no edu device\n", argv[i]);
		return 1;
	}
	for (int i = 1; i < argc; i++) {
		const char *c = argv[i];
		int r;

		why[0] = 0;
		if (!strcmp(c, "regs-devmem"))
			r = c_devmem(&e);
		else if (!strcmp(c, "regs-uio-irq"))
			r = c_uio_irq(&e);
		else if (!strcmp(c, "regs-vfio-bar"))
			r = c_vfio_bar(&e);
		else if (!strcmp(c, "regs-vfio-intx"))
			r = c_vfio_irq(&e, 0);
		else if (!strcmp(c, "regs-vfio-msi"))
			r = c_vfio_irq(&e, 1);
		else {
			r = -1;
			snprintf(why, sizeof why, "unknown case");
		}
		printf("RESULT %s %s%s%s\n", r == 0 ? "pass" : "fail", c, r ? " " : "", r ? why : "");
		failed |= r != 0;
		fflush(stdout);
	}
	return failed;
}
