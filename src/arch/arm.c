/*
 * ARMv7 (Zynq-7000) cache maintenance.  User space has no data-cache maintenance instructions, and
 * the cacheflush() system call cleans only to the point of unification (for JITs), never through the
 * PL310 outer cache to DRAM.  So plbuf cannot flush or invalidate a cached mapping by itself here:
 * it says so (-EOPNOTSUPP), and backends either sync through their driver (u-dma-buf, xlnk) or hand
 * out uncached memory; sync.c turns the -EOPNOTSUPP into an error that says which.  A fence (DSB)
 * still orders accesses to uncached or coherent memory against the device.  The same holds for any
 * 32-bit ARM program, ARMv8 cores in AArch32 state included: cache maintenance by address is
 * UNDEFINED in user mode there too.
 */
#include "arch/arch.h"
#include "arch/no_maint.h"

void plbuf__arch_fence(void)
{
	__asm__ volatile("dsb" ::: "memory");
}

/* Here the line size only aligns buffers (the driver does the maintenance), so the safe value is
 * the largest line the binary may meet: Zynq-7000's Cortex-A9 and PL310 have 32-byte lines, but
 * the same armhf program runs on ARMv8 cores in AArch32 state, with 64-byte lines.  The CTR
 * register that would tell is not readable from user mode on ARMv7. */
size_t plbuf__arch_line_size(void)
{
	return 64;
}

const char *plbuf__arch_name(void)
{
	return "armv7";
}
