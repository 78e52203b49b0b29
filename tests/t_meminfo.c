/*
 * The one /proc/meminfo reader (src/os/meminfo.c) that the hugepage, vfio, xlnk and zocl backends
 * share: kB fields in bytes, plain numbers as they are, a field that is only a prefix of another
 * not taken for it, absent and out-of-range fields reported, not guessed.
 */
#include <stdint.h>

#include "fixture.h"
#include "os/meminfo.h"
#include "test.h"

int main(void)
{
	uint64_t v = 7;

	fx_root();
	CHECK(plbuf__meminfo("CmaFree", &v) == -ENOENT); /* no file */
	fx_write("/proc/meminfo", 0644,
		 "MemTotal:       16318260 kB\n"
		 "MemAvailable:   12000000 kB\n"
		 "HugePages_Total:      64\n"
		 "Hugepagesize:       2048 kB\n"
		 "CmaTotal:  99999999999999999999 kB\n"
		 "CmaFree:          8192 kB\n"
		 "Cma:                 x kB\n");
	CHECK(plbuf__meminfo("MemAvailable", &v) == 0 && v == 12000000ull << 10);
	CHECK(plbuf__meminfo("Hugepagesize", &v) == 0 && v == 2ull << 20);
	CHECK(plbuf__meminfo("HugePages_Total", &v) == 0 && v == 64);
	CHECK(plbuf__meminfo("CmaFree", &v) == 0 && v == 8192ull << 10);
	v = 7;
	CHECK(plbuf__meminfo("CmaTotal", &v) == -ERANGE && v == 7);
	CHECK(plbuf__meminfo("Cma", &v) == -EINVAL && v == 7);
	CHECK(plbuf__meminfo("MemFree", &v) == -ENOENT && v == 7);
	CHECK(plbuf__meminfo("Mem", &v) == -ENOENT);
	return T_EXIT_PASS;
}
