/* Fuzzes numpy's basic indexing and reshape (plbuf__slice, plbuf__reshape) on arrays of up to 4
 * dimensions with C, F or reversed strides.  Every element of a view must lie inside its base:
 * that is what keeps a view's flush and its device address inside the buffer.
 *
 * Input: byte 0 ndim and layout, bytes 1-4 the dimensions (1..16), byte 5 the itemsize, then the
 * slice string, then after a '|' a new shape for reshape ("2,-1,3" as bytes).
 */
#include "fuzz.h"
#include "internal.h"

/* [lo, hi) bytes touched, relative to the first element. */
static void span(int ndim, const int64_t *shape, const int64_t *strides, int64_t item, int64_t *lo,
		 int64_t *hi)
{
	*lo = 0;
	*hi = item;
	for (int i = 0; i < ndim; i++) {
		if (shape[i] == 0) {
			*lo = *hi = 0;
			return;
		}
		int64_t e = (shape[i] - 1) * strides[i];

		if (e < 0)
			*lo += e;
		else
			*hi += e;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = {data, size};
	int64_t shape[4], strides[4], oshape[PLBUF_MAXDIM], ostrides[PLBUF_MAXDIM], off;
	int64_t nshape[PLBUF_MAXDIM], rshape[PLBUF_MAXDIM], rstrides[PLBUF_MAXDIM];
	int ndim, ondim, order;
	int64_t item, lo, hi, olo, ohi;

	if (size > 2048)
		return 0;
	uint64_t b0 = fz_take(&in, 1);

	ndim = (int)(b0 % 5);
	order = (int)(b0 / 5 % 3); /* C, F, C reversed (a view of a view with ::-1) */
	for (int i = 0; i < 4; i++)
		shape[i] = 1 + (int64_t)(fz_take(&in, 1) % 16);
	item = 1 << (fz_take(&in, 1) % 5);

	int64_t st = item;

	for (int k = 0; k < ndim; k++) {
		int i = order == 1 ? k : ndim - 1 - k;

		strides[i] = st;
		st *= shape[i];
	}
	off = 0;
	if (order == 2)
		for (int i = 0; i < ndim; i++) {
			off += (shape[i] - 1) * strides[i];
			strides[i] = -strides[i];
		}
	span(ndim, shape, strides, item, &lo, &hi);
	lo += off;
	hi += off;

	char *s = fz_str(in.p, in.n), *f[2];

	fz_split(s, '|', f, 2);
	int64_t o;

	fz_clear_msg();
	if (plbuf__slice(f[0], ndim, shape, strides, &ondim, oshape, ostrides, &o) == 0) {
		FZ_CHECK(ondim >= 0 && ondim <= PLBUF_MAXDIM);
		for (int i = 0; i < ondim; i++)
			FZ_CHECK(oshape[i] >= 0);
		span(ondim, oshape, ostrides, item, &olo, &ohi);
		if (olo < ohi) /* an empty view touches nothing */
			FZ_CHECK(off + o + olo >= lo && off + o + ohi <= hi);

		/* reshape the view */
		int nn = 0;

		for (char *p = f[1]; *p && nn < PLBUF_MAXDIM; p++)
			nshape[nn++] = (int8_t)*p;
		if (nn && plbuf__reshape(ondim, oshape, ostrides, item, nn, nshape, nn & 1 ? 'F' : 'C',
					  rshape, rstrides) == 0) {
			int64_t c1 = 1, c2 = 1;
			int ovf = 0;

			for (int i = 0; i < ondim; i++)
				c1 *= oshape[i]; /* at most 16^4: the base has 4 axes of at most 16 */
			for (int i = 0; i < nn; i++) {
				FZ_CHECK(rshape[i] >= 0);
				ovf |= __builtin_mul_overflow(c2, rshape[i], &c2);
			}
			FZ_CHECK(c1 == c2 || (c1 == 0 && ovf));
			span(nn, rshape, rstrides, item, &olo, &ohi);
			if (olo < ohi)
				FZ_CHECK(off + o + olo >= lo && off + o + ohi <= hi);
		}
	} else {
		FZ_CHECK(plbuf_errmsg()[0]);
	}
	free(s);
	return 0;
}
