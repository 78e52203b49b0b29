/* By-address cache maintenance on real memory: plbuf__arch_clean (flush) and
 * plbuf__arch_clean_inval (invalidate) over ranges with partial edge lines, empty ranges and
 * ranges that cross a page.  aarch64: they return 0, do not trap (DC IVAC would raise SIGILL at
 * EL0) and leave the data as it was.  x86_64: fences, 0.  32-bit ARM and unknown CPUs: -EOPNOTSUPP,
 * because user space there cannot reach the point of coherency.
 *
 * Each call is announced on stdout as "EXPECT-DC cvac|civac VA LEN"; under qemu-aarch64,
 * tests/suites/cross.sh records every DC and DSB instruction executed inside these functions and
 * checks that each call cleaned exactly the lines of [VA, VA + LEN), at the CPU's line size, in
 * order, followed by one DSB. */
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "context.h"
#include "test.h"

#if defined(__aarch64__) || defined(__x86_64__)
#define EXPECT_RET 0
#else
#define EXPECT_RET (-EOPNOTSUPP)
#endif

static unsigned char pattern(size_t i) { return (unsigned char)(i * 131 + 7); }

int main(void)
{
	const size_t offs[] = {0, 1, 31, 32, 33, 63, 64, 100, 255};
	const size_t lens[] = {0, 1, 2, 31, 32, 33, 64, 65, 200, 257, 4099};
	size_t pg = (size_t)sysconf(_SC_PAGESIZE), size = 3 * pg;
	unsigned char *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int calls = 0;

	CHECK(m != MAP_FAILED);
	for (size_t i = 0; i < size; i++)
		m[i] = pattern(i);
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int op = 0; op < 2; op++)
		for (size_t o = 0; o < sizeof(offs) / sizeof(offs[0]); o++)
			for (size_t l = 0; l < sizeof(lens) / sizeof(lens[0]); l++) {
				/* starts near the end of page 0, so long ranges cross into page 1 */
				unsigned char *va = m + pg - 128 + offs[o];
				int ret;

				printf("EXPECT-DC %s %#lx %zu\n", op ? "civac" : "cvac",
				       (unsigned long)(uintptr_t)va, lens[l]);
				ret = op ? plbuf__arch_clean_inval(va, lens[l])
					 : plbuf__arch_clean(va, lens[l]);
				if (ret != EXPECT_RET) {
					fprintf(stderr, "%s(%p, %zu) returned %d, expected %d\n",
						op ? "clean_inval" : "clean", (void *)va, lens[l], ret,
						EXPECT_RET);
					return T_EXIT_FAIL;
				}
				calls++;
			}
	for (size_t i = 0; i < size; i++)
		if (m[i] != pattern(i)) {
			fprintf(stderr, "byte %zu changed: %#x, expected %#x\n", i, m[i], pattern(i));
			return T_EXIT_FAIL;
		}
	/* A fence is always available: it is all coherent memory needs. */
	plbuf__arch_fence();
	munmap(m, size);
	printf("%d calls on %s, all returned %d, data intact\n", calls, plbuf__arch_name(), EXPECT_RET);
	return T_EXIT_PASS;
}
