/* The cache-line size plbuf maintains by is the CPU's, read where the CPU says it, never assumed.
 * aarch64: the stride of DC CVAC / DC CIVAC must be CTR_EL0.DminLine, read here independently;
 * tests/suites/cross.sh runs this under QEMU CPUs with 32-, 64- and 256-byte lines and sets
 * PLBUF_EXPECT_DLINE to the value that CPU model documents, so a hard-coded stride fails on at
 * least two of them.  Elsewhere the value only aligns buffers and must cover the real line. */
#include <stdint.h>
#include <unistd.h>

#include "context.h"
#include "test.h"

int main(void)
{
	size_t l = plbuf__arch_line_size();
	const char *want = getenv("PLBUF_EXPECT_DLINE");

	printf("arch %s, line %zu\n", plbuf__arch_name(), l);
	CHECK(l >= 16 && l <= 2048 && (l & (l - 1)) == 0);
	CHECK(plbuf__arch_line_size() == l); /* cached, and stable */
#if defined(__aarch64__)
	uint64_t ctr;

	__asm__ volatile("mrs %0, ctr_el0" : "=r"(ctr));
	printf("CTR_EL0 %#llx: DminLine %u -> %zu bytes\n", (unsigned long long)ctr,
	       (unsigned)((ctr >> 16) & 0xf), (size_t)4 << ((ctr >> 16) & 0xf));
	CHECK(l == (size_t)4 << ((ctr >> 16) & 0xf));
	CHECK(strcmp(plbuf__arch_name(), "aarch64") == 0);
#elif defined(__arm__)
	/* ARMv7 user mode cannot read CTR; 64 covers Cortex-A9 / PL310 (32) and ARMv8 in AArch32. */
	CHECK(l == 64);
	CHECK(strcmp(plbuf__arch_name(), "armv7") == 0);
#elif defined(__x86_64__)
	long sys = sysconf(_SC_LEVEL1_DCACHE_LINESIZE);

	CHECK(sys <= 0 || (size_t)sys <= l);
	CHECK(strcmp(plbuf__arch_name(), "x86_64") == 0);
#endif
	if (want) {
		printf("expected by the emulated CPU: %s\n", want);
		CHECK(l == (size_t)strtoul(want, NULL, 0));
	}
	return T_EXIT_PASS;
}
