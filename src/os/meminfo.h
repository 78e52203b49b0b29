/*
 * meminfo.h - the one reader of /proc/meminfo (under PLBUF_ROOT): CMA, hugepage and available
 * memory figures for the backends' messages, limits and `plbuf info`.
 */
#ifndef PLBUF_MEMINFO_H
#define PLBUF_MEMINFO_H

#include <stdint.h>

/* The value of field ("CmaFree", "Hugepagesize", "MemAvailable"...) in bytes when the kernel gives
 * it in kB, as a plain number otherwise.  Returns 0, -ENOENT when the field is absent, -EINVAL or
 * -ERANGE when it is not a number that fits, or -errno when the file cannot be read.  Sets no message: every caller has a
 * fallback (0, or no limit). */
int plbuf__meminfo(const char *field, uint64_t *out);

#endif
