/* A device model in another process: the child serves window "regs" by next/reply (as an RTL
 * simulator does, answering when it likes) and window "cb" by callbacks through serve().  The
 * parent's accesses travel through the register file's mailboxes: values of every width, two
 * driver threads at once, a bus error, an interrupt raised by the child, a model that does not
 * answer (-ETIMEDOUT after PLBUF_SIM_REG_TIMEOUT), a model that died (-EIO at once) and whose
 * files the next model takes over. */
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"

static uint64_t cb_regs[8];

static int cb_read(void *arg, uint64_t off, int width, uint64_t *v)
{
	*v = cb_regs[off / 8] >> (8 * (off % 8));
	return 0;
}

static int cb_write(void *arg, uint64_t off, int width, uint64_t v)
{
	uint64_t mask = width == 8 ? ~0ull : ((1ull << (8 * width)) - 1) << (8 * (off % 8));

	cb_regs[off / 8] = (cb_regs[off / 8] & ~mask) | ((v << (8 * (off % 8))) & mask);
	return 0;
}

/* The child: 0x100 bytes of registers; offset 0xf0 raises line 1; 0xf8 is a bus error; after a
 * write to 0xe0 it stops answering "regs" (a hung slave). */
static int child(const char *name, int ready)
{
	static uint8_t mem[0x100];
	plbuf_sim_model *m = plbuf_sim_model_open(name);
	struct plbuf_sim_window_ops ops = {cb_read, cb_write};
	int hung = 0;

	if (!m || plbuf_sim_model_window(m, "regs", 0x100, NULL, NULL) != 0 ||
	    plbuf_sim_model_window(m, "cb", 0x40, &ops, NULL) != 1)
		return 2;
	if (write(ready, "r", 1) != 1)
		return 3;
	for (;;) {
		struct plbuf_sim_access a;
		int r = plbuf_sim_model_next(m, &a, 1);

		plbuf_sim_model_serve(m, r == 1 ? 0 : 1);
		if (r != 1 || hung)
			continue;
		if (a.offset == 0xf8) {
			plbuf_sim_model_reply(m, &a, 0, -EINVAL);
			continue;
		}
		if (a.write) {
			memcpy(mem + a.offset, &a.value, (size_t)a.width);
			if (a.offset == 0xf0)
				plbuf_sim_model_irq(m, 1);
			if (a.offset == 0xe0)
				hung = 1;
			plbuf_sim_model_reply(m, &a, 0, 0);
		} else {
			uint64_t v = 0;

			memcpy(&v, mem + a.offset, (size_t)a.width);
			plbuf_sim_model_reply(m, &a, v, 0);
		}
	}
}

static plbuf_mmio *regs;

static void *hammer(void *arg)
{
	uint32_t base = (uint32_t)(uintptr_t)arg, v;

	for (uint32_t i = 0; i < 500; i++) {
		if (plbuf_mmio_write32(regs, base, base + i) != 0 || plbuf_mmio_read32(regs, base, &v) != 0 ||
		    v != base + i)
			return (void *)1;
	}
	return NULL;
}

int main(void)
{
	int p[2];
	plbuf_ctx *ctx = plbuf_open("sim", NULL);
	CHECK(ctx && pipe(p) == 0);
	char name[80];
	snprintf(name, sizeof(name), "%s", plbuf_sim_name(ctx));
	fflush(NULL);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		_exit(child(name, p[1]));
	}
	close(p[1]);
	char c;
	CHECK(read(p[0], &c, 1) == 1);

	regs = plbuf_mmio_open_sim(ctx, "regs");
	plbuf_mmio *cb = plbuf_mmio_open_sim(ctx, "cb");
	plbuf_irq *irq = plbuf_irq_open_sim(ctx, 1);
	CHECK(regs && cb && irq);
	CHECK(plbuf_mmio_length(regs) == 0x100 && plbuf_mmio_length(cb) == 0x40);

	uint8_t b;
	uint16_t h;
	uint32_t w;
	uint64_t q;
	CHECK(plbuf_mmio_write64(regs, 0x8, 0x0102030405060708ull) == 0);
	CHECK(plbuf_mmio_read8(regs, 0x8, &b) == 0 && b == 0x08);
	CHECK(plbuf_mmio_read16(regs, 0xe, &h) == 0 && h == 0x0102);
	CHECK(plbuf_mmio_read32(regs, 0xc, &w) == 0 && w == 0x01020304);
	CHECK(plbuf_mmio_read64(regs, 0x8, &q) == 0 && q == 0x0102030405060708ull);
	CHECK(plbuf_mmio_write16(cb, 0x12, 0xbeef) == 0);
	CHECK(plbuf_mmio_read32(cb, 0x10, &w) == 0 && w == 0xbeef0000);

	pthread_t t[2];
	for (int i = 0; i < 2; i++)
		CHECK(pthread_create(&t[i], NULL, hammer, (void *)(uintptr_t)(0x20 + 0x10 * i)) == 0);
	for (int i = 0; i < 2; i++) {
		void *r;
		CHECK(pthread_join(t[i], &r) == 0 && r == NULL);
	}

	CHECK_ERR(plbuf_mmio_read32(regs, 0xf8, &w), EIO);
	CHECK_ERR(plbuf_irq_wait(irq, 10), ETIMEDOUT);
	CHECK(plbuf_mmio_write32(regs, 0xf0, 1) == 0);
	CHECK(plbuf_irq_wait(irq, 5000) == 1);

	/* A slave that stops answering: the access times out instead of hanging the driver. */
	setenv("PLBUF_SIM_REG_TIMEOUT", "1", 1);
	CHECK(plbuf_mmio_write32(regs, 0xe0, 1) == 0);
	CHECK_ERR(plbuf_mmio_read32(regs, 0x0, &w), ETIMEDOUT);
	unsetenv("PLBUF_SIM_REG_TIMEOUT");
	/* The model's process dies: the next access fails at once. */
	kill(pid, SIGKILL);
	int st;
	CHECK(waitpid(pid, &st, 0) == pid);
	CHECK_ERR(plbuf_mmio_read32(cb, 0x0, &w), EIO);
	CHECK(strstr(plbuf_errmsg(), "exited"));

	/* The killed model could not remove its files: the next model takes them over and removes
	 * them when it closes. */
	char path[128];
	snprintf(path, sizeof(path), "/dev/shm/%s.regs", name);
	CHECK(access(path, F_OK) == 0);
	plbuf_sim_model *m = plbuf_sim_model_open(name);
	CHECK(m);
	CHECK(plbuf_sim_model_window(m, "regs", 0x10, NULL, NULL) == 0); /* the dead one's is gone */
	plbuf_sim_model_close(m);
	CHECK(access(path, F_OK) != 0);
	snprintf(path, sizeof(path), "/dev/shm/%s.irq1", name);
	CHECK(access(path, F_OK) != 0);
	plbuf_irq_close(irq);
	plbuf_mmio_close(regs);
	plbuf_mmio_close(cb);
	plbuf_close(ctx);
	printf("model in another process: mailbox, threads, bus error, irq, timeout, death\n");
	return 0;
}
