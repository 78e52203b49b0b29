/*
 * sim_device.c - the device side of the sim backend: what a device model (a DMA engine in a thread,
 * another process, an RTL simulator's DPI code) uses to reach simulated DRAM by device address.
 * It sees device memory only, never the CPU's cached view: data the CPU did not flush is not here.
 * plbuf_sim_read / _write are what the DMA-API checker watches (src/sim_check.c); a model that
 * keeps the raw pointer of plbuf_sim_translate declares its accesses instead.
 *
 * The memory file belongs to another process and may be anything: its header is checked with
 * arithmetic that cannot overflow and then copied, and only the copy is used (the live header could
 * change under us).  Only the checker's mode and counts are read live, by design.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "sim_format.h"
#include "os/sys.h"

struct plbuf_sim_dev {
	void *file;
	uint64_t size;
	struct plbuf_sim_hdr *live;  /* the shared header: check mode and counts only */
	struct plbuf_sim_hdr hdr;    /* the private, validated copy */
	char names[PLBUF_SIM_MAX_BANKS][32];
	struct plbuf_sim_bankv bank[PLBUF_SIM_MAX_BANKS];
};

/* [off, off + len) lies inside a file of size bytes. */
static int inside(uint64_t off, uint64_t len, uint64_t size)
{
	return off <= size && len <= size - off;
}

static const char *bad_header(struct plbuf_sim_dev *d)
{
	struct plbuf_sim_hdr *h = &d->hdr;
	uint64_t line = h->line_size;

	if (memcmp(h->magic, PLBUF_SIM_MAGIC, 8) != 0 || h->version != PLBUF_SIM_VERSION)
		return "no plbuf sim header of this version";
	if (h->file_size != d->size)
		return "the header's file size is not the file's";
	if (h->nbanks == 0 || h->nbanks > PLBUF_SIM_MAX_BANKS)
		return "bank count out of range";
	if (line < 16 || line > 4096 || (line & (line - 1)))
		return "line size is not a power of two in 16..4096";
	/* nbufs 0: no table (device-side reports then give addresses only) */
	if (h->nbufs > PLBUF_SIM_MAX_BUFS ||
	    (h->nbufs && (h->bufs_off < PLBUF_SIM_HDR_SIZE || h->bufs_off % sizeof(uint64_t) ||
			  !inside(h->bufs_off, (uint64_t)h->nbufs * sizeof(struct plbuf_sim_buf),
				  d->size))))
		return "the table of live buffers lies outside the file";
	for (uint32_t i = 0; i < h->nbanks; i++) {
		const struct plbuf_sim_bank_hdr *b = &h->banks[i];

		if (b->size == 0 || b->size % line || b->base + b->size < b->base)
			return "a bank's size or base is out of range";
		if (b->file_off < PLBUF_SIM_HDR_SIZE || !inside(b->file_off, b->size, d->size))
			return "a bank's device memory lies outside the file";
		if (!b->coherent && (b->cpu_off < PLBUF_SIM_HDR_SIZE || b->clean_off < PLBUF_SIM_HDR_SIZE ||
				     b->state_off < PLBUF_SIM_HDR_SIZE ||
				     !inside(b->cpu_off, b->size, d->size) ||
				     !inside(b->clean_off, b->size, d->size) ||
				     !inside(b->state_off, b->size / line, d->size)))
			return "a bank's CPU view lies outside the file";
	}
	return NULL;
}

/* The name's file, refused rather than cut when it does not fit (as name= is on the CPU side). */
static int shm_path(char *path, size_t len, const char *name)
{
	if (!name || !*name)
		return plbuf__err(EINVAL, "sim attach: no name given (plbuf_sim_name() of the context)");
	if (name[0] == '/')
		name++;
	if (strlen(name) > PLBUF_SIM_NAME_MAX)
		return plbuf__err(ENAMETOOLONG, "sim attach: name %.40s... is %zu bytes long; the "
				  "limit is %d (PLBUF_SIM_NAME_MAX)", name, strlen(name),
				  PLBUF_SIM_NAME_MAX);
	snprintf(path, len, "/%s", name);
	return 0;
}

PLBUF_EXPORT plbuf_sim_dev *plbuf_sim_attach(const char *name)
{
	char path[PLBUF_SIM_NAME_MAX + 2];
	const char *why;
	struct stat st;
	struct plbuf_sim_dev *d;
	int fd, err;

	if ((err = shm_path(path, sizeof(path), name)) < 0)
		return NULL;
	fd = plbuf__sys_shm_open(path, O_RDWR, 0);
	if (fd < 0)
		return plbuf__errp(errno, "sim attach: cannot open /dev/shm%s: %s", path,
				   strerror(errno));
	if (fstat(fd, &st) < 0 || (uint64_t)st.st_size < PLBUF_SIM_HDR_SIZE) {
		close(fd);
		return plbuf__errp(EINVAL, "sim attach: /dev/shm%s is not a plbuf sim memory file", path);
	}
	d = calloc(1, sizeof(*d));
	if (!d) {
		close(fd);
		return plbuf__errp(ENOMEM, "out of process memory");
	}
	d->size = (uint64_t)st.st_size;
	d->file = plbuf__sys_mmap(NULL, d->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (d->file == MAP_FAILED) {
		free(d);
		return plbuf__errp(errno, "sim attach: cannot map /dev/shm%s: %s", path, strerror(errno));
	}
	d->live = d->file;
	memcpy(&d->hdr, d->file, sizeof(d->hdr));
	if ((why = bad_header(d)) != NULL) {
		munmap(d->file, d->size);
		free(d);
		return plbuf__errp(EINVAL, "sim attach: /dev/shm%s has no valid plbuf sim header "
				   "(version %d): %s", path, PLBUF_SIM_VERSION, why);
	}
	for (uint32_t i = 0; i < d->hdr.nbanks; i++) {
		const struct plbuf_sim_bank_hdr *b = &d->hdr.banks[i];
		struct plbuf_sim_bankv *v = &d->bank[i];
		char *f = d->file;

		memcpy(d->names[i], b->name, sizeof(d->names[i]) - 1); /* names[i][31] stays 0 */
		v->name = d->names[i];
		v->base = b->base;
		v->size = b->size;
		v->line = d->hdr.line_size;
		v->dev = f + b->file_off;
		v->bufs = (struct plbuf_sim_buf *)(f + d->hdr.bufs_off);
		v->nbufs = d->hdr.nbufs;
		if (!b->coherent) {
			v->cpu = f + b->cpu_off;
			v->clean = f + b->clean_off;
			v->state = (uint8_t *)f + b->state_off;
		}
	}
	return d;
}

PLBUF_EXPORT void plbuf_sim_detach(plbuf_sim_dev *d)
{
	if (!d)
		return;
	munmap(d->file, d->size);
	free(d);
}

/* The bank holding [addr, addr + len), or NULL with ERANGE. */
static const struct plbuf_sim_bankv *find(plbuf_sim_dev *d, uint64_t addr, uint64_t len,
					  const char *what)
{
	if (!d)
		return plbuf__errp(EINVAL, "sim %s: device is NULL", what);
	for (uint32_t i = 0; i < d->hdr.nbanks; i++) {
		const struct plbuf_sim_bankv *v = &d->bank[i];

		if (addr >= v->base && addr - v->base <= v->size && len <= v->size - (addr - v->base))
			return v;
	}
	return plbuf__errp(ERANGE, "sim %s: device address range 0x%llx + %llu is not inside one "
			   "bank (a bus error on real hardware)", what, (unsigned long long)addr,
			   (unsigned long long)len);
}

PLBUF_EXPORT void *plbuf_sim_translate(plbuf_sim_dev *d, uint64_t addr, uint64_t len)
{
	const struct plbuf_sim_bankv *v = find(d, addr, len, "translate");

	return v ? v->dev + (addr - v->base) : NULL;
}

/* The device reads or writes [addr, addr + len): a read is shown to the checker before its bytes
 * are copied out, a write after its bytes are copied in.  With no buffer (the declare_ calls) only
 * the checker is told: the caller's model moved the bytes itself. */
static int dev_access(plbuf_sim_dev *d, int write, uint64_t addr, void *dst, const void *src,
		      uint64_t len, const char *what)
{
	const struct plbuf_sim_bankv *v = find(d, addr, len, what);
	uint64_t off;

	if (!v)
		return -errno;
	off = addr - v->base;
	if (!write) {
		plbuf__sim_dev_read(d->live, v, off, len);
		if (dst)
			memcpy(dst, v->dev + off, len);
	} else {
		if (src)
			memcpy(v->dev + off, src, len);
		plbuf__sim_dev_write(d->live, v, off, len);
	}
	return 0;
}

PLBUF_EXPORT int plbuf_sim_read(plbuf_sim_dev *d, uint64_t addr, void *dst, uint64_t len)
{
	if (!dst && len)
		return plbuf__err(EINVAL, "plbuf_sim_read: no buffer to read %llu bytes into (a model "
				  "that moves bytes itself calls plbuf_sim_declare_read)",
				  (unsigned long long)len);
	return dev_access(d, 0, addr, dst, NULL, len, "read");
}

PLBUF_EXPORT int plbuf_sim_write(plbuf_sim_dev *d, uint64_t addr, const void *src, uint64_t len)
{
	if (!src && len)
		return plbuf__err(EINVAL, "plbuf_sim_write: no buffer to write %llu bytes from (a model "
				  "that moves bytes itself calls plbuf_sim_declare_write)",
				  (unsigned long long)len);
	return dev_access(d, 1, addr, NULL, src, len, "write");
}

PLBUF_EXPORT int plbuf_sim_declare_read(plbuf_sim_dev *d, uint64_t addr, uint64_t len)
{
	return dev_access(d, 0, addr, NULL, NULL, len, "declare_read");
}

PLBUF_EXPORT int plbuf_sim_declare_write(plbuf_sim_dev *d, uint64_t addr, uint64_t len)
{
	return dev_access(d, 1, addr, NULL, NULL, len, "declare_write");
}

PLBUF_EXPORT int plbuf_sim_dev_check_counts(plbuf_sim_dev *d, uint64_t *counts, int n)
{
	if (!d)
		return plbuf__err(EINVAL, "plbuf_sim_dev_check_counts: device is NULL");
	for (int i = 0; i < n && i < PLBUF_SIM_NPROBLEMS; i++)
		counts[i] = __atomic_load_n(&d->live->counts[i], __ATOMIC_RELAXED);
	return PLBUF_SIM_NPROBLEMS;
}
