/* zocl: a render node driven by another DRM driver is passed over (and refused by name when given
 * with device=); the zocl node is found among several; a failing DRM_IOCTL_VERSION is reported. */
#include "test.h"
#include "fixture.h"
#include "shim_zocl.h"

static const char *zocl_probe_why(int *usable)
{
	static struct plbuf_probe_info pi;
	int n = plbuf_probe(0, NULL);

	for (int i = 0; i < n; i++) {
		plbuf_probe(i, &pi);
		if (strcmp(pi.name, "zocl") == 0) {
			*usable = pi.usable;
			return pi.why;
		}
	}
	CHECK(0);
	return NULL;
}

int main(void)
{
	struct shim_zocl_cfg cfg = { .driver = "i915" };
	plbuf_ctx *ctx;
	int usable;

	/* Only a GPU's node. */
	shim_zocl_setup(&cfg);
	CHECK_NULL_ERR(plbuf_open("zocl", NULL), ENODEV);
	printf("other driver: %s\n", plbuf_errmsg());
	CHECK(strstr(plbuf_errmsg(), "renderD128 (i915)"));
	CHECK_NULL_ERR(plbuf_open("zocl", "device=/dev/dri/renderD128"), ENODEV);
	printf("device=: %s\n", plbuf_errmsg());
	CHECK(strstr(plbuf_errmsg(), "driven by \"i915\", not zocl"));
	CHECK(strstr(zocl_probe_why(&usable), "i915") && !usable);

	/* ... and zocl's beside it. */
	shim_zocl_add_node(129, "zocl");
	ctx = plbuf_open("zocl", NULL);
	CHECK(ctx);
	printf("probe: %s\n", zocl_probe_why(&usable));
	CHECK(usable && strstr(zocl_probe_why(&usable), "renderD129"));
	plbuf_close(ctx);
	shim_zocl_teardown();

	/* A node that does not answer DRM_IOCTL_VERSION. */
	shim_zocl_setup(NULL);
	fx_fail_ioctl(SHIM_DRM_IOCTL_VERSION, ENOTTY, 1);
	CHECK_NULL_ERR(plbuf_open("zocl", NULL), ENODEV);
	printf("no VERSION: %s\n", plbuf_errmsg());
	CHECK(strstr(plbuf_errmsg(), "DRM_IOCTL_VERSION"));
	fx_fail_ioctl(SHIM_DRM_IOCTL_VERSION, ENOTTY, 1);
	CHECK_NULL_ERR(plbuf_open("zocl", "device=/dev/dri/renderD128"), ENODEV);
	CHECK(strstr(plbuf_errmsg(), "DRM_IOCTL_VERSION") && strstr(plbuf_errmsg(), "renderD128"));
	shim_zocl_teardown();
	return 0;
}
