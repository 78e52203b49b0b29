/*
 * sim_regs.c - device models on the sim backend: register windows and interrupts, for a model in
 * the driver's process (callbacks) or in another (an RTL simulator): the layout and the protocol
 * are in sim_regs_format.h.  The driver side is reached through src/mmio.c and src/irq.c.
 *
 * A model never touches the CPU's view of memory: it reaches buffers by device address with
 * plbuf_sim_read() / plbuf_sim_write(), the device side the DMA-API checker watches.
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

#define LOAD(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define STORE(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)

struct plbuf_sim_model {
	struct plbuf_sim_model *next; /* this process's models (callbacks are called directly) */
	char name[64];                /* the sim context's name, without '/' */
	struct plbuf_simregs_hdr *hdr;
	int created, fd;
	pthread_mutex_t lock;         /* one callback at a time; next/reply state */
	pthread_mutex_t irq_lock;     /* irq_fd (a callback may raise an interrupt) */
	struct plbuf_sim_window_ops ops[PLBUF_SIMREGS_MAX_WINDOWS];
	void *arg[PLBUF_SIMREGS_MAX_WINDOWS];
	int has_ops[PLBUF_SIMREGS_MAX_WINDOWS];
	uint32_t taken[PLBUF_SIMREGS_MAX_WINDOWS]; /* last request handed out by next() */
	int irq_fd[PLBUF_SIMREGS_MAX_IRQS];
};

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

static pthread_mutex_t models_lock = PTHREAD_MUTEX_INITIALIZER;
static struct plbuf_sim_model *models;

/* ---------------------------------------------------------------- futexes and the file */

static long futex(uint32_t *addr, int op, uint32_t val, const struct timespec *ts)
{
	/* Not FUTEX_PRIVATE_FLAG: the waiter and the waker are different processes. */
	return syscall(SYS_futex, addr, op, val, ts, NULL, 0);
}

static void futex_wait_ms(uint32_t *addr, uint32_t val, int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	futex(addr, FUTEX_WAIT, val, ms < 0 ? NULL : &ts);
}

static void futex_wake_all(uint32_t *addr)
{
	futex(addr, FUTEX_WAKE, INT_MAX, NULL);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int shm_name(char *out, size_t len, const char *name, const char *suffix)
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
static struct plbuf_simregs_hdr *map_regs(const char *name, int create, int *created, int *lockfd)
{
	char path[96];
	struct plbuf_simregs_hdr *h;
	struct stat st;
	int fd, mine = 0;

	if (shm_name(path, sizeof(path), name, ".regs") < 0)
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

static int find_window(const struct plbuf_simregs_hdr *h, const char *window)
{
	for (int i = 0; i < PLBUF_SIMREGS_MAX_WINDOWS; i++)
		if (LOAD(&h->windows[i].live) && strncmp(h->windows[i].name, window,
							  sizeof(h->windows[i].name)) == 0)
			return i;
	return -1;
}

/* ---------------------------------------------------------------- the model side */

/* The process that served the file is gone (or closed it): its files are nobody's. */
static int model_gone(struct plbuf_simregs_hdr *h)
{
	pid_t pid = (pid_t)LOAD(&h->model_pid);

	return pid == 0 || (kill(pid, 0) < 0 && errno == ESRCH);
}


PLBUF_EXPORT plbuf_sim_model *plbuf_sim_model_open(const char *name)
{
	struct plbuf_sim_model *m = calloc(1, sizeof(*m));

	if (!m)
		return plbuf__errp(ENOMEM, "out of process memory");
	m->hdr = map_regs(name, 1, &m->created, &m->fd);
	if (!m->hdr) {
		int e = errno;

		free(m);
		errno = e;
		return NULL;
	}
	/* A model killed outright could not remove its files: the next one takes them over. */
	if (!m->created && model_gone(m->hdr)) {
		m->created = 1;
		/* Its windows died with it: the new model declares its own (a restarted RTL
		 * simulator the same ones).  Drivers must reopen theirs. */
		memset(m->hdr->windows, 0, sizeof(m->hdr->windows));
	}
	snprintf(m->name, sizeof(m->name), "%s", name[0] == '/' ? name + 1 : name);
	pthread_mutex_init(&m->lock, NULL);
	pthread_mutex_init(&m->irq_lock, NULL);
	for (int i = 0; i < PLBUF_SIMREGS_MAX_IRQS; i++)
		m->irq_fd[i] = -1;
	STORE(&m->hdr->model_pid, (uint32_t)getpid());
	pthread_mutex_lock(&models_lock);
	m->next = models;
	models = m;
	pthread_mutex_unlock(&models_lock);
	return m;
}

PLBUF_EXPORT void plbuf_sim_model_close(plbuf_sim_model *m)
{
	char path[96];

	if (!m)
		return;
	pthread_mutex_lock(&models_lock);
	for (struct plbuf_sim_model **pp = &models; *pp; pp = &(*pp)->next)
		if (*pp == m) {
			*pp = m->next;
			break;
		}
	pthread_mutex_unlock(&models_lock);
	for (int i = 0; i < PLBUF_SIMREGS_MAX_IRQS; i++)
		if (m->irq_fd[i] >= 0)
			close(m->irq_fd[i]);
	if (m->created) {
		/* Drivers still mapping the file keep their mapping; new ones find no model. */
		STORE(&m->hdr->model_pid, 0);
		shm_name(path, sizeof(path), m->name, ".regs");
		shm_unlink(path);
		for (int i = 0; i < PLBUF_SIMREGS_MAX_IRQS; i++) {
			snprintf(path, sizeof(path), "/dev/shm/%s.irq%d", m->name, i);
			unlink(path);
		}
	}
	munmap(m->hdr, PLBUF_SIMREGS_SIZE);
	close(m->fd);
	pthread_mutex_destroy(&m->lock);
	pthread_mutex_destroy(&m->irq_lock);
	free(m);
}

PLBUF_EXPORT int plbuf_sim_model_window(plbuf_sim_model *m, const char *window, uint64_t length,
					const struct plbuf_sim_window_ops *ops, void *arg)
{
	struct plbuf_simregs_window *w;
	int i, err = 0;

	if (!m)
		return plbuf__err(EINVAL, "sim model: model is NULL");
	if (!window || !*window || strlen(window) >= sizeof(w->name))
		return plbuf__err(EINVAL, "sim model: a window needs a name of 1-31 characters");
	if (length == 0 || length > (1ull << 40))
		return plbuf__err(EINVAL, "sim model: window %s: length %" PRIu64 " is not in 1..2^40",
				  window, length);
	if (ops && (!ops->read || !ops->write))
		return plbuf__err(EINVAL, "sim model: window %s: ops need both read and write", window);
	pthread_mutex_lock(&m->lock);
	if (find_window(m->hdr, window) >= 0) {
		err = plbuf__err(EEXIST, "sim model: window %s of %s is already served", window,
				 m->name);
		goto out;
	}
	/* Claim a free slot; slots are never reused while the file lives. */
	for (i = 0; i < PLBUF_SIMREGS_MAX_WINDOWS; i++) {
		uint32_t zero = 0;

		/* A free slot's lock is 0 until a model (of any process) claims it. */
		if (!LOAD(&m->hdr->windows[i].live) &&
		    __atomic_compare_exchange_n(&m->hdr->windows[i].mb.lock, &zero, 0x80000000u, 0,
						__ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
			break;
	}
	if (i == PLBUF_SIMREGS_MAX_WINDOWS) {
		err = plbuf__err(ENOSPC, "sim model: %s already has %d windows", m->name,
				 PLBUF_SIMREGS_MAX_WINDOWS);
		goto out;
	}
	w = &m->hdr->windows[i];
	snprintf(w->name, sizeof(w->name), "%s", window);
	w->length = length;
	w->callbacks = ops != NULL;
	m->taken[i] = LOAD(&w->mb.ack);
	if (ops) {
		m->ops[i] = *ops;
		m->arg[i] = arg;
		m->has_ops[i] = 1;
	}
	STORE(&w->mb.lock, 0);
	STORE(&w->live, 1);
	err = i;
out:
	pthread_mutex_unlock(&m->lock);
	return err;
}

/* A request posted and not yet handed out, of a window served by callbacks (or not). */
static int pending(plbuf_sim_model *m, int callbacks, struct plbuf_sim_access *a)
{
	for (int i = 0; i < PLBUF_SIMREGS_MAX_WINDOWS; i++) {
		struct plbuf_simregs_window *w = &m->hdr->windows[i];
		uint32_t req;

		if (!LOAD(&w->live) || (int)w->callbacks != callbacks)
			continue;
		req = LOAD(&w->mb.req);
		if (req == LOAD(&w->mb.ack) || req == m->taken[i])
			continue;
		m->taken[i] = req;
		a->window = i;
		a->write = w->mb.op == 1;
		a->width = (int)w->mb.width;
		a->offset = w->mb.offset;
		a->value = w->mb.value;
		a->seq = req;
		return 1;
	}
	return 0;
}

static int next_of(plbuf_sim_model *m, int callbacks, struct plbuf_sim_access *a, int timeout_ms)
{
	int64_t end = now_ms() + timeout_ms;

	for (;;) {
		uint32_t bell = LOAD(&m->hdr->doorbell);
		int got;

		pthread_mutex_lock(&m->lock);
		got = pending(m, callbacks, a);
		pthread_mutex_unlock(&m->lock);
		if (got)
			return 1;
		if (timeout_ms == 0)
			return 0;
		if (timeout_ms < 0) {
			futex_wait_ms(&m->hdr->doorbell, bell, 1000);
			continue;
		}
		int64_t left = end - now_ms();

		if (left <= 0)
			return 0;
		futex_wait_ms(&m->hdr->doorbell, bell, (int)left);
	}
}

PLBUF_EXPORT int plbuf_sim_model_next(plbuf_sim_model *m, struct plbuf_sim_access *a,
				      int timeout_ms)
{
	if (!m || !a)
		return plbuf__err(EINVAL, "plbuf_sim_model_next: model or access is NULL");
	return next_of(m, 0, a, timeout_ms);
}

PLBUF_EXPORT int plbuf_sim_model_reply(plbuf_sim_model *m, const struct plbuf_sim_access *a,
				       uint64_t value, int status)
{
	struct plbuf_simregs_mailbox *mb;

	if (!m || !a || a->window < 0 || a->window >= PLBUF_SIMREGS_MAX_WINDOWS)
		return plbuf__err(EINVAL, "plbuf_sim_model_reply: bad model or access");
	mb = &m->hdr->windows[a->window].mb;
	if (LOAD(&mb->req) != a->seq || LOAD(&mb->ack) == a->seq)
		return plbuf__err(EINVAL, "plbuf_sim_model_reply: request %u of window %d is not "
				  "waiting for an answer", a->seq, a->window);
	mb->value = a->write ? 0 : value;
	mb->status = status > 0 ? -status : status;
	STORE(&mb->ack, a->seq);
	futex_wake_all(&mb->ack);
	return 0;
}

static int call_ops(plbuf_sim_model *m, int i, int write, int width, uint64_t off, uint64_t *val)
{
	int r;

	pthread_mutex_lock(&m->lock);
	r = write ? m->ops[i].write(m->arg[i], off, width, *val)
		  : m->ops[i].read(m->arg[i], off, width, val);
	pthread_mutex_unlock(&m->lock);
	return r;
}

PLBUF_EXPORT int plbuf_sim_model_serve(plbuf_sim_model *m, int timeout_ms)
{
	struct plbuf_sim_access a;
	int n = 0;

	if (!m)
		return plbuf__err(EINVAL, "plbuf_sim_model_serve: model is NULL");
	while (next_of(m, 1, &a, n ? 0 : timeout_ms) == 1) {
		uint64_t v = a.value;
		int r = call_ops(m, a.window, a.write, a.width, a.offset, &v);

		plbuf_sim_model_reply(m, &a, v, r < 0 ? r : 0);
		n++;
	}
	return n;
}

PLBUF_EXPORT int plbuf_sim_model_irq(plbuf_sim_model *m, int line)
{
	char path[96];
	char one = 1;

	if (!m || line < 0 || line >= PLBUF_SIMREGS_MAX_IRQS)
		return plbuf__err(EINVAL, "plbuf_sim_model_irq: no model, or line %d is not 0-%d", line,
				  PLBUF_SIMREGS_MAX_IRQS - 1);
	__atomic_fetch_add(&m->hdr->irq_count[line], 1, __ATOMIC_ACQ_REL);
	pthread_mutex_lock(&m->irq_lock);
	if (m->irq_fd[line] < 0) {
		snprintf(path, sizeof(path), "/dev/shm/%s.irq%d", m->name, line);
		if (mkfifo(path, 0600) < 0 && errno != EEXIST) {
			pthread_mutex_unlock(&m->irq_lock);
			return plbuf__err(errno, "sim model: cannot create %s: %s", path, strerror(errno));
		}
		/* O_RDWR: never blocks, and the FIFO always has a reader, so no SIGPIPE when no
		 * driver listens (the bytes wait, the count is the truth). */
		m->irq_fd[line] = plbuf__sys_open(path, O_RDWR | O_NONBLOCK, 0);
	}
	if (m->irq_fd[line] >= 0 && plbuf__sys_write(m->irq_fd[line], &one, 1) < 0 && errno != EAGAIN) {
		int e = errno;

		pthread_mutex_unlock(&m->irq_lock);
		return plbuf__err(e, "sim model: cannot signal interrupt %d: %s", line, strerror(e));
	}
	pthread_mutex_unlock(&m->irq_lock);
	return 0;
}

/* ---------------------------------------------------------------- the driver side */

static struct plbuf_sim_model *local_model(const char *name, const char *window, int *index)
{
	struct plbuf_sim_model *found = NULL;

	pthread_mutex_lock(&models_lock);
	for (struct plbuf_sim_model *m = models; m && !found; m = m->next) {
		int i;

		if (strcmp(m->name, name) != 0 || (i = find_window(m->hdr, window)) < 0 || !m->has_ops[i])
			continue;
		found = m;
		*index = i;
	}
	pthread_mutex_unlock(&models_lock);
	return found;
}

/* How long a driver waits for a model to appear: PLBUF_SIM_MODEL_WAIT seconds (0 by default), so
 * that a driver started before its RTL simulator (which takes seconds to start) runs unchanged. */
static int64_t model_wait_end(void)
{
	const char *s = getenv("PLBUF_SIM_MODEL_WAIT");
	long v = s && *s ? strtol(s, NULL, 10) : 0;

	return now_ms() + (v > 0 && v < 86400 ? v * 1000 : 0);
}

static struct plbuf__simwin *simwin_try(plbuf_ctx *ctx, const char *window, uint64_t *length);

struct plbuf__simwin *plbuf__simwin_open(plbuf_ctx *ctx, const char *window, uint64_t *length)
{
	int64_t end = model_wait_end();
	struct plbuf__simwin *w;

	while (!(w = simwin_try(ctx, window, length)) && errno == ENOENT && now_ms() < end)
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
	w->direct = local_model(name, window, &w->index);
	if (w->direct) {
		*length = w->direct->hdr->windows[w->index].length;
		return w;
	}
	w->hdr = map_regs(name, 0, &created, &w->fd);
	if (!w->hdr) {
		char why[256];

		snprintf(why, sizeof(why), "%s", plbuf_errmsg()); /* the message is about to change */
		free(w);
		return plbuf__errp(ENOENT, "mmio: no device model serves sim context %s (%s)", name, why);
	}
	i = find_window(w->hdr, window);
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
		futex_wait_ms(lock, 2, 1000);
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
		r = call_ops(w->direct, w->index, write, width, off, val);
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
	futex_wake_all(&w->hdr->doorbell);
	end = now_ms() + reg_timeout_ms();
	for (;;) {
		uint32_t ack = LOAD(&mb->ack);

		if (ack == seq)
			break;
		if (model_gone(w->hdr)) {
			mb_unlock(&mb->lock);
			return plbuf__err(EIO, "mmio: the device model serving window %s has exited "
					  "(a %s at 0x%" PRIx64 " was not answered)", w->name,
					  write ? "write" : "read", off);
		}
		if (now_ms() >= end) {
			/* Withdraw the request, so a late answer cannot be taken for the next one. */
			STORE(&mb->ack, seq);
			mb_unlock(&mb->lock);
			return plbuf__err(ETIMEDOUT, "mmio: the device model did not answer a %s at "
					  "0x%" PRIx64 " of window %s in %d s (PLBUF_SIM_REG_TIMEOUT); "
					  "is its process serving (plbuf_sim_model_serve/next)?",
					  write ? "write" : "read", off, w->name, reg_timeout_ms() / 1000);
		}
		futex_wait_ms(&mb->ack, ack, 100);
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
	     !(q->hdr = map_regs(name, 0, &created, &q->regs_fd)) && errno == ENOENT &&
	     now_ms() < end;)
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
