/* The README's C example, verbatim: tests/suites/cli.sh builds it against `make install`. */
#include <stdio.h>
#include <plbuf.h>                      /* cc app.c $(pkg-config --cflags --libs plbuf) */

int main(void)
{
	int64_t shape[1] = {5};
	plbuf_buf *in = plbuf_allocate(NULL, 1, shape, "u4", NULL); /* default backend */
	if (!in) {
		fprintf(stderr, "allocate: %s\n", plbuf_errmsg()); /* says what to do */
		return 1;
	}
	uint32_t *v = plbuf_data(in);
	for (int i = 0; i < 5; i++)
		v[i] = (uint32_t)i;
	plbuf_flush(in);                    /* the CPU's writes become visible to the IP */
	printf("give the IP 0x%llx\n", (unsigned long long)plbuf_device_address(in));
	plbuf_invalidate(in);               /* the IP's writes become visible to the CPU */
	plbuf_free(in);
	return 0;
}
