/*
 * sim - simulated device memory, the default backend where no FPGA driver is present.
 *
 * Device DRAM is a shared-memory file (/dev/shm/<name>, mode 0600) that a device model maps and
 * reaches by device address through the device-side API (src/sim_device.c): a thread, another
 * process, an RTL simulator.  Each bank has a base address and a size of its own.
 *
 * Coherent banks: the CPU maps the file itself; what the CPU writes the device sees.
 * Non-coherent banks (the default, like a Zynq HP port): cached buffers live in a private copy of
 * the bank, the "CPU cache", and only flush / invalidate move data between it and the file, a whole
 * cache line at a time.  A program that forgets to flush makes the device read stale DRAM, exactly
 * as on the board.  Uncached buffers (cacheable=no) map the file directly.
 *
 * Options: name=<shm name>  banks=NAME@BASE:SIZE[:coherent],...  coherent=0|1  line=<bytes>
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend.h"
#include "sim_format.h"
#include "os/sys.h"

#define SIM_DEFAULT_BANKS "DDR0@0x40000000:512M"

struct sim {
	struct sim *next;    /* in the list of open contexts, for removal at exit */
	char name[64];
	int fd;
	void *file;          /* the whole file, shared */
	uint64_t file_size;
	void *cpu[PLBUF_SIM_MAX_BANKS]; /* non-coherent banks: the CPU's private view */
};

/*
 * Memory files must not outlive their process.  A context closed by plbuf_close() removes its own;
 * the default context is never closed, and programs forget, so the names of open contexts are also
 * removed at exit.  A process killed outright leaves its file: the next sim context of the same user
 * removes files whose process no longer exists.
 */
static pthread_mutex_t names_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sim *open_sims;
static int atexit_done;

static void unlink_at_exit(void)
{
	pthread_mutex_lock(&names_lock);
	for (struct sim *s = open_sims; s; s = s->next)
		shm_unlink(s->name);
	pthread_mutex_unlock(&names_lock);
}

static void track(struct sim *s, int add)
{
	pthread_mutex_lock(&names_lock);
	if (add) {
		if (!atexit_done)
			atexit_done = atexit(unlink_at_exit) == 0;
		s->next = open_sims;
		open_sims = s;
	} else {
		for (struct sim **pp = &open_sims; *pp; pp = &(*pp)->next)
			if (*pp == s) {
				*pp = s->next;
				break;
			}
	}
	pthread_mutex_unlock(&names_lock);
}

/* Removes /dev/shm/plbuf-sim-<pid>-<n> files of this user whose process is gone. */
static void reap_stale(void)
{
	DIR *d = plbuf__sys_opendir("/dev/shm");
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		int pid;
		unsigned n;
		char name[300];
		struct stat st;

		if (sscanf(e->d_name, "plbuf-sim-%d-%u", &pid, &n) != 2 || pid <= 0)
			continue;
		if (kill(pid, 0) == 0 || errno != ESRCH)
			continue;
		snprintf(name, sizeof(name), "/dev/shm/%s", e->d_name);
		if (stat(name, &st) == 0 && st.st_uid == geteuid())
			unlink(name);
	}
	closedir(d);
}

static int sim_probe(char *why, size_t len)
{
	if (access("/dev/shm", W_OK) != 0) {
		snprintf(why, len, "/dev/shm is not writable: %s", strerror(errno));
		return -errno;
	}
	snprintf(why, len, "device memory simulated in /dev/shm; always available");
	return 0;
}

/* "DDR0@0x40000000:512M:coherent" */
static int parse_bank(const char *spec, size_t n, int dflt_coherent, struct plbuf_bank *b)
{
	char tmp[128], *at, *colon, *attr;
	uint64_t base, size;

	if (n >= sizeof(tmp))
		return plbuf__err(EINVAL, "sim: bank \"%.*s\" is too long", (int)n, spec);
	memcpy(tmp, spec, n);
	tmp[n] = 0;
	at = strchr(tmp, '@');
	colon = at ? strchr(at, ':') : NULL;
	if (!at || !colon || at == tmp || (size_t)(at - tmp) >= sizeof(b->name))
		return plbuf__err(EINVAL, "sim: bank \"%s\" is not NAME@BASE:SIZE[:coherent]", tmp);
	*at = 0;
	*colon = 0;
	attr = strchr(colon + 1, ':');
	if (attr)
		*attr++ = 0;
	if (plbuf__parse_size(at + 1, &base) < 0 || plbuf__parse_size(colon + 1, &size) < 0 ||
	    size == 0)
		return plbuf__err(EINVAL, "sim: bank %s: bad base \"%s\" or size \"%s\"", tmp, at + 1,
				  colon + 1);
	if (base & (plbuf__page_size() - 1) || size & (plbuf__page_size() - 1))
		return plbuf__err(EINVAL, "sim: bank %s: base and size must be multiples of the page "
				  "size (%zu)", tmp, plbuf__page_size());
	if (base + size < base)
		return plbuf__err(EINVAL, "sim: bank %s runs past the end of the address space", tmp);
	memset(b, 0, sizeof(*b));
	snprintf(b->name, sizeof(b->name), "%.31s", tmp);
	b->base = base;
	b->size = size;
	b->fixed = 1;
	b->cached_default = 1;
	b->coherent = dflt_coherent;
	if (attr && strcmp(attr, "coherent") == 0)
		b->coherent = 1;
	else if (attr && strcmp(attr, "noncoherent") == 0)
		b->coherent = 0;
	else if (attr)
		return plbuf__err(EINVAL, "sim: bank %s: \"%s\" is not coherent or noncoherent", tmp,
				  attr);
	return 0;
}

static int check_overlaps(struct plbuf_ctx *ctx)
{
	for (int i = 0; i < plbuf__nbanks(ctx); i++)
		for (int j = i + 1; j < plbuf__nbanks(ctx); j++) {
			const struct plbuf_bank *a = plbuf__bank(ctx, i), *b = plbuf__bank(ctx, j);

			if (a->base < b->base + b->size && b->base < a->base + a->size)
				return plbuf__err(EINVAL, "sim: banks %s and %s overlap", a->name,
						  b->name);
		}
	return 0;
}

static void sim_close(struct plbuf_ctx *ctx)
{
	struct sim *s = plbuf__priv(ctx);

	for (int i = 0; i < PLBUF_SIM_MAX_BANKS; i++)
		if (s->cpu[i])
			munmap(s->cpu[i], plbuf__bank(ctx, i)->size);
	if (s->file)
		munmap(s->file, s->file_size);
	if (s->fd >= 0) {
		close(s->fd);
		shm_unlink(s->name);
		track(s, 0);
	}
}

static int sim_open(struct plbuf_ctx *ctx, struct plbuf_kv *kv)
{
	static unsigned counter;
	const char *banks = plbuf__kv_get(kv, "banks"), *name = plbuf__kv_get(kv, "name");
	uint64_t coherent, line;
	struct plbuf_sim_hdr *hdr;
	struct sim *s = plbuf__priv(ctx);
	int err;

	s->fd = -1;
	if ((err = plbuf__kv_u64(kv, "coherent", 0, &coherent)) < 0 ||
	    (err = plbuf__kv_u64(kv, "line", 64, &line)) < 0)
		return err;
	if (line < 16 || line > 4096 || (line & (line - 1)))
		return plbuf__err(EINVAL, "sim: line=%llu is not a power of two in 16..4096",
				  (unsigned long long)line);
	plbuf__set_line_size(ctx, line);
	if (!banks)
		banks = SIM_DEFAULT_BANKS;
	for (const char *p = banks; *p;) {
		size_t n = strcspn(p, ",");
		struct plbuf_bank b;

		if (plbuf__nbanks(ctx) >= PLBUF_SIM_MAX_BANKS)
			return plbuf__err(EINVAL, "sim: more than %d banks", PLBUF_SIM_MAX_BANKS);
		if ((err = parse_bank(p, n, coherent != 0, &b)) < 0 ||
		    (err = plbuf__bank_add(ctx, &b)) < 0)
			return err;
		p += n;
		if (*p == ',')
			p++;
	}
	if ((err = check_overlaps(ctx)) < 0)
		return err;

	if (name)
		snprintf(s->name, sizeof(s->name), "/%s", name[0] == '/' ? name + 1 : name);
	else
		snprintf(s->name, sizeof(s->name), "/plbuf-sim-%d-%u", (int)getpid(),
			 __atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED));
	if (!name)
		reap_stale();
	/* 0600 and O_EXCL: only this user's processes can attach, and never to a stale file. */
	s->fd = plbuf__sys_shm_open(s->name, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (s->fd < 0)
		return plbuf__err(errno, "sim: cannot create shared memory /dev/shm%s: %s%s", s->name,
				  strerror(errno), errno == EEXIST ? " (another context uses this name)" :
				  "");
	track(s, 1);
	s->file_size = PLBUF_SIM_HDR_SIZE;
	for (int i = 0; i < plbuf__nbanks(ctx); i++)
		s->file_size += plbuf__bank(ctx, i)->size;
	/* Sparse: a 512 MiB bank costs memory only where it is written. */
	if (plbuf__sys_ftruncate(s->fd, (off_t)s->file_size) < 0)
		return plbuf__err(errno, "sim: cannot size /dev/shm%s to %llu bytes: %s", s->name,
				  (unsigned long long)s->file_size, strerror(errno));
	s->file = plbuf__sys_mmap(NULL, s->file_size, PROT_READ | PROT_WRITE, MAP_SHARED, s->fd, 0);
	if (s->file == MAP_FAILED) {
		s->file = NULL;
		return plbuf__err(errno, "sim: cannot map /dev/shm%s: %s", s->name, strerror(errno));
	}
	hdr = s->file;
	hdr->version = PLBUF_SIM_VERSION;
	hdr->nbanks = (uint32_t)plbuf__nbanks(ctx);
	hdr->line_size = line;
	hdr->file_size = s->file_size;

	uint64_t off = PLBUF_SIM_HDR_SIZE;

	for (int i = 0; i < plbuf__nbanks(ctx); i++) {
		const struct plbuf_bank *b = plbuf__bank(ctx, i);
		struct plbuf_chunk c = {0};

		snprintf(hdr->banks[i].name, sizeof(hdr->banks[i].name), "%s", b->name);
		hdr->banks[i].base = b->base;
		hdr->banks[i].size = b->size;
		hdr->banks[i].file_off = off;
		hdr->banks[i].coherent = (uint32_t)b->coherent;
		c.bank = i;
		c.dev = b->base;
		c.phys = b->base;
		c.size = b->size;
		c.va_uc = (char *)s->file + off;
		if (b->coherent) {
			c.va = c.va_uc;
			c.flags = PLBUF_CHUNK_CACHED | PLBUF_CHUNK_COHERENT;
		} else {
			s->cpu[i] = plbuf__sys_mmap(NULL, b->size, PROT_READ | PROT_WRITE,
					 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
			if (s->cpu[i] == MAP_FAILED) {
				s->cpu[i] = NULL;
				return plbuf__err(errno, "sim: cannot map the CPU view of bank %s "
						  "(%llu bytes): %s", b->name,
						  (unsigned long long)b->size, strerror(errno));
			}
			c.va = s->cpu[i];
			c.flags = PLBUF_CHUNK_CACHED;
		}
		if ((err = plbuf__bank_add_chunk(ctx, &c)) < 0)
			return err;
		off += b->size;
	}
	/* Last, so that a device model never attaches to a half-written header. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	memcpy(hdr->magic, PLBUF_SIM_MAGIC, sizeof(hdr->magic));
	return 0;
}

/* Moves whole lines between the CPU's view and the device's memory.  Invalidate drops the CPU's
 * lines, but a partial line at either edge is cleaned first (clean+invalidate, as the Linux DMA API
 * does): the bytes of that line outside the range belong to the CPU and must survive. */
static int sim_sync(struct plbuf_ctx *ctx, const struct plbuf_chunk *c, uint64_t off, uint64_t len,
		    enum plbuf_sync_dir dir)
{
	uint64_t line = plbuf_ctx_line_size(ctx);
	uint64_t lo = off & ~(line - 1), hi = (off + len + line - 1) & ~(line - 1);
	char *cpu = c->va, *dev = c->va_uc;

	if (hi > c->size)
		hi = c->size;
	if (dir == PLBUF_SYNC_TO_DEVICE) {
		memcpy(dev + lo, cpu + lo, hi - lo);
		return 0;
	}
	if (off != lo)
		memcpy(dev + lo, cpu + lo, line);
	if (off + len != hi) /* may be the same line as above: cleaning twice is harmless */
		memcpy(dev + hi - line, cpu + hi - line, line);
	memcpy(cpu + lo, dev + lo, hi - lo);
	return 0;
}

static void sim_info(struct plbuf_ctx *ctx, FILE *out)
{
	struct sim *s = plbuf__priv(ctx);

	fprintf(out, "  memory file: /dev/shm%s (%llu bytes, sparse); device models attach to "
		"\"%s\"\n", s->name, (unsigned long long)s->file_size, s->name + 1);
	fprintf(out, "  cache line: %zu bytes; more memory: banks=NAME@BASE:SIZE[:coherent],... in "
		"PLBUF_OPTIONS\n", plbuf_ctx_line_size(ctx));
}

PLBUF_EXPORT const char *plbuf_sim_name(const plbuf_ctx *ctx)
{
	if (!ctx || strcmp(plbuf_ctx_backend(ctx), "sim") != 0)
		return NULL;
	return ((const struct sim *)plbuf__priv(ctx))->name + 1;
}

const struct plbuf_backend plbuf__backend_sim = {
	.name = "sim",
	.summary = "simulated device memory in /dev/shm, for developing without a board",
	.rank = 1000,
	.priv_size = sizeof(struct sim),
	.probe = sim_probe,
	.open = sim_open,
	.close = sim_close,
	.sync = sim_sync,
	.info = sim_info,
};
