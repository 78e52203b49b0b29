/*
 * sim_device.c - the device side of the sim backend: what a device model (a DMA engine in a thread,
 * another process, an RTL simulator's DPI code) uses to reach simulated DRAM by device address.
 * It sees the memory file only, never the CPU's cached view: data the CPU did not flush is not here.
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
	const struct plbuf_sim_hdr *hdr;
};

PLBUF_EXPORT plbuf_sim_dev *plbuf_sim_attach(const char *name)
{
	char path[80];
	struct stat st;
	struct plbuf_sim_dev *d;
	int fd;

	if (!name || !*name)
		return plbuf__errp(EINVAL, "sim attach: no name given (plbuf_sim_name() of the context)");
	snprintf(path, sizeof(path), "/%s", name[0] == '/' ? name + 1 : name);
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
	d->hdr = d->file;
	if (memcmp(d->hdr->magic, PLBUF_SIM_MAGIC, 8) != 0 || d->hdr->version != PLBUF_SIM_VERSION ||
	    d->hdr->nbanks > PLBUF_SIM_MAX_BANKS || d->hdr->file_size != d->size) {
		munmap(d->file, d->size);
		free(d);
		return plbuf__errp(EINVAL, "sim attach: /dev/shm%s has no valid plbuf sim header "
				   "(version %d expected)", path, PLBUF_SIM_VERSION);
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

PLBUF_EXPORT void *plbuf_sim_translate(plbuf_sim_dev *d, uint64_t addr, uint64_t len)
{
	if (!d)
		return plbuf__errp(EINVAL, "sim translate: device is NULL");
	for (uint32_t i = 0; i < d->hdr->nbanks; i++) {
		uint64_t base = d->hdr->banks[i].base, size = d->hdr->banks[i].size;

		if (addr >= base && addr - base <= size && len <= size - (addr - base) &&
		    d->hdr->banks[i].file_off + size <= d->size)
			return (char *)d->file + d->hdr->banks[i].file_off + (addr - base);
	}
	return plbuf__errp(ERANGE, "sim: device address range 0x%llx + %llu is not inside one bank "
			   "(a bus error on real hardware)", (unsigned long long)addr,
			   (unsigned long long)len);
}

PLBUF_EXPORT int plbuf_sim_read(plbuf_sim_dev *d, uint64_t addr, void *dst, uint64_t len)
{
	void *p = plbuf_sim_translate(d, addr, len);

	if (!p)
		return -errno;
	memcpy(dst, p, len);
	return 0;
}

PLBUF_EXPORT int plbuf_sim_write(plbuf_sim_dev *d, uint64_t addr, const void *src, uint64_t len)
{
	void *p = plbuf_sim_translate(d, addr, len);

	if (!p)
		return -errno;
	memcpy(p, src, len);
	return 0;
}
