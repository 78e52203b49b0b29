/*
 * context.c - opening a backend (by name or by the automatic choice), its banks, and closing it;
 * the default context; what fork() does to contexts.
 *
 * Lifecycle rules (include/plbuf.h says them to users, docs/robustness.md shows the tests):
 *  - A closed context's memory is not returned to libc: it waits in a FIFO of CTX_QUARANTINE
 *    closed contexts before a plbuf_open() reuses it, so a call on a closed context finds
 *    PLBUF_CTX_CLOSED and fails with EBADF instead of reading freed memory; its handles (kept
 *    with it) read "freed".
 *  - fork(): a context opened before the fork is "inherited" in the child.  Its memory (fixed
 *    banks, chunks, BOs, IOVA mappings) is the parent's: the child keeps the buffers mapped and
 *    may read, write, sync, view and free its handles, but the context refuses to allocate
 *    (EPERM), and nothing the child does reaches the pool or the backend: freeing or closing
 *    only drops the child's bookkeeping, so no chunk_free()/close() ioctl, unlink or unmap of the
 *    parent's.  The default context reopens afresh in the child.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "context.h"
#include "options.h"

/* Closed contexts kept before one is reused (see above). */
#define CTX_QUARANTINE 4

unsigned plbuf__forkgen;

#define STR_(x) #x
#define STR(x) STR_(x)

PLBUF_EXPORT const char *plbuf_version(void)
{
	return STR(PLBUF_VERSION_MAJOR) "." STR(PLBUF_VERSION_MINOR) "." STR(PLBUF_VERSION_PATCH);
}

PLBUF_EXPORT int plbuf_version_number(void)
{
	return PLBUF_VERSION_NUMBER;
}

const struct plbuf_backend *plbuf__backend_find(const char *name)
{
	for (int i = 0; plbuf__backends[i]; i++)
		if (strcmp(plbuf__backends[i]->name, name) == 0)
			return plbuf__backends[i];
	return NULL;
}

static int nbackends(void)
{
	int n = 0;

	while (plbuf__backends[n])
		n++;
	return n;
}

/* Backends in the order of the automatic choice. */
static void by_rank(const struct plbuf_backend **out)
{
	int n = nbackends();

	for (int i = 0; i < n; i++)
		out[i] = plbuf__backends[i];
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && out[j]->rank < out[j - 1]->rank; j--) {
			const struct plbuf_backend *t = out[j];

			out[j] = out[j - 1];
			out[j - 1] = t;
		}
}

PLBUF_EXPORT int plbuf_probe(int i, struct plbuf_probe_info *out)
{
	const struct plbuf_backend *be;
	int n = nbackends();

	if (i < 0 || i >= n || !out)
		return n;
	be = plbuf__backends[i];
	memset(out, 0, sizeof(*out));
	out->name = be->name;
	out->summary = be->summary;
	out->rank = be->rank;
	out->usable = be->probe(out->why, sizeof(out->why)) == 0;
	return n;
}

/* Undoes a failed open, the backend's part included: the chunks of fixed banks, then what open()
 * took (close()), then its private state.  The message and errno stay those of the failure. */
static int undo_open(struct plbuf_ctx *ctx, int opened, int err)
{
	plbuf__pool_destroy(ctx);
	if (opened)
		ctx->be->close(ctx);
	free(ctx->priv);
	ctx->priv = NULL;
	ctx->nbanks = 0;
	memset(&ctx->pool, 0, sizeof(ctx->pool));
	errno = -err;
	return err;
}

static int open_backend(struct plbuf_ctx *ctx, const struct plbuf_backend *be, const char *options)
{
	struct plbuf_kv kv = {0};
	const char *env = getenv("PLBUF_OPTIONS"), *unused;
	int err, nprog, opened = 0;

	ctx->be = be;
	ctx->line_size = plbuf__arch_line_size();
	ctx->chunk_size = 4u << 20;
	ctx->pool.slab_bytes = 256u << 10;
	err = plbuf__kv_parse(&kv, options);
	nprog = kv.n;
	if (!err)
		err = plbuf__kv_parse(&kv, env);
	if (!err)
		err = plbuf__kv_conflict(&kv, nprog);
	if (!err && be->priv_size && !(ctx->priv = calloc(1, be->priv_size)))
		err = plbuf__err(ENOMEM, "out of process memory");
	if (!err) {
		opened = 1;
		err = be->open(ctx, &kv);
	}
	if (!err && (unused = plbuf__kv_unused(&kv)) != NULL)
		err = plbuf__err(EINVAL, "backend %s has no option \"%s\" (see docs/backends/%s.md)",
				 be->name, unused, be->name);
	plbuf__kv_free(&kv);
	if (!err && ctx->nbanks == 0)
		err = plbuf__err(ENODEV, "backend %s found no memory bank", be->name);
	if (err)
		return undo_open(ctx, opened, err);
	/* Where neither the kernel (the backend has no sync) nor the CPU (ARMv7 user space cannot
	 * reach the point of coherency) can maintain cached memory, cached must not be the default:
	 * plbuf never hands out memory whose flush cannot work unless it is asked to. */
	if (!be->sync && plbuf__arch_clean(NULL, 0) == -EOPNOTSUPP)
		for (int i = 0; i < ctx->nbanks; i++)
			if (!ctx->banks[i].coherent)
				ctx->banks[i].cached_default = 0;
	return 0;
}

/* ---------------------------------------------------------------- context memory and fork() */

static pthread_mutex_t closed_lock = PTHREAD_MUTEX_INITIALIZER;
static struct plbuf_ctx *closed_head, *closed_tail;
static struct plbuf_ctx *inherited_closed; /* closed in a forked child: kept, never reused */
static int nclosed;

static plbuf_ctx *_Atomic default_ctx;
static pthread_mutex_t default_lock = PTHREAD_MUTEX_INITIALIZER;
static int default_err;
static unsigned default_err_gen;
static char default_msg[512];

static void prefork(void)
{
	pthread_mutex_lock(&default_lock);
	pthread_mutex_lock(&closed_lock);
	plbuf__tcache_prefork();
}

static void postfork_parent(void)
{
	plbuf__tcache_postfork(0);
	pthread_mutex_unlock(&closed_lock);
	pthread_mutex_unlock(&default_lock);
}

static void postfork_child(void)
{
	/* Every context open now is inherited from here on (plbuf__inherited). */
	plbuf__forkgen++;
	plbuf__tcache_postfork(1);
	pthread_mutex_unlock(&closed_lock);
	pthread_mutex_init(&closed_lock, NULL);
	pthread_mutex_unlock(&default_lock);
	pthread_mutex_init(&default_lock, NULL);
}

static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void atfork_register(void)
{
	pthread_atfork(prefork, postfork_parent, postfork_child);
}

/* Fresh (zeroed) context memory: a closed context's once CTX_QUARANTINE others wait behind it,
 * else new.  A reused one keeps its handle blocks, all freed, as its free list. */
static struct plbuf_ctx *ctx_new(void)
{
	struct plbuf_ctx *ctx = NULL;

	pthread_mutex_lock(&closed_lock);
	if (nclosed > CTX_QUARANTINE) {
		ctx = closed_head;
		closed_head = ctx->closed_next;
		if (!closed_head)
			closed_tail = NULL;
		nclosed--;
	}
	pthread_mutex_unlock(&closed_lock);
	if (ctx) {
		struct plbuf_buf *fh = ctx->free_handles, *ft = ctx->free_tail;
		struct plbuf_handle_block *hb = ctx->handle_blocks;
		unsigned nf = ctx->nfree_handles;

		memset(ctx, 0, sizeof(*ctx));
		ctx->free_handles = fh;
		ctx->free_tail = ft;
		ctx->handle_blocks = hb;
		ctx->nfree_handles = nf;
	} else if ((ctx = calloc(1, sizeof(*ctx))) == NULL) {
		return NULL;
	}
	pthread_mutex_init(&ctx->lock, NULL);
	ctx->forkgen = plbuf__forkgen;
	return ctx;
}

/* A context that is closed, or failed to open, waits for reuse: never back to libc. */
static void ctx_retire(struct plbuf_ctx *ctx)
{
	ctx->magic = PLBUF_CTX_CLOSED;
	ctx->closed_next = NULL;
	pthread_mutex_lock(&closed_lock);
	if (closed_tail)
		closed_tail->closed_next = ctx;
	else
		closed_head = ctx;
	closed_tail = ctx;
	nclosed++;
	pthread_mutex_unlock(&closed_lock);
}

int plbuf__ctx_refuse(const struct plbuf_ctx *ctx, const char *fn)
{
	if (!ctx)
		return plbuf__err(EINVAL, "%s: context is NULL", fn);
	if (ctx->magic != PLBUF_CTX_LIVE)
		return plbuf__err(EBADF, "%s: context %p was closed (plbuf_close); open another",
				  fn, (const void *)ctx);
	return plbuf__err(EPERM, "%s: this %s context was opened before fork() and is inherited: "
			  "its memory is the parent's, so this process may use the buffers it "
			  "inherited but not allocate from it; open a context in this process "
			  "(plbuf_open, or ctx NULL for this process's own default context)", fn,
			  ctx->be->name);
}

/* ---------------------------------------------------------------- open, close, default */

PLBUF_EXPORT plbuf_ctx *plbuf_open(const char *name, const char *options)
{
	const struct plbuf_backend *order[64];
	struct plbuf_ctx *ctx;
	int err = -ENODEV;

	pthread_once(&atfork_once, atfork_register);
	if (!name || !*name || strcmp(name, "auto") == 0) {
		const char *env = getenv("PLBUF_BACKEND");

		if (env && *env && strcmp(env, "auto") != 0)
			name = env;
		else
			name = NULL;
	}
	ctx = ctx_new();
	if (!ctx)
		return plbuf__errp(ENOMEM, "out of process memory");

	if (name) {
		const struct plbuf_backend *be = plbuf__backend_find(name);

		if (!be) {
			char names[256] = "";
			size_t len = 0;

			for (int i = 0; plbuf__backends[i] && len < sizeof(names) - 24; i++)
				len += (size_t)snprintf(names + len, sizeof(names) - len, "%s%s",
							i ? ", " : "", plbuf__backends[i]->name);
			err = plbuf__err(ENOENT, "no backend \"%s\"; this build has: %s", name, names);
		} else {
			err = open_backend(ctx, be, options);
		}
	} else {
		/* The automatic choice: the first backend, by rank, that probes and opens.  A backend
		 * that probes usable but fails to open is the one the user meant: if no later one
		 * opens, its error is reported, not the last one tried; if one does, the reason says
		 * why the first failed. */
		int n = nbackends(), len = 0, first_err = 0;
		char why[256], skipped[300] = "", first_msg[400] = "";
		const char *first_be = NULL;

		by_rank(order);
		for (int i = 0; i < n; i++) {
			if (order[i]->probe(why, sizeof(why)) < 0) {
				if (len < (int)sizeof(skipped) - 2)
					len += snprintf(skipped + len, sizeof(skipped) - (size_t)len,
							"%s%s", len ? ", " : "", order[i]->name);
				continue;
			}
			err = open_backend(ctx, order[i], options);
			if (!err) {
				/* Each part bounded so the whole fits ctx->reason (512): a long list of
				 * skipped backends or a long message is cut, never the sentence. */
				snprintf(ctx->reason, sizeof(ctx->reason),
					 "first usable backend by rank%s%.160s%s%s%.32s%s%.180s", skipped[0] ? " (" : "",
					 skipped, skipped[0] ? " not usable here; see plbuf info)" : "",
					 first_be ? "; " : "", first_be ? first_be : "",
					 first_be ? " probed usable but failed to open: " : "",
					 first_msg);
				break;
			}
			if (!first_err) {
				first_err = err;
				first_be = order[i]->name;
				snprintf(first_msg, sizeof(first_msg), "%s", plbuf_errmsg());
			}
			if (len < (int)sizeof(skipped) - 2)
				len += snprintf(skipped + len, sizeof(skipped) - (size_t)len, "%s%s",
						len ? ", " : "", order[i]->name);
		}
		if (err && first_err)
			err = plbuf__err(first_err, "automatic choice: %s, the first usable backend, "
					 "failed to open: %s", first_be, first_msg);
	}
	if (err) {
		int e = errno;

		pthread_mutex_destroy(&ctx->lock);
		ctx_retire(ctx);
		errno = e;
		return NULL;
	}
	ctx->magic = PLBUF_CTX_LIVE;
	plbuf__tcache_ctx_init(ctx);
	return ctx;
}

PLBUF_EXPORT void plbuf_close(plbuf_ctx *ctx)
{
	if (!ctx)
		return;
	if (ctx->magic != PLBUF_CTX_LIVE) {
		plbuf__err(EBADF, "plbuf_close: context %p was already closed", (void *)ctx);
		return;
	}
	/* Closing the default context is allowed: the next plbuf_default() (or plbuf_allocate with
	 * ctx NULL) opens a new one. */
	if (atomic_load(&default_ctx) == ctx) {
		pthread_mutex_lock(&default_lock);
		if (atomic_load(&default_ctx) == ctx)
			atomic_store(&default_ctx, NULL);
		pthread_mutex_unlock(&default_lock);
	}
	ctx->magic = PLBUF_CTX_CLOSED;
	/* Every thread's cached buffers, then those still allocated, go back before the banks. */
	plbuf__tcache_ctx_fini(ctx);
	plbuf__handles_release_all(ctx);
	if (plbuf__inherited(ctx)) {
		/* The parent's: its pool, chunks and backend state are left exactly as fork() copied
		 * them (the sim backend, for one, still lists its state for exit-time cleanup), and
		 * stay reachable, so nothing of it is freed, called or lost; only its handles read
		 * "freed" now. */
		pthread_mutex_lock(&closed_lock);
		ctx->closed_next = inherited_closed;
		inherited_closed = ctx;
		pthread_mutex_unlock(&closed_lock);
		return;
	}
	plbuf__pool_destroy(ctx);
	ctx->be->close(ctx);
	free(ctx->priv);
	ctx->priv = NULL;
	for (int i = 0; i < 64; i++)
		while (ctx->dtypes[i]) {
			struct plbuf_dtype_entry *e = ctx->dtypes[i];

			ctx->dtypes[i] = e->next;
			free(e);
		}
	pthread_mutex_destroy(&ctx->lock);
	ctx_retire(ctx);
}

static plbuf_ctx *default_slow(void)
{
	plbuf_ctx *ctx;

	pthread_once(&atfork_once, atfork_register);
	pthread_mutex_lock(&default_lock);
	ctx = atomic_load(&default_ctx);
	if (ctx && !plbuf__inherited(ctx)) {
		pthread_mutex_unlock(&default_lock);
		return ctx;
	}
	/* A failure is remembered (each allocate would probe every backend again), except across
	 * fork(): the child tries for itself. */
	if (default_err && default_err_gen == plbuf__forkgen) {
		pthread_mutex_unlock(&default_lock);
		return plbuf__errp(default_err, "default context: %s", default_msg);
	}
	/* An inherited default stays open for the buffers the child inherited from it. */
	ctx = plbuf_open(NULL, NULL);
	if (!ctx) {
		default_err = errno;
		default_err_gen = plbuf__forkgen;
		snprintf(default_msg, sizeof(default_msg), "%s", plbuf_errmsg());
		pthread_mutex_unlock(&default_lock);
		return plbuf__errp(default_err, "default context: %s", default_msg);
	}
	default_err = 0;
	atomic_store(&default_ctx, ctx);
	pthread_mutex_unlock(&default_lock);
	return ctx;
}

PLBUF_EXPORT plbuf_ctx *plbuf_default(void)
{
	plbuf_ctx *ctx = atomic_load_explicit(&default_ctx, memory_order_acquire);

	if (ctx && !plbuf__inherited(ctx))
		return ctx;
	return default_slow();
}

/* Queries other than allocation work on an inherited context, not on a closed one. */
static int ctx_open_check(const plbuf_ctx *ctx, const char *fn)
{
	if (ctx && ctx->magic == PLBUF_CTX_LIVE)
		return 0;
	return plbuf__ctx_refuse(ctx, fn);
}

PLBUF_EXPORT const char *plbuf_ctx_backend(const plbuf_ctx *ctx)
{
	return ctx->be->name;
}

PLBUF_EXPORT const char *plbuf_ctx_reason(const plbuf_ctx *ctx)
{
	return ctx->reason;
}

PLBUF_EXPORT int plbuf_ctx_describe(plbuf_ctx *ctx, char *buf, size_t len)
{
	char *text = NULL;
	size_t n = 0;
	FILE *f;
	int ret;

	if ((ret = ctx_open_check(ctx, "plbuf_ctx_describe")) < 0)
		return ret;
	f = open_memstream(&text, &n);
	if (!f)
		return plbuf__err(ENOMEM, "out of process memory");
	if (ctx->be->info)
		ctx->be->info(ctx, f);
	fclose(f);
	ret = snprintf(buf, len, "%s", text ? text : "");
	free(text);
	return ret;
}

PLBUF_EXPORT size_t plbuf_ctx_line_size(const plbuf_ctx *ctx)
{
	return ctx->line_size;
}

PLBUF_EXPORT int plbuf_ctx_nbanks(plbuf_ctx *ctx)
{
	int err;

	if ((err = ctx_open_check(ctx, "plbuf_ctx_nbanks")) < 0)
		return err;
	return ctx->nbanks;
}

PLBUF_EXPORT int plbuf_ctx_bank(plbuf_ctx *ctx, int i, struct plbuf_bank_info *out)
{
	int err;

	if ((err = ctx_open_check(ctx, "plbuf_ctx_bank")) < 0)
		return err;
	if (!out)
		return plbuf__err(EINVAL, "plbuf_ctx_bank: output is NULL");
	if (i < 0 || i >= ctx->nbanks)
		return plbuf__err(ENOENT, "bank index %d is not in 0..%d", i, ctx->nbanks - 1);
	const struct plbuf_bank *b = &ctx->banks[i];

	memset(out, 0, sizeof(*out));
	snprintf(out->name, sizeof(out->name), "%s", b->name);
	out->base = b->base;
	out->size = b->size;
	out->coherent = b->coherent;
	pthread_mutex_lock(&ctx->lock);
	plbuf__pool_stats(ctx, i, &out->free, &out->largest);
	pthread_mutex_unlock(&ctx->lock);
	return 0;
}

int plbuf__bank_add(struct plbuf_ctx *ctx, const struct plbuf_bank *b)
{
	if (ctx->nbanks >= PLBUF_MAX_BANKS)
		return plbuf__err(EINVAL, "more than %d banks", PLBUF_MAX_BANKS);
	for (int i = 0; i < ctx->nbanks; i++)
		if (strcmp(ctx->banks[i].name, b->name) == 0)
			return plbuf__err(EINVAL, "two banks named %s", b->name);
	ctx->banks[ctx->nbanks] = *b;
	return ctx->nbanks++;
}

int plbuf__bank_add_chunk(struct plbuf_ctx *ctx, const struct plbuf_chunk *c)
{
	return plbuf__pool_add_fixed(ctx, c);
}

int plbuf__nbanks(const struct plbuf_ctx *ctx)
{
	return ctx->nbanks;
}

const struct plbuf_bank *plbuf__bank(const struct plbuf_ctx *ctx, int i)
{
	return &ctx->banks[i];
}

void *plbuf__priv(const struct plbuf_ctx *ctx)
{
	return ctx->priv;
}

uint64_t plbuf__chunk_size(const struct plbuf_ctx *ctx)
{
	return ctx->chunk_size;
}

void plbuf__set_chunk_size(struct plbuf_ctx *ctx, uint64_t bytes)
{
	ctx->chunk_size = bytes;
}

void plbuf__set_line_size(struct plbuf_ctx *ctx, size_t bytes)
{
	ctx->line_size = bytes;
}
