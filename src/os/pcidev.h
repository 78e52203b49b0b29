/*
 * pcidev.h - a PCI device as sysfs shows it, for the vfio backend: its address, the driver it is
 * bound to, its IOMMU group and the group's other devices.  Paths go through PLBUF_ROOT.
 */
#ifndef PLBUF_PCIDEV_H
#define PLBUF_PCIDEV_H

#include <stddef.h>

/* "0000:00:03.0" or "00:03.0" (hex, any case) into sysfs's form "0000:00:03.0".  Returns 0 or
 * -EINVAL (no message: the caller words it). */
int plbuf__pci_addr_parse(const char *in, char *out, size_t len);
/* The last component of the target of the symlink rel (under PLBUF_ROOT): a driver's or a group's
 * name.  Returns 0 or -errno. */
int plbuf__sysfs_link_name(const char *rel, char *out, size_t len);
/* Checks that device bdf exists and is bound to vfio-pci, and gives its IOMMU group.  Returns 0,
 * or -ENODEV (no such device, or no IOMMU group), -EBUSY (bound to another driver), -ENXIO (bound
 * to none), each with a message that says how to fix it. */
int plbuf__pci_vfio_check(const char *bdf, int *groupno);
/* "0000:00:03.0 (vfio-pci), 0000:00:03.1 (snd_hda_intel)": the devices of an IOMMU group. */
void plbuf__iommu_group_devices(int groupno, char *buf, size_t len);

#endif
