/* reserved: bad regions give clear errors and leave nothing behind: not page-aligned; overlapping
 * System RAM (from a fixture /proc/iomem, and the conflicting range is named); /proc/iomem with
 * hidden addresses (a fixture, and the real one read by an unprivileged process); overlapping or
 * misspelled regions; no /dev/mem; a failing mmap. */
#include <stdio.h>

#include "fixture.h"
#include "os/physmem.h"
#include "test.h"

/* Mappings of the fixture's /dev/mem in this process. */
static int devmem_mappings(void)
{
	char line[4096], p[4096];
	int n = 0;
	FILE *f = fopen("/proc/self/maps", "r");

	fx_path(p, sizeof(p), "/dev/mem");
	while (f && fgets(line, sizeof(line), f))
		n += strstr(line, p) != NULL;
	if (f)
		fclose(f);
	return n;
}

/* /dev/mem as a plain file, claimed only so that fx_fail_mmap() reaches its mappings. */
static int claims_devmem(const char *rel)
{
	return strcmp(rel, "/dev/mem") == 0;
}
static const struct fx_driver devmem = {.name = "devmem", .claims = claims_devmem};

static int real_iomem_unprivileged(void *arg)
{
	(void)arg;
	unsetenv("PLBUF_ROOT");
	int err = plbuf__iomem_check("/proc/iomem", 0x8000000, 0x1000000, "reserved");
	printf("unprivileged /proc/iomem: %s\n", plbuf_errmsg());
	return err == -EPERM && strstr(plbuf_errmsg(), "root") ? 0 : 1;
}

int main(void)
{
	fx_write("/proc/iomem", 0444,
		 "00001000-0009fbff : System RAM\n"
		 "00100000-07ffffff : System RAM\n"
		 "  01000000-01ffffff : Kernel code\n"
		 "08000000-08ffffff : Reserved\n"
		 "09000000-1fffffff : System RAM\n");
	CHECK(fx_file("/dev/mem", 0600, 0x20000000) == 0);
	fx_register(&devmem);

	CHECK_NULL_ERR(plbuf_open("reserved", "regions=buf@0x8000800:16M"), EINVAL);
	CHECK(strstr(plbuf_errmsg(), "not page-aligned") && strstr(plbuf_errmsg(), "0x8000800"));
	CHECK_NULL_ERR(plbuf_open("reserved", "regions=buf@0x8000000:0x1800"), EINVAL);
	CHECK(strstr(plbuf_errmsg(), "not page-aligned"));

	CHECK_NULL_ERR(plbuf_open("reserved", "regions=buf@0x7000000:32M"), EINVAL);
	printf("%s\n", plbuf_errmsg());
	CHECK(strstr(plbuf_errmsg(), "overlaps System RAM 0x100000-0x7ffffff"));
	CHECK(strstr(plbuf_errmsg(), "memmap="));
	CHECK_NULL_ERR(plbuf_open("reserved", "regions=buf@0x8fff000:8K"), EINVAL);
	CHECK(strstr(plbuf_errmsg(), "System RAM 0x9000000-0x1fffffff"));
	/* A good region first, then a bad one: the first is unmapped again. */
	CHECK_NULL_ERR(plbuf_open("reserved", "regions=ok@0x8000000:4M,bad@0x9000000:4M"), EINVAL);
	CHECK(devmem_mappings() == 0);

	CHECK_NULL_ERR(plbuf_open("reserved", "regions=a@0x8000000:8M,b@0x8400000:8M"), EINVAL);
	CHECK(strstr(plbuf_errmsg(), "regions a and b overlap"));
	CHECK_NULL_ERR(plbuf_open("reserved", "regions=a@0x8000000:4M,a@0x8800000:4M"), EINVAL);
	CHECK_NULL_ERR(plbuf_open("reserved", "regions=buf@0x8000000"), EINVAL);
	CHECK_NULL_ERR(plbuf_open("reserved", "regions=b!d@0x8000000:4M"), EINVAL);
	CHECK_NULL_ERR(plbuf_open("reserved", "regions=buf@0x8000000:0"), EINVAL);
	CHECK_NULL_ERR(plbuf_open("reserved", "regions=buf@0x8000000:4M colour=blue"), EINVAL);

	/* A failing mmap names the file and says what STRICT_DEVMEM allows. */
	fx_fail_mmap(EPERM, 1);
	CHECK_NULL_ERR(plbuf_open("reserved", "regions=buf@0x8000000:4M"), EPERM);
	CHECK(strstr(plbuf_errmsg(), "/dev/mem") && strstr(plbuf_errmsg(), "STRICT_DEVMEM"));
	CHECK(devmem_mappings() == 0);

	/* Hidden addresses: what a process without CAP_SYS_ADMIN reads. */
	fx_write("/proc/iomem", 0444,
		 "00000000-00000000 : System RAM\n"
		 "00000000-00000000 : Reserved\n"
		 "00000000-00000000 : System RAM\n");
	CHECK_NULL_ERR(plbuf_open("reserved", "regions=buf@0x8000000:4M"), EPERM);
	CHECK(strstr(plbuf_errmsg(), "root"));
	CHECK(fx_run_unprivileged(real_iomem_unprivileged, NULL) == 0);

	/* No /dev/mem at all. */
	fx_write("/proc/iomem", 0444, "08000000-08ffffff : Reserved\n");
	CHECK(fx_unlink("/dev/mem") == 0);
	CHECK_NULL_ERR(plbuf_open("reserved", "regions=buf@0x8000000:4M"), ENOENT);
	CHECK(strstr(plbuf_errmsg(), "/dev/mem") && strstr(plbuf_errmsg(), "CONFIG_DEVMEM"));

	/* After all that, a good open still works. */
	CHECK(fx_file("/dev/mem", 0600, 0x20000000) == 0);
	plbuf_ctx *ctx = plbuf_open("reserved", "regions=buf@0x8000000:4M");
	CHECK(ctx);
	plbuf_close(ctx);
	CHECK(devmem_mappings() == 0);
	return 0;
}
