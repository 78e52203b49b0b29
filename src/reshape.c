/* numpy's no-copy reshape, computed on an array's (shape, strides in bytes) alone: the new shape
 * is a view when numpy's reshape would return a view, and refused (with numpy's reason) where numpy
 * would have to copy.  tests/t_slice_numpy.c compares every result with numpy at test time. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* "(4,4)", "(4,)" or "()", as numpy prints shapes; cut short when it would not fit. */
static const char *fmt_shape(char *buf, size_t n, int nd, const int64_t *d)
{
	size_t len = 1;

	snprintf(buf, n, "(");
	for (int i = 0; i < nd && len < n; i++)
		len += (size_t)snprintf(buf + len, n - len, "%s%lld", i ? "," : "", (long long)d[i]);
	if (len < n)
		snprintf(buf + len, n - len, nd == 1 ? ",)" : ")");
	return buf;
}

/* numpy's contiguity flags: axes of length 1 may have any stride, and an empty array is
 * contiguous in both orders whatever its strides. */
static bool is_contig(int nd, const int64_t *shape, const int64_t *strides, int64_t itemsize, bool f)
{
	int64_t want = itemsize;
	bool ok = true;

	for (int k = 0; k < nd; k++) {
		int i = f ? k : nd - 1 - k;

		if (shape[i] == 0)
			return true;
		if (shape[i] != 1) {
			if (strides[i] != want)
				ok = false;
			/* cannot overflow: the caller checked that the array's byte size fits */
			want *= shape[i];
		}
	}
	return ok;
}

/* Fresh contiguous strides, as numpy gives a reshaped contiguous array: empty axes do not
 * scale the strides of the axes outside them. */
static void fill_strides(int nd, const int64_t *shape, int64_t itemsize, bool f, int64_t *strides)
{
	int64_t s = itemsize;

	for (int k = 0; k < nd; k++) {
		int i = f ? k : nd - 1 - k;

		strides[i] = s;
		if (shape[i])
			s *= shape[i];
	}
}

/* The view reshape of a non-contiguous array.  Both shapes, without their length-1 axes, are cut
 * into runs of equal element count; each run of old axes must be one evenly strided block in the
 * given order, and the new axes of the run then split that block.  Returns false when some run is
 * not such a block (numpy would copy). */
static bool nocopy_strides(int ndim, const int64_t *shape, const int64_t *strides, int64_t itemsize,
			   int nnd, const int64_t *nshape, bool f, int64_t *nstrides)
{
	int64_t od[PLBUF_MAXDIM], os[PLBUF_MAXDIM];
	int ond = 0, oi = 0, ni = 0;

	for (int i = 0; i < ndim; i++) {
		if (shape[i] != 1) {
			od[ond] = shape[i];
			os[ond++] = strides[i];
		}
	}
	while (ni < nnd && oi < ond) {
		int oj = oi + 1, nj = ni + 1;
		int64_t np_ = nshape[ni], op = od[oi];

		/* Both products stay below the array's element count, which fits. */
		while (np_ != op) {
			if (np_ < op)
				np_ *= nshape[nj++];
			else
				op *= od[oj++];
		}
		for (int k = oi; k + 1 < oj; k++) {
			int64_t inner;

			if (__builtin_mul_overflow(f ? od[k] : od[k + 1], f ? os[k] : os[k + 1], &inner) ||
			    (f ? os[k + 1] : os[k]) != inner)
				return false;
		}
		if (f) {
			nstrides[ni] = os[oi];
			for (int k = ni + 1; k < nj; k++)
				if (__builtin_mul_overflow(nstrides[k - 1], nshape[k - 1], &nstrides[k]))
					return false;
		} else {
			nstrides[nj - 1] = os[oj - 1];
			for (int k = nj - 1; k > ni; k--)
				if (__builtin_mul_overflow(nstrides[k], nshape[k], &nstrides[k - 1]))
					return false;
		}
		ni = nj;
		oi = oj;
	}
	/* Trailing new axes of length 1 continue from the last run; numpy's exact values matter
	 * only for equality with it, since such axes are never stepped along. */
	int64_t last = itemsize;

	if (ni >= 1) {
		last = nstrides[ni - 1];
		if (f && __builtin_mul_overflow(last, nshape[ni - 1], &last))
			return false;
	}
	for (; ni < nnd; ni++)
		nstrides[ni] = last;
	return true;
}

int plbuf__reshape(int ndim, const int64_t *shape, const int64_t *strides, int64_t itemsize,
		   int nndim, const int64_t *nshape_in, char order, int64_t *nshape, int64_t *nstrides)
{
	int64_t size = 1, known = 1, nbytes = itemsize, ns[PLBUF_MAXDIM], nst[PLBUF_MAXDIM];
	char b1[200], b2[200], b3[200];
	int unknown = -1;
	bool f;

	if (ndim < 0 || ndim > PLBUF_MAXDIM || nndim < 0 || nndim > PLBUF_MAXDIM)
		return plbuf__err(EINVAL, "reshape: ndim %d -> %d is outside [0, %d]", ndim, nndim,
				  PLBUF_MAXDIM);
	if ((ndim && (!shape || !strides)) || (nndim && (!nshape_in || !nshape || !nstrides)))
		return plbuf__err(EINVAL, "reshape: NULL shape or strides");
	if (itemsize <= 0)
		return plbuf__err(EINVAL, "reshape: itemsize %lld must be positive", (long long)itemsize);
	if (order != 'C' && order != 'F' && order != 'A')
		return plbuf__err(EINVAL, "reshape: order must be 'C', 'F' or 'A', not '%c'",
				  order >= 0x20 && order < 0x7f ? order : '?');
	/* The source must be an array numpy could hold: its byte size, empty axes aside, fits. */
	for (int i = 0; i < ndim; i++) {
		if (shape[i] < 0)
			return plbuf__err(EINVAL, "reshape: negative dimension %lld on axis %d",
					  (long long)shape[i], i);
		if (shape[i] && __builtin_mul_overflow(nbytes, shape[i], &nbytes))
			return plbuf__err(EINVAL, "reshape: the array's byte size overflows int64");
		size *= shape[i];
	}

	/* Same shape: numpy returns a plain view and keeps even the strides of length-1 axes. */
	if (nndim == ndim && (!ndim || !memcmp(shape, nshape_in, (size_t)ndim * sizeof(*shape)))) {
		if (ndim) {
			memmove(nshape, shape, (size_t)ndim * sizeof(*shape));
			memmove(nstrides, strides, (size_t)ndim * sizeof(*strides));
		}
		return 0;
	}

	/* numpy (1.24 at least) takes any negative entry, not only -1, as the one to infer; a product that
	 * overflows on the way is reported as a size mismatch, as numpy does. */
	for (int i = 0; i < nndim; i++) {
		ns[i] = nshape_in[i];
		if (ns[i] < 0) {
			if (unknown >= 0)
				return plbuf__err(EINVAL, "reshape: can only specify one unknown dimension");
			unknown = i;
		} else if (__builtin_mul_overflow(known, ns[i], &known)) {
			known = -1;
			break;
		}
	}
	if (known < 0 || (unknown >= 0 ? known == 0 || size % known : size != known))
		return plbuf__err(EINVAL, "cannot reshape array of size %lld into shape %s",
				  (long long)size, fmt_shape(b1, sizeof(b1), nndim, nshape_in));
	if (unknown >= 0)
		ns[unknown] = size / known;
	nbytes = itemsize;
	for (int i = 0; i < nndim; i++)
		if (ns[i] && __builtin_mul_overflow(nbytes, ns[i], &nbytes))
			return plbuf__err(EINVAL, "reshape: shape %s is too big: its byte size overflows int64",
					  fmt_shape(b1, sizeof(b1), nndim, ns));

	if (order == 'A')
		order = is_contig(ndim, shape, strides, itemsize, true) &&
				!is_contig(ndim, shape, strides, itemsize, false) ? 'F' : 'C';
	f = order == 'F';
	if (is_contig(ndim, shape, strides, itemsize, f))
		fill_strides(nndim, ns, itemsize, f, nst);
	else if (!nocopy_strides(ndim, shape, strides, itemsize, nndim, ns, f, nst))
		return plbuf__err(EINVAL, "cannot reshape array of shape %s and strides %s into shape %s "
				  "in order '%c' without a copy; plbuf never copies a buffer implicitly: "
				  "copy it into a contiguous buffer first",
				  fmt_shape(b1, sizeof(b1), ndim, shape),
				  fmt_shape(b2, sizeof(b2), ndim, strides),
				  fmt_shape(b3, sizeof(b3), nndim, ns), order);
	if (nndim) {
		memcpy(nshape, ns, (size_t)nndim * sizeof(*ns));
		memcpy(nstrides, nst, (size_t)nndim * sizeof(*nst));
	}
	return 0;
}
