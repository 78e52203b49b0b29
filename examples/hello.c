/* Give an IP five numbers by device address; read back what it wrote. */
#include <stdio.h>
#include <plbuf.h>

int main(void)
{
	int64_t shape[1] = {5};
	plbuf_buf *in = plbuf_allocate(NULL, 1, shape, "u4", NULL); /* default backend */
	if (!in) {
		fprintf(stderr, "allocate: %s\n", plbuf_errmsg());
		return 1;
	}
	uint32_t *v = plbuf_data(in);
	for (int i = 0; i < 5; i++)
		v[i] = (uint32_t)i;
	plbuf_flush(in);                    /* make the CPU's writes visible to the IP */
	printf("device address 0x%llx, %s, coherent=%d\n",
	       (unsigned long long)plbuf_device_address(in), plbuf_backend(in), plbuf_coherent(in));
	/* ...write plbuf_device_address(in) to the IP's register, start it, wait... */
	plbuf_invalidate(in);               /* make the IP's writes visible to the CPU */
	plbuf_free(in);
	return 0;
}
