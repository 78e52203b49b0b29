/*
 * meminfo.h - the one reader of /proc/meminfo (under PLBUF_ROOT): CMA, hugepage and available
 * memory figures for the backends' messages, limits and `plbuf info`; and of the page allocator's
 * figures in /proc/buddyinfo and /proc/zoneinfo.
 */
#ifndef PLBUF_MEMINFO_H
#define PLBUF_MEMINFO_H

#include <stdint.h>

/* The value of field ("CmaFree", "Hugepagesize", "MemAvailable"...) in bytes when the kernel gives
 * it in kB, as a plain number otherwise.  Returns 0, -ENOENT when the field is absent, -EINVAL or
 * -ERANGE when it is not a number that fits, or -errno when the file cannot be read.  Sets no message: every caller has a
 * fallback (0, or no limit). */
int plbuf__meminfo(const char *field, uint64_t *out);

/* The largest block the page allocator hands out, in bytes: a page << (MAX_ORDER - 1), MAX_ORDER
 * being the number of per-order counts on a line of /proc/buddyinfo (11 with 4 KiB pages: 4 MiB).
 * 0 when unknown. */
uint64_t plbuf__buddy_max_block(void);

/* Bytes of free pages that the per-CPU lists hold (/proc/zoneinfo, "count:" of every pageset):
 * free, but in no free-page figure of /proc/meminfo (CmaFree misses the CMA pages just freed that
 * wait there).  0 when unknown. */
uint64_t plbuf__pcp_free(void);

#endif
