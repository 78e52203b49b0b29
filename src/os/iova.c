/*
 * iova.c - see iova.h.  A sorted array of free ranges: an IOVA space holds a few dozen chunks at
 * most (each chunk is a pool of buffers or one large buffer), so a linear scan is plenty.
 */
#include <errno.h>
#include <linux/vfio.h>
#include <stdlib.h>
#include <string.h>

#include "os/iova.h"

static int insert_at(struct plbuf_iova *a, int i, uint64_t start, uint64_t end)
{
	if (a->n == a->cap) {
		int cap = a->cap ? 2 * a->cap : 8;
		struct plbuf_iova_range *f = realloc(a->free, (size_t)cap * sizeof(*f));

		if (!f)
			return -ENOMEM;
		a->free = f;
		a->cap = cap;
	}
	memmove(&a->free[i + 1], &a->free[i], (size_t)(a->n - i) * sizeof(*a->free));
	a->free[i].start = start;
	a->free[i].end = end;
	a->n++;
	return 0;
}

static void remove_at(struct plbuf_iova *a, int i)
{
	memmove(&a->free[i], &a->free[i + 1], (size_t)(a->n - i - 1) * sizeof(*a->free));
	a->n--;
}

int plbuf__iova_init(struct plbuf_iova *a, const struct plbuf_iova_range *valid, int nvalid,
		     uint64_t base, uint64_t last)
{
	struct plbuf_iova_range all = {0, UINT64_MAX};

	memset(a, 0, sizeof(*a));
	if (nvalid == 0) {
		valid = &all;
		nvalid = 1;
	}
	for (int i = 0; i < nvalid; i++) {
		uint64_t s = valid[i].start > base ? valid[i].start : base;
		uint64_t e = valid[i].end < last ? valid[i].end : last;
		int j = 0;

		if (s > e)
			continue;
		while (j < a->n && a->free[j].start < s)
			j++;
		if (insert_at(a, j, s, e) < 0) {
			plbuf__iova_destroy(a);
			return -ENOMEM;
		}
	}
	/* The kernel reports disjoint ranges; merge any that touch or overlap all the same. */
	for (int i = 0; i + 1 < a->n;) {
		if (a->free[i].end == UINT64_MAX || a->free[i].end + 1 >= a->free[i + 1].start) {
			if (a->free[i + 1].end > a->free[i].end)
				a->free[i].end = a->free[i + 1].end;
			remove_at(a, i + 1);
		} else {
			i++;
		}
	}
	return a->n ? 0 : -ENOSPC;
}

int plbuf__iova_exclude(struct plbuf_iova *a, uint64_t start, uint64_t end)
{
	for (int i = 0; i < a->n; i++) {
		struct plbuf_iova_range *f = &a->free[i];

		if (f->end < start || f->start > end)
			continue;
		if (f->start >= start && f->end <= end) {
			remove_at(a, i--);
		} else if (f->start < start && f->end > end) {
			uint64_t e = f->end;

			f->end = start - 1;
			if (insert_at(a, i + 1, end + 1, e) < 0)
				return -ENOMEM;
			i++;
		} else if (f->start < start) {
			f->end = start - 1;
		} else {
			f->start = end + 1;
		}
	}
	return 0;
}

int plbuf__iova_alloc(struct plbuf_iova *a, uint64_t size, uint64_t align, uint64_t max,
		      uint64_t *out)
{
	if (size == 0 || align == 0 || (align & (align - 1)))
		return -EINVAL;
	for (int i = 0; i < a->n; i++) {
		struct plbuf_iova_range *f = &a->free[i];
		uint64_t s = (f->start + align - 1) & ~(align - 1);
		uint64_t e;

		if (s < f->start || s > f->end || f->end - s < size - 1)
			continue; /* wrapped, or too small */
		e = s + size - 1;
		if (e > max)
			break; /* ranges are sorted: the later ones are higher still */
		if (s == f->start && e == f->end) {
			remove_at(a, i);
		} else if (s == f->start) {
			f->start = e + 1;
		} else if (e == f->end) {
			f->end = s - 1;
		} else {
			uint64_t fe = f->end;

			f->end = s - 1;
			if (insert_at(a, i + 1, e + 1, fe) < 0) {
				f->end = fe;
				return -ENOMEM;
			}
		}
		*out = s;
		return 0;
	}
	return -ENOSPC;
}

int plbuf__iova_free(struct plbuf_iova *a, uint64_t iova, uint64_t size)
{
	uint64_t end = iova + size - 1;
	int i = 0;

	if (size == 0 || end < iova)
		return -EINVAL;
	while (i < a->n && a->free[i].end < iova)
		i++;
	if (i < a->n && a->free[i].start <= end)
		return -EINVAL; /* overlaps a free range: given back twice */
	int join_prev = i > 0 && a->free[i - 1].end + 1 == iova;
	int join_next = i < a->n && end + 1 == a->free[i].start;

	if (join_prev && join_next) {
		a->free[i - 1].end = a->free[i].end;
		remove_at(a, i);
	} else if (join_prev) {
		a->free[i - 1].end = end;
	} else if (join_next) {
		a->free[i].start = iova;
	} else {
		return insert_at(a, i, iova, end);
	}
	return 0;
}

void plbuf__iova_stats(const struct plbuf_iova *a, uint64_t max, uint64_t *free_b, uint64_t *largest)
{
	*free_b = 0;
	*largest = 0;
	for (int i = 0; i < a->n && a->free[i].start <= max; i++) {
		uint64_t e = a->free[i].end < max ? a->free[i].end : max;
		uint64_t len = e - a->free[i].start + 1;

		if (len == 0) /* the whole 64-bit space: report the most that fits */
			len = UINT64_MAX;
		*free_b = *free_b > UINT64_MAX - len ? UINT64_MAX : *free_b + len;
		if (len > *largest)
			*largest = len;
	}
}

void plbuf__iova_destroy(struct plbuf_iova *a)
{
	free(a->free);
	memset(a, 0, sizeof(*a));
}

int plbuf__vfio_iova_ranges(const void *info, size_t len, struct plbuf_iova_range *out, int max)
{
	const unsigned char *p = info;
	struct vfio_iommu_type1_info hdr;
	uint32_t off, prev = 0;

	if (len < sizeof(hdr))
		return -EINVAL;
	memcpy(&hdr, p, sizeof(hdr));
	if (!(hdr.flags & VFIO_IOMMU_INFO_CAPS) || hdr.cap_offset == 0)
		return 0;
	/* Each capability must lie inside the reply and after the previous one: a chain that
	 * points backwards could loop forever. */
	off = hdr.cap_offset;
	while (off) {
		struct vfio_info_cap_header ch;
		struct vfio_iommu_type1_info_cap_iova_range cap;
		int n = 0;

		if (off < sizeof(hdr) || off <= prev || off > len || len - off < sizeof(ch) || off % 4)
			return -EINVAL;
		memcpy(&ch, p + off, sizeof(ch));
		prev = off;
		if (ch.id != VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE) {
			off = ch.next;
			continue;
		}
		if (len - off < sizeof(cap))
			return -EINVAL;
		memcpy(&cap, p + off, sizeof(cap));
		if (cap.nr_iovas > (len - off - sizeof(cap)) / sizeof(struct vfio_iova_range))
			return -EINVAL;
		for (uint32_t i = 0; i < cap.nr_iovas && n < max; i++) {
			struct vfio_iova_range r;

			memcpy(&r, p + off + sizeof(cap) + i * sizeof(r), sizeof(r));
			if (r.end < r.start)
				return -EINVAL;
			out[n].start = r.start;
			out[n].end = r.end;
			n++;
		}
		return n;
	}
	return 0;
}
