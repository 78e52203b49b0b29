/* zocl: opening through the fixture finds the render node whose DRM driver is "zocl", makes one
 * bank per memory of the image's topology (streams and unused entries left out), honours
 * device=, banks= and coherent=, and falls back to one CMA bank when no image is loaded. */
#include "test.h"
#include "context.h"
#include "shim_zocl.h"


static const struct shim_zocl_bank topo[] = {
	{ "HP0", 1, 1, 0x0, 2ull << 30 },
	{ "HPC0", 1, 1, 0x0, 2ull << 30 },
	{ "MIG0", 1, 1, 0x400000000ull, 512u << 20 },
	{ "stream0", 3, 1, 0, 0 },
	{ "HP1", 1, 0, 0x0, 2ull << 30 },
};

static void check_bank(plbuf_ctx *ctx, int i, const char *name, uint64_t base, uint64_t size,
		       int coherent)
{
	struct plbuf_bank_info bi;

	CHECK(plbuf_ctx_bank(ctx, i, &bi) == 0);
	printf("bank %d: %s base 0x%llx size %llu coherent %d\n", i, bi.name,
	       (unsigned long long)bi.base, (unsigned long long)bi.size, bi.coherent);
	CHECK(strcmp(bi.name, name) == 0);
	CHECK(bi.base == base);
	CHECK(bi.size == size);
	CHECK(bi.coherent == coherent);
}

static void probe_usable(void)
{
	struct plbuf_probe_info pi;
	int n = plbuf_probe(0, NULL), found = 0;

	for (int i = 0; i < n; i++) {
		plbuf_probe(i, &pi);
		if (strcmp(pi.name, "zocl") == 0) {
			printf("probe: %s\n", pi.why);
			CHECK(pi.usable);
			CHECK(strstr(pi.why, "renderD128"));
			found = 1;
		}
	}
	CHECK(found);
}

int main(void)
{
	struct shim_zocl_cfg cfg = { .ntopo = 5, .topo = topo };
	plbuf_ctx *ctx;

	printf("fixture: %s\n", SHIM_ZOCL_VERSION);
	shim_zocl_setup(&cfg);
	probe_usable();

	ctx = plbuf_open("zocl", NULL);
	CHECK(ctx);
	CHECK(strcmp(plbuf_ctx_backend(ctx), "zocl") == 0);
	CHECK(plbuf_ctx_nbanks(ctx) == 3);
	check_bank(ctx, 0, "HP0", 0, 2ull << 30, 0);
	check_bank(ctx, 1, "HPC0", 0, 2ull << 30, 0);
	check_bank(ctx, 2, "MIG0", 0x400000000ull, 512u << 20, 0);
	/* What `plbuf info` shows. */
	char *text = NULL;
	size_t tlen = 0;
	FILE *f = open_memstream(&text, &tlen);

	CHECK(f);
	ctx->be->info(ctx, f);
	fclose(f);
	printf("%s", text);
	CHECK(strstr(text, "renderD128 (zocl 2.13.0"));
	CHECK(strstr(text, "bank MIG0: topology index 2, PL-DDR (uncached only)"));
	CHECK(strstr(text, "CMA free: 131072 KiB"));
	free(text);
	plbuf_close(ctx);

	ctx = plbuf_open("zocl", "device=/dev/dri/renderD128 banks=1,2 coherent=1");
	CHECK(ctx);
	CHECK(plbuf_ctx_nbanks(ctx) == 2);
	check_bank(ctx, 0, "HPC0", 0, 2ull << 30, 1);
	check_bank(ctx, 1, "MIG0", 0x400000000ull, 512u << 20, 1);
	plbuf_close(ctx);
	CHECK(shim_zocl_live_bos() == 0);
	shim_zocl_teardown();

	/* Before an image is loaded zocl's mem_topology is empty, on old zocl it may be absent. */
	for (int ntopo = 0; ntopo >= -1; ntopo--) {
		struct shim_zocl_cfg empty = { .ntopo = ntopo };

		shim_zocl_setup(&empty);
		ctx = plbuf_open("zocl", NULL);
		CHECK(ctx);
		CHECK(plbuf_ctx_nbanks(ctx) == 1);
		check_bank(ctx, 0, "bank0", 0, 0, 0);
		plbuf_close(ctx);
		shim_zocl_teardown();
	}
	return 0;
}
