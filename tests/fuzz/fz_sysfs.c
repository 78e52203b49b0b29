/*
 * Fuzzes what backends read from driver files, in a fixture tree under PLBUF_ROOT:
 *   mode 0: a sysfs attribute as text and as a number (plbuf__read_attr, plbuf__read_attr_u64),
 *           PCI addresses (plbuf__pci_addr_parse), symlink names (plbuf__sysfs_link_name);
 *   mode 1: a u-dma-buf device's attributes (driver_version, ioctl_version, phys_addr, size,
 *           dma_coherent, quirk_mmap_mode, sync_mode) through plbuf_open("udmabuf");
 *   mode 2: the hugepage pools (/sys/kernel/mm/hugepages/hugepages-<N>kB/ and their counters,
 *           Hugepagesize in /proc/meminfo) through plbuf_open("hugepage");
 *   mode 3: a PCI device's driver and IOMMU group links (plbuf__pci_vfio_check);
 *   mode 4: what the xlnk backend reads (/proc/sys/kernel/osrelease, CmaTotal in /proc/meminfo,
 *           nr_free_cma in /proc/vmstat, read when ALLOCBUF fails: /dev/xlnk is a plain file);
 *   mode 5: the render nodes zocl finds in /dev/dri (names sorted by minor).
 * Input: byte 0 the mode, byte 1 flags (which optional files exist), then fields separated by
 * '|'.  A backend that opens is described and closed, never allocated from: its "memory" is a
 * small regular file.
 */
#include "fuzz.h"
#include "internal.h"
#include "backend.h"
#include "os/pcidev.h"

static void mode_attr(char **f)
{
	char buf[256], out[64];
	uint64_t v;
	int n;

	fz_write("/sys/x/attr", f[0], strlen(f[0]));
	n = plbuf__read_attr("/sys/x/attr", buf, sizeof(buf));
	FZ_CHECK(n >= 0 && (size_t)n < sizeof(buf) && strlen(buf) == (size_t)n);
	fz_clear_msg();
	n = plbuf__read_attr_u64("/sys/x/attr", &v);
	if (n)
		FZ_CLEAN_ERR(n);
	else /* a number, not a negative one wrapped around */
		FZ_CHECK(!strchr(buf, '-') && (buf[0] >= '0' && buf[0] <= '9'));
	if (plbuf__pci_addr_parse(f[1], out, sizeof(out)) == 0)
		FZ_CHECK(strlen(out) == 12 && out[4] == ':' && out[7] == ':' && out[10] == '.');
	fz_unlink("/sys/x/link");
	if (f[2][0]) {
		char p[PATH_MAX];

		if (symlink(f[2], fz_path(p, sizeof(p), "/sys/x/link")) == 0 &&
		    plbuf__sysfs_link_name("/sys/x/link", out, sizeof(out)) == 0)
			FZ_CHECK(strlen(out) < sizeof(out) && !strchr(out, '/'));
	}
}

static void put(const char *rel, const char *text, int present)
{
	if (present)
		fz_write(rel, text, strlen(text));
	else
		fz_unlink(rel);
}

static void try_open(const char *backend, const char *opts)
{
	fz_clear_msg();
	plbuf_ctx *ctx = plbuf_open(backend, opts);
	char info[2048];

	if (!ctx) {
		FZ_CHECK(errno > 0 && errno < 4096 && plbuf_errmsg()[0]);
		return;
	}
	FZ_CHECK(plbuf_ctx_nbanks(ctx) > 0);
	for (int i = 0; i < plbuf_ctx_nbanks(ctx); i++) {
		struct plbuf_bank_info b;

		FZ_CHECK(plbuf_ctx_bank(ctx, i, &b) == 0);
	}
	FZ_CHECK(plbuf_ctx_describe(ctx, info, sizeof(info)) >= 0);
	plbuf_close(ctx);
}

#define UD "/sys/class/u-dma-buf/udmabuf0/"

static void mode_udmabuf(unsigned flags, char **f)
{
	fz_write("/dev/udmabuf0", "", 0);
	put(UD "driver_version", f[0], 1);
	put(UD "ioctl_version", f[1], flags & 1);
	put(UD "phys_addr", f[2], 1);
	put(UD "size", f[3], 1);
	put(UD "dma_coherent", f[4], flags & 2);
	put(UD "quirk_mmap_mode", f[5], flags & 4);
	put(UD "sync_mode", f[6], 1);
	put(UD "device/iommu_group", "", flags & 8);
	try_open("udmabuf", f[7]);
}

#define HP "/sys/kernel/mm/hugepages/"

static void mode_hugepage(unsigned flags, char **f)
{
	char p[PATH_MAX], rel[300];

	/* a fresh tree: the directory names are part of the input */
	fz_clear_root();
	fz_write("/proc/meminfo", f[1], strlen(f[1]));
	mkdir(fz_path(p, sizeof(p), "/proc/self"), 0755);
	if (flags & 1)
		symlink("/proc/self/pagemap", fz_path(p, sizeof(p), "/proc/self/pagemap"));
	for (char *t = f[0]; *t;) {
		size_t n = strcspn(t, ",");

		snprintf(rel, sizeof(rel), HP "hugepages-%.*skB/free_hugepages", (int)n, t);
		if (!memchr(t, '/', n) && n < 64) {
			fz_write(rel, f[2], strlen(f[2]));
			snprintf(rel, sizeof(rel), HP "hugepages-%.*skB/resv_hugepages", (int)n, t);
			fz_write(rel, f[3], strlen(f[3]));
			snprintf(rel, sizeof(rel), HP "hugepages-%.*skB/nr_hugepages", (int)n, t);
			fz_write(rel, f[4], strlen(f[4]));
		}
		t += n + (t[n] == ',');
	}
	try_open("hugepage", f[5]);
}

static void mode_pci(char **f)
{
	char bdf[32], p[PATH_MAX];
	int group = -1;

	fz_clear_root();
	if (plbuf__pci_addr_parse(f[0], bdf, sizeof(bdf)) < 0)
		return;
	snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/vendor", bdf);
	fz_write(p, "0x1234", 6);
	if (f[1][0]) {
		char rel[128];

		snprintf(rel, sizeof(rel), "/sys/bus/pci/devices/%s/driver", bdf);
		symlink(f[1], fz_path(p, sizeof(p), rel));
	}
	if (f[2][0]) {
		char rel[128];

		snprintf(rel, sizeof(rel), "/sys/bus/pci/devices/%s/iommu_group", bdf);
		symlink(f[2], fz_path(p, sizeof(p), rel));
	}
	fz_clear_msg();
	int err = plbuf__pci_vfio_check(bdf, &group);

	if (err == 0) {
		char list[512];

		plbuf__iommu_group_devices(group, list, sizeof(list));
	} else {
		FZ_CLEAN_ERR(err);
	}
}

static void mode_xlnk(char **f)
{
	fz_clear_root();
	fz_write("/dev/xlnk", "", 0);
	fz_write("/proc/sys/kernel/osrelease", f[0], strlen(f[0]));
	fz_write("/proc/meminfo", f[1], strlen(f[1]));
	fz_write("/proc/vmstat", f[2], strlen(f[2]));
	fz_clear_msg();
	plbuf_ctx *ctx = plbuf_open("xlnk", f[3]);
	int64_t n = 100;

	if (!ctx) {
		FZ_CHECK(errno > 0 && errno < 4096 && plbuf_errmsg()[0]);
		return;
	}
	fz_clear_msg();
	FZ_CHECK(plbuf_allocate(ctx, 1, &n, "u1", NULL) == NULL); /* ALLOCBUF on a plain file */
	FZ_CHECK(errno > 0 && errno < 4096 && plbuf_errmsg()[0]);
	plbuf_close(ctx);
}

static void mode_zocl(char **f)
{
	char rel[80];

	fz_clear_root();
	for (char *t = f[0]; *t;) {
		size_t n = strcspn(t, ",");

		if (n && n < 40 && !memchr(t, '/', n) && strspn(t, ".") < n) { /* not . or .. */
			snprintf(rel, sizeof(rel), "/dev/dri/%.*s", (int)n, t);
			fz_write(rel, "", 0);
		}
		t += n + (t[n] == ',');
	}
	fz_clear_msg();
	plbuf_ctx *ctx = plbuf_open("zocl", f[1]);

	FZ_CHECK(!ctx); /* DRM_IOCTL_VERSION on a plain file fails */
	FZ_CHECK(errno > 0 && errno < 4096 && plbuf_errmsg()[0]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = {data, size};
	char *s, *f[8];

	if (size > 4096)
		return 0;
	fz_root();
	unsigned mode = (unsigned)fz_take(&in, 1) % 6, flags = (unsigned)fz_take(&in, 1);

	s = fz_str(in.p, in.n);
	fz_split(s, '|', f, 8);
	switch (mode) {
	case 0: mode_attr(f); break;
	case 1: mode_udmabuf(flags, f); break;
	case 2: mode_hugepage(flags, f); break;
	case 3: mode_pci(f); break;
	case 4: mode_xlnk(f); break;
	default: mode_zocl(f); break;
	}
	free(s);
	return 0;
}
