/* meminfo.c - see meminfo.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "os/meminfo.h"
#include "os/sys.h"

int plbuf__meminfo(const char *field, uint64_t *out)
{
	char path[4096], line[128];
	size_t n = strlen(field);
	int err = -ENOENT;
	FILE *f = plbuf__sys_fopen(plbuf__path(path, sizeof(path), "/proc/meminfo"), "re");

	if (!f)
		return -errno;
	while (err == -ENOENT && fgets(line, sizeof(line), f)) {
		char *end;
		unsigned long long v;
		int kb;

		if (strncmp(line, field, n) != 0 || line[n] != ':')
			continue;
		errno = 0;
		v = strtoull(line + n + 1, &end, 10);
		kb = strncmp(end, " kB", 3) == 0;
		if (end == line + n + 1)
			err = -EINVAL;
		else if (errno || (kb && v > UINT64_MAX >> 10))
			err = -ERANGE;
		else {
			*out = kb ? (uint64_t)v << 10 : (uint64_t)v;
			err = 0;
		}
	}
	fclose(f);
	return err;
}
