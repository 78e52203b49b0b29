/* Fuzzes numpy's dtype grammar (plbuf_dtype_parse).  A string it accepts must describe itself
 * consistently, and its dtype.str must parse back to the same size and kind. */
#include "fuzz.h"
#include "plbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct plbuf_dtype_info a, b;
	char *s;

	if (size > 4096)
		return 0;
	s = fz_str(data, size);
	fz_clear_msg();
	if (plbuf_dtype_parse(s, &a) == 0) {
		FZ_CHECK(memchr(a.str, 0, sizeof(a.str)) && memchr(a.base, 0, sizeof(a.base)));
		FZ_CHECK(strchr("biufcmMSUV", a.kind) && a.kind);
		FZ_CHECK(strchr("<>|=", a.byteorder) && a.byteorder);
		FZ_CHECK(a.subndim >= 0 && a.subndim <= PLBUF_MAXDIM && a.nfields >= 0);
		FZ_CHECK(a.alignment >= 1 && (a.alignment & (a.alignment - 1)) == 0);
		uint64_t n = a.base_itemsize;

		/* A 0 anywhere makes the sub-array empty, as numpy says ("(2147483647,2147483647,0,
		 * 2147483647)i8" is V0): the product of the others may well overflow before it. */
		for (int i = 0; i < a.subndim; i++) {
			FZ_CHECK(a.subshape[i] >= 0);
			if (a.subshape[i] == 0)
				n = 0;
		}
		for (int i = 0; i < a.subndim && n; i++) {
			if ((uint64_t)a.subshape[i] > UINT64_MAX / n)
				abort();
			n *= (uint64_t)a.subshape[i];
		}
		/* numpy 1.24 gives "2<0i4" itemsize 2 (its repeat count), not 0 */
		FZ_CHECK(a.subndim == 0 ? a.itemsize == a.base_itemsize : a.itemsize == n || n == 0);
		/* numpy's round trip: np.dtype(d.str) has d's size and kind.  Except for a negative
		 * datetime multiplier ("M8[s/-2]" is "<M8[-500ms]", which numpy 1.24 refuses too). */
		if (!strstr(a.str, "[-")) {
			FZ_CHECK(plbuf_dtype_parse(a.str, &b) == 0);
			FZ_CHECK(b.itemsize == a.itemsize);
			FZ_CHECK(b.kind == a.kind || (a.subndim || a.nfields));
		}
	} else {
		FZ_CHECK(plbuf_errmsg()[0]);
	}
	free(s);
	return 0;
}
