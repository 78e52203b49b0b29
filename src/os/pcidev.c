/*
 * pcidev.c - see pcidev.h.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "internal.h"
#include "os/pcidev.h"
#include "os/sys.h"

/* "0000:00:03.0" or "00:03.0", any case, into the canonical form sysfs uses. */
int plbuf__pci_addr_parse(const char *in, char *out, size_t len)
{
	unsigned dom = 0, bus, dev, fn;
	char c;

	for (const char *p = in; *p; p++)
		if (!isxdigit((unsigned char)*p) && *p != ':' && *p != '.')
			return -EINVAL;
	if (sscanf(in, "%x:%x:%x.%x%c", &dom, &bus, &dev, &fn, &c) != 4 &&
	    (dom = 0, sscanf(in, "%x:%x.%x%c", &bus, &dev, &fn, &c) != 3))
		return -EINVAL;
	if (dom > 0xffff || bus > 0xff || dev > 0x1f || fn > 7)
		return -EINVAL;
	snprintf(out, len, "%04x:%02x:%02x.%x", dom, bus, dev, fn);
	return 0;
}

/* The last component of a symlink under PLBUF_ROOT, e.g. the driver a device is bound to. */
int plbuf__sysfs_link_name(const char *rel, char *out, size_t len)
{
	char path[4096], target[4096];
	ssize_t n = readlink(plbuf__path(path, sizeof(path), rel), target, sizeof(target) - 1);

	if (n < 0)
		return -errno;
	target[n] = 0;
	const char *base = strrchr(target, '/') ? strrchr(target, '/') + 1 : target;
	size_t bl = strlen(base) < len ? strlen(base) : len - 1;

	memcpy(out, base, bl);
	out[bl] = 0;
	return 0;
}

/* Checks that the device exists and is bound to vfio-pci, and finds its IOMMU group. */
int plbuf__pci_vfio_check(const char *bdf, int *groupno)
{
	char rel[256], drv[128], grp[32], path[4096];
	int nogroup;

	snprintf(rel, sizeof(rel), "/sys/bus/pci/devices/%s", bdf);
	if (access(plbuf__path(path, sizeof(path), rel), F_OK) != 0)
		return plbuf__err(ENODEV, "vfio: there is no PCI device %s (%s is missing): `lspci -D` "
				  "lists the devices and their addresses", bdf, path);
	snprintf(rel, sizeof(rel), "/sys/bus/pci/devices/%s/iommu_group", bdf);
	nogroup = plbuf__sysfs_link_name(rel, grp, sizeof(grp)) < 0;
	snprintf(rel, sizeof(rel), "/sys/bus/pci/devices/%s/driver", bdf);
	if (plbuf__sysfs_link_name(rel, drv, sizeof(drv)) < 0) {
		return plbuf__err(ENXIO, "vfio: device %s is not bound to any driver: as root, modprobe "
				  "vfio-pci; echo vfio-pci > /sys/bus/pci/devices/%s/driver_override; "
				  "echo %s > /sys/bus/pci/drivers_probe%s", bdf, bdf, bdf,
				  nogroup ? " (it has no IOMMU group either: enable the IOMMU, e.g. "
				  "intel_iommu=on)" : "");
	}
	if (strcmp(drv, "vfio-pci") != 0)
		return plbuf__err(EBUSY, "vfio: device %s is bound to %s, not vfio-pci: as root, echo %s > "
				  "/sys/bus/pci/devices/%s/driver/unbind; modprobe vfio-pci; echo vfio-pci > "
				  "/sys/bus/pci/devices/%s/driver_override; echo %s > "
				  "/sys/bus/pci/drivers_probe%s", bdf, drv, bdf, bdf, bdf, bdf,
				  nogroup ? " (it has no IOMMU group either: enable the IOMMU, e.g. "
				  "intel_iommu=on)" : "");
	if (nogroup)
		return plbuf__err(ENODEV, "vfio: device %s has no IOMMU group (no iommu_group link in "
				  "/sys/bus/pci/devices/%s): the IOMMU is off or absent; enable VT-d/AMD-Vi "
				  "in the firmware and boot with intel_iommu=on.  Without an IOMMU use the "
				  "hugepage or reserved backend", bdf, bdf);
	*groupno = atoi(grp);
	return 0;
}

/* "0000:00:03.0 (vfio-pci), 0000:00:03.1 (snd_hda_intel)" for the devices of a group. */
void plbuf__iommu_group_devices(int groupno, char *buf, size_t len)
{
	char rel[128], path[4096], drv[64];
	struct dirent *e;
	size_t off = 0;
	DIR *d;

	buf[0] = 0;
	snprintf(rel, sizeof(rel), "/sys/kernel/iommu_groups/%d/devices", groupno);
	d = plbuf__sys_opendir(plbuf__path(path, sizeof(path), rel));
	if (!d)
		return;
	while ((e = readdir(d)) != NULL && off + 1 < len) {
		char lrel[256];

		if (e->d_name[0] == '.')
			continue;
		snprintf(lrel, sizeof(lrel), "%s/%.64s/driver", rel, e->d_name);
		if (plbuf__sysfs_link_name(lrel, drv, sizeof(drv)) < 0)
			snprintf(drv, sizeof(drv), "no driver");
		off += (size_t)snprintf(buf + off, len - off, "%s%s (%s)", off ? ", " : "", e->d_name,
					drv);
	}
	closedir(d);
}
