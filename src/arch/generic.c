/*
 * Architectures plbuf has no cache code for: only coherent memory can be used correctly, so cached
 * non-coherent maintenance reports -EOPNOTSUPP rather than pretending.
 */
#include <errno.h>

#include "context.h"

void plbuf__arch_fence(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
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

/* Only aligns buffers here: the largest common line (POWER's 128 bytes) is the safe guess. */
size_t plbuf__arch_line_size(void)
{
	return 128;
}

const char *plbuf__arch_name(void)
{
	return "this architecture";
}
