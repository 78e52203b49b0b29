/* zocl: a malformed mem_topology in sysfs, and banks= naming a bank the image does not have, are
 * refused with the file or bank named; nothing is left open. */
#include "test.h"
#include "shim_zocl.h"

static const struct shim_zocl_bank topo[] = {
	{ "HP0", 1, 1, 0, 1u << 30 },
	{ "stream0", 3, 1, 0, 0 },
	{ "HP1", 1, 0, 0, 1u << 30 },
};

int main(void)
{
	unsigned char raw[48];
	int32_t count;
	struct shim_zocl_cfg cfg = { .raw_topology = raw, .raw_len = sizeof(raw) };

	/* Three banks claimed, one present. */
	memset(raw, 0, sizeof(raw));
	count = 3;
	memcpy(raw, &count, 4);
	shim_zocl_setup(&cfg);
	CHECK_NULL_ERR(plbuf_open("zocl", NULL), EINVAL);
	printf("truncated: %s\n", plbuf_errmsg());
	CHECK(strstr(plbuf_errmsg(), "/sys/class/drm/renderD128/device/mem_topology"));
	shim_zocl_teardown();

	count = -1;
	memcpy(raw, &count, 4);
	shim_zocl_setup(&cfg);
	CHECK_NULL_ERR(plbuf_open("zocl", NULL), EINVAL);
	printf("negative count: %s\n", plbuf_errmsg());
	CHECK(strstr(plbuf_errmsg(), "mem_topology"));
	shim_zocl_teardown();

	cfg.raw_len = 2;
	shim_zocl_setup(&cfg);
	CHECK_NULL_ERR(plbuf_open("zocl", NULL), EINVAL);
	printf("2 bytes: %s\n", plbuf_errmsg());
	shim_zocl_teardown();

	struct shim_zocl_cfg good = { .ntopo = 3, .topo = topo };

	shim_zocl_setup(&good);
	static const char *bad[] = { "banks=9", "banks=1", "banks=2", "banks=x", "banks=0,", "banks=-1" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_NULL_ERR(plbuf_open("zocl", bad[i]), EINVAL);
		printf("%s: %s\n", bad[i], plbuf_errmsg());
	}
	CHECK_NULL_ERR(plbuf_open("zocl", "bank=0"), EINVAL); /* no such option */
	CHECK_NULL_ERR(plbuf_open("zocl", "chunk=12"), EINVAL);
	plbuf_ctx *ctx = plbuf_open("zocl", "banks=0");
	CHECK(ctx && plbuf_ctx_nbanks(ctx) == 1);
	plbuf_close(ctx);
	shim_zocl_teardown();
	return 0;
}
