/*
 * sim_model.c - device models on the sim backend (plbuf_sim_model_*): register windows and
 * interrupts served by a model in the driver's process (callbacks) or in another (an RTL
 * simulator), through the register file of src/sim_regs.c (sim_regs_format.h).
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
static pthread_mutex_t models_lock = PTHREAD_MUTEX_INITIALIZER;
static struct plbuf_sim_model *models;

/* ---------------------------------------------------------------- the model side */

PLBUF_EXPORT plbuf_sim_model *plbuf_sim_model_open(const char *name)
{
	struct plbuf_sim_model *m = calloc(1, sizeof(*m));

	if (!m)
		return plbuf__errp(ENOMEM, "out of process memory");
	m->hdr = plbuf__simregs_map(name, 1, &m->created, &m->fd);
	if (!m->hdr) {
		int e = errno;

		free(m);
		errno = e;
		return NULL;
	}
	/* A model killed outright could not remove its files: the next one takes them over. */
	if (!m->created && plbuf__simregs_gone(m->hdr)) {
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
		plbuf__simregs_name(path, sizeof(path), m->name, ".regs");
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
	if (plbuf__simregs_find(m->hdr, window) >= 0) {
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
	int64_t end = plbuf__simregs_now_ms() + timeout_ms;

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
			plbuf__simregs_wait(&m->hdr->doorbell, bell, 1000);
			continue;
		}
		int64_t left = end - plbuf__simregs_now_ms();

		if (left <= 0)
			return 0;
		plbuf__simregs_wait(&m->hdr->doorbell, bell, (int)left);
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
	plbuf__simregs_wake(&mb->ack);
	return 0;
}

int plbuf__sim_model_call(plbuf_sim_model *m, int i, int write, int width, uint64_t off, uint64_t *val)
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
		int r = plbuf__sim_model_call(m, a.window, a.write, a.width, a.offset, &v);

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
struct plbuf_sim_model *plbuf__sim_model_local(const char *name, const char *window, int *index)
{
	struct plbuf_sim_model *found = NULL;

	pthread_mutex_lock(&models_lock);
	for (struct plbuf_sim_model *m = models; m && !found; m = m->next) {
		int i;

		if (strcmp(m->name, name) != 0 || (i = plbuf__simregs_find(m->hdr, window)) < 0 || !m->has_ops[i])
			continue;
		found = m;
		*index = i;
	}
	pthread_mutex_unlock(&models_lock);
	return found;
}

uint64_t plbuf__sim_model_length(struct plbuf_sim_model *m, int i)
{
	return m->hdr->windows[i].length;
}
