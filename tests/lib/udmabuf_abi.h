/*
 * udmabuf_abi.h - the u-dma-buf ABI probe: every answer of the driver that plbuf's udmabuf backend
 * relies on, one line each.  The same code runs in the QEMU guest against the real driver
 * (tests/qemu, statically linked, plain system calls) and on the host against
 * tests/lib/shim_udmabuf.c (linked with the fixture, whose ioctl()/mmap()/write() reach the shim);
 * the two transcripts must be equal, and equal to the one recorded from the real driver
 * (tests/qemu/abi/).  Test code only.
 *
 * Lines are "KEY VALUE".  Values that differ from boot to boot are replaced by tokens: the
 * buffer's size by <size>, its page-rounded size by <mapsize>, its DMA address by <dma> (in any
 * of the driver's renderings: %pad, 0x%llx, decimal), the device's name by <name>.  The probe
 * changes sync settings and gives every one back as it was, except sync_owner (see the .c).
 */
#ifndef PLBUF_TEST_UDMABUF_ABI_H
#define PLBUF_TEST_UDMABUF_ABI_H

#include <stdio.h>

/* Probes the device NAME under root (NULL or "": the real /).  do_mmap 0 leaves mmap out (the
 * combination that crashes the kernel: u-dma-buf 5.5.0 behind an IOMMU).  Returns 0, or -1 when
 * the device is not there at all (the transcript says why). */
int udmabuf_abi_probe(const char *root, const char *name, int do_mmap, FILE *out);

#endif
