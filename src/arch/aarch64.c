/*
 * aarch64 cache maintenance from user space (EL0).
 *
 * Linux sets SCTLR_EL1.UCI, so EL0 may execute DC CVAC (clean to the point of coherency) and
 * DC CIVAC (clean and invalidate).  DC IVAC (invalidate only) is NOT allowed at EL0 and traps, so
 * "invalidate" is DC CIVAC: harmless as long as the CPU did not write the buffer while the device
 * did, which is also why buffers are cleaned once when allocated (no stale dirty lines left to be
 * written back over the device's data).  Because every invalidate cleans first, a partial line at
 * the edge of a range is cleaned and invalidated as the Linux DMA API does, never just dropped.
 *
 * The line size comes from CTR_EL0.DminLine (the smallest D-cache line in the system), never a
 * constant: QEMU's default CPU reports 32 bytes, Cortex-A53 64.  Each loop ends with DSB SY so the
 * maintenance has completed before the caller rings the device's doorbell.
 */
#include <stdint.h>

#include "context.h"

static size_t dline;

size_t plbuf__arch_line_size(void)
{
	size_t l = __atomic_load_n(&dline, __ATOMIC_RELAXED);

	if (!l) {
		uint64_t ctr;

		__asm__ volatile("mrs %0, ctr_el0" : "=r"(ctr));
		l = (size_t)4 << ((ctr >> 16) & 0xf);
		__atomic_store_n(&dline, l, __ATOMIC_RELAXED);
	}
	return l;
}

void plbuf__arch_fence(void)
{
	__asm__ volatile("dsb sy" ::: "memory");
}

int plbuf__arch_clean(void *va, size_t len)
{
	size_t l = plbuf__arch_line_size();
	uintptr_t p = (uintptr_t)va & ~(uintptr_t)(l - 1), end = (uintptr_t)va + len;

	for (; p < end; p += l)
		__asm__ volatile("dc cvac, %0" : : "r"(p) : "memory");
	__asm__ volatile("dsb sy" ::: "memory");
	return 0;
}

int plbuf__arch_clean_inval(void *va, size_t len)
{
	size_t l = plbuf__arch_line_size();
	uintptr_t p = (uintptr_t)va & ~(uintptr_t)(l - 1), end = (uintptr_t)va + len;

	for (; p < end; p += l)
		__asm__ volatile("dc civac, %0" : : "r"(p) : "memory");
	__asm__ volatile("dsb sy" ::: "memory");
	return 0;
}

const char *plbuf__arch_name(void)
{
	return "aarch64";
}
