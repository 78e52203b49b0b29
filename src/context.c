/*
 * context.c - opening a backend (by name or by the automatic choice), its banks, and closing it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "context.h"
#include "options.h"

#define STR_(x) #x
#define STR(x) STR_(x)

PLBUF_EXPORT const char *plbuf_version(void)
{
	return STR(PLBUF_VERSION_MAJOR) "." STR(PLBUF_VERSION_MINOR) "." STR(PLBUF_VERSION_PATCH);
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
	int err, opened = 0;

	ctx->be = be;
	ctx->line_size = plbuf__arch_line_size();
	ctx->chunk_size = 4u << 20;
	ctx->pool.slab_bytes = 256u << 10;
	err = plbuf__kv_parse(&kv, options);
	if (!err)
		err = plbuf__kv_parse(&kv, env);
	if (!err && be->priv_size && !(ctx->priv = calloc(1, be->priv_size)))
		err = plbuf__err(ENOMEM, "out of process memory");
	if (!err) {
		opened = 1;
		err = be->open(ctx, &kv);
	}
	if (!err && (unused = plbuf__kv_unused(&kv)) != NULL)
		err = plbuf__err(EINVAL, "backend %s has no option \"%s\" (see docs/backends.md)",
				 be->name, unused);
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

PLBUF_EXPORT plbuf_ctx *plbuf_open(const char *name, const char *options)
{
	const struct plbuf_backend *order[64];
	struct plbuf_ctx *ctx;
	int err = -ENODEV;

	if (!name || !*name || strcmp(name, "auto") == 0) {
		const char *env = getenv("PLBUF_BACKEND");

		if (env && *env && strcmp(env, "auto") != 0)
			name = env;
		else
			name = NULL;
	}
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return plbuf__errp(ENOMEM, "out of process memory");
	pthread_mutex_init(&ctx->lock, NULL);

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
		/* The automatic choice: the first backend, by rank, that probes and opens. */
		int n = nbackends(), len = 0;
		char why[256], skipped[300] = "";

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
				snprintf(ctx->reason, sizeof(ctx->reason),
					 "first usable backend by rank%s%s%s", skipped[0] ? " (" : "",
					 skipped, skipped[0] ? " not usable here; see plbuf info)" : "");
				break;
			}
			if (len < (int)sizeof(skipped) - 2)
				len += snprintf(skipped + len, sizeof(skipped) - (size_t)len, "%s%s",
						len ? ", " : "", order[i]->name);
		}
	}
	if (err) {
		int e = errno;

		pthread_mutex_destroy(&ctx->lock);
		free(ctx);
		errno = e;
		return NULL;
	}
	plbuf__tcache_ctx_init(ctx);
	return ctx;
}

PLBUF_EXPORT void plbuf_close(plbuf_ctx *ctx)
{
	if (!ctx)
		return;
	/* Every thread's cached buffers, then those still allocated, go back before the banks. */
	plbuf__tcache_ctx_fini(ctx);
	plbuf__handles_release_all(ctx);
	plbuf__pool_destroy(ctx);
	ctx->be->close(ctx);
	free(ctx->priv);
	for (int i = 0; i < 64; i++)
		while (ctx->dtypes[i]) {
			struct plbuf_dtype_entry *e = ctx->dtypes[i];

			ctx->dtypes[i] = e->next;
			free(e);
		}
	pthread_mutex_destroy(&ctx->lock);
	free(ctx);
}

static plbuf_ctx *default_ctx;
static int default_err;
static char default_msg[512];
static pthread_once_t default_once = PTHREAD_ONCE_INIT;

static void open_default(void)
{
	default_ctx = plbuf_open(NULL, NULL);
	if (!default_ctx) {
		default_err = errno;
		snprintf(default_msg, sizeof(default_msg), "%s", plbuf_errmsg());
	}
}

PLBUF_EXPORT plbuf_ctx *plbuf_default(void)
{
	pthread_once(&default_once, open_default);
	if (!default_ctx)
		return plbuf__errp(default_err, "default context: %s", default_msg);
	return default_ctx;
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

	if (!ctx)
		return plbuf__err(EINVAL, "context is NULL");
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
	if (!ctx)
		return plbuf__err(EINVAL, "context is NULL");
	return ctx->nbanks;
}

PLBUF_EXPORT int plbuf_ctx_bank(plbuf_ctx *ctx, int i, struct plbuf_bank_info *out)
{
	if (!ctx || !out)
		return plbuf__err(EINVAL, "context or output is NULL");
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
