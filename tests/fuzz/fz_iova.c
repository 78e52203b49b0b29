/*
 * Fuzzes the vfio backend's IOVA handling: the capability chain of the VFIO_IOMMU_GET_INFO reply
 * (plbuf__vfio_iova_ranges), and the IOVA allocator built on the ranges it gives
 * (plbuf__iova_init/exclude/alloc/free), driven by the rest of the input as a sequence of
 * operations.  A range handed out must be aligned, below its limit, inside the usable space and
 * overlap no live range; freeing everything must give back the space as it was.
 *
 * Input: 2 bytes reply length L, L bytes reply, 16 bytes base and last, then operations of 5
 * bytes: kind, log2 size, size mantissa, log2 alignment, max (log2).
 */
#include "fuzz.h"
#include "os/iova.h"

#define LIVE 64

struct live {
	uint64_t start, size;
};

static int inside(const struct plbuf_iova_range *r, int n, uint64_t s, uint64_t e)
{
	for (int i = 0; i < n; i++)
		if (s >= r[i].start && e <= r[i].end)
			return 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = {data, size};
	struct plbuf_iova_range valid[16], space[256];
	struct plbuf_iova a;
	struct live live[LIVE];
	int nlive = 0, nvalid, nspace;
	uint64_t f0, l0, f1, l1;

	if (size > 8192)
		return 0;
	size_t rl = (size_t)fz_take(&in, 2);

	if (rl > in.n)
		rl = in.n;
	nvalid = plbuf__vfio_iova_ranges(in.p, rl, valid, 16);
	FZ_CHECK(nvalid >= -EINVAL && nvalid <= 16);
	for (int i = 0; i < nvalid; i++)
		FZ_CHECK(valid[i].start <= valid[i].end);
	in.p += rl;
	in.n -= rl;
	if (nvalid < 0)
		return 0;
	uint64_t base = fz_take(&in, 8), last = fz_take(&in, 8);

	if (plbuf__iova_init(&a, valid, nvalid, base, last) < 0)
		return 0;
	if (fz_take(&in, 1) & 1)
		plbuf__iova_exclude(&a, 0xfee00000ull, 0xfeefffffull);
	/* the usable space, as the allocator starts with it */
	nspace = a.n < 256 ? a.n : 256;
	memcpy(space, a.free, (size_t)nspace * sizeof(*space));
	for (int i = 0; i < a.n; i++) {
		FZ_CHECK(a.free[i].start <= a.free[i].end && a.free[i].start >= base && a.free[i].end <= last);
		if (i)
			FZ_CHECK(a.free[i - 1].end < a.free[i].start - 1);
	}
	plbuf__iova_stats(&a, UINT64_MAX, &f0, &l0);

	while (in.n >= 5) {
		unsigned kind = (unsigned)fz_take(&in, 1);
		unsigned lg = (unsigned)fz_take(&in, 1) % 64, mant = (unsigned)fz_take(&in, 1);
		uint64_t align = 1ull << (fz_take(&in, 1) % 64);
		unsigned mx = (unsigned)fz_take(&in, 1) % 65;
		uint64_t max = mx == 64 ? UINT64_MAX : (1ull << mx) - 1;
		uint64_t sz = (1ull << lg) + ((uint64_t)mant << (lg > 8 ? lg - 8 : 0)), iova;

		if ((kind & 1) && nlive) {
			int i = (int)(kind >> 1) % nlive;

			FZ_CHECK(plbuf__iova_free(&a, live[i].start, live[i].size) == 0);
			/* a second free is refused */
			FZ_CHECK(plbuf__iova_free(&a, live[i].start, live[i].size) == -EINVAL);
			live[i] = live[--nlive];
			continue;
		}
		if (sz == 0 || nlive == LIVE || plbuf__iova_alloc(&a, sz, align, max, &iova) != 0)
			continue;
		uint64_t e = iova + sz - 1;

		FZ_CHECK(e >= iova && e <= max && (iova & (align - 1)) == 0);
		FZ_CHECK(nspace < 256 ? inside(space, nspace, iova, e) : 1);
		for (int i = 0; i < nlive; i++)
			FZ_CHECK(e < live[i].start || iova > live[i].start + live[i].size - 1);
		live[nlive].start = iova;
		live[nlive++].size = sz;
	}
	while (nlive) {
		nlive--;
		FZ_CHECK(plbuf__iova_free(&a, live[nlive].start, live[nlive].size) == 0);
	}
	plbuf__iova_stats(&a, UINT64_MAX, &f1, &l1);
	FZ_CHECK(f1 == f0 && l1 == l0 && a.n == nspace);
	plbuf__iova_destroy(&a);
	return 0;
}
