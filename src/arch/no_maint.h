/*
 * no_maint.h - cache maintenance by address where user space cannot do it: included by the one
 * architecture file of such a build (arm.c, generic.c), so the rule is written once.
 *
 * Both report -EOPNOTSUPP rather than pretending: sync.c turns it into an error that says which
 * backend could do it, and context.c stops making cached memory the default.
 */
#ifndef PLBUF_ARCH_NO_MAINT_H
#define PLBUF_ARCH_NO_MAINT_H

#include <errno.h>

#include "arch/arch.h"

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

#endif
