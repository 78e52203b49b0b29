/*
 * arch.h - what each architecture file (src/arch/<arch>.c, one per build, chosen by the Makefile)
 * gives the portable core: cache maintenance by virtual address, a fence, and the line size.
 */
#ifndef PLBUF_ARCH_H
#define PLBUF_ARCH_H

#include <stddef.h>

/* Returns 0, or -EOPNOTSUPP where user space cannot reach the point of coherency (ARMv7, and
 * architectures plbuf has no cache code for). */
int plbuf__arch_clean(void *va, size_t len);            /* flush: DC CVAC */
int plbuf__arch_clean_inval(void *va, size_t len);      /* invalidate: DC CIVAC */
void plbuf__arch_fence(void);                           /* order CPU accesses against DMA */
size_t plbuf__arch_line_size(void);                     /* the line buffers are aligned to and
                                                           maintained by */
const char *plbuf__arch_name(void);

#endif
