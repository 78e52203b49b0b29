/* The IOVA allocator of the vfio backend (lowest fit first, alignment, a maximum address, windows
 * taken out, coalescing, exhaustion) and the parser of VFIO_IOMMU_GET_INFO's capability chain,
 * malformed chains included. */
#include <linux/vfio.h>

#include "os/iova.h"
#include "test.h"

int main(void)
{
	struct plbuf_iova a;
	struct plbuf_iova_range valid[2] = {{0, 0xfedfffff}, {0xfef00000, (1ull << 39) - 1}};
	uint64_t x, y, z, f, l;

	CHECK(plbuf__iova_init(&a, valid, 2, 0x100000, UINT64_MAX) == 0);
	CHECK(a.n == 2 && a.free[0].start == 0x100000);
	/* Lowest first: a 28-bit device gets low addresses. */
	CHECK(plbuf__iova_alloc(&a, 0x1000, 0x1000, 0x0fffffff, &x) == 0 && x == 0x100000);
	CHECK(plbuf__iova_alloc(&a, 0x200000, 0x200000, 0x0fffffff, &y) == 0 && y == 0x200000);
	CHECK(plbuf__iova_alloc(&a, 0x1000, 0x1000, 0x0fffffff, &z) == 0 && z == 0x101000);
	/* Beyond 28 bits nothing fits: ENOSPC, not a high address. */
	CHECK(plbuf__iova_alloc(&a, 0x10000000, 0x1000, 0x0fffffff, &x) == -ENOSPC);
	CHECK(plbuf__iova_alloc(&a, 0x10000000, 0x1000, UINT64_MAX, &x) == 0 && x >= 0x400000);
	CHECK(plbuf__iova_free(&a, x, 0x10000000) == 0);
	/* Double free is refused. */
	CHECK(plbuf__iova_free(&a, z, 0x1000) == 0);
	CHECK(plbuf__iova_free(&a, z, 0x1000) == -EINVAL);
	CHECK(plbuf__iova_free(&a, 0x100000, 0x1000) == 0);
	CHECK(plbuf__iova_free(&a, y, 0x200000) == 0);
	/* Everything back: coalesced into the original two ranges. */
	CHECK(a.n == 2 && a.free[0].start == 0x100000 && a.free[0].end == 0xfedfffff);
	/* Never across the MSI window. */
	CHECK(plbuf__iova_alloc(&a, 0x200000, 0x1000, UINT64_MAX, &x) == 0);
	uint64_t big = 0xfedfffff - 0x100000 + 1 - 0x200000;
	CHECK(plbuf__iova_alloc(&a, big, 0x1000, UINT64_MAX, &y) == 0 && y + big - 1 == 0xfedfffff);
	CHECK(plbuf__iova_alloc(&a, 0x200000, 0x1000, UINT64_MAX, &z) == 0 && z == 0xfef00000);
	plbuf__iova_stats(&a, 0xffffffff, &f, &l);
	CHECK(f == 0xffffffff - 0xfef00000 + 1 - 0x200000 && l == f);
	plbuf__iova_destroy(&a);

	/* Windows taken out; base and limit; nothing left. */
	CHECK(plbuf__iova_init(&a, NULL, 0, 0x1000, 0xffffffff) == 0);
	CHECK(plbuf__iova_exclude(&a, 0xfee00000, 0xfeefffff) == 0 && a.n == 2);
	CHECK(plbuf__iova_exclude(&a, 0, 0x1fff) == 0 && a.free[0].start == 0x2000);
	CHECK(plbuf__iova_exclude(&a, 0xfe000000, 0xffffffff) == 0 && a.n == 1);
	CHECK(a.free[0].end == 0xfdffffff);
	CHECK(plbuf__iova_alloc(&a, 0x1000, 0x10000, UINT64_MAX, &x) == 0 && x == 0x10000);
	CHECK(plbuf__iova_alloc(&a, 0x1000, 3, UINT64_MAX, &x) == -EINVAL);
	plbuf__iova_destroy(&a);
	CHECK(plbuf__iova_init(&a, valid, 2, 0xfee00000, 0xfeefffff) == -ENOSPC);
	plbuf__iova_destroy(&a);
	CHECK(plbuf__iova_init(&a, NULL, 0, 0, UINT64_MAX) == 0);
	plbuf__iova_stats(&a, UINT64_MAX, &f, &l);
	CHECK(f == UINT64_MAX && l == UINT64_MAX);
	CHECK(plbuf__iova_alloc(&a, 0x1000, 0x1000, UINT64_MAX, &x) == 0 && x == 0);
	plbuf__iova_destroy(&a);

	/* The capability chain: a DMA-available cap, then the IOVA ranges. */
	union {
		unsigned char b[256];
		uint64_t align;
	} u = {{0}};
	struct vfio_iommu_type1_info info = {.argsz = 0, .flags = VFIO_IOMMU_INFO_CAPS,
					     .cap_offset = sizeof(info)};
	struct vfio_iommu_type1_info_dma_avail av = {.header = {VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL, 1,
								sizeof(info) + sizeof(av)}};
	struct vfio_iommu_type1_info_cap_iova_range rg = {.header = {
		VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE, 1, 0}, .nr_iovas = 2};
	struct vfio_iova_range r2[2] = {{0, 0xfedfffff}, {0xfef00000, 0x7fffffffff}};
	size_t len = sizeof(info) + sizeof(av) + sizeof(rg) + sizeof(r2);
	struct plbuf_iova_range out[4];

	info.argsz = (uint32_t)len;
	memcpy(u.b, &info, sizeof(info));
	memcpy(u.b + sizeof(info), &av, sizeof(av));
	memcpy(u.b + sizeof(info) + sizeof(av), &rg, sizeof(rg));
	memcpy(u.b + sizeof(info) + sizeof(av) + sizeof(rg), r2, sizeof(r2));
	CHECK(plbuf__vfio_iova_ranges(u.b, len, out, 4) == 2);
	CHECK(out[0].end == 0xfedfffff && out[1].start == 0xfef00000 && out[1].end == 0x7fffffffff);
	CHECK(plbuf__vfio_iova_ranges(u.b, len, out, 1) == 1);
	/* Truncated: the ranges would run past the reply. */
	CHECK(plbuf__vfio_iova_ranges(u.b, len - 8, out, 4) == -EINVAL);
	/* No CAPS flag: no ranges, not an error. */
	u.b[4] = 0;
	CHECK(plbuf__vfio_iova_ranges(u.b, len, out, 4) == 0);
	u.b[4] = VFIO_IOMMU_INFO_CAPS;
	/* A chain that points back at itself. */
	struct vfio_info_cap_header loop = {VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL, 1, sizeof(info)};
	memcpy(u.b + sizeof(info), &loop, sizeof(loop));
	CHECK(plbuf__vfio_iova_ranges(u.b, len, out, 4) == -EINVAL);
	/* Pointing outside the reply, or into the header. */
	loop.next = 4000;
	memcpy(u.b + sizeof(info), &loop, sizeof(loop));
	CHECK(plbuf__vfio_iova_ranges(u.b, len, out, 4) == -EINVAL);
	info.cap_offset = 8;
	memcpy(u.b, &info, sizeof(info));
	CHECK(plbuf__vfio_iova_ranges(u.b, len, out, 4) == -EINVAL);
	CHECK(plbuf__vfio_iova_ranges(u.b, 4, out, 4) == -EINVAL);
	/* A range that ends before it starts. */
	info.cap_offset = sizeof(info);
	memcpy(u.b, &info, sizeof(info));
	memcpy(u.b + sizeof(info), &av, sizeof(av));
	r2[1].end = 1;
	memcpy(u.b + sizeof(info) + sizeof(av) + sizeof(rg), r2, sizeof(r2));
	CHECK(plbuf__vfio_iova_ranges(u.b, len, out, 4) == -EINVAL);
	return 0;
}
