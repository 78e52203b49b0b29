/*
 * x86_64 cache maintenance.  PCIe (and on-die) DMA on x86 snoops the CPU caches: a device read is
 * served from a dirty line rather than stale DRAM, and a device write invalidates the CPU's copy.
 * So flush and invalidate only have to order the CPU's own accesses against the doorbell write or
 * the completion read around a transfer.  MFENCE does that, and also drains the write-combining
 * buffers of WC mappings (what cacheable=no gives where it can).  This is what the Linux DMA API
 * assumes on x86 too: its dma_sync_* calls do no cache maintenance there.  (A device that sets the
 * PCIe No Snoop attribute bypasses the caches; the DMA API does not cater for it either.)
 * No range is needed, and no line size: 64 bytes on every x86_64 core, used only for alignment.
 */
#include "arch/arch.h"

void plbuf__arch_fence(void)
{
	__asm__ volatile("mfence" ::: "memory");
}

int plbuf__arch_clean(void *va, size_t len)
{
	(void)va;
	(void)len;
	plbuf__arch_fence();
	return 0;
}

int plbuf__arch_clean_inval(void *va, size_t len)
{
	(void)va;
	(void)len;
	plbuf__arch_fence();
	return 0;
}

size_t plbuf__arch_line_size(void)
{
	return 64;
}

const char *plbuf__arch_name(void)
{
	return "x86_64";
}
