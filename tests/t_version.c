/* The version: the header's macros, the numeric form and the loaded library agree, and the numbers
 * compare as documented (PLBUF_VERSION_AT). */
#include "test.h"

int main(void)
{
	char want[32];

	snprintf(want, sizeof(want), "%d.%d.%d", PLBUF_VERSION_MAJOR, PLBUF_VERSION_MINOR,
		 PLBUF_VERSION_PATCH);
	printf("header %s (%d), library %s (%d)\n", want, PLBUF_VERSION_NUMBER, plbuf_version(),
	       plbuf_version_number());
	CHECK(strcmp(plbuf_version(), want) == 0);
	CHECK(plbuf_version_number() == PLBUF_VERSION_NUMBER);
	CHECK(plbuf_version_number() >= PLBUF_VERSION_AT(0, 2, 0));
	CHECK(PLBUF_VERSION_AT(0, 10, 0) > PLBUF_VERSION_AT(0, 9, 99));
	CHECK(PLBUF_VERSION_AT(1, 0, 0) > PLBUF_VERSION_AT(0, 99, 99));
	return 0;
}
