/* Option errors that used to mislead: a size with a leading 0 was octal (banks=A@...:024576 made a
 * bank of 10622 bytes, refused as not page-sized, instead of six pages); a banks= in PLBUF_OPTIONS silently replaced the one the program gave plbuf_open();
 * an unknown option pointed at docs/backends.md, which does not exist. */
#include <unistd.h>

#include "test.h"

int main(void)
{
	struct plbuf_bank_info bi;
	plbuf_ctx *ctx;

	unsetenv("PLBUF_OPTIONS");
	unsetenv("PLBUF_BACKEND");
	/* Decimal, as written; 0x for hexadecimal. */
	ctx = plbuf_open("sim", "banks=A@0x40000000:024576,B@0x50000000:0x10000");
	CHECK(ctx && plbuf_ctx_bank(ctx, 0, &bi) == 0 && bi.size == 24576);
	CHECK(plbuf_ctx_bank(ctx, 1, &bi) == 0 && bi.size == 0x10000);
	plbuf_close(ctx);
	CHECK_NULL_ERR(plbuf_open("sim", "banks=A@0x40000000:0x"), EINVAL);
	CHECK_NULL_ERR(plbuf_open("sim", "banks=A@0x40000000:+4096"), EINVAL);

	/* PLBUF_OPTIONS may add options, or repeat the program's with the same value... */
	setenv("PLBUF_OPTIONS", "coherent=1 banks=A@0x40000000:1M", 1);
	ctx = plbuf_open("sim", "banks=A@0x40000000:1M");
	CHECK(ctx && plbuf_ctx_bank(ctx, 0, &bi) == 0 && bi.coherent);
	plbuf_close(ctx);
	/* ...but not contradict them: both values are named. */
	setenv("PLBUF_OPTIONS", "banks=B@0x50000000:2M", 1);
	CHECK_NULL_ERR(plbuf_open("sim", "banks=A@0x40000000:1M"), EINVAL);
	CHECK(strstr(plbuf_errmsg(), "A@0x40000000:1M") && strstr(plbuf_errmsg(), "B@0x50000000:2M") &&
	      strstr(plbuf_errmsg(), "PLBUF_OPTIONS"));
	printf("%s\n", plbuf_errmsg());
	/* With no banks= from the program, PLBUF_OPTIONS gives them. */
	ctx = plbuf_open("sim", NULL);
	CHECK(ctx && plbuf_ctx_bank(ctx, 0, &bi) == 0 && !strcmp(bi.name, "B"));
	plbuf_close(ctx);
	unsetenv("PLBUF_OPTIONS");

	/* An unknown option names the backend's page, which exists. */
	CHECK_NULL_ERR(plbuf_open("sim", "bogus=1"), EINVAL);
	CHECK(strstr(plbuf_errmsg(), "docs/backends/sim.md") && !strstr(plbuf_errmsg(), "backends.md"));
	if (access("docs/backends", F_OK) == 0)
		CHECK(access("docs/backends/sim.md", R_OK) == 0);
	return 0;
}
