/* reserved with uio=NAME: a UIO device whose name attribute cannot be read is reported as such
 * (it used to read "no UIO device named ...", as if the device did not exist). */
#include "fixture.h"
#include "test.h"

int main(void)
{
	CHECK(fx_mkdir("/sys/class/uio/uio0/name") == 0); /* read(2): EISDIR */
	CHECK(fx_write("/sys/class/uio/uio0/maps/map0/addr", 0444, "0x10000000\n") == 0);
	CHECK(fx_write("/sys/class/uio/uio0/maps/map0/size", 0444, "0x00100000\n") == 0);
	CHECK(fx_write("/sys/class/uio/uio0/maps/map0/offset", 0444, "0x0\n") == 0);

	CHECK_NULL_ERR(plbuf_open("reserved", "uio=dma-buf"), EISDIR);
	printf("%s\n", plbuf_errmsg());
	CHECK(strstr(plbuf_errmsg(), "uio0/name") && strstr(plbuf_errmsg(), "could not be read"));
	/* A device without a name attribute is simply not that name. */
	CHECK(fx_write("/sys/class/uio/uio1/maps/map0/addr", 0444, "0x20000000\n") == 0);
	CHECK(fx_mkdir("/sys/class/uio/uio0/name") == 0);
	return 0;
}
