/*
 * shim_xlnk.h - a fixture of the xlnk driver of PYNQ images v2.3 to v2.5, for tests only.
 *
 * Reproduces /dev/xlnk of linux-xlnx's drivers/staging/apf as of the 2018.x-2019.1 trees
 * (xlnk.c DRIVER_VERSION "0.2" with dma_alloc_attrs, xlnk.h, xlnk-ioctl.h, xlnk-sysdef.h):
 * ALLOCBUF, FREEBUF, CACHECTRL and RECRES with the driver's argument union (copied whole, both
 * ways, its integer fields as wide as the kernel's pointers), its 4096-entry buffer table
 * (id 0 is the driver's own page, ids 1..4095 are buffers, and a failed id search leaks the
 * memory as the driver does), its error returns, and mmap at offset id << 16 mapping the
 * buffer's memory.  The CMA area is a file of the fixture; allocations follow CMA's alignment
 * (the buffer's order, at most CONFIG_CMA_ALIGNMENT = 8, i.e. 1 MiB).  /proc/vmstat's
 * nr_free_cma and /proc/meminfo's CmaTotal / CmaFree follow the pool.
 */
#ifndef PLBUF_TEST_SHIM_XLNK_H
#define PLBUF_TEST_SHIM_XLNK_H

#include <stdint.h>

struct fx_xlnk {
	uint64_t cma_base;     /* physical address of the CMA area */
	uint64_t cma_size;     /* 128 MiB, as PYNQ-Z1/Z2 boot with */
	char osrelease[64];    /* /proc/sys/kernel/osrelease: "4.19.0-xilinx-v2019.1" (PYNQ v2.5) */
};

void fx_xlnk_default(struct fx_xlnk *x);
/* Creates /dev/xlnk, /sys/class/xlnk/xlnk and the /proc files; resets the driver's state. */
int fx_xlnk_setup(const struct fx_xlnk *x);

/* One CACHECTRL the driver carried out. */
struct fx_xlnk_cachectrl {
	uint64_t phys;
	uint32_t size;
	int action;  /* 0 flush, 1 invalidate */
	int id;      /* the buffer phys fell in */
};
int fx_xlnk_ncachectrl(void);
const struct fx_xlnk_cachectrl *fx_xlnk_cachectrl_at(int i);
void fx_xlnk_clear_log(void);

int fx_xlnk_nbufs(void);           /* ids in use */
uint64_t fx_xlnk_free_bytes(void); /* free CMA */
/* Calls the real driver would have answered by mapping or freeing the wrong memory: mmap of id
 * 0, of an id out of the table or not allocated, longer than the buffer; FREEBUF of a buffer
 * still mapped.  A correct user makes none. */
int fx_xlnk_violations(void);
/* The buffer whose mapping holds va: returns its cacheable flag (mapped cached, or
 * pgprot_noncached), or -1; *id gets its id. */
int fx_xlnk_mapping(const void *va, int *id);

#endif
