/*
 * copy.c - copies into and out of buffers that are safe on any mapping.
 *
 * An uncached arm64 mapping is Device memory: an unaligned access, or the DC ZVA and unaligned
 * vector stores that glibc's memset/memcpy use, raise SIGBUS (udmabuf#31).  These copies touch the
 * buffer with naturally aligned volatile accesses only; the other side is ordinary memory.
 */
#include <errno.h>
#include <string.h>

#include "context.h"

static int check_range(const plbuf_buf *b, uint64_t off, uint64_t size, const char *fn)
{
	int err = plbuf__check_live(b, fn);

	if (err)
		return err;
	if (off > b->nbytes || size > b->nbytes - off)
		return plbuf__err(EINVAL, "%s: [%llu, +%llu) is outside the buffer's %llu bytes", fn,
				  (unsigned long long)off, (unsigned long long)size,
				  (unsigned long long)b->nbytes);
	if (b->span_lo != 0 || (uint64_t)b->span_hi != b->nbytes)
		return plbuf__err(EINVAL, "%s: the buffer is not contiguous (a strided view)", fn);
	return 0;
}

PLBUF_EXPORT int plbuf_write(plbuf_buf *b, uint64_t off, const void *src, uint64_t size)
{
	int err = check_range(b, off, size, "plbuf_write");
	const unsigned char *s = src;
	volatile unsigned char *d;

	if (err)
		return err;
	d = (volatile unsigned char *)b->data + off;
	while (size && ((uintptr_t)d & 7)) {
		*d++ = *s++;
		size--;
	}
	for (; size >= 8; size -= 8, d += 8, s += 8) {
		uint64_t v;

		memcpy(&v, s, 8);
		*(volatile uint64_t *)d = v;
	}
	while (size--)
		*d++ = *s++;
	return 0;
}

PLBUF_EXPORT int plbuf_read(const plbuf_buf *b, uint64_t off, void *dst, uint64_t size)
{
	int err = check_range(b, off, size, "plbuf_read");
	const volatile unsigned char *s;
	unsigned char *d = dst;

	if (err)
		return err;
	s = (const volatile unsigned char *)b->data + off;
	while (size && ((uintptr_t)s & 7)) {
		*d++ = *s++;
		size--;
	}
	for (; size >= 8; size -= 8, d += 8, s += 8) {
		uint64_t v = *(const volatile uint64_t *)s;

		memcpy(d, &v, 8);
	}
	while (size--)
		*d++ = *s++;
	return 0;
}

/* memset for any mapping: glibc's memset zeroes whole lines with DC ZVA on arm64, which faults on
 * Device memory. */
void plbuf__zero(void *p, uint64_t n, int device_mem)
{
	volatile unsigned char *d = p;

	if (!device_mem) {
		memset(p, 0, n);
		return;
	}
	while (n && ((uintptr_t)d & 7)) {
		*d++ = 0;
		n--;
	}
	for (; n >= 8; n -= 8, d += 8)
		*(volatile uint64_t *)d = 0;
	while (n--)
		*d++ = 0;
}
