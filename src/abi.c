/*
 * abi.c - the layout of the structs callers allocate, pinned at compile time.
 *
 * A struct that a program allocates and the library fills (or reads) is part of the ABI: its size
 * and offsets may never change within a soname.  New fields take reserved bytes instead (plbuf.h,
 * "Growing the ABI").  These asserts fail the build if an edit moves a field, grows a struct or
 * leaves a padding hole (a hole is bytes the compiler may leave uninitialised, and a field that can
 * never be named); python/tests/test_abi.py checks the Python binding's ctypes mirrors against
 * the same layout.
 */
#include <stddef.h>
#include <string.h>

#include "internal.h"

#define SUM2(s, a, b) (sizeof(((s *)0)->a) + sizeof(((s *)0)->b))
#define F(s, f) sizeof(((s *)0)->f)

/* No holes: the members' sizes add up to the struct's, on every ABI. */
_Static_assert(sizeof(struct plbuf_alloc_opts) ==
	       F(struct plbuf_alloc_opts, order) + F(struct plbuf_alloc_opts, reserved0) +
	       F(struct plbuf_alloc_opts, cacheable) + F(struct plbuf_alloc_opts, bank) +
	       (sizeof(void *) == 4 ? 4 : 0) + F(struct plbuf_alloc_opts, alignment) +
	       F(struct plbuf_alloc_opts, zero) + F(struct plbuf_alloc_opts, reserved2) +
	       F(struct plbuf_alloc_opts, max_device_address) + F(struct plbuf_alloc_opts, reserved),
	       "struct plbuf_alloc_opts has a padding hole");
/* The same offsets on 32- and 64-bit systems. */
_Static_assert(sizeof(struct plbuf_alloc_opts) == 104, "struct plbuf_alloc_opts changed size");
_Static_assert(offsetof(struct plbuf_alloc_opts, cacheable) == 4 &&
	       offsetof(struct plbuf_alloc_opts, bank) == 8 &&
	       offsetof(struct plbuf_alloc_opts, alignment) == 16 &&
	       offsetof(struct plbuf_alloc_opts, zero) == 24 &&
	       offsetof(struct plbuf_alloc_opts, max_device_address) == 32 &&
	       offsetof(struct plbuf_alloc_opts, reserved) == 40,
	       "struct plbuf_alloc_opts: a field moved");

_Static_assert(sizeof(struct plbuf_dtype_info) ==
	       F(struct plbuf_dtype_info, str) + SUM2(struct plbuf_dtype_info, kind, byteorder) +
	       F(struct plbuf_dtype_info, reserved0) + F(struct plbuf_dtype_info, nfields) +
	       SUM2(struct plbuf_dtype_info, itemsize, alignment) +
	       SUM2(struct plbuf_dtype_info, subndim, reserved1) + F(struct plbuf_dtype_info, subshape) +
	       F(struct plbuf_dtype_info, base) +
	       SUM2(struct plbuf_dtype_info, base_itemsize, base_alignment) +
	       F(struct plbuf_dtype_info, reserved),
	       "struct plbuf_dtype_info has a padding hole");
_Static_assert(sizeof(struct plbuf_dtype_info) == 512, "struct plbuf_dtype_info changed size");

_Static_assert(sizeof(struct plbuf_bank_info) ==
	       F(struct plbuf_bank_info, name) + SUM2(struct plbuf_bank_info, base, size) +
	       SUM2(struct plbuf_bank_info, free, largest) +
	       SUM2(struct plbuf_bank_info, coherent, reserved0) + F(struct plbuf_bank_info, reserved),
	       "struct plbuf_bank_info has a padding hole");
_Static_assert(sizeof(struct plbuf_bank_info) == 128, "struct plbuf_bank_info changed size");

_Static_assert(sizeof(struct plbuf_probe_info) ==
	       SUM2(struct plbuf_probe_info, name, summary) + SUM2(struct plbuf_probe_info, usable, rank) +
	       F(struct plbuf_probe_info, why) + F(struct plbuf_probe_info, reserved),
	       "struct plbuf_probe_info has a padding hole");
_Static_assert(sizeof(struct plbuf_probe_info) == 280 + 40 - (sizeof(void *) == 4 ? 8 : 0),
	       "struct plbuf_probe_info changed size");

_Static_assert(sizeof(struct plbuf_sim_access) ==
	       SUM2(struct plbuf_sim_access, window, write) + SUM2(struct plbuf_sim_access, width, reserved0) +
	       SUM2(struct plbuf_sim_access, offset, value) + SUM2(struct plbuf_sim_access, seq, reserved1) +
	       F(struct plbuf_sim_access, reserved),
	       "struct plbuf_sim_access has a padding hole");
_Static_assert(sizeof(struct plbuf_sim_access) == 72, "struct plbuf_sim_access changed size");
_Static_assert(sizeof(struct plbuf_sim_window_ops) == 8 * sizeof(void (*)(void)),
	       "struct plbuf_sim_window_ops changed size");
/* struct plbuf_sim_report is allocated by the library and only lent to callbacks: it grows at its
 * end without reserved bytes. */

int plbuf__abi_reserved_set(const struct plbuf_alloc_opts *o)
{
	static const struct plbuf_alloc_opts zero;

	/* Compared field by field: on 32-bit systems reserved1 exists, elsewhere it does not. */
	if (memcmp(o->reserved0, zero.reserved0, sizeof(o->reserved0)) || o->reserved2 ||
	    memcmp(o->reserved, zero.reserved, sizeof(o->reserved)))
		return 1;
#if UINTPTR_MAX == 0xffffffffu
	if (o->reserved1)
		return 1;
#endif
	return 0;
}
