/* xrt: with no card, the backend is listed as not usable with the reason (xclProbe found none),
 * plbuf_open("xrt") fails cleanly with ENODEV instead of letting xrtDeviceOpen's C++ exception
 * terminate the program, and the automatic choice passes over it.  In a build without XRT's
 * headers (cross builds), the backend is absent and asking for it says so. */
#include "test.h"

#ifndef PLBUF_HAVE_XRT
int main(void)
{
	struct plbuf_probe_info pi;
	int n = plbuf_probe(0, NULL);

	for (int i = 0; i < n; i++) {
		plbuf_probe(i, &pi);
		CHECK(strcmp(pi.name, "xrt") != 0);
	}
	CHECK_NULL_ERR(plbuf_open("xrt", NULL), ENOENT);
	printf("without libxrt-dev: %s\n", plbuf_errmsg());
	CHECK(strstr(plbuf_errmsg(), "zocl"));
	return 0;
}
#else
#include <xrt.h>

int main(void)
{
	struct plbuf_probe_info pi;
	int n = plbuf_probe(0, NULL), found = 0;
	plbuf_ctx *ctx;

	if (xclProbe() != 0)
		SKIP("an XRT card is present; this test checks the behaviour without one");
	for (int i = 0; i < n; i++) {
		plbuf_probe(i, &pi);
		if (strcmp(pi.name, "xrt") == 0) {
			printf("probe: %s\n", pi.why);
			CHECK(!pi.usable);
			CHECK(strstr(pi.why, "xclProbe"));
			found = 1;
		}
	}
	CHECK(found);

	CHECK_NULL_ERR(plbuf_open("xrt", NULL), ENODEV);
	printf("open: %s\n", plbuf_errmsg());
	CHECK(strstr(plbuf_errmsg(), "xclProbe"));
	CHECK_NULL_ERR(plbuf_open("xrt", "device=1 banks=0,1"), ENODEV);
	CHECK_NULL_ERR(plbuf_open("xrt", "xclbin=/x.xclbin banks=0"), EINVAL);
	CHECK_NULL_ERR(plbuf_open("xrt", "chunk=4G"), EINVAL);
	printf("chunk=4G: %s\n", plbuf_errmsg());

	ctx = plbuf_open(NULL, NULL);
	if (ctx) {
		printf("automatic choice: %s\n", plbuf_ctx_backend(ctx));
		CHECK(strcmp(plbuf_ctx_backend(ctx), "xrt") != 0);
		plbuf_close(ctx);
	}
	return 0; /* reaching here means nothing aborted */
}
#endif
