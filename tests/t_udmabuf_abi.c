/* The shim answers as the real u-dma-buf does: the ABI probe (tests/lib/udmabuf_abi.c) runs
 * against tests/lib/shim_udmabuf.c set up like each device the QEMU guest probed, and its
 * transcript must equal the one recorded from the real driver (tests/qemu/abi/, written by
 * tests/qemu's udmabuf boots, which check that the driver still answers so).  Any difference is
 * one the backend could see. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "shim_udmabuf.h"
#include "test.h"
#include "udmabuf_abi.h"

#define ABI_DIR "tests/qemu/abi"

/* "# shim key=value ..." lines of a recorded transcript: how to set the shim up. */
static int setup(const char *file, int *do_mmap, char *name, size_t nlen)
{
	FILE *f = fopen(file, "r");
	char line[512];
	struct fx_udmabuf d;
	int group = -1;

	if (!f)
		return -1;
	fx_cleanup();
	fx_udmabuf_default(&d, "udmabuf0", 1 << 20, 0x18a00000);
	d.of = 0;
	*do_mmap = 1;
	while (fgets(line, sizeof line, f)) {
		if (strncmp(line, "# shim ", 7) != 0)
			continue;
		for (char *t = strtok(line + 7, " \n"); t; t = strtok(NULL, " \n")) {
			char *v = strchr(t, '=');
			if (!v)
				continue;
			*v++ = 0;
			if (!strcmp(t, "name"))
				snprintf(d.name, sizeof d.name, "%s", v);
			else if (!strcmp(t, "version"))
				snprintf(d.version, sizeof d.version, "%s", v);
			else if (!strcmp(t, "ioctl"))
				d.ioctl_version = atoi(v);
			else if (!strcmp(t, "size"))
				d.size = strtoull(v, NULL, 0);
			else if (!strcmp(t, "coherent"))
				d.dma_coherent = atoi(v);
			else if (!strcmp(t, "quirk"))
				d.quirk_mmap_mode = atoi(v);
			else if (!strcmp(t, "parent"))
				snprintf(d.parent, sizeof d.parent, "%s", v);
			else if (!strcmp(t, "iommu_group"))
				group = atoi(v);
			else if (!strcmp(t, "mmap"))
				*do_mmap = atoi(v);
		}
	}
	fclose(f);
	snprintf(name, nlen, "%s", d.name);
	if (fx_udmabuf_add(&d) < 0)
		return -1;
	if (group >= 0 && d.parent[0]) {
		char rel[256], target[256];

		snprintf(rel, sizeof rel, "/sys/kernel/iommu_groups/%d", group);
		fx_mkdir(rel);
		snprintf(rel, sizeof rel, "/sys/kernel/iommu_groups/%d/type", group);
		fx_write(rel, 0444, "DMA-FQ\n");
		snprintf(rel, sizeof rel, "/sys/devices/%s/iommu_group", d.parent);
		snprintf(target, sizeof target, "../../../kernel/iommu_groups/%d", group);
		fx_symlink(target, rel);
	}
	return 0;
}

static int compare(const char *file)
{
	char name[32], *got = NULL, want[512], *line;
	size_t glen = 0;
	int do_mmap, ln = 0, bad = 0;

	if (setup(file, &do_mmap, name, sizeof name) < 0) {
		fprintf(stderr, "%s: cannot set the shim up\n", file);
		return 1;
	}
	FILE *m = open_memstream(&got, &glen);
	CHECK(m);
	udmabuf_abi_probe(fx_root(), name, do_mmap, m);
	fclose(m);
	FILE *f = fopen(file, "r");
	CHECK(f);
	/* "probe" names the program (64- or 32-bit: the cross suite runs this one under armhf),
	 * not an answer of the driver */
	line = strtok(got, "\n");
	if (line && !strncmp(line, "probe ", 6))
		line = strtok(NULL, "\n");
	while (fgets(want, sizeof want, f)) {
		want[strcspn(want, "\n")] = 0;
		ln++;
		if (want[0] == '#' || !strncmp(want, "probe ", 6))
			continue;
		if (!line || strcmp(line, want) != 0) {
			fprintf(stderr, "%s:%d: the real driver: %s\n%*s  the shim:        %s\n", file, ln,
				want, (int)strlen(file), "", line ? line : "(nothing)");
			bad = 1;
		}
		if (line)
			line = strtok(NULL, "\n");
	}
	for (; line; line = strtok(NULL, "\n")) {
		fprintf(stderr, "%s: the shim says more: %s\n", file, line);
		bad = 1;
	}
	fclose(f);
	free(got);
	printf("%s: %s\n", file, bad ? "DIFFERS" : "same answers");
	return bad;
}

int main(void)
{
	DIR *d = opendir(ABI_DIR);
	struct dirent *e;
	int n = 0, bad = 0;

	if (!d)
		SKIP("no %s (run from the source tree's top)", ABI_DIR);
	while ((e = readdir(d)) != NULL) {
		char path[300];
		size_t l = strlen(e->d_name);

		if (l < 5 || strcmp(e->d_name + l - 4, ".txt"))
			continue;
		snprintf(path, sizeof path, "%s/%s", ABI_DIR, e->d_name);
		bad |= compare(path);
		n++;
	}
	closedir(d);
	CHECK(n > 0);
	return bad;
}
