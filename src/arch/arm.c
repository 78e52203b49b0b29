/*
 * ARMv7 (Zynq-7000) cache maintenance.  User space has no data-cache maintenance instructions, and
 * the cacheflush() system call cleans only to the point of unification (for JITs), never through the
 * PL310 outer cache to DRAM.  So plbuf cannot flush or invalidate a cached mapping by itself here:
 * it says so (-EOPNOTSUPP), and backends either sync through their driver (u-dma-buf, xlnk) or hand
 * out uncached memory.  A fence (DSB) still orders accesses to uncached memory.
 */
#include <errno.h>

#include "context.h"

void plbuf__arch_fence(void)
{
	__asm__ volatile("dsb" ::: "memory");
}

int plbuf__arch_clean(void *va, size_t len)
{
	(void)va;
	(void)len;
	return -EOPNOTSUPP;
}

int plbuf__arch_clean_inval(void *va, size_t len)
{
	(void)va;
	(void)len;
	return -EOPNOTSUPP;
}

size_t plbuf__arch_line_size(void)
{
	return 32; /* Cortex-A9 L1 and the PL310 both use 32-byte lines */
}

const char *plbuf__arch_name(void)
{
	return "armv7";
}
