/* Fault injection, registers and interrupts: every system call of a life of register windows and
 * interrupts (a UIO map and its interrupt, a /dev/mem window, a sim device model with a window
 * served by callbacks and an interrupt line) fails in turn, with its usual errno and then with
 * EINTR.  Each failure is clean (NULL or a negative errno, and a message), leaves no descriptor,
 * mapping or /dev/shm file behind, and what opened still works.  Built only with FAULT=1. */
#include <dirent.h>
#include <unistd.h>

#include "fault.h"
#include "fixture.h"
#include "shim_uio.h"
#include "test.h"

static uint32_t reg;

static int rd(void *arg, uint64_t off, int width, uint64_t *v)
{
	*v = reg;
	return 0;
}

static int wr(void *arg, uint64_t off, int width, uint64_t v)
{
	reg = (uint32_t)v;
	return plbuf_sim_model_irq(arg, 1) < 0 ? -EIO : 0;
}

static int shm_files(void)
{
	char prefix[64];
	DIR *d = opendir("/dev/shm");
	struct dirent *e;
	int n = 0;

	snprintf(prefix, sizeof(prefix), "plbuf-sim-%d-", (int)getpid());
	while (d && (e = readdir(d)) != NULL)
		n += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
	if (d)
		closedir(d);
	return n;
}

#define CLEAN(cond)                                                                                \
	do {                                                                                       \
		if (!(cond) && !plbuf_errmsg()[0]) {                                               \
			fprintf(stderr, "%s:%d: %s failed without a message\n", __FILE__, __LINE__, \
				#cond);                                                            \
			exit(1);                                                                   \
		}                                                                                  \
	} while (0)

/* One life; every step may fail (cleanly), the others still run. */
static void life(plbuf_ctx *ctx)
{
	uint32_t v;
	plbuf_mmio *m = plbuf_mmio_open_uio("ipmap", 0);

	CLEAN(m);
	if (m) {
		CLEAN(plbuf_mmio_write32(m, 4, 5) == 0);
		CLEAN(plbuf_mmio_read32(m, 4, &v) == 0);
		plbuf_mmio_close(m);
	}
	plbuf_irq *q = plbuf_irq_open_uio("ip");
	CLEAN(q);
	if (q) {
		shim_uio_raise(1);
		int r = plbuf_irq_wait(q, 1000);
		CLEAN(r >= 1);
		plbuf_irq_close(q);
	}
	m = plbuf_mmio_open_phys(0x10000, 0x100);
	CLEAN(m);
	plbuf_mmio_close(m);

	plbuf_sim_model *model = plbuf_sim_model_open(plbuf_sim_name(ctx));
	CLEAN(model);
	if (!model)
		return;
	struct plbuf_sim_window_ops ops = {rd, wr};
	int w = plbuf_sim_model_window(model, "r", 16, &ops, model);
	CLEAN(w >= 0);
	m = plbuf_mmio_open_sim(ctx, "r");
	CLEAN(m);
	q = plbuf_irq_open_sim(ctx, 1);
	CLEAN(q);
	if (m && plbuf_mmio_write32(m, 0, 7) == 0 && q)
		CLEAN(plbuf_irq_wait(q, 1000) >= 1);
	plbuf_irq_close(q);
	plbuf_mmio_close(m);
	plbuf_sim_model_close(model);
}

int main(void)
{
	if (!fault_available())
		SKIP("the library was built without FAULT=1");
	fx_file("/dev/mem", 0600, 0x20000);
	shim_uio_setup(0, "ip"); /* the interrupt: /dev/uio0 is a FIFO */
	/* The registers: a second device, whose node is a regular file that can be mapped. */
	fx_write("/sys/class/uio/uio1/name", 0444, "ipmap\n");
	fx_write("/sys/class/uio/uio1/maps/map0/addr", 0444, "0xa0000000\n");
	fx_write("/sys/class/uio/uio1/maps/map0/size", 0444, "0x100\n");
	fx_file("/dev/uio1", 0666, 4096);
	plbuf_ctx *ctx = plbuf_open("sim", "banks=A@0x100000:1M");
	CHECK(ctx);
	int files = shm_files();
	long failed = 0;

	for (int pass = 0; pass < 2; pass++)
		for (long k = 1;; k++) {
			struct fault_state before, after;
			char why[256];

			fault_snapshot(&before);
			fault_arm(FAULT_ANY, k, pass ? EINTR : 0, 1);
			life(ctx);
			long fired = fault_fired();

			fault_reset();
			fault_snapshot(&after);
			if (fault_compare(&before, &after, why, sizeof(why))) {
				fprintf(stderr, "call %ld failing: %s\n", k, why);
				return 1;
			}
			if (shm_files() != files) {
				fprintf(stderr, "call %ld failing: %d files in /dev/shm, %d before\n", k,
					shm_files(), files);
				return 1;
			}
			if (!fired)
				break;
			failed++;
		}
	life(ctx); /* and everything works again */
	plbuf_close(ctx);
	printf("registers and interrupts: %ld failing calls, each clean\n", failed);
	return 0;
}
