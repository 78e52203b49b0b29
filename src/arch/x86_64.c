/*
 * x86_64 cache maintenance.  PCIe (and on-die) DMA on x86 snoops the CPU caches: memory the device
 * reads is never stale in DRAM behind a dirty line, and a device write invalidates the CPU's copy.
 * So flush and invalidate only have to order the CPU's own accesses against the doorbell write or
 * the completion read that surround a transfer: a full fence (MFENCE) does that, including for
 * write-combined (WC) mappings, whose buffers it drains.
 */
#include "context.h"

void plbuf__arch_fence(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
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
