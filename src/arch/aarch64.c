/*
 * aarch64 cache maintenance from user space (EL0), by virtual address.
 *
 * Linux sets SCTLR_EL1.UCI, so EL0 may execute DC CVAC (clean to the point of coherency) and
 * DC CIVAC (clean and invalidate to the point of coherency).  Where a Cortex-A53 erratum makes the
 * kernel clear UCI, it traps these and runs DC CIVAC for the program: slower, still correct.
 * DC IVAC (invalidate only) is UNDEFINED at EL0 and raises SIGILL, so "invalidate" is DC CIVAC.
 *
 * Why DC CIVAC is a safe invalidate: it also writes back dirty lines, which would overwrite what
 * the device wrote.  No line of a buffer is dirty while the device writes it, provided the CPU
 * does not write the buffer during the transfer (a program bug under the Linux DMA API too): every
 * non-coherent buffer is cleaned when it is allocated (buffer.c), and is flushed before the device
 * is started.  Speculative reads can refill lines during the transfer, but only clean ones, which
 * is why the invalidate comes after the transfer.  And since every line is cleaned before it is
 * dropped, a partial line at either edge of a range, shared with other data, keeps that data: the
 * Linux DMA API's rule for edges holds for the whole range.
 *
 * The stride is CTR_EL0.DminLine, the smallest data-cache line of any cache in the system (Linux
 * reports the system-wide safe value when cores differ), never a constant: a stride longer than
 * the real line would skip lines.  QEMU's default CPU has 32-byte lines, Cortex-A53 64, A64FX 256.
 * DSB SY after the loop: the maintenance has completed before the caller starts the device or
 * reads what it wrote.
 */
#include <stdint.h>

#include "arch/arch.h"
#include "arch/lines.h"

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

/* One loop for both instructions (the asm needs the mnemonic as a literal). */
#define DC_RANGE(insn, va, len)                                                                \
	do {                                                                                   \
		size_t line_ = plbuf__arch_line_size();                                        \
		uintptr_t p_;                                                                  \
		size_t n_ = plbuf__arch_lines((uintptr_t)(va), (len), line_, &p_);             \
                                                                                               \
		if (!n_)                                                                       \
			return 0;                                                              \
		for (; n_; n_--, p_ += line_)                                                  \
			__asm__ volatile("dc " insn ", %0" : : "r"(p_) : "memory");            \
		__asm__ volatile("dsb sy" ::: "memory");                                       \
	} while (0)

int plbuf__arch_clean(void *va, size_t len)
{
	DC_RANGE("cvac", va, len);
	return 0;
}

int plbuf__arch_clean_inval(void *va, size_t len)
{
	DC_RANGE("civac", va, len);
	return 0;
}

const char *plbuf__arch_name(void)
{
	return "aarch64";
}
