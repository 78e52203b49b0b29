/*
 * Architectures plbuf has no cache code for: only coherent memory can be used correctly, so cached
 * non-coherent maintenance reports -EOPNOTSUPP rather than pretending.
 */
#include "arch/arch.h"
#include "arch/no_maint.h"

void plbuf__arch_fence(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/* Only aligns buffers here: the largest common line (POWER's 128 bytes) is the safe guess. */
size_t plbuf__arch_line_size(void)
{
	return 128;
}

const char *plbuf__arch_name(void)
{
	return "this architecture";
}
