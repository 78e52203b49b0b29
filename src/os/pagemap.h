/*
 * pagemap.h - physical addresses of user pages (/proc/self/pagemap) and the search for runs of
 * physically consecutive huge pages.  Pure functions where possible, so that tests and fuzzers can
 * feed them made-up records.
 */
#ifndef PLBUF_PAGEMAP_H
#define PLBUF_PAGEMAP_H

#include <stddef.h>
#include <stdint.h>

#define PLBUF_PAGEMAP_PRESENT (1ull << 63)
#define PLBUF_PAGEMAP_PFN_MASK ((1ull << 55) - 1) /* bits 0-54 */

/* Decodes one 8-byte pagemap record.  Returns 0 and the PFN, -ENOENT when the page is not present
 * (never touched, or swapped), -EPERM when it is present but the PFN reads as 0: the kernel hides
 * PFNs from readers without CAP_SYS_ADMIN (Linux >= 4.2). */
int plbuf__pagemap_decode(uint64_t rec, uint64_t *pfn);

/* Physical address of the byte at va: one pread of one record from fd (an open /proc/self/pagemap).
 * The page must have been touched.  Returns 0 or -errno with a message naming the file. */
int plbuf__pagemap_phys(int fd, const void *va, uint64_t *phys);

/* A huge page seen during a run search: its physical address and where it sits in the search (the
 * index of its page in the file that backs the search). */
struct plbuf_hpage {
	uint64_t phys;
	uint64_t idx;
};

/* What a run search found, for the messages. */
struct plbuf_run_stats {
	size_t longest;        /* longest run of physically consecutive pages */
	size_t longest_below;  /* longest run wholly at or below max_dev */
	uint64_t lowest;       /* lowest physical address seen (UINT64_MAX when none) */
};

/* Sorts pages[0..k) by physical address and looks for n consecutive pages of pgsz bytes whose
 * first address is a multiple of align and whose last byte is at or below max_dev.  Returns the
 * index (in the sorted array) of the lowest such run, or -1; fills *st when st is not NULL.
 * Pages with the same physical address (which the kernel never gives) break a run. */
long plbuf__find_run(struct plbuf_hpage *pages, size_t k, uint64_t pgsz, size_t n, uint64_t align,
		     uint64_t max_dev, struct plbuf_run_stats *st);

#endif
