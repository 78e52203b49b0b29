/* The automatic choice reports the error of the backend it found usable and that then failed to
 * open (hugepage with pagesize=3M, or pagesize=1G without 1 GiB pages), not the error of the last
 * backend tried ("backend sim has no option pagesize"). */
#include "hugepages.h"

int main(void)
{
	unsetenv("PLBUF_BACKEND");
	unsetenv("PLBUF_OPTIONS");
	CHECK(hp_reserve(MB2, 4) >= 1);
	hp_reserve(GB1, 0);
	struct plbuf_probe_info pi;
	int usable = 0;

	for (int i = 0; i < plbuf_probe(-1, NULL); i++)
		if (plbuf_probe(i, &pi) && !strcmp(pi.name, "hugepage"))
			usable = pi.usable;
	CHECK(usable);

	CHECK_NULL_ERR(plbuf_open(NULL, "pagesize=3M"), EINVAL);
	printf("%s\n", plbuf_errmsg());
	CHECK(strstr(plbuf_errmsg(), "hugepage") && strstr(plbuf_errmsg(), "3 MiB") &&
	      !strstr(plbuf_errmsg(), "has no option"));
	if (hp_get(GB1, "nr_hugepages") == 0) {
		CHECK_NULL_ERR(plbuf_open(NULL, "pagesize=1G"), ENOMEM);
		printf("%s\n", plbuf_errmsg());
		CHECK(strstr(plbuf_errmsg(), "hugepage") && strstr(plbuf_errmsg(), "1 GiB") &&
		      !strstr(plbuf_errmsg(), "has no option"));
	}
	return 0;
}
