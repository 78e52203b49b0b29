/* The line arithmetic of by-address cache maintenance (src/arch/lines.h): a range touches every
 * line from the one holding its first byte to the one holding its last, partial edge lines
 * included, and nothing for an empty range.  Checked against a byte-by-byte count for start
 * offsets around line boundaries (all of them for 16-byte lines) and every length up to three
 * lines, for lines of 16 to 256 bytes, near the top of the address space too. */
#include <stdint.h>

#include "arch/lines.h"
#include "test.h"

/* Counts the distinct lines holding the bytes of [va, va + len), one byte at a time. */
static size_t brute(uintptr_t va, size_t len, size_t line, uintptr_t *first)
{
	size_t n = 0;
	uintptr_t last = 0;

	for (size_t i = 0; i < len; i++) {
		uintptr_t l = (va + i) / line * line;

		if (n == 0)
			*first = l;
		if (n == 0 || l != last)
			n++;
		last = l;
	}
	return n;
}

int main(void)
{
	const uintptr_t bases[] = {0x10000, (uintptr_t)0 - 0x4000};
	long checked = 0;

	for (size_t line = 16; line <= 256; line *= 2)
		for (size_t b = 0; b < sizeof(bases) / sizeof(bases[0]); b++)
			for (size_t k = 0; k < (line == 16 ? 2 * line : 11); k++)
				for (size_t len = 0; len <= 3 * line + 2; len++) {
					/* every offset for 16-byte lines; for longer ones, offsets
					 * around the line's start, middle and end */
					size_t h = line / 2, offs[] = {0, 1, 2, h - 1, h, h + 1, line - 2,
						line - 1, line, line + 1, 2 * line - 1};
					size_t off = line == 16 ? k : offs[k % 11];
					uintptr_t va = bases[b] + off, f = 0, fb = 0;
					size_t n = plbuf__arch_lines(va, len, line, &f);
					size_t nb = brute(va, len, line, &fb);

					if (n != nb || (nb && f != fb)) {
						fprintf(stderr, "line %zu va %#lx len %zu: got %zu lines "
							"from %#lx, expected %zu from %#lx\n", line,
							(unsigned long)va, len, n, (unsigned long)f, nb,
							(unsigned long)fb);
						return T_EXIT_FAIL;
					}
					checked++;
				}
	/* The cases a hard-coded stride or a missing align-down would get wrong. */
	uintptr_t f;
	CHECK(plbuf__arch_lines(0x1001f, 2, 32, &f) == 2 && f == 0x10000);
	CHECK(plbuf__arch_lines(0x1001f, 2, 64, &f) == 1 && f == 0x10000);
	CHECK(plbuf__arch_lines(0x10000, 4096, 32, &f) == 128);
	CHECK(plbuf__arch_lines(0x10004, 4096, 256, &f) == 17);
	CHECK(plbuf__arch_lines(0x10040, 0, 64, &f) == 0);
	printf("%ld ranges checked\n", checked);
	return T_EXIT_PASS;
}
