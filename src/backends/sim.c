/*
 * sim - simulated device memory, the default backend where no FPGA driver is present.
 *
 * Device DRAM is a shared-memory file (/dev/shm/<name>, mode 0600) that a device model maps and
 * reaches by device address through the device-side API (src/sim_device.c): a thread, another
 * process, an RTL simulator.  Each bank has a base address and a size of its own.
 *
 * Coherent banks: the CPU maps the device memory itself; what the CPU writes the device sees.
 * Non-coherent banks (the default, like a Zynq HP port) behave as a write-back cache does: cached
 * buffers live in the CPU's view of the bank, a second region of the file, and each of its lines
 * is clean or dirty (dirty: it differs from what it held when last filled or cleaned, the third
 * region).  A flush writes back the dirty lines of the range and only those; an invalidate refills
 * the range from device memory, a partial edge line having been cleaned first by the core's edge
 * rule (src/sync.c), which writes it back only if it is dirty.  So a program that forgets to flush
 * makes the device read stale DRAM, exactly as on the board, and a device write followed by an
 * invalidate always reaches the CPU.  Uncached buffers (cacheable=no) map device memory directly.
 * The DMA-API checker (src/sim_check.c, docs/backends/sim.md) watches both sides.
 *
 * Options: name=<shm name>  banks=NAME@BASE:SIZE[:coherent],...  coherent=0|1  line=<bytes>
 *          check=0|1|fatal (default: $PLBUF_SIM_CHECK, else 0)
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "backend.h"
#include "sim_format.h"
#include "os/sys.h"

/* 512 MiB where the address space is large; on 32-bit systems a non-coherent bank takes three
 * times its size of address space (see sim_format.h), twice more where a device model attaches in
 * the same process, and Zynq-7000 boards have 512 MiB to 1 GiB of memory in all. */
#define SIM_DEFAULT_BANKS (sizeof(void *) >= 8 ? "DDR0@0x40000000:512M" : "DDR0@0x40000000:128M")
/* The file is sparse; its pages are backed (fallocate) a block at a time when a buffer first uses
 * them, so that a full /dev/shm fails an allocation with ENOMEM instead of killing the process with
 * SIGBUS at its first store. */
#define SIM_BLOCK (64u << 10)

struct sim_bank {
	struct plbuf_sim_bankv v;
	uint64_t off[4];      /* in the file: device memory, CPU view, clean copy, line states */
	uint64_t *backed;     /* one bit per SIM_BLOCK of the bank */
};

struct sim {
	struct sim *next;    /* in the list of open contexts, for removal at exit */
	char name[PLBUF_SIM_NAME_MAX + 2];
	pid_t creator;       /* only the process that created the file removes it */
	int fd;
	void *file;          /* the whole file, shared */
	uint64_t file_size;
	struct plbuf_sim_hdr *hdr;
	struct sim_bank bank[PLBUF_SIM_MAX_BANKS];
};

/*
 * Memory files must not outlive their process.  A context closed by plbuf_close() removes its own;
 * the default context is never closed, and programs forget, so the names of open contexts are also
 * removed at exit, by the process that created them only: a forked child that exits must not
 * remove its parent's live file.  A process killed outright leaves its file: the next sim context
 * of the same user removes files whose owner is gone, which it knows by the lock the owner holds
 * on the file for as long as it lives (not by a pid, which another PID namespace sharing /dev/shm
 * would read differently).
 */
static pthread_mutex_t names_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sim *open_sims;
static int atexit_done;

static void unlink_at_exit(void)
{
	pthread_mutex_lock(&names_lock);
	for (struct sim *s = open_sims; s; s = s->next)
		if (s->creator == getpid())
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

/* Removes /dev/shm/plbuf-sim-<pid>-<n> files of this user that no process holds locked.  A file just
 * created and not yet locked by its owner is still empty: those are left alone. */
static void reap_stale(void)
{
	DIR *d = plbuf__sys_opendir("/dev/shm");
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		char name[300];
		struct stat st;
		int fd;

		int len = 0;
		unsigned pid, n;

		/* exactly plbuf-sim-<pid>-<n>: files named after it (a device model's ".regs",
		 * ".irqN") are their owners' to manage */
		if (sscanf(e->d_name, "plbuf-sim-%u-%u%n", &pid, &n, &len) != 2 ||
		    e->d_name[len] != 0)
			continue;
		snprintf(name, sizeof(name), "/dev/shm/%s", e->d_name);
		fd = open(name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
		if (fd < 0)
			continue;
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid() &&
		    st.st_size > 0 && flock(fd, LOCK_EX | LOCK_NB) == 0)
			unlink(name);
		close(fd);
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
		free(s->bank[i].backed);
	if (s->file)
		munmap(s->file, s->file_size);
	if (s->fd >= 0) {
		close(s->fd);
		/* A forked child closing an inherited context leaves its parent's file alone. */
		if (s->creator == getpid())
			shm_unlink(s->name);
		track(s, 0);
	}
}

/* The checker's mode: check=, else $PLBUF_SIM_CHECK, else off. */
static int parse_check(struct plbuf_kv *kv, uint32_t *out)
{
	const char *v = plbuf__kv_get(kv, "check"), *from = "check=";

	if (!v) {
		v = getenv("PLBUF_SIM_CHECK");
		from = "PLBUF_SIM_CHECK=";
	}
	if (!v || !*v || !strcmp(v, "0"))
		*out = PLBUF_SIM_CHECK_OFF;
	else if (!strcmp(v, "1"))
		*out = PLBUF_SIM_CHECK_REPORT;
	else if (!strcmp(v, "fatal"))
		*out = PLBUF_SIM_CHECK_FATAL;
	else
		return plbuf__err(EINVAL, "sim: %s%s is not 0, 1 or fatal", from, v);
	return 0;
}

/* "/name" from name= (a leading / is allowed), refused rather than cut when it does not fit: a
 * cut name would attach elsewhere, and two long names would collide. */
static int set_name(struct sim *s, const char *name)
{
	static unsigned counter;
	size_t n;

	if (!name) {
		snprintf(s->name, sizeof(s->name), "/plbuf-sim-%d-%u", (int)getpid(),
			 __atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED));
		return 0;
	}
	if (name[0] == '/')
		name++;
	n = strlen(name);
	if (n > PLBUF_SIM_NAME_MAX)
		return plbuf__err(ENAMETOOLONG, "sim: name=%.40s... is %zu bytes long; the limit is %d "
				  "(PLBUF_SIM_NAME_MAX)", name, n, PLBUF_SIM_NAME_MAX);
	if (n == 0 || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, ".."))
		return plbuf__err(EINVAL, "sim: name=\"%s\" is not a file name (one to %d bytes, no '/')",
				  name, PLBUF_SIM_NAME_MAX);
	snprintf(s->name, sizeof(s->name), "/%s", name);
	return 0;
}

/* The region sizes of a bank in the file: device memory, and for a non-coherent one the CPU's view,
 * its clean copy and a state byte per line. */
static uint64_t layout_bank(struct sim_bank *sb, const struct plbuf_bank *b, uint64_t line,
			    uint64_t off)
{
	uint64_t page = plbuf__page_size();

	sb->off[0] = off;
	off += b->size;
	if (!b->coherent) {
		sb->off[1] = off;
		sb->off[2] = off + b->size;
		sb->off[3] = off + 2 * b->size;
		off += 2 * b->size + ((b->size / line + page - 1) & ~(page - 1));
	}
	return off;
}

static int shm_full(const char *what, uint64_t bytes)
{
	struct statvfs vfs;
	unsigned long long size = 0, avail = 0;

	if (statvfs("/dev/shm", &vfs) == 0) {
		size = (unsigned long long)vfs.f_blocks * vfs.f_frsize;
		avail = (unsigned long long)vfs.f_bavail * vfs.f_frsize;
	}
	return plbuf__err(ENOMEM, "sim: /dev/shm is full (%llu KiB in all, %llu KiB free): cannot back "
			  "%s (%llu bytes); make /dev/shm larger (docker run --shm-size=1g; "
			  "mount -o remount,size=1G /dev/shm) or give the sim smaller banks "
			  "(banks=DDR0@0x40000000:32M)", size >> 10, avail >> 10, what,
			  (unsigned long long)bytes);
}

/* Backs [off, off + len) of a bank's regions in the file, a block at a time, once. */
static int back(struct sim *s, int bank, uint64_t off, uint64_t len)
{
	struct sim_bank *sb = &s->bank[bank];
	uint64_t size = sb->v.size;

	for (uint64_t k = off / SIM_BLOCK; k * SIM_BLOCK < off + len; k++) {
		uint64_t *w = &sb->backed[k / 64], bit = 1ull << (k % 64);
		uint64_t at = k * SIM_BLOCK, n = size - at < SIM_BLOCK ? size - at : SIM_BLOCK;

		if (__atomic_load_n(w, __ATOMIC_ACQUIRE) & bit)
			continue;
		for (int r = 0; r < 4; r++) {
			uint64_t ro = r == 3 ? at / sb->v.line : at, rn = r == 3 ? n / sb->v.line : n;

			if (!sb->off[r] || rn == 0)
				continue;
			if (plbuf__sys_fallocate(s->fd, 0, (off_t)(sb->off[r] + ro), (off_t)rn) < 0) {
				if (errno == EOPNOTSUPP)
					break; /* not tmpfs: nothing to reserve */
				if (errno == ENOSPC || errno == ENOMEM)
					return shm_full("a buffer's memory", len);
				return plbuf__err(errno, "sim: fallocate of /dev/shm%s failed: %s", s->name,
						  strerror(errno));
			}
		}
		__atomic_fetch_or(w, bit, __ATOMIC_RELEASE);
	}
	return 0;
}

static int backed(const struct sim_bank *sb, uint64_t off, uint64_t len)
{
	for (uint64_t k = off / SIM_BLOCK; k * SIM_BLOCK < off + len; k++)
		if (!(__atomic_load_n(&sb->backed[k / 64], __ATOMIC_ACQUIRE) & (1ull << (k % 64))))
			return 0;
	return 1;
}

static int sim_open(struct plbuf_ctx *ctx, struct plbuf_kv *kv)
{
	const char *banks = plbuf__kv_get(kv, "banks"), *name = plbuf__kv_get(kv, "name");
	uint64_t coherent, line, off;
	uint32_t check = PLBUF_SIM_CHECK_OFF;
	struct plbuf_sim_hdr *hdr;
	struct sim *s = plbuf__priv(ctx);
	int err;

	s->fd = -1; /* the core calls sim_close() on a failed open */
	s->creator = getpid();
	if ((err = plbuf__kv_u64(kv, "coherent", 0, &coherent)) < 0 ||
	    (err = plbuf__kv_u64(kv, "line", 64, &line)) < 0 || (err = parse_check(kv, &check)) < 0)
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

	if ((err = set_name(s, name)) < 0)
		return err;
	off = PLBUF_SIM_HDR_SIZE + PLBUF_SIM_MAX_BUFS * sizeof(struct plbuf_sim_buf);
	for (int i = 0; i < plbuf__nbanks(ctx); i++) {
		uint64_t nblk = (plbuf__bank(ctx, i)->size + SIM_BLOCK - 1) / SIM_BLOCK;

		off = layout_bank(&s->bank[i], plbuf__bank(ctx, i), line, off);
		s->bank[i].backed = calloc((nblk + 63) / 64, sizeof(uint64_t));
		if (!s->bank[i].backed)
			return plbuf__err(ENOMEM, "out of process memory");
	}
	s->file_size = off;
	if (!name)
		reap_stale();
	/* 0600 and O_EXCL: only this user's processes can attach, and never to a stale file. */
	s->fd = plbuf__sys_shm_open(s->name, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (s->fd < 0)
		return plbuf__err(errno, "sim: cannot create shared memory /dev/shm%s: %s%s", s->name,
				  strerror(errno), errno == EEXIST ? " (another context uses this name)" :
				  "");
	track(s, 1);
	/* Held for the context's life: how other processes tell a live file from a stale one.  Taken
	 * before the file has a size, since reap_stale() leaves empty files alone. */
	while (flock(s->fd, LOCK_EX) < 0 && errno == EINTR)
		;
	/* Sparse: a 512 MiB bank costs memory only where it is used. */
	if (plbuf__sys_ftruncate(s->fd, (off_t)s->file_size) < 0)
		return plbuf__err(errno, "sim: cannot size /dev/shm%s to %llu bytes: %s", s->name,
				  (unsigned long long)s->file_size, strerror(errno));
	if (plbuf__sys_fallocate(s->fd, 0, 0, PLBUF_SIM_HDR_SIZE) < 0 && errno != EOPNOTSUPP)
		return errno == ENOSPC ? shm_full("the memory file's header", PLBUF_SIM_HDR_SIZE)
				       : plbuf__err(errno, "sim: fallocate of /dev/shm%s failed: %s",
						    s->name, strerror(errno));
	/* The table of live buffers is used (and so backed) only while the checker is on. */
	if (check != PLBUF_SIM_CHECK_OFF &&
	    plbuf__sys_fallocate(s->fd, 0, PLBUF_SIM_HDR_SIZE,
				 PLBUF_SIM_MAX_BUFS * sizeof(struct plbuf_sim_buf)) < 0 &&
	    errno != EOPNOTSUPP)
		return errno == ENOSPC ? shm_full("the memory file's table of buffers",
						  PLBUF_SIM_MAX_BUFS * sizeof(struct plbuf_sim_buf))
				       : plbuf__err(errno, "sim: fallocate of /dev/shm%s failed: %s",
						    s->name, strerror(errno));
	s->file = plbuf__sys_mmap(NULL, s->file_size, PROT_READ | PROT_WRITE, MAP_SHARED, s->fd, 0);
	if (s->file == MAP_FAILED) {
		s->file = NULL;
		return plbuf__err(errno, "sim: cannot map /dev/shm%s: %s", s->name, strerror(errno));
	}
	hdr = s->hdr = s->file;
	hdr->version = PLBUF_SIM_VERSION;
	hdr->nbanks = (uint32_t)plbuf__nbanks(ctx);
	hdr->line_size = line;
	hdr->file_size = s->file_size;
	hdr->check = check;
	hdr->bufs_off = PLBUF_SIM_HDR_SIZE;
	hdr->nbufs = PLBUF_SIM_MAX_BUFS;

	for (int i = 0; i < plbuf__nbanks(ctx); i++) {
		const struct plbuf_bank *b = plbuf__bank(ctx, i);
		struct sim_bank *sb = &s->bank[i];
		struct plbuf_chunk c = {0};
		char *f = s->file;

		snprintf(hdr->banks[i].name, sizeof(hdr->banks[i].name), "%s", b->name);
		hdr->banks[i].base = b->base;
		hdr->banks[i].size = b->size;
		hdr->banks[i].file_off = sb->off[0];
		hdr->banks[i].cpu_off = sb->off[1];
		hdr->banks[i].clean_off = sb->off[2];
		hdr->banks[i].state_off = sb->off[3];
		hdr->banks[i].coherent = (uint32_t)b->coherent;
		sb->v.name = b->name;
		sb->v.base = b->base;
		sb->v.size = b->size;
		sb->v.line = line;
		sb->v.dev = f + sb->off[0];
		sb->v.bufs = (struct plbuf_sim_buf *)(f + PLBUF_SIM_HDR_SIZE);
		sb->v.nbufs = PLBUF_SIM_MAX_BUFS;
		c.bank = i;
		c.dev = b->base;
		c.phys = b->base;
		c.size = b->size;
		c.va_uc = sb->v.dev;
		c.priv = sb;
		if (b->coherent) {
			c.va = c.va_uc;
			c.flags = PLBUF_CHUNK_CACHED | PLBUF_CHUNK_COHERENT;
		} else {
			sb->v.cpu = f + sb->off[1];
			sb->v.clean = f + sb->off[2];
			sb->v.state = (uint8_t *)f + sb->off[3];
			c.va = sb->v.cpu;
			c.flags = PLBUF_CHUNK_CACHED;
		}
		if ((err = plbuf__bank_add_chunk(ctx, &c)) < 0)
			return err;
	}
	/* Last, so that a device model never attaches to a half-written header. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	memcpy(hdr->magic, PLBUF_SIM_MAGIC, sizeof(hdr->magic));
	return 0;
}

/* Whole lines of a non-coherent bank (the core's edge rule hands nothing else: src/sync.c).  A flush
 * writes back the dirty lines and only those: a clean line written back would overwrite what the
 * device wrote since.  An invalidate refills the lines from device memory. */
static int sim_sync(struct plbuf_ctx *ctx, const struct plbuf_chunk *c, uint64_t off, uint64_t len,
		    enum plbuf_sync_dir dir)
{
	struct sim *s = plbuf__priv(ctx);
	const struct plbuf_sim_bankv *v = &((const struct sim_bank *)c->priv)->v;
	int tracking = s->hdr->check != PLBUF_SIM_CHECK_OFF;

	if (dir == PLBUF_SYNC_TO_DEVICE)
		plbuf__sim_flush(v, off, off + len, tracking);
	else
		plbuf__sim_refill(v, off, off + len, tracking);
	return 0;
}

/* ---------------------------------------------------------------- the DMA-API checker, CPU side */

/* The first line state byte in [i, e) that is not 0, or e; 8 at a time: most are 0. */
static uint64_t next_marked(const uint8_t *state, uint64_t i, uint64_t e)
{
	for (; i < e && (i & 7); i++)
		if (state[i])
			return i;
	for (; i + 8 <= e; i += 8) {
		uint64_t w;

		memcpy(&w, state + i, 8);
		if (w)
			break;
	}
	for (; i < e; i++)
		if (state[i])
			return i;
	return e;
}

/* The lines of [lo, hi) the CPU dirtied that the device also wrote (both) or, with interior, any
 * dirty line with neither edge in it; *first / *end bound them.  Returns how many. */
static uint64_t owned_writes(const struct plbuf_sim_bankv *v, uint64_t lo, uint64_t hi,
			     uint64_t in_lo, uint64_t in_hi, uint64_t *first, uint64_t *end,
			     int *both)
{
	uint64_t n = 0;

	if (in_lo >= in_hi) { /* only lines the device wrote can matter: their state bytes first */
		for (uint64_t i = lo / v->line, e = hi / v->line; i < e; i++) {
			uint64_t x;

			if ((i = next_marked(v->state, i, e)) == e)
				break;
			x = i * v->line;
			if (plbuf__sim_next_dirty(v, x, x + v->line) != x)
				continue;
			if (!n++)
				*first = x;
			*end = x + v->line;
			*both = 1;
		}
		return n;
	}
	for (uint64_t x = plbuf__sim_next_dirty(v, lo, hi), y; x < hi;
	     x = plbuf__sim_next_dirty(v, y, hi))
		for (y = plbuf__sim_next_clean(v, x + v->line, hi); x < y; x += v->line) {
			int dev = v->state[x / v->line] & PLBUF_SIM_LINE_DEV_WRITTEN;

			if (!dev && (x < in_lo || x >= in_hi))
				continue;
			if (!n++)
				*first = x;
			*end = x + v->line;
			*both |= dev != 0;
		}
	return n;
}

static void check_sync(struct sim *s, const struct plbuf_sim_bankv *v, const struct plbuf_watch *w)
{
	uint64_t line = v->line, lo = w->off & ~(line - 1);
	uint64_t hi = (w->off + w->len + line - 1) & ~(line - 1), first = 0, end = 0;
	int inval = w->ev == PLBUF_WATCH_INVALIDATE, both = 0;
	/* the lines wholly inside the range, which an invalidate drops without writing back */
	uint64_t in_lo = inval ? (w->off + line - 1) & ~(line - 1) : hi;
	uint64_t in_hi = inval ? (w->off + w->len) & ~(line - 1) : hi;

	if (!owned_writes(v, lo, hi, in_lo, in_hi, &first, &end, &both))
		return;
	plbuf__sim_report(s->hdr, PLBUF_SIM_CPU_WRITE_WHILE_DEVICE_OWNS, v->name, w->buf_dev,
			  w->buf_len, v->base + first, end - first, "plbuf_invalidate",
			  "%s of buffer 0x%llx (+%llu bytes, bank %s): the CPU wrote lines [0x%llx, "
			  "0x%llx) %s; %s (on a board the outcome depends on when the cache evicts "
			  "them): the CPU must not write memory it gave the device until it "
			  "invalidates it", w->op, (unsigned long long)w->buf_dev,
			  (unsigned long long)w->buf_len, v->name, (unsigned long long)(v->base + first),
			  (unsigned long long)(v->base + end),
			  both ? "that the device also wrote since the CPU last flushed or invalidated "
			  "them" : "after the flush that gave them to the device",
			  both ? "one of the two writes is lost" : "this invalidate drops what it wrote");
}

static void check_free(struct sim *s, const struct plbuf_sim_bankv *v, const struct plbuf_watch *w)
{
	uint64_t lo = w->off / v->line, hi = (w->off + w->len + v->line - 1) / v->line, i, j;

	for (i = lo; i < hi && !(v->state[i] & PLBUF_SIM_LINE_DEV_WRITTEN); i++)
		;
	if (i == hi)
		return;
	for (j = hi; !(v->state[j - 1] & PLBUF_SIM_LINE_DEV_WRITTEN); j--)
		;
	if (w->cached)
		plbuf__sim_report(s->hdr, PLBUF_SIM_MISSING_INVALIDATE, v->name, w->buf_dev,
				  w->buf_len, v->base + i * v->line, (j - i) * v->line,
				  "plbuf_invalidate", "plbuf_free of buffer 0x%llx (+%llu bytes, bank "
				  "%s): the device wrote lines [0x%llx, 0x%llx) after the CPU's last "
				  "invalidate, and the CPU never invalidated them: whatever it read "
				  "there was stale (invalidate after the device writes, before "
				  "reading)", (unsigned long long)w->buf_dev,
				  (unsigned long long)w->buf_len, v->name,
				  (unsigned long long)(v->base + i * v->line),
				  (unsigned long long)(v->base + j * v->line));
	memset(v->state + lo, 0, hi - lo);
}

/*
 * A cached buffer's clean lines are fetched from device memory when it is allocated.  On a board
 * a line that is not in the cache is read from DRAM at the CPU's first access; here every line of
 * the CPU's view is "present", and a clean one may hold what the memory held long ago (before an
 * uncached buffer there was written, or the device wrote it): a CPU store that happens to leave
 * such a line's bytes as they were would not make it dirty, and its flush would write nothing.
 * Dirty lines of a previous user stay dirty: allocation cleans them (see clean_new in buffer.c).
 */
static void refill_clean(struct sim *s, const struct plbuf_sim_bankv *v, uint64_t off,
			 uint64_t end)
{
	int tracking = s->hdr->check != PLBUF_SIM_CHECK_OFF;

	while (off < end) {
		uint64_t d = plbuf__sim_next_dirty(v, off, end);

		if (d > off) {
			memcpy(v->cpu + off, v->dev + off, d - off);
			memcpy(v->clean + off, v->cpu + off, d - off);
			if (tracking)
				memset(v->state + off / v->line, 0, (d - off) / v->line);
		}
		if (d == end)
			break;
		off = plbuf__sim_next_clean(v, d + v->line, end);
	}
}

/* Whether a buffer of bank v goes in the table of live buffers that device-side reports name
 * buffers from: with the checker on (only then are there reports), in a non-coherent bank (only
 * there are there device-side reports), and by the process that created the file (a forked child
 * allocates from its own copy of the pool: its device addresses may be its parent's too). */
static int listed(const struct sim *s, const struct plbuf_sim_bankv *v)
{
	return v->cpu && s->hdr->check != PLBUF_SIM_CHECK_OFF && s->creator == getpid();
}

static int sim_watch(struct plbuf_ctx *ctx, const struct plbuf_watch *w)
{
	struct sim *s = plbuf__priv(ctx);
	struct sim_bank *sb = w->c->priv;
	const struct plbuf_sim_bankv *v = &sb->v;

	if (w->ev == PLBUF_WATCH_ALLOC) {
		int err = back(s, w->c->bank, w->off, w->len);

		if (!err && v->cpu && w->cached)
			refill_clean(s, v, w->off, w->off + w->len);
		if (!err && listed(s, v))
			plbuf__sim_buf_add(v->bufs, v->nbufs, w->c->dev + w->off, w->len, w->buf_dev,
					   w->buf_len);
		return err;
	}
	if (s->hdr->check == PLBUF_SIM_CHECK_OFF)
		return 0;
	if (w->ev == PLBUF_WATCH_FREE && listed(s, v))
		plbuf__sim_buf_del(v->bufs, v->nbufs, w->c->dev + w->off);
	switch (w->ev) {
	case PLBUF_WATCH_BAD_SYNC:
		plbuf__sim_report(s->hdr, PLBUF_SIM_BAD_SYNC, v->name, w->buf_dev, w->buf_len,
				  w->buf_dev, w->buf_len, w->op, "%s (buffer 0x%llx, bank %s)", w->msg,
				  (unsigned long long)w->buf_dev, v->name);
		break;
	case PLBUF_WATCH_FREE:
		if (v->cpu && backed(sb, w->off, w->len))
			check_free(s, v, w);
		break;
	case PLBUF_WATCH_FLUSH:
	case PLBUF_WATCH_INVALIDATE:
		if (v->cpu && w->cached)
			check_sync(s, v, w);
		break;
	default:
		break;
	}
	return 0;
}

static void sim_info(struct plbuf_ctx *ctx, FILE *out)
{
	struct sim *s = plbuf__priv(ctx);
	static const char *const mode[] = {"off", "on (reports)", "on (fatal)"};

	fprintf(out, "  memory file: /dev/shm%s (%llu bytes, sparse); device models attach to "
		"\"%s\"\n", s->name, (unsigned long long)s->file_size, s->name + 1);
	fprintf(out, "  cache line: %zu bytes; more memory: banks=NAME@BASE:SIZE[:coherent],... in "
		"PLBUF_OPTIONS\n", plbuf_ctx_line_size(ctx));
	fprintf(out, "  DMA-API checker: %s (check=0|1|fatal, or PLBUF_SIM_CHECK)\n",
		mode[s->hdr->check <= 2 ? s->hdr->check : 0]);
}

static const struct sim *sim_of(const plbuf_ctx *ctx)
{
	if (!ctx || strcmp(plbuf_ctx_backend(ctx), "sim") != 0)
		return NULL;
	return plbuf__priv(ctx);
}

PLBUF_EXPORT const char *plbuf_sim_name(const plbuf_ctx *ctx)
{
	const struct sim *s = sim_of(ctx);

	return s ? s->name + 1 : NULL;
}

PLBUF_EXPORT int plbuf_sim_check_counts(const plbuf_ctx *ctx, uint64_t *counts, int n)
{
	const struct sim *s = sim_of(ctx);

	if (!s)
		return plbuf__err(EINVAL, "plbuf_sim_check_counts: not a sim context");
	for (int i = 0; i < n && i < PLBUF_SIM_NPROBLEMS; i++)
		counts[i] = __atomic_load_n(&s->hdr->counts[i], __ATOMIC_RELAXED);
	return PLBUF_SIM_NPROBLEMS;
}

/* The row (backend.h).  Every backend's looks like this one on purpose: a backend is a row. */
const struct plbuf_backend plbuf__backend_sim = {
	.name = "sim",
	.summary = "simulated device memory in /dev/shm, for developing without a board",
	.rank = 1000,
	.priv_size = sizeof(struct sim),
	.probe = sim_probe,
	.open = sim_open,
	.close = sim_close,
	.sync = sim_sync,
	.sync_lines = 1,
	.watch = sim_watch,
	.info = sim_info,
};
