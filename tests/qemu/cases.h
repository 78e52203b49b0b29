/*
 * cases.h - what the guest program's files share: edu_dma.c (main, helpers) and cases.c (the
 * cases).  Test code for the QEMU proof only (tests/qemu/run.sh builds it into the guest).
 */
#ifndef PLBUF_QEMU_CASES_H
#define PLBUF_QEMU_CASES_H

#include <stdint.h>

#include "edu.h"
#include "plbuf.h"

#define EDU_MASK28 0x0fffffffull /* edu's default dma_mask */
#define FILL 0xa5                /* what a destination holds before edu writes it */

extern struct edu edu;
extern char why[512];                      /* why the current case failed */
extern uint64_t devmem_base, devmem_size;  /* --devmem */

/* Records why the current case failed (the first reason wins) and returns 1. */
int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* 1 when --opt NAME=... was given. */
int has_opt(const char *name);
/* plbuf_open(backend) with the --opt options named optname; enables edu again afterwards (for
 * vfio through the device fd the context lends).  close_ctx() undoes both. */
plbuf_ctx *open_ctx(const char *backend, const char *optname);
void close_ctx(plbuf_ctx *ctx);
/* n bytes ("u1") below max_dev when not 0; NULL after fail(). */
plbuf_buf *alloc_bytes(plbuf_ctx *ctx, uint64_t n, uint64_t max_dev);
/* Bytes from the case's own generator: never the same in two cases. */
void fill_pattern(unsigned char *p, uint64_t n);
int is_iommu(const char *backend);
/* Prints a buffer's addresses; without an IOMMU checks device == physical == page tables. */
int check_addresses(const char *backend, plbuf_buf *b, const char *label);
/* src -> edu -> dst, len bytes (at most EDU_MAX_XFER). */
int xfer(uint64_t src, uint64_t dst, uint32_t len);
uint64_t first_mismatch(const unsigned char *a, const unsigned char *b, uint64_t n);
uint64_t count_equal(const unsigned char *a, const unsigned char *b, uint64_t n);

enum neg_kind { NEG_PAGE_OFF, NEG_PHYSICAL, NEG_UNMAPPED, NEG_NO_MASTER };

int roundtrip(plbuf_ctx *ctx, const char *backend, uint64_t size, uint64_t max_dev);
int negative(plbuf_ctx *ctx, const char *backend, enum neg_kind kind);
int mask_high(const char *backend, const char *casename);
int mask_erange(const char *backend);
int devmem_case(void);
/* cases_udmabuf.c: the real u-dma-buf driver (udmabuf[-KIND][@LABEL]) */
extern int udmabuf_iommu;
int udmabuf_case(const char *name);

#endif
