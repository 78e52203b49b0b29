/* reserved: regions reached through /dev/mem (a regular file in a fixture tree stands for it):
 * each region is a bank at its physical address, buffers land at the right offset of /dev/mem,
 * several regions, unnamed regions, cached=0, the environment variable and the automatic choice. */
#include <fcntl.h>
#include <unistd.h>

#include "fixture.h"
#include "test.h"

static void iomem(void)
{
	CHECK(fx_write("/proc/iomem", 0444,
		       "00000000-00000fff : Reserved\n"
		       "00001000-0009fbff : System RAM\n"
		       "00100000-07ffffff : System RAM\n"
		       "  01000000-01ffffff : Kernel code\n"
		       "08000000-08ffffff : Reserved\n"
		       "09000000-1fffffff : System RAM\n"
		       "fec00000-fec003ff : IOAPIC 0\n") == 0);
	CHECK(fx_file("/dev/mem", 0600, 0x20000000) == 0);
}

/* What the device would read at addr: the bytes of /dev/mem there. */
static uint32_t devmem_word(uint64_t addr)
{
	char p[4096];
	uint32_t v = 0;
	int fd = open(fx_path(p, sizeof(p), "/dev/mem"), O_RDONLY);

	CHECK(fd >= 0 && pread(fd, &v, 4, (off_t)addr) == 4);
	close(fd);
	return v;
}

int main(void)
{
	struct plbuf_bank_info bi;
	int64_t shape[1] = {1024};

	iomem();
	plbuf_ctx *ctx = plbuf_open("reserved", "regions=buf@0x8000000:16M");
	CHECK(ctx);
	CHECK(plbuf_ctx_nbanks(ctx) == 1 && plbuf_ctx_bank(ctx, 0, &bi) == 0);
	CHECK(strcmp(bi.name, "buf") == 0 && bi.base == 0x8000000 && bi.size == 16 << 20);
	plbuf_buf *b = plbuf_allocate(ctx, 1, shape, "u4", NULL);
	CHECK(b);
	uint64_t dev = plbuf_device_address(b);
	CHECK(dev >= 0x8000000 && dev + 4096 <= 0x9000000 && plbuf_physical_address(b) == dev);
	uint32_t *p = plbuf_data(b);
	for (int i = 0; i < 1024; i++)
		p[i] = 0xc0de0000u + (uint32_t)i;
	CHECK(plbuf_flush(b) == 0);
	for (int i = 0; i < 1024; i += 97)
		CHECK(devmem_word(dev + 4 * (uint64_t)i) == 0xc0de0000u + (uint32_t)i);
#if defined(__x86_64__)
	CHECK(plbuf_cacheable(b) == 1 && plbuf_coherent(b) == 1);
	struct plbuf_alloc_opts uo = {.cacheable = PLBUF_CACHEABLE_NO};
	plbuf_buf *u = plbuf_allocate(ctx, 1, shape, "u4", &uo);
	CHECK(u && plbuf_coherent(u) == 1 && plbuf_device_address(u) >= 0x8000000);
	CHECK(plbuf_free(u) == 0);
#endif
	/* The rest of the bank, then nothing more. */
	CHECK(plbuf_ctx_bank(ctx, 0, &bi) == 0 && bi.largest > (8 << 20));
	int64_t big[1] = {(int64_t)bi.largest};
	plbuf_buf *whole = plbuf_allocate(ctx, 1, big, "u1", NULL);
	CHECK(whole);
	big[0] = 128 << 10;
	CHECK_NULL_ERR(plbuf_allocate(ctx, 1, big, "u1", NULL), ENOMEM);
	printf("%s\n", plbuf_errmsg());
	CHECK(plbuf_free(whole) == 0 && plbuf_free(b) == 0);
	plbuf_close(ctx);

	/* Two regions, chosen by name; and an unnamed one. */
	ctx = plbuf_open("reserved", "regions=a@0x8000000:8M,b@0x8800000:8M");
	CHECK(ctx && plbuf_ctx_nbanks(ctx) == 2);
	struct plbuf_alloc_opts bo = {.bank = "b"};
	b = plbuf_allocate(ctx, 1, shape, "u4", &bo);
	CHECK(b && plbuf_device_address(b) >= 0x8800000 && strcmp(plbuf_bank(b), "b") == 0);
	plbuf_close(ctx);
	ctx = plbuf_open("reserved", "regions=0x8000000:16M cached=0");
	CHECK(ctx && plbuf_ctx_bank(ctx, 0, &bi) == 0 && strcmp(bi.name, "reserved0") == 0);
	b = plbuf_allocate(ctx, 1, shape, "u4", NULL);
	CHECK(b && plbuf_cacheable(b) == 0 && plbuf_coherent(b) == 1);
	((uint32_t *)plbuf_data(b))[3] = 0xfeedbeef;
	CHECK(devmem_word(plbuf_device_address(b) + 12) == 0xfeedbeef);
	plbuf_close(ctx);

	/* The environment variable, and the automatic choice it enables. */
	struct plbuf_probe_info pi;
	int n = plbuf_probe(0, NULL), found = 0;
	for (int i = 0; i < n; i++) {
		plbuf_probe(i, &pi);
		if (strcmp(pi.name, "reserved") == 0) {
			found = 1;
			CHECK(pi.usable == 0 && strstr(pi.why, "PLBUF_RESERVED"));
		}
	}
	CHECK(found);
	CHECK_NULL_ERR(plbuf_open("reserved", NULL), EINVAL);
	CHECK(strstr(plbuf_errmsg(), "regions=NAME@PHYS:SIZE"));
	setenv("PLBUF_RESERVED", "envbuf@0x8000000:4M", 1);
	ctx = plbuf_open(NULL, NULL);
	CHECK(ctx && strcmp(plbuf_ctx_backend(ctx), "reserved") == 0);
	CHECK(plbuf_ctx_bank(ctx, 0, &bi) == 0 && strcmp(bi.name, "envbuf") == 0);
	printf("automatic choice: %s (%s)\n", plbuf_ctx_backend(ctx), plbuf_ctx_reason(ctx));
	plbuf_close(ctx);
	/* Options win over the environment. */
	ctx = plbuf_open("reserved", "regions=opt@0x8400000:4M");
	CHECK(ctx && plbuf_ctx_bank(ctx, 0, &bi) == 0 && strcmp(bi.name, "opt") == 0);
	plbuf_close(ctx);
	unsetenv("PLBUF_RESERVED");
	return 0;
}
