/* vfio's errors on this machine, for real: a device that does not exist; a real PCI device bound
 * to another driver (the message names it and says how to rebind); one bound to no driver;
 * /dev/vfio/vfio missing (this kernel has no VFIO); bad options; the probe without and with
 * PLBUF_VFIO_DEVICE.  Where the machine lacks such a device, a fixture tree stands in.  (Real DMA
 * through an IOMMU is proven in tests/qemu, under QEMU's intel-iommu.) */
#include <dirent.h>
#include <unistd.h>

#include "fixture.h"
#include "test.h"

static int find_device(int want_driver, const char *not_driver, char *bdf, char *drv)
{
	char path[512], target[512];
	struct dirent *e;
	DIR *d = opendir("/sys/bus/pci/devices");

	while (d && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", e->d_name);
		ssize_t n = readlink(path, target, sizeof(target) - 1);
		if ((n > 0) != want_driver)
			continue;
		if (n > 0) {
			target[n] = 0;
			snprintf(drv, 64, "%s", strrchr(target, '/') + 1);
			if (strcmp(drv, not_driver) == 0)
				continue;
		}
		snprintf(bdf, 32, "%.31s", e->d_name);
		closedir(d);
		return 1;
	}
	if (d)
		closedir(d);
	return 0;
}

static struct plbuf_probe_info *probe_vfio(void)
{
	static struct plbuf_probe_info pi;
	int n = plbuf_probe(0, NULL);

	for (int i = 0; i < n; i++) {
		plbuf_probe(i, &pi);
		if (strcmp(pi.name, "vfio") == 0)
			return &pi;
	}
	CHECK(!"no vfio backend");
	return NULL;
}

int main(void)
{
	char bdf[32], drv[64], msg[512];
	int fixture = 0;

	unsetenv("PLBUF_VFIO_DEVICE");
	CHECK_NULL_ERR(plbuf_open("vfio", "device=0000:7f:1f.7"), ENODEV);
	CHECK(strstr(plbuf_errmsg(), "no PCI device 0000:7f:1f.7") && strstr(plbuf_errmsg(), "lspci"));
	CHECK_NULL_ERR(plbuf_open("vfio", "device=nonsense"), EINVAL);
	CHECK_NULL_ERR(plbuf_open("vfio", "device=0000:00:20.0"), EINVAL); /* device > 0x1f */
	CHECK_NULL_ERR(plbuf_open("vfio", NULL), EINVAL);
	CHECK(strstr(plbuf_errmsg(), "PLBUF_VFIO_DEVICE"));
	CHECK_NULL_ERR(plbuf_open("vfio", "group=x"), EINVAL);

	/* Bound to another driver. */
	if (!find_device(1, "vfio-pci", bdf, drv)) {
		fixture = 1;
		snprintf(bdf, sizeof(bdf), "0000:00:02.0");
		snprintf(drv, sizeof(drv), "e1000e");
		fx_mkdir("/sys/bus/pci/drivers/e1000e");
		fx_mkdir("/sys/devices/pci0000:00/0000:00:02.0");
		fx_symlink("../../devices/pci0000:00/0000:00:02.0", "/sys/bus/pci/devices/0000:00:02.0");
		fx_symlink("../../../bus/pci/drivers/e1000e", "/sys/devices/pci0000:00/0000:00:02.0/driver");
		printf("no PCI device with a driver here: fixture stands in\n");
	}
	snprintf(msg, sizeof(msg), "device=%s", bdf);
	CHECK_NULL_ERR(plbuf_open("vfio", msg), EBUSY);
	printf("%s\n", plbuf_errmsg());
	snprintf(msg, sizeof(msg), "bound to %s, not vfio-pci", drv);
	CHECK(strstr(plbuf_errmsg(), msg) && strstr(plbuf_errmsg(), "driver_override"));
	CHECK(strstr(plbuf_errmsg(), "/driver/unbind"));
	/* The probe says the same when PLBUF_VFIO_DEVICE names it. */
	CHECK(probe_vfio()->usable == 0 && strstr(probe_vfio()->why, "PLBUF_VFIO_DEVICE"));
	setenv("PLBUF_VFIO_DEVICE", bdf, 1);
	CHECK(probe_vfio()->usable == 0 && strstr(probe_vfio()->why, drv));
	/* ...and the automatic choice passes over it. */
	plbuf_ctx *ctx = plbuf_open(NULL, NULL);
	CHECK(!ctx || strcmp(plbuf_ctx_backend(ctx), "vfio") != 0);
	plbuf_close(ctx);
	unsetenv("PLBUF_VFIO_DEVICE");
	if (fixture)
		fx_cleanup();

	/* Bound to no driver. */
	if (!find_device(0, "", bdf, drv)) {
		snprintf(bdf, sizeof(bdf), "0000:00:04.0");
		fx_mkdir("/sys/devices/pci0000:00/0000:00:04.0");
		fx_symlink("../../devices/pci0000:00/0000:00:04.0", "/sys/bus/pci/devices/0000:00:04.0");
		printf("no PCI device without a driver here: fixture stands in\n");
	}
	snprintf(msg, sizeof(msg), "device=%s", bdf);
	CHECK_NULL_ERR(plbuf_open("vfio", msg), ENXIO);
	printf("%s\n", plbuf_errmsg());
	CHECK(strstr(plbuf_errmsg(), "not bound to any driver") && strstr(plbuf_errmsg(), "vfio-pci"));
	fx_cleanup();

	/* No VFIO in the kernel: /dev/vfio/vfio missing (real here; a fixture elsewhere). */
	if (access("/dev/vfio/vfio", F_OK) == 0)
		fx_mkdir("/dev");
	CHECK_NULL_ERR(plbuf_open("vfio", "group=0"), ENOENT);
	printf("%s\n", plbuf_errmsg());
	CHECK(strstr(plbuf_errmsg(), "/dev/vfio/vfio") && strstr(plbuf_errmsg(), "modprobe vfio-pci"));
	return 0;
}
