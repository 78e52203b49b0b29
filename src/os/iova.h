/*
 * iova.h - plbuf's own I/O virtual address space for a device behind an IOMMU (the vfio backend):
 * which IOVAs the IOMMU accepts, and an allocator that hands out the lowest fitting range, so that
 * devices with narrow DMA masks (edu's 28 bits) get addresses they can reach.
 */
#ifndef PLBUF_IOVA_H
#define PLBUF_IOVA_H

#include <stddef.h>
#include <stdint.h>

struct plbuf_iova_range {
	uint64_t start, end; /* inclusive */
};

/* Free IOVA ranges, sorted, disjoint and coalesced. */
struct plbuf_iova {
	struct plbuf_iova_range *free;
	int n, cap;
};

/* The usable space: the valid ranges (all of [0, UINT64_MAX] when nvalid is 0) cut to
 * [base, last].  Returns 0, -ENOMEM, or -ENOSPC when nothing is left. */
int plbuf__iova_init(struct plbuf_iova *a, const struct plbuf_iova_range *valid, int nvalid,
		     uint64_t base, uint64_t last);
/* Takes [start, end] out of the space (an IOMMU's reserved window).  Returns 0 or -ENOMEM. */
int plbuf__iova_exclude(struct plbuf_iova *a, uint64_t start, uint64_t end);
/* The lowest range of size bytes aligned to align (a power of two) whose last byte is at or below
 * max.  Returns 0, or -ENOSPC when no free range fits. */
int plbuf__iova_alloc(struct plbuf_iova *a, uint64_t size, uint64_t align, uint64_t max,
		      uint64_t *out);
/* Gives a range back.  Returns 0, -EINVAL when part of it is already free, -ENOMEM. */
int plbuf__iova_free(struct plbuf_iova *a, uint64_t iova, uint64_t size);
/* Free bytes at or below max, and the largest free range at or below max. */
void plbuf__iova_stats(const struct plbuf_iova *a, uint64_t max, uint64_t *free_b, uint64_t *largest);
void plbuf__iova_destroy(struct plbuf_iova *a);

/* Reads the valid IOVA ranges from the reply of VFIO_IOMMU_GET_INFO (a struct
 * vfio_iommu_type1_info of len bytes followed by its capability chain).  Returns the number of
 * ranges stored in out (at most max), 0 when the reply has no IOVA-range capability, or -EINVAL
 * for a chain that points outside the reply or loops. */
int plbuf__vfio_iova_ranges(const void *info, size_t len, struct plbuf_iova_range *out, int max);

#endif
