/* plbuf dtype STR: numpy's reading of a dtype string, as one line of JSON. */
#include <stdio.h>

#include "cli.h"

int cmd_dtype(int argc, char **argv)
{
	struct plbuf_dtype_info d;

	if (argc != 2) {
		fprintf(stderr, "usage: plbuf dtype STR   (e.g. plbuf dtype '<u4')\n");
		return 2;
	}
	if (plbuf_dtype_parse(argv[1], &d) < 0) {
		fprintf(stderr, "plbuf: %s\n", plbuf_errmsg());
		return 1;
	}
	/* dtype.str never holds '"' or '\\', so it needs no JSON escaping. */
	printf("{\"itemsize\":%llu, \"kind\":\"%c\", \"str\":\"%s\", \"alignment\":%llu, "
	       "\"nfields\":%d}\n", (unsigned long long)d.itemsize, d.kind, d.str,
	       (unsigned long long)d.alignment, d.nfields);
	return 0;
}
