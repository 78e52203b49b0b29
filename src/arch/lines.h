/*
 * lines.h - which cache lines a byte range touches.  Kept apart from the loops that use it so that
 * the unit tests can check the arithmetic on every architecture, including the ones whose loops
 * cannot be watched (tests/t_arch_lines.c).
 */
#ifndef PLBUF_ARCH_LINES_H
#define PLBUF_ARCH_LINES_H

#include <stddef.h>
#include <stdint.h>

/* The lines of size line (a power of two) that [va, va + len) touches: *first is the address of the
 * first, the return value how many.  Partial lines at either edge count whole, since maintenance
 * works on whole lines; an empty range touches none. */
static inline size_t plbuf__arch_lines(uintptr_t va, size_t len, size_t line, uintptr_t *first)
{
	uintptr_t lo = va & ~(uintptr_t)(line - 1);

	*first = lo;
	if (len == 0)
		return 0;
	return (size_t)((va + (len - 1) - lo) / line) + 1;
}

#endif
