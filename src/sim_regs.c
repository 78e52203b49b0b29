/*
 * sim_regs.c - a sim context's register file (/dev/shm/<name>.regs, its layout and protocol in
 * sim_regs_format.h) and its driver side: the windows and interrupt lines that src/mmio.c and
 * src/irq.c open on sim.  The model side is src/sim_model.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "os/sys.h"
#include "sim_regs.h"
#include "sim_regs_format.h"

struct plbuf__simwin {
	struct plbuf_sim_model *direct; /* same process, callbacks: no mailbox */
	struct plbuf_simregs_hdr *hdr;  /* our own mapping of the file (mailbox) */
	int fd;                         /* its descriptor, holding the shared lock */
	int index;
	char name[64];
};

struct plbuf__simirq {
	struct plbuf_simregs_hdr *hdr;
	int regs_fd;
	int line, fd;
	uint32_t seen;
};

/* ---------------------------------------------------------------- futexes and the file */

static long futex(uint32_t *addr, int op, uint32_t val, const struct timespec *ts)
{
	/* Not FUTEX_PRIVATE_FLAG: the waiter and the waker are different processes. */
	return syscall(SYS_futex, addr, op, val, ts, NULL, 0);
}

void plbuf__simregs_wait(uint32_t *addr, uint32_t val, int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	futex(addr, FUTEX_WAIT, val, ms < 0 ? NULL : &ts);
}

void plbuf__simregs_wake(uint32_t *addr)
{
	futex(addr, FUTEX_WAKE, INT_MAX, NULL);
}

int64_t plbuf__simregs_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int plbuf__simregs_name(char *out, size_t len, const char *name, const char *suffix)
{
	if (!name || !*name)
		return plbuf__err(EINVAL, "sim registers: no sim context name (plbuf_sim_name())");
	if (name[0] == '/')
		name++;
	if (strlen(name) > 60 || strchr(name, '/'))
		return plbuf__err(EINVAL, "sim registers: \"%s\" is not a sim context name", name);
	snprintf(out, len, "/%s%s", name, suffix);
	return 0;
}

/* Maps /dev/shm/<name>.regs, creating it when create is set and it is absent (*created = 1).
 * *lockfd stays open with a shared lock for as long as the mapping is used: the sim backend
 * removes plbuf-sim-* files that no process holds locked (a dead process's), so every user of
 * the file holds one, and the creator takes it before the file has a size. */
struct plbuf_simregs_hdr *plbuf__simregs_map(const char *name, int create, int *created, int *lockfd)
{
	char path[96];
	struct plbuf_simregs_hdr *h;
	struct stat st;
	int fd, mine = 0;

	if (plbuf__simregs_name(path, sizeof(path), name, ".regs") < 0)
		return NULL;
	fd = plbuf__sys_shm_open(path, O_RDWR, 0);
	if (fd < 0 && errno == ENOENT && create) {
		fd = plbuf__sys_shm_open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
		mine = fd >= 0;
		if (fd < 0 && errno == EEXIST) /* another model won the race */
			fd = plbuf__sys_shm_open(path, O_RDWR, 0);
	}
	if (fd < 0)
		return plbuf__errp(errno, "sim registers: cannot open /dev/shm%s: %s%s", path,
				   strerror(errno), errno == ENOENT ? " (no device model has opened this "
				   "sim context's registers yet: start the model first)" : "");
	if (fd >= 0)
		while (flock(fd, LOCK_SH) < 0 && errno == EINTR)
			;
	if (mine && plbuf__sys_ftruncate(fd, PLBUF_SIMREGS_SIZE) < 0) {
		int e = errno;

		close(fd);
		shm_unlink(path);
		return plbuf__errp(e, "sim registers: cannot size /dev/shm%s: %s", path, strerror(e));
	}
	/* A file just created by another process may not be sized yet: wait a little. */
	for (int i = 0; i < 1000 && fstat(fd, &st) == 0 && st.st_size < PLBUF_SIMREGS_SIZE; i++)
		usleep(1000);
	if (fstat(fd, &st) < 0 || st.st_size < PLBUF_SIMREGS_SIZE) {
		close(fd);
		return plbuf__errp(EINVAL, "sim registers: /dev/shm%s is not a register file", path);
	}
	h = plbuf__sys_mmap(NULL, PLBUF_SIMREGS_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (h == MAP_FAILED) {
		int e = errno;

		close(fd);
		if (mine) /* nobody else can have found it: it has no magic yet */
			shm_unlink(path);
		return plbuf__errp(e, "sim registers: cannot map /dev/shm%s: %s", path, strerror(e));
	}
	if (mine) {
		h->version = PLBUF_SIMREGS_VERSION;
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		memcpy(h->magic, PLBUF_SIMREGS_MAGIC, 8);
	} else {
		for (int i = 0; i < 1000 && memcmp((const char *)h->magic, PLBUF_SIMREGS_MAGIC, 8); i++)
			usleep(1000);
		if (memcmp(h->magic, PLBUF_SIMREGS_MAGIC, 8) || h->version != PLBUF_SIMREGS_VERSION) {
			munmap(h, PLBUF_SIMREGS_SIZE);
			close(fd);
			return plbuf__errp(EINVAL, "sim registers: /dev/shm%s has no valid header "
					   "(version %d expected)", path, PLBUF_SIMREGS_VERSION);
		}
	}
	*created = mine;
	*lockfd = fd;
	return h;
}

int plbuf__simregs_find(const struct plbuf_simregs_hdr *h, const char *window)
{
	for (int i = 0; i < PLBUF_SIMREGS_MAX_WINDOWS; i++)
		if (LOAD(&h->windows[i].live) && strncmp(h->windows[i].name, window,
							  sizeof(h->windows[i].name)) == 0)
			return i;
	return -1;
}
/* The process that served the file is gone (or closed it): its files are nobody's. */
int plbuf__simregs_gone(struct plbuf_simregs_hdr *h)
{
	pid_t pid = (pid_t)LOAD(&h->model_pid);

	return pid == 0 || (kill(pid, 0) < 0 && errno == ESRCH);
}


/* ---------------------------------------------------------------- the driver side */

/* How long a driver waits for a model to appear: PLBUF_SIM_MODEL_WAIT seconds (0 by default), so
 * that a driver started before its RTL simulator (which takes seconds to start) runs unchanged. */
static int64_t model_wait_end(void)
{
	const char *s = getenv("PLBUF_SIM_MODEL_WAIT");
	long v = s && *s ? strtol(s, NULL, 10) : 0;

	return plbuf__simregs_now_ms() + (v > 0 && v < 86400 ? v * 1000 : 0);
}

static struct plbuf__simwin *simwin_try(plbuf_ctx *ctx, const char *window, uint64_t *length);

struct plbuf__simwin *plbuf__simwin_open(plbuf_ctx *ctx, const char *window, uint64_t *length)
{
	int64_t end = model_wait_end();
	struct plbuf__simwin *w;

	while (!(w = simwin_try(ctx, window, length)) && errno == ENOENT && plbuf__simregs_now_ms() < end)
		usleep(20000);
	return w;
}

static struct plbuf__simwin *simwin_try(plbuf_ctx *ctx, const char *window, uint64_t *length)
{
	const char *name = plbuf_sim_name(ctx);
	struct plbuf__simwin *w;
	int created, i;

	if (!name)
		return plbuf__errp(EINVAL, "mmio: not a sim context (device-model windows exist only "
				   "on the sim backend)");
	if (!window || !*window)
		return plbuf__errp(EINVAL, "mmio: no window name given");
	w = calloc(1, sizeof(*w));
	if (!w)
		return plbuf__errp(ENOMEM, "out of process memory");
	snprintf(w->name, sizeof(w->name), "%.60s", window);
	w->direct = plbuf__sim_model_local(name, window, &w->index);
	if (w->direct) {
		*length = plbuf__sim_model_length(w->direct, w->index);
		return w;
	}
	w->hdr = plbuf__simregs_map(name, 0, &created, &w->fd);
	if (!w->hdr) {
		char why[256];

		snprintf(why, sizeof(why), "%s", plbuf_errmsg()); /* the message is about to change */
		free(w);
		return plbuf__errp(ENOENT, "mmio: no device model serves sim context %s (%s)", name, why);
	}
	i = plbuf__simregs_find(w->hdr, window);
	if (i < 0) {
		munmap(w->hdr, PLBUF_SIMREGS_SIZE);
		close(w->fd);
		free(w);
		return plbuf__errp(ENOENT, "mmio: no device model serves a window named \"%s\" in sim "
				   "context %s (yet)", window, name);
	}
	w->index = i;
	*length = w->hdr->windows[i].length;
	return w;
}

void plbuf__simwin_close(struct plbuf__simwin *w)
{
	if (w->hdr) {
		munmap(w->hdr, PLBUF_SIMREGS_SIZE);
		close(w->fd);
	}
	free(w);
}

static void mb_lock(uint32_t *lock)
{
	uint32_t c = 0;

	if (__atomic_compare_exchange_n(lock, &c, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return;
	if (c != 2)
		c = __atomic_exchange_n(lock, 2, __ATOMIC_ACQUIRE);
	while (c != 0) {
		plbuf__simregs_wait(lock, 2, 1000);
		c = __atomic_exchange_n(lock, 2, __ATOMIC_ACQUIRE);
	}
}

static void mb_unlock(uint32_t *lock)
{
	if (__atomic_exchange_n(lock, 0, __ATOMIC_RELEASE) == 2)
		futex(lock, FUTEX_WAKE, 1, NULL);
}

static int reg_timeout_ms(void)
{
	const char *s = getenv("PLBUF_SIM_REG_TIMEOUT");
	long v = s && *s ? strtol(s, NULL, 10) : 30;

	return v > 0 && v < 86400 ? (int)v * 1000 : 30000;
}

int plbuf__simwin_access(struct plbuf__simwin *w, int write, int width, uint64_t off,
			 uint64_t *val)
{
	struct plbuf_simregs_mailbox *mb;
	uint32_t seq;
	int64_t end;
	int r;

	if (w->direct) {
		r = plbuf__sim_model_call(w->direct, w->index, write, width, off, val);
		if (r < 0)
			return plbuf__err(EIO, "mmio: the device model answered %s of %d bytes at 0x%"
					  PRIx64 " of window %s with a bus error (%s)",
					  write ? "a write" : "a read", width, off, w->name, strerror(-r));
		return 0;
	}
	mb = &w->hdr->windows[w->index].mb;
	mb_lock(&mb->lock);
	seq = LOAD(&mb->req) + 1;
	mb->op = (uint32_t)write;
	mb->width = (uint32_t)width;
	mb->offset = off;
	mb->value = write ? *val : 0;
	/* The release orders the request, and all of the CPU's earlier writes to the memory file
	 * (a flush), before the model can see it. */
	STORE(&mb->req, seq);
	__atomic_fetch_add(&w->hdr->doorbell, 1, __ATOMIC_ACQ_REL);
	plbuf__simregs_wake(&w->hdr->doorbell);
	end = plbuf__simregs_now_ms() + reg_timeout_ms();
	for (;;) {
		uint32_t ack = LOAD(&mb->ack);

		if (ack == seq)
			break;
		if (plbuf__simregs_gone(w->hdr)) {
			mb_unlock(&mb->lock);
			return plbuf__err(EIO, "mmio: the device model serving window %s has exited "
					  "(a %s at 0x%" PRIx64 " was not answered)", w->name,
					  write ? "write" : "read", off);
		}
		if (plbuf__simregs_now_ms() >= end) {
			/* Withdraw the request, so a late answer cannot be taken for the next one. */
			STORE(&mb->ack, seq);
			mb_unlock(&mb->lock);
			return plbuf__err(ETIMEDOUT, "mmio: the device model did not answer a %s at "
					  "0x%" PRIx64 " of window %s in %d s (PLBUF_SIM_REG_TIMEOUT); "
					  "is its process serving (plbuf_sim_model_serve/next)?",
					  write ? "write" : "read", off, w->name, reg_timeout_ms() / 1000);
		}
		plbuf__simregs_wait(&mb->ack, ack, 100);
	}
	r = mb->status;
	if (!write)
		*val = mb->value;
	mb_unlock(&mb->lock);
	if (r < 0)
		return plbuf__err(EIO, "mmio: the device model answered %s of %d bytes at 0x%" PRIx64
				  " of window %s with a bus error (%s)", write ? "a write" : "a read",
				  width, off, w->name, strerror(-r));
	return 0;
}

/* ---------------------------------------------------------------- interrupts, driver side */

struct plbuf__simirq *plbuf__simirq_open(plbuf_ctx *ctx, int line, int *fd)
{
	const char *name = plbuf_sim_name(ctx);
	struct plbuf__simirq *q;
	char path[96];
	int created;

	if (!name)
		return plbuf__errp(EINVAL, "irq: not a sim context");
	if (line < 0 || line >= PLBUF_SIMREGS_MAX_IRQS)
		return plbuf__errp(EINVAL, "irq: sim interrupt line %d is not 0-%d", line,
				   PLBUF_SIMREGS_MAX_IRQS - 1);
	q = calloc(1, sizeof(*q));
	if (!q)
		return plbuf__errp(ENOMEM, "out of process memory");
	q->line = line;
	for (int64_t end = model_wait_end();
	     !(q->hdr = plbuf__simregs_map(name, 0, &created, &q->regs_fd)) && errno == ENOENT &&
	     plbuf__simregs_now_ms() < end;)
		usleep(20000);
	if (!q->hdr) {
		free(q);
		return plbuf__errp(ENOENT, "irq: no device model has opened sim context %s (start the "
				   "model first)", name);
	}
	snprintf(path, sizeof(path), "/dev/shm/%s.irq%d", name, line);
	if (mkfifo(path, 0600) < 0 && errno != EEXIST) {
		int e = errno;

		munmap(q->hdr, PLBUF_SIMREGS_SIZE);
		close(q->regs_fd);
		free(q);
		return plbuf__errp(e, "irq: cannot create %s: %s", path, strerror(e));
	}
	q->fd = plbuf__sys_open(path, O_RDWR | O_NONBLOCK, 0);
	if (q->fd < 0) {
		int e = errno;

		munmap(q->hdr, PLBUF_SIMREGS_SIZE);
		close(q->regs_fd);
		free(q);
		return plbuf__errp(e, "irq: cannot open %s: %s", path, strerror(e));
	}
	q->seen = LOAD(&q->hdr->irq_count[line]);
	*fd = q->fd;
	return q;
}

uint32_t plbuf__simirq_take(struct plbuf__simirq *q)
{
	char drain[64];
	uint32_t now;

	while (read(q->fd, drain, sizeof(drain)) > 0)
		;
	now = LOAD(&q->hdr->irq_count[q->line]);
	uint32_t n = now - q->seen;

	q->seen = now;
	return n;
}

void plbuf__simirq_close(struct plbuf__simirq *q)
{
	close(q->fd);
	munmap(q->hdr, PLBUF_SIMREGS_SIZE);
	close(q->regs_fd);
	free(q);
}
