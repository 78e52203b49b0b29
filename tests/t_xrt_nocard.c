/* xrt: with no card, the backend is listed as not usable with the reason (xclProbe found none, or
 * XRT is not installed at all), plbuf_open("xrt") fails cleanly with ENODEV instead of letting
 * xrtDeviceOpen's C++ exception terminate the program, and the automatic choice passes over it.
 * XRT is loaded at run time, so the same binary is tested on machines with and without libxrt1;
 * a build made with HAVE_XRT=no has no xrt backend, and asking for it says so. */
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
	printf("built with HAVE_XRT=no: %s\n", plbuf_errmsg());
	CHECK(strstr(plbuf_errmsg(), "zocl"));
	return 0;
}
#else
int main(void)
{
	struct plbuf_probe_info pi;
	int n = plbuf_probe(0, NULL), found = 0, installed = 0;
	plbuf_ctx *ctx;

	for (int i = 0; i < n; i++) {
		plbuf_probe(i, &pi);
		if (strcmp(pi.name, "xrt") == 0) {
			printf("probe: %s\n", pi.why);
			if (pi.usable)
				SKIP("an XRT card is present; this test checks the behaviour without one");
			installed = !strstr(pi.why, "not installed");
			CHECK(strstr(pi.why, installed ? "xclProbe" : "libxrt"));
			found = 1;
		}
	}
	CHECK(found);

	CHECK_NULL_ERR(plbuf_open("xrt", NULL), ENODEV);
	printf("open: %s\n", plbuf_errmsg());
	CHECK(strstr(plbuf_errmsg(), installed ? "xclProbe" : "libxrt"));
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
	printf("XRT %s on this machine\n", installed ? "installed (no card)" : "not installed");
	return 0; /* reaching here means nothing aborted */
}
#endif
