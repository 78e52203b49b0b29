/*
 * memtopo.c - reading the MEM_TOPOLOGY of an FPGA image (see memtopo.h).
 *
 * The layouts are XRT's (xclbin.h): struct mem_topology is an int32 count padded to 8 bytes and
 * then 40-byte struct mem_data records {u8 type, u8 used, 6 pad, u64 size_kib, u64 base,
 * char tag[16]}; an xclbin file is struct axlf, whose header holds the number of sections at byte
 * 448 and whose 40-byte section headers {u32 kind, char name[16], u64 offset, u64 size} start at
 * byte 456.  Parsed field by field with memcpy, never by casting, so that a short or hostile file
 * cannot make us read past its end.  Every target plbuf supports is little-endian, as XRT's are.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "internal.h"
#include "os/memtopo.h"
#include "os/sys.h"

#define MEMDATA_OFF 8
#define MEMDATA_SIZE 40
#define AXLF_MAGIC "xclbin2"
#define AXLF_NSECTIONS_OFF 448
#define AXLF_SECTIONS_OFF 456
#define AXLF_SECTION_SIZE 40
#define AXLF_KIND_MEM_TOPOLOGY 6

static uint64_t get_u64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint32_t get_u32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

int plbuf__memtopo_parse(const void *data, size_t len, const char *what,
			 struct plbuf_memtopo_bank *out, int max)
{
	const unsigned char *p = data;
	int32_t count;

	if (len == 0)
		return 0; /* zocl before an image is loaded */
	if (len < 4)
		return plbuf__err(EINVAL, "%s: %zu bytes is too short for a memory topology", what, len);
	memcpy(&count, p, sizeof(count));
	if (count < 0 || count > max)
		return plbuf__err(EINVAL, "%s: memory topology claims %d banks (plbuf handles 0..%d)",
				  what, (int)count, max);
	if (count > 0 && len < MEMDATA_OFF + (size_t)count * MEMDATA_SIZE)
		return plbuf__err(EINVAL, "%s: memory topology of %d banks needs %zu bytes, the file "
				  "has %zu", what, (int)count,
				  (size_t)MEMDATA_OFF + (size_t)count * MEMDATA_SIZE, len);
	for (int i = 0; i < count; i++) {
		const unsigned char *m = p + MEMDATA_OFF + (size_t)i * MEMDATA_SIZE;
		uint64_t kib = get_u64(m + 8);

		memset(&out[i], 0, sizeof(out[i]));
		out[i].index = i;
		out[i].type = m[0];
		out[i].used = m[1] != 0;
		out[i].base = get_u64(m + 16);
		/* Streaming entries hold a route id here, not a size. */
		out[i].size = out[i].type == PLBUF_MEM_STREAMING ||
			      out[i].type == PLBUF_MEM_STREAMING_CONNECTION || kib > (UINT64_MAX >> 10)
				      ? 0 : kib << 10;
		memcpy(out[i].tag, m + 24, 16);
		out[i].tag[16] = 0;
	}
	return count;
}

void plbuf__memtopo_bank(const struct plbuf_memtopo_bank *t, int index, struct plbuf_bank *b)
{
	memset(b, 0, sizeof(*b));
	if (t && t->tag[0])
		snprintf(b->name, sizeof(b->name), "%s", t->tag);
	else
		snprintf(b->name, sizeof(b->name), "bank%d", index);
	b->base = t ? t->base : 0;
	b->size = t ? t->size : 0;
}

int plbuf__memtopo_from_xclbin(const void *data, size_t len, const char *what,
			       struct plbuf_memtopo_bank *out, int max)
{
	const unsigned char *p = data;
	uint32_t n;

	if (len < AXLF_SECTIONS_OFF || memcmp(p, AXLF_MAGIC, sizeof(AXLF_MAGIC)) != 0)
		return plbuf__err(EINVAL, "%s is not an xclbin file (no \"%s\" header)", what,
				  AXLF_MAGIC);
	n = get_u32(p + AXLF_NSECTIONS_OFF);
	if (n > (len - AXLF_SECTIONS_OFF) / AXLF_SECTION_SIZE)
		return plbuf__err(EINVAL, "%s: %u section headers do not fit in %zu bytes: the file "
				  "is truncated", what, n, len);
	for (uint32_t i = 0; i < n; i++) {
		const unsigned char *s = p + AXLF_SECTIONS_OFF + (size_t)i * AXLF_SECTION_SIZE;
		uint64_t off = get_u64(s + 24), size = get_u64(s + 32);

		if (get_u32(s) != AXLF_KIND_MEM_TOPOLOGY)
			continue;
		if (off > len || size > len - off)
			return plbuf__err(EINVAL, "%s: its MEM_TOPOLOGY section [%llu, +%llu) lies "
					  "outside the file (%zu bytes)", what,
					  (unsigned long long)off, (unsigned long long)size, len);
		return plbuf__memtopo_parse(p + off, (size_t)size, what, out, max);
	}
	return plbuf__err(ENOENT, "%s has no MEM_TOPOLOGY section", what);
}

int plbuf__memtopo_read_file(const char *path, void **data, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	int fd, err;

	if (!buf)
		return plbuf__err(ENOMEM, "out of process memory");
	fd = plbuf__sys_open(path, O_RDONLY, 0);
	if (fd < 0) {
		err = errno;
		free(buf);
		return plbuf__err(err, "cannot open %s: %s", path, strerror(err));
	}
	/* sysfs binary attributes report size 0: read until EOF rather than trusting st_size. */
	for (;;) {
		ssize_t r;

		if (n == cap) {
			char *nb = cap > (256u << 20) ? NULL : realloc(buf, cap * 2);

			if (!nb) {
				close(fd);
				free(buf);
				return plbuf__err(EFBIG, "%s is larger than plbuf will read (%zu bytes)",
						  path, cap);
			}
			buf = nb;
			cap *= 2;
		}
		r = plbuf__sys_pread(fd, buf + n, cap - n, (off_t)n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			err = errno;
			close(fd);
			free(buf);
			return plbuf__err(err, "cannot read %s: %s", path, strerror(err));
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	*data = buf;
	*len = n;
	return 0;
}
