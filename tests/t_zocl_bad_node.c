/* zocl: no render node at all, a device= path that does not exist, and a node the user may not
 * open each give a clear error naming the path and what to do. */
#include <unistd.h>

#include "test.h"
#include "fixture.h"
#include "shim_zocl.h"

static int unprivileged_open(void *arg)
{
	(void)arg;
	errno = 0;
	if (plbuf_open("zocl", NULL) != NULL || errno != EACCES) {
		fprintf(stderr, "expected EACCES, got errno %d: %s\n", errno, plbuf_errmsg());
		return 1;
	}
	printf("no permission: %s\n", plbuf_errmsg());
	if (!strstr(plbuf_errmsg(), "renderD128") || !strstr(plbuf_errmsg(), "run as root"))
		return 1;
	errno = 0;
	if (plbuf_open("zocl", "device=/dev/dri/renderD128") != NULL || errno != EACCES)
		return 1;
	return 0;
}

int main(void)
{
	/* An empty tree: no /dev/dri. */
	fx_root();
	CHECK_NULL_ERR(plbuf_open("zocl", NULL), ENODEV);
	printf("no node: %s\n", plbuf_errmsg());
	CHECK(strstr(plbuf_errmsg(), "no render node") && strstr(plbuf_errmsg(), "modprobe zocl"));
	fx_cleanup();

	shim_zocl_setup(NULL);
	CHECK_NULL_ERR(plbuf_open("zocl", "device=/dev/dri/renderD200"), ENOENT);
	printf("missing device=: %s\n", plbuf_errmsg());
	CHECK(strstr(plbuf_errmsg(), "renderD200"));

	/* Root opens anything, so the check runs as nobody (or with the mode cleared). */
	if (geteuid() != 0)
		CHECK(fx_chmod("/dev/dri/renderD128", 0) == 0);
	CHECK(fx_run_unprivileged(unprivileged_open, NULL) == 0);
	shim_zocl_teardown();
	return 0;
}
